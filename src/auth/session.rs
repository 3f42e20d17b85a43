//! Browser sessions for staff: a random token in an HttpOnly cookie, its
//! digest in the `sessions` table (so any app server can read it), a CSRF
//! token per session checked on every form and on cookie-authenticated API
//! writes, and a sliding twelve-hour lifetime.

use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::{PersonActor, load_person_actor, secret, store};
use crate::error::{Error, Result};
use crate::web::AppState;
pub use crate::web::cookies::{constant_eq, cookie, set_cookie};

pub const SESSION_COOKIE: &str = "linli_session";
const LIFETIME_MS: i64 = 12 * 3600 * 1000;

/// A signed-in person in the browser.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub person: PersonActor,
    pub csrf: String,
    token_digest: String,
}

impl WebUser {
    /// A form's `_csrf` field must match the session's token.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<()> {
        match given {
            Some(t) if constant_eq(t, &self.csrf) => Ok(()),
            _ => Err(Error::Forbidden("表单已过期或来源不明（CSRF 令牌不符），请刷新页面后重试".into())),
        }
    }

    pub async fn sign_out(&self, state: &AppState) -> Result<()> {
        store::delete_session(&state.db, &self.token_digest).await
    }

    /// Ends every other session of the account (after a password change);
    /// this one stays.
    pub async fn end_other_sessions(&self, state: &AppState) -> Result<()> {
        store::delete_other_sessions(&state.db, self.person.account_id, &self.token_digest).await
    }
}

/// The session behind the request's cookie, if any (and extends it).
pub async fn web_user(parts: &Parts, state: &AppState) -> Result<Option<WebUser>> {
    web_user_from(&parts.headers, state).await
}

pub async fn web_user_from(headers: &HeaderMap, state: &AppState) -> Result<Option<WebUser>> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let digest = secret::digest(token);
    let now = state.clock.now_ms();
    let Some(session) = store::live_web_session(&state.db, &digest, now).await? else { return Ok(None) };
    // Slide the expiry, at most once a minute per session.
    store::extend_session(&state.db, &digest, now + LIFETIME_MS, now, now - 60_000).await?;
    let person = match load_person_actor(&state.db, session.account_id).await {
        Ok(p) => p,
        Err(Error::Unauthenticated(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(WebUser { person, csrf: session.csrf_token.unwrap_or_default(), token_digest: digest }))
}

/// Starts a session; returns the Set-Cookie value.
pub async fn start(state: &AppState, account_id: i64) -> Result<String> {
    let token = secret::new_token();
    let csrf = secret::new_token();
    let now = state.clock.now_ms();
    store::insert_web_session(&state.db, &secret::digest(&token), account_id, &csrf, now, now + LIFETIME_MS).await?;
    Ok(set_cookie(state, SESSION_COOKIE, &token, LIFETIME_MS / 1000))
}

/// Checks a username and password (argon2 off the runtime); the account id.
pub async fn check_password(state: &AppState, username: &str, password: &str) -> Result<Option<i64>> {
    let (id, hash, disabled) = match store::account_by_username(&state.db, username.trim()).await? {
        Some(a) => (a.id, Some(a.password_hash), a.disabled),
        None => (0, None, true),
    };
    let password = password.to_string();
    // Unknown users are checked against a dummy hash: timing does not tell.
    let ok = tokio::task::spawn_blocking(move || {
        crate::auth::accounts::verify_password(&password, hash.as_deref().unwrap_or_else(|| dummy_hash()))
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("password check failed: {e}")))?;
    Ok((ok && !disabled && id != 0).then_some(id))
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::auth::accounts::hash_password(&secret::new_token()).unwrap_or_default())
}
