//! The wall's live stream: the newest reports, closings and escalations in
//! scope, newest first, with who did them (names masked: a wall is seen by
//! everyone who walks past it).

use serde::Serialize;

use crate::db::{Db, query};
use crate::error::Result;

/// Items on the wall.
pub const ITEMS: i64 = 10;
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

crate::db_row! {
    struct EventRow {
        id: i64,
        case_id: i64,
        action: String,
        actor_kind: String,
        actor_label: String,
        at: i64,
        category: String,
        address: Option<String>,
    }
}

/// The newest items of a subtree. CROSS JOIN keeps SQLite on the events'
/// time index (newest first, stopping at `ITEMS`) instead of walking every
/// case of the subtree.
pub async fn latest(db: &Db, (low, high): (&str, &str), now: i64) -> Result<Vec<FeedItem>> {
    let rows: Vec<EventRow> = query(
        "SELECT e.id, e.case_id, e.action, e.actor_kind, e.actor_label, e.at, c.category, c.address
         FROM case_events e CROSS JOIN cases c
         WHERE c.id = e.case_id AND e.at >= $1 AND e.action IN ('report', 'close', 'escalate')
           AND c.node_path >= $2 AND c.node_path < $3
         ORDER BY e.at DESC, e.id DESC LIMIT $4",
    )
    .bind(now - LOOKBACK_MS)
    .bind(low)
    .bind(high)
    .bind(ITEMS)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FeedItem {
            verb: verb(&r.action),
            at: crate::time::human(r.at, now),
            category: crate::taxonomy::category(&r.category).map_or("其他", |c| c.name_zh),
            place: r.address.filter(|a| !a.is_empty()).unwrap_or_else(|| "位置待核实".to_string()),
            who: who(&r.actor_kind, &r.actor_label),
            event_id: r.id,
            case_id: r.case_id,
            action: r.action,
        })
        .collect())
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
