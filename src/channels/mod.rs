//! Building chat channels: every building has one (the QR code on its
//! notice board opens it). Each message is triaged; a report becomes a
//! case at once when the engine is sure, or a proposed case a micro-grid
//! member or grid head confirms in one tap. Case progress is posted back
//! into the channel (受理, 已派遣, 已修复请确认, 已办结).

pub mod api;
pub mod consumers;
pub mod pages;
pub mod store;

use crate::auth::Actor;
use crate::cases::draft::Draft;
use crate::cases::service::{self, ActionInput, ReportInput};
use crate::cases::workflow::Action;
use crate::cases::{Case, Source};
use crate::error::{Error, Result};
use crate::triage::{Context, Engine, Triage};
use crate::web::AppState;
use store::{AuthorKind, CaseState, ChannelMessage, NewMessage, Origin};

/// A message arriving in a channel.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The building's code; `None` when the message could not be placed.
    pub building: Option<String>,
    /// Where an unplaced message waits (a community), when `building` is `None`.
    pub fallback_node: Option<i64>,
    pub author_kind: AuthorKind,
    pub author_person_id: Option<i64>,
    pub author_name: String,
    pub text: String,
    pub origin: Origin,
    /// The bridge's or WeCom's message id: the same id is stored once.
    pub external_id: Option<String>,
}

/// What became of a message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Posted {
    pub message: ChannelMessage,
    pub triage: Triage,
    /// The case it became (registered or proposed), if any.
    pub case_id: Option<i64>,
    /// Whether this message was seen before (same external id).
    pub duplicate: bool,
}

/// Stores, triages and (for reports) files a message, all in one transaction.
pub async fn post(state: &AppState, actor: &Actor, incoming: Incoming) -> Result<Posted> {
    let text = incoming.text.trim().to_string();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(Error::invalid("text", "应为 1 到 2000 个字"));
    }
    if let Some(ext) = &incoming.external_id
        && let Some(existing) = store::by_external_id(&state.db, incoming.origin, ext).await?
    {
        let triage = existing.triage_result().unwrap_or_else(|| Engine::builtin().triage(&text, &Context::default()));
        return Ok(Posted { case_id: existing.case_id, message: existing, triage, duplicate: true });
    }
    let building = match &incoming.building {
        Some(code) => Some(crate::org::store::building_by_code(&state.db, code).await.map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found("building", code.clone()),
            other => other,
        })?),
        None => None,
    };
    let node_id = building
        .as_ref()
        .map(|b| b.node_id)
        .or(incoming.fallback_node)
        .ok_or_else(|| Error::invalid("building", "消息没有对应的楼栋"))?;
    let context = Context { building: building.as_ref().map(|b| b.number.clone()) };
    let engine = Engine::builtin();
    // Fast enough (tens of microseconds) to run inline.
    let triage = engine.triage(&text, &context);

    // A report in a known building becomes a case; unsure ones wait.
    let filing = match (&building, triage.is_report, &triage.category) {
        (Some(b), true, Some(category)) => {
            let hold = triage.confidence < state.config.channels.auto_confidence;
            let draft = Draft {
                category: Some(category.clone()),
                description: text.clone(),
                building: Some(b.code.clone()),
                unit: triage.unit.map(i64::from),
                room: triage.room.clone(),
                floor: triage.floor.map(i64::from),
                urgent: triage.urgent,
                urgent_reason: triage.urgent_reason.clone(),
                // The name a chat shows, cut to what a reporter's name may hold.
                name: Some(incoming.author_name.chars().take(40).collect()),
                source: Some(match incoming.origin {
                    Origin::Wecom => Source::Wecom,
                    _ => Source::Chat,
                }),
                hold,
                ..Default::default()
            };
            let input = draft.parse(actor)?;
            // A unit or room the building lacks is dropped rather than losing the report.
            let located = match service::locate_report(state, &input).await {
                Ok(l) => Some((l, input)),
                Err(Error::Invalid { .. }) => {
                    let input = ReportInput { unit: None, room: None, ..input };
                    service::locate_report(state, &input).await.ok().map(|l| (l, input))
                }
                Err(e) => return Err(e),
            };
            located.map(|(l, input)| (l, input, hold))
        }
        _ => None,
    };
    let unplaced_report = building.is_none() && triage.is_report;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    // The message first, then its case: the progress lines filing posts
    // (受理, 已派遣) come after the message that caused them.
    let message = NewMessage {
        building_id: building.as_ref().map(|b| b.id),
        node_id,
        author_kind: incoming.author_kind,
        author_person_id: incoming.author_person_id,
        author_name: incoming.author_name.clone(),
        text,
        origin: incoming.origin,
        external_id: incoming.external_id.clone(),
        triage: Some(serde_json::to_string(&triage).map_err(|e| anyhow::anyhow!("{e}"))?),
        case_id: None,
        case_state: unplaced_report.then_some(CaseState::Unlocated),
    };
    let id = store::insert(&mut tx, &message, now).await?;
    let case_id = match &filing {
        Some((located, input, hold)) => {
            let case_id = service::file_report(state, &mut tx, actor, input, located).await?;
            let case = crate::cases::store::case_by_id(&mut tx, case_id).await?;
            let held = *hold || case.status == crate::cases::workflow::Status::Reported;
            let case_state = if held { CaseState::Proposed } else { CaseState::Registered };
            store::link_case(&mut tx, id, case_id, case_state).await?;
            Some(case_id)
        }
        None => None,
    };
    tx.commit().await?;
    state.events_appended();
    let message = store::by_id(&state.db, id).await?;
    Ok(Posted { message, triage, case_id, duplicate: false })
}

/// One tap: a proposed case is registered (with the category corrected, if
/// given) and dispatched.
pub async fn confirm(state: &AppState, actor: &Actor, message_id: i64, category: Option<String>) -> Result<Case> {
    let message = store::by_id(&state.db, message_id).await?;
    let case_id = match (message.case_id, message.case_state) {
        (Some(id), Some(CaseState::Proposed)) => id,
        _ => return Err(Error::Conflict(format!("消息 {message_id} 没有待确认的工单"))),
    };
    let input = ActionInput { category, note: Some(crate::cases::notes::CHAT_CONFIRMED.into()), ..Default::default() };
    service::act(state, actor, case_id, Action::Register, input).await?;
    let case = service::act(state, &Actor::System, case_id, Action::Dispatch, ActionInput::default()).await?;
    store::set_case_state(&state.db, message_id, CaseState::Registered).await?;
    Ok(case)
}

/// Not a matter for a case after all: the proposed case is rejected.
pub async fn dismiss(state: &AppState, actor: &Actor, message_id: i64) -> Result<Case> {
    let message = store::by_id(&state.db, message_id).await?;
    let case_id = match (message.case_id, message.case_state) {
        (Some(id), Some(CaseState::Proposed)) => id,
        _ => return Err(Error::Conflict(format!("消息 {message_id} 没有待驳回的工单"))),
    };
    let input = ActionInput { note: Some(crate::cases::notes::CHAT_NOT_A_REQUEST.into()), ..Default::default() };
    let case = service::act(state, actor, case_id, Action::Reject, input).await?;
    store::set_case_state(&state.db, message_id, CaseState::Dismissed).await?;
    Ok(case)
}

/// Residents speak as residents; anyone holding another role as staff.
pub fn author_kind_of(p: &crate::auth::PersonActor) -> AuthorKind {
    if p.grants.iter().all(|g| g.role == crate::auth::Role::Resident) {
        AuthorKind::Resident
    } else {
        AuthorKind::Staff
    }
}
