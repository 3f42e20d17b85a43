//! The daily roll-up behind the indicators (`case_daily`, migration 6).
//!
//! Triggers on `cases` append one signed row per ancestor node whenever a
//! case's figures change, so writers never wait for one another on a shared
//! counter. `compact` folds the rows of each (node, day) into one; the
//! workers call it every few seconds. Sums are the same before and after.

use super::indicators::Counts;
use crate::db::{Backend, Db, query, query_dyn};
use crate::error::Result;

/// China Standard Time is eight hours ahead of UTC.
const CST_OFFSET_MS: i64 = 8 * 3_600_000;
pub const DAY_MS: i64 = 24 * 3_600_000;

/// The CST day an instant falls in (the roll-up's `day`).
pub fn day_of(ms: i64) -> i64 {
    (ms + CST_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first instant of a CST day.
pub fn day_start(day: i64) -> i64 {
    day * DAY_MS - CST_OFFSET_MS
}

/// The whole days inside `[from, to)`, as a day range `[first, end)`.
pub fn whole_days(from: i64, to: i64) -> (i64, i64) {
    let first = day_of(from) + i64::from(day_start(day_of(from)) != from);
    let end = day_of(to);
    if first < end { (first, end) } else { (first, first) }
}

/// Stored figures of a node's subtree for deadlines on days `[first, end)`.
/// `overdue` holds the cases closed late; open ones past their deadline
/// depend on the time and are counted live by the caller.
pub async fn counts(db: &Db, node_id: i64, first: i64, end: i64, suspended_leave: bool) -> Result<Counts> {
    if first >= end {
        return Ok(Counts::default());
    }
    let row: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = query(
        "SELECT CAST(COALESCE(SUM(due), 0) AS BIGINT), CAST(COALESCE(SUM(suspended), 0) AS BIGINT),
                CAST(COALESCE(SUM(suspended_rework), 0) AS BIGINT), CAST(COALESCE(SUM(closed), 0) AS BIGINT),
                CAST(COALESCE(SUM(closed_on_time), 0) AS BIGINT), CAST(COALESCE(SUM(closed_late), 0) AS BIGINT),
                CAST(COALESCE(SUM(rework), 0) AS BIGINT), CAST(COALESCE(SUM(rated), 0) AS BIGINT),
                CAST(COALESCE(SUM(satisfied), 0) AS BIGINT), CAST(COALESCE(SUM(handling_ms), 0) AS BIGINT)
         FROM case_daily WHERE node_id = $1 AND day >= $2 AND day < $3",
    )
    .bind(node_id)
    .bind(first)
    .bind(end)
    .fetch_one(db)
    .await?;
    let (due, suspended, suspended_rework, closed, closed_on_time, closed_late, rework, rated, satisfied, handling_ms) =
        row;
    let leave = i64::from(suspended_leave);
    Ok(Counts {
        due: due - leave * suspended,
        closed,
        closed_on_time,
        overdue: closed_late,
        rework: rework - leave * suspended_rework,
        rated,
        satisfied,
        handling_ms,
    })
}

/// Every pass: the rows added since the last pass folded in.
pub const COMPACT: crate::platform::worker::Periodic = crate::platform::worker::Periodic {
    name: "rollup.compact",
    every_ms: None,
    run: |ctx| Box::pin(async move { compact(&ctx.db, false).await.map(|_| ()) }),
};

/// Hourly on PostgreSQL: the whole roll-up compacted (several servers'
/// incremental passes can each leave a few rows; SQLite has one writer,
/// whose incremental passes leave none).
pub const FULL_COMPACT: crate::platform::worker::Periodic = crate::platform::worker::Periodic {
    name: "rollup.full",
    every_ms: Some(3_600_000),
    run: |ctx| {
        Box::pin(async move {
            if ctx.db.backend() == Backend::Postgres {
                compact(&ctx.db, true).await?;
            }
            Ok(())
        })
    },
};

/// The settings key holding the id up to which `case_daily` was compacted.
/// It lives with the data (one process may serve several databases, and
/// several servers one database); a stale value only leaves rows for the
/// next full pass, never a wrong sum.
const WATERMARK: &str = "rollup.compacted_to";

/// Folds the delta rows into one row per (node, day): incrementally (only
/// groups with rows added since the last pass), or over the whole table
/// when `full`. Returns the number of rows removed. Safe to run from
/// several servers at once; sums are the same before and after.
pub async fn compact(db: &Db, full: bool) -> Result<u64> {
    let since = if full { 0 } else { crate::db::settings::get_i64(db, WATERMARK).await? };
    let high: Option<i64> = query("SELECT MAX(id) FROM case_daily").scalar(db).await?;
    let Some(high) = high else { return Ok(0) };
    if high <= since {
        return Ok(0);
    }
    // Groups touched by rows in (since, high] that now have several rows.
    let groups = "SELECT node_id, day FROM case_daily WHERE id <= $2 AND (node_id, day) IN (
                      SELECT node_id, day FROM case_daily WHERE id > $1 AND id <= $2)
                  GROUP BY node_id, day HAVING COUNT(*) > 1";
    let removed = match db.backend() {
        Backend::Postgres => {
            // The rows summed are exactly the rows deleted, in one statement:
            // a concurrent compaction deletes (and so sums) none of them twice.
            let sql = format!(
                "WITH gone AS (
                     DELETE FROM case_daily WHERE id <= $2 AND (node_id, day) IN ({groups}) RETURNING *),
                 merged AS (INSERT INTO case_daily ({COLUMNS}) SELECT {SUMS} FROM gone GROUP BY node_id, day)
                 SELECT COUNT(*) FROM gone"
            );
            let removed: i64 = query_dyn(sql).bind(since).bind(high).scalar(db).await?;
            removed as u64
        }
        Backend::Sqlite => {
            // One writer: nothing commits between the two statements, and
            // the merged rows (ids above `high`) are not deleted again.
            let mut tx = db.begin().await?;
            query_dyn(format!(
                "INSERT INTO case_daily ({COLUMNS}) SELECT {SUMS} FROM case_daily
                 WHERE id <= $2 AND (node_id, day) IN ({groups}) GROUP BY node_id, day"
            ))
            .bind(since)
            .bind(high)
            .execute(&mut tx)
            .await?;
            let removed = query_dyn(format!("DELETE FROM case_daily WHERE id <= $2 AND (node_id, day) IN ({groups})"))
                .bind(since)
                .bind(high)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            removed
        }
    };
    crate::db::settings::raise_i64(db, WATERMARK, high, crate::time::now_ms()).await?;
    Ok(removed)
}

const COLUMNS: &str = "node_id, day, due, suspended, suspended_rework, closed, closed_on_time, closed_late,
                       rework, rated, satisfied, handling_ms";
const SUMS: &str = "node_id, day, SUM(due), SUM(suspended), SUM(suspended_rework), SUM(closed),
                    SUM(closed_on_time), SUM(closed_late), SUM(rework), SUM(rated), SUM(satisfied),
                    SUM(handling_ms)";
