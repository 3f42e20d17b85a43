//! Storage of photos (one row per content, by SHA-256) and of which case
//! event attached them.

use super::Prepared;
use crate::db::{Db, Tx, query};
use crate::error::Result;

/// Stores an upload's bytes and thumbnail; the same bytes again change nothing.
pub async fn insert(db: &Db, bytes: Vec<u8>, p: &Prepared, now: i64) -> Result<()> {
    let size = bytes.len() as i64;
    query(
        "INSERT INTO blobs (sha256, content_type, size, width, height, data, thumbnail, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&p.sha256)
    .bind(p.content_type)
    .bind(size)
    .bind(p.dimensions.map(|d| i64::from(d.0)))
    .bind(p.dimensions.map(|d| i64::from(d.1)))
    .bind(bytes)
    .bind(p.thumbnail.clone())
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_stored(tx: &mut Tx, sha: &str) -> Result<bool> {
    let known: i64 = query("SELECT COUNT(*) FROM blobs WHERE sha256 = $1").bind(sha).scalar(tx).await?;
    Ok(known > 0)
}

/// Attaches a stored photo to a case event (once per case).
pub async fn attach(tx: &mut Tx, case_id: i64, event_id: i64, sha: &str, now: i64) -> Result<()> {
    query(
        "INSERT INTO case_attachments (case_id, event_id, blob_sha256, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, blob_sha256) DO NOTHING",
    )
    .bind(case_id)
    .bind(event_id)
    .bind(sha)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// A case's photo as stored: hash, content type, size, width, height and
/// whether it has a thumbnail.
pub type PhotoRow = (String, String, i64, Option<i64>, Option<i64>, bool);

/// The photos of a case, oldest first.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<PhotoRow>> {
    Ok(query(
        "SELECT b.sha256, b.content_type, b.size, b.width, b.height, b.thumbnail IS NOT NULL
         FROM case_attachments a JOIN blobs b ON b.sha256 = a.blob_sha256 WHERE a.case_id = $1 ORDER BY a.id",
    )
    .bind(case_id)
    .fetch_all(db)
    .await?)
}

/// A photo's content type and bytes.
pub async fn original(db: &Db, sha: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(query("SELECT content_type, data FROM blobs WHERE sha256 = $1").bind(sha).fetch_optional(db).await?)
}

/// A photo's thumbnail (a JPEG), if it is stored and has one.
pub async fn thumbnail(db: &Db, sha: &str) -> Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> =
        query("SELECT thumbnail FROM blobs WHERE sha256 = $1").bind(sha).fetch_optional(db).await?;
    Ok(row.and_then(|r| r.0))
}
