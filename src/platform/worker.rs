//! The background loop every app server runs: due timers, consumers of
//! event logs, unsent notifications and periodic housekeeping, every
//! `worker_interval_ms` — and the consumers at once whenever events are
//! committed. What runs is registered by the features (a [`Registry`] built
//! by the composition root); the loop knows none of them. Several servers
//! may run it against one PostgreSQL: the claims on timers, cursors and
//! outbox rows keep each effect to one delivery.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::cursor::Consumer;
use super::timers::TimerKind;
use super::{Ctx, outbox, timers};
use crate::error::Result;

/// Work done on a schedule rather than at a time of its own.
#[derive(Clone, Copy)]
pub struct Periodic {
    pub name: &'static str,
    /// `None`: every pass, by every server. `Some(ms)`: once per period by one
    /// of the servers sharing the database (and not again early after a restart).
    pub every_ms: Option<i64>,
    pub run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Result<()>>,
}

/// Everything the worker runs, as the features registered it.
#[derive(Clone, Default)]
pub struct Registry {
    pub timers: Vec<TimerKind>,
    pub consumers: Vec<Consumer>,
    pub periodic: Vec<Periodic>,
}

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

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub timers: usize,
    pub sent: usize,
}

/// Starts the loop; it stops when `shutdown` turns true. The first full
/// pass comes one interval after start, so servers started together do not
/// all pass at once (and a test server with a long interval never passes
/// on its own); consumers run as soon as events are committed.
pub fn spawn(ctx: Ctx, registry: Registry, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    let interval = Duration::from_millis(ctx.config.cases.worker_interval_ms.max(10));
    tokio::spawn(async move {
        ctx.worker.update(|h| h.running = true);
        tracing::info!(interval_ms = interval.as_millis() as u64, "background worker started");
        let mut next_full = tokio::time::Instant::now() + interval;
        loop {
            let full = tokio::select! {
                _ = tokio::time::sleep_until(next_full) => true,
                _ = ctx.events.notified() => {
                    // Let a burst of commits gather into one pass.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    false
                }
                _ = shutdown.changed() => false,
            };
            if *shutdown.borrow() {
                break;
            }
            if full {
                next_full = tokio::time::Instant::now() + interval;
                pass_and_record(&ctx, &registry).await;
            } else if let Err(err) = run_consumers(&ctx, &registry).await {
                tracing::error!(error = ?err, "event consumers failed");
            }
        }
        ctx.worker.update(|h| h.running = false);
        tracing::info!("background worker stopped");
    })
}

async fn pass_and_record(ctx: &Ctx, registry: &Registry) {
    let started = Instant::now();
    let outcome = run_once(ctx, registry).await;
    let elapsed = started.elapsed().as_millis() as u64;
    let now = ctx.now();
    ctx.worker.update(|h| {
        h.passes += 1;
        h.last_pass_at = Some(now);
        h.last_pass_ms = Some(elapsed);
        match &outcome {
            Ok(pass) => {
                h.jobs_run += pass.timers as u64;
                h.notifications_sent += pass.sent as u64;
                h.last_error = None;
            }
            Err(err) => h.last_error = Some(err.to_string()),
        }
    });
    if let Err(err) = outcome {
        tracing::error!(error = ?err, "background worker pass failed");
    }
}

/// One pass: every due timer, every consumer, every due notification, then
/// the periodic work. Returns what ran, for tests.
pub async fn run_once(ctx: &Ctx, registry: &Registry) -> Result<Pass> {
    let _one_at_a_time = ctx.passes.lock().await;
    let timers = run_due_timers(ctx, registry).await?;
    consume(ctx, registry).await?;
    let sent = outbox::deliver_due(ctx).await?;
    for p in &registry.periodic {
        let due = match p.every_ms {
            None => true,
            Some(every) => {
                let key = format!("periodic.{}", p.name);
                crate::db::settings::claim_period(&ctx.db, &key, ctx.now(), every).await?
            }
        };
        if due {
            (p.run)(ctx).await?;
        }
    }
    Ok(Pass { timers, sent })
}

async fn run_consumers(ctx: &Ctx, registry: &Registry) -> Result<()> {
    let _one_at_a_time = ctx.passes.lock().await;
    consume(ctx, registry).await
}

async fn consume(ctx: &Ctx, registry: &Registry) -> Result<()> {
    for c in &registry.consumers {
        super::cursor::catch_up(ctx, c).await?;
    }
    Ok(())
}

async fn run_due_timers(ctx: &Ctx, registry: &Registry) -> Result<usize> {
    let mut ran = 0;
    loop {
        let now = ctx.now();
        let due = timers::due(&ctx.db, now, 100).await?;
        if due.is_empty() {
            return Ok(ran);
        }
        for timer in &due {
            let Some(kind) = registry.timers.iter().find(|k| k.name == timer.kind) else {
                tracing::warn!(job_id = timer.id, kind = %timer.kind, "no feature runs this kind of timer");
                timers::record_failure(&ctx.db, timer, "unknown timer kind", now).await?;
                continue;
            };
            let mut tx = ctx.db.begin().await?;
            if !timers::claim(&mut tx, timer.id, now).await? {
                continue;
            }
            match (kind.run)(ctx, &mut tx, timer).await {
                Ok(()) => {
                    tx.commit().await?;
                    ran += 1;
                }
                Err(err) => {
                    drop(tx);
                    tracing::warn!(job_id = timer.id, kind = %timer.kind, error = %err, "timer failed; will retry");
                    timers::record_failure(&ctx.db, timer, &err.to_string(), now).await?;
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

pub async fn backlog(ctx: &Ctx) -> Result<Backlog> {
    let now = ctx.now();
    let due_jobs = timers::due_count(&ctx.db, now).await?;
    let (pending, oldest) = outbox::pending(&ctx.db).await?;
    Ok(Backlog {
        due_jobs,
        pending_notifications: pending,
        oldest_pending_age_s: oldest.map(|t| ((now - t) / 1000).max(0)),
    })
}
