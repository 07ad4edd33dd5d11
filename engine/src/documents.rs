//! Stored files (`doc_…`): bytes kept by the server with their SHA-256, owned by one organization.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::fields::{FileRef, NewFile};
use crate::ids::{DocumentId, OrgId};
use crate::time::Timestamp;

/// Stores `file` for `org` and returns the reference a field value holds.
pub async fn store(
    tx: &mut sqlx::SqliteConnection,
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
    insert(tx, org, &reference, &file.bytes, now).await?;
    Ok(reference)
}

/// Copies a stored file into a new document of `org` with identical bytes.
pub async fn copy(
    tx: &mut sqlx::SqliteConnection,
    source: &FileRef,
    org: &OrgId,
    now: Timestamp,
) -> Result<FileRef> {
    let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM documents WHERE id = ?")
        .bind(&source.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| crate::Error::Internal(format!("document {} is missing", source.id)))?;
    let copy = FileRef {
        id: DocumentId::new(),
        ..source.clone()
    };
    insert(tx, org, &copy, &bytes, now).await?;
    Ok(copy)
}

async fn insert(
    tx: &mut sqlx::SqliteConnection,
    org: &OrgId,
    file: &FileRef,
    bytes: &[u8],
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO documents (id, organization_id, filename, content_type, byte_size, sha256, bytes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&file.id)
    .bind(org)
    .bind(&file.filename)
    .bind(&file.content_type)
    .bind(file.byte_size)
    .bind(&file.sha256)
    .bind(bytes)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// The bytes of the given documents, keyed by id.
pub async fn load_bytes<'a>(
    conn: &mut sqlx::SqliteConnection,
    ids: impl IntoIterator<Item = &'a DocumentId>,
) -> Result<BTreeMap<DocumentId, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for id in ids {
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM documents WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| crate::Error::Internal(format!("document {id} is missing")))?;
        files.insert(id.clone(), bytes);
    }
    Ok(files)
}
