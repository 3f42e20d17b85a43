//! The lines a case's progress is told in, to the building chat it came
//! from and to the group robots above it: 【受理】, 【已派遣】 with the unit
//! and deadline, 【已修复请确认】, 【已办结】, and 【上报…】 on escalation.

use super::service::{deadline_text, level_name};
use super::workflow::Action;
use super::{Case, Event};

/// The line for one event of a case, if it is a step people hear of.
pub fn progress_line(event: &Event, case: &Case) -> Option<String> {
    let what = format!("#{} {}", case.id, case.address.clone().unwrap_or_default());
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or_default();
    let line = match event.action {
        Action::Register => format!("【受理】{what} 已受理"),
        Action::Dispatch => {
            let unit = data["assignee"]["name"].as_str().unwrap_or("");
            let due = data["due_at"].as_str().and_then(crate::time::parse_datetime).map(deadline_text);
            format!("【已派遣】{what} 责任单位：{unit}，处置时限：{}", due.unwrap_or_default())
        }
        Action::Resolve => format!("【已修复请确认】{what} 请反映人或微网格员核查"),
        Action::Close => format!("【已办结】{what} 感谢反映"),
        Action::Escalate => {
            let level = data["level"].as_i64().unwrap_or(1);
            format!("【上报{}】{what} 已超期或需协调", level_name(level))
        }
        _ => return None,
    };
    Some(line.trim_end().to_string())
}
