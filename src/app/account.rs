//! Signing in and out, one's account (whether one's work phone is
//! published), changing one's password, switching language.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Chrome, checked_form, render, require_user};
use crate::db::query;
use crate::people::publicity;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;
use crate::web::session::{self, SESSION_COOKIE};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/login", login_page),
        Endpoint::post("/login", login),
        Endpoint::post("/logout", logout),
        Endpoint::get("/account", account_page),
        Endpoint::post("/account/phone-publicity", set_own_publicity),
        Endpoint::get("/account/password", password_page),
        Endpoint::post("/account/password", change_password),
        Endpoint::get("/lang/{code}", switch_language),
    ]
}

#[derive(Template)]
#[template(path = "app/login.html")]
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
        return crate::directory::routes::error_page(&e);
    }
    let password = form.optional("password").ok().flatten().unwrap_or("").to_string();
    let next = safe_next(form.optional("next").ok().flatten());
    match session::check_password(&state, &username, &password).await {
        Ok(Some(account_id)) => match session::start(&state, account_id).await {
            Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response(),
            Err(e) => crate::directory::routes::error_page(&e),
        },
        Ok(None) => {
            let chrome = Chrome::new(&headers, None, "/login");
            let error = Some(chrome.t.wrong_password);
            let mut page = render(LoginPage { chrome, next, username, error });
            *page.status_mut() = StatusCode::UNAUTHORIZED;
            page
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    if let Ok(Some(user)) = session::web_user_from(&headers, &state).await {
        if let Err(e) = user.check_csrf(form.optional("_csrf").ok().flatten()) {
            return crate::directory::routes::error_page(&e);
        }
        if let Err(e) = user.sign_out(&state).await {
            return crate::directory::routes::error_page(&e);
        }
    }
    ([(header::SET_COOKIE, session::set_cookie(&state, SESSION_COOKIE, "", 0))], Redirect::to("/")).into_response()
}

/// One line of a person's publicity history, ready to print.
struct HistoryLine {
    when: String,
    by: String,
    published: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "app/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    /// The phone on record, masked (the owner knows it).
    phone: String,
    eligible: bool,
    published: bool,
    /// Where a published phone shows, for the roles this person holds.
    shown_on: &'static str,
    provenance: String,
    /// Newest first.
    history: Vec<HistoryLine>,
    message: Option<String>,
}

async fn account_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &crate::web::session::WebUser,
    message: Option<String>,
) -> crate::error::Result<AccountPage> {
    let me = user.person.person_id;
    let subject = publicity::subject(&state.db, me).await?;
    let phone: Option<String> = query("SELECT phone FROM people WHERE id = $1").bind(me).scalar(&state.db).await?;
    let history = publicity::history(&state.db, me).await?;
    let now = state.clock.now_ms();
    let latest = publicity::current(&history);
    let chrome = Chrome::new(headers, Some(user), "/account");
    let t = chrome.t;
    Ok(AccountPage {
        name: subject.name.clone(),
        phone: phone.as_deref().map(crate::privacy::mask_phone).unwrap_or_default(),
        eligible: subject.eligible(),
        shown_on: if subject.roles.iter().any(|(r, _)| publicity::on_by_default(*r)) {
            t.tr("公示栏、楼栋页面和工作证核验页", "the notice board, the building pages and the work-card check page")
        } else {
            t.tr("工作证核验页", "the work-card check page")
        },
        published: subject.eligible() && latest.is_some_and(|e| e.published),
        provenance: if t.is_en() { publicity::provenance_en(latest, now) } else { publicity::provenance(latest, now) },
        history: history
            .iter()
            .rev()
            .map(|e| HistoryLine {
                when: t.when_ms(e.recorded_at, now),
                by: if t.is_en() {
                    publicity::label_en(&e.recorded_by_label).to_string()
                } else {
                    e.recorded_by_label.clone()
                },
                published: e.published,
                note: match &e.note {
                    Some(n) if t.is_en() => publicity::note_en(n),
                    n => n.clone().unwrap_or_default(),
                },
            })
            .collect(),
        message,
        chrome,
    })
}

/// The signed-in person's account: whether their work phone is published,
/// with the record of who set it when, and a link to change the password.
async fn account_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/account").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match account_view(&state, &headers, &user, None).await {
        Ok(page) => render(page),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

/// A person publishes or withdraws their own work phone.
async fn set_own_publicity(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/account").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = async {
        let form = checked_form(&user, &body)?;
        let published = match form.optional("published").ok().flatten() {
            Some("1" | "true") => true,
            Some("0" | "false") => false,
            _ => return Err(crate::error::Error::invalid("published", "应为 1（公开）或 0（撤回）")),
        };
        let subject = publicity::subject(&state.db, user.person.person_id).await?;
        if let Err(refusal) = publicity::check_change(&subject.role_list(), published) {
            let t = super::i18n::Lang::from_headers(&headers).texts();
            return Err(crate::error::Error::invalid("published", t.tr(refusal.zh(), refusal.en())));
        }
        let by = publicity::Recorder::person(&user.person);
        publicity::set(&state.db, &subject, published, &by, Some(publicity::NOTE_OWN_ACCOUNT), state.clock.now_ms())
            .await?;
        Ok(())
    };
    match result.await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e @ crate::error::Error::Invalid { .. }) => {
            match account_view(&state, &headers, &user, Some(e.page_message())).await {
                Ok(page) => {
                    let mut response = render(page);
                    *response.status_mut() = StatusCode::BAD_REQUEST;
                    response
                }
                Err(e) => crate::directory::routes::error_page(&e),
            }
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "app/password.html")]
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
        Err(e) => return crate::directory::routes::error_page(&e),
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
    let hash = match tokio::task::spawn_blocking(move || crate::people::accounts::hash_password(&new)).await {
        Ok(Ok(h)) => h,
        _ => {
            return crate::directory::routes::error_page(&crate::error::Error::Internal(anyhow::anyhow!(
                "hashing failed"
            )));
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
        Err(e) => crate::directory::routes::error_page(&e),
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
    let cookie = session::set_cookie(&state, super::i18n::LANG_COOKIE, lang, 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}
