//! The background loop every app server runs: due timers, then unsent
//! notifications, every `worker_interval_ms`. Several servers may run it
//! against one PostgreSQL; the claims in `jobs` and `notify` keep each timer
//! and each notification to one delivery.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::Result;
use crate::web::AppState;

/// Starts the loop; it stops when `shutdown` turns true.
pub fn spawn(state: AppState, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    let interval = Duration::from_millis(state.config.cases.worker_interval_ms.max(10));
    tokio::spawn(async move {
        loop {
            if let Err(err) = run_once(&state).await {
                tracing::error!(error = ?err, "background worker pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    })
}

/// One pass: every due job, then every due notification. Returns how many
/// of each ran, for tests.
pub async fn run_once(state: &AppState) -> Result<(usize, usize)> {
    let jobs = run_due_jobs(state).await?;
    let sent = crate::notify::deliver_due(state).await?;
    crate::cases::rollup::compact(&state.db, false).await?;
    housekeeping(state).await?;
    Ok((jobs, sent))
}

/// Hourly, by one server of those sharing the database (and not again on
/// a restart within the hour): reporters' details of long-closed cases
/// erased (the retention setting), old idempotency keys forgotten, and on
/// PostgreSQL the whole roll-up compacted (several servers' incremental
/// passes can each leave a few rows; SQLite has one writer, whose
/// incremental passes leave none).
async fn housekeeping(state: &AppState) -> Result<()> {
    let now = state.clock.now_ms();
    if !crate::db::settings::claim_period(&state.db, "housekeeping.last_run", now, 3_600_000).await? {
        return Ok(());
    }
    let erased = crate::people::privacy::apply_retention(&state.db, state.config.privacy.retention_days, now).await?;
    if erased > 0 {
        tracing::info!(rows = erased, "retention: reporters' details erased from long-closed cases");
    }
    crate::cases::idempotency::forget_old(&state.db, now).await?;
    crate::cases::rollup::compact(&state.db, state.db.backend() == crate::db::Backend::Postgres).await?;
    Ok(())
}

async fn run_due_jobs(state: &AppState) -> Result<usize> {
    let mut ran = 0;
    loop {
        let now = state.clock.now_ms();
        let due = crate::jobs::due(&state.db, now, 100).await?;
        if due.is_empty() {
            return Ok(ran);
        }
        for job in &due {
            let mut tx = state.db.begin().await?;
            if !crate::jobs::claim(&mut tx, job.id, now).await? {
                continue;
            }
            match crate::cases::service::run_job(state, &mut tx, job).await {
                Ok(()) => {
                    tx.commit().await?;
                    ran += 1;
                }
                Err(err) => {
                    drop(tx);
                    tracing::warn!(job_id = job.id, kind = %job.kind, error = %err, "job failed; will retry");
                    crate::jobs::record_failure(&state.db, job, &err.to_string(), now).await?;
                }
            }
        }
        if due.len() < 100 {
            return Ok(ran);
        }
    }
}
