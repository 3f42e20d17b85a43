//! The notification outbox. Whoever must hear of something gets a durable
//! outbox row written in the same transaction as the change it reports;
//! a worker delivers the rows with retries and backoff. The in-app channel
//! delivers by writing the person's notification list in the same
//! transaction that marks the row sent, so it is delivered exactly once.
//! Robots and e-mail leave the process: a worker leases a row, sends, then
//! marks it sent (at least once; a crash between the two may resend), with
//! a per-robot limit of 20 messages a minute.

use super::{Ctx, Subject, email, robots};
use crate::db::{Db, Tx, query};
use crate::error::Result;

crate::text_enum! {
    /// How a notification travels.
    pub enum Channel {
        /// The person's notification list in linli.
        InApp = "in_app",
        /// A group robot; the address is the robot's id.
        Robot = "robot",
        /// E-mail; the address is the mailbox.
        Email = "email",
    }
}

/// Something to tell one person (in-app) or one address (robot, e-mail).
#[derive(Debug, Clone)]
pub struct Message {
    pub person_id: Option<i64>,
    pub address: Option<String>,
    /// What it is about (`case:42`).
    pub subject: Option<Subject>,
    /// The page an in-app notice opens (`/app/cases/42`).
    pub link: Option<String>,
    pub title: String,
    pub body: String,
    /// The same key is enqueued once, however often it is asked for.
    pub dedupe_key: String,
}

pub async fn enqueue(tx: &mut Tx, channel: Channel, m: &Message, now: i64) -> Result<()> {
    query(
        "INSERT INTO outbox (channel, recipient_person_id, recipient_address, subject, link, title, body, dedupe_key,
                             status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(channel)
    .bind(m.person_id)
    .bind(m.address.as_ref())
    .bind(m.subject.as_ref().map(Subject::to_string))
    .bind(m.link.as_ref())
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
        pub recipient_address: Option<String>,
        pub subject: Option<String>,
        pub link: Option<String>,
        pub title: String,
        pub body: String,
        pub attempts: i64,
    }
}

/// Delivers what is due; returns how many rows were sent.
pub async fn deliver_due(ctx: &Ctx) -> Result<usize> {
    let db = &ctx.db;
    let now = ctx.clock.now_ms();
    let due: Vec<OutboxRow> = query(
        "SELECT id, channel, recipient_person_id, recipient_address, subject, link, title, body, attempts FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT 100",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut sent = 0;
    for row in due {
        let outcome = match row.channel {
            Channel::InApp => deliver_in_app(db, &row, now).await,
            Channel::Robot | Channel::Email => deliver_outside(ctx, &row, now).await,
        };
        match outcome {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(err) => record_failure(db, &row, &err.to_string(), now).await?,
        }
    }
    Ok(sent)
}

/// How long a worker owns a row it is sending outside.
const LEASE_MS: i64 = 60_000;
/// Robots take at most this many messages a minute.
pub const ROBOT_PER_MINUTE: i64 = 20;

/// Robots and e-mail: lease, respect the rate limit, send, mark sent.
/// `Ok(false)`: another worker has it, or it waits for the rate limit.
async fn deliver_outside(ctx: &Ctx, row: &OutboxRow, now: i64) -> Result<bool> {
    let db = &ctx.db;
    let leased =
        query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3")
            .bind(now + LEASE_MS)
            .bind(row.id)
            .bind(now)
            .execute(db)
            .await?;
    if leased == 0 {
        return Ok(false);
    }
    let address =
        row.recipient_address.clone().ok_or_else(|| anyhow::anyhow!("outbox row {} has no address", row.id))?;
    let text = if row.body.is_empty() { row.title.clone() } else { format!("{}\n{}", row.title, row.body) };
    match row.channel {
        Channel::Robot => {
            let robot_id: i64 = address.parse().map_err(|_| anyhow::anyhow!("bad robot address {address}"))?;
            let recent: Vec<(i64,)> = query(
                "SELECT sent_at FROM outbox WHERE channel = 'robot' AND recipient_address = $1 AND status = 'sent'
                   AND sent_at > $2 ORDER BY sent_at",
            )
            .bind(&address)
            .bind(now - 60_000)
            .fetch_all(db)
            .await?;
            if recent.len() as i64 >= ROBOT_PER_MINUTE {
                // Wait, without counting an attempt, until the oldest leaves the window.
                query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2")
                    .bind(recent[0].0 + 60_001)
                    .bind(row.id)
                    .execute(db)
                    .await?;
                return Ok(false);
            }
            let robot = robots::robot_by_id(db, robot_id).await?;
            let (url, body) = robots::request(&robot, &text, now);
            let reply = http_client()
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("robot {robot_id} unreachable: {}", e.without_url()))?;
            let status = reply.status();
            let reply: serde_json::Value = reply.json().await.unwrap_or(serde_json::Value::Null);
            if !status.is_success() {
                return Err(anyhow::anyhow!("robot {robot_id} answered HTTP {status}").into());
            }
            robots::accepted(robot.kind, &reply).map_err(|e| anyhow::anyhow!("robot {robot_id}: {e}"))?;
        }
        Channel::Email => email::send(&ctx.config, &address, &row.title, &row.body).await?,
        Channel::InApp => unreachable!("in-app rows are delivered in the database"),
    }
    query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2")
        .bind(now)
        .bind(row.id)
        .execute(db)
        .await?;
    Ok(true)
}

/// One HTTP client for every outbound call (connection reuse, timeouts).
pub fn http_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .user_agent("linli")
            .build()
            .expect("the HTTP client builds")
    })
}

/// `Ok(false)`: another worker delivered it first.
async fn deliver_in_app(db: &Db, row: &OutboxRow, now: i64) -> Result<bool> {
    let mut tx = db.begin().await?;
    let claimed = query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(row.id)
    .execute(&mut tx)
    .await?;
    if claimed == 0 {
        return Ok(false);
    }
    let person =
        row.recipient_person_id.ok_or_else(|| anyhow::anyhow!("in-app notification {} has no recipient", row.id))?;
    query(
        "INSERT INTO notifications (person_id, subject, link, outbox_id, title, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(person)
    .bind(row.subject.as_ref())
    .bind(row.link.as_ref())
    .bind(row.id)
    .bind(&row.title)
    .bind(&row.body)
    .bind(now)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Notifications waiting to go out, and since when the oldest has waited
/// (the `outbox_pending` index).
pub async fn pending(db: &Db) -> Result<(i64, Option<i64>)> {
    Ok(query("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'").fetch_one(db).await?)
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
