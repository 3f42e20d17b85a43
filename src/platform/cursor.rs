//! Hearing of another feature's events without being called by it: a
//! consumer reads an append-only event log after its own cursor, applies
//! what it heard, and moves the cursor on — all in one transaction, so each
//! event is applied exactly once per consumer, across crashes and across
//! several app servers (a server that loses the race to move a cursor rolls
//! back). The feature that writes the log never names its consumers; the
//! composition root registers them.

use futures_util::future::BoxFuture;

use super::Ctx;
use crate::db::{Db, Tx, query, query_dyn};
use crate::error::Result;

/// Reads the log after `after`, applies a batch inside `tx`, and returns the
/// id of the last event applied (`None`: nothing new).
pub type Consume = for<'a> fn(&'a Ctx, &'a mut Tx, i64) -> BoxFuture<'a, Result<Option<i64>>>;

/// A named reader of one event log.
#[derive(Clone, Copy)]
pub struct Consumer {
    pub name: &'static str,
    /// The log's table (its `id` orders the events).
    pub log: &'static str,
    pub consume: Consume,
}

/// Gives every consumer a cursor, at the end of its log for one that has
/// none: a consumer registered today hears of what happens from today. Run
/// before the server takes requests, so no event can slip past.
pub async fn ensure(db: &Db, consumers: &[Consumer], now: i64) -> Result<()> {
    for c in consumers {
        query_dyn(format!(
            // `WHERE TRUE`: SQLite would read `ON CONFLICT` as a join's `ON`.
            "INSERT INTO consumer_cursors (name, position, updated_at)
             SELECT $1, COALESCE(MAX(id), 0), $2 FROM {} WHERE TRUE ON CONFLICT (name) DO NOTHING",
            c.log
        ))
        .bind(c.name)
        .bind(now)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Where a consumer stands.
pub async fn position(db: &Db, name: &str) -> Result<i64> {
    let row: Option<(i64,)> =
        query("SELECT position FROM consumer_cursors WHERE name = $1").bind(name).fetch_optional(db).await?;
    Ok(row.map_or(0, |r| r.0))
}

/// Runs a consumer until its log holds nothing new; returns how many
/// batches it applied.
pub async fn catch_up(ctx: &Ctx, c: &Consumer) -> Result<usize> {
    let mut batches = 0;
    loop {
        // A read first: most passes find nothing new and take no write lock.
        let at = position(&ctx.db, c.name).await?;
        let newest: Option<i64> = query_dyn(format!("SELECT MAX(id) FROM {}", c.log)).scalar(&ctx.db).await?;
        if newest.is_none_or(|n| n <= at) {
            return Ok(batches);
        }
        let mut tx = ctx.db.begin().await?;
        let Some(to) = (c.consume)(ctx, &mut tx, at).await? else { return Ok(batches) };
        let moved =
            query("UPDATE consumer_cursors SET position = $1, updated_at = $2 WHERE name = $3 AND position = $4")
                .bind(to)
                .bind(ctx.now())
                .bind(c.name)
                .bind(at)
                .execute(&mut tx)
                .await?;
        if moved == 0 {
            // Another server applied this batch first.
            return Ok(batches);
        }
        tx.commit().await?;
        batches += 1;
    }
}
