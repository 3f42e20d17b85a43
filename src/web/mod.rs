//! The HTTP shell: shared state, the router every domain module plugs its
//! routes into, health probes and the middleware stack. No domain logic here.

pub mod error;
pub mod json;
pub mod params;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;
use crate::time::Clock;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
}

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::org::routes::router())
        .merge(crate::directory::routes::router())
        .merge(crate::auth::routes::router())
        .merge(crate::routing::routes::router())
        .merge(crate::cases::routes::router())
        .merge(crate::notify::routes::router())
        .merge(crate::attachments::routes::router())
        .merge(crate::open311::router())
        .fallback(error::not_found_fallback)
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
