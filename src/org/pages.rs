//! The organisation tree as the staff who manage it see it.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Level, OrgNode};
use crate::auth::frame::{Chrome, require_manager, signed_in};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/app/admin/tree", tree_page)]
}

#[derive(Template)]
#[template(path = "org/tree.html")]
struct TreePage {
    chrome: Chrome,
    nodes: Vec<(usize, OrgNode, i64)>,
}

async fn tree_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, "/app/admin/tree").await?;
    require_manager(&user)?;
    let nodes = super::store::managed_by(&state.db, &user.person).await?;
    let building_paths = super::store::building_node_paths(&state.db).await?;
    let top = nodes.iter().map(|n| n.path.matches('/').count()).min().unwrap_or(0);
    let nodes = nodes
        .into_iter()
        .filter(|n| n.level != Level::MicroGrid)
        .map(|n| {
            let buildings = building_paths.iter().filter(|p| p.starts_with(&n.path)).count() as i64;
            (n.path.matches('/').count() - top, n, buildings)
        })
        .collect();
    Ok(render(TreePage { chrome: Chrome::new(&headers, Some(&user), "/app/admin/tree"), nodes }))
}
