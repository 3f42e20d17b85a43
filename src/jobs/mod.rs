//! Durable timers: jobs that run at a time, stored in the database so a
//! restart loses none. Each job runs at most once: the transaction that
//! marks it done is the one that applies its effects, and a job's
//! `dedupe_key` keeps the same timer from being scheduled twice. Two app
//! servers sharing PostgreSQL may race for a job; the loser's claim matches
//! no row and it rolls back.

use crate::db::{Db, On, Tx, query};
use crate::error::Result;

crate::db_row! {
    #[derive(Debug, Clone)]
    pub struct Job {
        pub id: i64,
        pub kind: String,
        pub case_id: Option<i64>,
        pub payload: String,
        pub run_at: i64,
        pub attempts: i64,
    }
}

/// A job to schedule.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub case_id: Option<i64>,
    pub payload: serde_json::Value,
    /// Scheduling the same key again does nothing.
    pub dedupe_key: String,
    pub run_at: i64,
}

pub async fn schedule(tx: &mut Tx, job: &NewJob, now: i64) -> Result<()> {
    query(
        "INSERT INTO jobs (kind, case_id, payload, dedupe_key, run_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(job.kind)
    .bind(job.case_id)
    .bind(job.payload.to_string())
    .bind(&job.dedupe_key)
    .bind(job.run_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Cancels a case's pending jobs (e.g. when it closes).
pub async fn cancel_for_case(tx: &mut Tx, case_id: i64, now: i64) -> Result<u64> {
    Ok(query("UPDATE jobs SET cancelled_at = $1 WHERE case_id = $2 AND done_at IS NULL AND cancelled_at IS NULL")
        .bind(now)
        .bind(case_id)
        .execute(tx)
        .await?)
}

/// Jobs whose time has come, oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Job>> {
    Ok(query(
        "SELECT id, kind, case_id, payload, run_at, attempts FROM jobs
         WHERE done_at IS NULL AND cancelled_at IS NULL AND run_at <= $1 ORDER BY run_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Marks a job done inside the transaction that applies its effects.
/// `false` means another worker got there first (or it was cancelled).
pub async fn claim(tx: &mut Tx, job_id: i64, now: i64) -> Result<bool> {
    let claimed = query(
        "UPDATE jobs SET done_at = $1, attempts = attempts + 1
         WHERE id = $2 AND done_at IS NULL AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(job_id)
    .execute(tx)
    .await?;
    Ok(claimed == 1)
}

/// Records a failed run and retries later with exponential backoff; after
/// ten failures the job is cancelled, its last error kept.
pub async fn record_failure(db: &Db, job: &Job, error: &str, now: i64) -> Result<()> {
    let attempts = job.attempts + 1;
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
    .bind(job.id)
    .execute(db)
    .await?;
    Ok(())
}

/// Pending jobs of a case, for display and tests.
pub async fn pending_for_case<'a>(on: impl Into<On<'a>>, case_id: i64) -> Result<Vec<Job>> {
    Ok(query(
        "SELECT id, kind, case_id, payload, run_at, attempts FROM jobs
         WHERE case_id = $1 AND done_at IS NULL AND cancelled_at IS NULL ORDER BY run_at",
    )
    .bind(case_id)
    .fetch_all(on)
    .await?)
}
