//! "Who is my micro-grid member, who is the grid head, whom do I call?" —
//! the directory of one building (or one unit of it), as notice boards and
//! the building page show it.

pub mod api;
pub mod pages;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::auth::Role;
use crate::db::{Db, On};
use crate::error::{Error, Result};
use crate::org::{Building, Level, OrgNode, Organisation, Place, Unit, store as org_store};
use crate::people::{PublicRole, store as people_store};
use crate::taxonomy::{CATEGORIES, DepartmentKind, Handler};

/// A building placed in the tree, with everyone who answers for it.
#[derive(Debug, Clone)]
pub struct BuildingContext {
    pub building: Building,
    pub units: Vec<Unit>,
    /// The unit asked about, if any.
    pub unit: Option<Unit>,
    /// From the root down to the building's (or unit's) own node.
    pub ancestry: Vec<OrgNode>,
    pub property: Option<Organisation>,
    /// Departments attached anywhere above the building, nearest first.
    pub departments: Vec<Organisation>,
    pub roles: Vec<PublicRole>,
}

impl BuildingContext {
    /// Loads from the pools or, inside a transaction, from its connection.
    pub async fn load<'a>(on: impl Into<On<'a>>, building_code: &str, unit: Option<i64>) -> Result<BuildingContext> {
        let mut on = on.into();
        let building = org_store::building_by_code(on.re(), building_code).await?;
        let units = org_store::units_of(on.re(), building.id).await?;
        let unit = match unit {
            Some(n) => Some(
                units
                    .iter()
                    .find(|u| u.number == n)
                    .cloned()
                    .ok_or_else(|| Error::not_found("unit", format!("{n}（楼栋 {building_code}）")))?,
            ),
            None => None,
        };
        let own_node_id = unit.as_ref().and_then(|u| u.node_id).unwrap_or(building.node_id);
        let own_node = org_store::node_by_id(on.re(), own_node_id).await?;
        let ancestry = org_store::nodes_on_path(on.re(), &own_node.path).await?;

        let mut role_nodes: Vec<i64> = ancestry.iter().map(|n| n.id).collect();
        if unit.is_none() {
            // Units with their own micro-grid still belong on the building's board.
            role_nodes.extend(units.iter().filter_map(|u| u.node_id));
        }
        role_nodes.sort_unstable();
        role_nodes.dedup();
        let roles = people_store::publicised_at(on.re(), &role_nodes, Role::PUBLICISED).await?;

        let property = match building.property_company_id {
            Some(id) => Some(org_store::organisation_by_id(on.re(), id).await?),
            None => None,
        };
        let ancestor_ids: Vec<i64> = ancestry.iter().map(|n| n.id).collect();
        let mut departments = org_store::departments_at(on.re(), &ancestor_ids).await?;
        departments.sort_by_key(|d| std::cmp::Reverse(ancestor_ids.iter().position(|id| *id == d.node_id)));
        Ok(BuildingContext { building, units, unit, ancestry, property, departments, roles })
    }

    pub fn node_at(&self, level: Level) -> Option<&OrgNode> {
        self.ancestry.iter().find(|n| n.level == level)
    }

    /// Nodes whose micro-grid members serve what was asked about.
    fn micro_grid_nodes(&self) -> Vec<i64> {
        let own = self.ancestry.last().map(|n| n.id);
        let mut ids: Vec<i64> = own.into_iter().collect();
        if self.unit.is_none() {
            ids.extend(self.units.iter().filter_map(|u| u.node_id));
        }
        ids
    }

    pub fn micro_grid_members(&self) -> Vec<&PublicRole> {
        let nodes = self.micro_grid_nodes();
        self.roles_where(Role::MicroGridMember, |n| nodes.contains(&n))
    }

    pub fn grid_head(&self) -> Option<&PublicRole> {
        let grid = self.node_at(Level::Grid)?.id;
        self.roles_where(Role::GridHead, |n| n == grid).into_iter().next()
    }

    pub fn party_members(&self) -> Vec<&PublicRole> {
        let mut nodes = self.micro_grid_nodes();
        nodes.extend(self.node_at(Level::Grid).map(|g| g.id));
        self.roles_where(Role::PartyMember, |n| nodes.contains(&n))
    }

    fn roles_where(&self, role: Role, node: impl Fn(i64) -> bool) -> Vec<&PublicRole> {
        let mut seen = Vec::new();
        self.roles
            .iter()
            .filter(|r| r.role == role && r.node_id.is_some_and(&node))
            .filter(|r| {
                let fresh = !seen.contains(&r.id);
                seen.push(r.id);
                fresh
            })
            .collect()
    }

    pub fn department(&self, kind: DepartmentKind) -> Option<&Organisation> {
        self.departments.iter().find(|d| d.department_kind.as_deref() == Some(kind.code()))
    }

    pub fn community_office(&self) -> Option<Office> {
        let community = self.node_at(Level::Community)?;
        Some(Office {
            name: format!("{}居委会", community.name),
            phone: community.office_phone.clone(),
            address: community.office_address.clone(),
        })
    }

    /// The concrete party behind a handler for this building, if known.
    pub fn resolve(&self, handler: Handler) -> Option<Party> {
        match handler {
            Handler::Property => self.property.as_ref().map(|p| Party::organisation(handler, p)),
            Handler::GridHead => self.grid_head().map(|p| Party {
                handler,
                name: p.name.clone(),
                phone: p.phone.as_ref().map(crate::privacy::ShownPhone::shown),
                person_id: Some(p.id),
                organisation_id: None,
            }),
            Handler::Community => self.community_office().map(|o| Party {
                handler,
                name: o.name,
                phone: o.phone,
                person_id: None,
                organisation_id: None,
            }),
            Handler::Department(kind) => self.department(kind).map(|d| Party::organisation(handler, d)),
        }
    }
}

/// The community office (居委会).
#[derive(Debug, Clone, Serialize)]
pub struct Office {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Someone who answers for a category at a building.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub handler: Handler,
    pub name: String,
    /// Organisations' public service lines in full; a person's phone in
    /// full only if they agreed to publish it, masked otherwise.
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
}

impl Party {
    fn organisation(handler: Handler, org: &Organisation) -> Party {
        Party {
            handler,
            name: org.name.clone(),
            phone: org.phone.clone(),
            person_id: None,
            organisation_id: Some(org.id),
        }
    }
}

/// The directory of a building, as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Directory {
    pub building: BuildingSummary,
    pub unit: Option<i64>,
    pub street: Option<NodeRef>,
    pub community: Option<NodeRef>,
    pub grid: Option<NodeRef>,
    pub micro_grid: Option<NodeRef>,
    pub micro_grid_members: Vec<PublicRole>,
    pub grid_head: Option<PublicRole>,
    pub party_members: Vec<PublicRole>,
    pub property: Option<PropertyContact>,
    pub community_office: Option<Office>,
    pub responsible: Responsibilities,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildingSummary {
    pub code: String,
    pub name: String,
    pub number: String,
    pub estate: String,
    pub floors: Option<i64>,
    pub units: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeRef {
    pub code: String,
    pub name: String,
}

impl From<&OrgNode> for NodeRef {
    fn from(n: &OrgNode) -> Self {
        NodeRef { code: n.code.clone(), name: n.name.clone() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PropertyContact {
    pub name: String,
    pub service_phone: Option<String>,
}

/// Who answers for each category, in taxonomy order, keyed by category code.
#[derive(Debug, Clone)]
pub struct Responsibilities(pub Vec<(&'static str, Responsible)>);

impl Serialize for Responsibilities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (code, r) in &self.0 {
            map.serialize_entry(code, r)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Responsible {
    pub category: &'static str,
    /// Hours to resolve a normal report.
    pub deadline_hours: f64,
    /// Lead first. Empty when nobody is on record: the community then decides.
    pub parties: Vec<Party>,
}

impl Responsible {
    /// The deadline as people say it: 2 小时, 3 天.
    pub fn deadline_zh(&self) -> String {
        let hours = self.deadline_hours;
        if hours > 72.0 && hours % 24.0 == 0.0 {
            format!("{} 天", hours / 24.0)
        } else if hours >= 1.0 {
            format!("{hours} 小时")
        } else {
            format!("{} 分钟", hours * 60.0)
        }
    }
}

impl Directory {
    pub async fn load(db: &Db, building_code: &str, unit: Option<i64>) -> Result<Directory> {
        let ctx = BuildingContext::load(db, building_code, unit).await?;
        let places = org_store::places_at(
            db,
            &ctx.ancestry.iter().filter(|n| n.level >= Level::Community).map(|n| n.id).collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .filter(|p| p.estate_id.is_none_or(|e| e == ctx.building.estate_id))
        .collect();
        Ok(Directory::from_context(&ctx, places))
    }

    pub fn from_context(ctx: &BuildingContext, places: Vec<Place>) -> Directory {
        let b = &ctx.building;
        let responsible = CATEGORIES
            .iter()
            .map(|c| {
                let parties = c.handlers.iter().filter_map(|h| ctx.resolve(*h)).collect();
                let r = Responsible {
                    category: c.name_zh,
                    deadline_hours: f64::from(c.deadlines.resolve_minutes) / 60.0,
                    parties,
                };
                (c.code, r)
            })
            .collect();
        Directory {
            building: BuildingSummary {
                code: b.code.clone(),
                name: b.name.clone(),
                number: b.number.clone(),
                estate: b.estate.clone(),
                floors: b.floors,
                units: ctx.units.iter().map(|u| u.number).collect(),
            },
            unit: ctx.unit.as_ref().map(|u| u.number),
            street: ctx.node_at(Level::Street).map(NodeRef::from),
            community: ctx.node_at(Level::Community).map(NodeRef::from),
            grid: ctx.node_at(Level::Grid).map(NodeRef::from),
            micro_grid: ctx.node_at(Level::MicroGrid).map(NodeRef::from),
            micro_grid_members: ctx.micro_grid_members().into_iter().cloned().collect(),
            grid_head: ctx.grid_head().cloned(),
            party_members: ctx.party_members().into_iter().cloned().collect(),
            property: ctx
                .property
                .as_ref()
                .map(|p| PropertyContact { name: p.name.clone(), service_phone: p.phone.clone() }),
            community_office: ctx.community_office(),
            responsible: Responsibilities(responsible),
            places,
        }
    }
}
