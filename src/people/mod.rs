//! People and the roles they hold. A person is stored once, with contact
//! details that are personal data; a person may hold several roles, each
//! scoped to a subtree of the organisation tree or to an organisation.

pub mod accounts;
pub mod privacy;
pub mod publicity;
pub mod routes;
pub mod store;

use serde::Serialize;

use crate::privacy::ShownPhone;

crate::text_enum! {
    /// What someone does in the grid (docs/domain.md, "People and roles").
    pub enum Role {
        Resident = "resident",
        MicroGridMember = "micro_grid_member",
        GridHead = "grid_head",
        CommunityStaff = "community_staff",
        PropertyStaff = "property_staff",
        DepartmentOfficer = "department_officer",
        CommandCentre = "command_centre",
        PartyMember = "party_member",
        Admin = "admin",
    }
}

/// The groups of roles the rules speak of, named once.
impl Role {
    /// Everyone who works an area's cases, from the building's volunteer to
    /// the command centre (and administrators).
    pub const AREA_STAFF: &'static [Role] =
        &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff, Role::CommandCentre, Role::Admin];
    /// Those who screen an area's reports (confirm, merge, dismiss) and may
    /// call a reporter back.
    pub const SCREENERS: &'static [Role] =
        &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff, Role::CommandCentre];
    /// Those who dispatch and reopen an area's cases.
    pub const DISPATCHERS: &'static [Role] = &[Role::GridHead, Role::CommunityStaff, Role::CommandCentre];
    /// Those who verify a fix on site, or order rework, and escalate.
    pub const VERIFIERS: &'static [Role] = &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff];
    /// Those who pause and resume cases.
    pub const SUPERVISORS: &'static [Role] = &[Role::CommunityStaff, Role::CommandCentre];
    /// Those who configure an area: routing rules, robots, bindings, people.
    pub const MANAGERS: &'static [Role] = &[Role::Admin, Role::CommunityStaff, Role::CommandCentre];
    /// Those who watch an area on the command centre.
    pub const OVERSEERS: &'static [Role] = &[Role::Admin, Role::CommandCentre, Role::CommunityStaff, Role::GridHead];
    /// The roles posted on a building's notice board.
    pub const PUBLICISED: &'static [Role] = &[Role::MicroGridMember, Role::GridHead, Role::PartyMember];

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Resident => "居民",
            Role::MicroGridMember => "微网格员",
            Role::GridHead => "网格长",
            Role::CommunityStaff => "社区工作人员",
            Role::PropertyStaff => "物业人员",
            Role::DepartmentOfficer => "职能部门人员",
            Role::CommandCentre => "指挥中心",
            Role::PartyMember => "党员",
            Role::Admin => "系统管理员",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Resident => "Resident",
            Role::MicroGridMember => "Micro-grid member",
            Role::GridHead => "Grid head",
            Role::CommunityStaff => "Community staff",
            Role::PropertyStaff => "Property staff",
            Role::DepartmentOfficer => "Department officer",
            Role::CommandCentre => "Command centre",
            Role::PartyMember => "Party member",
            Role::Admin => "Administrator",
        }
    }

    /// What the role's scope must be: tree levels it may be attached to, or
    /// the kind of organisation it belongs to.
    pub fn scope_rule(self) -> ScopeRule {
        use crate::org::{Level, OrganisationKind};
        match self {
            Role::Resident | Role::MicroGridMember => ScopeRule::Node(&[Level::MicroGrid, Level::Grid]),
            Role::GridHead => ScopeRule::Node(&[Level::Grid]),
            Role::CommunityStaff => ScopeRule::Node(&[Level::Community]),
            Role::CommandCentre => ScopeRule::Node(&[Level::Street, Level::District]),
            Role::PartyMember | Role::Admin => ScopeRule::Node(crate::org::Level::ALL),
            Role::PropertyStaff => ScopeRule::Organisation(OrganisationKind::PropertyCompany),
            Role::DepartmentOfficer => ScopeRule::Organisation(OrganisationKind::Department),
        }
    }
}

/// Where a role may be attached.
#[derive(Debug, Clone, Copy)]
pub enum ScopeRule {
    Node(&'static [crate::org::Level]),
    Organisation(crate::org::OrganisationKind),
}

/// A person as the public may see them in a role: the phone in full only
/// when they agreed to publish it and the role allows it
/// ([`publicity::shows_in_full`]), masked otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRole {
    pub id: i64,
    pub name: String,
    pub phone: Option<ShownPhone>,
    /// Whether `phone` is the full, callable number.
    pub phone_published: bool,
    pub role: Role,
    pub title: Option<String>,
    pub duties: String,
    #[serde(skip)]
    pub node_id: Option<i64>,
    #[serde(skip)]
    pub organisation_id: Option<i64>,
}
