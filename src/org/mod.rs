//! The organisation tree (district → street → community → grid → micro-grid),
//! the built environment hanging off it (estates → buildings → units →
//! households) and the places and organisations attached to it.

pub mod api;
pub mod pages;
pub mod search;
pub mod store;

use serde::Serialize;

crate::text_enum! {
    /// A level of the administrative tree, top down.
    pub enum Level {
        District = "district",
        Street = "street",
        Community = "community",
        Grid = "grid",
        MicroGrid = "micro_grid",
    }
}

impl Level {
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::District => "区",
            Level::Street => "街道",
            Level::Community => "社区",
            Level::Grid => "网格",
            Level::MicroGrid => "微网格",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Level::District => "District",
            Level::Street => "Street",
            Level::Community => "Community",
            Level::Grid => "Grid",
            Level::MicroGrid => "Micro-grid",
        }
    }

    /// The level a child of this level must have.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::District => Some(Level::Street),
            Level::Street => Some(Level::Community),
            Level::Community => Some(Level::Grid),
            Level::Grid => Some(Level::MicroGrid),
            Level::MicroGrid => None,
        }
    }
}

crate::text_enum! {
    /// What an organisation attached to the tree is.
    pub enum OrganisationKind {
        /// 物业公司: manages buildings, takes work orders.
        PropertyCompany = "property_company",
        /// 职能部门 or utility: handles escalated and joint-enforcement cases.
        Department = "department",
        /// 企业: supervised (e.g. VOC treatment), offers jobs.
        Enterprise = "enterprise",
        /// 共建单位: kindergartens, colleges and other activity partners.
        Partner = "partner",
    }
}

crate::text_enum! {
    /// Kinds of places attached to the tree.
    pub enum PlaceKind {
        ChargingShed = "charging_shed",
        Garage = "garage",
        GarbagePoint = "garbage_point",
        MonitoringPoint = "monitoring_point",
        EnterpriseSite = "enterprise_site",
        Venue = "venue",
        Other = "other",
    }
}

impl PlaceKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            PlaceKind::ChargingShed => "电动车充电棚",
            PlaceKind::Garage => "车库",
            PlaceKind::GarbagePoint => "垃圾堆放点",
            PlaceKind::MonitoringPoint => "空气质量国控点",
            PlaceKind::EnterpriseSite => "企业厂区",
            PlaceKind::Venue => "活动场所",
            PlaceKind::Other => "其他",
        }
    }
}

crate::db_row! {
    /// A node of the administrative tree.
    #[derive(Debug, Clone, Serialize)]
    pub struct OrgNode {
        pub id: i64,
        pub code: String,
        #[serde(skip)]
        pub parent_id: Option<i64>,
        pub level: Level,
        pub name: String,
        /// Materialised ancestry, `/1/5/23/`, own id last: a subtree is a prefix.
        #[serde(skip)]
        pub path: String,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        /// GeoJSON geometry of the area, if drawn.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub boundary: Option<String>,
        pub office_phone: Option<String>,
        pub office_address: Option<String>,
    }
}

impl OrgNode {
    /// Ids from the root down to this node, inclusive.
    pub fn ancestry(&self) -> Vec<i64> {
        path_ids(&self.path)
    }

    /// Whether `other` lies in this node's subtree (itself included).
    pub fn contains(&self, other: &OrgNode) -> bool {
        other.path.starts_with(&self.path)
    }
}

/// The node ids a materialised path names, from the root down.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Bounds `[low, high)` holding exactly the paths of a subtree (the node's
/// own included), for an index range scan instead of `LIKE 'prefix%'`:
/// `/1/5/` → `/1/5/` ≤ p < `/1/50` (`0` sorts right after `/`). Paths are
/// compared bytewise (PostgreSQL columns use the "C" collation).
pub fn subtree_bounds(path: &str) -> (String, String) {
    let mut high = path.strip_suffix('/').unwrap_or(path).to_string();
    high.push('0');
    (path.to_string(), high)
}

crate::db_row! {
    /// A building with what a directory or a case needs to know about it.
    #[derive(Debug, Clone, Serialize)]
    pub struct Building {
        pub id: i64,
        pub code: String,
        pub name: String,
        pub number: String,
        pub floors: Option<i64>,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        #[serde(skip)]
        pub estate_id: i64,
        pub estate: String,
        #[serde(skip)]
        pub node_id: i64,
        #[serde(skip)]
        pub community_id: i64,
        pub community: String,
        pub community_code: String,
        #[serde(skip)]
        pub property_company_id: Option<i64>,
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Unit {
        #[serde(skip)]
        pub id: i64,
        #[serde(skip)]
        pub building_id: i64,
        pub number: i64,
        /// The micro-grid of this unit, when it differs from the building's.
        #[serde(skip)]
        pub node_id: Option<i64>,
        pub floors: Option<i64>,
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Organisation {
        pub id: i64,
        pub kind: OrganisationKind,
        pub department_kind: Option<String>,
        pub name: String,
        /// A public service line, not personal data.
        pub phone: Option<String>,
        pub address: Option<String>,
        #[serde(skip)]
        pub node_id: i64,
    }
}

crate::db_row! {
    #[derive(Debug, Clone, Serialize)]
    pub struct Place {
        pub id: i64,
        pub kind: PlaceKind,
        pub name: String,
        #[serde(skip)]
        pub node_id: i64,
        pub estate_id: Option<i64>,
        pub organisation_id: Option<i64>,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        pub details: String,
    }
}

/// A level's name in the page's language.
impl crate::ui::i18n::Texts {
    pub fn level(&self, l: &Level) -> &'static str {
        if self.is_en() { l.name_en() } else { l.name_zh() }
    }
}

#[cfg(test)]
mod tests {
    use super::subtree_bounds;

    #[test]
    fn subtree_bounds_hold_exactly_the_subtree() {
        let (low, high) = subtree_bounds("/1/5/");
        let inside = |p: &str| low.as_str() <= p && p < high.as_str();
        assert!(inside("/1/5/") && inside("/1/5/23/") && inside("/1/5/999/7/"));
        assert!(!inside("/1/50/") && !inside("/1/51/") && !inside("/1/4/") && !inside("/1/") && !inside("/1/6/"));
        let (low, high) = subtree_bounds("/");
        assert!(low.as_str() <= "/1/" && "/987/3/" < high.as_str());
    }
}
