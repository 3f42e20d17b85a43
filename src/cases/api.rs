//! The JSON API for the whole case lifecycle under `/api/v1/cases`, and the
//! indicators under `/api/v1/indicators`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::draft::Draft;
use super::indicators::{self, Indicators, Period};
use super::service::{self, ActionInput};
use super::store::{self, CaseFilter, StatusFilter};
use super::view::{CaseView, EventView};
use super::workflow::{self, Action, Status};
use super::{Case, policy};
use crate::auth::Actor;
use crate::auth::Role;
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
        Endpoint::get("/api/v1/indicators", indicators_of_node),
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
        urgent_reason: None,
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
    let cases = store::visible_cases(&state.db, person, &filter, state.clock.now_ms()).await?;
    Ok(Json(views_for(&state, &actor, &cases).await?))
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

#[derive(Serialize)]
struct IndicatorsResponse {
    node: crate::directory::NodeRef,
    from: String,
    to: String,
    #[serde(flatten)]
    indicators: Indicators,
}

/// `GET /api/v1/indicators?node=CODE&from=DATE&to=DATE` (default: this month).
async fn indicators_of_node(
    State(state): State<AppState>,
    actor: Actor,
    params: Params,
) -> Result<Json<IndicatorsResponse>> {
    let person = actor.require_person()?;
    let code = params.text("node", 40)?.ok_or_else(|| Error::invalid("node", "必须填写"))?;
    let node = crate::org::store::node_by_code(&state.db, code).await.map_err(|_| Error::not_found("node", code))?;
    if !person.covers(Role::AREA_STAFF, &node.path) {
        return Err(Error::Forbidden(format!("组织节点 {code} 不在您负责的区域内")));
    }
    let now = state.clock.now_ms();
    let period = requested_period(&params, now)?;
    let leave = state.config.cases.suspended_leave_denominator;
    let figures = indicators::for_subtree(&state.db, &node, period, now, leave).await?;
    Ok(Json(IndicatorsResponse {
        node: (&node).into(),
        from: crate::time::to_rfc3339(period.from),
        to: crate::time::to_rfc3339(period.to),
        indicators: figures,
    }))
}

/// The period an indicators request asks for: `from` and `to`, each by
/// default the bound of this month.
fn requested_period(params: &Params, now: i64) -> Result<Period> {
    let parse = |name: &str| -> Result<Option<i64>> {
        params
            .optional(name)?
            .map(|v| {
                crate::time::parse_datetime(v)
                    .ok_or_else(|| Error::invalid(name, "应为日期（如 2024-06-01）或 RFC 3339 时间"))
            })
            .transpose()
    };
    let (month_start, next_month) = indicators::month_around(now);
    let period = Period { from: parse("from")?.unwrap_or(month_start), to: parse("to")?.unwrap_or(next_month) };
    if period.to <= period.from {
        return Err(Error::invalid("to", "应晚于 from"));
    }
    Ok(period)
}
