//! Group commit on SQLite. Every commit there waits for an fsync
//! (synchronous=FULL: an acknowledged write is on disk). Instead of one
//! fsync per request, concurrent units of work share one: a single task
//! takes whatever has queued up, runs it all in one transaction, commits
//! once, and only then answers each caller. Under load, one fsync serves
//! dozens of writes; alone, a write waits for no one. The writer knows
//! nothing of what the units do: a feature hands it a [`Unit`].

use std::any::Any;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// Most units run in one transaction.
const MAX_BATCH: usize = 128;

/// A piece of work to run inside a shared transaction. It may run twice:
/// when a batch fails, each of its units is retried alone, so one bad
/// request does not sink the others.
pub trait Unit: Send + Sync + 'static {
    fn run<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Box<dyn Any + Send>>>;
}

type Reply = oneshot::Sender<Result<Box<dyn Any + Send>>>;

/// The queue in front of the batching writer.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<(Box<dyn Unit>, Reply)>,
    stop: Arc<Notify>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
    /// Told after every commit (the worker listens, to hear of new events at once).
    committed: Arc<Notify>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}

impl GroupCommit {
    pub fn start(db: Db, committed: Arc<Notify>) -> GroupCommit {
        let (queue, rx) = mpsc::channel(1024);
        let stop = Arc::new(Notify::new());
        let writer = tokio::spawn(run(db, rx, stop.clone(), committed.clone()));
        GroupCommit { queue, stop, writer: Arc::new(Mutex::new(Some(writer))), committed }
    }

    /// Stops the writer after the batch in hand, releasing its database
    /// handle; units queued later are refused as unavailable.
    pub async fn close(&self) {
        self.stop.notify_one();
        let writer = self.writer.lock().map(|mut w| w.take()).unwrap_or(None);
        if let Some(writer) = writer {
            let _ = writer.await;
        }
    }

    /// Runs `unit` with the next batch; returns its output once it is on disk.
    pub async fn run<T: Send + 'static>(&self, unit: impl Unit) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Error::Unavailable("写入队列已停止，请稍后重试".into());
        self.queue.send((Box::new(unit), reply)).await.map_err(|_| stopped())?;
        let output = answer.await.map_err(|_| stopped())??;
        output
            .downcast::<T>()
            .map(|b| *b)
            .map_err(|_| Error::Internal(anyhow::anyhow!("a unit's output has another type")))
    }

    pub fn committed(&self) -> &Arc<Notify> {
        &self.committed
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<(Box<dyn Unit>, Reply)>, stop: Arc<Notify>, committed: Arc<Notify>) {
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
        let units: Vec<&dyn Unit> = batch.iter().map(|(u, _)| u.as_ref()).collect();
        match run_batch(&db, &units).await {
            Ok(outputs) => {
                committed.notify_one();
                for ((_, reply), output) in batch.into_iter().zip(outputs) {
                    let _ = reply.send(Ok(output));
                }
            }
            Err(err) if batch.len() == 1 => {
                let (_, reply) = batch.pop().expect("one unit");
                let _ = reply.send(Err(err));
            }
            // One bad unit must not sink the others: each alone, each its own answer.
            Err(_) => {
                for (unit, reply) in batch {
                    let result = run_batch(&db, &[unit.as_ref()]).await.map(|mut r| r.remove(0));
                    if result.is_ok() {
                        committed.notify_one();
                    }
                    let _ = reply.send(result);
                }
            }
        }
    }
}

async fn run_batch(db: &Db, units: &[&dyn Unit]) -> Result<Vec<Box<dyn Any + Send>>> {
    let mut tx = db.begin().await?;
    let mut outputs = Vec::with_capacity(units.len());
    for unit in units {
        outputs.push(unit.run(&mut tx).await?);
    }
    tx.commit().await?;
    Ok(outputs)
}
