//! The directory as JSON: `/api/v1/directory?building=…[&unit=…]`.

use axum::Json;
use axum::extract::State;

use super::Directory;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/api/v1/directory", directory_json)]
}

async fn directory_json(State(state): State<AppState>, params: Params) -> Result<Json<Directory>> {
    let building = params.text("building", 40)?.ok_or_else(|| Error::invalid("building", "必须填写"))?;
    let unit = params.integer("unit", 1, 99)?;
    Ok(Json(Directory::load(&state.db, building, unit).await?))
}
