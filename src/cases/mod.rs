//! Cases: reports of public problems, handled through the seven-step
//! workflow with routing, deadlines, escalation and an append-only history.

pub mod api;
pub mod consumers;
pub mod draft;
pub mod duplicates;
pub mod events;
pub mod idempotency;
pub mod indicators;
pub mod intake;
pub mod lines;
pub mod locate;
pub mod notes;
mod notices;
pub mod pages;
pub mod policy;
pub mod rollup;
pub mod rules;
pub mod service;
pub mod store;
pub mod timers;
pub mod view;
pub mod workflow;

/// The subject kind of a case's timers and notifications: `case:42`.
pub const SUBJECT: &str = "case";

use crate::routing::AssigneeKind;
use workflow::Status;

crate::text_enum! {
    /// How a report reached linli.
    pub enum Source {
        /// The building page or the web app.
        Web = "web",
        /// An Open311 GeoReport v2 client.
        Open311 = "open311",
        /// A building chat channel.
        Chat = "chat",
        /// A WeCom (企业微信) callback.
        Wecom = "wecom",
        /// Entered by staff (phone call, visit, patrol).
        Staff = "staff",
        /// A hazard found in a sweep campaign (`campaigns`).
        Sweep = "sweep",
        /// A problem found on an environmental patrol (`patrols`).
        Patrol = "patrol",
    }
}

crate::db_row! {
    /// A case as stored, with its building's code and name.
    #[derive(Debug, Clone)]
    pub struct Case {
        pub id: i64,
        pub token: String,
        pub category: String,
        pub status: Status,
        pub urgent: bool,
        pub description: String,
        pub source: Source,
        pub building_id: Option<i64>,
        pub building_code: Option<String>,
        pub building_name: Option<String>,
        pub unit: Option<i64>,
        pub room: Option<String>,
        pub floor: Option<i64>,
        pub address: Option<String>,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        pub node_id: i64,
        pub node_path: String,
        pub property_company_id: Option<i64>,
        pub assignee_kind: Option<AssigneeKind>,
        pub assignee_org_id: Option<i64>,
        pub assignee_person_id: Option<i64>,
        pub assignee_node_id: Option<i64>,
        pub assignee_node_path: Option<String>,
        pub assignee_name: Option<String>,
        pub escalation_level: i64,
        pub likely_duplicate_of: Option<i64>,
        pub duplicate_of: Option<i64>,
        pub resume_status: Option<Status>,
        pub suspended_at: Option<i64>,
        pub rework_count: i64,
        pub rating: Option<i64>,
        pub created_at: i64,
        pub registered_at: Option<i64>,
        pub dispatched_at: Option<i64>,
        pub due_at: Option<i64>,
        pub resolved_at: Option<i64>,
        pub closed_at: Option<i64>,
        pub updated_at: i64,
        pub version: i64,
    }
}

impl Case {
    /// Whether the deadline has passed with the case still unfinished.
    pub fn is_overdue(&self, now: i64) -> bool {
        rules::is_overdue(self.status, self.due_at, self.closed_at, now)
    }
}

crate::db_row! {
    /// One entry of a case's history.
    #[derive(Debug, Clone)]
    pub struct Event {
        pub id: i64,
        pub case_id: i64,
        pub action: workflow::Action,
        pub from_status: Option<Status>,
        pub to_status: Status,
        pub actor_kind: String,
        pub actor_person_id: Option<i64>,
        pub actor_label: String,
        pub note: Option<String>,
        pub data: String,
        pub at: i64,
    }
}
