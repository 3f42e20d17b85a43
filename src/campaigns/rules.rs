//! The arithmetic of a sweep, without storage: the default checklist, the
//! days of a campaign and a notice, and the indicators computed from what
//! the store returns (coverage, fixed on time, 回潮).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Check, FindingState};
use crate::error::{Error, Result};

const DAY_MS: i64 = 86_400_000;
/// A hazard found again at the same unit within this many days of a fix is 回潮.
pub const RECURRENCE_DAYS: i64 = 90;

/// The checklist a new campaign starts from: the seed's three hazards and the
/// four a fire-safety sweep always looks for. The legal basis is a summary in
/// our words of what the fire-safety rules ask.
#[rustfmt::skip]
const DEFAULTS: [(&str, &str, &str, i64, i64, bool, &str); 7] = [
    ("sealed_door", "私自封门", "fire_safety", 2, 3, true,
     "楼梯间、楼道的防火门和安全出口不得私自封闭、锁闭或改作他用，应保持疏散通道畅通（《中华人民共和国消防法》关于保障疏散通道、安全出口畅通的规定）。"),
    ("clutter", "乱堆杂物", "fire_safety", 1, 3, false,
     "楼道、楼梯间等公共部位不得堆放杂物，不得占用、堵塞疏散通道。"),
    ("flying_cable", "飞线充电", "fire_safety", 3, 1, false,
     "禁止在楼道、楼梯间、门厅等公共区域停放电动自行车或为其充电，禁止从住户私拉电线（“飞线”）充电。"),
    ("blocked_exit", "消防通道堵塞", "fire_safety", 3, 1, false,
     "不得占用、堵塞、封闭疏散通道、安全出口和消防车通道。"),
    ("extinguisher", "灭火器缺失/过期", "fire_safety", 1, 7, false,
     "公共部位应按规定配置灭火器并定期检查维护，缺失、过期或失效的应及时补配、更换。"),
    ("meter_box", "电表箱裸露", "power_gas", 3, 3, false,
     "电表箱等电气设施应加盖封闭、保持完好，不得裸露带电部位。"),
    ("flammables", "楼道堆放易燃物", "fire_safety", 2, 1, false,
     "楼道内不得存放纸箱、木材、泡沫、油料等易燃可燃物品。"),
];

pub fn default_checks() -> Vec<Check> {
    DEFAULTS
        .iter()
        .map(|(code, name, category, severity, fix_days, by_floor, basis)| Check {
            code: code.to_string(),
            name: name.to_string(),
            category: category.to_string(),
            severity: *severity,
            legal_basis: basis.to_string(),
            fix_days: *fix_days,
            by_floor: *by_floor,
        })
        .collect()
}

/// A severity-3 hazard is filed urgent.
pub fn is_urgent(check: &Check) -> bool {
    check.severity >= 3
}

/// Checks a campaign's checklist: known categories, sane numbers, no code twice.
pub fn validate_checks(checks: &[Check]) -> Result<()> {
    if checks.is_empty() || checks.len() > 30 {
        return Err(Error::invalid("checks", "检查项应有 1 到 30 项"));
    }
    for (i, c) in checks.iter().enumerate() {
        let field = |name: &str| format!("checks[{i}].{name}");
        let code_ok = (1..=40).contains(&c.code.len())
            && c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(Error::invalid(field("code"), "应为 1 到 40 个小写字母、数字或下划线"));
        }
        if checks[..i].iter().any(|o| o.code == c.code) {
            return Err(Error::invalid(field("code"), format!("检查项 `{}` 重复", c.code)));
        }
        if c.name.trim().is_empty() || c.name.chars().count() > 30 {
            return Err(Error::invalid(field("name"), "应为 1 到 30 个字"));
        }
        if crate::taxonomy::category(&c.category).is_none() {
            return Err(Error::invalid(field("category"), format!("未知的问题类别 `{}`", c.category)));
        }
        if !(1..=3).contains(&c.severity) {
            return Err(Error::invalid(field("severity"), "应为 1（一般）到 3（严重）"));
        }
        if !(1..=90).contains(&c.fix_days) {
            return Err(Error::invalid(field("fix_days"), "整改期限应为 1 到 90 天"));
        }
        if c.legal_basis.chars().count() > 500 {
            return Err(Error::invalid(field("legal_basis"), "最多 500 个字"));
        }
    }
    Ok(())
}

/// Reads a `YYYY-MM-DD` date.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "应为 YYYY-MM-DD 格式的日期，例如 2026-12-01"))
}

/// The first millisecond of a day in China Standard Time.
pub fn day_start(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    midnight.and_utc().timestamp_millis() - 8 * 3_600_000
}

/// A campaign runs from its first day's start to its last day's end.
pub fn campaign_days(starts_on: &str, ends_on: &str) -> Result<(NaiveDate, NaiveDate, i64)> {
    let starts = parse_day("starts_on", starts_on)?;
    let ends = parse_day("ends_on", ends_on)?;
    if ends < starts {
        return Err(Error::invalid("ends_on", "结束日期不能早于开始日期"));
    }
    if (ends - starts).num_days() > 366 {
        return Err(Error::invalid("ends_on", "一次排查最长一年"));
    }
    Ok((starts, ends, day_start(ends) + DAY_MS - 1))
}

/// When a notice issued at `issued_at` must be complied with.
pub fn notice_due(issued_at: i64, fix_days: i64) -> i64 {
    issued_at + fix_days * DAY_MS
}

/// What the indicators are computed from, one row per finding.
#[derive(Debug, Clone)]
pub struct FindingFacts {
    pub building_id: i64,
    pub unit: i64,
    pub check_code: String,
    pub severity: i64,
    pub state: FindingState,
    pub found_at: i64,
    pub due_at: Option<i64>,
    pub fixed_at: Option<i64>,
    pub noticed: bool,
    pub enforced: bool,
}

/// A campaign's (or a node's part of it) indicators.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Indicators {
    pub buildings: i64,
    pub buildings_swept: i64,
    pub units: i64,
    pub units_swept: i64,
    pub findings: i64,
    pub by_check: BTreeMap<String, i64>,
    pub by_severity: BTreeMap<i64, i64>,
    pub notices: i64,
    pub fixed_on_time: i64,
    pub fixed_after_enforcement: i64,
    pub fixed_late: i64,
    pub open: i64,
    pub on_enforcement_list: i64,
    /// Found again at the same unit within 90 days of a fix (回潮).
    pub recurrences: i64,
}

/// Coverage from (building, swept?) per unit, and everything else from the findings.
/// `history` holds earlier fixes at the same places (any campaign) for 回潮.
pub fn indicators(units: &[(i64, bool)], findings: &[FindingFacts], history: &[FindingFacts]) -> Indicators {
    let mut out = Indicators { units: units.len() as i64, ..Default::default() };
    let mut buildings: BTreeMap<i64, bool> = BTreeMap::new();
    for (building, swept) in units {
        out.units_swept += i64::from(*swept);
        let all = buildings.entry(*building).or_insert(true);
        *all &= *swept;
    }
    out.buildings = buildings.len() as i64;
    out.buildings_swept = buildings.values().filter(|all| **all).count() as i64;
    for f in findings {
        out.findings += 1;
        *out.by_check.entry(f.check_code.clone()).or_default() += 1;
        *out.by_severity.entry(f.severity).or_default() += 1;
        out.notices += i64::from(f.noticed);
        match (f.state, f.fixed_at) {
            (FindingState::Fixed, Some(_)) if f.enforced => out.fixed_after_enforcement += 1,
            (FindingState::Fixed, Some(fixed)) if f.due_at.is_none_or(|due| fixed <= due) => out.fixed_on_time += 1,
            (FindingState::Fixed, _) => out.fixed_late += 1,
            (FindingState::Enforcement, _) => {
                out.open += 1;
                out.on_enforcement_list += 1;
            }
            _ => out.open += 1,
        }
        if is_recurrence(f, history) {
            out.recurrences += 1;
        }
    }
    out
}

/// Whether the same hazard was fixed at the same unit within the 90 days before `f` was found.
pub fn is_recurrence(f: &FindingFacts, history: &[FindingFacts]) -> bool {
    history.iter().any(|h| {
        h.building_id == f.building_id
            && h.unit == f.unit
            && h.check_code == f.check_code
            && h.fixed_at.is_some_and(|fixed| fixed <= f.found_at && f.found_at - fixed <= RECURRENCE_DAYS * DAY_MS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(
        state: FindingState,
        found_at: i64,
        due_at: Option<i64>,
        fixed_at: Option<i64>,
        enforced: bool,
    ) -> FindingFacts {
        FindingFacts {
            building_id: 1,
            unit: 3,
            check_code: "flying_cable".into(),
            severity: 3,
            state,
            found_at,
            due_at,
            fixed_at,
            noticed: due_at.is_some(),
            enforced,
        }
    }

    #[test]
    fn the_defaults_are_a_valid_checklist_with_the_seeds_three() {
        let checks = default_checks();
        validate_checks(&checks).expect("valid");
        for name in
            ["私自封门", "乱堆杂物", "飞线充电", "消防通道堵塞", "灭火器缺失/过期", "电表箱裸露", "楼道堆放易燃物"]
        {
            assert!(checks.iter().any(|c| c.name == name), "{name}");
        }
        assert!(is_urgent(checks.iter().find(|c| c.code == "flying_cable").expect("flying cable")));
        assert!(!is_urgent(checks.iter().find(|c| c.code == "clutter").expect("clutter")));
    }

    #[test]
    fn a_bad_checklist_names_the_field() {
        let mut checks = default_checks();
        checks[1].code = checks[0].code.clone();
        assert!(matches!(validate_checks(&checks), Err(Error::Invalid { field, .. }) if field == "checks[1].code"));
        let mut checks = default_checks();
        checks[2].category = "nope".into();
        assert!(matches!(validate_checks(&checks), Err(Error::Invalid { field, .. }) if field == "checks[2].category"));
        assert!(matches!(validate_checks(&[]), Err(Error::Invalid { field, .. }) if field == "checks"));
    }

    #[test]
    fn a_campaign_ends_at_the_end_of_its_last_day_in_china() {
        let (_, _, ends_at) = campaign_days("2026-12-01", "2026-12-07").expect("valid");
        assert_eq!(crate::time::to_rfc3339(ends_at + 1), "2026-12-08T00:00:00+08:00");
        assert!(
            matches!(campaign_days("2026-12-07", "2026-12-01"), Err(Error::Invalid { field, .. }) if field == "ends_on")
        );
        assert!(
            matches!(campaign_days("12/01", "2026-12-01"), Err(Error::Invalid { field, .. }) if field == "starts_on")
        );
    }

    #[test]
    fn indicators_count_coverage_fixes_and_recurrence() {
        let d = DAY_MS;
        let units = [(1, true), (1, true), (2, true), (2, false)];
        let findings = [
            fact(FindingState::Fixed, 0, Some(3 * d), Some(2 * d), false),
            fact(FindingState::Fixed, 0, Some(3 * d), Some(5 * d), true),
            fact(FindingState::Fixed, 0, Some(3 * d), Some(4 * d), false),
            fact(FindingState::Enforcement, 100 * d, Some(103 * d), None, false),
        ];
        let out = indicators(&units, &findings, &findings);
        assert_eq!((out.buildings, out.buildings_swept, out.units, out.units_swept), (2, 1, 4, 3));
        assert_eq!((out.fixed_on_time, out.fixed_after_enforcement, out.fixed_late), (1, 1, 1));
        assert_eq!((out.open, out.on_enforcement_list, out.notices), (1, 1, 4));
        // Found 95 days after the last fix (day 5): not 回潮; at day 60 it would be.
        assert_eq!(out.recurrences, 0);
        let again = fact(FindingState::Open, 60 * d, None, None, false);
        assert!(is_recurrence(&again, &findings));
    }
}
