//! Every query the wall runs. Each is bounded (grouped rows, LIMITs, time
//! windows) and none runs per item: a wall reads them every second.

use crate::cases::store::OPEN;
use crate::cases::workflow::Status;
use crate::db::{Db, query, query_dyn};
use crate::error::Result;

crate::db_row! {
    /// Open cases at one node and building, and how many are overdue.
    pub struct PlaceRow {
        pub node_path: String,
        pub building_code: Option<String>,
        pub open: i64,
        pub overdue: i64,
    }
}

/// Open cases grouped by place: one row per (node, building), however many
/// cases there are.
pub async fn open_by_place(db: &Db, (low, high): (&str, &str), now: i64) -> Result<Vec<PlaceRow>> {
    Ok(query_dyn(format!(
        "SELECT c.node_path, b.code AS building_code, COUNT(*) AS open,
                CAST(SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS BIGINT) AS overdue
         FROM cases c LEFT JOIN buildings b ON b.id = c.building_id
         WHERE c.node_path >= $1 AND c.node_path < $2 AND c.{OPEN}
         GROUP BY c.node_path, b.code",
        late = crate::cases::rules::late_now_sql("c", "$3")
    ))
    .bind(low)
    .bind(high)
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// Open cases by status and category: at most statuses × categories rows.
pub async fn open_by_kind(db: &Db, (low, high): (&str, &str)) -> Result<Vec<(Status, String, i64)>> {
    Ok(query_dyn(format!(
        "SELECT status, category, COUNT(*) FROM cases
         WHERE node_path >= $1 AND node_path < $2 AND {OPEN} GROUP BY status, category"
    ))
    .bind(low)
    .bind(high)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    pub struct OverdueRow {
        pub id: i64,
        pub category: String,
        pub address: Option<String>,
        pub assignee_name: Option<String>,
        pub due_at: i64,
    }
}

/// The `limit` open cases longest past their deadline.
pub async fn longest_overdue(db: &Db, (low, high): (&str, &str), now: i64, limit: i64) -> Result<Vec<OverdueRow>> {
    Ok(query_dyn(format!(
        "SELECT c.id, c.category, c.address, c.assignee_name, c.due_at FROM cases c
         WHERE c.node_path >= $1 AND c.node_path < $2 AND {late}
         ORDER BY c.due_at, c.id LIMIT $4",
        late = crate::cases::rules::late_now_sql("c", "$3")
    ))
    .bind(low)
    .bind(high)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// A grid in scope, with the community it belongs to.
    pub struct GridNode {
        pub code: String,
        pub name: String,
        pub path: String,
        pub community: String,
    }
}

/// The grids of a subtree: one row per grid, the tree's own size.
pub async fn grids_in(db: &Db, (low, high): (&str, &str)) -> Result<Vec<GridNode>> {
    Ok(query(
        "SELECT g.code, g.name, g.path, p.name AS community FROM org_nodes g JOIN org_nodes p ON p.id = g.parent_id
         WHERE g.level = 'grid' AND g.path >= $1 AND g.path < $2 ORDER BY g.code",
    )
    .bind(low)
    .bind(high)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// A report, closing or escalation for the live stream.
    pub struct FeedEvent {
        pub id: i64,
        pub case_id: i64,
        pub action: String,
        pub actor_kind: String,
        pub actor_label: String,
        pub at: i64,
    }
}

/// Up to `limit` reports, closings and escalations since `since`, newest
/// first, older than `below` (its time and id: many events may share a
/// millisecond), on the events' time index.
pub async fn feed_events(db: &Db, since: i64, below: (i64, i64), limit: i64) -> Result<Vec<FeedEvent>> {
    Ok(query(
        "SELECT id, case_id, action, actor_kind, actor_label, at FROM case_events
         WHERE at >= $1 AND at <= $2 AND (at < $2 OR id < $3) AND action IN ('report', 'close', 'escalate')
         ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(since)
    .bind(below.0)
    .bind(below.1)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// What the live stream shows of an event's case.
    pub struct FeedCase {
        pub id: i64,
        pub category: String,
        pub address: Option<String>,
        pub node_path: String,
    }
}

/// The cases of the live stream's events, by id.
pub async fn feed_cases(db: &Db, ids: Vec<i64>) -> Result<Vec<FeedCase>> {
    Ok(query_dyn(format!(
        "SELECT id, category, address, node_path FROM cases WHERE id IN ({})",
        crate::org::store::placeholders(1, ids.len())
    ))
    .bind_all(ids)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// A building to draw on the map, with its estate.
    pub struct BuildingRow {
        pub code: String,
        pub number: String,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        pub estate_id: i64,
        pub estate: String,
    }
}

/// Up to `limit` buildings of a subtree, by estate and code.
pub async fn buildings_in(db: &Db, (low, high): (&str, &str), limit: i64) -> Result<Vec<BuildingRow>> {
    Ok(query(
        "SELECT b.code, b.number, b.lat, b.lng, b.estate_id, e.name AS estate
         FROM buildings b JOIN org_nodes n ON n.id = b.node_id JOIN estates e ON e.id = b.estate_id
         WHERE n.path >= $1 AND n.path < $2 ORDER BY b.estate_id, b.code LIMIT $3",
    )
    .bind(low)
    .bind(high)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

crate::db_row! {
    /// One unit's figures, as the database sums them.
    #[derive(Debug, Clone, PartialEq)]
    pub struct UnitRow {
        pub assignee_kind: Option<String>,
        pub assignee_name: String,
        pub due: i64,
        pub closed: i64,
        pub closed_on_time: i64,
        pub overdue: i64,
    }
}

/// The units that handled the subtree's cases due in `[from, to)`, one row
/// per unit, read through the deadline index (the indicators' definition:
/// rejected and merged never count, suspended ones leave when so configured).
pub async fn units_due(
    db: &Db,
    (low, high): (&str, &str),
    from: i64,
    to: i64,
    now: i64,
    suspended_leave: bool,
) -> Result<Vec<UnitRow>> {
    Ok(query(
        "SELECT assignee_kind, assignee_name, COUNT(*) AS due,
                CAST(SUM(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS closed,
                CAST(SUM(CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END) AS BIGINT) AS closed_on_time,
                CAST(SUM(CASE WHEN closed_at > due_at OR (closed_at IS NULL AND due_at < $1) THEN 1 ELSE 0 END) AS BIGINT) AS overdue
         FROM cases
         WHERE due_at >= $2 AND due_at < $3 AND node_path >= $4 AND node_path < $5 AND assignee_name IS NOT NULL
           AND status NOT IN ('rejected', 'merged') AND ($6 = FALSE OR status <> 'suspended')
         GROUP BY assignee_kind, assignee_name",
    )
    .bind(now)
    .bind(from)
    .bind(to)
    .bind(low)
    .bind(high)
    .bind(suspended_leave)
    .fetch_all(db)
    .await?)
}

// New cases by their creation time; closings by the close events (closed_at
// has no index, case_events.at has; a case reopened and closed again counts
// as two closings, which is what a closings trend should show). CROSS JOIN
// makes SQLite walk the events of the window first, as PostgreSQL's
// planner would choose, instead of every case in the subtree.
const NEW: &str = "SELECT (created_at - $1) / $2, COUNT(*) FROM cases
     WHERE created_at >= $1 AND created_at < $3 AND node_path >= $4 AND node_path < $5 GROUP BY 1";
const CLOSED: &str = "SELECT (e.at - $1) / $2, COUNT(*) FROM case_events e CROSS JOIN cases c
     WHERE c.id = e.case_id AND e.action = 'close' AND e.at >= $1 AND e.at < $3
       AND c.node_path >= $4 AND c.node_path < $5 GROUP BY 1";

/// Slots of `step` from `from`, up to `until`.
#[derive(Debug, Clone, Copy)]
pub struct Slots {
    pub from: i64,
    pub step: i64,
    pub until: i64,
}

/// New cases of a subtree per slot: `(slot, count)`, slots without any left out.
pub async fn new_per_slot(db: &Db, bounds: (&str, &str), slots: Slots) -> Result<Vec<(i64, i64)>> {
    per_slot(db, NEW, bounds, slots).await
}

/// Closings of a subtree's cases per slot: `(slot, count)`, slots without any left out.
pub async fn closed_per_slot(db: &Db, bounds: (&str, &str), slots: Slots) -> Result<Vec<(i64, i64)>> {
    per_slot(db, CLOSED, bounds, slots).await
}

async fn per_slot(db: &Db, sql: &'static str, (low, high): (&str, &str), s: Slots) -> Result<Vec<(i64, i64)>> {
    Ok(query(sql).bind(s.from).bind(s.step).bind(s.until).bind(low).bind(high).fetch_all(db).await?)
}
