//! Storage of people and role assignments.

use super::{PublicRole, Role, ScopeRule};
use crate::db::{Db, Tx, query, query_dyn};
use crate::error::{Error, Result};
use crate::org::store::placeholders;
use crate::privacy::{Phone, ShownPhone};
use crate::time::now_ms;

use super::publicity::{self, Recorder};

#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub phone: Option<Phone>,
    pub id_number: Option<String>,
    pub address: Option<String>,
}

pub async fn insert_person(tx: &mut Tx, p: &NewPerson) -> Result<i64> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(Error::invalid("name", "应为 1 到 40 个字"));
    }
    Ok(query(
        "INSERT INTO people (name, phone, id_number, address, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(p.phone.as_ref().map(|ph| ph.reveal().to_string()))
    .bind(p.id_number.as_ref())
    .bind(p.address.as_ref())
    .bind(now_ms())
    .scalar(tx)
    .await?)
}

/// A role to give someone. Exactly one of `node_id` / `organisation_id`
/// is normally set, as the role's [`ScopeRule`] demands.
#[derive(Debug, Clone)]
pub struct NewRole {
    pub person_id: i64,
    pub role: Role,
    pub node_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub title: Option<String>,
    pub duties: String,
    pub publicised: bool,
    /// Who gives the role: recorded as the source of a default consent to
    /// publish the work phone ([`publicity::record_default`]).
    pub assigned_by: Recorder,
}

impl NewRole {
    pub fn at_node(person_id: i64, role: Role, node_id: i64) -> NewRole {
        NewRole {
            person_id,
            role,
            node_id: Some(node_id),
            organisation_id: None,
            title: None,
            duties: String::new(),
            publicised: true,
            assigned_by: Recorder::system(),
        }
    }

    pub fn in_organisation(person_id: i64, role: Role, organisation_id: i64) -> NewRole {
        NewRole { organisation_id: Some(organisation_id), node_id: None, ..NewRole::at_node(person_id, role, 0) }
    }

    pub fn duties(mut self, duties: &str) -> NewRole {
        self.duties = duties.to_string();
        self
    }

    pub fn title(mut self, title: &str) -> NewRole {
        self.title = Some(title.to_string());
        self
    }

    pub fn assigned_by(mut self, by: Recorder) -> NewRole {
        self.assigned_by = by;
        self
    }
}

/// What people call a kind of organisation (its code if unknown).
fn org_kind_zh(code: &str) -> &str {
    match code {
        "property_company" => "物业公司",
        "department" => "职能部门",
        "enterprise" => "企业",
        "partner" => "共建单位",
        other => other,
    }
}

/// Stores a role after checking its scope fits the role. A grid role
/// publishes the work phone by default; that default is recorded as given
/// by `r.assigned_by`, unless the person has a choice on record already.
pub async fn assign_role(tx: &mut Tx, r: &NewRole) -> Result<i64> {
    match super::scope_rule(r.role) {
        ScopeRule::Node(levels) => {
            let node_id = r
                .node_id
                .ok_or_else(|| Error::invalid("node_id", format!("{}须指定所在的组织节点", r.role.name_zh())))?;
            let node = crate::org::store::node_by_id(&mut *tx, node_id).await?;
            if !levels.contains(&node.level) {
                let allowed: Vec<_> = levels.iter().map(|l| l.name_zh()).collect();
                return Err(Error::invalid(
                    "node_id",
                    format!("{}应设在{}一级，不能设在{}", r.role.name_zh(), allowed.join("或"), node.level.name_zh()),
                ));
            }
        }
        ScopeRule::Organisation(kind) => {
            let org_id = r.organisation_id.ok_or_else(|| {
                Error::invalid("organisation_id", format!("{}须属于一家{}", r.role.name_zh(), org_kind_zh(kind.code())))
            })?;
            let actual: Option<(String,)> =
                query("SELECT kind FROM organisations WHERE id = $1").bind(org_id).fetch_optional(&mut *tx).await?;
            match actual {
                Some((k,)) if k == kind.code() => {}
                Some((k,)) => {
                    return Err(Error::invalid(
                        "organisation_id",
                        format!("{}须属于{}，不能属于{}", r.role.name_zh(), org_kind_zh(kind.code()), org_kind_zh(&k)),
                    ));
                }
                None => return Err(Error::not_found("organisation", org_id.to_string())),
            }
        }
    }
    let now = now_ms();
    let id = query(
        "INSERT INTO role_assignments (person_id, role, node_id, organisation_id, title, duties, publicised, active, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8) RETURNING id",
    )
    .bind(r.person_id)
    .bind(r.role)
    .bind(r.node_id)
    .bind(r.organisation_id)
    .bind(r.title.as_ref())
    .bind(&r.duties)
    .bind(r.publicised)
    .bind(now)
    .scalar(&mut *tx)
    .await?;
    publicity::record_default(tx, r.person_id, r.role, &r.assigned_by, now).await?;
    Ok(id)
}

crate::db_row! {
    struct PublicRoleRow {
        id: i64,
        name: String,
        phone: Option<String>,
        role: Role,
        title: Option<String>,
        duties: String,
        node_id: Option<i64>,
        organisation_id: Option<i64>,
        phone_consent: Option<bool>,
    }
}

impl From<PublicRoleRow> for PublicRole {
    fn from(r: PublicRoleRow) -> Self {
        let published = r.phone.is_some() && publicity::shows_in_full(r.role, r.phone_consent);
        PublicRole {
            id: r.id,
            name: r.name,
            phone: r.phone.map(|p| ShownPhone::new(Phone::from_stored(p), published)),
            phone_published: published,
            role: r.role,
            title: r.title,
            duties: r.duties,
            node_id: r.node_id,
            organisation_id: r.organisation_id,
        }
    }
}

/// Active, publicised holders of `roles` at any of `node_ids`, oldest first,
/// each with their phone published or masked as their latest consent says.
pub async fn publicised_at<'a>(
    db: impl Into<crate::db::On<'a>>,
    node_ids: &[i64],
    roles: &[Role],
) -> Result<Vec<PublicRole>> {
    if node_ids.is_empty() || roles.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id, p.name, p.phone, r.role, r.title, r.duties, r.node_id, r.organisation_id,
                pp.published AS phone_consent
         FROM role_assignments r JOIN people p ON p.id = r.person_id {}
         WHERE r.active AND r.publicised AND p.erased_at IS NULL
           AND r.node_id IN ({}) AND r.role IN ({})
         ORDER BY r.started_at, r.id",
        publicity::JOIN_LATEST,
        placeholders(1, node_ids.len()),
        placeholders(node_ids.len() + 1, roles.len()),
    );
    let rows: Vec<PublicRoleRow> =
        query_dyn(sql).bind_all(node_ids.iter().copied()).bind_all(roles.iter().copied()).fetch_all(db).await?;
    Ok(rows.into_iter().map(PublicRole::from).collect())
}

/// The phone on record for a person, if any.
pub async fn phone_of(db: &Db, person_id: i64) -> Result<Option<String>> {
    Ok(query("SELECT phone FROM people WHERE id = $1").bind(person_id).scalar(db).await?)
}

crate::db_row! {
    /// A role held at a node, with its person and their latest phone consent.
    pub struct PersonRole {
        pub assignment_id: i64,
        pub person_id: i64,
        pub name: String,
        pub phone: Option<String>,
        pub role: Role,
        pub title: Option<String>,
        pub node_name: String,
        pub node_path: String,
        pub active: bool,
        pub consent: Option<bool>,
        pub consent_by: Option<String>,
        pub consent_at: Option<i64>,
    }
}

/// Every role held at a node (ended ones too) by people not erased, in
/// tree order; at most 2000.
pub async fn roles_at_nodes(db: &Db) -> Result<Vec<PersonRole>> {
    Ok(query_dyn(format!(
        "SELECT r.id AS assignment_id, p.id AS person_id, p.name, p.phone, r.role, r.title, n.name AS node_name,
                n.path AS node_path, r.active,
                pp.published AS consent, pp.recorded_by_label AS consent_by, pp.recorded_at AS consent_at
         FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
         {}
         WHERE p.erased_at IS NULL ORDER BY n.path, r.role, p.id LIMIT 2000",
        publicity::JOIN_LATEST
    ))
    .fetch_all(db)
    .await?)
}

/// The path of the node a role is held at, if the role is held at one.
pub async fn role_node_path(db: &Db, assignment_id: i64) -> Result<Option<String>> {
    let row: Option<(String,)> =
        query("SELECT n.path FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id WHERE r.id = $1")
            .bind(assignment_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(path,)| path))
}

/// Ends a role (离任) at `now`.
pub async fn end_role(db: &Db, assignment_id: i64, now: i64) -> Result<()> {
    query("UPDATE role_assignments SET active = FALSE, ended_at = $1 WHERE id = $2")
        .bind(now)
        .bind(assignment_id)
        .execute(db)
        .await?;
    Ok(())
}

crate::db_row! {
    /// One read of someone's personal data.
    pub struct AccessRow {
        pub id: i64,
        pub actor_label: String,
        pub subject_person_id: Option<i64>,
        pub case_id: Option<i64>,
        pub what: String,
        pub purpose: String,
        pub at: i64,
    }
}

/// Who saw personal data (of `subject`, or anyone's), newest first.
pub async fn access_log(db: &Db, subject: Option<i64>, limit: i64) -> Result<Vec<AccessRow>> {
    Ok(query(
        "SELECT id, actor_label, subject_person_id, case_id, what, purpose, at FROM access_log
         WHERE ($1 IS NULL OR subject_person_id = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
