//! A person's in-app notifications (`/api/v1/notifications`: mine, newest
//! first; mark one read) and the group robots that hear of cases in a
//! subtree (`/api/v1/robots`; the URL and secret are write-only: never
//! shown, never logged).

use crate::auth::Actor;
use crate::db::query;
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
    let robots: Vec<(Robot, String)> = query(
        "SELECT r.id, r.kind, r.name, r.url, r.secret, r.node_id, r.active, n.path
         FROM robots r JOIN org_nodes n ON n.id = r.node_id ORDER BY r.id",
    )
    .fetch_all::<RobotWithPath>(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.robot(), r.path))
    .collect();
    Ok(Json(robots.into_iter().filter(|(_, path)| p.manages(Some(path))).map(|(r, _)| r).collect()))
}

crate::db_row! {
    struct RobotWithPath {
        id: i64,
        kind: RobotKind,
        name: String,
        url: String,
        secret: Option<String>,
        node_id: i64,
        active: bool,
        path: String,
    }
}

impl RobotWithPath {
    fn robot(&self) -> Robot {
        Robot {
            id: self.id,
            kind: self.kind,
            name: self.name.clone(),
            url: self.url.clone(),
            secret: self.secret.clone(),
            node_id: self.node_id,
            active: self.active,
        }
    }
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
    let id: i64 = query(
        "INSERT INTO robots (kind, name, url, secret, node_id, active, created_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id",
    )
    .bind(r.kind)
    .bind(r.name.trim())
    .bind(&r.url)
    .bind(r.secret.as_ref())
    .bind(node.id)
    .bind(state.clock.now_ms())
    .scalar(&state.db)
    .await?;
    Ok((StatusCode::CREATED, Json(robot_by_id(&state.db, id).await?)))
}

async fn remove_robot(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    let p = actor.require_person()?;
    let robot = robot_by_id(&state.db, id).await?;
    let node = crate::org::store::node_by_id(&state.db, robot.node_id).await?;
    if !p.manages(Some(&node.path)) {
        return Err(Error::Forbidden("只能删除您负责区域内的群机器人".into()));
    }
    query("UPDATE robots SET active = FALSE WHERE id = $1").bind(id).execute(&state.db).await?;
    Ok(StatusCode::NO_CONTENT)
}
