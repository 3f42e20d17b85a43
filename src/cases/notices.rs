//! Who hears of a case's step, in the app and by e-mail: the unit it is
//! assigned to, its reporters, the building's micro-grid members, and the
//! supervisors one level up at each escalation.

use super::{Case, store};
use crate::auth::Role;
use crate::db::{Tx, query};
use crate::error::Result;
use crate::platform::Subject;
use crate::platform::outbox::{self, Channel, Message};
use crate::routing::{self, AssigneeKind};

/// Who a notice goes to.
#[derive(Debug, Clone)]
pub(super) enum Audience {
    /// The party a dispatch just chose.
    Assignee(routing::Assignment),
    /// The party the case is assigned to now.
    CurrentAssignee,
    /// Everyone who reported it.
    Reporters,
    /// The building's micro-grid members.
    MicroGridMembers,
    /// 1: grid heads, 2: community staff, 3: the street's command centre.
    Supervisors(i64),
}

/// Tells an audience of a case's step: in the app, and by e-mail to those
/// with an address when e-mail is configured. Keyed by the event, so the
/// same step never tells anyone twice.
#[allow(clippy::too_many_arguments)]
pub(super) async fn notify_audience(
    tx: &mut Tx,
    case: &Case,
    event_id: i64,
    audience: &Audience,
    title: &str,
    note: Option<&str>,
    email: bool,
    now: i64,
) -> Result<()> {
    let people = recipients(tx, case, audience).await?;
    let body = match note {
        Some(n) => format!("{}\n{n}", case.description),
        None => case.description.clone(),
    };
    for person_id in people {
        let message = Message {
            person_id: Some(person_id),
            address: None,
            subject: Some(Subject::new(super::SUBJECT, case.id)),
            link: Some(link_for(audience, case.id)),
            title: title.to_string(),
            body: body.clone(),
            dedupe_key: format!("event:{event_id}:person:{person_id}:{}", audience_key(audience)),
        };
        outbox::enqueue(tx, Channel::InApp, &message, now).await?;
        if email && let Some(address) = email_of(tx, person_id).await? {
            let copy = Message {
                person_id: Some(person_id),
                address: Some(address),
                dedupe_key: format!("{}:email", message.dedupe_key),
                ..message
            };
            outbox::enqueue(tx, Channel::Email, &copy, now).await?;
        }
    }
    Ok(())
}

async fn email_of(tx: &mut Tx, person_id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = query("SELECT email FROM people WHERE id = $1 AND erased_at IS NULL")
        .bind(person_id)
        .fetch_optional(tx)
        .await?;
    Ok(row.and_then(|r| r.0))
}

/// Reporters open the case where they follow it; staff, its work page.
fn link_for(audience: &Audience, case_id: i64) -> String {
    match audience {
        Audience::Reporters => format!("/cases/{case_id}"),
        _ => format!("/app/cases/{case_id}"),
    }
}

fn audience_key(a: &Audience) -> String {
    match a {
        Audience::Assignee(_) | Audience::CurrentAssignee => "assignee".into(),
        Audience::Reporters => "reporter".into(),
        Audience::MicroGridMembers => "member".into(),
        Audience::Supervisors(level) => format!("supervisor{level}"),
    }
}

async fn recipients(tx: &mut Tx, case: &Case, audience: &Audience) -> Result<Vec<i64>> {
    let (kind, org, person, node) = match audience {
        Audience::Assignee(a) => (Some(a.kind), a.organisation_id, a.person_id, a.node_id),
        Audience::CurrentAssignee => {
            (case.assignee_kind, case.assignee_org_id, case.assignee_person_id, case.assignee_node_id)
        }
        Audience::Reporters => return store::reporter_ids(tx, case.id).await,
        Audience::MicroGridMembers => return holders_above(tx, Role::MicroGridMember, &case.node_path).await,
        Audience::Supervisors(level) => {
            let role = match level {
                1 => Role::GridHead,
                2 => Role::CommunityStaff,
                _ => Role::CommandCentre,
            };
            return holders_above(tx, role, &case.node_path).await;
        }
    };
    match kind {
        Some(AssigneeKind::Property | AssigneeKind::Department) => {
            let rows: Vec<(i64,)> = query(
                "SELECT DISTINCT person_id FROM role_assignments
                 WHERE organisation_id = $1 AND active AND role IN ('property_staff', 'department_officer')",
            )
            .bind(org)
            .fetch_all(tx)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }
        Some(AssigneeKind::GridHead) => Ok(person.into_iter().collect()),
        Some(AssigneeKind::Community) => {
            let rows: Vec<(i64,)> = query(
                "SELECT DISTINCT person_id FROM role_assignments WHERE node_id = $1 AND active AND role = 'community_staff'",
            )
            .bind(node)
            .fetch_all(tx)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }
        None => Ok(Vec::new()),
    }
}

/// Active holders of `role` at the case's node or any node above it.
async fn holders_above(tx: &mut Tx, role: Role, node_path: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = query(
        "SELECT DISTINCT r.person_id FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id
         WHERE r.active AND r.role = $1 AND $2 LIKE n.path || '%'",
    )
    .bind(role)
    .bind(node_path)
    .fetch_all(tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
