//! Personal data over HTTP: reporters' contacts for those handling a case
//! (logged), the access log (administrators), and Open311 client keys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::privacy::{self, Contact};
use super::{Role, publicity};
use crate::auth::Actor;
use crate::cases::policy;
use crate::db::query;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/cases/{id}/reporters", reporters),
        Endpoint::get("/api/v1/access-log", access_log),
        Endpoint::get("/api/v1/api-clients", list_clients),
        Endpoint::post("/api/v1/api-clients", create_client),
        Endpoint::delete("/api/v1/api-clients/{id}", revoke_client),
        Endpoint::get("/api/v1/people/{id}/phone-publicity", phone_publicity),
        Endpoint::post("/api/v1/people/{id}/phone-publicity", set_phone_publicity),
    ]
}

/// The person, once the actor may read and change their consent: the
/// person themselves, or a manager of an area they work in.
async fn publicity_subject(state: &AppState, actor: &Actor, id: i64) -> Result<publicity::Subject> {
    let who = actor.require_person()?;
    let subject = publicity::subject(&state.db, id).await?;
    if !subject.may_be_set_by(who) {
        return Err(Error::Forbidden("只有本人和其所在区域的社区工作人员能设置是否公开电话".into()));
    }
    Ok(subject)
}

/// Whether a person's work phone is published, with the whole history.
async fn phone_publicity(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<publicity::Publicity>> {
    let subject = publicity_subject(&state, &actor, id).await?;
    let history = publicity::history(&state.db, id).await?;
    Ok(Json(publicity::Publicity::new(&subject, history, None)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPublicity {
    published: bool,
    #[serde(default)]
    note: Option<String>,
}

/// Publishes or withdraws a person's work phone; a change appends a row and
/// takes effect on the next page, directory or PDF.
async fn set_phone_publicity(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SetPublicity>,
) -> Result<Json<publicity::Publicity>> {
    let subject = publicity_subject(&state, &actor, id).await?;
    let by = publicity::Recorder::person(actor.require_person()?);
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let changed = publicity::set(&state.db, &subject, body.published, &by, note, state.clock.now_ms()).await?;
    let history = publicity::history(&state.db, id).await?;
    Ok(Json(publicity::Publicity::new(&subject, history, Some(changed))))
}

/// Who reported a case, in full, to call them back: the unit handling it
/// and the grid and community staff of its place. Every read is logged.
async fn reporters(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Vec<Contact>>> {
    let person = actor.require_person()?;
    let case = crate::cases::store::case_by_id(&state.db, id).await?;
    let facts = crate::cases::service::facts(&state.db, &case).await?;
    if !policy::can_view(&actor, &facts) {
        return Err(Error::not_found("case", id.to_string()));
    }
    let handles = policy::is_assignee(person, &facts) || person.covers(Role::SCREENERS, &facts.node_path);
    if !handles {
        return Err(Error::Forbidden("只有办理该工单的人员能查看报告人的联系方式".into()));
    }
    Ok(Json(privacy::reporters_of(&state.db, &actor, id, state.clock.now_ms()).await?))
}

#[derive(Serialize)]
struct Access {
    id: i64,
    actor: String,
    subject_person_id: Option<i64>,
    case_id: Option<i64>,
    what: String,
    purpose: String,
    at: String,
}

crate::db_row! {
    struct AccessRow {
        id: i64,
        actor_label: String,
        subject_person_id: Option<i64>,
        case_id: Option<i64>,
        what: String,
        purpose: String,
        at: i64,
    }
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.require_person()?.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(Error::Forbidden("仅限系统管理员".into()))
    }
}

/// Who saw whose personal data, newest first.
async fn access_log(State(state): State<AppState>, actor: Actor, params: Params) -> Result<Json<Vec<Access>>> {
    require_admin(&actor)?;
    let subject = params.integer("subject", 1, i64::MAX)?;
    let limit = params.integer("limit", 1, 1000)?.unwrap_or(100);
    let rows: Vec<AccessRow> = query(
        "SELECT id, actor_label, subject_person_id, case_id, what, purpose, at FROM access_log
         WHERE ($1 IS NULL OR subject_person_id = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Access {
                id: r.id,
                actor: r.actor_label,
                subject_person_id: r.subject_person_id,
                case_id: r.case_id,
                what: r.what,
                purpose: r.purpose,
                at: crate::time::to_rfc3339(r.at),
            })
            .collect(),
    ))
}

#[derive(Serialize)]
struct ApiClient {
    id: i64,
    name: String,
    active: bool,
    created_at: String,
    /// Shown once, when the client is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

async fn list_clients(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<ApiClient>>> {
    require_admin(&actor)?;
    let rows: Vec<(i64, String, bool, i64)> =
        query("SELECT id, name, active, created_at FROM api_clients ORDER BY id").fetch_all(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, name, active, at)| ApiClient {
                id,
                name,
                active,
                created_at: crate::time::to_rfc3339(at),
                api_key: None,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClient {
    name: String,
}

async fn create_client(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(c): ApiJson<NewClient>,
) -> Result<(StatusCode, Json<ApiClient>)> {
    require_admin(&actor)?;
    let name = c.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    let key = crate::auth::secret::new_token();
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    let id = crate::open311::create_client(&mut tx, name, &key, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiClient {
            id,
            name: name.to_string(),
            active: true,
            created_at: crate::time::to_rfc3339(now),
            api_key: Some(key),
        }),
    ))
}

/// Revokes a client's key: its next request is refused.
async fn revoke_client(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    require_admin(&actor)?;
    let changed = query("UPDATE api_clients SET active = FALSE, revoked_at = $1 WHERE id = $2 AND active")
        .bind(state.clock.now_ms())
        .bind(id)
        .execute(&state.db)
        .await?;
    if changed == 0 {
        return Err(Error::not_found("api client", id.to_string()));
    }
    Ok(StatusCode::NO_CONTENT)
}
