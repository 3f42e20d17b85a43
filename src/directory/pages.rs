//! The front page (find a building) and a building's own page in Chinese
//! (`/buildings/{code}`): whom to call, who answers for what.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::Directory;
use crate::org::{Building, search, store as org_store};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/", home_page), Endpoint::get("/buildings/{code}", building_page)]
}

#[derive(Template)]
#[template(path = "directory/building.html")]
struct BuildingPage {
    d: Directory,
}

async fn building_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    params: Params,
) -> Result<Response, PageError> {
    let unit = params.integer("unit", 1, 99)?;
    let d = Directory::load(&state.db, &code, unit).await?;
    Ok(render(BuildingPage { d }))
}

#[derive(Template)]
#[template(path = "directory/home.html")]
struct HomePage {
    q: String,
    buildings: Vec<Building>,
    error: Option<String>,
}

/// The front page: find a building, then open its directory.
async fn home_page(State(state): State<AppState>, params: Params) -> Result<Response, PageError> {
    let q = params.text("q", 100)?.unwrap_or_default().to_string();
    let mut page = HomePage { q, buildings: Vec::new(), error: None };
    if !page.q.is_empty() {
        let parsed = search::parse(&page.q);
        if parsed.is_empty() {
            page.error = Some("请输入小区名称、楼号或楼栋编码".to_string());
        } else {
            page.buildings = org_store::search_buildings(&state.db, &parsed, 50).await?;
        }
    }
    Ok(render(page))
}
