//! People's pages: community staff's list of people and roles (search,
//! add, end a role — which revokes the work card at once — and whether a
//! grid worker's phone is published), and each person's own account.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::publicity;
use super::store::{self, NewPerson, NewRole, PersonRole};
use crate::auth::Role;
use crate::auth::frame::{Chrome, checked_form, require_manager, signed_in};
use crate::auth::session::WebUser;
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::privacy::Phone;
use crate::ui::{PageError, render, render_with_status};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

const ACCOUNT_PATH: &str = "/account";
const PEOPLE_PATH: &str = "/app/admin/people";

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(ACCOUNT_PATH, account_page),
        Endpoint::post("/account/phone-publicity", set_own_publicity),
        Endpoint::get(PEOPLE_PATH, people_page),
        Endpoint::post(PEOPLE_PATH, add_person),
        Endpoint::post("/app/admin/roles/end", end_role),
        Endpoint::post("/app/admin/people/phone-publicity", set_phone_publicity),
    ]
}

/// One line of a person's publicity history, ready to print.
struct HistoryLine {
    when: String,
    by: String,
    published: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "people/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    /// The phone on record, masked (the owner knows it).
    phone: String,
    eligible: bool,
    published: bool,
    /// Where a published phone shows, for the roles this person holds.
    shown_on: &'static str,
    provenance: String,
    /// Newest first.
    history: Vec<HistoryLine>,
    message: Option<String>,
}

async fn account_view(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    message: Option<String>,
) -> Result<AccountPage> {
    let me = user.person.person_id;
    let subject = publicity::subject(&state.db, me).await?;
    let phone = store::phone_of(&state.db, me).await?;
    let history = publicity::history(&state.db, me).await?;
    let now = state.clock.now_ms();
    let latest = publicity::current(&history);
    let chrome = Chrome::new(headers, Some(user), ACCOUNT_PATH);
    let t = chrome.t;
    Ok(AccountPage {
        name: subject.name.clone(),
        phone: phone.as_deref().map(crate::privacy::mask_phone).unwrap_or_default(),
        eligible: subject.eligible(),
        shown_on: if subject.roles.iter().any(|(r, _)| publicity::on_by_default(*r)) {
            t.tr("公示栏、楼栋页面和工作证核验页", "the notice board, the building pages and the work-card check page")
        } else {
            t.tr("工作证核验页", "the work-card check page")
        },
        published: subject.eligible() && latest.is_some_and(|e| e.published),
        provenance: if t.is_en() { publicity::provenance_en(latest, now) } else { publicity::provenance(latest, now) },
        history: history
            .iter()
            .rev()
            .map(|e| HistoryLine {
                when: t.when_ms(e.recorded_at, now),
                by: if t.is_en() {
                    publicity::label_en(&e.recorded_by_label).to_string()
                } else {
                    e.recorded_by_label.clone()
                },
                published: e.published,
                note: match &e.note {
                    Some(n) if t.is_en() => publicity::note_en(n),
                    n => n.clone().unwrap_or_default(),
                },
            })
            .collect(),
        message,
        chrome,
    })
}

/// The signed-in person's account: whether their work phone is published,
/// with the record of who set it when, and a link to change the password.
async fn account_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, ACCOUNT_PATH).await?;
    Ok(render(account_view(&state, &headers, &user, None).await?))
}

/// A person publishes or withdraws their own work phone.
async fn set_own_publicity(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, ACCOUNT_PATH).await?;
    let Some(mistake) = form_mistake(publish_own_phone(&state, &headers, &user, &body).await)? else {
        return Ok(Redirect::to(ACCOUNT_PATH).into_response());
    };
    let page = account_view(&state, &headers, &user, Some(mistake)).await?;
    Ok(render_with_status(page, StatusCode::BAD_REQUEST))
}

async fn publish_own_phone(state: &AppState, headers: &HeaderMap, user: &WebUser, body: &[u8]) -> Result<()> {
    let form = checked_form(user, body)?;
    let published = published_field(&form)?;
    let subject = publicity::subject(&state.db, user.person.person_id).await?;
    check_publicity_change(headers, &subject, published)?;
    let by = publicity::Recorder::person(&user.person);
    publicity::set(&state.db, &subject, published, &by, Some(publicity::NOTE_OWN_ACCOUNT), state.clock.now_ms())
        .await?;
    Ok(())
}

/// A form's `published` field: `1` publishes the phone, `0` withdraws it.
fn published_field(form: &Params) -> Result<bool> {
    match form.optional("published").ok().flatten() {
        Some("1" | "true") => Ok(true),
        Some("0" | "false") => Ok(false),
        _ => Err(Error::invalid("published", "应为 1（公开）或 0（撤回）")),
    }
}

/// Refuses a change of publicity the person's roles do not allow, in the
/// page's language.
fn check_publicity_change(headers: &HeaderMap, subject: &publicity::Subject, published: bool) -> Result<()> {
    publicity::check_change(&subject.role_list(), published).map_err(|refusal| {
        let t = crate::ui::i18n::Lang::from_headers(headers).texts();
        Error::invalid("published", t.tr(refusal.zh(), refusal.en()))
    })
}

/// A form's outcome for its page: `None` when it was taken, the reason
/// when the person made a mistake in it (the page shows the form again
/// with it), or the error page for anything else.
fn form_mistake(outcome: Result<()>) -> Result<Option<String>, PageError> {
    match outcome {
        Ok(()) => Ok(None),
        Err(e @ Error::Invalid { .. }) => Ok(Some(e.page_message())),
        Err(e) => Err(e.into()),
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
fn role_label(t: &crate::ui::i18n::Texts, role: Role, title: Option<&str>) -> String {
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
#[template(path = "people/people.html")]
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
    require_manager(user)?;
    let all = store::roles_at_nodes(&state.db).await?;
    let mine: Vec<PersonRole> = all.into_iter().filter(|r| user.person.manages(Some(&r.node_path))).collect();
    let total = mine.len();
    let chrome = Chrome::new(headers, Some(user), PEOPLE_PATH);
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
    let nodes = crate::org::store::managed_by(&state.db, &user.person).await?;
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

async fn people_page(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PEOPLE_PATH).await?;
    let q = params.optional("q")?.unwrap_or("").to_string();
    let page = people_view(&state, &headers, &user, &q, None).await?;
    // The only message on a plain visit: the search was too long.
    Ok(if page.message.is_some() { render_with_status(page, StatusCode::BAD_REQUEST) } else { render(page) })
}

/// Where the people page returns to after a form, keeping the search.
fn people_url(q: Option<&str>) -> String {
    match q {
        Some(q) if !q.is_empty() => {
            let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            format!("{PEOPLE_PATH}?q={q}")
        }
        _ => PEOPLE_PATH.to_string(),
    }
}

/// Publishes or withdraws a grid worker's work phone (a toggle per row).
/// The change is recorded as the signed-in staff member's.
async fn set_phone_publicity(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PEOPLE_PATH).await?;
    let form = checked_form(&user, &body)?;
    let q = form.optional("q").ok().flatten().unwrap_or("").to_string();
    let Some(mistake) = form_mistake(publish_workers_phone(&state, &headers, &user, &form).await)? else {
        return Ok(Redirect::to(&people_url(Some(&q))).into_response());
    };
    let page = people_view(&state, &headers, &user, &q, Some(mistake)).await?;
    Ok(render_with_status(page, StatusCode::BAD_REQUEST))
}

async fn publish_workers_phone(state: &AppState, headers: &HeaderMap, user: &WebUser, form: &Params) -> Result<()> {
    require_manager(user)?;
    let person = form
        .integer("person", 1, i64::MAX)
        .ok()
        .flatten()
        .ok_or_else(|| Error::invalid("person", "缺少或不是有效的人员编号"))?;
    let published = published_field(form)?;
    let subject = publicity::subject(&state.db, person).await?;
    if !subject.may_be_set_by(&user.person) {
        return Err(Error::Forbidden("只能在您负责的区域内操作".into()));
    }
    check_publicity_change(headers, &subject, published)?;
    let by = publicity::Recorder::person(&user.person);
    publicity::set(&state.db, &subject, published, &by, Some(publicity::NOTE_PEOPLE_PAGE), state.clock.now_ms())
        .await?;
    Ok(())
}

async fn add_person(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PEOPLE_PATH).await?;
    let Some(mistake) = form_mistake(add_person_with_role(&state, &user, &body).await)? else {
        return Ok(Redirect::to(PEOPLE_PATH).into_response());
    };
    let page = people_view(&state, &headers, &user, "", Some(mistake)).await?;
    Ok(render(PeoplePage { adding: true, ..page }))
}

/// Stores the person the form names with the role it gives them, at a node
/// the staff member manages.
async fn add_person_with_role(state: &AppState, user: &WebUser, body: &[u8]) -> Result<()> {
    let form = checked_form(user, body)?;
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
    let person = store::insert_person(
        &mut tx,
        &NewPerson { name: form.required("name")?.to_string(), phone, ..Default::default() },
    )
    .await?;
    let mut new_role = NewRole::at_node(person, role, node.id)
        .duties(form.optional("duties")?.unwrap_or(""))
        .assigned_by(publicity::Recorder::person(&user.person));
    new_role.title = form.optional("title")?.map(str::to_string);
    store::assign_role(&mut tx, &new_role).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a role (离任): from this moment the work card's QR says "invalid".
async fn end_role(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, PEOPLE_PATH).await?;
    let form = checked_form(&user, &body)?;
    let id = form.integer("assignment", 1, i64::MAX)?.ok_or_else(|| Error::invalid("assignment", "必须填写"))?;
    let path = store::role_node_path(&state.db, id).await?.ok_or_else(|| Error::not_found("role", id.to_string()))?;
    if !user.person.manages(Some(&path)) {
        return Err(Error::Forbidden("只能在您负责的区域内操作".into()).into());
    }
    store::end_role(&state.db, id, state.clock.now_ms()).await?;
    Ok(Redirect::to(PEOPLE_PATH).into_response())
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
