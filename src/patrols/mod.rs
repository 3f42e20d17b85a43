//! Environmental patrols (巡查): zones around the air-quality monitoring
//! point owned by named people (分片包干, 专人负责), their checkpoints — garbage
//! points, building sites, enterprises, the monitoring point — each with a
//! QR plate, and the visits made by scanning them: "正常" in one tap, a
//! problem filed as a case through the case service (source `patrol`), or
//! coaching on the spot recorded and closed at once.
//!
//! Built so far (issue 14, first part): zones, checkpoints, plates, visits
//! and the zone's log. Rounds with their timers, printed logs, coverage on
//! the command centre, enterprise files and pollution alerts are to come
//! (docs/design/patrols.md).

pub mod api;
pub mod demo;
pub mod pages;
pub mod pdf;
pub mod rules;
pub mod service;
pub mod store;

use serde::Serialize;

crate::text_enum! {
    pub enum CheckpointKind {
        GarbagePoint = "garbage_point",
        BuildingSite = "building_site",
        Enterprise = "enterprise",
        MonitoringPoint = "monitoring_point",
        Other = "other",
    }
}

impl CheckpointKind {
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (CheckpointKind::GarbagePoint, false) => "垃圾堆放点",
            (CheckpointKind::BuildingSite, false) => "建筑工地",
            (CheckpointKind::Enterprise, false) => "企业",
            (CheckpointKind::MonitoringPoint, false) => "空气质量监测点",
            (CheckpointKind::Other, false) => "其他",
            (CheckpointKind::GarbagePoint, true) => "Garbage point",
            (CheckpointKind::BuildingSite, true) => "Building site",
            (CheckpointKind::Enterprise, true) => "Enterprise",
            (CheckpointKind::MonitoringPoint, true) => "Monitoring point",
            (CheckpointKind::Other, true) => "Other",
        }
    }
}

crate::text_enum! {
    /// What a visit found.
    pub enum VisitResult {
        Ok = "ok",
        Problem = "problem",
        /// A problem put right on the spot with the people there.
        Coached = "coached",
    }
}

crate::text_enum! {
    /// The problems a patrol looks for, each filed under its category.
    pub enum Problem {
        DustUncovered = "dust_uncovered",
        GarbageUnenclosed = "garbage_unenclosed",
        Burning = "burning",
        Exhaust = "exhaust",
        Other = "other",
    }
}

impl Problem {
    pub fn name(self, en: bool) -> &'static str {
        match (self, en) {
            (Problem::DustUncovered, false) => "扬尘未覆盖",
            (Problem::GarbageUnenclosed, false) => "垃圾点未围挡",
            (Problem::Burning, false) => "露天焚烧",
            (Problem::Exhaust, false) => "企业废气",
            (Problem::Other, false) => "其他污染问题",
            (Problem::DustUncovered, true) => "Dust not covered",
            (Problem::GarbageUnenclosed, true) => "Garbage point not enclosed",
            (Problem::Burning, true) => "Open burning",
            (Problem::Exhaust, true) => "Enterprise exhaust",
            (Problem::Other, true) => "Other pollution",
        }
    }

    /// The taxonomy category its case is filed under.
    pub fn category(self) -> &'static str {
        match self {
            Problem::GarbageUnenclosed => "sanitation",
            _ => "pollution",
        }
    }
}

crate::text_enum! {
    /// Where the phone said it was when the plate was scanned.
    pub enum Position {
        Near = "near",
        Far = "far",
        Missing = "missing",
        /// The checkpoint itself has no coordinates.
        Unknown = "unknown",
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Zone {
        pub id: i64,
        pub name: String,
        #[serde(skip)]
        pub node_id: i64,
        pub node_code: String,
        #[serde(skip)]
        pub node_path: String,
        /// A GeoJSON Polygon, as text.
        #[serde(skip)]
        pub boundary: Option<String>,
        pub centre_lat: Option<f64>,
        pub centre_lng: Option<f64>,
        pub radius_m: Option<i64>,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub created_at: i64,
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Checkpoint {
        pub id: i64,
        pub zone_id: i64,
        pub kind: CheckpointKind,
        pub name: String,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        pub organisation_id: Option<i64>,
        #[serde(skip)]
        pub building_id: i64,
        pub building_code: String,
        /// What the plate's QR carries (`/patrol/{token}`): given only when a checkpoint is added.
        #[serde(skip)]
        pub token: String,
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Visit {
        pub id: i64,
        pub checkpoint_id: i64,
        pub checkpoint_name: String,
        #[serde(skip)]
        pub person_id: i64,
        pub person_name: String,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub at: i64,
        pub distance_m: Option<f64>,
        pub position: Position,
        pub result: VisitResult,
        pub problem: Option<Problem>,
        pub note: Option<String>,
        #[serde(skip)]
        pub photos: String,
        pub case_id: Option<i64>,
    }
}
