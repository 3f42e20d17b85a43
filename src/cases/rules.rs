//! Rules about cases that several places apply, each written once: in Rust
//! for a case in hand, and beside it in SQL for a query over many (where
//! `c` names the `cases` table and `now` the parameter holding the time).
//! docs/domain.md, "The indicators", defines them.

use super::workflow::Status;

/// Late now: the deadline has passed and the case is still being worked on
/// (not finished, rejected or merged, and not paused).
pub fn is_late_now(status: Status, due_at: Option<i64>, now: i64) -> bool {
    due_at.is_some_and(|due| now > due) && status.is_open() && status != Status::Suspended
}

/// [`is_late_now`] in SQL. It spells "still worked on" as `store::OPEN`
/// does, so the open-case partial indexes serve it.
pub fn late_now_sql(c: &str, now: &str) -> String {
    format!("({c}.{} AND {c}.status <> 'suspended' AND {c}.due_at < {now})", super::store::OPEN)
}

/// Overdue: late now, or closed after the deadline.
pub fn is_overdue(status: Status, due_at: Option<i64>, closed_at: Option<i64>, now: i64) -> bool {
    match (due_at, closed_at) {
        (Some(due), Some(closed)) => closed > due,
        _ => is_late_now(status, due_at, now),
    }
}

/// [`is_overdue`] in SQL.
pub fn overdue_sql(c: &str, now: &str) -> String {
    format!("({c}.closed_at > {c}.due_at OR ({c}.closed_at IS NULL AND {}))", late_now_sql(c, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_is_late_now_or_closed_late() {
        let (due, now) = (Some(100), 200);
        assert!(is_late_now(Status::InProgress, due, now));
        assert!(is_late_now(Status::Resolved, due, now), "fixed but not yet verified still counts");
        assert!(!is_late_now(Status::Suspended, due, now), "a paused case's clock has stopped");
        assert!(!is_late_now(Status::InProgress, due, 50));
        assert!(!is_late_now(Status::Merged, due, now));
        assert!(is_overdue(Status::Closed, due, Some(150), now), "closed late");
        assert!(!is_overdue(Status::Closed, due, Some(90), now), "closed in time");
        assert!(!is_overdue(Status::Registered, None, None, now), "no deadline yet");
    }

    #[test]
    fn the_sql_says_the_same() {
        assert_eq!(
            overdue_sql("c", "$1"),
            "(c.closed_at > c.due_at OR (c.closed_at IS NULL AND (c.status NOT IN ('closed', 'evaluated', 'rejected', 'merged') AND c.status <> 'suspended' AND c.due_at < $1)))"
        );
    }
}
