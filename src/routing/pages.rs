//! The routing rules page: a community's or street's overrides of who
//! handles what, and by when.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::{NewRule, RoutingRule, store};
use crate::auth::frame::{Chrome, checked_form, require_manager, signed_in};
use crate::auth::session::WebUser;
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

/// The page, and where its form posts.
const PATH: &str = "/app/admin/routing";

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get(PATH, routing_page), Endpoint::post(PATH, add_rule)]
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
    let rules = store::rules(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.node_path.as_deref().is_none_or(|path| user.person.manages(Some(path))))
        .collect();
    let nodes: Vec<OrgNode> = crate::org::store::managed_by(&state.db, &user.person)
        .await?
        .into_iter()
        .filter(|n| n.level <= Level::Grid)
        .collect();
    let chrome = Chrome::new(headers, Some(user), PATH);
    let categories = chrome.t.categories();
    Ok(RoutingPage { chrome, rules, nodes, categories, message })
}

async fn routing_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PATH).await?;
    Ok(render(routing_view(&state, &headers, &user, None).await?))
}

/// A rule from the page's form; one it cannot take shows the page again
/// with the reason.
async fn add_rule(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PATH).await?;
    match rule_from_form(&state, &user, &body).await {
        Ok(()) => Ok(Redirect::to(PATH).into_response()),
        Err(e @ Error::Invalid { .. }) => {
            Ok(render(routing_view(&state, &headers, &user, Some(e.page_message())).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores the rule the routing form describes, within the person's area.
async fn rule_from_form(state: &AppState, user: &WebUser, body: &[u8]) -> Result<()> {
    let form = checked_form(user, body)?;
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
    super::insert_rule(&mut tx, &rule, node.map(|n| n.id), state.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(())
}
