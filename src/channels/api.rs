//! Channels as JSON: `/api/v1/channels/{building}/messages` (read; post as a
//! signed-in person or a chat bridge with its API key) and the one-tap
//! confirm/dismiss of proposed cases.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::store::{self, AuthorKind, ChannelMessage, Origin};
use super::{Incoming, Posted};
use crate::auth::Actor;
use crate::cases::api::view_for;
use crate::cases::view::CaseView;
use crate::error::{Error, Result};
use crate::privacy::mask_text;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/channels/{code}/messages", list),
        Endpoint::post("/api/v1/channels/{code}/messages", post),
        Endpoint::post("/api/v1/channels/{code}/messages/{id}/confirm", confirm),
        Endpoint::post("/api/v1/channels/{code}/messages/{id}/dismiss", dismiss),
    ]
}

/// A message as the channel shows it: personal numbers masked.
#[derive(Serialize)]
pub struct MessageView {
    pub id: i64,
    pub author_kind: AuthorKind,
    pub author_name: String,
    pub text: String,
    pub source: Origin,
    pub case_id: Option<i64>,
    pub case_state: Option<store::CaseState>,
    pub created_at: String,
    /// When, as people read it (pages only).
    #[serde(skip)]
    pub when: String,
}

impl MessageView {
    pub fn at(mut self, now: i64) -> MessageView {
        if let Some(t) = crate::time::parse_datetime(&self.created_at) {
            self.when = crate::time::human(t, now);
        }
        self
    }
}

impl From<&ChannelMessage> for MessageView {
    fn from(m: &ChannelMessage) -> Self {
        MessageView {
            id: m.id,
            author_kind: m.author_kind,
            author_name: m.author_name.clone(),
            text: mask_text(&m.text),
            source: m.source,
            case_id: m.case_id,
            case_state: m.case_state,
            created_at: crate::time::to_rfc3339(m.created_at),
            when: String::new(),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    Path(code): Path<String>,
    params: Params,
) -> Result<Json<Vec<MessageView>>> {
    let building = crate::org::store::building_by_code(&state.db, &code).await?;
    let after = params.integer("after", 0, i64::MAX)?.unwrap_or(0);
    let limit = params.integer("limit", 1, 200)?.unwrap_or(50);
    let messages = store::of_building(&state.db, building.id, after, limit).await?;
    Ok(Json(messages.iter().map(MessageView::from).collect()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostBody {
    text: String,
    /// For bridges: who wrote it on the other side.
    sender: Option<Sender>,
    /// For bridges: the message's id there; the same id is stored once.
    external_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sender {
    name: Option<String>,
}

#[derive(Serialize)]
struct PostReply {
    message: MessageView,
    triage: crate::triage::Triage,
    case_id: Option<i64>,
    duplicate: bool,
}

impl From<Posted> for PostReply {
    fn from(p: Posted) -> Self {
        PostReply {
            message: MessageView::from(&p.message),
            triage: p.triage,
            case_id: p.case_id,
            duplicate: p.duplicate,
        }
    }
}

/// The generic inbound webhook, for signed-in people and chat bridges.
async fn post(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PostBody>,
) -> Result<(StatusCode, Json<PostReply>)> {
    let (author_kind, person_id, name, origin, actor) = match &actor {
        Actor::Person(p) => {
            (super::author_kind_of(p), Some(p.person_id), p.name_with_role(), Origin::Web, actor.clone())
        }
        Actor::ApiClient { name, .. } => {
            let sender = body.sender.as_ref().and_then(|s| s.name.clone()).unwrap_or_else(|| "群成员".to_string());
            if sender.chars().count() > 40 {
                return Err(Error::invalid("sender.name", "最多 40 个字"));
            }
            let label = format!("{name}: {sender}");
            (AuthorKind::Bridge, None, sender, Origin::Webhook, Actor::Channel { label })
        }
        _ => {
            return Err(Error::Unauthenticated(
                "请用工作人员的令牌或接入应用的 API 密钥发送（Authorization: Bearer …）".into(),
            ));
        }
    };
    if body.external_id.as_ref().is_some_and(|e| e.is_empty() || e.len() > 128) {
        return Err(Error::invalid("external_id", "应为 1 到 128 个字符"));
    }
    let incoming = Incoming {
        building: Some(code),
        fallback_node: None,
        author_kind,
        author_person_id: person_id,
        author_name: name,
        text: body.text,
        origin,
        external_id: body.external_id,
    };
    let posted = super::post(&state, &actor, incoming).await?;
    let status = if posted.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(posted.into())))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    category: Option<String>,
}

async fn check_message(state: &AppState, code: &str, id: i64) -> Result<()> {
    let building = crate::org::store::building_by_code(&state.db, code).await?;
    let message = store::by_id(&state.db, id).await?;
    if message.building_id != Some(building.id) {
        return Err(Error::not_found("message", id.to_string()));
    }
    Ok(())
}

async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
    body: Bytes,
) -> Result<Json<CaseView>> {
    actor.require_person()?;
    check_message(&state, &code, id).await?;
    let b: ConfirmBody =
        if body.iter().all(u8::is_ascii_whitespace) { ConfirmBody::default() } else { crate::web::json::parse(&body)? };
    let case = super::confirm(&state, &actor, id, b.category).await?;
    Ok(Json(view_for(&state, &actor, &case).await?))
}

async fn dismiss(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Json<CaseView>> {
    actor.require_person()?;
    check_message(&state, &code, id).await?;
    let case = super::dismiss(&state, &actor, id).await?;
    Ok(Json(view_for(&state, &actor, &case).await?))
}
