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

/// Hourly: reporters' details of long-closed cases erased (the retention
/// setting), old idempotency keys forgotten, the whole roll-up compacted.
async fn housekeeping(state: &AppState) -> Result<()> {
    static LAST: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(i64::MIN);
    let now = state.clock.now_ms();
    let last = LAST.load(std::sync::atomic::Ordering::Relaxed);
    if last != i64::MIN && now - last < 3_600_000 && now >= last {
        return Ok(());
    }
    LAST.store(now, std::sync::atomic::Ordering::Relaxed);
    let erased = crate::people::privacy::apply_retention(&state.db, state.config.privacy.retention_days, now).await?;
    if erased > 0 {
        tracing::info!(rows = erased, "retention: reporters' details erased from long-closed cases");
    }
    crate::cases::idempotency::forget_old(&state.db, now).await?;
    crate::cases::rollup::compact(&state.db, true).await?;
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
