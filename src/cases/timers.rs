//! The timers behind a case's deadline: a reminder to the unit at three
//! quarters of the time, then escalation one level up each time another
//! full span passes (grid head, community, the street's command centre).

use serde_json::json;

use super::notices::{Audience, notify_audience};
use super::service::{ActionInput, MAX_ESCALATION, apply, deadline_text, summary};
use super::store::{self, NewEvent};
use super::workflow::{Action, Status};
use super::{Case, notes};
use crate::auth::Actor;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::timers::{self, NewTimer, Timer, TimerKind};
use crate::platform::{Ctx, Subject};
use crate::taxonomy;

/// Timers for a deadline: a reminder at three quarters of the time left and
/// the first escalation when it passes.
pub(super) async fn schedule_deadline(tx: &mut Tx, case_id: i64, now: i64, due: i64) -> Result<()> {
    let remind_at = now + (due - now) * 3 / 4;
    if remind_at > now {
        let timer = NewTimer {
            kind: REMIND,
            subject: Subject::new(super::SUBJECT, case_id),
            payload: json!({}),
            dedupe_key: format!("remind:{case_id}:{due}"),
            run_at: remind_at,
        };
        timers::schedule(tx, &timer, now).await?;
    }
    schedule_overdue(tx, case_id, 1, due, now).await
}

async fn schedule_overdue(tx: &mut Tx, case_id: i64, level: i64, at: i64, now: i64) -> Result<()> {
    let timer = NewTimer {
        kind: OVERDUE,
        subject: Subject::new(super::SUBJECT, case_id),
        payload: json!({ "level": level }),
        dedupe_key: format!("overdue:{case_id}:{level}:{at}"),
        run_at: at,
    };
    timers::schedule(tx, &timer, now).await
}

pub const REMIND: &str = "case.remind";
pub const OVERDUE: &str = "case.overdue";

/// The case timers, for the composition root to register.
pub const KINDS: [TimerKind; 2] = [
    TimerKind { name: REMIND, run: |ctx, tx, timer| Box::pin(run(ctx, tx, timer)) },
    TimerKind { name: OVERDUE, run: |ctx, tx, timer| Box::pin(run(ctx, tx, timer)) },
];

/// Runs one due timer inside the transaction that claimed it. A case that
/// is finished, fixed or paused meanwhile needs no reminder.
async fn run(ctx: &Ctx, tx: &mut Tx, timer: &Timer) -> Result<()> {
    let Some(case_id) = timer.subject_id(super::SUBJECT) else { return Ok(()) };
    let case = store::case_by_id(&mut *tx, case_id).await?;
    let now = ctx.clock.now_ms();
    if !case.status.is_open() || matches!(case.status, Status::Resolved | Status::Suspended) {
        return Ok(());
    }
    match timer.kind.as_str() {
        REMIND => {
            let category = taxonomy::category(&case.category).unwrap_or(&taxonomy::CATEGORIES[0]);
            let due = case.due_at.map(deadline_text).unwrap_or_default();
            let event_id = append_system_event(tx, &case, Action::Remind, notes::DUE_SOON, now).await?;
            let text = format!("即将超期（{due} 截止）：{}", summary(&case, category));
            let email = ctx.config.notify.smtp_url.is_some();
            notify_audience(tx, &case, event_id, &Audience::CurrentAssignee, &text, None, email, now).await?;
        }
        OVERDUE => {
            let level = timer.payload()["level"].as_i64().unwrap_or(1);
            if case.escalation_level < level {
                let input = ActionInput { note: Some(notes::overdue(level)), ..Default::default() };
                apply(ctx, tx, &Actor::System, &case, Action::Escalate, &input, None).await?;
            }
            if level < MAX_ESCALATION
                && let (Some(due), Some(dispatched)) = (case.due_at, case.dispatched_at)
            {
                // The next level hears of it after another full deadline span.
                let span = (due - dispatched).max(60_000);
                schedule_overdue(tx, case.id, level + 1, due + span * level, now).await?;
            }
        }
        other => tracing::warn!(kind = other, "not a case timer"),
    }
    Ok(())
}

pub(super) async fn append_system_event(tx: &mut Tx, case: &Case, action: Action, note: &str, now: i64) -> Result<i64> {
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
