//! `/api/v1/campaigns…` and `/api/v1/findings…`: the JSON API of hazard
//! sweeps (OpenAPI: src/web/openapi.json).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::service::{self, EnforcementInput, NewCampaign, NewFindingInput, ReinspectionInput};
use super::store;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/campaigns", list),
        Endpoint::post("/api/v1/campaigns", create),
        Endpoint::get("/api/v1/campaigns/{id}", one),
        Endpoint::get("/api/v1/campaigns/{id}/sweep", sweep),
        Endpoint::post("/api/v1/campaigns/{id}/units", clean_unit),
        Endpoint::post("/api/v1/campaigns/{id}/findings", record_finding),
        Endpoint::get("/api/v1/campaigns/{id}/coverage", coverage),
        Endpoint::get("/api/v1/campaigns/{id}/enforcement", enforcement_list),
        Endpoint::get("/api/v1/findings/{id}", finding),
        Endpoint::post("/api/v1/findings/{id}/notice", issue_notice),
        Endpoint::get("/api/v1/findings/{id}/notice.pdf", notice_pdf),
        Endpoint::post("/api/v1/findings/{id}/enforcement", record_enforcement),
        Endpoint::post("/api/v1/findings/{id}/reinspection", reinspect),
    ]
}

async fn list(State(state): State<AppState>, actor: Actor) -> Result<Json<Value>> {
    Ok(Json(json!({ "campaigns": service::list(&state, &actor).await? })))
}

async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<Value>)> {
    let campaign = service::create(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(campaign_json(&state, &actor, campaign.id).await?)))
}

async fn one(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Value>> {
    Ok(Json(campaign_json(&state, &actor, id).await?))
}

/// A campaign with its checklist and its indicators.
async fn campaign_json(state: &AppState, actor: &Actor, id: i64) -> Result<Value> {
    let (campaign, paths) = service::visible(state, actor, id).await?;
    let checks = store::checks(&state.db, id).await?;
    let coverage = service::coverage_in(state, id, &paths, None).await?;
    Ok(json!({ "campaign": campaign, "checks": checks, "indicators": coverage.indicators }))
}

async fn sweep(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Value>> {
    let (campaign, checks, targets, findings) = service::sweep_of(&state, &actor, id).await?;
    Ok(Json(json!({ "campaign": campaign, "checks": checks, "units": targets, "findings": findings })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitInput {
    building: String,
    unit: i64,
}

async fn clean_unit(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<Json<Value>> {
    let target = service::mark_clean(&state, &actor, id, &input.building, input.unit).await?;
    Ok(Json(json!({ "unit": target })))
}

async fn record_finding(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NewFindingInput>,
) -> Result<(StatusCode, Json<Value>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => v.to_str().map_err(|_| Error::invalid("Idempotency-Key", "只能包含可见的 ASCII 字符"))?.to_string(),
        None => crate::auth::secret::new_token(),
    };
    let (finding, replayed) = service::record_finding(&state, &actor, id, input, &key).await?;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(json!({ "finding": finding, "replayed": replayed }))))
}

async fn coverage(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Value>> {
    Ok(Json(json!(service::coverage(&state, &actor, id, params.text("node", 40)?).await?)))
}

async fn enforcement_list(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Value>> {
    Ok(Json(json!({ "findings": service::enforcement_list(&state, &actor, id).await? })))
}

async fn finding(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<Json<Value>> {
    let f = service::finding(&state, &actor, id).await?;
    let notice = store::notice(&state.db, id).await?;
    let steps = store::steps(&state.db, id).await?;
    Ok(Json(json!({ "finding": f, "state_name": f.state.name_zh(), "notice": notice, "steps": steps })))
}

async fn issue_notice(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Value>)> {
    let (finding, notice) = service::issue_notice(&state, &actor, id).await?;
    let base = crate::web::base_url(&state, &headers);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "finding": finding,
            "notice": notice,
            "live_url": format!("{base}/notices/{}", notice.token),
            "pdf": format!("/api/v1/findings/{id}/notice.pdf"),
        })),
    ))
}

async fn notice_pdf(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (bytes, name) = super::pages::notice_pdf(&state, &actor, &headers, id).await?;
    Ok(crate::print::pages::pdf_response(bytes, &format!("notice-{id}.pdf"), &name))
}

async fn record_enforcement(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EnforcementInput>,
) -> Result<Json<Value>> {
    let f = service::record_enforcement(&state, &actor, id, input).await?;
    Ok(Json(json!({ "finding": f, "state_name": f.state.name_zh() })))
}

async fn reinspect(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReinspectionInput>,
) -> Result<Json<Value>> {
    let f = service::reinspect(&state, &actor, id, input).await?;
    Ok(Json(json!({ "finding": f, "state_name": f.state.name_zh() })))
}
