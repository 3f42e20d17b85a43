//! The organisation tree as the staff who manage it see it.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Level, OrgNode};
use crate::auth::frame::{Chrome, require_manager, require_user};
use crate::db::query;
use crate::error::Error;
use crate::ui::render_result;
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

async fn tree_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/tree").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let page = async {
        require_manager(&user)?;
        let nodes = crate::org::store::managed_by(&state.db, &user.person).await?;
        let building_paths: Vec<(String,)> =
            query("SELECT n.path FROM buildings b JOIN org_nodes n ON n.id = b.node_id").fetch_all(&state.db).await?;
        let top = nodes.iter().map(|n| n.path.matches('/').count()).min().unwrap_or(0);
        let nodes = nodes
            .into_iter()
            .filter(|n| n.level != Level::MicroGrid)
            .map(|n| {
                let buildings = building_paths.iter().filter(|(p,)| p.starts_with(&n.path)).count() as i64;
                (n.path.matches('/').count() - top, n, buildings)
            })
            .collect();
        Ok::<_, Error>(TreePage { chrome: Chrome::new(&headers, Some(&user), "/app/admin/tree"), nodes })
    };
    render_result(page.await)
}
