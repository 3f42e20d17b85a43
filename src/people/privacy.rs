//! Personal data under PIPL: the full value only for those who need it,
//! every such access logged; a person's data exported or erased on
//! request; reporters' details erased a while after their case closes.

use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::Actor;
use crate::db::{Db, Tx, query};
use crate::error::{Error, Result};

/// Records that someone saw a person's full personal data.
pub async fn log_access(
    tx: &mut Tx,
    actor: &Actor,
    subject: Option<i64>,
    case_id: Option<i64>,
    what: &str,
    purpose: &str,
    now: i64,
) -> Result<()> {
    query(
        "INSERT INTO access_log (actor_person_id, actor_label, subject_person_id, case_id, what, purpose, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(actor.person_id())
    .bind(actor.label())
    .bind(subject)
    .bind(case_id)
    .bind(what)
    .bind(purpose)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// A reporter's contact, in full.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

crate::db_row! {
    struct ContactRow {
        person_id: Option<i64>,
        name: Option<String>,
        phone: Option<String>,
        email: Option<String>,
    }
}

/// The reporters' contacts of a case, for the people handling it (to call
/// back); the access is logged in the same transaction.
pub async fn reporters_of(db: &Db, actor: &Actor, case_id: i64, now: i64) -> Result<Vec<Contact>> {
    let rows: Vec<ContactRow> = query(
        "SELECT r.person_id, COALESCE(r.name, p.name) AS name, COALESCE(r.phone, p.phone) AS phone, COALESCE(r.email, p.email) AS email
         FROM case_reporters r LEFT JOIN people p ON p.id = r.person_id WHERE r.case_id = $1 ORDER BY r.id",
    )
    .bind(case_id)
    .fetch_all(db)
    .await?;
    let mut tx = db.begin().await?;
    for r in &rows {
        log_access(&mut tx, actor, r.person_id, Some(case_id), "reporter_contact", "handle case", now).await?;
    }
    tx.commit().await?;
    Ok(rows.into_iter().map(|r| Contact { name: r.name, phone: r.phone, email: r.email }).collect())
}

crate::db_row! {
    struct PersonRow {
        name: String,
        phone: Option<String>,
        id_number: Option<String>,
        address: Option<String>,
        email: Option<String>,
        created_at: i64,
        erased_at: Option<i64>,
    }
}

/// Everything linli holds about a person (a data-subject request).
pub async fn export(db: &Db, person_id: i64) -> Result<Value> {
    let person: Option<PersonRow> =
        query("SELECT name, phone, id_number, address, email, created_at, erased_at FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    let PersonRow { name, phone, id_number, address, email, created_at, erased_at } =
        person.ok_or_else(|| Error::not_found("person", person_id.to_string()))?;
    let roles: Vec<(String, Option<String>, Option<String>, String, bool)> = query(
        "SELECT r.role, n.name, r.title, r.duties, r.active FROM role_assignments r LEFT JOIN org_nodes n ON n.id = r.node_id
         WHERE r.person_id = $1 ORDER BY r.id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    let account: Option<(String, i64)> = query("SELECT username, created_at FROM accounts WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(db)
        .await?;
    let reports: Vec<(i64, String, String, i64)> = query(
        "SELECT c.id, c.category, c.description, c.created_at FROM case_reporters r JOIN cases c ON c.id = r.case_id
         WHERE r.person_id = $1 ORDER BY c.id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    let messages: Vec<(i64, String, i64)> =
        query("SELECT id, text, created_at FROM channel_messages WHERE author_person_id = $1 ORDER BY id")
            .bind(person_id)
            .fetch_all(db)
            .await?;
    let publicity = super::publicity::history(db, person_id).await?;
    let accesses: Vec<(String, String, String, i64)> =
        query("SELECT actor_label, what, purpose, at FROM access_log WHERE subject_person_id = $1 ORDER BY id")
            .bind(person_id)
            .fetch_all(db)
            .await?;
    let t = crate::time::to_rfc3339;
    Ok(json!({
        "person": {"id": person_id, "name": name, "phone": phone, "id_number": id_number, "address": address, "email": email,
                   "created_at": t(created_at), "erased_at": erased_at.map(t)},
        "roles": roles.iter().map(|(role, node, title, duties, active)| json!({"role": role, "node": node, "title": title, "duties": duties, "active": active})).collect::<Vec<_>>(),
        "account": account.map(|(u, at)| json!({"username": u, "created_at": t(at)})),
        "reports": reports.iter().map(|(id, cat, desc, at)| json!({"case_id": id, "category": cat, "description": desc, "created_at": t(*at)})).collect::<Vec<_>>(),
        "phone_publicity": publicity.iter().map(|e| json!({"published": e.published, "recorded_by": e.recorded_by_label, "recorded_at": t(e.recorded_at), "note": e.note})).collect::<Vec<_>>(),
        "channel_messages": messages.iter().map(|(id, text, at)| json!({"id": id, "text": text, "created_at": t(*at)})).collect::<Vec<_>>(),
        "accesses_to_this_data": accesses.iter().map(|(who, what, why, at)| json!({"by": who, "what": what, "purpose": why, "at": t(*at)})).collect::<Vec<_>>(),
    }))
}

/// The pseudonym that replaces an erased person's name everywhere.
pub const ERASED: &str = "已注销用户";

/// Erases a person: identity and contact gone, account closed, roles ended,
/// their name replaced in the history. Cases and statistics stay.
pub async fn erase(db: &Db, person_id: i64, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let changed = query(
        "UPDATE people SET name = $1, phone = NULL, id_number = NULL, address = NULL, email = NULL, erased_at = $2 WHERE id = $3",
    )
    .bind(ERASED)
    .bind(now)
    .bind(person_id)
    .execute(&mut tx)
    .await?;
    if changed == 0 {
        return Err(Error::not_found("person", person_id.to_string()));
    }
    query("UPDATE case_reporters SET name = NULL, phone = NULL, email = NULL WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    query("UPDATE role_assignments SET active = FALSE, ended_at = COALESCE(ended_at, $1) WHERE person_id = $2")
        .bind(now)
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    query("DELETE FROM sessions WHERE account_id IN (SELECT id FROM accounts WHERE person_id = $1)")
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    query("UPDATE accounts SET disabled = TRUE, username = $1, password_hash = '!' WHERE person_id = $2")
        .bind(format!("erased-{person_id}"))
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    query("UPDATE channel_messages SET author_name = $1 WHERE author_person_id = $2")
        .bind(ERASED)
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    query("UPDATE case_events SET actor_label = $1 WHERE actor_person_id = $2 AND actor_label <> $1")
        .bind(ERASED)
        .bind(person_id)
        .execute(&mut tx)
        .await?;
    // Their consent history stays (it records why a number was public), but
    // their name goes from the rows they recorded for others.
    query(
        "UPDATE phone_publicity SET recorded_by_label = $1 WHERE recorded_by_person_id = $2 AND recorded_by_label <> $1",
    )
    .bind(ERASED)
    .bind(person_id)
    .execute(&mut tx)
    .await?;
    query("DELETE FROM notifications WHERE person_id = $1").bind(person_id).execute(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Hourly, by one of the servers: the retention setting applied.
pub const RETENTION: crate::platform::worker::Periodic = crate::platform::worker::Periodic {
    name: "retention",
    every_ms: Some(3_600_000),
    run: |ctx| {
        Box::pin(async move {
            let erased = apply_retention(&ctx.db, ctx.config.privacy.retention_days, ctx.now()).await?;
            if erased > 0 {
                tracing::info!(rows = erased, "retention: reporters' details erased from long-closed cases");
            }
            Ok(())
        })
    },
};

/// Erases reporters' details of cases closed more than `days` ago.
pub async fn apply_retention(db: &Db, days: u32, now: i64) -> Result<u64> {
    let before = now - i64::from(days) * 24 * 3_600_000;
    Ok(query(
        "UPDATE case_reporters SET name = NULL, phone = NULL, email = NULL
         WHERE (name IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL)
           AND case_id IN (SELECT id FROM cases WHERE closed_at IS NOT NULL AND closed_at < $1)",
    )
    .bind(before)
    .execute(db)
    .await?)
}
