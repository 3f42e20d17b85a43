//! Channels over HTTP: `/api/v1/channels/{building}/messages` (read; post
//! as a signed-in person or a chat bridge with its API key), one-tap
//! confirm/dismiss of proposed cases, and the building's chat page.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::store::{self, AuthorKind, ChannelMessage, Origin};
use super::{Incoming, Posted};
use crate::auth::Actor;
use crate::auth::Role;
use crate::cases::routes::view_for;
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
        Endpoint::get("/buildings/{code}/chat", chat_page),
        Endpoint::post("/buildings/{code}/chat", chat_post),
    ]
}

/// A message as the channel shows it: personal numbers masked.
#[derive(Serialize)]
pub struct MessageView {
    id: i64,
    pub author_kind: AuthorKind,
    author_name: String,
    text: String,
    source: Origin,
    pub case_id: Option<i64>,
    case_state: Option<store::CaseState>,
    created_at: String,
    /// When, as people read it (pages only).
    #[serde(skip)]
    when: String,
}

impl MessageView {
    fn at(mut self, now: i64) -> MessageView {
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
        Actor::Person(p) => (author_kind_of(p), Some(p.person_id), p.name_with_role(), Origin::Web, actor.clone()),
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

/// A resident's message with what became of it: the case's status now
/// and the progress lines linli posted about it, in order, beneath it.
pub struct Thread {
    pub message: MessageView,
    pub case: Option<CaseLine>,
    pub progress: Vec<MessageView>,
}

pub struct CaseLine {
    pub id: i64,
    pub status: crate::cases::workflow::Status,
}

impl CaseLine {
    /// Fixed and waiting for someone to check it on site.
    pub fn to_verify(&self) -> bool {
        self.status == crate::cases::workflow::Status::Resolved
    }
}

/// Groups a channel's messages into threads: linli's own lines go under the
/// message whose case they report on (or stand alone when that message is
/// older than the page).
fn threads(messages: Vec<MessageView>, statuses: &[(i64, crate::cases::workflow::Status)]) -> Vec<Thread> {
    let mut out: Vec<Thread> = Vec::new();
    for m in messages {
        let parent = match (m.author_kind, m.case_id) {
            (AuthorKind::System, Some(case)) => {
                out.iter().position(|t| t.message.author_kind != AuthorKind::System && t.message.case_id == Some(case))
            }
            _ => None,
        };
        match parent {
            Some(i) => out[i].progress.push(m),
            None => {
                let case = m
                    .case_id
                    .filter(|_| m.author_kind != AuthorKind::System)
                    .and_then(|id| statuses.iter().find(|(c, _)| *c == id).map(|(_, s)| CaseLine { id, status: *s }));
                out.push(Thread { message: m, case, progress: Vec::new() });
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "channels/chat.html")]
struct ChatPage {
    building: crate::org::Building,
    threads: Vec<Thread>,
    notice: Option<String>,
    /// The signed-in person posting, with their form's CSRF token.
    poster: Option<(String, String)>,
}

async fn chat_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    params: Params,
) -> Response {
    let page = async {
        let building = crate::org::store::building_by_code(&state.db, &code).await?;
        let messages = store::of_building(&state.db, building.id, 0, 100).await?;
        let case_ids: Vec<i64> = messages.iter().filter_map(|m| m.case_id).collect();
        let statuses = crate::cases::store::statuses(&state.db, &case_ids).await?;
        let now = state.clock.now_ms();
        let views = messages.iter().map(|m| MessageView::from(m).at(now)).collect();
        let notice = params
            .optional("sent")?
            .map(|_| "已发送。若是问题反映，系统已转为工单，进展会显示在您的消息下方。".to_string());
        let poster = crate::auth::session::web_user_from(&headers, &state)
            .await?
            .map(|u| (u.person.name_with_role(), u.csrf.clone()));
        ChatPage { building, threads: threads(views, &statuses), notice, poster }
            .render()
            .map_err(|e| Error::Internal(anyhow::anyhow!("rendering the chat page: {e}")))
    };
    match page.await {
        Ok(html) => Html(html).into_response(),
        Err(err) => crate::ui::PageError::from(err).into_response(),
    }
}

/// A message from the chat page's form: a resident without an account, or
/// a signed-in person, who then speaks with their name and role.
async fn chat_post(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let form = Params::parse(std::str::from_utf8(&body).map_err(|_| Error::invalid("text", "不是 UTF-8 文本"))?);
        let user = crate::auth::session::web_user_from(&headers, &state).await?;
        if user.is_none() {
            state.limit_anonymous(ip, Some(&code))?;
        }
        let (actor, _) = crate::cases::pages::resident::filer(user.as_ref(), form.optional("_csrf")?)?;
        let text = form.required("text")?.to_string();
        let (author_kind, author_name) = match actor.person() {
            Some(p) => (author_kind_of(p), p.name_with_role()),
            None => (AuthorKind::Resident, form.text("name", 20)?.unwrap_or("居民").to_string()),
        };
        let incoming = Incoming {
            building: Some(code.clone()),
            fallback_node: None,
            author_kind,
            author_person_id: actor.person_id(),
            author_name,
            text,
            origin: Origin::Web,
            external_id: None,
        };
        let posted = super::post(&state, &actor, incoming).await?;
        // The poster's phone remembers the case, to confirm and rate it later.
        let remembered = match posted.case_id {
            Some(id) if actor.person().is_none() => {
                let case = crate::cases::store::case_by_id(&state.db, id).await?;
                Some(crate::cases::pages::resident::remember(&state, &headers, id, &case.token))
            }
            _ => None,
        };
        Ok::<_, Error>(remembered)
    };
    match result.await {
        Ok(cookie) => {
            let back = Redirect::to(&format!("/buildings/{code}/chat?sent=1#latest"));
            match cookie {
                Some(c) => ([(axum::http::header::SET_COOKIE, c)], back).into_response(),
                None => back.into_response(),
            }
        }
        Err(err) => crate::ui::PageError::from(err).into_response(),
    }
}

/// Residents speak as residents; anyone holding another role as staff.
fn author_kind_of(p: &crate::auth::PersonActor) -> AuthorKind {
    if p.grants.iter().all(|g| g.role == Role::Resident) { AuthorKind::Resident } else { AuthorKind::Staff }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::workflow::Status;

    fn message(id: i64, kind: AuthorKind, case_id: Option<i64>) -> MessageView {
        MessageView {
            id,
            author_kind: kind,
            author_name: String::new(),
            text: format!("m{id}"),
            source: Origin::Web,
            case_id,
            case_state: None,
            created_at: String::new(),
            when: String::new(),
        }
    }

    #[test]
    fn progress_lines_go_under_the_message_of_their_case() {
        let messages = vec![
            message(1, AuthorKind::Resident, Some(10)),
            message(2, AuthorKind::Resident, None),
            message(3, AuthorKind::System, Some(10)),
            message(4, AuthorKind::System, Some(99)),
            message(5, AuthorKind::System, Some(10)),
        ];
        let threads = threads(messages, &[(10, Status::Resolved)]);
        let shape: Vec<(i64, Vec<i64>)> =
            threads.iter().map(|t| (t.message.id, t.progress.iter().map(|p| p.id).collect())).collect();
        assert_eq!(shape, vec![(1, vec![3, 5]), (2, vec![]), (4, vec![])], "an orphan line stands alone");
        assert!(threads[0].case.as_ref().is_some_and(CaseLine::to_verify));
        assert!(threads[2].case.is_none(), "linli's own lines carry no case badge");
    }
}
