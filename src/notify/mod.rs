//! The notification outbox. Whoever must hear of something gets a durable
//! outbox row written in the same transaction as the change it reports;
//! a worker delivers the rows with retries and backoff. The in-app channel
//! delivers by writing the person's notification list in the same
//! transaction that marks the row sent, so it is delivered exactly once.

pub mod routes;

use crate::db::{Db, Tx, query};
use crate::error::Result;

crate::text_enum! {
    /// How a notification travels.
    pub enum Channel {
        /// The person's notification list in linli.
        InApp = "in_app",
    }
}

/// Something to tell one person.
#[derive(Debug, Clone)]
pub struct Message {
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// The same key is enqueued once, however often it is asked for.
    pub dedupe_key: String,
}

pub async fn enqueue(tx: &mut Tx, channel: Channel, m: &Message, now: i64) -> Result<()> {
    query(
        "INSERT INTO outbox (channel, recipient_person_id, case_id, title, body, dedupe_key, status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(channel)
    .bind(m.person_id)
    .bind(m.case_id)
    .bind(&m.title)
    .bind(&m.body)
    .bind(&m.dedupe_key)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

crate::db_row! {
    #[derive(Debug, Clone)]
    pub struct OutboxRow {
        pub id: i64,
        pub channel: Channel,
        pub recipient_person_id: Option<i64>,
        pub case_id: Option<i64>,
        pub title: String,
        pub body: String,
        pub attempts: i64,
    }
}

/// Delivers what is due; returns how many rows were sent.
pub async fn deliver_due(db: &Db, now: i64) -> Result<usize> {
    let due: Vec<OutboxRow> = query(
        "SELECT id, channel, recipient_person_id, case_id, title, body, attempts FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT 100",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut sent = 0;
    for row in due {
        match deliver(db, &row, now).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(err) => record_failure(db, &row, &err.to_string(), now).await?,
        }
    }
    Ok(sent)
}

/// `Ok(false)`: another worker delivered it first.
async fn deliver(db: &Db, row: &OutboxRow, now: i64) -> Result<bool> {
    match row.channel {
        Channel::InApp => {
            let mut tx = db.begin().await?;
            let claimed = query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2 AND status = 'pending'")
                .bind(now)
                .bind(row.id)
                .execute(&mut tx)
                .await?;
            if claimed == 0 {
                return Ok(false);
            }
            let person = row
                .recipient_person_id
                .ok_or_else(|| anyhow::anyhow!("in-app notification {} has no recipient", row.id))?;
            query(
                "INSERT INTO notifications (person_id, case_id, outbox_id, title, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(person)
            .bind(row.case_id)
            .bind(row.id)
            .bind(&row.title)
            .bind(&row.body)
            .bind(now)
            .execute(&mut tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }
    }
}

/// Retries with exponential backoff (2 s, 4 s, … capped at an hour); after
/// twelve attempts the row is marked failed and kept for inspection.
async fn record_failure(db: &Db, row: &OutboxRow, error: &str, now: i64) -> Result<()> {
    let attempts = row.attempts + 1;
    let backoff_ms = (2000i64 << attempts.min(11)).min(3_600_000);
    let status = if attempts >= 12 { "failed" } else { "pending" };
    tracing::warn!(outbox_id = row.id, attempts, error, "notification delivery failed");
    query("UPDATE outbox SET attempts = $1, last_error = $2, next_attempt_at = $3, status = $4 WHERE id = $5 AND status = 'pending'")
        .bind(attempts)
        .bind(error)
        .bind(now + backoff_ms)
        .bind(status)
        .bind(row.id)
        .execute(db)
        .await?;
    Ok(())
}
