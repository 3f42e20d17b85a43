//! `/connect/wecom/callback`: WeCom's URL verification (GET, echostr) and
//! encrypted messages (POST). A message from a sender or chat bound to a
//! building is that building's channel message; an unbound one is placed
//! by its text within `LINLI_WECOM_COMMUNITY`. Anything that fails a check
//! is refused, logged, and leaves nothing stored.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::crypto::{CryptError, WxCrypt};
use super::store::{self, Binding};
use crate::auth::Actor;
use crate::channels::Incoming;
use crate::channels::store::{AuthorKind, Origin};
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/connect/wecom/callback", verify_url),
        Endpoint::post("/connect/wecom/callback", receive),
        Endpoint::get("/api/v1/wecom/bindings", list_bindings),
        Endpoint::post("/api/v1/wecom/bindings", bind),
    ]
}

/// Which WeCom users and chats speak for which building.
async fn list_bindings(State(state): State<AppState>, actor: Actor) -> Result<axum::Json<Vec<Binding>>> {
    let p = actor.require_person()?;
    let all = store::bindings(&state.db).await?;
    Ok(axum::Json(all.into_iter().filter(|b| p.manages(Some(&b.path))).collect()))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBinding {
    /// `user` (a WeCom userid) or `chat` (a group chat id).
    kind: String,
    external_id: String,
    building: String,
}

async fn bind(
    State(state): State<AppState>,
    actor: Actor,
    crate::web::json::ApiJson(b): crate::web::json::ApiJson<NewBinding>,
) -> Result<StatusCode> {
    let p = actor.require_person()?;
    if !matches!(b.kind.as_str(), "user" | "chat") {
        return Err(Error::invalid("kind", "应为 user 或 chat"));
    }
    if b.external_id.is_empty() || b.external_id.len() > 128 {
        return Err(Error::invalid("external_id", "应为 1 到 128 个字符"));
    }
    let building = crate::org::store::building_by_code(&state.db, &b.building)
        .await
        .map_err(|_| Error::invalid("building", format!("没有编号为 `{}` 的楼栋", b.building)))?;
    let node = crate::org::store::node_by_id(&state.db, building.node_id).await?;
    if !p.manages(Some(&node.path)) {
        return Err(Error::Forbidden("只能绑定您负责区域内的楼栋".into()));
    }
    store::bind(&state.db, &b.kind, &b.external_id, building.id, state.clock.now_ms()).await?;
    Ok(StatusCode::CREATED)
}

/// How far a callback's timestamp may be from now.
const MAX_SKEW_S: i64 = 300;

/// A refusal: status and reason (logged; the body says little).
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        tracing::warn!(status = self.0.as_u16(), reason = %self.1, "WeCom callback refused");
        (self.0, self.1).into_response()
    }
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal(e.status(), e.public_message())
    }
}

fn crypt(state: &AppState) -> std::result::Result<WxCrypt, Refusal> {
    let w = &state.config.wecom;
    let (Some(token), Some(key), Some(corp)) = (&w.token, &w.aes_key, &w.corp_id) else {
        return Err(Refusal(StatusCode::NOT_FOUND, "WeCom is not configured".into()));
    };
    WxCrypt::new(token, key, corp)
        .map_err(|e| Refusal(StatusCode::INTERNAL_SERVER_ERROR, format!("WeCom settings: {e}")))
}

fn param<'a>(params: &'a Params, name: &str) -> std::result::Result<&'a str, Refusal> {
    params.optional(name).ok().flatten().ok_or_else(|| Refusal(StatusCode::BAD_REQUEST, format!("{name} is required")))
}

fn refusal(e: CryptError) -> Refusal {
    let status = match e {
        CryptError::BadSignature | CryptError::ReceiveId { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    Refusal(status, e.to_string())
}

fn fresh(state: &AppState, timestamp: &str) -> std::result::Result<i64, Refusal> {
    let ts: i64 =
        timestamp.parse().map_err(|_| Refusal(StatusCode::BAD_REQUEST, "timestamp is not a number".into()))?;
    if (state.clock.now_ms() / 1000 - ts).abs() > MAX_SKEW_S {
        return Err(Refusal(StatusCode::FORBIDDEN, "timestamp is too old or in the future".into()));
    }
    Ok(ts)
}

/// GET: WeCom checks the URL by sending an encrypted echostr to decrypt.
async fn verify_url(State(state): State<AppState>, params: Params) -> std::result::Result<String, Refusal> {
    let crypt = crypt(&state)?;
    let (sig, ts, nonce, echo) = (
        param(&params, "msg_signature")?,
        param(&params, "timestamp")?,
        param(&params, "nonce")?,
        param(&params, "echostr")?,
    );
    crypt.verify(sig, ts, nonce, echo).map_err(refusal)?;
    fresh(&state, ts)?;
    crypt.decrypt(echo).map_err(refusal)
}

/// POST: an encrypted message.
async fn receive(
    State(state): State<AppState>,
    params: Params,
    body: Bytes,
) -> std::result::Result<StatusCode, Refusal> {
    let crypt = crypt(&state)?;
    let (sig, ts, nonce) = (param(&params, "msg_signature")?, param(&params, "timestamp")?, param(&params, "nonce")?);
    let body =
        std::str::from_utf8(&body).map_err(|_| Refusal(StatusCode::BAD_REQUEST, "the body is not UTF-8".into()))?;
    let outer = super::xml::fields(body).map_err(|e| Refusal(StatusCode::BAD_REQUEST, e))?;
    let encrypted =
        outer.get("Encrypt").ok_or_else(|| Refusal(StatusCode::BAD_REQUEST, "no Encrypt element".into()))?;
    crypt.verify(sig, ts, nonce, encrypted).map_err(refusal)?;
    let timestamp = fresh(&state, ts)?;
    let plain = crypt.decrypt(encrypted).map_err(refusal)?;
    let msg =
        super::xml::fields(&plain).map_err(|e| Refusal(StatusCode::BAD_REQUEST, format!("inner message: {e}")))?;
    // A nonce is good once: a replay is refused before anything is stored.
    let now = state.clock.now_ms();
    if !store::record_nonce(&state.db, nonce, timestamp, now).await? {
        return Err(Refusal(StatusCode::FORBIDDEN, "nonce replayed".into()));
    }
    store::forget_nonces(&state.db, now - 2 * MAX_SKEW_S * 1000).await?;
    if msg.get("MsgType").map(String::as_str) != Some("text") {
        tracing::info!(msg_type = ?msg.get("MsgType"), "WeCom callback: not a text message, ignored");
        return Ok(StatusCode::OK);
    }
    let text = msg.get("Content").cloned().unwrap_or_default();
    let sender = msg.get("FromUserName").cloned().unwrap_or_default();
    let incoming = place(&state, &msg, &sender, text).await?;
    let label = format!("企业微信: {}", incoming.author_name);
    crate::channels::post(&state, &Actor::Channel { label }, incoming).await?;
    Ok(StatusCode::OK)
}

/// Finds the building of a WeCom message: the chat's or sender's binding,
/// else the building named in the text within the configured community.
async fn place(
    state: &AppState,
    msg: &std::collections::HashMap<String, String>,
    sender: &str,
    text: String,
) -> Result<Incoming> {
    let chat = msg.get("ChatId").cloned().unwrap_or_default();
    let bound = store::bound_building(&state.db, &chat, sender).await?;
    let (building, fallback_node) = match bound {
        Some(code) => (Some(code), None),
        None => locate_in_community(state, &text).await?,
    };
    Ok(Incoming {
        building,
        fallback_node,
        author_kind: AuthorKind::Wecom,
        author_person_id: None,
        author_name: if sender.is_empty() { "企业微信用户".into() } else { sender.chars().take(40).collect() },
        text,
        origin: Origin::Wecom,
        external_id: msg.get("MsgId").filter(|m| !m.is_empty()).cloned(),
    })
}

async fn locate_in_community(state: &AppState, text: &str) -> Result<(Option<String>, Option<i64>)> {
    let Some(name) = &state.config.wecom.community else {
        return Err(Error::invalid(
            "FromUserName",
            "the sender is bound to no building and LINLI_WECOM_COMMUNITY is not set",
        ));
    };
    let community = store::community(&state.db, name)
        .await?
        .ok_or_else(|| Error::invalid("LINLI_WECOM_COMMUNITY", format!("no community `{name}`")))?;
    let location = crate::triage::location::parse(text);
    let Some(number) = location.building else {
        return Ok((None, Some(community.id)));
    };
    let found = store::buildings_numbered(&state.db, &number, &community.path).await?;
    Ok(match found.as_slice() {
        [code] => (Some(code.clone()), None),
        // None or several (two estates with a 98栋): staff place it.
        _ => (None, Some(community.id)),
    })
}
