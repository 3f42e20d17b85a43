//! Durable timers: work that runs at a time, stored in the database so a
//! restart loses none. Each timer names its kind (registered by the feature
//! that schedules it, see [`TimerKind`]) and its subject (`case:42`). It runs
//! at most once: the transaction that marks it done is the one that applies
//! its effects, and its `dedupe_key` keeps the same timer from being
//! scheduled twice. Two app servers sharing PostgreSQL may race for a
//! timer; the loser's claim matches no row and it rolls back.

use futures_util::future::BoxFuture;

use super::{Ctx, Subject};
use crate::db::{Db, On, Tx, query};
use crate::error::Result;

crate::db_row! {
    #[derive(Debug, Clone)]
    pub struct Timer {
        pub id: i64,
        pub kind: String,
        pub subject: Option<String>,
        pub payload: String,
        pub run_at: i64,
        pub attempts: i64,
    }
}

impl Timer {
    /// The subject's id when it is of `kind` (`case:42` → 42 for `case`).
    pub fn subject_id(&self, kind: &str) -> Option<i64> {
        self.subject.as_deref().and_then(Subject::parse).and_then(|s| s.id_if(kind))
    }

    pub fn payload(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null)
    }
}

/// A timer to schedule.
#[derive(Debug, Clone)]
pub struct NewTimer {
    pub kind: &'static str,
    pub subject: Subject,
    pub payload: serde_json::Value,
    /// Scheduling the same key again does nothing.
    pub dedupe_key: String,
    pub run_at: i64,
}

/// What runs a kind of timer, inside the transaction that claimed it.
pub type RunTimer = for<'a> fn(&'a Ctx, &'a mut Tx, &'a Timer) -> BoxFuture<'a, Result<()>>;

/// A kind of timer and what runs it; each feature registers its own.
#[derive(Clone, Copy)]
pub struct TimerKind {
    pub name: &'static str,
    pub run: RunTimer,
}

pub async fn schedule(tx: &mut Tx, timer: &NewTimer, now: i64) -> Result<()> {
    query(
        "INSERT INTO jobs (kind, subject, payload, dedupe_key, run_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(timer.kind)
    .bind(timer.subject.to_string())
    .bind(timer.payload.to_string())
    .bind(&timer.dedupe_key)
    .bind(timer.run_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Cancels a subject's pending timers (e.g. when a case closes).
pub async fn cancel_for(tx: &mut Tx, subject: &Subject, now: i64) -> Result<u64> {
    Ok(query("UPDATE jobs SET cancelled_at = $1 WHERE subject = $2 AND done_at IS NULL AND cancelled_at IS NULL")
        .bind(now)
        .bind(subject.to_string())
        .execute(tx)
        .await?)
}

/// Timers whose time has come, oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Timer>> {
    Ok(query(
        "SELECT id, kind, subject, payload, run_at, attempts FROM jobs
         WHERE done_at IS NULL AND cancelled_at IS NULL AND run_at <= $1 ORDER BY run_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Marks a timer done inside the transaction that applies its effects.
/// `false` means another worker got there first (or it was cancelled).
pub async fn claim(tx: &mut Tx, id: i64, now: i64) -> Result<bool> {
    let claimed = query(
        "UPDATE jobs SET done_at = $1, attempts = attempts + 1
         WHERE id = $2 AND done_at IS NULL AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(claimed == 1)
}

/// Records a failed run and retries later with exponential backoff; after
/// ten failures the timer is cancelled, its last error kept.
pub async fn record_failure(db: &Db, timer: &Timer, error: &str, now: i64) -> Result<()> {
    let attempts = timer.attempts + 1;
    let backoff_ms = 1000i64 << attempts.min(16);
    let give_up = attempts >= 10;
    query(
        "UPDATE jobs SET attempts = $1, last_error = $2, run_at = $3,
                         cancelled_at = CASE WHEN $4 THEN $5 ELSE cancelled_at END
         WHERE id = $6 AND done_at IS NULL",
    )
    .bind(attempts)
    .bind(error)
    .bind(now + backoff_ms)
    .bind(give_up)
    .bind(now)
    .bind(timer.id)
    .execute(db)
    .await?;
    Ok(())
}

/// A subject's pending timers, soonest first, for display and tests.
pub async fn pending_for<'a>(on: impl Into<On<'a>>, subject: &Subject) -> Result<Vec<Timer>> {
    Ok(query(
        "SELECT id, kind, subject, payload, run_at, attempts FROM jobs
         WHERE subject = $1 AND done_at IS NULL AND cancelled_at IS NULL ORDER BY run_at",
    )
    .bind(subject.to_string())
    .fetch_all(on)
    .await?)
}

/// Timers whose time has come and that have not run (the `jobs_due` index).
pub async fn due_count(db: &Db, now: i64) -> Result<i64> {
    Ok(query("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND cancelled_at IS NULL AND run_at <= $1")
        .bind(now)
        .scalar(db)
        .await?)
}
