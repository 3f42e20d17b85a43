//! The command centre: cases by status, category and grid, the overdue
//! list, 结案率 / 按期结案率 / 满意率, and a heat grid of open cases per
//! building — live over server-sent events, no reloads.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{Chrome, render, require_user};
use crate::cases::indicators::{self, Indicators, Period};
use crate::cases::workflow::Status;
use crate::db::{query, query_dyn};
use crate::error::{Error, Result};
use crate::org::OrgNode;
use crate::people::Role;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::session::WebUser;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/centre", page), Endpoint::get("/centre/stream", stream)]
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GridRow {
    pub code: String,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OverdueCase {
    pub id: i64,
    pub category: &'static str,
    pub address: String,
    pub assignee: String,
    pub due_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub code: String,
    pub number: String,
    pub open: i64,
}

/// Everything the centre shows, for one subtree.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snapshot {
    pub scope: String,
    pub open: i64,
    pub overdue_count: i64,
    pub by_status: Vec<Count>,
    pub by_category: Vec<Count>,
    pub by_grid: Vec<GridRow>,
    pub overdue: Vec<OverdueCase>,
    pub rates: Indicators,
    pub heat: Vec<Cell>,
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{:.1}%", v * 100.0))
}

impl Snapshot {
    pub fn closure(&self) -> String {
        percent(self.rates.closure_rate)
    }
    pub fn on_time(&self) -> String {
        percent(self.rates.on_time_rate)
    }
    pub fn satisfaction(&self) -> String {
        percent(self.rates.satisfaction_rate)
    }
}

/// The widest subtree the person oversees.
async fn scope_of(state: &AppState, user: &WebUser) -> Result<OrgNode> {
    let roles = [Role::Admin, Role::CommandCentre, Role::CommunityStaff, Role::GridHead];
    let node_id = user
        .person
        .grants
        .iter()
        .filter(|g| roles.contains(&g.role))
        .filter_map(|g| g.node_path.as_ref().map(|p| (p.len(), g.node_id)))
        .min_by_key(|(len, _)| *len)
        .and_then(|(_, id)| id)
        .ok_or_else(|| Error::Forbidden("the command centre is for staff who oversee an area".into()))?;
    crate::org::store::node_by_id(&state.db, node_id).await
}

crate::db_row! {
    struct OpenRow {
        id: i64,
        category: String,
        status: Status,
        node_path: String,
        due_at: Option<i64>,
        address: Option<String>,
        assignee_name: Option<String>,
        building_code: Option<String>,
    }
}

pub async fn snapshot(state: &AppState, scope: &OrgNode) -> Result<Snapshot> {
    let now = state.clock.now_ms();
    let (low, high) = crate::org::subtree_bounds(&scope.path);
    let open_rows: Vec<OpenRow> = query_dyn(format!(
        "SELECT c.id, c.category, c.status, c.node_path, c.due_at, c.address, c.assignee_name, b.code AS building_code
         FROM cases c LEFT JOIN buildings b ON b.id = c.building_id
         WHERE c.node_path >= $1 AND c.node_path < $2 AND c.{}",
        crate::cases::store::OPEN
    ))
    .bind(&low)
    .bind(&high)
    .fetch_all(&state.db)
    .await?;
    let grids: Vec<OrgNode> = query(
        "SELECT id, code, parent_id, level, name, path, lat, lng, boundary, office_phone, office_address
         FROM org_nodes WHERE level = 'grid' AND path >= $1 AND path < $2 ORDER BY code",
    )
    .bind(&low)
    .bind(&high)
    .fetch_all(&state.db)
    .await?;
    let is_overdue = |r: &OpenRow| r.status != Status::Suspended && r.due_at.is_some_and(|d| d < now);
    let by_status = [
        Status::Reported,
        Status::Registered,
        Status::Dispatched,
        Status::InProgress,
        Status::Resolved,
        Status::Suspended,
    ]
    .iter()
    .map(|s| Count {
        key: s.code().into(),
        label: s.name_zh().into(),
        count: open_rows.iter().filter(|r| r.status == *s).count() as i64,
    })
    .collect();
    let mut by_category: Vec<Count> = crate::taxonomy::CATEGORIES
        .iter()
        .map(|c| Count {
            key: c.code.into(),
            label: c.name_zh.into(),
            count: open_rows.iter().filter(|r| r.category == c.code).count() as i64,
        })
        .filter(|c| c.count > 0)
        .collect();
    by_category.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    let by_grid = grids
        .iter()
        .map(|g| {
            let rows = open_rows.iter().filter(|r| r.node_path.starts_with(&g.path));
            let (open, overdue) = rows.fold((0, 0), |(o, d), r| (o + 1, d + i64::from(is_overdue(r))));
            GridRow { code: g.code.clone(), name: g.name.clone(), open, overdue }
        })
        .collect();
    let mut overdue: Vec<&OpenRow> = open_rows.iter().filter(|r| is_overdue(r)).collect();
    overdue.sort_by_key(|r| r.due_at);
    let overdue_count = overdue.len() as i64;
    let overdue = overdue
        .into_iter()
        .take(10)
        .map(|r| OverdueCase {
            id: r.id,
            category: crate::taxonomy::category(&r.category).map_or("", |c| c.name_zh),
            address: r.address.clone().unwrap_or_default(),
            assignee: r.assignee_name.clone().unwrap_or_default(),
            due_at: r.due_at.map(crate::time::to_rfc3339).unwrap_or_default(),
        })
        .collect();
    let buildings: Vec<(String, String)> = query(
        "SELECT b.code, b.number FROM buildings b JOIN org_nodes n ON n.id = b.node_id
         WHERE n.path >= $1 AND n.path < $2 ORDER BY b.code LIMIT 200",
    )
    .bind(&low)
    .bind(&high)
    .fetch_all(&state.db)
    .await?;
    let heat = buildings
        .into_iter()
        .map(|(code, number)| {
            let open = open_rows.iter().filter(|r| r.building_code.as_deref() == Some(code.as_str())).count() as i64;
            Cell { code, number, open }
        })
        .collect();
    // Cases due from 30 days ago to 30 days ahead: recent work, and work
    // already finished ahead of its deadline.
    let (from, to) = (now - 30 * 24 * 3_600_000, now + 30 * 24 * 3_600_000);
    let rates = indicators::for_subtree(
        &state.db,
        scope,
        Period { from, to },
        now,
        state.config.cases.suspended_leave_denominator,
    )
    .await?;
    Ok(Snapshot {
        scope: scope.name.clone(),
        open: open_rows.len() as i64,
        overdue_count,
        by_status,
        by_category,
        by_grid,
        overdue,
        rates,
        heat,
    })
}

#[derive(Template)]
#[template(path = "app/centre.html")]
struct CentrePage {
    chrome: Chrome,
    s: Snapshot,
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/centre").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let page = async {
        let scope = scope_of(&state, &user).await?;
        let s = snapshot(&state, &scope).await?;
        Ok::<_, Error>(CentrePage { chrome: Chrome::new(&headers, Some(&user), "/centre"), s })
    };
    match page.await {
        Ok(p) => render(p),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

/// Pushes a fresh snapshot whenever the numbers change (checked every second).
async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match require_user(&state, &headers, "/centre").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let scope = match scope_of(&state, &user).await {
        Ok(s) => s,
        Err(e) => return crate::directory::routes::error_page(&e),
    };
    let events = futures_util::stream::unfold(
        (state, scope, None::<Snapshot>, true),
        |(state, scope, last, first)| async move {
            loop {
                if !first {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                match snapshot(&state, &scope).await {
                    Ok(s) if last.as_ref() != Some(&s) => {
                        let event = Event::default().event("snapshot").json_data(&s).unwrap_or_default();
                        return Some((Ok::<_, Infallible>(event), (state, scope, Some(s), false)));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "command centre snapshot failed"),
                }
                if first {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}
