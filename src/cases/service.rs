//! The case workflow with its effects: reporting (locate, de-duplicate,
//! route), every transition, and the timers behind deadlines.

use serde_json::json;

use super::policy::{self, CaseFacts};
use super::store::{self, Changes, NewCase, NewEvent, Reporter};
use super::workflow::{self, Action, Status};
use super::{Case, Source, duplicates, notes};
use crate::auth::Actor;
use crate::db::{Tx, query};
use crate::directory::BuildingContext;
use crate::error::{Error, Result};
use crate::jobs::{self, NewJob};
use crate::notify::{self, Channel, Message};
use crate::people::Role;
use crate::routing::{self, Route};
use crate::taxonomy::{self, Category};
use crate::web::AppState;

/// Where a report says the problem is.
#[derive(Debug, Clone)]
pub enum Location {
    /// A building code (Open311 `address_id`).
    Building(String),
    /// Free text such as `越江新村98栋3单元`.
    Address(String),
    /// Coordinates: the nearest known building within 300 m.
    Point { lat: f64, lng: f64 },
}

/// A new report.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub category: String,
    pub description: String,
    pub urgent: bool,
    pub location: Location,
    pub unit: Option<i64>,
    pub room: Option<String>,
    pub floor: Option<i64>,
    pub reporter: Reporter,
    pub source: Source,
    /// Keep it at step 1 for a person to confirm, whatever the settings.
    pub hold: bool,
}

/// A requested transition.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub note: Option<String>,
    /// 1 to 5, for `evaluate`.
    pub rating: Option<i64>,
    /// The surviving case, for `merge`.
    pub merge_into: Option<i64>,
    /// An organisation to dispatch to instead of the routing decision.
    pub assign_to: Option<i64>,
    /// Photos already uploaded, by SHA-256.
    pub attachments: Vec<String>,
    /// For `register`: the category, when the person corrects the triage.
    pub category: Option<String>,
}

const NEAREST_BUILDING_M: f64 = 300.0;

/// Records a report. A categorised, located report that does not look like
/// a duplicate is registered and dispatched at once when auto-dispatch is on.
pub async fn report(state: &AppState, actor: &Actor, input: ReportInput) -> Result<Case> {
    Ok(report_once(state, actor, input, None).await?.0)
}

/// Files a report unless the same idempotency key already filed it; the
/// flag says whether this was such a replay. On SQLite concurrent reports
/// share one commit (see `intake`); either way the answer comes after the
/// report is durable.
pub async fn report_once(
    state: &AppState,
    actor: &Actor,
    input: ReportInput,
    idem: Option<&super::idempotency::Idempotency>,
) -> Result<(Case, bool)> {
    let located = locate_report(state, &input).await?;
    let (id, replayed) = match &state.intake {
        Some(intake) => intake.file(actor.clone(), input, located, idem.cloned()).await?,
        None => {
            let mut tx = state.db.begin().await?;
            let filed = file_in_tx(state, &mut tx, actor, &input, &located, idem).await?;
            tx.commit().await?;
            filed
        }
    };
    Ok((store::case_by_id(&state.db, id).await?, replayed))
}

/// Files a report inside `tx` unless its idempotency key already filed one;
/// returns the case and whether it was such a replay.
pub async fn file_in_tx(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    input: &ReportInput,
    located: &Located,
    idem: Option<&super::idempotency::Idempotency>,
) -> Result<(i64, bool)> {
    if let Some(idem) = idem
        && let Some(existing) = super::idempotency::claim(tx, idem, state.clock.now_ms()).await?
    {
        return Ok((existing, true));
    }
    let id = file_report(state, tx, actor, input, located).await?;
    if let Some(idem) = idem {
        super::idempotency::record(tx, idem, id).await?;
    }
    Ok((id, false))
}

/// A report checked and placed, ready to be filed.
pub struct Located {
    category: &'static Category,
    description: String,
    ctx: BuildingContext,
    unit: Option<i64>,
    node: crate::org::OrgNode,
    lat: Option<f64>,
    lng: Option<f64>,
}

/// Validates a report and finds its building (reads only).
pub async fn locate_report(state: &AppState, input: &ReportInput) -> Result<Located> {
    let category = taxonomy::category(&input.category)
        .ok_or_else(|| Error::invalid("category", format!("unknown category `{}`", input.category)))?;
    let description = input.description.trim().to_string();
    if description.is_empty() || description.chars().count() > 2000 {
        return Err(Error::invalid("description", "must be 1 to 2000 characters"));
    }
    let (ctx, parsed_unit) = locate(state, &input.location).await?;
    let unit = input.unit.or(parsed_unit);
    if let Some(u) = unit
        && !ctx.units.iter().any(|x| x.number == u)
    {
        return Err(Error::invalid("unit", format!("{} has no unit {u}", ctx.building.name)));
    }
    if let Some(room) = &input.room
        && (room.is_empty() || room.chars().count() > 20)
    {
        return Err(Error::invalid("room", "must be 1 to 20 characters"));
    }
    // The unit's own micro-grid, if it has one, else the building's.
    let node_id = unit
        .and_then(|u| ctx.units.iter().find(|x| x.number == u).and_then(|x| x.node_id))
        .unwrap_or(ctx.building.node_id);
    let node = crate::org::store::node_by_id(&state.db, node_id).await?;
    let (lat, lng) = match input.location {
        Location::Point { lat, lng } => (Some(lat), Some(lng)),
        _ => (ctx.building.lat, ctx.building.lng),
    };
    Ok(Located { category, description, ctx, unit, node, lat, lng })
}

/// Files a located report inside `tx`: duplicate check, the case, its
/// reporter and first event, and (unless held) registration and dispatch.
pub async fn file_report(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    input: &ReportInput,
    located: &Located,
) -> Result<i64> {
    let Located { category, description, ctx, unit, node, lat, lng } = located;
    let (unit, lat, lng) = (*unit, *lat, *lng);
    let now = state.clock.now_ms();
    let settings = &state.config.cases;
    let probe = duplicates::Probe {
        category: category.code.to_string(),
        building_id: Some(ctx.building.id),
        unit,
        room: input.room.clone(),
        // Distance matters for reports placed by coordinates; a report that
        // names its building is compared by building (neighbours are 40 m apart).
        point: if matches!(input.location, Location::Point { .. }) { lat.zip(lng) } else { None },
        since: now - i64::from(settings.duplicate_window_hours) * 3_600_000,
        max_distance_m: settings.duplicate_distance_m,
    };
    let likely_duplicate_of = duplicates::find(tx, &probe).await?;
    let new_case = NewCase {
        token: crate::auth::secret::new_token(),
        category: category.code.to_string(),
        urgent: input.urgent,
        description: description.clone(),
        source: input.source,
        building_id: Some(ctx.building.id),
        unit,
        room: input.room.clone(),
        floor: input.floor,
        address: Some(address_of(ctx, unit, input.room.as_deref())),
        lat,
        lng,
        node_id: node.id,
        node_path: node.path.clone(),
        property_company_id: ctx.building.property_company_id,
        likely_duplicate_of,
    };
    let id = store::insert_case(tx, &new_case, now).await?;
    store::add_reporter(tx, id, &input.reporter, input.source, None, now).await?;
    let data = json!({ "likely_duplicate_of": likely_duplicate_of });
    let event =
        NewEvent { case_id: id, action: Action::Report, from: None, to: Status::Reported, actor, note: None, data };
    store::append_event(tx, event, now).await?;
    if settings.auto_dispatch && !input.hold && likely_duplicate_of.is_none() {
        for action in [Action::Register, Action::Dispatch] {
            let case = store::case_by_id(&mut *tx, id).await?;
            apply(state, tx, &Actor::System, &case, action, &ActionInput::default(), Some(ctx)).await?;
        }
    }
    Ok(id)
}

/// Finds the building a report is about (and a unit named in free text).
async fn locate(state: &AppState, location: &Location) -> Result<(BuildingContext, Option<i64>)> {
    match location {
        Location::Building(code) => match BuildingContext::load(&state.db, code, None).await {
            Ok(ctx) => Ok((ctx, None)),
            Err(Error::NotFound { .. }) => Err(Error::invalid("building", format!("no building with code `{code}`"))),
            Err(e) => Err(e),
        },
        Location::Address(text) => {
            let parsed = crate::org::search::parse(text);
            if parsed.is_empty() {
                return Err(Error::invalid("address", "names no estate, building number or code"));
            }
            let found = crate::org::store::search_buildings(&state.db, &parsed, 2).await?;
            match found.as_slice() {
                [one] => Ok((BuildingContext::load(&state.db, &one.code, None).await?, parsed.unit.map(i64::from))),
                [] => Err(Error::invalid("address", format!("no building matches `{text}`"))),
                _ => Err(Error::invalid("address", format!("`{text}` matches several buildings: name the estate"))),
            }
        }
        Location::Point { lat, lng } => {
            if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lng) {
                return Err(Error::invalid("lat", "coordinates out of range"));
            }
            let nearest = nearest_building(state, *lat, *lng).await?;
            let code = nearest.ok_or_else(|| {
                Error::invalid("lat", format!("no known building within {NEAREST_BUILDING_M} m of this point"))
            })?;
            Ok((BuildingContext::load(&state.db, &code, None).await?, None))
        }
    }
}

async fn nearest_building(state: &AppState, lat: f64, lng: f64) -> Result<Option<String>> {
    // A box of about ±330 m first, then exact distances.
    let (dlat, dlng) = (0.003, 0.003 / lat.to_radians().cos().max(0.1));
    let rows: Vec<(String, f64, f64)> = query(
        "SELECT code, lat, lng FROM buildings
         WHERE lat BETWEEN $1 AND $2 AND lng BETWEEN $3 AND $4",
    )
    .bind(lat - dlat)
    .bind(lat + dlat)
    .bind(lng - dlng)
    .bind(lng + dlng)
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, blat, blng)| (duplicates::distance_m((lat, lng), (blat, blng)), code))
        .filter(|(d, _)| *d <= NEAREST_BUILDING_M)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code))
}

fn address_of(ctx: &BuildingContext, unit: Option<i64>, room: Option<&str>) -> String {
    let mut s = ctx.building.name.clone();
    if let Some(u) = unit {
        s.push_str(&format!("{u}单元"));
    }
    if let Some(r) = room {
        s.push_str(&format!("{r}室"));
    }
    s
}

/// Performs `action` on a case for `actor`, checking scope, role and the
/// workflow; everything it changes commits together.
pub async fn act(state: &AppState, actor: &Actor, case_id: i64, action: Action, input: ActionInput) -> Result<Case> {
    if !action.is_requestable() {
        return Err(Error::invalid("action", format!("`{action}` is performed by linli itself")));
    }
    let mut tx = state.db.begin().await?;
    let case = store::case_by_id(&mut tx, case_id).await?;
    let facts = facts(&mut tx, &case).await?;
    if !policy::can_view(actor, &facts) {
        // Out of scope looks like absent: scope must not leak existence.
        return Err(Error::not_found("case", case_id.to_string()));
    }
    if !policy::may(actor, action, &facts) {
        return Err(Error::Forbidden(format!("your roles do not allow `{action}` on case {case_id}")));
    }
    // Reporting a job done is taking it too: the unit need not tap 签收
    // first, and the history still shows both steps.
    let case = if action == Action::Resolve && case.status == Status::Dispatched {
        let accept = ActionInput { note: Some(notes::ACCEPTED_ON_RESOLVE.into()), ..Default::default() };
        apply(state, &mut tx, actor, &case, Action::Accept, &accept, None).await?;
        store::case_by_id(&mut tx, case_id).await?
    } else {
        case
    };
    apply(state, &mut tx, actor, &case, action, &input, None).await?;
    tx.commit().await?;
    store::case_by_id(&state.db, case_id).await
}

/// Actions that must say why.
pub fn needs_note(action: Action) -> bool {
    matches!(
        action,
        Action::Reject | Action::SendBack | Action::Rework | Action::Suspend | Action::Comment | Action::Reopen
    )
}

/// What the policy needs, read inside the transaction.
pub async fn facts<'a>(on: impl Into<crate::db::On<'a>>, case: &Case) -> Result<CaseFacts> {
    Ok(facts_with(case, store::reporter_ids(on, case.id).await?))
}

/// The facts of a case whose reporting people are already known.
pub fn facts_with(case: &Case, reporter_ids: Vec<i64>) -> CaseFacts {
    CaseFacts {
        id: case.id,
        node_path: case.node_path.clone(),
        property_company_id: case.property_company_id,
        assignee_kind: case.assignee_kind.clone(),
        assignee_org_id: case.assignee_org_id,
        assignee_person_id: case.assignee_person_id,
        assignee_node_path: case.assignee_node_path.clone(),
        reporter_ids,
    }
}

/// The transition itself: workflow check, the action's own changes, the
/// event, timers and notifications.
async fn apply(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    case: &Case,
    action: Action,
    input: &ActionInput,
    ctx: Option<&BuildingContext>,
) -> Result<i64> {
    let to = workflow::next(case.status, action, case.resume_status).map_err(Error::IllegalTransition)?;
    let now = state.clock.now_ms();
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::invalid("note", "must be at most 2000 characters"));
    }
    if needs_note(action) && note.is_none() {
        return Err(Error::invalid("note", format!("{}需要填写说明", action.name_zh())));
    }
    let mut changes = Changes::default();
    let mut data = serde_json::Map::new();
    let mut notices: Vec<(Audience, String)> = Vec::new();
    let category = taxonomy::category(&case.category).unwrap_or(&taxonomy::CATEGORIES[0]);
    match action {
        Action::Register => {
            changes.set("registered_at", now);
            if let Some(code) = input.category.as_deref().filter(|c| *c != case.category) {
                let corrected = taxonomy::category(code)
                    .ok_or_else(|| Error::invalid("category", format!("unknown category `{code}`")))?;
                changes.set("category", corrected.code);
                data.insert("category".into(), json!({ "from": case.category, "to": corrected.code }));
            }
        }
        Action::Reject | Action::Comment | Action::Accept | Action::Report | Action::Remind => {}
        Action::Merge => {
            let target_id = input.merge_into.ok_or_else(|| Error::invalid("merge_into", "请填写与之重复的案件编号"))?;
            let target = merge(tx, actor, case, target_id, now).await?;
            changes.set("duplicate_of", target_id);
            data.insert("merge_into".into(), target_id.into());
            let text = if target.status.is_finished() {
                let when = target.closed_at.map(|t| crate::time::human(t, now)).unwrap_or_default();
                format!("您反映的问题与案件 #{target_id} 相同，该案已于{when}办结")
            } else {
                format!("您反映的问题与案件 #{target_id} 相同，已合并办理")
            };
            notices.push((Audience::Reporters, text));
        }
        Action::Dispatch => {
            let route = decide_route(tx, case, category, input.assign_to, ctx).await?;
            let a = &route.assignment;
            changes.set("assignee_kind", a.kind.code());
            changes.set("assignee_org_id", a.organisation_id);
            changes.set("assignee_person_id", a.person_id);
            changes.set("assignee_node_id", a.node_id);
            changes.set("assignee_name", a.name.as_str());
            changes.set("dispatched_at", now);
            let due = case.due_at.unwrap_or(now + i64::from(route.deadline_minutes) * 60_000);
            changes.set("due_at", due);
            data.insert(
                "assignee".into(),
                json!({ "kind": a.kind, "name": a.name, "organisation_id": a.organisation_id }),
            );
            data.insert("due_at".into(), crate::time::to_rfc3339(due).into());
            schedule_deadline(tx, case.id, now, due).await?;
            notices.push((
                Audience::Assignee(route.assignment.clone()),
                format!("新工单：{}，请在 {} 前处置", summary(case, category), deadline_text(due)),
            ));
        }
        Action::SendBack => {
            for column in ["assignee_kind", "assignee_name"] {
                changes.set(column, Option::<String>::None);
            }
            for column in ["assignee_org_id", "assignee_person_id", "assignee_node_id"] {
                changes.set(column, Option::<i64>::None);
            }
            notices.push((Audience::Supervisors(2), format!("工单被退回，需重新派遣：{}", summary(case, category))));
        }
        Action::Resolve => {
            changes.set("resolved_at", now);
            notices.push((Audience::Reporters, format!("您反映的问题已处置，请确认：{}", summary(case, category))));
            notices.push((Audience::MicroGridMembers, format!("已修复请核查：{}", summary(case, category))));
        }
        Action::Close => {
            changes.set("closed_at", now);
            jobs::cancel_for_case(tx, case.id, now).await?;
            notices.push((Audience::Reporters, format!("已办结：{}，欢迎评价", summary(case, category))));
            notices.push((Audience::CurrentAssignee, format!("已核查结案：{}", summary(case, category))));
        }
        Action::Rework => {
            changes.set("rework_count", case.rework_count + 1);
            changes.set("resolved_at", Option::<i64>::None);
            notices.push((Audience::CurrentAssignee, format!("核查未通过，请返工：{}", summary(case, category))));
        }
        Action::Evaluate => {
            let rating = input.rating.ok_or_else(|| Error::invalid("rating", "rate from 1 to 5"))?;
            if !(1..=5).contains(&rating) {
                return Err(Error::invalid("rating", "rate from 1 to 5"));
            }
            changes.set("rating", rating);
            data.insert("rating".into(), rating.into());
        }
        Action::Escalate => {
            let level = case.escalation_level + 1;
            if level > MAX_ESCALATION {
                return Err(Error::Conflict(format!("case {} is already escalated to the street", case.id)));
            }
            changes.set("escalation_level", level);
            data.insert("level".into(), level.into());
            notices.push((
                Audience::Supervisors(level),
                format!("案件上报（{}）：{}", level_name(level), summary(case, category)),
            ));
        }
        Action::Suspend => {
            changes.set("suspended_at", now);
            changes.set("resume_status", case.status.code());
            jobs::cancel_for_case(tx, case.id, now).await?;
        }
        Action::Resume => {
            // The clock stops while a case is suspended.
            let paused = now - case.suspended_at.unwrap_or(now);
            let due = case.due_at.map(|d| d + paused);
            changes.set("due_at", due);
            changes.set("suspended_at", Option::<i64>::None);
            changes.set("resume_status", Option::<String>::None);
            if let Some(due) = due {
                schedule_deadline(tx, case.id, now, due).await?;
            }
        }
        Action::Reopen => {
            for column in [
                "closed_at",
                "resolved_at",
                "due_at",
                "dispatched_at",
                "rating",
                "assignee_org_id",
                "assignee_person_id",
                "assignee_node_id",
            ] {
                changes.set(column, Option::<i64>::None);
            }
            for column in ["assignee_kind", "assignee_name"] {
                changes.set(column, Option::<String>::None);
            }
            notices.push((Audience::Supervisors(2), format!("案件重新办理：{}", summary(case, category))));
        }
    }
    if !input.attachments.is_empty() {
        data.insert("attachments".into(), input.attachments.clone().into());
    }
    store::update_case(tx, case, to, changes, now).await?;
    let event =
        NewEvent { case_id: case.id, action, from: Some(case.status), to, actor, note, data: data.clone().into() };
    let event_id = store::append_event(tx, event, now).await?;
    crate::attachments::link(tx, case.id, event_id, &input.attachments, now).await?;
    let email = state.config.notify.smtp_url.is_some();
    for (audience, text) in notices {
        notify_audience(tx, case, event_id, &audience, &text, note, email, now).await?;
    }
    broadcast(tx, case, action, event_id, &data, now).await?;
    Ok(event_id)
}

/// Tells the case's building channel (for reports that came from one) and
/// the group robots above the case how it moves on.
async fn broadcast(
    tx: &mut Tx,
    case: &Case,
    action: Action,
    event_id: i64,
    data: &serde_json::Map<String, serde_json::Value>,
    now: i64,
) -> Result<()> {
    let detail = match action {
        Action::Dispatch => format!(
            "责任单位：{}，处置时限：{}",
            data.get("assignee").and_then(|a| a["name"].as_str()).unwrap_or(""),
            data.get("due_at")
                .and_then(|d| d.as_str())
                .and_then(crate::time::parse_datetime)
                .map(deadline_text)
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    let Some(line) = crate::channels::progress_line(action, case, &detail) else {
        if action != Action::Escalate {
            return Ok(());
        }
        let level = data.get("level").and_then(serde_json::Value::as_i64).unwrap_or(1);
        let line = format!(
            "【上报{}】#{} {} 已超期或需协调",
            level_name(level),
            case.id,
            case.address.clone().unwrap_or_default()
        );
        return notify_robots(tx, case, event_id, &line, now).await;
    };
    if matches!(case.source, Source::Chat | Source::Wecom)
        && let Some(building_id) = case.building_id
    {
        crate::channels::store::insert_system(tx, building_id, case.node_id, case.id, &line, now).await?;
    }
    // Registration and dispatch come together; robots hear of the dispatch.
    if action == Action::Register {
        return Ok(());
    }
    notify_robots(tx, case, event_id, &line, now).await
}

async fn notify_robots(tx: &mut Tx, case: &Case, event_id: i64, line: &str, now: i64) -> Result<()> {
    let category = taxonomy::category(&case.category).map_or("", |c| c.name_zh);
    for robot in crate::notify::robots::robots_for(tx, &case.node_path).await? {
        let message = Message {
            person_id: None,
            address: Some(robot.id.to_string()),
            case_id: Some(case.id),
            title: format!("{line}（{category}）"),
            body: crate::privacy::mask_text(&case.description),
            dedupe_key: format!("event:{event_id}:robot:{}", robot.id),
        };
        notify::enqueue(tx, Channel::Robot, &message, now).await?;
    }
    Ok(())
}

/// Grid head, community, street.
pub const MAX_ESCALATION: i64 = 3;

fn level_name(level: i64) -> &'static str {
    notes::level_zh(level)
}

fn summary(case: &Case, category: &Category) -> String {
    let place = case.address.clone().unwrap_or_default();
    format!("#{} {} · {}", case.id, category.name_zh, place)
}

/// A deadline as it stays true in a message read later: `12月3日 14:05`.
fn deadline_text(ms: i64) -> String {
    let t = crate::time::to_cst(ms);
    format!("{}月{}日 {}", chrono::Datelike::month(&t), chrono::Datelike::day(&t), t.format("%H:%M"))
}

async fn decide_route(
    tx: &mut Tx,
    case: &Case,
    category: &Category,
    assign_to: Option<i64>,
    ctx: Option<&BuildingContext>,
) -> Result<Route> {
    let code = case
        .building_code
        .clone()
        .ok_or_else(|| Error::Conflict(format!("case {} has no building to route by", case.id)))?;
    let loaded;
    let ctx = match ctx {
        Some(c) => c,
        None => {
            loaded = BuildingContext::load(&mut *tx, &code, case.unit).await?;
            &loaded
        }
    };
    let rules = routing::rules(&mut *tx).await?;
    let orgs = if assign_to.is_some() || rules.iter().any(|r| r.organisation_id.is_some()) {
        routing::organisation_kinds(&mut *tx).await?
    } else {
        Vec::new()
    };
    let org = |id: i64| orgs.iter().find(|o| o.0 == id).map(|o| (o.1.clone(), o.2));
    let mut route = routing::route(ctx, category, case.urgent, &rules, org)?;
    if let Some(org_id) = assign_to {
        let (name, kind) =
            org(org_id).ok_or_else(|| Error::invalid("assign_to", format!("no organisation {org_id}")))?;
        route.assignment =
            routing::Assignment { kind, organisation_id: Some(org_id), person_id: None, node_id: None, name };
    }
    Ok(route)
}

/// Timers for a deadline: a reminder at three quarters of the time left and
/// the first escalation when it passes.
async fn schedule_deadline(tx: &mut Tx, case_id: i64, now: i64, due: i64) -> Result<()> {
    let remind_at = now + (due - now) * 3 / 4;
    if remind_at > now {
        let job = NewJob {
            kind: JOB_REMIND,
            case_id: Some(case_id),
            payload: json!({}),
            dedupe_key: format!("remind:{case_id}:{due}"),
            run_at: remind_at,
        };
        jobs::schedule(tx, &job, now).await?;
    }
    schedule_overdue(tx, case_id, 1, due, now).await
}

async fn schedule_overdue(tx: &mut Tx, case_id: i64, level: i64, at: i64, now: i64) -> Result<()> {
    let job = NewJob {
        kind: JOB_OVERDUE,
        case_id: Some(case_id),
        payload: json!({ "level": level }),
        dedupe_key: format!("overdue:{case_id}:{level}:{at}"),
        run_at: at,
    };
    jobs::schedule(tx, &job, now).await
}

pub const JOB_REMIND: &str = "case.remind";
pub const JOB_OVERDUE: &str = "case.overdue";

/// Runs one due timer inside the transaction that claimed it.
pub async fn run_job(state: &AppState, tx: &mut Tx, job: &jobs::Job) -> Result<()> {
    let Some(case_id) = job.case_id else { return Ok(()) };
    let case = store::case_by_id(&mut *tx, case_id).await?;
    let now = state.clock.now_ms();
    if !case.status.is_open() || matches!(case.status, Status::Resolved | Status::Suspended) {
        return Ok(());
    }
    match job.kind.as_str() {
        JOB_REMIND => {
            let category = taxonomy::category(&case.category).unwrap_or(&taxonomy::CATEGORIES[0]);
            let due = case.due_at.map(deadline_text).unwrap_or_default();
            let event_id = append_system_event(tx, &case, Action::Remind, notes::DUE_SOON, now).await?;
            let text = format!("即将超期（{due} 截止）：{}", summary(&case, category));
            let email = state.config.notify.smtp_url.is_some();
            notify_audience(tx, &case, event_id, &Audience::CurrentAssignee, &text, None, email, now).await?;
        }
        JOB_OVERDUE => {
            let level: i64 = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|p| p["level"].as_i64())
                .unwrap_or(1);
            if case.escalation_level < level {
                let input = ActionInput { note: Some(notes::overdue(level)), ..Default::default() };
                apply(state, tx, &Actor::System, &case, Action::Escalate, &input, None).await?;
            }
            if level < MAX_ESCALATION
                && let (Some(due), Some(dispatched)) = (case.due_at, case.dispatched_at)
            {
                // The next level hears of it after another full deadline span.
                let span = (due - dispatched).max(60_000);
                schedule_overdue(tx, case.id, level + 1, due + span * level, now).await?;
            }
        }
        other => tracing::warn!(kind = other, "unknown job kind"),
    }
    Ok(())
}

async fn append_system_event(tx: &mut Tx, case: &Case, action: Action, note: &str, now: i64) -> Result<i64> {
    let event = NewEvent {
        case_id: case.id,
        action,
        from: Some(case.status),
        to: case.status,
        actor: &Actor::System,
        note: Some(note),
        data: json!({}),
    };
    store::append_event(tx, event, now).await
}

/// Folds a duplicate into the case it repeats. Its reporters join that
/// case and hear of it from then on; when that case is already finished
/// they are told so, and the duplicate simply closes as merged.
async fn merge(tx: &mut Tx, actor: &Actor, case: &Case, target_id: i64, now: i64) -> Result<Case> {
    if target_id == case.id {
        return Err(Error::invalid("merge_into", "不能合并到案件本身"));
    }
    let target = match store::case_by_id(&mut *tx, target_id).await {
        Ok(t) => t,
        Err(Error::NotFound { .. }) => return Err(Error::invalid("merge_into", format!("没有案件 #{target_id}"))),
        Err(e) => return Err(e),
    };
    // A case out of the actor's sight is as good as absent.
    if !policy::can_view(actor, &facts(&mut *tx, &target).await?) {
        return Err(Error::invalid("merge_into", format!("没有案件 #{target_id}")));
    }
    match target.status {
        Status::Rejected => {
            return Err(Error::invalid("merge_into", format!("案件 #{target_id} 已不予受理，不能作为合并目标")));
        }
        Status::Merged => {
            let survivor = target.duplicate_of.map(|d| format!("，请合并到 #{d}")).unwrap_or_default();
            return Err(Error::invalid("merge_into", format!("案件 #{target_id} 本身已被合并{survivor}")));
        }
        _ => {}
    }
    store::move_reporters(tx, case.id, target_id, now).await?;
    let note = notes::merged(case.id, target.status.is_finished());
    let event = NewEvent {
        case_id: target_id,
        action: Action::Comment,
        from: Some(target.status),
        to: target.status,
        actor,
        note: Some(&note),
        data: json!({ "merged_from": case.id }),
    };
    store::append_event(tx, event, now).await?;
    Ok(target)
}

/// Who a notice goes to.
#[derive(Debug, Clone)]
enum Audience {
    /// The party a dispatch just chose.
    Assignee(routing::Assignment),
    /// The party the case is assigned to now.
    CurrentAssignee,
    /// Everyone who reported it.
    Reporters,
    /// The building's micro-grid members.
    MicroGridMembers,
    /// 1: grid heads, 2: community staff, 3: the street's command centre.
    Supervisors(i64),
}

#[allow(clippy::too_many_arguments)]
async fn notify_audience(
    tx: &mut Tx,
    case: &Case,
    event_id: i64,
    audience: &Audience,
    title: &str,
    note: Option<&str>,
    email: bool,
    now: i64,
) -> Result<()> {
    let people = recipients(tx, case, audience).await?;
    let body = match note {
        Some(n) => format!("{}\n{n}", case.description),
        None => case.description.clone(),
    };
    for person_id in people {
        let message = Message {
            person_id: Some(person_id),
            address: None,
            case_id: Some(case.id),
            title: title.to_string(),
            body: body.clone(),
            dedupe_key: format!("event:{event_id}:person:{person_id}:{}", audience_key(audience)),
        };
        notify::enqueue(tx, Channel::InApp, &message, now).await?;
        if email && let Some(address) = email_of(tx, person_id).await? {
            let copy = Message {
                person_id: Some(person_id),
                address: Some(address),
                dedupe_key: format!("{}:email", message.dedupe_key),
                ..message
            };
            notify::enqueue(tx, Channel::Email, &copy, now).await?;
        }
    }
    Ok(())
}

async fn email_of(tx: &mut Tx, person_id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = query("SELECT email FROM people WHERE id = $1 AND erased_at IS NULL")
        .bind(person_id)
        .fetch_optional(tx)
        .await?;
    Ok(row.and_then(|r| r.0))
}

fn audience_key(a: &Audience) -> String {
    match a {
        Audience::Assignee(_) | Audience::CurrentAssignee => "assignee".into(),
        Audience::Reporters => "reporter".into(),
        Audience::MicroGridMembers => "member".into(),
        Audience::Supervisors(level) => format!("supervisor{level}"),
    }
}

async fn recipients(tx: &mut Tx, case: &Case, audience: &Audience) -> Result<Vec<i64>> {
    let assignee_of = |kind: Option<&str>, org: Option<i64>, person: Option<i64>, node: Option<i64>| {
        (kind.map(str::to_string), org, person, node)
    };
    let (kind, org, person, node) = match audience {
        Audience::Assignee(a) => assignee_of(Some(a.kind.code()), a.organisation_id, a.person_id, a.node_id),
        Audience::CurrentAssignee => assignee_of(
            case.assignee_kind.as_deref(),
            case.assignee_org_id,
            case.assignee_person_id,
            case.assignee_node_id,
        ),
        Audience::Reporters => return store::reporter_ids(tx, case.id).await,
        Audience::MicroGridMembers => return holders_above(tx, Role::MicroGridMember, &case.node_path).await,
        Audience::Supervisors(level) => {
            let role = match level {
                1 => Role::GridHead,
                2 => Role::CommunityStaff,
                _ => Role::CommandCentre,
            };
            return holders_above(tx, role, &case.node_path).await;
        }
    };
    match kind.as_deref() {
        Some("property") | Some("department") => {
            let rows: Vec<(i64,)> = query(
                "SELECT DISTINCT person_id FROM role_assignments
                 WHERE organisation_id = $1 AND active AND role IN ('property_staff', 'department_officer')",
            )
            .bind(org)
            .fetch_all(tx)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }
        Some("grid_head") => Ok(person.into_iter().collect()),
        Some("community") => {
            let rows: Vec<(i64,)> = query(
                "SELECT DISTINCT person_id FROM role_assignments WHERE node_id = $1 AND active AND role = 'community_staff'",
            )
            .bind(node)
            .fetch_all(tx)
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// Active holders of `role` at the case's node or any node above it.
async fn holders_above(tx: &mut Tx, role: Role, node_path: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = query(
        "SELECT DISTINCT r.person_id FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id
         WHERE r.active AND r.role = $1 AND $2 LIKE n.path || '%'",
    )
    .bind(role)
    .bind(node_path)
    .fetch_all(tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
