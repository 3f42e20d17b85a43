//! Signing in and out, changing one's password, switching language.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::frame::{Chrome, checked_form, require_user};
use super::session::{self, SESSION_COOKIE};
use crate::db::query;
use crate::ui::render;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/login", login_page),
        Endpoint::post("/login", login),
        Endpoint::post("/logout", logout),
        Endpoint::get("/account/password", password_page),
        Endpoint::post("/account/password", change_password),
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
) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    let username = form.optional("username").ok().flatten().unwrap_or("").to_string();
    if let Err(e) = state.limit_login(ip, &username) {
        return crate::ui::PageError::from(e).into_response();
    }
    let password = form.optional("password").ok().flatten().unwrap_or("").to_string();
    let next = safe_next(form.optional("next").ok().flatten());
    match session::check_password(&state, &username, &password).await {
        Ok(Some(account_id)) => match session::start(&state, account_id).await {
            Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
            Err(e) => crate::ui::PageError::from(e).into_response(),
        },
        Ok(None) => {
            let chrome = Chrome::new(&headers, None, "/login");
            let error = Some(chrome.t.wrong_password);
            let mut page = render(LoginPage { chrome, next, username, error });
            *page.status_mut() = StatusCode::UNAUTHORIZED;
            page
        }
        Err(e) => crate::ui::PageError::from(e).into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    if let Ok(Some(user)) = session::web_user_from(&headers, &state).await {
        if let Err(e) = user.check_csrf(form.optional("_csrf").ok().flatten()) {
            return crate::ui::PageError::from(e).into_response();
        }
        if let Err(e) = user.sign_out(&state).await {
            return crate::ui::PageError::from(e).into_response();
        }
    }
    ([(header::SET_COOKIE, session::set_cookie(&state, SESSION_COOKIE, "", 0))], Redirect::to("/")).into_response()
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    chrome: Chrome,
    message: Option<String>,
}

async fn password_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/account/password").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    render(PasswordPage { chrome: Chrome::new(&headers, Some(&user), "/account/password"), message: None })
}

async fn change_password(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/account/password").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let form = match checked_form(&user, &body) {
        Ok(form) => form,
        Err(e) => return crate::ui::PageError::from(e).into_response(),
    };
    let get = |k: &str| form.optional(k).ok().flatten().unwrap_or("").to_string();
    let (old, new, again) = (get("old"), get("new"), get("again"));
    let chrome = Chrome::new(&headers, Some(&user), "/account/password");
    let zh = chrome.t.lang != "en";
    let message = if new.chars().count() < 8 {
        Some(if zh { "新密码至少 8 位" } else { "The new password needs 8 characters or more" })
    } else if new != again {
        Some(if zh { "两次输入的新密码不一致" } else { "The new passwords differ" })
    } else {
        match session::check_password(&state, &user_name(&state, user.person.account_id).await, &old).await {
            Ok(Some(_)) => None,
            _ => Some(if zh { "原密码不正确" } else { "The current password is wrong" }),
        }
    };
    if let Some(m) = message {
        let mut page = render(PasswordPage { chrome, message: Some(m.to_string()) });
        *page.status_mut() = StatusCode::BAD_REQUEST;
        return page;
    }
    let hash = match tokio::task::spawn_blocking(move || crate::auth::accounts::hash_password(&new)).await {
        Ok(Ok(h)) => h,
        _ => {
            return crate::ui::PageError::from(crate::error::Error::Internal(anyhow::anyhow!("hashing failed")))
                .into_response();
        }
    };
    let now = state.clock.now_ms();
    let result = async {
        query("UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user.person.account_id)
            .execute(&state.db)
            .await?;
        // Every other session of the account ends; this one stays.
        let current = session::cookie(&headers, SESSION_COOKIE).map(crate::auth::secret::digest).unwrap_or_default();
        query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(user.person.account_id)
            .bind(current)
            .execute(&state.db)
            .await?;
        Ok::<_, crate::error::Error>(())
    };
    match result.await {
        Ok(()) => {
            let message = Some(chrome.t.password_changed.to_string());
            render(PasswordPage { chrome, message })
        }
        Err(e) => crate::ui::PageError::from(e).into_response(),
    }
}

async fn user_name(state: &AppState, account_id: i64) -> String {
    query("SELECT username FROM accounts WHERE id = $1")
        .bind(account_id)
        .scalar::<String>(&state.db)
        .await
        .unwrap_or_default()
}

async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, params: Params) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let next = safe_next(params.optional("next").ok().flatten().or(Some("/")));
    let cookie = session::set_cookie(&state, crate::ui::i18n::LANG_COOKIE, lang, 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}
