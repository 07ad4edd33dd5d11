//! Stored files (`doc_…`): bytes kept by the server with their SHA-256, owned by one organization.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::Engine;
use crate::error::Result;
use crate::fields::{FileRef, NewFile};
use crate::ids::{DocumentId, OrgId};
use crate::time::Timestamp;
use crate::verification::Inspection;

/// Stores `file` for `org` and returns the reference a field value holds.
pub async fn store(
    tx: &mut sqlx::AnyConnection,
    org: &OrgId,
    file: &NewFile,
    now: Timestamp,
) -> Result<FileRef> {
    let reference = FileRef {
        id: DocumentId::new(),
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        byte_size: i64::try_from(file.bytes.len())
            .map_err(|_| crate::Error::Internal("file too large".into()))?,
        sha256: data_encoding::HEXLOWER.encode(&Sha256::digest(&file.bytes)),
    };
    insert(tx, org, &reference, &file.bytes, file.inspection, now).await?;
    Ok(reference)
}

/// A stored file's bytes with how to serve them.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// `org`'s file `id` (none for another organization's).
pub async fn read(engine: &Engine, org: &OrgId, id: &DocumentId) -> Result<Option<StoredFile>> {
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT filename, content_type, bytes FROM documents WHERE id = $1 AND organization_id = $2",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(engine.db().pool())
    .await?;
    Ok(row.map(|(filename, content_type, bytes)| StoredFile {
        filename,
        content_type,
        bytes,
    }))
}

/// Copies a stored file into a new document of `org` with identical bytes (and inspection).
pub async fn copy(
    tx: &mut sqlx::AnyConnection,
    source: &FileRef,
    org: &OrgId,
    now: Timestamp,
) -> Result<FileRef> {
    let copy = FileRef {
        id: DocumentId::new(),
        ..source.clone()
    };
    let copied = sqlx::query(
        "INSERT INTO documents (id, organization_id, filename, content_type, byte_size, sha256, bytes, inspection, created_at)
         SELECT $1, $2, filename, content_type, byte_size, sha256, bytes, inspection, $3 FROM documents WHERE id = $4",
    )
    .bind(&copy.id)
    .bind(org)
    .bind(now)
    .bind(&source.id)
    .execute(tx)
    .await?;
    if copied.rows_affected() != 1 {
        return Err(crate::Error::Internal(format!(
            "document {} is missing",
            source.id
        )));
    }
    Ok(copy)
}

async fn insert(
    tx: &mut sqlx::AnyConnection,
    org: &OrgId,
    file: &FileRef,
    bytes: &[u8],
    inspection: Option<Inspection>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO documents (id, organization_id, filename, content_type, byte_size, sha256, bytes, inspection, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&file.id)
    .bind(org)
    .bind(&file.filename)
    .bind(&file.content_type)
    .bind(file.byte_size)
    .bind(&file.sha256)
    .bind(bytes)
    .bind(inspection.map(|i| serde_json::to_string(&i).expect("inspections serialise")))
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Inspects, outside any write transaction, the given documents stored before inspections
/// existed (each once: the result is kept). Callers run it before taking the write lock, so that
/// [`load_inspections`] inside the transaction only reads.
pub async fn ensure_inspected<'a>(
    engine: &Engine,
    ids: impl IntoIterator<Item = &'a DocumentId>,
) -> Result<()> {
    let ids: Vec<&DocumentId> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    // One read for all of them; only files older than inspections come back.
    let placeholders = crate::db::placeholders(1, ids.len());
    let sql = format!(
        "SELECT id, bytes FROM documents WHERE inspection IS NULL AND id IN ({placeholders})"
    );
    let mut query = sqlx::query_as::<_, (DocumentId, Vec<u8>)>(&sql);
    for id in &ids {
        query = query.bind(*id);
    }
    let missing = query.fetch_all(engine.db().pool()).await?;
    for (id, bytes) in missing {
        let inspection = engine.inspect(Arc::new(bytes)).await;
        let mut tx = engine.db().begin_write().await?;
        sqlx::query("UPDATE documents SET inspection = $1 WHERE id = $2 AND inspection IS NULL")
            .bind(serde_json::to_string(&inspection).expect("inspections serialise"))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The inspections of the given documents, keyed by id. A file stored before inspections existed
/// and not yet passed through [`ensure_inspected`] is inspected here (rare: only a race with it).
pub async fn load_inspections<'a>(
    conn: &mut sqlx::AnyConnection,
    engine: &Engine,
    ids: impl IntoIterator<Item = &'a DocumentId>,
) -> Result<BTreeMap<DocumentId, Inspection>> {
    let mut inspections = BTreeMap::new();
    for id in ids {
        let stored: Option<Option<String>> =
            sqlx::query_scalar("SELECT inspection FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        let stored =
            stored.ok_or_else(|| crate::Error::Internal(format!("document {id} is missing")))?;
        let inspection = match stored.as_deref().map(serde_json::from_str::<Inspection>) {
            Some(Ok(inspection)) => inspection,
            _ => {
                let bytes: Vec<u8> =
                    sqlx::query_scalar("SELECT bytes FROM documents WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *conn)
                        .await?;
                let inspection = engine.inspect(Arc::new(bytes)).await;
                sqlx::query("UPDATE documents SET inspection = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&inspection).expect("inspections serialise"))
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                inspection
            }
        };
        inspections.insert(id.clone(), inspection);
    }
    Ok(inspections)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;
    use crate::verification::tests::samples;

    #[tokio::test]
    async fn a_file_stored_before_inspections_is_inspected_once_and_kept() {
        let engine = engine().await;
        let (org, _) = crate::orgs::create(&engine, "Acme", &[]).await.unwrap();
        let file =
            crate::fields::new_file("id.png".into(), "image/png".into(), samples::png(80, 70))
                .unwrap();
        let mut tx = engine.db().begin_write().await.unwrap();
        let legacy = store(&mut tx, &org.id, &file, engine.now()).await.unwrap();
        tx.commit().await.unwrap();

        ensure_inspected(&engine, [&legacy.id]).await.unwrap();

        let stored: Option<String> =
            sqlx::query_scalar("SELECT inspection FROM documents WHERE id = $1")
                .bind(&legacy.id)
                .fetch_one(engine.db().pool())
                .await
                .unwrap();
        assert_eq!(
            stored
                .as_deref()
                .map(serde_json::from_str::<Inspection>)
                .transpose()
                .unwrap(),
            Some(Inspection::Image {
                width: 80,
                height: 70
            }),
            "the inspection is stored with the document"
        );
    }
}
