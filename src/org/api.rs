//! `GET /api/v1/buildings?q=…` — find a building by what people type.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::Building;
use super::search;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/api/v1/buildings", find_buildings)]
}

#[derive(Serialize)]
struct BuildingList {
    query: QueryEcho,
    buildings: Vec<Building>,
}

/// How the query was understood, so a client can show it.
#[derive(Serialize)]
struct QueryEcho {
    terms: Vec<String>,
    number: Option<String>,
    unit: Option<u32>,
}

async fn find_buildings(State(state): State<AppState>, params: Params) -> Result<Json<BuildingList>> {
    let text = params.text("q", 100)?.ok_or_else(|| Error::invalid("q", "必须填写"))?;
    let limit = params.integer("limit", 1, 200)?.unwrap_or(20);
    let parsed = search::parse(text);
    if parsed.is_empty() {
        return Err(Error::invalid("q", "没有写出小区、楼号或楼栋编号"));
    }
    let buildings = super::store::search_buildings(&state.db, &parsed, limit).await?;
    Ok(Json(BuildingList {
        query: QueryEcho { terms: parsed.terms, number: parsed.number, unit: parsed.unit },
        buildings,
    }))
}
