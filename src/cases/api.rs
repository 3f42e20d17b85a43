//! The JSON API for the whole case lifecycle under `/api/v1/cases`, and the
//! indicators under `/api/v1/indicators`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::draft::Draft;
use super::service::{self, ActionInput};
use super::store;
use super::view::{CaseView, EventView};
use super::workflow::{self, Action, Status};
use super::{Case, policy};
use crate::auth::Actor;
use crate::auth::Role;
use crate::db::{Value, query_dyn};
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post("/api/v1/cases", create),
        Endpoint::get("/api/v1/cases", list),
        Endpoint::get("/api/v1/cases/{id}", show),
        Endpoint::get("/api/v1/cases/{id}/events", events),
        Endpoint::get("/api/v1/cases/{id}/reporters", reporters),
        Endpoint::post("/api/v1/cases/{id}/actions/{action}", act),
        Endpoint::get("/api/v1/indicators", super::indicators::route),
    ]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReport {
    category: String,
    description: String,
    building: Option<String>,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    unit: Option<i64>,
    room: Option<String>,
    floor: Option<i64>,
    #[serde(default)]
    urgent: bool,
    reporter: Option<ReporterInput>,
    #[serde(default)]
    attachments: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReporterInput {
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    actor: Actor,
    headers: axum::http::HeaderMap,
    raw: crate::web::json::JsonBytes,
) -> Result<(StatusCode, Json<CaseView>)> {
    let r: NewReport = crate::web::json::parse(&raw.0)?;
    let idem = match headers.get("idempotency-key") {
        Some(v) => {
            let key = v.to_str().map_err(|_| Error::invalid("Idempotency-Key", "只能包含可见的 ASCII 字符"))?;
            Some(super::idempotency::Idempotency::new(actor_scope(&actor), key, &raw.0)?)
        }
        None => None,
    };
    if matches!(actor, Actor::Anonymous) {
        state.limit_anonymous(ip, r.building.as_deref())?;
    }
    let reporter = r.reporter.unwrap_or(ReporterInput { name: None, phone: None, email: None });
    let draft = Draft {
        category: Some(r.category),
        description: r.description,
        building: r.building,
        address: r.address,
        lat: r.lat,
        lng: r.lng,
        unit: r.unit,
        room: r.room,
        floor: r.floor,
        urgent: r.urgent,
        name: reporter.name,
        phone: reporter.phone,
        email: reporter.email,
        attachments: r.attachments,
        source: None,
        hold: false,
    };
    let (case, _) = service::report_once(&state, &actor, draft.parse(&actor)?, idem.as_ref()).await?;
    let mut view = view_for(&state, &actor, &case).await?;
    view.token = Some(case.token.clone());
    Ok((StatusCode::CREATED, Json(view)))
}

/// Whose idempotency keys a request's are.
fn actor_scope(actor: &Actor) -> String {
    match actor {
        Actor::Person(p) => format!("person:{}", p.person_id),
        Actor::ApiClient { id, .. } => format!("client:{id}"),
        _ => "anonymous".to_string(),
    }
}

/// The case as `actor` sees it, with what they may do next.
pub async fn view_for(state: &AppState, actor: &Actor, case: &Case) -> Result<CaseView> {
    let facts = service::facts(&state.db, case).await?;
    Ok(view_with(case, state.clock.now_ms(), actor, &facts))
}

/// Views of a list of cases, with two queries whatever its length.
pub async fn views_for(state: &AppState, actor: &Actor, cases: &[Case]) -> Result<Vec<CaseView>> {
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let mut reporters = store::reporter_ids_of(&state.db, &ids).await?;
    let now = state.clock.now_ms();
    Ok(cases
        .iter()
        .map(|case| {
            let facts = service::facts_with(case, reporters.remove(&case.id).unwrap_or_default());
            view_with(case, now, actor, &facts)
        })
        .collect())
}

fn view_with(case: &Case, now: i64, actor: &Actor, facts: &policy::CaseFacts) -> CaseView {
    let allowed = workflow::allowed_from(case.status).into_iter().filter(|a| policy::may(actor, *a, facts)).collect();
    CaseView::new(case, now, allowed)
}

/// The actor, or the holder of the case's follow token (`?token=`).
fn with_token(actor: Actor, case: &Case, params: &Params) -> Result<Actor> {
    match (actor, params.optional("token")?) {
        (Actor::Anonymous, Some(token)) if token == case.token => Ok(Actor::CaseReporter { case_id: case.id }),
        (Actor::Anonymous, Some(_)) => Err(Error::not_found("case", case.id.to_string())),
        (actor, _) => Ok(actor),
    }
}

async fn load_visible(state: &AppState, actor: Actor, id: i64, params: &Params) -> Result<(Actor, Case)> {
    let case = store::case_by_id(&state.db, id).await?;
    let actor = with_token(actor, &case, params)?;
    let facts = service::facts(&state.db, &case).await?;
    if !policy::can_view(&actor, &facts) {
        return Err(match actor {
            Actor::Anonymous => Error::Unauthenticated("请先登录，或提供工单的查询令牌（token）".into()),
            _ => Error::not_found("case", id.to_string()),
        });
    }
    Ok((actor, case))
}

async fn show(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<CaseView>> {
    let (actor, case) = load_visible(&state, actor, id, &params).await?;
    let mut view = view_for(&state, &actor, &case).await?;
    let events = store::events_of(&state.db, id).await?;
    view.events = Some(events.iter().map(EventView::from).collect());
    view.photos = Some(crate::attachments::of_case(&state.db, id).await?);
    Ok(Json(view))
}

async fn events(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Json<Vec<EventView>>> {
    load_visible(&state, actor, id, &params).await?;
    let events = store::events_of(&state.db, id).await?;
    Ok(Json(events.iter().map(EventView::from).collect()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    note: Option<String>,
    rating: Option<i64>,
    merge_into: Option<i64>,
    assign_to: Option<i64>,
    #[serde(default)]
    attachments: Vec<String>,
    category: Option<String>,
}

async fn act(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(i64, String)>,
    params: Params,
    body: axum::body::Bytes,
) -> Result<Json<CaseView>> {
    let action = Action::from_code(&action)
        .filter(|a| a.is_requestable())
        .ok_or_else(|| Error::not_found("action", action.clone()))?;
    let (actor, _) = load_visible(&state, actor, id, &params).await?;
    // A body is optional: `accept` needs none.
    let b: ActionBody =
        if body.iter().all(u8::is_ascii_whitespace) { ActionBody::default() } else { crate::web::json::parse(&body)? };
    let input = ActionInput {
        note: b.note,
        rating: b.rating,
        merge_into: b.merge_into,
        assign_to: b.assign_to,
        attachments: b.attachments,
        category: b.category,
    };
    let case = service::act(&state, &actor, id, action, input).await?;
    Ok(Json(view_for(&state, &actor, &case).await?))
}

/// Cases the caller may see, newest first, filtered.
async fn list(State(state): State<AppState>, actor: Actor, params: Params) -> Result<Json<Vec<CaseView>>> {
    let person = actor.require_person()?;
    let status = match params.optional("status")? {
        Some("open") => Some(StatusFilter::Open),
        Some(s) => Some(StatusFilter::Is(
            Status::from_code(s).ok_or_else(|| Error::invalid("status", format!("未知的状态 `{s}`")))?,
        )),
        None => None,
    };
    let category = params.optional("category")?.map(str::to_string);
    if let Some(c) = &category
        && crate::taxonomy::category(c).is_none()
    {
        return Err(Error::invalid("category", format!("未知的问题类别 `{c}`")));
    }
    let node_path = match params.text("node", 40)? {
        Some(code) => Some(
            crate::org::store::node_by_code(&state.db, code)
                .await
                .map_err(|_| Error::invalid("node", format!("没有编号为 `{code}` 的组织节点")))?
                .path,
        ),
        None => None,
    };
    let overdue = match params.optional("overdue")? {
        Some("true") => true,
        Some("false") | None => false,
        Some(_) => return Err(Error::invalid("overdue", "应为 true 或 false")),
    };
    let filter = CaseFilter {
        status,
        category,
        building: params.text("building", 40)?.map(str::to_string),
        node_path,
        overdue,
        limit: params.integer("limit", 1, 200)?.unwrap_or(50),
        offset: params.integer("offset", 0, 1_000_000)?.unwrap_or(0),
    };
    let cases = visible_cases(&state, person, &filter).await?;
    Ok(Json(views_for(&state, &actor, &cases).await?))
}

/// Narrowing of a case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<StatusFilter>,
    pub category: Option<String>,
    pub building: Option<String>,
    pub node_path: Option<String>,
    pub overdue: bool,
    pub limit: i64,
    pub offset: i64,
}

/// `status=` of a case list: one status, or `open` for all still worked on.
#[derive(Debug, Clone, Copy)]
pub enum StatusFilter {
    Is(Status),
    Open,
}

/// The cases a person's grants cover and those they reported, newest first.
/// Two index-friendly queries merged here: one `OR` across both would make
/// every list a scan of the whole table.
pub async fn visible_cases(state: &AppState, person: &crate::auth::PersonActor, f: &CaseFilter) -> Result<Vec<Case>> {
    let window = f.offset + f.limit.max(1);
    let reported = format!("c.id IN (SELECT case_id FROM case_reporters WHERE person_id = {})", person.person_id);
    let mut cases = match scope_of(person) {
        Some((scope, scope_args)) => {
            let mut cases = filtered(state, &scope, scope_args, f, window).await?;
            cases.extend(filtered(state, &reported, Vec::new(), f, window).await?);
            cases.sort_by_key(|c| std::cmp::Reverse(c.id));
            cases.dedup_by_key(|c| c.id);
            cases
        }
        None => filtered(state, &reported, Vec::new(), f, window).await?,
    };
    Ok(cases.drain(..).skip(f.offset as usize).take(f.limit.max(1) as usize).collect())
}

/// What a person's grants cover, as SQL over `c` with its arguments.
fn scope_of(person: &crate::auth::PersonActor) -> Option<(String, Vec<Value>)> {
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        args.push(v);
        format!("${}", args.len())
    };
    let mut scope: Vec<String> = Vec::new();
    for g in &person.grants {
        match (g.role, &g.node_path, g.organisation_id) {
            (Role::PropertyStaff, _, Some(org)) => {
                let p = arg(org.into());
                scope.push(format!("c.property_company_id = {p} OR c.assignee_org_id = {p}"));
            }
            (Role::DepartmentOfficer, _, Some(org)) => scope.push(format!("c.assignee_org_id = {}", arg(org.into()))),
            (role, Some(path), _) if Role::AREA_STAFF.contains(&role) => {
                let (low, high) = crate::org::subtree_bounds(path);
                scope.push(format!("(c.node_path >= {} AND c.node_path < {})", arg(low.into()), arg(high.into())));
            }
            _ => {}
        }
    }
    (!scope.is_empty()).then(|| (scope.join(" OR "), args))
}

/// Up to `window` newest cases matching `scope` (numbered from `$1`) and the
/// filter. The ids are chosen first, from indexes where the filter allows
/// (an open-case list reads no table row it does not return), then the rows.
async fn filtered(
    state: &AppState,
    scope: &str,
    mut args: Vec<Value>,
    f: &CaseFilter,
    window: i64,
) -> Result<Vec<Case>> {
    let mut arg = |v: Value| {
        args.push(v);
        format!("${}", args.len())
    };
    let mut ids = String::from("SELECT c.id FROM cases c");
    if f.building.is_some() {
        ids.push_str(" JOIN buildings b ON b.id = c.building_id");
    }
    ids.push_str(&format!(" WHERE ({scope})"));
    match f.status {
        Some(StatusFilter::Is(status)) => ids.push_str(&format!(" AND c.status = {}", arg(status.into()))),
        Some(StatusFilter::Open) => ids.push_str(&format!(" AND c.{}", store::OPEN)),
        None => {}
    }
    if let Some(category) = &f.category {
        ids.push_str(&format!(" AND c.category = {}", arg(category.clone().into())));
    }
    if let Some(code) = &f.building {
        ids.push_str(&format!(" AND b.code = {}", arg(code.clone().into())));
    }
    if let Some(path) = &f.node_path {
        let (low, high) = crate::org::subtree_bounds(path);
        ids.push_str(&format!(" AND c.node_path >= {} AND c.node_path < {}", arg(low.into()), arg(high.into())));
    }
    if f.overdue {
        let now = arg(state.clock.now_ms().into());
        ids.push_str(&format!(" AND {}", super::rules::overdue_sql("c", &now)));
    }
    ids.push_str(&format!(" ORDER BY c.id DESC LIMIT {}", arg(window.into())));
    let sql = format!("{} WHERE c.id IN ({ids}) ORDER BY c.id DESC", store::CASE_SELECT);
    Ok(query_dyn(sql).bind_all(args).fetch_all(&state.db).await?)
}

/// Who reported a case, in full, to call them back: the unit handling it
/// and the grid and community staff of its place. Every read is logged.
async fn reporters(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<Vec<crate::people::privacy::Contact>>> {
    let person = actor.require_person()?;
    let case = store::case_by_id(&state.db, id).await?;
    let facts = service::facts(&state.db, &case).await?;
    if !policy::can_view(&actor, &facts) {
        return Err(Error::not_found("case", id.to_string()));
    }
    let handles = policy::is_assignee(person, &facts) || person.covers(Role::SCREENERS, &facts.node_path);
    if !handles {
        return Err(Error::Forbidden("只有办理该工单的人员能查看报告人的联系方式".into()));
    }
    Ok(Json(crate::people::privacy::reporters_of(&state.db, &actor, id, state.clock.now_ms()).await?))
}
