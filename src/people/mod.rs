//! People and the roles they hold. A person is stored once, with contact
//! details that are personal data; a person may hold several roles, each
//! scoped to a subtree of the organisation tree or to an organisation.

pub mod api;
pub mod pages;
pub mod privacy;
pub mod publicity;
pub mod store;

use serde::Serialize;

use crate::privacy::ShownPhone;

pub use crate::auth::Role;

/// What a role's scope must be: tree levels it may be attached to, or the
/// kind of organisation it belongs to.
pub fn scope_rule(role: Role) -> ScopeRule {
    use crate::org::{Level, OrganisationKind};
    match role {
        Role::Resident | Role::MicroGridMember => ScopeRule::Node(&[Level::MicroGrid, Level::Grid]),
        Role::GridHead => ScopeRule::Node(&[Level::Grid]),
        Role::CommunityStaff => ScopeRule::Node(&[Level::Community]),
        Role::CommandCentre => ScopeRule::Node(&[Level::Street, Level::District]),
        Role::PartyMember | Role::Admin => ScopeRule::Node(crate::org::Level::ALL),
        Role::PropertyStaff => ScopeRule::Organisation(OrganisationKind::PropertyCompany),
        Role::DepartmentOfficer => ScopeRule::Organisation(OrganisationKind::Department),
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
