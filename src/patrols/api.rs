//! `/api/v1/patrol-zones…` and `/api/v1/checkpoints…`: the JSON API of
//! environmental patrols (OpenAPI: src/web/openapi.json).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::service::{self, NewCheckpointInput, NewZoneInput, VisitInput};
use super::{Zone, rules, store};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/patrol-zones", list),
        Endpoint::post("/api/v1/patrol-zones", create),
        Endpoint::get("/api/v1/patrol-zones/{id}", one),
        Endpoint::post("/api/v1/patrol-zones/{id}/checkpoints", add_checkpoint),
        Endpoint::get("/api/v1/patrol-zones/{id}/visits", visits),
        Endpoint::get("/api/v1/checkpoints/{id}/plate.pdf", plate),
        Endpoint::post("/api/v1/checkpoints/{token}/visits", record_visit),
    ]
}

async fn list(State(state): State<AppState>, actor: Actor) -> Result<Json<Value>> {
    Ok(Json(json!({ "zones": service::list(&state, &actor).await? })))
}

/// A zone with its boundary as GeoJSON, its owners and its checkpoints.
async fn zone_json(state: &AppState, zone: Zone) -> Result<Value> {
    let owners: Vec<Value> = store::owners(&state.db, zone.id)
        .await?
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let checkpoints = store::checkpoints(&state.db, zone.id).await?;
    let boundary = service::shape(&zone).ring.map(|r| rules::boundary_json(&r));
    Ok(json!({ "zone": zone, "boundary": boundary, "owners": owners, "checkpoints": checkpoints }))
}

async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewZoneInput>,
) -> Result<(StatusCode, Json<Value>)> {
    let zone = service::create_zone(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(zone_json(&state, zone).await?)))
}

async fn one(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Value>> {
    let zone = service::visible(&state, &actor, id).await?;
    Ok(Json(zone_json(&state, zone).await?))
}

async fn add_checkpoint(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewCheckpointInput>,
) -> Result<(StatusCode, Json<Value>)> {
    let c = service::add_checkpoint(&state, &actor, id, input).await?;
    let url = format!("{}/patrol/{}", crate::web::base_url(&state, &headers), c.token);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "checkpoint": c, "patrol_url": url, "plate": format!("/api/v1/checkpoints/{}/plate.pdf", c.id) })),
    ))
}

async fn visits(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Value>> {
    let time = |name: &str| -> Result<Option<i64>> {
        params
            .optional(name)?
            .map(|t| {
                crate::time::parse_datetime(t)
                    .ok_or_else(|| Error::invalid(name, "应为 RFC 3339 时间，如 2026-12-01T00:00:00+08:00"))
            })
            .transpose()
    };
    let now = state.now();
    let to = time("to")?.unwrap_or(now + 1);
    let from = time("from")?.unwrap_or(to - 7 * 86_400_000);
    Ok(Json(json!({ "visits": service::log(&state, &actor, id, from, to).await? })))
}

async fn plate(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (bytes, name) = super::pages::plate_pdf(&state, &actor, &headers, id).await?;
    Ok(crate::print::pages::pdf_response(bytes, &format!("checkpoint-{id}.pdf"), &name))
}

async fn record_visit(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<Value>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => v.to_str().map_err(|_| Error::invalid("Idempotency-Key", "只能包含可见的 ASCII 字符"))?.to_string(),
        None => crate::auth::secret::new_token(),
    };
    let (visit, replayed) = service::record_visit(&state, &actor, &token, input, &key).await?;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(json!({ "visit": visit, "replayed": replayed }))))
}
