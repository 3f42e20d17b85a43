//! Storage of cases, their history and their reporters.

use super::workflow::{Action, Status};
use super::{Case, Event, Source};
use crate::auth::{Actor, Role};
use crate::db::{Db, On, Tx, Value, query, query_dyn};
use crate::error::{Error, Result};

pub const CASE_SELECT: &str = "SELECT c.id, c.token, c.category, c.status, c.urgent, c.description, c.source,
        c.building_id, b.code AS building_code, b.name AS building_name, c.unit, c.room, c.floor, c.address,
        c.lat, c.lng, c.node_id, c.node_path, c.property_company_id, c.assignee_kind, c.assignee_org_id,
        c.assignee_person_id, c.assignee_node_id, an.path AS assignee_node_path, c.assignee_name,
        c.escalation_level, c.likely_duplicate_of, c.duplicate_of, c.resume_status, c.suspended_at,
        c.rework_count, c.rating, c.created_at, c.registered_at, c.dispatched_at, c.due_at, c.resolved_at,
        c.closed_at, c.updated_at, c.version
    FROM cases c
    LEFT JOIN buildings b ON b.id = c.building_id
    LEFT JOIN org_nodes an ON an.id = c.assignee_node_id";

pub async fn case_by_id<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Case> {
    query_dyn(format!("{CASE_SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("case", id.to_string()))
}

/// A report to store, already validated and located.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub token: String,
    pub category: String,
    pub urgent: bool,
    pub description: String,
    pub source: Source,
    pub building_id: Option<i64>,
    pub unit: Option<i64>,
    pub room: Option<String>,
    pub floor: Option<i64>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub node_id: i64,
    pub node_path: String,
    pub property_company_id: Option<i64>,
    pub likely_duplicate_of: Option<i64>,
}

pub async fn insert_case(tx: &mut Tx, c: &NewCase, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO cases (token, category, status, urgent, description, source, building_id, unit, room, floor,
                            address, lat, lng, node_id, node_path, property_company_id, likely_duplicate_of,
                            created_at, updated_at)
         VALUES ($1, $2, 'reported', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         RETURNING id",
    )
    .bind(&c.token)
    .bind(&c.category)
    .bind(c.urgent)
    .bind(&c.description)
    .bind(c.source)
    .bind(c.building_id)
    .bind(c.unit)
    .bind(c.room.as_ref())
    .bind(c.floor)
    .bind(c.address.as_ref())
    .bind(c.lat)
    .bind(c.lng)
    .bind(c.node_id)
    .bind(&c.node_path)
    .bind(c.property_company_id)
    .bind(c.likely_duplicate_of)
    .bind(now)
    .scalar(tx)
    .await?)
}

/// Who reported a case, as stored with it.
#[derive(Debug, Clone, Default)]
pub struct Reporter {
    pub person_id: Option<i64>,
    pub api_client_id: Option<i64>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub async fn add_reporter(
    tx: &mut Tx,
    case_id: i64,
    r: &Reporter,
    source: Source,
    merged_from: Option<i64>,
    now: i64,
) -> Result<()> {
    query(
        "INSERT INTO case_reporters (case_id, person_id, api_client_id, name, phone, email, source, merged_from, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(case_id)
    .bind(r.person_id)
    .bind(r.api_client_id)
    .bind(r.name.as_ref())
    .bind(r.phone.as_ref())
    .bind(r.email.as_ref())
    .bind(source)
    .bind(merged_from)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Ids of the people who reported a case (after merges, all of them).
pub async fn reporter_ids<'a>(on: impl Into<On<'a>>, case_id: i64) -> Result<Vec<i64>> {
    Ok(reporter_ids_of(on, &[case_id]).await?.remove(&case_id).unwrap_or_default())
}

/// The reporting people of many cases at once, by case.
pub async fn reporter_ids_of<'a>(
    on: impl Into<On<'a>>,
    case_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>> {
    let mut on = on.into();
    let mut by_case: std::collections::HashMap<i64, Vec<i64>> = case_ids.iter().map(|id| (*id, Vec::new())).collect();
    for chunk in case_ids.chunks(500) {
        // Reporters without an account are dropped here, not in SQL: given
        // `person_id IS NOT NULL` the planner may walk the (partial) person
        // index instead of looking the few cases up by id.
        let sql = format!(
            "SELECT case_id, person_id FROM case_reporters WHERE case_id IN ({})",
            crate::org::store::placeholders(1, chunk.len())
        );
        let rows: Vec<(i64, Option<i64>)> = query_dyn(sql).bind_all(chunk.iter().copied()).fetch_all(on.re()).await?;
        for (case_id, person_id) in rows {
            if let Some(person_id) = person_id {
                let people = by_case.entry(case_id).or_default();
                if !people.contains(&person_id) {
                    people.push(person_id);
                }
            }
        }
    }
    Ok(by_case)
}

/// The current status of each of `ids` that exists.
pub async fn statuses(db: &crate::db::Db, ids: &[i64]) -> Result<Vec<(i64, Status)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT id, status FROM cases WHERE id IN ({})", crate::org::store::placeholders(1, ids.len()));
    Ok(query_dyn(sql).bind_all(ids.iter().copied()).fetch_all(db).await?)
}

/// The cases a person reported (or that absorbed their report), newest first.
pub async fn reported_by(db: &crate::db::Db, person_id: i64, limit: i64) -> Result<Vec<Case>> {
    Ok(query_dyn(format!(
        "{CASE_SELECT} WHERE c.id IN (SELECT case_id FROM case_reporters WHERE person_id = $1)
         ORDER BY c.id DESC LIMIT $2"
    ))
    .bind(person_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Copies a merged case's reporters onto the surviving case.
pub async fn move_reporters(tx: &mut Tx, from: i64, to: i64, now: i64) -> Result<()> {
    query(
        "INSERT INTO case_reporters (case_id, person_id, api_client_id, name, phone, email, source, merged_from, created_at)
         SELECT $1, person_id, api_client_id, name, phone, email, source, $2, $3 FROM case_reporters WHERE case_id = $2",
    )
    .bind(to)
    .bind(from)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// An entry for the history.
pub struct NewEvent<'a> {
    pub case_id: i64,
    pub action: Action,
    pub from: Option<Status>,
    pub to: Status,
    pub actor: &'a Actor,
    pub note: Option<&'a str>,
    pub data: serde_json::Value,
}

pub async fn append_event(tx: &mut Tx, e: NewEvent<'_>, now: i64) -> Result<i64> {
    let (kind, person, client) = match e.actor {
        Actor::Anonymous | Actor::CaseReporter { .. } | Actor::Channel { .. } => ("public", None, None),
        Actor::Person(p) => ("person", Some(p.person_id), None),
        Actor::ApiClient { id, .. } => ("api_client", None, Some(*id)),
        Actor::System => ("system", None, None),
    };
    Ok(query(
        "INSERT INTO case_events (case_id, action, from_status, to_status, actor_kind, actor_person_id, actor_client_id,
                                  actor_label, note, data, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(e.case_id)
    .bind(e.action)
    .bind(e.from.map(Status::code))
    .bind(e.to)
    .bind(kind)
    .bind(person)
    .bind(client)
    .bind(e.actor.label())
    .bind(e.note)
    .bind(e.data.to_string())
    .bind(now)
    .scalar(tx)
    .await?)
}

const EVENT_COLUMNS: &str =
    "id, case_id, action, from_status, to_status, actor_kind, actor_person_id, actor_label, note, data, at";

pub async fn events_of<'a>(on: impl Into<On<'a>>, case_id: i64) -> Result<Vec<Event>> {
    Ok(query_dyn(format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = $1 ORDER BY id"))
        .bind(case_id)
        .fetch_all(on)
        .await?)
}

/// The log after an event id, oldest first: what consumers read.
pub async fn events_after<'a>(on: impl Into<On<'a>>, after: i64, limit: i64) -> Result<Vec<Event>> {
    Ok(query_dyn(format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind(after)
        .bind(limit)
        .fetch_all(on)
        .await?)
}

/// Why a case was marked urgent when it was reported, if it said.
pub async fn urgent_reason<'a>(on: impl Into<On<'a>>, case_id: i64) -> Result<Option<String>> {
    let data: Option<(String,)> =
        query("SELECT data FROM case_events WHERE case_id = $1 AND action = 'report' ORDER BY id LIMIT 1")
            .bind(case_id)
            .fetch_optional(on)
            .await?;
    Ok(data
        .and_then(|(d,)| serde_json::from_str::<serde_json::Value>(&d).ok())
        .and_then(|d| d["urgent_reason"].as_str().map(str::to_string)))
}

/// Several cases by id, in one query.
pub async fn cases_by_ids<'a>(on: impl Into<On<'a>>, ids: &[i64]) -> Result<Vec<Case>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{CASE_SELECT} WHERE c.id IN ({})", crate::org::store::placeholders(1, ids.len()));
    Ok(query_dyn(sql).bind_all(ids.iter().copied()).fetch_all(on).await?)
}

/// Events between two times (inclusive start, exclusive end), oldest first:
/// the feed behind Open311 `servicerequestupdates`.
pub async fn events_between<'a>(on: impl Into<On<'a>>, from: i64, to: i64, limit: i64) -> Result<Vec<Event>> {
    Ok(query_dyn(format!(
        "SELECT {EVENT_COLUMNS} FROM case_events WHERE at >= $1 AND at < $2 AND action <> 'remind'
         ORDER BY at, id LIMIT $3"
    ))
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(on)
    .await?)
}

/// Narrowing of a case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<StatusFilter>,
    pub category: Option<String>,
    pub building: Option<String>,
    pub node_path: Option<String>,
    pub overdue: bool,
    pub limit: i64,
    pub offset: i64,
}

/// `status=` of a case list: one status, or `open` for all still worked on.
#[derive(Debug, Clone, Copy)]
pub enum StatusFilter {
    Is(Status),
    Open,
}

/// The cases a person's grants cover and those they reported, newest first.
/// Two index-friendly queries merged here: one `OR` across both would make
/// every list a scan of the whole table.
pub async fn visible_cases(db: &Db, person: &crate::auth::PersonActor, f: &CaseFilter, now: i64) -> Result<Vec<Case>> {
    let window = f.offset + f.limit.max(1);
    let reported = format!("c.id IN (SELECT case_id FROM case_reporters WHERE person_id = {})", person.person_id);
    let mut cases = match scope_of(person) {
        Some((scope, scope_args)) => {
            let mut cases = filtered(db, &scope, scope_args, f, window, now).await?;
            cases.extend(filtered(db, &reported, Vec::new(), f, window, now).await?);
            cases.sort_by_key(|c| std::cmp::Reverse(c.id));
            cases.dedup_by_key(|c| c.id);
            cases
        }
        None => filtered(db, &reported, Vec::new(), f, window, now).await?,
    };
    Ok(cases.drain(..).skip(f.offset as usize).take(f.limit.max(1) as usize).collect())
}

/// What a person's grants cover, as SQL over `c` with its arguments.
fn scope_of(person: &crate::auth::PersonActor) -> Option<(String, Vec<Value>)> {
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        args.push(v);
        format!("${}", args.len())
    };
    let mut scope: Vec<String> = Vec::new();
    for g in &person.grants {
        match (g.role, &g.node_path, g.organisation_id) {
            (Role::PropertyStaff, _, Some(org)) => {
                let p = arg(org.into());
                scope.push(format!("c.property_company_id = {p} OR c.assignee_org_id = {p}"));
            }
            (Role::DepartmentOfficer, _, Some(org)) => scope.push(format!("c.assignee_org_id = {}", arg(org.into()))),
            (role, Some(path), _) if Role::AREA_STAFF.contains(&role) => {
                let (low, high) = crate::org::subtree_bounds(path);
                scope.push(format!("(c.node_path >= {} AND c.node_path < {})", arg(low.into()), arg(high.into())));
            }
            _ => {}
        }
    }
    (!scope.is_empty()).then(|| (scope.join(" OR "), args))
}

/// Up to `window` newest cases matching `scope` (numbered from `$1`) and the
/// filter. The ids are chosen first, from indexes where the filter allows
/// (an open-case list reads no table row it does not return), then the rows.
async fn filtered(
    db: &Db,
    scope: &str,
    mut args: Vec<Value>,
    f: &CaseFilter,
    window: i64,
    now: i64,
) -> Result<Vec<Case>> {
    let mut arg = |v: Value| {
        args.push(v);
        format!("${}", args.len())
    };
    let mut ids = String::from("SELECT c.id FROM cases c");
    if f.building.is_some() {
        ids.push_str(" JOIN buildings b ON b.id = c.building_id");
    }
    ids.push_str(&format!(" WHERE ({scope})"));
    match f.status {
        Some(StatusFilter::Is(status)) => ids.push_str(&format!(" AND c.status = {}", arg(status.into()))),
        Some(StatusFilter::Open) => ids.push_str(&format!(" AND c.{}", OPEN)),
        None => {}
    }
    if let Some(category) = &f.category {
        ids.push_str(&format!(" AND c.category = {}", arg(category.clone().into())));
    }
    if let Some(code) = &f.building {
        ids.push_str(&format!(" AND b.code = {}", arg(code.clone().into())));
    }
    if let Some(path) = &f.node_path {
        let (low, high) = crate::org::subtree_bounds(path);
        ids.push_str(&format!(" AND c.node_path >= {} AND c.node_path < {}", arg(low.into()), arg(high.into())));
    }
    if f.overdue {
        let now = arg(now.into());
        ids.push_str(&format!(" AND {}", super::rules::overdue_sql("c", &now)));
    }
    ids.push_str(&format!(" ORDER BY c.id DESC LIMIT {}", arg(window.into())));
    let sql = format!("{} WHERE c.id IN ({ids}) ORDER BY c.id DESC", CASE_SELECT);
    Ok(query_dyn(sql).bind_all(args).fetch_all(db).await?)
}

/// The cases still being worked on, spelt exactly as the partial indexes
/// `cases_open_path` and `cases_open_due` spell it (so planners use them).
pub const OPEN: &str = "status NOT IN ('closed', 'evaluated', 'rejected', 'merged')";

/// Changes to write with a transition; `None` leaves a column alone.
#[derive(Debug, Default)]
pub struct Changes {
    pub set: Vec<(&'static str, Value)>,
}

impl Changes {
    pub fn set(&mut self, column: &'static str, value: impl Into<Value>) {
        self.set.push((column, value.into()));
    }
}

/// Writes a new status and changes if nobody else changed the case since it
/// was read (`version`); a lost race is a 409 the client can retry.
pub async fn update_case(tx: &mut Tx, case: &Case, status: Status, changes: Changes, now: i64) -> Result<()> {
    let mut sql = String::from("UPDATE cases SET status = $1, updated_at = $2, version = version + 1");
    let mut args: Vec<Value> = vec![status.into(), now.into()];
    for (column, value) in changes.set {
        args.push(value);
        sql.push_str(&format!(", {column} = ${}", args.len()));
    }
    args.push(case.id.into());
    sql.push_str(&format!(" WHERE id = ${}", args.len()));
    args.push(case.version.into());
    sql.push_str(&format!(" AND version = ${}", args.len()));
    let changed = query_dyn(sql).bind_all(args).execute(tx).await?;
    if changed == 0 {
        return Err(Error::Conflict(format!("工单 #{} 刚被他人修改，请刷新后重试", case.id)));
    }
    Ok(())
}

crate::db_row! {
    /// One of a person's notifications, as the inbox lists it.
    pub struct Notice {
        pub id: i64,
        /// The page it opens.
        pub link: Option<String>,
        pub title: String,
        pub created_at: i64,
        pub read_at: Option<i64>,
    }
}

/// A person's eight newest notifications, newest first.
pub async fn latest_notices(db: &Db, person_id: i64) -> Result<Vec<Notice>> {
    Ok(query(
        "SELECT id, link, title, created_at, read_at FROM notifications WHERE person_id = $1
         ORDER BY id DESC LIMIT 8",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?)
}

/// Marks one of a person's notifications read (once).
pub async fn mark_notice_read(db: &Db, person_id: i64, id: i64, now: i64) -> Result<()> {
    query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND person_id = $3 AND read_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
