//! The handling units ranked by 按期结案率 over the last 30 days, with the
//! indicators' definition (src/cases/indicators.rs): of the cases whose
//! deadline fell in the period (rejected and merged never count, suspended
//! ones leave when so configured), the share closed by the deadline.

use serde::Serialize;

use super::store::{self, UnitRow};
use crate::db::Db;
use crate::error::Result;

/// Units shown on the wall.
pub const TOP: usize = 5;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitRank {
    pub name: String,
    /// 物业, 网格长, 社区, 职能部门.
    pub kind: &'static str,
    pub due: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue: i64,
    pub on_time_rate: Option<f64>,
}

impl UnitRank {
    pub fn rate(&self) -> String {
        super::percent(self.on_time_rate)
    }
}

fn kind_name(kind: Option<&str>) -> &'static str {
    match kind {
        Some("property") => "物业",
        Some("grid_head") => "网格长",
        Some("community") => "社区",
        Some("department") => "职能部门",
        _ => "其他",
    }
}

/// Best on-time rate first; on a tie, the unit that carried more cases,
/// then by name, so the order never flickers between updates.
pub fn rank(rows: Vec<UnitRow>, top: usize) -> Vec<UnitRank> {
    let mut ranked: Vec<UnitRank> = rows
        .into_iter()
        .filter(|r| r.due > 0)
        .map(|r| UnitRank {
            kind: kind_name(r.assignee_kind.as_deref()),
            on_time_rate: Some(r.closed_on_time as f64 / r.due as f64),
            name: r.assignee_name,
            due: r.due,
            closed: r.closed,
            closed_on_time: r.closed_on_time,
            overdue: r.overdue,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.on_time_rate
            .unwrap_or(0.0)
            .total_cmp(&a.on_time_rate.unwrap_or(0.0))
            .then(b.due.cmp(&a.due))
            .then_with(|| a.name.cmp(&b.name))
    });
    ranked.truncate(top);
    ranked
}

/// The units that handled the subtree's cases due in `[from, to)`.
/// Bounded: one row per unit, read through the deadline index.
pub async fn units(
    db: &Db,
    bounds: (&str, &str),
    from: i64,
    to: i64,
    now: i64,
    suspended_leave: bool,
) -> Result<Vec<UnitRank>> {
    let rows = store::units_due(db, bounds, from, to, now, suspended_leave).await?;
    Ok(rank(rows, TOP))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, kind: &str, due: i64, on_time: i64) -> UnitRow {
        UnitRow {
            assignee_kind: Some(kind.into()),
            assignee_name: name.into(),
            due,
            closed: on_time,
            closed_on_time: on_time,
            overdue: due - on_time,
        }
    }

    #[test]
    fn best_rate_first_then_more_work_then_name() {
        let rows = vec![
            row("乙物业", "property", 4, 2),     // 50 %
            row("甲网格长", "grid_head", 2, 2),  // 100 %, 2 due
            row("丙社区", "community", 10, 10),  // 100 %, 10 due: first
            row("丁执法队", "department", 3, 0), // 0 %
            row("戊物业", "property", 4, 2),     // 50 %, same as 乙: by name
        ];
        let got = rank(rows, 10);
        let names: Vec<&str> = got.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["丙社区", "甲网格长", "乙物业", "戊物业", "丁执法队"]);
        assert_eq!(got[0].kind, "社区");
        assert_eq!(got[2].on_time_rate, Some(0.5));
        assert_eq!(got[2].rate(), "50.0%");
        assert_eq!(got[4].rate(), "0.0%");
    }

    #[test]
    fn the_wall_shows_the_top_few_and_nothing_without_cases_due() {
        let rows = (0..10).map(|i| row(&format!("单位{i}"), "property", 10, i)).collect();
        let got = rank(rows, 3);
        assert_eq!(got.iter().map(|u| u.closed_on_time).collect::<Vec<_>>(), [9, 8, 7]);
        assert!(rank(vec![row("空", "property", 0, 0)], 3).is_empty());
        assert_eq!(kind_name(None), "其他");
    }
}
