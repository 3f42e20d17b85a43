//! The case event log as others read it: features that want to hear of a
//! case's steps (the building chat's progress lines, robots, later the
//! hazard sweeps and deliberation) register a `platform::cursor::Consumer`
//! over this log; cases never call them.

use super::workflow::Action;
use super::{Case, Event, store};
use crate::db::Tx;
use crate::error::Result;

/// The table the case event log lives in, ordered by `id`.
pub const LOG: &str = "case_events";

/// Events read in one batch.
const BATCH: i64 = 500;

/// What a consumer gets: the next events after its cursor that are one of
/// `actions`, each with its case as it is now, and how far the batch read.
pub struct Batch {
    pub last_id: i64,
    pub events: Vec<(Event, Case)>,
}

/// The next batch after `after`, or `None` when the log holds nothing new.
pub async fn next_batch(tx: &mut Tx, after: i64, actions: &[Action]) -> Result<Option<Batch>> {
    let events = store::events_after(&mut *tx, after, BATCH).await?;
    let Some(last_id) = events.last().map(|e| e.id) else { return Ok(None) };
    let wanted: Vec<Event> = events.into_iter().filter(|e| actions.contains(&e.action)).collect();
    let mut ids: Vec<i64> = wanted.iter().map(|e| e.case_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let cases = store::cases_by_ids(&mut *tx, &ids).await?;
    let events =
        wanted.into_iter().filter_map(|e| cases.iter().find(|c| c.id == e.case_id).cloned().map(|c| (e, c))).collect();
    Ok(Some(Batch { last_id, events }))
}
