//! What the work card and its QR check page read: a person's roles at
//! nodes, with their phone and their latest consent to publish it.

use crate::auth::Role;
use crate::db::{Db, query_dyn};
use crate::error::Result;
use crate::people::publicity;

crate::db_row! {
    /// An active role a person holds at a node, as a card prints it.
    pub struct CardRow {
        pub assignment_id: i64,
        pub person_id: i64,
        pub name: String,
        pub phone: Option<String>,
        pub role: Role,
        pub title: Option<String>,
        pub duties: String,
        pub node_path: String,
        pub phone_consent: Option<bool>,
    }
}

/// The active roles a person (not erased) holds at nodes.
pub async fn active_node_roles(db: &Db, person_id: i64) -> Result<Vec<CardRow>> {
    Ok(query_dyn(format!(
        "SELECT r.id AS assignment_id, p.id AS person_id, p.name, p.phone, r.role, r.title, r.duties,
                    n.path AS node_path, pp.published AS phone_consent
             FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
             {}
             WHERE p.id = $1 AND r.active AND p.erased_at IS NULL",
        publicity::JOIN_LATEST
    ))
    .bind(person_id)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// The role a card names, as it stands now (ended or erased included).
    pub struct VerifyRow {
        pub name: String,
        pub phone: Option<String>,
        pub role: Role,
        pub title: Option<String>,
        pub active: bool,
        pub erased_at: Option<i64>,
        pub node_path: String,
        pub phone_consent: Option<bool>,
    }
}

/// The role assignment a card's QR code names, whatever its state.
pub async fn card_assignment(db: &Db, assignment_id: i64) -> Result<Option<VerifyRow>> {
    Ok(query_dyn(format!(
        "SELECT p.name, p.phone, r.role, r.title, r.active, p.erased_at, n.path AS node_path,
                    pp.published AS phone_consent
             FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
             {}
             WHERE r.id = $1",
        publicity::JOIN_LATEST
    ))
    .bind(assignment_id)
    .fetch_optional(db)
    .await?)
}
