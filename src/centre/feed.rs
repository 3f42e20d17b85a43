//! The wall's live stream: the newest reports, closings and escalations in
//! scope, newest first, with who did them (names masked: a wall is seen by
//! everyone who walks past it).

use serde::Serialize;

use std::collections::HashMap;

use super::store::{self, FeedCase, FeedEvent};
use crate::db::Db;
use crate::error::Result;

/// Items on the wall.
pub const ITEMS: usize = 10;
/// How far back the stream looks: it bounds the events read.
const LOOKBACK_MS: i64 = 7 * 24 * 3_600_000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedItem {
    pub event_id: i64,
    pub case_id: i64,
    /// `report`, `close` or `escalate`.
    pub action: String,
    /// 新诉求, 已结案, 上报上级.
    pub verb: &'static str,
    /// As people read it: 今天 14:05.
    pub at: String,
    pub category: &'static str,
    pub place: String,
    pub who: String,
}

fn verb(action: &str) -> &'static str {
    match action {
        "report" => "新诉求",
        "close" => "已结案",
        _ => "上报上级",
    }
}

/// A person's name as the wall shows it; a chat label (`企业微信: 张三`)
/// keeps its channel. Organisations and linli itself are shown as they are.
pub fn who(actor_kind: &str, label: &str) -> String {
    match actor_kind {
        "person" => crate::privacy::mask_name(label),
        "public" => match label.rsplit_once(": ") {
            Some((channel, name)) => format!("{channel}: {}", crate::privacy::mask_name(name)),
            None => label.to_string(),
        },
        _ => label.to_string(),
    }
}

/// Events read at a time, newest first, and how many batches at most: a
/// small subtree in a busy district may need a few, and then it stops.
const BATCH: i64 = 200;
const BATCHES: usize = 5;

/// The newest items of a subtree. The events are walked newest first on
/// their time index, a batch at a time, and their cases looked up by id;
/// a join would let SQLite's planner build a Bloom filter over every case
/// of the subtree first (60 ms for a street of 200,000 cases), every second.
pub async fn latest(db: &Db, (low, high): (&str, &str), now: i64) -> Result<Vec<FeedItem>> {
    let mut items = Vec::new();
    // The oldest (at, id) read so far: the next batch starts below it (many
    // events may share a millisecond, so the time alone is not enough).
    let mut below = (i64::MAX, i64::MAX);
    for _ in 0..BATCHES {
        let events = store::feed_events(db, now - LOOKBACK_MS, below, BATCH).await?;
        let full = events.len() as i64 == BATCH;
        let Some(last) = events.last() else { break };
        below = (last.at, last.id);
        let ids: Vec<i64> = events.iter().map(|e| e.case_id).collect();
        let cases = store::feed_cases(db, ids).await?;
        let in_scope: HashMap<i64, FeedCase> = cases
            .into_iter()
            .filter(|c| c.node_path.as_str() >= low && c.node_path.as_str() < high)
            .map(|c| (c.id, c))
            .collect();
        let found = events.into_iter().filter_map(|e| in_scope.get(&e.case_id).map(|c| item(e, c, now)));
        items.extend(found.take(ITEMS - items.len()));
        if items.len() == ITEMS || !full {
            break;
        }
    }
    Ok(items)
}

fn item(e: FeedEvent, c: &FeedCase, now: i64) -> FeedItem {
    FeedItem {
        verb: verb(&e.action),
        at: crate::time::human(e.at, now),
        category: crate::taxonomy::category(&c.category).map_or("其他", |c| c.name_zh),
        place: c.address.clone().filter(|a| !a.is_empty()).unwrap_or_else(|| "位置待核实".to_string()),
        who: who(&e.actor_kind, &e.actor_label),
        event_id: e.id,
        case_id: e.case_id,
        action: e.action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_masked_channels_and_systems_are_not() {
        assert_eq!(who("person", "王小明"), "王**");
        assert_eq!(who("public", "企业微信: 李华"), "企业微信: 李*");
        assert_eq!(who("public", "居民（匿名）"), "居民（匿名）");
        assert_eq!(who("api_client", "Open311: 市民热线"), "Open311: 市民热线");
        assert_eq!(who("system", "系统"), "系统");
        assert_eq!((verb("report"), verb("close"), verb("escalate")), ("新诉求", "已结案", "上报上级"));
    }
}
