//! How errors leave the server: JSON for the API, with the field and reason
//! for client mistakes and a generic body (cause logged) for server faults.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    status: u16,
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    /// For an illegal transition: what may be done instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed: Option<Vec<&'static str>>,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Invalid { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::Conflict(_) | Error::IllegalTransition(_) => StatusCode::CONFLICT,
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Db(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a client may be told; server faults are logged here and hidden.
    pub fn public_message(&self) -> String {
        match self {
            Error::Db(_) | Error::Internal(_) => {
                tracing::error!(error = ?self, "request failed");
                "服务器出错，请稍后再试".to_string()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, field) = match &self {
            Error::Invalid { field, .. } => ("invalid_parameter", Some(field.as_str())),
            Error::NotFound { .. } => ("not_found", None),
            Error::Conflict(_) => ("conflict", None),
            Error::IllegalTransition(_) => ("illegal_transition", None),
            Error::Unauthenticated(_) => ("unauthenticated", None),
            Error::Forbidden(_) => ("forbidden", None),
            Error::TooLarge(_) => ("too_large", None),
            Error::Unavailable(_) => ("unavailable", None),
            Error::RateLimited(_) => ("rate_limited", None),
            Error::Db(_) | Error::Internal(_) => ("internal", None),
        };
        let allowed = match &self {
            Error::IllegalTransition(illegal) => Some(illegal.allowed.clone()),
            _ => None,
        };
        let body =
            Body { error: Detail { status: status.as_u16(), code, message: self.public_message(), field, allowed } };
        let mut response = (status, Json(body)).into_response();
        if let Error::RateLimited(seconds) = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// Unknown routes answer JSON 404 naming the path.
pub async fn not_found_fallback(uri: Uri) -> Error {
    Error::not_found("route", uri.path().to_string())
}
