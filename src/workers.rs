//! The background loop every app server runs: due timers, then unsent
//! notifications, every `worker_interval_ms`. Several servers may run it
//! against one PostgreSQL; the claims in `jobs` and `notify` keep each timer
//! and each notification to one delivery. `Server::run_until` starts it and
//! stops it on shutdown; its health is served at `/api/v1/status`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::query;
use crate::error::Result;
use crate::web::AppState;

/// What the worker last did, for the status endpoint.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<HealthState>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct HealthState {
    pub running: bool,
    pub passes: u64,
    /// Epoch ms of the end of the last pass.
    pub last_pass_at: Option<i64>,
    pub last_pass_ms: Option<u64>,
    pub last_error: Option<String>,
    /// Timers run and notifications sent since start.
    pub jobs_run: u64,
    pub notifications_sent: u64,
}

impl Health {
    pub fn snapshot(&self) -> HealthState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut HealthState)) {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Starts the loop; it stops when `shutdown` turns true. The first pass
/// comes one interval after start, so servers started together do not
/// all pass at once (and a test server with a long interval never passes
/// on its own).
pub fn spawn(state: AppState, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    let interval = Duration::from_millis(state.config.cases.worker_interval_ms.max(10));
    tokio::spawn(async move {
        state.worker.update(|h| h.running = true);
        tracing::info!(interval_ms = interval.as_millis() as u64, "background worker started");
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
            let started = Instant::now();
            let outcome = run_once(&state).await;
            let elapsed = started.elapsed().as_millis() as u64;
            let now = state.clock.now_ms();
            state.worker.update(|h| {
                h.passes += 1;
                h.last_pass_at = Some(now);
                h.last_pass_ms = Some(elapsed);
                match &outcome {
                    Ok((jobs, sent)) => {
                        h.jobs_run += *jobs as u64;
                        h.notifications_sent += *sent as u64;
                        h.last_error = None;
                    }
                    Err(err) => h.last_error = Some(err.to_string()),
                }
            });
            if let Err(err) = outcome {
                tracing::error!(error = ?err, "background worker pass failed");
            }
        }
        state.worker.update(|h| h.running = false);
        tracing::info!("background worker stopped");
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

/// The backlog as the database holds it: what the worker has yet to do.
/// Both counts come from partial indexes (`jobs_due`, `outbox_pending`), so
/// asking is cheap however many cases the database holds.
#[derive(Debug, Clone, Serialize)]
pub struct Backlog {
    /// Timers whose time has come and that have not run.
    pub due_jobs: i64,
    pub pending_notifications: i64,
    /// Seconds since the oldest pending notification was queued.
    pub oldest_pending_age_s: Option<i64>,
}

pub async fn backlog(state: &AppState) -> Result<Backlog> {
    let now = state.clock.now_ms();
    let due_jobs: i64 =
        query("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND cancelled_at IS NULL AND run_at <= $1")
            .bind(now)
            .scalar(&state.db)
            .await?;
    let (pending, oldest): (i64, Option<i64>) =
        query("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'").fetch_one(&state.db).await?;
    Ok(Backlog {
        due_jobs,
        pending_notifications: pending,
        oldest_pending_age_s: oldest.map(|t| ((now - t) / 1000).max(0)),
    })
}
