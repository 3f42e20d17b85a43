//! The pages' common ground, knowing no feature: the words in both
//! languages ([`i18n`]), rendering a template, the one HTML error type
//! ([`PageError`]), and the assets every page loads (app.css, the icon).

pub mod i18n;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::Error;
use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/static/app.css", app_css), Endpoint::get("/favicon.ico", favicon)]
}

/// A file compiled into the binary, cached by browsers for an hour.
pub fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse + use<> {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

pub const CSS: &str = "text/css; charset=utf-8";

async fn app_css() -> impl IntoResponse {
    asset(CSS, include_str!("../../static/app.css"))
}

/// linli's icon (an SVG: every browser linli supports takes one).
async fn favicon() -> impl IntoResponse {
    asset("image/svg+xml", include_str!("../../static/icon.svg"))
}

/// How a page fails: an error shown as a Chinese page with its status, or
/// a redirect to sign in. Page handlers return `Result<Response, PageError>`
/// and use `?` as the JSON API does with [`Error`].
#[derive(Debug)]
pub enum PageError {
    Failed(Error),
    SignIn { next: String },
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError::Failed(e)
    }
}

impl From<crate::db::DbError> for PageError {
    fn from(e: crate::db::DbError) -> Self {
        PageError::Failed(e.into())
    }
}

#[derive(Template)]
#[template(path = "ui/error.html")]
struct ErrorPage {
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            PageError::Failed(err) => {
                let status = err.status();
                let message = page_text(&err);
                let html = ErrorPage { status: status.as_u16(), message }
                    .render()
                    .unwrap_or_else(|_| "服务器出错".to_string());
                (status, Html(html)).into_response()
            }
        }
    }
}

/// What an error page says: which field is wrong and why, what is missing,
/// or (for a server fault, logged with its cause) a generic apology.
fn page_text(err: &Error) -> String {
    match err {
        Error::Invalid { field, reason } => match crate::error::field_zh(field) {
            label if label == field => format!("参数 {field} 有误：{reason}"),
            label => format!("{label}有误：{reason}"),
        },
        Error::NotFound { what: "route", .. } => "找不到该页面".to_string(),
        other => other.public_message(),
    }
}

/// Renders a template, or the error page.
pub fn render(page: impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError::Failed(Error::Internal(anyhow::anyhow!("rendering: {e}"))).into_response(),
    }
}

/// A page rendered again with what went wrong, at the error's status (a
/// form that could not be taken shows itself with the reason).
pub fn render_with_status(page: impl Template, status: StatusCode) -> Response {
    let mut response = render(page);
    *response.status_mut() = status;
    response
}
