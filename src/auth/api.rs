//! `POST /api/v1/auth/token` (sign in for an API token), `DELETE` it (sign
//! out), `GET /api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::{Actor, PersonActor, secret, store};
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;

/// API tokens last thirty days.
const TOKEN_LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post("/api/v1/auth/token", sign_in),
        Endpoint::delete("/api/v1/auth/token", sign_out),
        Endpoint::get("/api/v1/me", me),
    ]
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    expires_at: String,
    person: PersonActor,
}

async fn sign_in(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<TokenResponse>)> {
    state.limit_login(ip, &c.username)?;
    let account_id = crate::auth::session::check_password(&state, &c.username, &c.password)
        .await?
        .ok_or_else(|| Error::Unauthenticated("用户名或密码不对".into()))?;
    let token = secret::new_token();
    let now = state.clock.now_ms();
    let expires_at = now + TOKEN_LIFETIME_MS;
    store::insert_api_session(&state.db, &secret::digest(&token), account_id, now, expires_at).await?;
    let person = super::load_person_actor(&state.db, account_id).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, expires_at: crate::time::to_rfc3339(expires_at), person })))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, actor: Actor) -> Result<StatusCode> {
    actor.require_person()?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    store::delete_session(&state.db, &secret::digest(token.trim())).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(actor: Actor) -> Result<Json<PersonActor>> {
    Ok(Json(actor.require_person()?.clone()))
}
