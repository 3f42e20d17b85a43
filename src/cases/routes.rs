//! The JSON API for the whole case lifecycle under `/api/v1/cases`, and the
//! indicators under `/api/v1/indicators`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::service::{self, ActionInput, Location, ReportInput};
use super::store::{self, Reporter};
use super::view::{CaseView, EventView};
use super::workflow::{self, Action, Status};
use super::{Case, Source, policy};
use crate::auth::Actor;
use crate::db::{Value, query_dyn};
use crate::error::{Error, Result};
use crate::people::Role;
use crate::privacy::Phone;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post("/api/v1/cases", create),
        Endpoint::get("/api/v1/cases", list),
        Endpoint::get("/api/v1/cases/{id}", show),
        Endpoint::get("/api/v1/cases/{id}/events", events),
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

/// The location a report gives, in order of precision.
pub fn location_of(
    building: Option<String>,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
) -> Result<Location> {
    match (building, address, lat, lng) {
        (Some(code), _, _, _) => Ok(Location::Building(code)),
        (None, _, Some(lat), Some(lng)) => Ok(Location::Point { lat, lng }),
        (None, _, Some(_), None) => Err(Error::invalid("lng", "给了 lat 时必须同时给 lng")),
        (None, _, None, Some(_)) => Err(Error::invalid("lat", "给了 lng 时必须同时给 lat")),
        (None, Some(text), None, None) => Ok(Location::Address(text)),
        (None, None, None, None) => Err(Error::invalid("building", "请给出楼栋编号、地址或经纬度（lat 和 lng）")),
    }
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
    if let Some(unit) = r.unit
        && !(1..=99).contains(&unit)
    {
        return Err(Error::invalid("unit", "应为 1 到 99 之间的单元号"));
    }
    let location = location_of(r.building, r.address, r.lat, r.lng)?;
    let reporter = reporter_of(&actor, r.reporter)?;
    let source = match actor.person() {
        Some(p) if p.grants.iter().any(|g| g.role != Role::Resident) => Source::Staff,
        _ => Source::Web,
    };
    let input = ReportInput {
        category: r.category,
        description: r.description,
        urgent: r.urgent,
        location,
        unit: r.unit,
        room: r.room,
        floor: r.floor,
        reporter,
        source,
        hold: false,
    };
    let (case, replayed) = service::report_once(&state, &actor, input, idem.as_ref()).await?;
    if !r.attachments.is_empty() && !replayed {
        let input = ActionInput {
            note: Some(crate::cases::notes::MORE_PHOTOS.into()),
            attachments: r.attachments,
            ..Default::default()
        };
        service::act(&state, &Actor::System, case.id, Action::Comment, input).await?;
    }
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

fn reporter_of(actor: &Actor, given: Option<ReporterInput>) -> Result<Reporter> {
    let given = given.unwrap_or(ReporterInput { name: None, phone: None, email: None });
    let phone = match given.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            Some(Phone::parse(p).map_err(|e| Error::invalid("reporter.phone", e.to_string()))?.reveal().to_string())
        }
        None => None,
    };
    if given.name.as_ref().is_some_and(|n| n.chars().count() > 40) {
        return Err(Error::invalid("reporter.name", "最多 40 个字"));
    }
    if given.email.as_ref().is_some_and(|e| !e.contains('@') || e.len() > 200) {
        return Err(Error::invalid("reporter.email", "不是有效的电子邮箱"));
    }
    Ok(Reporter { person_id: actor.person_id(), api_client_id: None, name: given.name, phone, email: given.email })
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
            (
                Role::MicroGridMember | Role::GridHead | Role::CommunityStaff | Role::CommandCentre | Role::Admin,
                Some(path),
                _,
            ) => {
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
        ids.push_str(&format!(
            " AND ((c.closed_at IS NULL AND c.due_at < {now} AND c.status NOT IN ('suspended', 'rejected', 'merged')) OR c.closed_at > c.due_at)"
        ));
    }
    ids.push_str(&format!(" ORDER BY c.id DESC LIMIT {}", arg(window.into())));
    let sql = format!("{} WHERE c.id IN ({ids}) ORDER BY c.id DESC", store::CASE_SELECT);
    Ok(query_dyn(sql).bind_all(args).fetch_all(&state.db).await?)
}
