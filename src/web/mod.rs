//! The HTTP shell: the router the composition root hands every feature's
//! routes to, health probes, the middleware stack, and the helpers handlers
//! share (errors as JSON, parameters, bodies, cookies, client addresses).
//! No domain logic here.

pub mod cookies;
pub mod endpoint;
pub mod error;
pub mod guard;
pub mod json;
pub mod limits;
pub mod params;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use endpoint::Endpoint;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach: the platform's context.
pub type AppState = crate::platform::Ctx;

/// The shell's own routes: health, status and the API's description.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/healthz", healthz),
        Endpoint::get("/readyz", readyz),
        Endpoint::get("/api/v1/status", status),
        Endpoint::get("/api/v1/openapi.json", openapi),
    ]
}

/// The OpenAPI 3 document of the JSON API.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// The whole application from its routes, behind the shell's middleware.
pub fn router(state: AppState, endpoints: Vec<Endpoint>) -> Router {
    let mut router = Router::new();
    for e in endpoints {
        router = router.route(e.path, e.handler);
    }
    router
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn(guard::harden))
        // Bodies read by extractors stop at 1 MiB; photo uploads lift this
        // and enforce their own, configured limit while streaming.
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(
            // The path only: query strings may carry personal data.
            TraceLayer::new_for_http().make_span_with(
                |req: &Request<_>| tracing::info_span!("http", method = %req.method(), path = %req.uri().path()),
            ),
        )
        .with_state(state)
}

/// The address people reach this server at, for links and QR codes:
/// `LINLI_PUBLIC_URL`, else what the request's Host header says.
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can reach its database.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness probe failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// The worker's health and the backlog it has yet to work off.
async fn status(State(state): State<AppState>) -> crate::error::Result<axum::Json<serde_json::Value>> {
    let worker = state.worker.snapshot();
    let backlog = crate::platform::worker::backlog(&state).await?;
    let now = state.clock.now_ms();
    Ok(axum::Json(serde_json::json!({
        "database": state.db.backend().name(),
        "worker": {
            "running": worker.running,
            "interval_ms": state.config.cases.worker_interval_ms,
            "passes": worker.passes,
            "last_pass_at": worker.last_pass_at.map(crate::time::to_rfc3339),
            "last_pass_age_s": worker.last_pass_at.map(|t| (now - t) / 1000),
            "last_pass_ms": worker.last_pass_ms,
            "last_error": worker.last_error,
            "jobs_run": worker.jobs_run,
            "notifications_sent": worker.notifications_sent,
        },
        "backlog": backlog,
    })))
}
