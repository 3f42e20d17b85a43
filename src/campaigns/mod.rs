//! Hazard-sweep campaigns (地毯式排查): community staff (or the street) send
//! every micro-grid member through the buildings they know with a checklist;
//! each hazard found is filed as a case through the case service, gets a
//! rectification notice (整改告知单) with a QR to its live public page, goes
//! to the street's joint enforcement when its deadline passes unfixed, and is
//! closed or reopened by the member's re-inspection. The feature hears of
//! fixes from the case event log (`consumers`) and keeps its own timers.

pub mod api;
pub mod consumers;
pub mod demo;
pub mod pages;
pub mod pdf;
pub mod rules;
pub mod service;
pub mod store;
pub mod timers;
pub mod wall;

use serde::Serialize;

/// Subject kinds of this feature's timers and notices: `campaign:3`, `finding:12`.
pub const CAMPAIGN: &str = "campaign";
pub const FINDING: &str = "finding";

crate::text_enum! {
    /// Where a finding stands, from found to fixed.
    pub enum FindingState {
        /// Found and filed; no notice yet.
        Open = "open",
        /// A rectification notice is out, its deadline running.
        Notice = "notice",
        /// The household says it is fixed: waiting for re-inspection.
        Answered = "answered",
        /// Past its deadline unfixed: on the joint-enforcement list.
        Enforcement = "enforcement",
        /// Enforcement recorded an outcome: waiting for re-inspection.
        Enforced = "enforced",
        /// Its case was reported fixed: waiting for re-inspection.
        Resolved = "resolved",
        /// Re-inspected and fixed.
        Fixed = "fixed",
    }
}

impl FindingState {
    pub fn name_zh(self) -> &'static str {
        match self {
            FindingState::Open => "待告知",
            FindingState::Notice => "已告知，整改中",
            FindingState::Answered => "已反馈整改，待复查",
            FindingState::Enforcement => "逾期未改，待联合执法",
            FindingState::Enforced => "已执法，待复查",
            FindingState::Resolved => "已处置，待复查",
            FindingState::Fixed => "已整改",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            FindingState::Open => "Found, no notice yet",
            FindingState::Notice => "Notice out, being fixed",
            FindingState::Answered => "Reported fixed, to re-inspect",
            FindingState::Enforcement => "Overdue: joint enforcement",
            FindingState::Enforced => "Enforced, to re-inspect",
            FindingState::Resolved => "Handled, to re-inspect",
            FindingState::Fixed => "Fixed",
        }
    }

    /// The name in the page's language.
    pub fn name(self, en: bool) -> &'static str {
        if en { self.name_en() } else { self.name_zh() }
    }

    /// Waiting for the member to look again.
    pub fn awaits_reinspection(self) -> bool {
        matches!(self, FindingState::Answered | FindingState::Enforced | FindingState::Resolved)
    }
}

crate::text_enum! {
    /// What the street's joint enforcement did about a finding.
    pub enum Outcome {
        Cleared = "cleared",
        Demolished = "demolished",
        Ordered = "ordered",
        Transferred = "transferred",
    }
}

impl Outcome {
    pub fn name_zh(self) -> &'static str {
        match self {
            Outcome::Cleared => "清理",
            Outcome::Demolished => "拆除",
            Outcome::Ordered => "责令整改",
            Outcome::Transferred => "移交",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Outcome::Cleared => "Cleared",
            Outcome::Demolished => "Demolished",
            Outcome::Ordered => "Ordered to fix",
            Outcome::Transferred => "Transferred",
        }
    }

    /// The name in the page's language.
    pub fn name(self, en: bool) -> &'static str {
        if en { self.name_en() } else { self.name_zh() }
    }

    /// Reads the code (`demolished`) or the Chinese word (`拆除`).
    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::from_code(text).or_else(|| Outcome::ALL.iter().copied().find(|o| o.name_zh() == text))
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Campaign {
        pub id: i64,
        pub name: String,
        #[serde(skip)]
        pub created_by_person_id: i64,
        /// First and last day (China Standard Time), `2026-12-01`.
        pub starts_on: String,
        pub ends_on: String,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub ends_at: i64,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub created_at: i64,
    }
}

crate::db_row! {
    /// One hazard type of a campaign's checklist.
    #[derive(Debug, Clone, Serialize, serde::Deserialize)]
    pub struct Check {
        pub code: String,
        pub name: String,
        /// The taxonomy category its cases are filed under.
        pub category: String,
        /// 1 (minor) to 3 (dangerous: filed urgent).
        pub severity: i64,
        pub legal_basis: String,
        /// Days a notice gives to fix it.
        pub fix_days: i64,
        /// Whether the sweep records the floor.
        pub by_floor: bool,
    }
}

crate::db_row! {
    /// A building × unit to sweep, with whom it is assigned to.
    #[derive(Debug, Clone, Serialize)]
    pub struct Target {
        #[serde(skip)]
        pub id: i64,
        #[serde(skip)]
        pub building_id: i64,
        pub building_code: String,
        pub building_name: String,
        pub unit: i64,
        #[serde(skip)]
        pub node_path: String,
        #[serde(skip)]
        pub grid_node_id: Option<i64>,
        #[serde(skip)]
        pub assignee_person_id: Option<i64>,
        #[serde(serialize_with = "crate::time::serialize_rfc3339_opt")]
        pub swept_at: Option<i64>,
        pub clean: Option<bool>,
    }
}

crate::db_row! {
    /// One hazard found, with its place and where it stands.
    #[derive(Debug, Clone, Serialize)]
    pub struct Finding {
        pub id: i64,
        pub campaign_id: i64,
        #[serde(skip)]
        pub target_id: i64,
        pub building_code: String,
        pub building_name: String,
        pub unit: i64,
        pub floor: Option<i64>,
        pub room: Option<String>,
        pub check_code: String,
        pub check_name: String,
        pub note: Option<String>,
        #[serde(serialize_with = "json_text")]
        pub photos: String,
        pub case_id: i64,
        #[serde(skip)]
        pub found_by_person_id: i64,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub found_at: i64,
        pub state: FindingState,
        #[serde(serialize_with = "crate::time::serialize_rfc3339_opt")]
        pub due_at: Option<i64>,
        #[serde(serialize_with = "crate::time::serialize_rfc3339_opt")]
        pub fixed_at: Option<i64>,
        #[serde(skip)]
        pub node_path: String,
        #[serde(skip)]
        pub assignee_person_id: Option<i64>,
    }
}

impl Finding {
    /// `98栋3单元302室` / `98栋3单元5楼`: where it is, as a notice names it.
    pub fn place(&self) -> String {
        let mut s = format!("{}{}单元", self.building_name, self.unit);
        match (&self.room, self.floor) {
            (Some(room), _) => s.push_str(&format!("{room}室")),
            (None, Some(floor)) => s.push_str(&format!("{floor}楼")),
            (None, None) => s.push_str("楼道"),
        }
        s
    }

    /// `越江新村98栋, unit 3, room 302`: the place for an English page.
    pub fn place_en(&self) -> String {
        let mut s = format!("{}, unit {}", self.building_name, self.unit);
        match (&self.room, self.floor) {
            (Some(room), _) => s.push_str(&format!(", room {room}")),
            (None, Some(floor)) => s.push_str(&format!(", floor {floor}")),
            (None, None) => s.push_str(", stairwell"),
        }
        s
    }

    /// The place in the page's language.
    pub fn place_in(&self, en: bool) -> String {
        if en { self.place_en() } else { self.place() }
    }

    pub fn photo_list(&self) -> Vec<String> {
        serde_json::from_str(&self.photos).unwrap_or_default()
    }
}

/// A JSON array kept as text in the database, written out as JSON.
fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or(serde_json::Value::Array(Vec::new()));
    value.serialize(s)
}
