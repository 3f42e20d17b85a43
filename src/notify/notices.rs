//! `GET /api/v1/notifications` (mine, newest first) and
//! `POST /api/v1/notifications/{id}/read`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use crate::auth::Actor;
use crate::db::query;
use crate::error::{Error, Result};
use crate::platform::Subject;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/api/v1/notifications", list), Endpoint::post("/api/v1/notifications/{id}/read", mark_read)]
}

crate::db_row! {
    struct Row {
        id: i64,
        subject: Option<String>,
        link: Option<String>,
        title: String,
        body: String,
        created_at: i64,
        read_at: Option<i64>,
    }
}

#[derive(Serialize)]
struct Notification {
    id: i64,
    /// The case it is about, when it is about one.
    case_id: Option<i64>,
    /// What it is about: `case:42`.
    subject: Option<String>,
    /// The page it opens.
    link: Option<String>,
    title: String,
    body: String,
    created_at: String,
    read: bool,
}

async fn list(State(state): State<AppState>, actor: Actor, params: Params) -> Result<Json<Vec<Notification>>> {
    let person = actor.require_person()?.person_id;
    let unread_only = matches!(params.optional("unread")?, Some("true" | "1"));
    let limit = params.integer("limit", 1, 500)?.unwrap_or(50);
    let rows: Vec<Row> = query(
        "SELECT id, subject, link, title, body, created_at, read_at FROM notifications
         WHERE person_id = $1 AND ($2 = FALSE OR read_at IS NULL) ORDER BY id DESC LIMIT $3",
    )
    .bind(person)
    .bind(unread_only)
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Notification {
                id: r.id,
                case_id: r.subject.as_deref().and_then(Subject::parse).and_then(|s| s.id_if("case")),
                subject: r.subject,
                link: r.link,
                title: r.title,
                body: r.body,
                created_at: crate::time::to_rfc3339(r.created_at),
                read: r.read_at.is_some(),
            })
            .collect(),
    ))
}

async fn mark_read(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    let person = actor.require_person()?.person_id;
    let changed = query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND person_id = $3")
        .bind(state.clock.now_ms())
        .bind(id)
        .bind(person)
        .execute(&state.db)
        .await?;
    if changed == 0 {
        return Err(Error::not_found("notification", id.to_string()));
    }
    Ok(StatusCode::NO_CONTENT)
}
