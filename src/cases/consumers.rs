//! What cases themselves hear from their own event log: the group robots
//! attached above a case are told of its dispatch, fix, closing and
//! escalation, after the step commits (so a slow robot never holds up a
//! report), each message keyed by its event so it is queued once.

use super::events::{self, LOG};
use super::lines::progress_line;
use super::workflow::Action;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::cursor::Consumer;
use crate::platform::outbox::{self, Channel, Message};
use crate::platform::{Ctx, Subject, robots};

/// Registered by the composition root.
pub const ROBOTS: Consumer =
    Consumer { name: "cases.robots", log: LOG, consume: |ctx, tx, after| Box::pin(robots(ctx, tx, after)) };

/// Registration comes with dispatch: robots hear of the dispatch only.
const HEARD: &[Action] = &[Action::Dispatch, Action::Resolve, Action::Close, Action::Escalate];

async fn robots(ctx: &Ctx, tx: &mut Tx, after: i64) -> Result<Option<i64>> {
    let Some(batch) = events::next_batch(tx, after, HEARD).await? else { return Ok(None) };
    if batch.events.is_empty() {
        return Ok(Some(batch.last_id));
    }
    let all = robots::active(&mut *tx).await?;
    let now = ctx.now();
    for (event, case) in &batch.events {
        let Some(line) = progress_line(event, case) else { continue };
        let category = crate::taxonomy::category(&case.category).map_or("", |c| c.name_zh);
        for robot in all.iter().filter(|r| case.node_path.starts_with(&r.node_path)) {
            let message = Message {
                person_id: None,
                address: Some(robot.robot.id.to_string()),
                subject: Some(Subject::new(super::SUBJECT, case.id)),
                link: None,
                title: format!("{line}（{category}）"),
                body: crate::privacy::mask_text(&case.description),
                dedupe_key: format!("event:{}:robot:{}", event.id, robot.robot.id),
            };
            outbox::enqueue(tx, Channel::Robot, &message, now).await?;
        }
    }
    Ok(Some(batch.last_id))
}
