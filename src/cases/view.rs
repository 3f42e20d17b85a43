//! Cases and events as the JSON API shows them.

use serde::Serialize;

use super::workflow::{Action, Status};
use super::{Case, Event, Source};
use crate::time::to_rfc3339;

#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub category: String,
    pub category_name: &'static str,
    pub status: Status,
    pub status_name: &'static str,
    pub urgent: bool,
    pub description: String,
    pub source: Source,
    pub building: Option<BuildingRef>,
    pub unit: Option<i64>,
    pub room: Option<String>,
    pub floor: Option<i64>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub assignee: Option<AssigneeView>,
    pub escalation_level: i64,
    pub likely_duplicate_of: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub rework_count: i64,
    pub rating: Option<i64>,
    pub created_at: String,
    pub registered_at: Option<String>,
    pub dispatched_at: Option<String>,
    pub due_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    pub overdue: bool,
    /// For a closed case: whether it closed by its deadline.
    pub closed_on_time: Option<bool>,
    /// What the caller may do next.
    pub allowed_actions: Vec<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<crate::attachments::Blob>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    /// The follow token, shown once to whoever filed the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BuildingRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct AssigneeView {
    pub kind: crate::routing::AssigneeKind,
    pub name: String,
    pub organisation_id: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: i64,
    pub action: Action,
    pub action_name: &'static str,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub actor: String,
    pub actor_kind: String,
    pub note: Option<String>,
    pub data: serde_json::Value,
    pub at: String,
}

impl CaseView {
    pub fn new(case: &Case, now: i64, allowed_actions: Vec<Action>) -> CaseView {
        let category_name = crate::taxonomy::category(&case.category).map_or("", |c| c.name_zh);
        CaseView {
            id: case.id,
            category: case.category.clone(),
            category_name,
            status: case.status,
            status_name: case.status.name_zh(),
            urgent: case.urgent,
            description: case.description.clone(),
            source: case.source,
            building: case
                .building_code
                .clone()
                .zip(case.building_name.clone())
                .map(|(code, name)| BuildingRef { code, name }),
            unit: case.unit,
            room: case.room.clone(),
            floor: case.floor,
            address: case.address.clone(),
            lat: case.lat,
            lng: case.lng,
            assignee: case.assignee_kind.map(|kind| AssigneeView {
                kind,
                name: case.assignee_name.clone().unwrap_or_default(),
                organisation_id: case.assignee_org_id,
            }),
            escalation_level: case.escalation_level,
            likely_duplicate_of: case.likely_duplicate_of,
            duplicate_of: case.duplicate_of,
            rework_count: case.rework_count,
            rating: case.rating,
            created_at: to_rfc3339(case.created_at),
            registered_at: case.registered_at.map(to_rfc3339),
            dispatched_at: case.dispatched_at.map(to_rfc3339),
            due_at: case.due_at.map(to_rfc3339),
            resolved_at: case.resolved_at.map(to_rfc3339),
            closed_at: case.closed_at.map(to_rfc3339),
            updated_at: to_rfc3339(case.updated_at),
            overdue: case.is_overdue(now),
            closed_on_time: case.closed_at.zip(case.due_at).map(|(closed, due)| closed <= due),
            allowed_actions,
            photos: None,
            events: None,
            token: None,
        }
    }
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        EventView {
            id: e.id,
            action: e.action,
            action_name: e.action.name_zh(),
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor_label.clone(),
            actor_kind: e.actor_kind.clone(),
            note: e.note.clone(),
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
            at: to_rfc3339(e.at),
        }
    }
}
