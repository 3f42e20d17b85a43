//! The building chat hears of the cases its messages became, from the case
//! event log: each step people follow (受理, 已派遣, 已修复请确认, 已办结)
//! becomes linli's own line in the building's channel, after the message
//! that caused it.

use crate::cases::Source;
use crate::cases::events::{self, LOG};
use crate::cases::lines::progress_line;
use crate::cases::workflow::Action;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::Ctx;
use crate::platform::cursor::Consumer;

/// Registered by the composition root.
pub const PROGRESS_LINES: Consumer = Consumer {
    name: "channels.progress",
    log: LOG,
    consume: |ctx, tx, after| Box::pin(progress_lines(ctx, tx, after)),
};

const HEARD: &[Action] = &[Action::Register, Action::Dispatch, Action::Resolve, Action::Close];

async fn progress_lines(ctx: &Ctx, tx: &mut Tx, after: i64) -> Result<Option<i64>> {
    let Some(batch) = events::next_batch(tx, after, HEARD).await? else { return Ok(None) };
    let now = ctx.now();
    for (event, case) in &batch.events {
        let from_chat = matches!(case.source, Source::Chat | Source::Wecom);
        if let (true, Some(building_id), Some(line)) = (from_chat, case.building_id, progress_line(event, case)) {
            super::store::insert_system(tx, building_id, case.node_id, case.id, &line, now).await?;
        }
    }
    Ok(Some(batch.last_id))
}
