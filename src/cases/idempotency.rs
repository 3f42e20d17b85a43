//! Idempotent creates: a client that did not hear the answer sends the same
//! request again with the same `Idempotency-Key` and gets the same case, not
//! a second one. The key is written in the transaction that files the case,
//! so a crash leaves either both or neither.

use sha2::{Digest, Sha256};

use crate::db::{Tx, query};
use crate::error::{Error, Result};

/// A client's key for one create, and what the request was.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// Whose keys these are: `person:7`, `client:2`, `anonymous`.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the request: the same key with another request is refused.
    pub request_hash: String,
}

impl Idempotency {
    pub fn new(scope: String, key: &str, request: &[u8]) -> Result<Idempotency> {
        let valid = (1..=128).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic());
        if !valid {
            return Err(Error::invalid("Idempotency-Key", "应为 1 到 128 个可见的 ASCII 字符"));
        }
        Ok(Idempotency {
            scope,
            key: key.to_string(),
            request_hash: crate::auth::secret::hex(&Sha256::digest(request)),
        })
    }
}

/// Claims the key inside the filing transaction; `Some(case)` when the same
/// request was already filed under it.
pub async fn claim(tx: &mut Tx, idem: &Idempotency, now: i64) -> Result<Option<i64>> {
    let inserted = query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(&idem.scope)
    .bind(&idem.key)
    .bind(&idem.request_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted == 1 {
        return Ok(None);
    }
    let (hash, case_id): (String, Option<i64>) =
        query("SELECT request_hash, case_id FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(&idem.scope)
            .bind(&idem.key)
            .fetch_one(&mut *tx)
            .await?;
    if hash != idem.request_hash {
        return Err(Error::invalid("Idempotency-Key", "已用于另一个不同的请求"));
    }
    case_id.map(Some).ok_or_else(|| Error::Conflict("相同的请求正在处理中，请稍后重试".into()))
}

/// Records the case filed under a claimed key (same transaction).
pub async fn record(tx: &mut Tx, idem: &Idempotency, case_id: i64) -> Result<()> {
    query("UPDATE idempotency_keys SET case_id = $1 WHERE scope = $2 AND key = $3")
        .bind(case_id)
        .bind(&idem.scope)
        .bind(&idem.key)
        .execute(tx)
        .await?;
    Ok(())
}

/// Hourly, by one of the servers: keys older than a week forgotten.
pub const FORGET: crate::platform::worker::Periodic = crate::platform::worker::Periodic {
    name: "idempotency.forget",
    every_ms: Some(3_600_000),
    run: |ctx| Box::pin(async move { forget_old(&ctx.db, ctx.now()).await.map(|_| ()) }),
};

/// Keys are kept a week.
pub async fn forget_old(db: &crate::db::Db, now: i64) -> Result<u64> {
    Ok(query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(now - 7 * 24 * 3_600_000).execute(db).await?)
}
