//! A person's in-app notifications (`/api/v1/notifications`: mine, newest
//! first; mark one read) and the group robots that hear of cases in a
//! subtree (`/api/v1/robots`; the URL and secret are write-only: never
//! shown, never logged).

use super::store;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::platform::Subject;
use crate::platform::robots::{Robot, RobotKind, robot_by_id};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde::Serialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/notifications", list),
        Endpoint::post("/api/v1/notifications/{id}/read", mark_read),
        Endpoint::get("/api/v1/robots", list_robots),
        Endpoint::post("/api/v1/robots", create_robot),
        Endpoint::delete("/api/v1/robots/{id}", remove_robot),
    ]
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
    let rows = store::notifications_of(&state.db, person, unread_only, limit).await?;
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
    if !store::mark_read(&state.db, id, person, state.clock.now_ms()).await? {
        return Err(Error::not_found("notification", id.to_string()));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRobot {
    kind: RobotKind,
    name: String,
    url: String,
    secret: Option<String>,
    /// The organisation node (code) whose cases it hears of.
    node: String,
}

async fn list_robots(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<Robot>>> {
    let p = actor.require_person()?;
    let robots = store::robots(&state.db).await?;
    Ok(Json(robots.into_iter().filter(|r| p.manages(Some(&r.node_path))).map(|r| r.robot).collect()))
}

async fn create_robot(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(r): ApiJson<NewRobot>,
) -> Result<(StatusCode, Json<Robot>)> {
    let p = actor.require_person()?;
    let node = crate::org::store::node_by_code(&state.db, &r.node)
        .await
        .map_err(|_| Error::invalid("node", format!("没有编号为 `{}` 的组织节点", r.node)))?;
    if !p.manages(Some(&node.path)) {
        return Err(Error::Forbidden("只能在您负责的区域内添加群机器人".into()));
    }
    if !(r.url.starts_with("https://") || r.url.starts_with("http://")) || r.url.len() > 500 {
        return Err(Error::invalid("url", "应为群机器人的 http(s) Webhook 地址"));
    }
    if r.name.trim().is_empty() || r.name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    let settings = store::RobotSettings {
        kind: r.kind,
        name: r.name.trim(),
        url: &r.url,
        secret: r.secret.as_deref(),
        node_id: node.id,
    };
    let id = store::insert_robot(&state.db, &settings, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(robot_by_id(&state.db, id).await?)))
}

async fn remove_robot(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    let p = actor.require_person()?;
    let robot = robot_by_id(&state.db, id).await?;
    let node = crate::org::store::node_by_id(&state.db, robot.node_id).await?;
    if !p.manages(Some(&node.path)) {
        return Err(Error::Forbidden("只能删除您负责区域内的群机器人".into()));
    }
    store::deactivate_robot(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
