//! mySociety's `servicerequestupdates`: the case history as a feed of
//! updates (GET), and comments from FixMyStreet-style clients (POST).

use serde_json::{Value, json};

use super::{Failure, Format, Reply, client, render};
use crate::cases::service::{self, ActionInput};
use crate::cases::store;
use crate::cases::workflow::{Action, Status};
use crate::db::query;
use crate::error::Error;
use crate::privacy::mask_text;
use crate::web::AppState;
use crate::web::params::Params;

/// mySociety's extended statuses, lowercase as GET returns them.
fn extended_status(s: Status) -> &'static str {
    match s {
        Status::Reported | Status::Registered => "open",
        Status::Dispatched => "action_scheduled",
        Status::InProgress => "in_progress",
        Status::Resolved => "fixed",
        Status::Closed | Status::Evaluated => "closed",
        Status::Suspended => "investigating",
        Status::Rejected => "not_councils_responsibility",
        Status::Merged => "duplicate",
    }
}

const UPPER_STATUSES: &[&str] = &[
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "REOPEN",
    "FOR_TRIAGE",
];

pub async fn list(state: &AppState, params: &Params, format: Format) -> Reply {
    let bad = |e: Error| Failure::from_error(e, format);
    let now = state.clock.now_ms();
    let date = |name: &str| super::date_param(params, name, format);
    let end = date("end_date")?.unwrap_or(now);
    let start = date("start_date")?.unwrap_or(end - 24 * 3_600_000);
    if end < start {
        return Err(Failure::new(400, "end_date is before start_date", format));
    }
    // Inclusive end: an update at exactly end_date belongs to this window.
    let events = store::events_between(&state.db, start, end + 1, 1000).await.map_err(bad)?;
    let updates: Vec<Value> = events
        .iter()
        .filter(|e| e.action != Action::Report)
        .map(|e| {
            json!({
                "update_id": e.id.to_string(),
                "service_request_id": e.case_id.to_string(),
                "status": extended_status(e.to_status),
                "updated_datetime": crate::time::to_rfc3339(e.at),
                "description": mask_text(e.note.as_deref().unwrap_or(e.action.name_zh())),
                "media_url": "",
                "external_status_code": e.to_status.code(),
            })
        })
        .collect();
    Ok(render(format, "service_request_updates", &Value::Array(updates)))
}

pub async fn create(state: &AppState, form: &Params, format: Format) -> Reply {
    let actor = client(state, form, format).await?;
    let bad = |e: Error| Failure::from_error(e, format);
    let required = |name: &str| -> Result<&str, Failure> {
        form.optional(name).map_err(bad)?.ok_or_else(|| Failure::new(400, format!("{name} is required"), format))
    };
    let id: i64 =
        required("service_request_id")?.parse().map_err(|_| Failure::new(404, "no such service_request_id", format))?;
    let update_id = required("update_id")?;
    let status = required("status")?;
    if !UPPER_STATUSES.contains(&status) {
        return Err(Failure::new(
            400,
            format!("status `{status}` is not one of {}", UPPER_STATUSES.join(", ")),
            format,
        ));
    }
    let when = required("updated_datetime")?;
    if crate::time::parse_datetime(when).is_none() {
        return Err(Failure::new(400, "updated_datetime must be a W3C date-time", format));
    }
    // Description is required but may be empty.
    let description = form.optional("description").map_err(bad)?.unwrap_or("");
    let exists: i64 = query("SELECT COUNT(*) FROM cases WHERE id = $1")
        .bind(id)
        .scalar(&state.db)
        .await
        .map_err(|e| bad(e.into()))?;
    if exists == 0 {
        return Err(Failure::new(404, format!("no service request `{id}`"), format));
    }
    let note = if description.is_empty() { format!("外部更新（{status}）") } else { description.to_string() };
    let input = ActionInput { note: Some(format!("{note} [update {update_id}]")), ..Default::default() };
    let case = service::act(state, &actor, id, Action::Comment, input).await.map_err(bad)?;
    let event_id = store::events_of(&state.db, case.id).await.map_err(bad)?.last().map(|e| e.id).unwrap_or_default();
    Ok(render(format, "service_request_updates", &json!([{ "update_id": event_id.to_string() }])))
}
