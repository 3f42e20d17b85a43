//! Personal data over HTTP: reporters' contacts for those handling a case
//! (logged), the access log (administrators), and Open311 client keys.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::{publicity, store};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/access-log", access_log),
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

/// Who saw whose personal data, newest first.
async fn access_log(State(state): State<AppState>, actor: Actor, params: Params) -> Result<Json<Vec<Access>>> {
    actor.require_admin()?;
    let subject = params.integer("subject", 1, i64::MAX)?;
    let limit = params.integer("limit", 1, 1000)?.unwrap_or(100);
    let rows = store::access_log(&state.db, subject, limit).await?;
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
