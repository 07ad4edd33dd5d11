//! Visits to the start page: the smallest aggregate that proves the page → server function → SQLite
//! pipeline works. It goes away when the hosted flow replaces the start page.

use crate::Database;

/// Records one visit and returns how many there have been in all.
pub async fn record(db: &Database) -> Result<i64, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("INSERT INTO visits (visited_at) VALUES (?)")
        .bind(chrono::Utc::now())
        .execute(&mut *tx)
        .await?;
    let total = count_in(&mut *tx).await?;
    tx.commit().await?;
    Ok(total)
}

/// How many visits have been recorded.
pub async fn count(db: &Database) -> Result<i64, sqlx::Error> {
    count_in(db.pool()).await
}

async fn count_in<'e, E>(executor: E) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query_scalar("SELECT COUNT(*) FROM visits")
        .fetch_one(executor)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_recorded_visit_adds_one_to_the_count() {
        let db = Database::connect("sqlite::memory:")
            .await
            .expect("in-memory database");
        assert_eq!(
            count(&db).await.expect("count"),
            0,
            "a new database has no visits"
        );

        let first = record(&db).await.expect("first visit");
        let second = record(&db).await.expect("second visit");

        assert_eq!(
            (first, second),
            (1, 2),
            "record should return the running total"
        );
        assert_eq!(
            count(&db).await.expect("count"),
            2,
            "count should see both visits"
        );
    }
}
