//! Small named values kept in the database (`settings`), shared by every
//! server on it: secrets made once, watermarks, when periodic work last ran.

use super::{Db, DbError, query};

/// The value stored under `key`, if any.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, DbError> {
    let row: Option<(String,)> =
        query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(db).await?;
    Ok(row.map(|(v,)| v))
}

/// Stores `value` under `key` unless a value is there already; returns the
/// value that is stored now (the first writer's, when several race).
pub async fn get_or_insert(db: &Db, key: &str, value: &str, now: i64) -> Result<String, DbError> {
    query("INSERT INTO settings (key, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(db)
        .await?;
    Ok(get(db, key).await?.unwrap_or_else(|| value.to_string()))
}

/// An integer setting, 0 when absent or unreadable.
pub async fn get_i64(db: &Db, key: &str) -> Result<i64, DbError> {
    Ok(get(db, key).await?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Stores integer `value` under `key` if it is greater than what is stored
/// (or nothing is); returns whether it was stored. Atomic, so of several
/// servers raising the same key at once exactly one wins each value.
pub async fn raise_i64(db: &Db, key: &str, value: i64, now: i64) -> Result<bool, DbError> {
    raise_by(db, key, value, 0, now).await
}

/// Claims periodic work: stores `now` under `key` if the last claim is at
/// least `every_ms` old (or there is none) and says whether this caller
/// won, so the work runs once per period however many servers share the
/// database, and a restart does not run it again early.
pub async fn claim_period(db: &Db, key: &str, now: i64, every_ms: i64) -> Result<bool, DbError> {
    // Asked on every worker pass: a read answers "not yet" without taking
    // the writer; only a due claim writes.
    if get(db, key).await?.and_then(|v| v.parse::<i64>().ok()).is_some_and(|last| now < last + every_ms) {
        return Ok(false);
    }
    raise_by(db, key, now, every_ms, now).await
}

/// Stores `value` if it exceeds the stored value by at least `margin`.
async fn raise_by(db: &Db, key: &str, value: i64, margin: i64, now: i64) -> Result<bool, DbError> {
    let changed = query(
        "INSERT INTO settings (key, value, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value
         WHERE CAST(settings.value AS BIGINT) + $4 <= CAST(excluded.value AS BIGINT)
           AND CAST(settings.value AS BIGINT) < CAST(excluded.value AS BIGINT)",
    )
    .bind(key)
    .bind(value.to_string())
    .bind(now)
    .bind(margin)
    .execute(db)
    .await?;
    Ok(changed > 0)
}
