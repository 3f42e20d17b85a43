//! Community staff's pages: routing rules, people and roles (including
//! ending a role, which revokes the work card at once), and the tree.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Chrome, checked_form, render, require_user};
use crate::db::query;
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::people::Role;
use crate::people::store::{NewPerson, NewRole};
use crate::privacy::Phone;
use crate::routing::{NewRule, RoutingRule};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::session::WebUser;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/app/admin/routing", routing_page),
        Endpoint::post("/app/admin/routing", add_rule),
        Endpoint::get("/app/admin/people", people_page),
        Endpoint::post("/app/admin/people", add_person),
        Endpoint::post("/app/admin/roles/end", end_role),
        Endpoint::get("/app/admin/tree", tree_page),
    ]
}

/// The nodes a manager manages: their grants' subtrees.
async fn managed_nodes(state: &AppState, user: &WebUser) -> Result<Vec<OrgNode>> {
    let all: Vec<OrgNode> = query(
        "SELECT id, code, parent_id, level, name, path, lat, lng, boundary, office_phone, office_address FROM org_nodes ORDER BY path",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(all.into_iter().filter(|n| user.person.manages(Some(&n.path))).collect())
}

fn forbid_unless_manager(user: &WebUser) -> Result<()> {
    if user.person.grants.iter().any(|g| matches!(g.role, Role::Admin | Role::CommunityStaff | Role::CommandCentre)) {
        Ok(())
    } else {
        Err(Error::Forbidden("only community staff, the command centre and administrators manage this".into()))
    }
}

#[derive(Template)]
#[template(path = "app/routing.html")]
struct RoutingPage {
    chrome: Chrome,
    rules: Vec<RoutingRule>,
    nodes: Vec<OrgNode>,
    categories: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

async fn routing_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    message: Option<String>,
) -> Result<RoutingPage> {
    forbid_unless_manager(user)?;
    let rules = crate::routing::rules(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.node_path.as_deref().is_none_or(|path| user.person.manages(Some(path))))
        .collect();
    let nodes: Vec<OrgNode> =
        managed_nodes(state, user).await?.into_iter().filter(|n| n.level <= Level::Grid).collect();
    let chrome = Chrome::new(headers, Some(user), "/app/admin/routing");
    let categories = crate::taxonomy::CATEGORIES.iter().map(|c| (c.code, c.name_zh)).collect();
    Ok(RoutingPage { chrome, rules, nodes, categories, message })
}

async fn routing_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/routing").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    page_or_error(routing_view(&state, &headers, &user, None).await)
}

fn page_or_error<T: Template>(page: Result<T>) -> Response {
    match page {
        Ok(p) => render(p),
        Err(e) => crate::directory::routes::error_page(&e),
    }
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
            return Err(Error::Forbidden("outside your area".into()));
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
            page_or_error(routing_view(&state, &headers, &user, Some(e.to_string())).await)
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

crate::db_row! {
    pub struct PersonRole {
        pub assignment_id: i64,
        pub person_id: i64,
        pub name: String,
        pub phone: Option<String>,
        pub role: Role,
        pub title: Option<String>,
        pub node_name: String,
        pub node_path: String,
        pub active: bool,
    }
}

impl PersonRole {
    pub fn masked_phone(&self) -> String {
        self.phone.as_deref().map(crate::privacy::mask_phone).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "app/people.html")]
struct PeoplePage {
    chrome: Chrome,
    roles: Vec<PersonRole>,
    nodes: Vec<OrgNode>,
    role_choices: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

async fn people_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    message: Option<String>,
) -> Result<PeoplePage> {
    forbid_unless_manager(user)?;
    let all: Vec<PersonRole> = query(
        "SELECT r.id AS assignment_id, p.id AS person_id, p.name, p.phone, r.role, r.title, n.name AS node_name,
                n.path AS node_path, r.active
         FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
         WHERE p.erased_at IS NULL ORDER BY n.path, r.role, p.id LIMIT 2000",
    )
    .fetch_all(&state.db)
    .await?;
    let roles = all.into_iter().filter(|r| user.person.manages(Some(&r.node_path))).collect();
    let nodes = managed_nodes(state, user).await?;
    let role_choices = [Role::MicroGridMember, Role::GridHead, Role::PartyMember, Role::CommunityStaff, Role::Resident]
        .iter()
        .map(|r| (r.code(), r.name_zh()))
        .collect();
    Ok(PeoplePage {
        chrome: Chrome::new(headers, Some(user), "/app/admin/people"),
        roles,
        nodes,
        role_choices,
        message,
    })
}

async fn people_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/people").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    page_or_error(people_view(&state, &headers, &user, None).await)
}

async fn add_person(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/people").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = async {
        let form = checked_form(&user, &body)?;
        let node = crate::org::store::node_by_code(&state.db, form.required("node")?).await?;
        if !user.person.manages(Some(&node.path)) {
            return Err(Error::Forbidden("outside your area".into()));
        }
        let role = Role::from_code(form.required("role")?).ok_or_else(|| Error::invalid("role", "unknown role"))?;
        let phone = form
            .optional("phone")?
            .map(|p| Phone::parse(p).map_err(|e| Error::invalid("phone", e.to_string())))
            .transpose()?;
        let mut tx = state.db.begin().await?;
        let person = crate::people::store::insert_person(
            &mut tx,
            &NewPerson { name: form.required("name")?.to_string(), phone, ..Default::default() },
        )
        .await?;
        let mut new_role = NewRole::at_node(person, role, node.id).duties(form.optional("duties")?.unwrap_or(""));
        new_role.title = form.optional("title")?.map(str::to_string);
        crate::people::store::assign_role(&mut tx, &new_role).await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to("/app/admin/people").into_response(),
        Err(e @ Error::Invalid { .. }) => {
            page_or_error(people_view(&state, &headers, &user, Some(e.to_string())).await)
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

/// Ends a role (离任): from this moment the work card's QR says "invalid".
async fn end_role(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/people").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = async {
        let form = checked_form(&user, &body)?;
        let id = form.integer("assignment", 1, i64::MAX)?.ok_or_else(|| Error::invalid("assignment", "is required"))?;
        let (path,): (String,) =
            query("SELECT n.path FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id WHERE r.id = $1")
                .bind(id)
                .fetch_optional(&state.db)
                .await?
                .ok_or_else(|| Error::not_found("role", id.to_string()))?;
        if !user.person.manages(Some(&path)) {
            return Err(Error::Forbidden("outside your area".into()));
        }
        query("UPDATE role_assignments SET active = FALSE, ended_at = $1 WHERE id = $2")
            .bind(state.clock.now_ms())
            .bind(id)
            .execute(&state.db)
            .await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to("/app/admin/people").into_response(),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "app/tree.html")]
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
        forbid_unless_manager(&user)?;
        let nodes = managed_nodes(&state, &user).await?;
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
    page_or_error(page.await)
}
