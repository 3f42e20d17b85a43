//! The platform every feature stands on, knowing none of them and no HTTP:
//! the context a service takes ([`Ctx`]: database, settings, clock, rate
//! limiter, group-commit writer), durable timers, the notification outbox
//! with its robots and e-mail, cursors for hearing of another feature's
//! events, and the background worker that runs what the features register.

pub mod cursor;
pub mod email;
pub mod limits;
pub mod outbox;
pub mod robots;
pub mod timers;
pub mod worker;
pub mod writer;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Config;
use crate::db::Db;
use crate::time::Clock;

/// What every service is called with; cheap to clone. A test builds one on
/// either engine without binding a socket (see `Ctx::new`).
#[derive(Clone, Debug)]
pub struct Ctx {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub limiter: Arc<limits::Limiter>,
    /// The group-commit writer (SQLite, where every commit waits for an fsync).
    pub writer: Option<writer::GroupCommit>,
    /// What the background worker last did.
    pub worker: Arc<worker::Health>,
    /// Rung when events were appended, so their consumers hear of them at once.
    pub events: Arc<Notify>,
    /// One worker pass at a time in this process (the background loop, or a
    /// test's explicit pass).
    passes: Arc<tokio::sync::Mutex<()>>,
}

impl Ctx {
    /// A context over an open, migrated database. On SQLite it starts the
    /// group-commit writer (stop it with [`Ctx::close`]).
    pub fn new(db: Db, config: Config, clock: Clock) -> Ctx {
        let events = Arc::new(Notify::new());
        let writer = (db.backend() == crate::db::Backend::Sqlite)
            .then(|| writer::GroupCommit::start(db.clone(), events.clone()));
        Ctx {
            db,
            config: Arc::new(config),
            clock,
            limiter: Arc::default(),
            writer,
            worker: Arc::default(),
            events,
            passes: Arc::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Tells the worker that events were committed.
    pub fn events_appended(&self) {
        self.events.notify_one();
    }

    /// Stops the writer and closes the database.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.db.close().await;
    }
}

/// A client's idempotency key kept apart per person (`person:7/KEY`): what
/// an offline phone sends with each queued write, so a resend is recognised.
pub fn person_key(person_id: i64, key: &str) -> crate::error::Result<String> {
    let valid = (1..=128).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic());
    if !valid {
        return Err(crate::error::Error::invalid("Idempotency-Key", "应为 1 到 128 个可见的 ASCII 字符"));
    }
    Ok(format!("person:{person_id}/{key}"))
}

/// What a timer or a notification is about: `case:42`, `campaign:7`.
/// Features name their own kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: String,
    pub id: i64,
}

impl Subject {
    pub fn new(kind: &str, id: i64) -> Subject {
        Subject { kind: kind.to_string(), id }
    }

    /// Reads `kind:id`.
    pub fn parse(text: &str) -> Option<Subject> {
        let (kind, id) = text.split_once(':')?;
        let valid = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        valid.then(|| Some(Subject::new(kind, id.parse().ok()?))).flatten()
    }

    /// The id, when the subject is of `kind`.
    pub fn id_if(&self, kind: &str) -> Option<i64> {
        (self.kind == kind).then_some(self.id)
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back() {
        let s = Subject::new("case", 42);
        assert_eq!(s.to_string(), "case:42");
        assert_eq!(Subject::parse("case:42"), Some(s));
        assert_eq!(Subject::parse("Case:1"), None);
        assert_eq!(Subject::parse("case:x"), None);
        assert_eq!(Subject::parse("case"), None);
    }
}
