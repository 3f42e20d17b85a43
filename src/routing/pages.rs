//! The routing rules page: a community's or street's overrides of who
//! handles what, and by when.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::{NewRule, RoutingRule};
use crate::auth::frame::{Chrome, checked_form, require_manager, require_user};
use crate::auth::session::WebUser;
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::ui::render_result;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/app/admin/routing", routing_page), Endpoint::post("/app/admin/routing", add_rule)]
}

#[derive(Template)]
#[template(path = "routing/routing.html")]
struct RoutingPage {
    chrome: Chrome,
    rules: Vec<RoutingRule>,
    nodes: Vec<OrgNode>,
    categories: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

/// The handlers the routing form offers, by their rule text.
const HANDLERS: [&str; 6] =
    ["property", "grid_head", "community", "department:enforcement", "department:environment", "department:police"];

impl RoutingPage {
    /// A rule's handler as people say it (its rule text if unknown).
    fn handler(&self, code: &str) -> String {
        let t = self.chrome.t;
        let name = match code {
            "property" => t.tr("物业", "Property company"),
            "grid_head" => t.tr("网格长", "Grid head"),
            "community" => t.tr("社区", "Community"),
            "department:enforcement" => t.tr("综合执法", "Law enforcement"),
            "department:environment" => t.tr("生态环境", "Environment bureau"),
            "department:police" => t.tr("派出所", "Police station"),
            other => return other.to_string(),
        };
        name.to_string()
    }
}

async fn routing_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    message: Option<String>,
) -> Result<RoutingPage> {
    require_manager(user)?;
    let rules = crate::routing::rules(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.node_path.as_deref().is_none_or(|path| user.person.manages(Some(path))))
        .collect();
    let nodes: Vec<OrgNode> = crate::org::store::managed_by(&state.db, &user.person)
        .await?
        .into_iter()
        .filter(|n| n.level <= Level::Grid)
        .collect();
    let chrome = Chrome::new(headers, Some(user), "/app/admin/routing");
    let categories = chrome.t.categories();
    Ok(RoutingPage { chrome, rules, nodes, categories, message })
}

async fn routing_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/routing").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    render_result(routing_view(&state, &headers, &user, None).await)
}

async fn add_rule(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/routing").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = async {
        let form = checked_form(&user, &body)?;
        let node = match form.optional("node")? {
            Some(code) => Some(crate::org::store::node_by_code(&state.db, code).await?),
            None => None,
        };
        if !user.person.manages(node.as_ref().map(|n| n.path.as_str())) {
            return Err(Error::Forbidden("只能在您负责的区域内操作".into()));
        }
        let rule = NewRule {
            category: form.optional("category")?.map(str::to_string),
            node: None,
            handler: form.optional("handler")?.map(str::to_string),
            organisation_id: None,
            deadline_minutes: form.integer("deadline_hours", 1, 2160)?.map(|h| h * 60),
            note: form.optional("note")?.map(str::to_string),
        };
        let mut tx = state.db.begin().await?;
        crate::routing::insert_rule(&mut tx, &rule, node.map(|n| n.id), state.clock.now_ms()).await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to("/app/admin/routing").into_response(),
        Err(e @ Error::Invalid { .. }) => {
            render_result(routing_view(&state, &headers, &user, Some(e.page_message())).await)
        }
        Err(e) => crate::ui::PageError::from(e).into_response(),
    }
}
