//! The indicators officials are judged by, for any organisation node and
//! period (docs/domain.md, "The indicators"):
//!
//! - 应结案数 `due`: cases whose deadline falls in the period (rejected and
//!   merged cases never count; suspended ones leave it when so configured);
//! - 结案数 `closed`: of those, closed now;
//! - 按期结案数 `closed_on_time`: closed at or before the deadline;
//! - 超期数 `overdue`: closed after the deadline, or still open past it;
//! - 返工数 `rework`: rework orders among them;
//! - 结案率 = closed / due; 按期结案率 = closed_on_time / due;
//! - 满意率 = ratings of 4 or 5 stars / ratings;
//! - average handling time: hours from report to closing, over closed cases.

use serde::Serialize;

use super::workflow::Status;
use crate::db::{Db, query, query_dyn};
use crate::error::Result;

/// What the indicators need to know of one case.
#[derive(Debug, Clone)]
pub struct Figures {
    pub status: Status,
    pub created_at: i64,
    pub due_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rework_count: i64,
    pub rating: Option<i64>,
}

/// Raw counts; rates derive from them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub due: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue: i64,
    pub rework: i64,
    pub rated: i64,
    pub satisfied: i64,
    /// Sum over closed cases of (closed − reported), in milliseconds.
    pub handling_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    #[serde(flatten)]
    pub counts: Counts,
    /// 结案率
    pub closure_rate: Option<f64>,
    /// 按期结案率
    pub on_time_rate: Option<f64>,
    /// 满意率
    pub satisfaction_rate: Option<f64>,
    pub average_handling_hours: Option<f64>,
}

/// A period `[from, to)` in epoch milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

fn counts_in(status: Status, suspended_leave: bool) -> bool {
    let excluded = matches!(status, Status::Rejected | Status::Merged);
    let paused = suspended_leave && status == Status::Suspended;
    !excluded && !paused
}

/// The indicators over plain figures: the definition, by hand.
pub fn compute(cases: &[Figures], period: Period, now: i64, suspended_leave: bool) -> Indicators {
    let mut c = Counts::default();
    for f in cases {
        let Some(due) = f.due_at else { continue };
        if due < period.from || due >= period.to || !counts_in(f.status, suspended_leave) {
            continue;
        }
        c.due += 1;
        if let Some(closed) = f.closed_at {
            c.closed += 1;
            c.handling_ms += closed - f.created_at;
            if closed <= due {
                c.closed_on_time += 1;
            } else {
                c.overdue += 1;
            }
        } else if due < now {
            c.overdue += 1;
        }
        c.rework += f.rework_count;
        if let Some(r) = f.rating {
            c.rated += 1;
            if r >= 4 {
                c.satisfied += 1;
            }
        }
    }
    Indicators::from_counts(c)
}

impl Indicators {
    pub fn from_counts(c: Counts) -> Indicators {
        let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        Indicators {
            closure_rate: ratio(c.closed, c.due),
            on_time_rate: ratio(c.closed_on_time, c.due),
            satisfaction_rate: ratio(c.satisfied, c.rated),
            average_handling_hours: ratio(c.handling_ms, c.closed).map(|ms| ms / 3_600_000.0),
            counts: c,
        }
    }
}

impl std::ops::Add for Counts {
    type Output = Counts;

    fn add(self, o: Counts) -> Counts {
        Counts {
            due: self.due + o.due,
            closed: self.closed + o.closed,
            closed_on_time: self.closed_on_time + o.closed_on_time,
            overdue: self.overdue + o.overdue,
            rework: self.rework + o.rework,
            rated: self.rated + o.rated,
            satisfied: self.satisfied + o.satisfied,
            handling_ms: self.handling_ms + o.handling_ms,
        }
    }
}

/// The same definition over the database, for a node's subtree: whole CST
/// days from the roll-up, open cases past their deadline and the period's
/// partial days (if any) live from `cases`. The cost does not grow with the
/// number of cases.
pub async fn for_subtree(
    db: &Db,
    node: &crate::org::OrgNode,
    period: Period,
    now: i64,
    suspended_leave: bool,
) -> Result<Indicators> {
    let (first, end) = super::rollup::whole_days(period.from, period.to);
    let (days_from, days_to) = (super::rollup::day_start(first), super::rollup::day_start(end));
    let mut counts = super::rollup::counts(db, node.id, first, end, suspended_leave).await?;
    if first < end {
        counts.overdue += open_overdue(db, &node.path, days_from, days_to.min(now), suspended_leave).await?;
        counts = counts
            + live(db, &node.path, Period { from: period.from, to: days_from }, now, suspended_leave).await?
            + live(db, &node.path, Period { from: days_to, to: period.to }, now, suspended_leave).await?;
    } else {
        counts = live(db, &node.path, period, now, suspended_leave).await?;
    }
    Ok(Indicators::from_counts(counts))
}

/// Counted cases due in `[from, to)` that are still open.
async fn open_overdue(db: &Db, path: &str, from: i64, to: i64, suspended_leave: bool) -> Result<i64> {
    if from >= to {
        return Ok(0);
    }
    let (low, high) = crate::org::subtree_bounds(path);
    Ok(query_dyn(format!(
        "SELECT COUNT(*) FROM cases
         WHERE {} AND due_at >= $1 AND due_at < $2 AND node_path >= $3 AND node_path < $4
           AND ($5 = FALSE OR status <> 'suspended')",
        super::store::OPEN
    ))
    .bind(from)
    .bind(to)
    .bind(low)
    .bind(high)
    .bind(suspended_leave)
    .scalar(db)
    .await?)
}

/// The definition in SQL straight over `cases` (for periods of hours).
async fn live(db: &Db, path: &str, period: Period, now: i64, suspended_leave: bool) -> Result<Counts> {
    if period.from >= period.to {
        return Ok(Counts::default());
    }
    let (low, high) = crate::org::subtree_bounds(path);
    let row: (i64, i64, i64, i64, i64, i64, i64, i64) = query(
        "SELECT COUNT(*),
                COALESCE(CAST(SUM(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), 0),
                COALESCE(CAST(SUM(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END) AS BIGINT), 0),
                COALESCE(CAST(SUM(CASE WHEN closed_at > due_at OR (closed_at IS NULL AND due_at < $1) THEN 1 ELSE 0 END) AS BIGINT), 0),
                COALESCE(CAST(SUM(rework_count) AS BIGINT), 0),
                COALESCE(CAST(SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), 0),
                COALESCE(CAST(SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) AS BIGINT), 0),
                COALESCE(CAST(SUM(CASE WHEN closed_at IS NOT NULL THEN closed_at - created_at ELSE 0 END) AS BIGINT), 0)
         FROM cases
         WHERE due_at >= $2 AND due_at < $3 AND node_path >= $4 AND node_path < $5
           AND status NOT IN ('rejected', 'merged') AND ($6 = FALSE OR status <> 'suspended')",
    )
    .bind(now)
    .bind(period.from)
    .bind(period.to)
    .bind(low)
    .bind(high)
    .bind(suspended_leave)
    .fetch_one(db)
    .await?;
    Ok(Counts {
        due: row.0,
        closed: row.1,
        closed_on_time: row.2,
        overdue: row.3,
        rework: row.4,
        rated: row.5,
        satisfied: row.6,
        handling_ms: row.7,
    })
}

/// The first instants of this month and the next, China Standard Time.
pub fn month_around(now: i64) -> (i64, i64) {
    use chrono::{Datelike, TimeZone};
    let local = crate::time::to_cst(now);
    let start = |y: i32, m: u32| {
        crate::time::cst().with_ymd_and_hms(y, m, 1, 0, 0, 0).single().map_or(now, |d| d.timestamp_millis())
    };
    let (y, m) = (local.year(), local.month());
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (start(y, m), start(ny, nm))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn case(status: Status, created: i64, due: i64, closed: Option<i64>, rework: i64, rating: Option<i64>) -> Figures {
        Figures {
            status,
            created_at: created * H,
            due_at: Some(due * H),
            closed_at: closed.map(|c| c * H),
            rework_count: rework,
            rating,
        }
    }

    /// Ten cases, period hours [100, 200), now = hour 300. By hand:
    /// due in period: a b c d e f g (h is before, i after, j rejected, k suspended) → 应结案 7
    /// closed: a b c d → 结案 4; on time (closed ≤ due): a b → 按期 2
    /// overdue: c d (closed late) + e (open, due 150 < now) → 超期 3; f g are resolved-not-closed but due < now → also overdue → 5
    #[test]
    fn by_hand() {
        let cases = vec![
            case(Status::Evaluated, 90, 110, Some(100), 0, Some(5)),  // a
            case(Status::Closed, 95, 120, Some(120), 1, None),        // b: on the dot counts as on time
            case(Status::Evaluated, 100, 130, Some(140), 2, Some(2)), // c
            case(Status::Closed, 110, 140, Some(190), 0, Some(4)),    // d
            case(Status::InProgress, 120, 150, None, 0, None),        // e
            case(Status::Resolved, 130, 160, None, 1, None),          // f
            case(Status::Dispatched, 140, 199, None, 0, None),        // g
            case(Status::Closed, 10, 99, Some(50), 0, Some(1)),       // h: due before the period
            case(Status::Dispatched, 150, 200, None, 0, None),        // i: due at the end (exclusive)
            case(Status::Rejected, 150, 170, None, 0, None),          // j
            case(Status::Suspended, 150, 180, None, 0, None),         // k
        ];
        let got = compute(&cases, Period { from: 100 * H, to: 200 * H }, 300 * H, true);
        assert_eq!(
            got.counts,
            Counts {
                due: 7,
                closed: 4,
                closed_on_time: 2,
                overdue: 5,
                rework: 4,
                rated: 3,
                satisfied: 2,
                handling_ms: (10 + 25 + 40 + 80) * H
            }
        );
        assert_eq!(got.closure_rate, Some(4.0 / 7.0));
        assert_eq!(got.on_time_rate, Some(2.0 / 7.0));
        assert_eq!(got.satisfaction_rate, Some(2.0 / 3.0));
        assert_eq!(got.average_handling_hours, Some(155.0 / 4.0));

        // Counting suspended cases: k joins the denominator, and is overdue.
        let with_suspended = compute(&cases, Period { from: 100 * H, to: 200 * H }, 300 * H, false);
        assert_eq!((with_suspended.counts.due, with_suspended.counts.overdue), (8, 6));
    }

    #[test]
    fn before_the_deadline_nothing_is_overdue_and_empty_rates_are_none() {
        let cases = vec![case(Status::InProgress, 0, 50, None, 0, None)];
        let got = compute(&cases, Period { from: 0, to: 100 * H }, 10 * H, true);
        assert_eq!((got.counts.due, got.counts.overdue), (1, 0));
        assert_eq!(got.closure_rate, Some(0.0));
        let none = compute(&[], Period { from: 0, to: H }, 0, true);
        assert_eq!((none.closure_rate, none.satisfaction_rate, none.average_handling_hours), (None, None, None));
    }

    #[test]
    fn months_in_china_standard_time() {
        // 2024-06-15T12:00+08:00
        let (from, to) = month_around(1_718_424_000_000);
        assert_eq!(crate::time::to_rfc3339(from), "2024-06-01T00:00:00+08:00");
        assert_eq!(crate::time::to_rfc3339(to), "2024-07-01T00:00:00+08:00");
    }
}
