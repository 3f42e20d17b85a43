//! Group commit for reports on SQLite. Every commit there waits for an
//! fsync (synchronous=FULL: an acknowledged report is on disk). Instead of
//! one fsync per report, concurrent reports are filed together: a single
//! task takes whatever has queued up, files it all in one transaction,
//! commits once, and only then answers each request. Under load, one fsync
//! serves dozens of reports; alone, a report waits for no one.

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::idempotency::Idempotency;
use super::service::{Located, ReportInput, file_in_tx};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::web::AppState;

/// Most reports filed in one transaction.
const MAX_BATCH: usize = 128;

struct Job {
    actor: Actor,
    input: ReportInput,
    located: Located,
    idem: Option<Idempotency>,
    reply: oneshot::Sender<Result<(i64, bool)>>,
}

/// The queue in front of the batching writer.
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<Job>,
    stop: Arc<Notify>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Intake")
    }
}

impl Intake {
    /// Starts the writer; `state` must not itself hold an `Intake`.
    pub fn start(state: AppState) -> Intake {
        let (queue, rx) = mpsc::channel(1024);
        let stop = Arc::new(Notify::new());
        let writer = tokio::spawn(run(state, rx, stop.clone()));
        Intake { queue, stop, writer: Arc::new(Mutex::new(Some(writer))) }
    }

    /// Stops the writer after the batch in hand, releasing its database
    /// handle; reports queued later are refused as unavailable.
    pub async fn close(&self) {
        self.stop.notify_one();
        let writer = self.writer.lock().map(|mut w| w.take()).unwrap_or(None);
        if let Some(writer) = writer {
            let _ = writer.await;
        }
    }

    /// Files a report with the next batch; returns once it is on disk.
    pub async fn file(
        &self,
        actor: Actor,
        input: ReportInput,
        located: Located,
        idem: Option<Idempotency>,
    ) -> Result<(i64, bool)> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { actor, input, located, idem, reply })
            .await
            .map_err(|_| Error::Unavailable("the intake writer has stopped".into()))?;
        answer.await.map_err(|_| Error::Unavailable("the intake writer has stopped".into()))?
    }
}

async fn run(state: AppState, mut rx: mpsc::Receiver<Job>, stop: Arc<Notify>) {
    loop {
        let first = tokio::select! {
            job = rx.recv() => match job {
                Some(job) => job,
                None => return,
            },
            () = stop.notified() => return,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            let job = batch.pop().expect("one job");
            let result = file_batch(&state, std::slice::from_ref(&job)).await.map(|mut r| r.remove(0));
            let _ = job.reply.send(result);
            continue;
        }
        match file_batch(&state, &batch).await {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            // One bad report must not sink the others: file each alone, so
            // each gets its own answer.
            Err(_) => {
                for job in batch {
                    let result = file_batch(&state, std::slice::from_ref(&job)).await.map(|mut r| r.remove(0));
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

async fn file_batch(state: &AppState, batch: &[Job]) -> Result<Vec<(i64, bool)>> {
    let mut tx = state.db.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(file_in_tx(state, &mut tx, &job.actor, &job.input, &job.located, job.idem.as_ref()).await?);
    }
    tx.commit().await?;
    Ok(results)
}
