//! The case workflow with its effects: reporting (locate, de-duplicate,
//! route), every transition, and the timers behind deadlines.

use serde_json::json;

use super::locate::address_of;
pub use super::locate::{Located, Location, locate_report};
use super::notices::{Audience, notify_audience};
use super::policy::{self, CaseFacts};
use super::store::{self, Changes, NewCase, NewEvent, Reporter};
use super::timers::schedule_deadline;
use super::workflow::{self, Action, Status};
use super::{Case, Source, duplicates, notes};
use crate::auth::Actor;
use crate::db::Tx;
use crate::directory::BuildingContext;
use crate::error::{Error, Result};
use crate::platform::{Ctx, Subject, timers};
use crate::routing::{self, Route};
use crate::taxonomy::{self, Category};

/// A new report, checked by `draft::Draft::parse` (the only way to make one).
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
    /// Photos already uploaded, by SHA-256: linked to the report as it is filed.
    pub attachments: Vec<String>,
    /// Why it is urgent, in the words staff read in their notice.
    pub urgent_reason: Option<String>,
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

/// Records a report. A categorised, located report that does not look like
/// a duplicate is registered and dispatched at once when auto-dispatch is on.
pub async fn report(ctx: &Ctx, actor: &Actor, input: ReportInput) -> Result<Case> {
    Ok(report_once(ctx, actor, input, None).await?.0)
}

/// Files a report unless the same idempotency key already filed it; the
/// flag says whether this was such a replay. On SQLite concurrent reports
/// share one commit (see `intake`); either way the answer comes after the
/// report is durable.
pub async fn report_once(
    ctx: &Ctx,
    actor: &Actor,
    input: ReportInput,
    idem: Option<&super::idempotency::Idempotency>,
) -> Result<(Case, bool)> {
    let located = locate_report(ctx, &input).await?;
    let (id, replayed) = match &ctx.writer {
        Some(writer) => {
            let unit = super::intake::FileReport {
                ctx: ctx.clone(),
                actor: actor.clone(),
                input,
                located,
                idem: idem.cloned(),
            };
            writer.run::<(i64, bool)>(unit).await?
        }
        None => {
            let mut tx = ctx.db.begin().await?;
            let filed = file_in_tx(ctx, &mut tx, actor, &input, &located, idem).await?;
            tx.commit().await?;
            ctx.events_appended();
            filed
        }
    };
    Ok((store::case_by_id(&ctx.db, id).await?, replayed))
}

/// Files a report inside `tx` unless its idempotency key already filed one;
/// returns the case and whether it was such a replay.
pub async fn file_in_tx(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    input: &ReportInput,
    located: &Located,
    idem: Option<&super::idempotency::Idempotency>,
) -> Result<(i64, bool)> {
    if let Some(idem) = idem
        && let Some(existing) = super::idempotency::claim(tx, idem, ctx.clock.now_ms()).await?
    {
        return Ok((existing, true));
    }
    let id = file_report(ctx, tx, actor, input, located).await?;
    if let Some(idem) = idem {
        super::idempotency::record(tx, idem, id).await?;
    }
    Ok((id, false))
}

/// Files a located report inside `tx`: duplicate check, the case, its
/// reporter and first event, and (unless held) registration and dispatch.
pub async fn file_report(ctx: &Ctx, tx: &mut Tx, actor: &Actor, input: &ReportInput, located: &Located) -> Result<i64> {
    let Located { category, description, place, unit, node, lat, lng } = located;
    let (unit, lat, lng) = (*unit, *lat, *lng);
    let now = ctx.clock.now_ms();
    let settings = &ctx.config.cases;
    let probe = duplicates::Probe {
        category: category.code.to_string(),
        building_id: Some(place.building.id),
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
        building_id: Some(place.building.id),
        unit,
        room: input.room.clone(),
        floor: input.floor,
        address: Some(address_of(place, unit, input.room.as_deref())),
        lat,
        lng,
        node_id: node.id,
        node_path: node.path.clone(),
        property_company_id: place.building.property_company_id,
        likely_duplicate_of,
    };
    let id = store::insert_case(tx, &new_case, now).await?;
    store::add_reporter(tx, id, &input.reporter, input.source, None, now).await?;
    let mut data = json!({ "likely_duplicate_of": likely_duplicate_of });
    if let Some(why) = input.urgent_reason.as_ref().filter(|_| input.urgent) {
        data["urgent_reason"] = why.as_str().into();
    }
    let event =
        NewEvent { case_id: id, action: Action::Report, from: None, to: Status::Reported, actor, note: None, data };
    let event_id = store::append_event(tx, event, now).await?;
    crate::attachments::link(tx, id, event_id, &input.attachments, now).await?;
    if settings.auto_dispatch && !input.hold && likely_duplicate_of.is_none() {
        for action in [Action::Register, Action::Dispatch] {
            let case = store::case_by_id(&mut *tx, id).await?;
            apply(ctx, tx, &Actor::System, &case, action, &ActionInput::default(), Some(place)).await?;
        }
    }
    Ok(id)
}

/// Performs `action` on a case for `actor`, checking scope, role and the
/// workflow; everything it changes commits together.
pub async fn act(ctx: &Ctx, actor: &Actor, case_id: i64, action: Action, input: ActionInput) -> Result<Case> {
    if !action.is_requestable() {
        return Err(Error::invalid("action", format!("`{action}` 由系统自动执行，不能手动操作")));
    }
    let mut tx = ctx.db.begin().await?;
    let case = store::case_by_id(&mut tx, case_id).await?;
    let facts = facts(&mut tx, &case).await?;
    if !policy::can_view(actor, &facts) {
        // Out of scope looks like absent: scope must not leak existence.
        return Err(Error::not_found("case", case_id.to_string()));
    }
    if !policy::may(actor, action, &facts) {
        return Err(Error::Forbidden(format!(
            "您的职务不能对工单 #{case_id} 执行“{}”（`{action}`）",
            action.name_zh()
        )));
    }
    // Reporting a job done is taking it too: the unit need not tap 签收
    // first, and the history still shows both steps.
    let case = if action == Action::Resolve && case.status == Status::Dispatched {
        let accept = ActionInput { note: Some(notes::ACCEPTED_ON_RESOLVE.into()), ..Default::default() };
        apply(ctx, &mut tx, actor, &case, Action::Accept, &accept, None).await?;
        store::case_by_id(&mut tx, case_id).await?
    } else {
        case
    };
    apply(ctx, &mut tx, actor, &case, action, &input, None).await?;
    tx.commit().await?;
    ctx.events_appended();
    store::case_by_id(&ctx.db, case_id).await
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
        assignee_kind: case.assignee_kind,
        assignee_org_id: case.assignee_org_id,
        assignee_person_id: case.assignee_person_id,
        assignee_node_path: case.assignee_node_path.clone(),
        reporter_ids,
    }
}

/// The transition itself: workflow check, the action's own changes, the
/// event, timers and notifications.
pub(super) async fn apply(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &Actor,
    case: &Case,
    action: Action,
    input: &ActionInput,
    place: Option<&BuildingContext>,
) -> Result<i64> {
    let to = workflow::next(case.status, action, case.resume_status).map_err(|i| Error::IllegalTransition(i.into()))?;
    let now = ctx.clock.now_ms();
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::invalid("note", "最多 2000 个字"));
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
                    .ok_or_else(|| Error::invalid("category", format!("未知的问题类别 `{code}`")))?;
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
            let route = decide_route(tx, case, category, input.assign_to, place).await?;
            let a = &route.assignment;
            changes.set("assignee_kind", a.kind);
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
                format!(
                    "{}新工单：{}，请在 {} 前处置",
                    urgent_banner(tx, case).await?,
                    summary(case, category),
                    deadline_text(due)
                ),
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
            timers::cancel_for(tx, &Subject::new(super::SUBJECT, case.id), now).await?;
            notices.push((Audience::Reporters, format!("已办结：{}，欢迎评价", summary(case, category))));
            notices.push((Audience::CurrentAssignee, format!("已核查结案：{}", summary(case, category))));
        }
        Action::Rework => {
            changes.set("rework_count", case.rework_count + 1);
            changes.set("resolved_at", Option::<i64>::None);
            notices.push((Audience::CurrentAssignee, format!("核查未通过，请返工：{}", summary(case, category))));
        }
        Action::Evaluate => {
            let rating = input.rating.ok_or_else(|| Error::invalid("rating", "请评 1 到 5 分"))?;
            if !(1..=5).contains(&rating) {
                return Err(Error::invalid("rating", "请评 1 到 5 分"));
            }
            changes.set("rating", rating);
            data.insert("rating".into(), rating.into());
        }
        Action::Escalate => {
            let level = case.escalation_level + 1;
            if level > MAX_ESCALATION {
                return Err(Error::Conflict(format!("工单 #{} 已上报到街道，不能再上报", case.id)));
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
            timers::cancel_for(tx, &Subject::new(super::SUBJECT, case.id), now).await?;
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
    let email = ctx.config.notify.smtp_url.is_some();
    for (audience, text) in notices {
        notify_audience(tx, case, event_id, &audience, &text, note, email, now).await?;
    }
    Ok(event_id)
}

/// `【紧急：有人被困】` before an urgent case's notice, saying why it was
/// marked urgent (as triage or its reporter said when it came in).
async fn urgent_banner(tx: &mut Tx, case: &Case) -> Result<String> {
    if !case.urgent {
        return Ok(String::new());
    }
    Ok(match store::urgent_reason(&mut *tx, case.id).await? {
        Some(why) => format!("【紧急：{why}】"),
        None => "【紧急】".to_string(),
    })
}

/// Grid head, community, street.
pub const MAX_ESCALATION: i64 = 3;

pub(super) fn level_name(level: i64) -> &'static str {
    notes::level_zh(level)
}

pub(super) fn summary(case: &Case, category: &Category) -> String {
    let place = case.address.clone().unwrap_or_default();
    format!("#{} {} · {}", case.id, category.name_zh, place)
}

/// A deadline as it stays true in a message read later: `12月3日 14:05`.
pub(super) fn deadline_text(ms: i64) -> String {
    let t = crate::time::to_cst(ms);
    format!("{}月{}日 {}", chrono::Datelike::month(&t), chrono::Datelike::day(&t), t.format("%H:%M"))
}

async fn decide_route(
    tx: &mut Tx,
    case: &Case,
    category: &Category,
    assign_to: Option<i64>,
    place: Option<&BuildingContext>,
) -> Result<Route> {
    let code =
        case.building_code.clone().ok_or_else(|| Error::Conflict(format!("工单 #{} 没有楼栋，无法派遣", case.id)))?;
    let loaded;
    let place = match place {
        Some(c) => c,
        None => {
            loaded = BuildingContext::load(&mut *tx, &code, case.unit).await?;
            &loaded
        }
    };
    let rules = routing::store::rules(&mut *tx).await?;
    let orgs = if assign_to.is_some() || rules.iter().any(|r| r.organisation_id.is_some()) {
        routing::organisation_kinds(&mut *tx).await?
    } else {
        Vec::new()
    };
    let org = |id: i64| orgs.iter().find(|o| o.0 == id).map(|o| (o.1.clone(), o.2));
    let mut route = routing::route(place, category, case.urgent, &rules, org)?;
    if let Some(org_id) = assign_to {
        let (name, kind) =
            org(org_id).ok_or_else(|| Error::invalid("assign_to", format!("没有编号为 {org_id} 的单位")))?;
        route.assignment =
            routing::Assignment { kind, organisation_id: Some(org_id), person_id: None, node_id: None, name };
    }
    Ok(route)
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
