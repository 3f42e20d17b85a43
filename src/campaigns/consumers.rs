//! What campaigns hear from the case event log: a finding's case reported
//! fixed waits for the member's re-inspection (who is told); a finding's
//! case closed by anyone is a fixed finding.

use super::{FindingState, service, store};
use crate::cases::events::{self, LOG};
use crate::cases::workflow::Action;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::Ctx;
use crate::platform::cursor::Consumer;

/// Registered by the composition root.
pub const FIXES: Consumer =
    Consumer { name: "campaigns.fixes", log: LOG, consume: |ctx, tx, after| Box::pin(fixes(ctx, tx, after)) };

const HEARD: &[Action] = &[Action::Resolve, Action::Close];

async fn fixes(ctx: &Ctx, tx: &mut Tx, after: i64) -> Result<Option<i64>> {
    let Some(batch) = events::next_batch(tx, after, HEARD).await? else { return Ok(None) };
    let now = ctx.now();
    for (event, case) in &batch.events {
        if case.source != crate::cases::Source::Sweep {
            continue;
        }
        for f in store::findings_of_case(&mut *tx, case.id).await? {
            if f.state == FindingState::Fixed || f.state.awaits_reinspection() && event.action == Action::Resolve {
                continue;
            }
            match event.action {
                Action::Resolve => {
                    store::set_state(tx, f.id, FindingState::Resolved, now).await?;
                    service::tell_reinspector(tx, &f, "处置单位反馈已整改", now).await?;
                }
                Action::Close => store::set_state(tx, f.id, FindingState::Fixed, now).await?,
                _ => {}
            }
        }
    }
    Ok(Some(batch.last_id))
}
