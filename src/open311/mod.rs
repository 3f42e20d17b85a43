//! Open311 GeoReport v2 under `/open311/v2/`, with mySociety's
//! `servicerequestupdates` extension, in `.json` and `.xml`.
//! See docs/research/open311.md for the specification notes.

mod requests;
mod services;
mod updates;
pub mod xml;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{Actor, secret};
use crate::db::query;
use crate::error::Error;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

/// `/open311/v2/services.json`, `/open311/v2/requests/17.xml`, …
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/open311/v2/{resource}", get_top),
        Endpoint::post("/open311/v2/{resource}", post_top),
        Endpoint::get("/open311/v2/services/{code}", service_definition),
        Endpoint::get("/open311/v2/requests/{id}", one_request),
        Endpoint::get("/open311/v2/tokens/{token}", token),
    ]
}

/// The two formats every resource comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Splits `requests.json` into (`requests`, JSON).
fn split(resource: &str) -> Result<(&str, Format), Failure> {
    let (name, ext) =
        resource.rsplit_once('.').ok_or_else(|| Failure::new(404, "add .json or .xml to the URL", Format::Xml))?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return Err(Failure::new(404, format!("unknown format `{ext}`: use .json or .xml"), Format::Xml)),
    };
    Ok((name, format))
}

/// An Open311 error: `[{"code": 400, "description": "…"}]` with that status.
#[derive(Debug)]
pub struct Failure {
    status: u16,
    description: String,
    format: Format,
}

impl Failure {
    pub fn new(status: u16, description: impl Into<String>, format: Format) -> Failure {
        Failure { status, description: description.into(), format }
    }

    /// Maps linli's errors onto the three statuses the spec allows.
    pub fn from_error(err: Error, format: Format) -> Failure {
        let status = match &err {
            Error::NotFound { .. } => 404,
            Error::Unauthenticated(_) | Error::Forbidden(_) => 403,
            Error::Db(_) | Error::Internal(_) => 500,
            _ => 400,
        };
        Failure::new(status, err.public_message(), format)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!([{ "code": self.status, "description": self.description }]);
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, render(self.format, "errors", &body)).into_response()
    }
}

/// A body in the requested format with the spec's content type.
pub fn render(format: Format, root: &str, value: &Value) -> Response {
    match format {
        Format::Json => {
            ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], value.to_string()).into_response()
        }
        Format::Xml => {
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml::document(root, value)).into_response()
        }
    }
}

type Reply = Result<Response, Failure>;

async fn get_top(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    params: Params,
    headers: HeaderMap,
) -> Reply {
    let (name, format) = split(&resource)?;
    match name {
        "discovery" => Ok(render(format, "discovery", &discovery(&state, &headers))),
        "services" => services::list(format),
        "requests" => requests::search(&state, &params, &headers, format).await,
        "servicerequestupdates" => updates::list(&state, &params, format).await,
        _ => Err(Failure::new(404, format!("no Open311 resource `{name}`"), format)),
    }
}

async fn post_top(
    State(state): State<AppState>,
    Path(resource): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let (name, format) = split(&resource)?;
    let form = form_body(&headers, &body, format)?;
    match name {
        "requests" => requests::create(&state, &form, format).await,
        "servicerequestupdates" => updates::create(&state, &form, format).await,
        _ => Err(Failure::new(404, format!("cannot POST to `{name}`"), format)),
    }
}

async fn service_definition(Path(code): Path<String>) -> Reply {
    let (code, format) = split(&code)?;
    services::definition(code, format)
}

async fn one_request(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Reply {
    let (id, format) = split(&id)?;
    requests::one(&state, id, &headers, format).await
}

/// linli answers every report with its id at once ("realtime"), so a token
/// is simply the request id.
async fn token(State(state): State<AppState>, Path(token): Path<String>) -> Reply {
    let (token, format) = split(&token)?;
    let id: i64 = token.parse().map_err(|_| Failure::new(404, format!("no token `{token}`"), format))?;
    let exists: i64 = query("SELECT COUNT(*) FROM cases WHERE id = $1")
        .bind(id)
        .scalar(&state.db)
        .await
        .map_err(|e| Failure::from_error(e.into(), format))?;
    if exists == 0 {
        return Err(Failure::new(404, format!("no token `{token}`"), format));
    }
    let body = json!([{ "service_request_id": id.to_string(), "token": token }]);
    Ok(render(format, "service_requests", &body))
}

fn form_body(headers: &HeaderMap, body: &[u8], format: Format) -> Result<Params, Failure> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(Failure::new(400, "send the form as application/x-www-form-urlencoded", format));
    }
    let text = std::str::from_utf8(body).map_err(|_| Failure::new(400, "the form is not UTF-8", format))?;
    Ok(Params::parse(text))
}

/// The Open311 client behind an `api_key`, or 403.
async fn client(state: &AppState, form: &Params, format: Format) -> Result<Actor, Failure> {
    let key = form.optional("api_key").ok().flatten().ok_or_else(|| Failure::new(403, "api_key is missing", format))?;
    let row: Option<(i64, String)> = query("SELECT id, name FROM api_clients WHERE key_hash = $1 AND active")
        .bind(secret::digest(key))
        .fetch_optional(&state.db)
        .await
        .map_err(|e| Failure::from_error(e.into(), format))?;
    let (id, name) = row.ok_or_else(|| Failure::new(403, "api_key is invalid or revoked", format))?;
    Ok(Actor::ApiClient { id, name })
}

/// An optional W3C date-time parameter (`start_date`, `end_date`).
fn date_param(params: &Params, name: &str, format: Format) -> Result<Option<i64>, Failure> {
    let value = params.optional(name).map_err(|e| Failure::from_error(e, format))?;
    value
        .map(|v| {
            crate::time::parse_datetime(v).ok_or_else(|| {
                Failure::new(400, format!("{name} must be a W3C date-time such as 2024-06-01T00:00:00Z"), format)
            })
        })
        .transpose()
}

fn discovery(state: &AppState, headers: &HeaderMap) -> Value {
    let base = crate::web::base_url(state, headers);
    json!({
        "changeset": "2024-06-05 00:00",
        "contact": "邻里 linli — contact the street's command centre (指挥中心) that runs this server",
        "key_service": "API keys are issued by the administrators of this linli server",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2024-06-05 00:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
}
