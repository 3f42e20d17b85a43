//! Community staff's pages: routing rules, people and roles (including
//! ending a role, which revokes the work card at once), and the tree.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Chrome, checked_form, render, require_user};
use crate::db::{query, query_dyn};
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::people::store::{NewPerson, NewRole};
use crate::people::{Role, publicity};
use crate::privacy::Phone;
use crate::routing::{NewRule, RoutingRule};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;
use crate::web::session::WebUser;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/app/admin/routing", routing_page),
        Endpoint::post("/app/admin/routing", add_rule),
        Endpoint::get("/app/admin/people", people_page),
        Endpoint::post("/app/admin/people", add_person),
        Endpoint::post("/app/admin/roles/end", end_role),
        Endpoint::post("/app/admin/people/phone-publicity", set_phone_publicity),
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
    if user.person.grants.iter().any(|g| Role::MANAGERS.contains(&g.role)) {
        Ok(())
    } else {
        Err(Error::Forbidden("只有社区工作人员、指挥中心和系统管理员能管理此项".into()))
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
    forbid_unless_manager(user)?;
    let rules = crate::routing::rules(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.node_path.as_deref().is_none_or(|path| user.person.manages(Some(path))))
        .collect();
    let nodes: Vec<OrgNode> =
        managed_nodes(state, user).await?.into_iter().filter(|n| n.level <= Level::Grid).collect();
    let chrome = Chrome::new(headers, Some(user), "/app/admin/routing");
    let categories = chrome.t.categories();
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
            page_or_error(routing_view(&state, &headers, &user, Some(e.page_message())).await)
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
        pub consent: Option<bool>,
        pub consent_by: Option<String>,
        pub consent_at: Option<i64>,
    }
}

impl PersonRole {
    pub fn masked_phone(&self) -> String {
        self.phone.as_deref().map(crate::privacy::mask_phone).unwrap_or_default()
    }

    /// Whether the row matches every word of a search (name, role, title,
    /// its node and the grid above it; case-insensitive), `area` being the
    /// row's place as [`area_of`] names it. Phones are not searched: the
    /// page shows them masked, and a search must not reveal more.
    pub fn matches(&self, area: &str, terms: &[String]) -> bool {
        let haystack = [
            self.name.as_str(),
            self.role.name_zh(),
            self.role.name_en(),
            self.role.code(),
            self.title.as_deref().unwrap_or(""),
            self.node_name.as_str(),
            area,
        ]
        .join(" ")
        .to_lowercase();
        terms.iter().all(|t| haystack.contains(t.as_str()))
    }
}

/// Where a role sits, as staff say it: the nodes below the community down
/// to its own (`第六网格 · 98栋微网格`), or its own node's name.
fn area_of(node_path: &str, node_name: &str, names: &std::collections::HashMap<i64, (Level, String)>) -> String {
    let below: Vec<&str> = crate::org::path_ids(node_path)
        .iter()
        .filter_map(|id| names.get(id))
        .filter(|(level, _)| *level > Level::Community)
        .map(|(_, name)| name.as_str())
        .collect();
    if below.is_empty() { node_name.to_string() } else { below.join(" · ") }
}

/// A role as the people page shows it: its title (staff's own words) in
/// Chinese, or the role's name; in English the role's name, then the
/// title when it says more than the role's Chinese name.
fn role_label(t: &crate::app::i18n::Texts, role: Role, title: Option<&str>) -> String {
    match title {
        Some(title) if !t.is_en() => title.to_string(),
        Some(title) if title != role.name_zh() => format!("{} · {title}", role.name_en()),
        _ => t.role(&role).to_string(),
    }
}

/// The words of a people search, lower-cased.
pub fn search_terms(q: &str) -> Vec<String> {
    q.split_whitespace().map(str::to_lowercase).collect()
}

/// Longest search the people page takes.
const MAX_SEARCH_CHARS: usize = 40;

/// One row of the people page, ready to print.
struct PeopleRow {
    assignment_id: i64,
    person_id: i64,
    name: String,
    role: String,
    /// `第六网格 · 98栋微网格`.
    area: String,
    phone: String,
    active: bool,
    /// For an active role whose phone may be published: whether it is, and
    /// who said so when. `None`: this role never shows the phone.
    publicity: Option<(bool, String)>,
}

#[derive(Template)]
#[template(path = "app/people.html")]
struct PeoplePage {
    chrome: Chrome,
    q: String,
    rows: Vec<PeopleRow>,
    /// Rows in the viewer's area before the search.
    total: usize,
    nodes: Vec<OrgNode>,
    role_choices: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    /// Whether the new-person form opens (after a mistake in it).
    adding: bool,
}

async fn people_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    q: &str,
    message: Option<String>,
) -> Result<PeoplePage> {
    forbid_unless_manager(user)?;
    let all: Vec<PersonRole> = query_dyn(format!(
        "SELECT r.id AS assignment_id, p.id AS person_id, p.name, p.phone, r.role, r.title, n.name AS node_name,
                n.path AS node_path, r.active,
                pp.published AS consent, pp.recorded_by_label AS consent_by, pp.recorded_at AS consent_at
         FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
         {}
         WHERE p.erased_at IS NULL ORDER BY n.path, r.role, p.id LIMIT 2000",
        publicity::JOIN_LATEST
    ))
    .fetch_all(&state.db)
    .await?;
    let mine: Vec<PersonRole> = all.into_iter().filter(|r| user.person.manages(Some(&r.node_path))).collect();
    let total = mine.len();
    let chrome = Chrome::new(headers, Some(user), "/app/admin/people");
    let t = chrome.t;
    let (terms, message) = if q.chars().count() > MAX_SEARCH_CHARS {
        let message = if t.is_en() {
            format!("The search (q) is too long: {MAX_SEARCH_CHARS} characters at most")
        } else {
            format!("搜索词（q）太长：最多 {MAX_SEARCH_CHARS} 个字")
        };
        (Vec::new(), Some(message))
    } else {
        (search_terms(q), message)
    };
    let now = state.clock.now_ms();
    let nodes = managed_nodes(state, user).await?;
    let names = nodes.iter().map(|n| (n.id, (n.level, n.name.clone()))).collect();
    let rows = mine
        .into_iter()
        .map(|r| (area_of(&r.node_path, &r.node_name, &names), r))
        .filter(|(area, r)| r.matches(area, &terms))
        .map(|(area, r)| {
            let publicity = (r.active && publicity::may_publish(r.role)).then(|| {
                let line = match (r.consent, &r.consent_by, r.consent_at, t.is_en()) {
                    (Some(published), Some(by), Some(at), false) => publicity::provenance_of(published, by, at, now),
                    (Some(published), Some(by), Some(at), true) => publicity::provenance_of_en(published, by, at, now),
                    (_, _, _, false) => publicity::provenance(None, now),
                    (_, _, _, true) => publicity::provenance_en(None, now),
                };
                (r.consent == Some(true), line)
            });
            PeopleRow {
                assignment_id: r.assignment_id,
                person_id: r.person_id,
                phone: r.masked_phone(),
                role: role_label(t, r.role, r.title.as_deref()),
                name: r.name,
                area,
                active: r.active,
                publicity,
            }
        })
        .collect();
    let role_choices = [Role::MicroGridMember, Role::GridHead, Role::PartyMember, Role::CommunityStaff, Role::Resident]
        .iter()
        .map(|r| (r.code(), t.role(r)))
        .collect();
    Ok(PeoplePage { chrome, q: q.to_string(), rows, total, nodes, role_choices, message, adding: false })
}

async fn people_page(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/people").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let q = match params.optional("q") {
        Ok(q) => q.unwrap_or("").to_string(),
        Err(e) => return crate::directory::routes::error_page(&e),
    };
    let page = people_view(&state, &headers, &user, &q, None).await;
    let too_long = page.as_ref().is_ok_and(|p| p.message.is_some());
    let mut response = page_or_error(page);
    if too_long {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    response
}

/// Where the people page returns to after a form, keeping the search.
fn people_url(q: Option<&str>) -> String {
    match q {
        Some(q) if !q.is_empty() => {
            let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            format!("/app/admin/people?q={q}")
        }
        _ => "/app/admin/people".to_string(),
    }
}

/// Publishes or withdraws a grid worker's work phone (a toggle per row).
/// The change is recorded as the signed-in staff member's.
async fn set_phone_publicity(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match require_user(&state, &headers, "/app/admin/people").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let form = match checked_form(&user, &body) {
        Ok(f) => f,
        Err(e) => return crate::directory::routes::error_page(&e),
    };
    let q = form.optional("q").ok().flatten().unwrap_or("").to_string();
    let result = async {
        forbid_unless_manager(&user)?;
        let person = form
            .integer("person", 1, i64::MAX)
            .ok()
            .flatten()
            .ok_or_else(|| Error::invalid("person", "缺少或不是有效的人员编号"))?;
        let published = match form.optional("published").ok().flatten() {
            Some("1" | "true") => true,
            Some("0" | "false") => false,
            _ => return Err(Error::invalid("published", "应为 1（公开）或 0（撤回）")),
        };
        let subject = publicity::subject(&state.db, person).await?;
        if !subject.may_be_set_by(&user.person) {
            return Err(Error::Forbidden("只能在您负责的区域内操作".into()));
        }
        if let Err(refusal) = publicity::check_change(&subject.role_list(), published) {
            let t = super::i18n::Lang::from_headers(&headers).texts();
            return Err(Error::invalid("published", t.tr(refusal.zh(), refusal.en())));
        }
        let by = publicity::Recorder::person(&user.person);
        publicity::set(&state.db, &subject, published, &by, Some(publicity::NOTE_PEOPLE_PAGE), state.clock.now_ms())
            .await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to(&people_url(Some(&q))).into_response(),
        Err(e @ Error::Invalid { .. }) => {
            let message = Some(e.page_message());
            let mut response = page_or_error(people_view(&state, &headers, &user, &q, message).await);
            *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            response
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
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
            return Err(Error::Forbidden("只能在您负责的区域内操作".into()));
        }
        let role = Role::from_code(form.required("role")?).ok_or_else(|| Error::invalid("role", "未知的职务"))?;
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
        let mut new_role = NewRole::at_node(person, role, node.id)
            .duties(form.optional("duties")?.unwrap_or(""))
            .assigned_by(publicity::Recorder::person(&user.person));
        new_role.title = form.optional("title")?.map(str::to_string);
        crate::people::store::assign_role(&mut tx, &new_role).await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to("/app/admin/people").into_response(),
        Err(e @ Error::Invalid { .. }) => page_or_error(
            people_view(&state, &headers, &user, "", Some(e.page_message()))
                .await
                .map(|p| PeoplePage { adding: true, ..p }),
        ),
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
        let id = form.integer("assignment", 1, i64::MAX)?.ok_or_else(|| Error::invalid("assignment", "必须填写"))?;
        let (path,): (String,) =
            query("SELECT n.path FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id WHERE r.id = $1")
                .bind(id)
                .fetch_optional(&state.db)
                .await?
                .ok_or_else(|| Error::not_found("role", id.to_string()))?;
        if !user.person.manages(Some(&path)) {
            return Err(Error::Forbidden("只能在您负责的区域内操作".into()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, role: Role, title: Option<&str>, node: &str) -> PersonRole {
        PersonRole {
            assignment_id: 1,
            person_id: 1,
            name: name.into(),
            phone: Some("13812341234".into()),
            role,
            title: title.map(str::to_string),
            node_name: node.into(),
            node_path: "/1/".into(),
            active: true,
            consent: None,
            consent_by: None,
            consent_at: None,
        }
    }

    #[test]
    fn people_search_by_name_role_and_node() {
        let member = row("韩志美", Role::MicroGridMember, Some("微网格员"), "31栋微网格");
        let head = row("王一心", Role::GridHead, None, "第三网格");
        let find = |q: &str| {
            let terms = search_terms(q);
            [(&member, "第三网格 · 31栋微网格"), (&head, "第三网格")]
                .iter()
                .filter(|(r, area)| r.matches(area, &terms))
                .map(|(r, _)| r.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(find(""), ["韩志美", "王一心"]);
        assert_eq!(find("韩"), ["韩志美"]);
        assert_eq!(find("网格长"), ["王一心"]);
        assert_eq!(find("GRID_HEAD"), ["王一心"]);
        assert_eq!(find("31栋"), ["韩志美"]);
        // Every word must match.
        assert_eq!(find("微网格员 31栋"), ["韩志美"]);
        // The grid above a micro-grid counts.
        assert_eq!(find("微网格员 第三网格"), ["韩志美"]);
        assert!(find("微网格员 第四网格").is_empty());
        // Phones are not searchable.
        assert!(find("13812341234").is_empty());
    }

    #[test]
    fn areas_as_staff_say_them() {
        let names = [
            (1, (Level::Community, "越江社区".to_string())),
            (2, (Level::Grid, "第六网格".to_string())),
            (3, (Level::MicroGrid, "98栋微网格".to_string())),
        ]
        .into_iter()
        .collect();
        assert_eq!(area_of("/1/2/3/", "98栋微网格", &names), "第六网格 · 98栋微网格");
        assert_eq!(area_of("/1/", "越江社区", &names), "越江社区");
        // Nodes outside the viewer's area are left out.
        assert_eq!(area_of("/9/", "园林社区", &names), "园林社区");
    }

    #[test]
    fn the_search_survives_the_round_trip() {
        assert_eq!(people_url(None), "/app/admin/people");
        assert_eq!(people_url(Some("")), "/app/admin/people");
        assert_eq!(people_url(Some("第六网格 a&b")), "/app/admin/people?q=%E7%AC%AC%E5%85%AD%E7%BD%91%E6%A0%BC+a%26b");
    }
}
