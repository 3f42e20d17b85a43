//! The web app for every role: server-rendered, Chinese first (English
//! switchable), mobile-first, no build step. Residents need no account;
//! staff sign in (cookie session, CSRF on every form).

pub mod account;
pub mod admin;
pub mod centre;
pub mod i18n;
pub mod inbox;
pub mod resident;

use askama::Template;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::Error;
use crate::people::Role;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::session::WebUser;
use i18n::{Lang, Texts};

pub fn endpoints() -> Vec<Endpoint> {
    [
        account::endpoints(),
        inbox::endpoints(),
        admin::endpoints(),
        centre::endpoints(),
        resident::endpoints(),
        vec![
            Endpoint::get("/static/app.css", app_css),
            Endpoint::get("/static/centre.css", centre_css),
            Endpoint::get("/static/centre.js", centre_js),
            Endpoint::get("/favicon.ico", favicon),
        ],
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A file compiled into the binary, cached by browsers for an hour.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

const CSS: &str = "text/css; charset=utf-8";

async fn app_css() -> impl IntoResponse {
    asset(CSS, include_str!("../../static/app.css"))
}

async fn centre_css() -> impl IntoResponse {
    asset(CSS, include_str!("../../static/centre.css"))
}

async fn centre_js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", include_str!("../../static/centre.js"))
}

/// linli's icon (an SVG: every browser linli supports takes one).
async fn favicon() -> impl IntoResponse {
    asset("image/svg+xml", include_str!("../../static/icon.svg"))
}

/// What every app page's frame needs: words, the signed-in person, links.
pub struct Chrome {
    pub t: &'static Texts,
    pub user: Option<UserChrome>,
    /// The current path, for the language switch to come back to.
    pub path: String,
}

pub struct UserChrome {
    pub name: String,
    pub roles: String,
    pub csrf: String,
    pub can_admin: bool,
    pub can_centre: bool,
}

impl Chrome {
    pub fn new(headers: &HeaderMap, user: Option<&WebUser>, path: &str) -> Chrome {
        let t = Lang::from_headers(headers).texts();
        let user = user.map(|u| {
            let p = &u.person;
            let mut roles: Vec<&str> = p.grants.iter().map(|g| t.role(&g.role)).collect();
            roles.dedup();
            UserChrome {
                name: p.name.clone(),
                roles: roles.join(t.tr("、", ", ")),
                csrf: u.csrf.clone(),
                can_admin: p.grants.iter().any(|g| Role::MANAGERS.contains(&g.role)),
                can_centre: p.grants.iter().any(|g| Role::OVERSEERS.contains(&g.role)),
            }
        });
        Chrome { t, user, path: path.to_string() }
    }

    /// A page's own word in the page's language; see [`Texts::tr`].
    /// In templates: `{{ chrome.tr("我的反映", "My reports") }}`.
    pub fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.t.tr(zh, en)
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.t.is_en()
    }

    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }
}

/// Renders a template, or the error page.
pub fn render(page: impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::directory::routes::error_page(&Error::Internal(anyhow::anyhow!("rendering: {e}"))),
    }
}

/// A form a signed-in person posted, once its CSRF token matches their session.
pub fn checked_form(user: &WebUser, body: &[u8]) -> Result<crate::web::params::Params, Error> {
    let form = crate::web::params::Params::parse(std::str::from_utf8(body).unwrap_or(""));
    user.check_csrf(form.optional("_csrf")?)?;
    Ok(form)
}

/// Staff pages: the signed-in person, or a redirect to the sign-in page.
pub async fn require_user(state: &AppState, headers: &HeaderMap, path: &str) -> Result<WebUser, Response> {
    match crate::web::session::web_user_from(headers, state).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => {
            let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            Err(Redirect::to(&format!("/login?next={next}")).into_response())
        }
        Err(e) => Err(crate::directory::routes::error_page(&e)),
    }
}
