//! The directory as JSON (`/api/v1/directory?building=…`) and as the
//! building's own page in Chinese (`/buildings/{code}`).

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use super::Directory;
use crate::error::{Error, Result};
use crate::org::{Building, search, store as org_store};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/", home_page),
        Endpoint::get("/api/v1/directory", directory_json),
        Endpoint::get("/buildings/{code}", building_page),
    ]
}

async fn directory_json(State(state): State<AppState>, params: Params) -> Result<Json<Directory>> {
    let building = params.text("building", 40)?.ok_or_else(|| Error::invalid("building", "必须填写"))?;
    let unit = params.integer("unit", 1, 99)?;
    Ok(Json(Directory::load(&state.db, building, unit).await?))
}

#[derive(Template)]
#[template(path = "directory/building.html")]
struct BuildingPage {
    d: Directory,
}

async fn building_page(State(state): State<AppState>, Path(code): Path<String>, params: Params) -> Response {
    let page = async {
        let unit = params.integer("unit", 1, 99)?;
        let d = Directory::load(&state.db, &code, unit).await?;
        BuildingPage { d }.render().map_err(|e| Error::Internal(anyhow::anyhow!("rendering the building page: {e}")))
    };
    match page.await {
        Ok(html) => Html(html).into_response(),
        Err(err) => crate::ui::PageError::from(err).into_response(),
    }
}

#[derive(Template)]
#[template(path = "directory/home.html")]
struct HomePage {
    q: String,
    buildings: Vec<Building>,
    error: Option<String>,
}

/// The front page: find a building, then open its directory.
async fn home_page(State(state): State<AppState>, params: Params) -> Response {
    let q = match params.text("q", 100) {
        Ok(q) => q.unwrap_or_default().to_string(),
        Err(err) => return crate::ui::PageError::from(err).into_response(),
    };
    let mut page = HomePage { q, buildings: Vec::new(), error: None };
    if !page.q.is_empty() {
        let parsed = search::parse(&page.q);
        if parsed.is_empty() {
            page.error = Some("请输入小区名称、楼号或楼栋编码".to_string());
        } else {
            match org_store::search_buildings(&state.db, &parsed, 50).await {
                Ok(found) => page.buildings = found,
                Err(err) => return crate::ui::PageError::from(err).into_response(),
            }
        }
    }
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            crate::ui::PageError::from(Error::Internal(anyhow::anyhow!("rendering the home page: {e}"))).into_response()
        }
    }
}
