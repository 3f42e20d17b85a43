//! Signing in and out, changing one's password, switching language.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::frame::{Chrome, checked_form, signed_in};
use super::session::{self, SESSION_COOKIE, WebUser};
use super::store;
use crate::error::Error;
use crate::ui::i18n::Texts;
use crate::ui::{PageError, render, render_with_status};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

const PASSWORD_PATH: &str = "/account/password";

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/login", login_page),
        Endpoint::post("/login", login),
        Endpoint::post("/logout", logout),
        Endpoint::get(PASSWORD_PATH, password_page),
        Endpoint::post(PASSWORD_PATH, change_password),
        Endpoint::get("/lang/{code}", switch_language),
    ]
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: Option<&'static str>,
}

/// Only local paths: a sign-in link cannot send anyone elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/app".to_string(),
    }
}

async fn login_page(headers: HeaderMap, params: Params) -> Response {
    let next = safe_next(params.optional("next").ok().flatten());
    render(LoginPage { chrome: Chrome::new(&headers, None, "/login"), next, username: String::new(), error: None })
}

async fn login(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    let username = form.optional("username").ok().flatten().unwrap_or("").to_string();
    state.limit_login(ip, &username)?;
    let password = form.optional("password").ok().flatten().unwrap_or("").to_string();
    let next = safe_next(form.optional("next").ok().flatten());
    let Some(account_id) = session::check_password(&state, &username, &password).await? else {
        let chrome = Chrome::new(&headers, None, "/login");
        let error = Some(chrome.t.wrong_password);
        return Ok(render_with_status(LoginPage { chrome, next, username, error }, StatusCode::UNAUTHORIZED));
    };
    let cookie = session::start(&state, account_id).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    if let Ok(Some(user)) = session::web_user_from(&headers, &state).await {
        user.check_csrf(form.optional("_csrf").ok().flatten())?;
        user.sign_out(&state).await?;
    }
    Ok(([(header::SET_COOKIE, session::set_cookie(&state, SESSION_COOKIE, "", 0))], Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    chrome: Chrome,
    message: Option<String>,
}

async fn password_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PASSWORD_PATH).await?;
    Ok(render(PasswordPage { chrome: Chrome::new(&headers, Some(&user), PASSWORD_PATH), message: None }))
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PASSWORD_PATH).await?;
    let form = checked_form(&user, &body)?;
    let get = |k: &str| form.optional(k).ok().flatten().unwrap_or("").to_string();
    let (old, new, again) = (get("old"), get("new"), get("again"));
    let chrome = Chrome::new(&headers, Some(&user), PASSWORD_PATH);
    if let Some(refusal) = password_refusal(&state, &user, chrome.t, &old, &new, &again).await {
        let page = PasswordPage { chrome, message: Some(refusal.to_string()) };
        return Ok(render_with_status(page, StatusCode::BAD_REQUEST));
    }
    let hash = tokio::task::spawn_blocking(move || crate::auth::accounts::hash_password(&new))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("hashing failed")))?;
    store::set_password(&state.db, user.person.account_id, &hash, state.clock.now_ms()).await?;
    user.end_other_sessions(&state).await?;
    let message = Some(chrome.t.password_changed.to_string());
    Ok(render(PasswordPage { chrome, message }))
}

/// Why a password change cannot be taken: a new password too short or
/// typed differently twice, or a wrong current one.
async fn password_refusal(
    state: &AppState,
    user: &WebUser,
    t: &Texts,
    old: &str,
    new: &str,
    again: &str,
) -> Option<&'static str> {
    if new.chars().count() < 8 {
        return Some(t.tr("新密码至少 8 位", "The new password needs 8 characters or more"));
    }
    if new != again {
        return Some(t.tr("两次输入的新密码不一致", "The new passwords differ"));
    }
    let username = store::username(&state.db, user.person.account_id).await.unwrap_or_default();
    match session::check_password(state, &username, old).await {
        Ok(Some(_)) => None,
        _ => Some(t.tr("原密码不正确", "The current password is wrong")),
    }
}

async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, params: Params) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let next = safe_next(params.optional("next").ok().flatten().or(Some("/")));
    let cookie = session::set_cookie(&state, crate::ui::i18n::LANG_COOKIE, lang, 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}
