//! The command centre's wall (指挥中心): the key rates, a map of the
//! buildings coloured by their open and overdue cases, today's and the
//! month's trend, a live stream of new and closed cases, the units ranked
//! by on-time closing, the overdue list and open cases by status, category
//! and grid — for a 1920×1080 screen read from three metres, and a phone.
//!
//! The page is drawn on the server. `/centre/stream` pushes a fresh
//! snapshot whenever the numbers change (checked every second): its data,
//! and each panel rendered by the same template blocks as the page, so an
//! update can never draw a panel differently from the first render (an
//! empty list says 无 either way).

pub mod feed;
pub mod map;
pub mod ranking;
pub mod store;
pub mod trend;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::auth::Role;
use crate::auth::frame::{Chrome, signed_in};
use crate::auth::session::WebUser;
use crate::cases::indicators::{self, Indicators, Period};
use crate::cases::rollup::{DAY_MS, day_of};
use crate::cases::workflow::Status;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use map::{Layout, Load};
use ranking::UnitRank;
use store::{GridNode, PlaceRow};
use trend::{Series, Trend, Window};

/// A figure another feature puts on the wall beside the case rates (a
/// running sweep's progress): the composition root passes their sources.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tile {
    /// What the value counts, in a few words over it.
    pub label: String,
    pub value: String,
    pub alarm: bool,
}

/// Reads one feature's tiles for a wall's scope.
pub type TileSource = for<'a> fn(&'a AppState, &'a OrgNode) -> BoxFuture<'a, Result<Vec<Tile>>>;

pub fn endpoints(tiles: &'static [TileSource]) -> Vec<Endpoint> {
    vec![
        Endpoint::get("/centre", move |state: State<AppState>, headers: HeaderMap| page(state, headers, tiles)),
        Endpoint::get("/centre/stream", move |state: State<AppState>, headers: HeaderMap| {
            stream(state, headers, tiles)
        }),
        Endpoint::get("/static/centre.css", centre_css),
        Endpoint::get("/static/centre.js", centre_js),
    ]
}

async fn centre_css() -> impl IntoResponse {
    crate::ui::asset(crate::ui::CSS, include_str!("../../static/centre.css"))
}

async fn centre_js() -> impl IntoResponse {
    crate::ui::asset("text/javascript; charset=utf-8", include_str!("../../static/centre.js"))
}

/// Overdue cases listed (the count covers all of them).
const OVERDUE_LISTED: i64 = 6;
/// Categories and grids listed under the map.
const CATEGORIES_LISTED: usize = 6;
const GRIDS_LISTED: usize = 9;
/// How long a wall reuses its ranking: it moves slowly, and summing 30 days
/// of deadlines every second per wall would not.
const RANKING_TTL_MS: i64 = 30_000;

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
    /// The deadline as people read it: 昨天 14:05.
    pub due_at: String,
    /// How late: 超期 3 天.
    pub late: String,
}

/// Everything the wall shows, for one subtree.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snapshot {
    pub scope: String,
    /// When the figures were read, to the minute: 今天 14:05.
    pub as_of: String,
    pub open: i64,
    pub overdue_count: i64,
    pub by_status: Vec<Count>,
    pub by_category: Vec<Count>,
    /// The grids needing attention first, at most GRIDS_LISTED of them.
    pub by_grid: Vec<GridRow>,
    /// Grids in scope, listed or not.
    pub grid_count: usize,
    pub overdue: Vec<OverdueCase>,
    pub rates: Indicators,
    /// Buildings with open cases; every other building is drawn grey.
    pub map: Vec<Load>,
    pub trend: Trend,
    pub feed: Vec<feed::FeedItem>,
    pub ranking: Vec<UnitRank>,
    /// Other features' figures (see [`Tile`]).
    pub tiles: Vec<Tile>,
}

pub(crate) fn percent(x: Option<f64>) -> String {
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
    pub fn open_buildings(&self) -> usize {
        self.map.iter().filter(|l| l.state == map::State::Open).count()
    }
    pub fn overdue_buildings(&self) -> usize {
        self.map.iter().filter(|l| l.state == map::State::Overdue).count()
    }
    /// A building's colour (`map` is sorted by code: a street of thousands
    /// of buildings draws without a quadratic search).
    pub fn state_of(&self, code: &str) -> &'static str {
        let found = self.map.binary_search_by(|l| l.code.as_str().cmp(code)).ok();
        found.map_or(map::State::None, |i| self.map[i].state).code()
    }
}

/// What a wall's stream keeps between ticks: the figures that move slowly.
#[derive(Debug, Default)]
pub struct Memo {
    /// The month's days before today, for the CST day they were read on.
    history: Option<(i64, Series)>,
    /// The ranking and when it was read.
    ranking: Option<(i64, Vec<UnitRank>)>,
}

/// The widest subtree the person oversees.
async fn scope_of(state: &AppState, user: &WebUser) -> Result<OrgNode> {
    let roles = Role::OVERSEERS;
    let node_id = user
        .person
        .grants
        .iter()
        .filter(|g| roles.contains(&g.role))
        .filter_map(|g| g.node_path.as_ref().map(|p| (p.len(), g.node_id)))
        .min_by_key(|(len, _)| *len)
        .and_then(|(_, id)| id)
        .ok_or_else(|| Error::Forbidden("指挥中心只对负责某一区域的工作人员开放".into()))?;
    crate::org::store::node_by_id(&state.db, node_id).await
}

/// The longest overdue open cases.
async fn overdue_cases(db: &Db, bounds: (&str, &str), now: i64) -> Result<Vec<OverdueCase>> {
    let rows = store::longest_overdue(db, bounds, now, OVERDUE_LISTED).await?;
    Ok(rows
        .into_iter()
        .map(|r| OverdueCase {
            id: r.id,
            category: crate::taxonomy::category(&r.category).map_or("其他", |c| c.name_zh),
            address: r.address.unwrap_or_default(),
            assignee: r.assignee_name.unwrap_or_else(|| "未派遣".to_string()),
            due_at: crate::time::human(r.due_at, now),
            late: late(r.due_at, now),
        })
        .collect())
}

/// How long past its deadline a case is, in the largest whole unit.
fn late(due_at: i64, now: i64) -> String {
    let minutes = (now - due_at).max(0) / 60_000;
    match minutes {
        m if m >= 24 * 60 => format!("超期 {} 天", m / (24 * 60)),
        m if m >= 60 => format!("超期 {} 小时", m / 60),
        m => format!("超期 {} 分钟", m.max(1)),
    }
}

/// Open cases by status, in the workflow's order; statuses with none are left out.
fn by_status(kinds: &[(Status, String, i64)]) -> Vec<Count> {
    let statuses = [
        Status::Reported,
        Status::Registered,
        Status::Dispatched,
        Status::InProgress,
        Status::Resolved,
        Status::Suspended,
    ];
    statuses
        .iter()
        .map(|s| Count {
            key: s.code().to_string(),
            label: s.name_zh().to_string(),
            count: kinds.iter().filter(|k| k.0 == *s).map(|k| k.2).sum(),
        })
        .filter(|c| c.count > 0)
        .collect()
}

/// The categories with the most open cases.
fn by_category(kinds: &[(Status, String, i64)]) -> Vec<Count> {
    let mut counts: Vec<Count> = crate::taxonomy::CATEGORIES
        .iter()
        .map(|c| Count {
            key: c.code.to_string(),
            label: c.name_zh.to_string(),
            count: kinds.iter().filter(|k| k.1 == c.code).map(|k| k.2).sum(),
        })
        .filter(|c| c.count > 0)
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    counts.truncate(CATEGORIES_LISTED);
    counts
}

/// Open and overdue per grid, the grids needing attention first (most
/// overdue, then most open) and only the first few: a street may have
/// hundreds. Each place counts under the grid among its ancestors, found by
/// walking its path rather than by testing every grid.
/// Above a community grids are named with it (every community has its 第一网格).
fn per_grid(places: &[PlaceRow], grids: &[GridNode], with_community: bool) -> Vec<GridRow> {
    let index: HashMap<&str, usize> = grids.iter().enumerate().map(|(i, g)| (g.path.as_str(), i)).collect();
    let mut totals = vec![(0, 0); grids.len()];
    for r in places {
        // "/1/5/23/" is under "/1/", "/1/5/" and "/1/5/23/".
        let path = r.node_path.as_str();
        if let Some(&g) = path.match_indices('/').skip(1).find_map(|(i, _)| index.get(&path[..=i])) {
            totals[g] = (totals[g].0 + r.open, totals[g].1 + r.overdue);
        }
    }
    let mut rows: Vec<GridRow> = grids
        .iter()
        .zip(totals)
        .map(|(g, (open, overdue))| GridRow {
            code: g.code.clone(),
            name: if with_community { format!("{} {}", g.community, g.name) } else { g.name.clone() },
            open,
            overdue,
        })
        .collect();
    rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.open.cmp(&a.open)).then_with(|| a.code.cmp(&b.code)));
    rows.truncate(GRIDS_LISTED);
    rows
}

/// Open and overdue per building, sorted by code (the page looks them up).
fn per_building(places: &[PlaceRow]) -> Vec<Load> {
    let mut buildings: HashMap<&str, (i64, i64)> = HashMap::new();
    for r in places {
        if let Some(code) = r.building_code.as_deref() {
            let e = buildings.entry(code).or_default();
            *e = (e.0 + r.open, e.1 + r.overdue);
        }
    }
    let mut loads: Vec<Load> = buildings
        .into_iter()
        .map(|(code, (open, overdue))| Load {
            code: code.to_string(),
            open,
            overdue,
            state: map::State::of(open, overdue),
        })
        .collect();
    loads.sort_by(|a, b| a.code.cmp(&b.code));
    loads
}

/// Today by hour (live) and the month by day: the days before today come
/// from the memo, read again once a day.
async fn trend_of(db: &Db, bounds: (&str, &str), now: i64, memo: &mut Memo) -> Result<Trend> {
    let today_w = Window::today(now);
    let today = trend::series(db, bounds, today_w, now + 1).await?;
    let month_w = Window::month(now);
    let day = day_of(now);
    let past = match &memo.history {
        Some((d, past)) if *d == day => past.clone(),
        _ => {
            let w = Window { len: trend::DAYS - 1, ..month_w };
            let past = trend::series(db, bounds, w, today_w.from).await?;
            memo.history = Some((day, past.clone()));
            past
        }
    };
    let month = past.then(today.total_new(), today.total_closed());
    Ok(Trend { today, month, month_from: month_w.from })
}

async fn ranking_of(state: &AppState, bounds: (&str, &str), now: i64, memo: &mut Memo) -> Result<Vec<UnitRank>> {
    if let Some((at, ranking)) = &memo.ranking
        && (0..RANKING_TTL_MS).contains(&(now - at))
    {
        return Ok(ranking.clone());
    }
    let leave = state.config.cases.suspended_leave_denominator;
    let ranking = ranking::units(&state.db, bounds, now - 30 * DAY_MS, now, now, leave).await?;
    memo.ranking = Some((now, ranking.clone()));
    Ok(ranking)
}

/// The wall's figures for a subtree. Every query is bounded (grouped rows,
/// LIMITs, time windows) and none runs per item.
pub async fn snapshot(state: &AppState, scope: &OrgNode, memo: &mut Memo, sources: &[TileSource]) -> Result<Snapshot> {
    let now = state.clock.now_ms();
    let (low, high) = crate::org::subtree_bounds(&scope.path);
    let bounds = (low.as_str(), high.as_str());
    let db = &state.db;
    let places = store::open_by_place(db, bounds, now).await?;
    let kinds = store::open_by_kind(db, bounds).await?;
    let grids = store::grids_in(db, bounds).await?;
    let with_community = matches!(scope.level, Level::District | Level::Street);
    let (by_grid, map) = (per_grid(&places, &grids, with_community), per_building(&places));
    // Cases due from 30 days ago to 30 days ahead: recent work, and work
    // already finished ahead of its deadline.
    let rates = indicators::for_subtree(
        db,
        scope,
        Period { from: now - 30 * DAY_MS, to: now + 30 * DAY_MS },
        now,
        state.config.cases.suspended_leave_denominator,
    )
    .await?;
    let mut tiles = Vec::new();
    for source in sources {
        tiles.extend(source(state, scope).await?);
    }
    Ok(Snapshot {
        tiles,
        scope: scope.name.clone(),
        as_of: crate::time::human(now, now),
        open: places.iter().map(|p| p.open).sum(),
        overdue_count: places.iter().map(|p| p.overdue).sum(),
        by_status: by_status(&kinds),
        by_category: by_category(&kinds),
        by_grid,
        grid_count: grids.len(),
        overdue: overdue_cases(db, bounds, now).await?,
        rates,
        map,
        trend: trend_of(db, bounds, now, memo).await?,
        feed: feed::latest(db, bounds, now).await?,
        ranking: ranking_of(state, bounds, now, memo).await?,
    })
}

#[derive(Template)]
#[template(
    path = "centre/centre.html",
    blocks = ["as_of", "kpis", "today", "month", "map_legend", "feed", "overdue", "ranking", "status"]
)]
struct CentrePage<'a> {
    chrome: &'a Chrome,
    s: &'a Snapshot,
    map: &'a Layout,
}

/// What the stream sends: the snapshot's data, and every panel rendered
/// by its block of the page's template (element id = block name).
#[derive(Serialize)]
struct Update<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
    html: BTreeMap<&'static str, String>,
}

fn update_json(page: &CentrePage<'_>) -> std::result::Result<String, Error> {
    let rendered = [
        ("as_of", page.as_as_of().render()),
        ("kpis", page.as_kpis().render()),
        ("today", page.as_today().render()),
        ("month", page.as_month().render()),
        ("map_legend", page.as_map_legend().render()),
        ("feed", page.as_feed().render()),
        ("overdue", page.as_overdue().render()),
        ("ranking", page.as_ranking().render()),
        ("status", page.as_status().render()),
    ];
    let mut html = BTreeMap::new();
    for (id, r) in rendered {
        html.insert(id, r.map_err(|e| Error::Internal(anyhow::anyhow!("rendering {id}: {e}")))?);
    }
    serde_json::to_string(&Update { snapshot: page.s, html })
        .map_err(|e| Error::Internal(anyhow::anyhow!("serialising the snapshot: {e}")))
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    tiles: &'static [TileSource],
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, "/centre").await?;
    let scope = scope_of(&state, &user).await?;
    let s = snapshot(&state, &scope, &mut Memo::default(), tiles).await?;
    let (low, high) = crate::org::subtree_bounds(&scope.path);
    let layout = map::layout(&state.db, &low, &high).await?;
    let chrome = Chrome::new(&headers, Some(&user), "/centre");
    Ok(render(CentrePage { chrome: &chrome, s: &s, map: &layout }))
}

/// One open wall's stream.
struct Wall {
    state: AppState,
    scope: OrgNode,
    chrome: Chrome,
    memo: Memo,
    tiles: &'static [TileSource],
    last: Option<Snapshot>,
    first: bool,
}

impl Wall {
    /// The next update to send, once the figures differ from the last sent.
    async fn next(mut self) -> Option<(std::result::Result<Event, Infallible>, Wall)> {
        // The stream only recolours the map: its layout is not needed.
        let no_map = Layout { width: 0.0, height: 0.0, blocks: Vec::new(), unplaced: 0 };
        loop {
            if !self.first {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            self.first = false;
            let started = std::time::Instant::now();
            let read = snapshot(&self.state, &self.scope, &mut self.memo, self.tiles).await;
            tracing::debug!(scope = %self.scope.code, ms = started.elapsed().as_secs_f64() * 1e3, "wall snapshot");
            let s = match read {
                Ok(s) if self.last.as_ref() != Some(&s) => s,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "command centre snapshot failed");
                    continue;
                }
            };
            let page = CentrePage { chrome: &self.chrome, s: &s, map: &no_map };
            match update_json(&page) {
                Ok(json) => {
                    self.last = Some(s);
                    return Some((Ok(Event::default().event("snapshot").data(json)), self));
                }
                Err(e) => tracing::warn!(error = %e, "command centre update failed"),
            }
        }
    }
}

async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    tiles: &'static [TileSource],
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, "/centre").await?;
    let scope = scope_of(&state, &user).await?;
    let chrome = Chrome::new(&headers, Some(&user), "/centre");
    let wall = Wall { state, scope, chrome, memo: Memo::default(), tiles, last: None, first: true };
    let events = futures_util::stream::unfold(wall, Wall::next);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_in_the_largest_whole_unit() {
        let m = 60_000;
        assert_eq!(late(0, 30 * m), "超期 30 分钟");
        assert_eq!(late(0, 0), "超期 1 分钟");
        assert_eq!(late(0, 150 * m), "超期 2 小时");
        assert_eq!(late(0, 3 * 24 * 60 * m + 5), "超期 3 天");
    }

    #[test]
    fn places_add_up_by_grid_and_building() {
        let place = |path: &str, b: Option<&str>, open, overdue| PlaceRow {
            node_path: path.into(),
            building_code: b.map(str::to_string),
            open,
            overdue,
        };
        let grid = |code: &str, path: &str| GridNode {
            code: code.into(),
            name: code.into(),
            path: path.into(),
            community: "越江社区".into(),
        };
        let places = [
            place("/1/2/", Some("B1"), 2, 1),
            place("/1/2/5/", Some("B1"), 1, 0), // the same building, another micro-grid
            place("/1/3/", Some("B2"), 1, 0),
            place("/1/3/", None, 4, 4), // located by coordinates only
        ];
        let grids = per_grid(&places, &[grid("g2", "/1/2/"), grid("g3", "/1/3/"), grid("g4", "/1/4/")], false);
        let got: Vec<(&str, i64, i64)> = grids.iter().map(|g| (g.code.as_str(), g.open, g.overdue)).collect();
        assert_eq!(got, [("g3", 5, 4), ("g2", 3, 1), ("g4", 0, 0)], "the most overdue first");
        let loads = per_building(&places);
        assert_eq!(
            loads.iter().map(|l| (l.code.as_str(), l.open, l.overdue, l.state)).collect::<Vec<_>>(),
            [("B1", 3, 1, map::State::Overdue), ("B2", 1, 0, map::State::Open)]
        );
        let many: Vec<GridNode> = (0..20).map(|i| grid(&format!("g{i:02}"), &format!("/1/{}/", i + 10))).collect();
        assert_eq!(
            per_grid(&places, &many, false).len(),
            GRIDS_LISTED,
            "a street's hundreds of grids are not all listed"
        );
        let named = per_grid(&places, &many[..1], true);
        assert_eq!(named[0].name, "越江社区 g00", "a street's wall names the community");
    }

    #[test]
    fn statuses_in_workflow_order_and_the_busiest_categories() {
        let kinds = [
            (Status::InProgress, "lighting".to_string(), 2),
            (Status::Dispatched, "lighting".to_string(), 1),
            (Status::Dispatched, "elevator".to_string(), 3),
            (Status::Suspended, "noise".to_string(), 1),
        ];
        let statuses: Vec<(String, i64)> = by_status(&kinds).into_iter().map(|c| (c.key, c.count)).collect();
        assert_eq!(statuses, [("dispatched".into(), 4), ("in_progress".into(), 2), ("suspended".into(), 1)]);
        let categories: Vec<(String, i64)> = by_category(&kinds).into_iter().map(|c| (c.key, c.count)).collect();
        assert_eq!(categories, [("elevator".into(), 3), ("lighting".into(), 3), ("noise".into(), 1)]);
        assert!(by_status(&[]).is_empty() && by_category(&[]).is_empty());
    }
}
