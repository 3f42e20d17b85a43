//! The campaigns' pages: the list with the form that starts one, a
//! campaign's page (the building × unit matrix a grid head reads at a
//! glance, the indicators, each finding with what the reader may do), the
//! phone's sweep page that works without signal (static/sweep.js and its
//! service worker), and the notice's public page behind the door's QR.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::Indicators;
use super::service::{self, BuildingRow, NewCampaign};
use super::store::{self, Notice, Step};
use super::{Campaign, Check, Finding, FindingState, pdf};
use crate::auth::frame::{Chrome, checked_form, signed_in};
use crate::auth::session::WebUser;
use crate::auth::{Actor, Role};
use crate::error::{Error, Result};
use crate::org::{Level, OrgNode};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

const LIST: &str = "/app/campaigns";

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(LIST, list_page),
        Endpoint::post(LIST, create_from_form),
        Endpoint::get("/app/campaigns/{id}", campaign_page),
        Endpoint::get("/app/campaigns/{id}/sweep", sweep_page),
        Endpoint::get("/app/campaigns/sweep-sw.js", service_worker),
        Endpoint::get("/static/sweep.js", sweep_js),
        Endpoint::get("/static/campaigns.js", campaigns_js),
        Endpoint::get("/static/campaigns.css", campaigns_css),
        Endpoint::get("/notices/{token}", notice_page),
        Endpoint::post("/notices/{token}/answer", answer).map(|h| h.layer(axum::extract::DefaultBodyLimit::disable())),
    ]
}

const JS: &str = "text/javascript; charset=utf-8";

async fn sweep_js() -> impl IntoResponse {
    crate::ui::asset(JS, include_str!("../../static/sweep.js"))
}

async fn campaigns_css() -> impl IntoResponse {
    crate::ui::asset(crate::ui::CSS, include_str!("../../static/campaigns.css"))
}

async fn campaigns_js() -> impl IntoResponse {
    crate::ui::asset(JS, include_str!("../../static/campaigns.js"))
}

/// Served under /app/campaigns/ so that it may control the sweep pages;
/// never cached by the browser's HTTP cache, so a new version takes over.
async fn service_worker() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, JS), (header::CACHE_CONTROL, "no-cache")], include_str!("../../static/sweep-sw.js"))
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    chrome: Chrome,
    campaigns: Vec<Campaign>,
    /// Where the reader may start one (communities, grids), empty if nowhere.
    nodes: Vec<OrgNode>,
    checks: Vec<Check>,
    today: String,
    message: Option<String>,
}

async fn list_view(state: &AppState, headers: &HeaderMap, user: &WebUser, message: Option<String>) -> Result<ListPage> {
    let actor = Actor::Person(user.person.clone());
    let campaigns = service::list(state, &actor).await?;
    let nodes = if user.person.grants.iter().any(|g| Role::MANAGERS.contains(&g.role)) {
        crate::org::store::managed_by(&state.db, &user.person)
            .await?
            .into_iter()
            .filter(|n| matches!(n.level, Level::Street | Level::Community | Level::Grid))
            .collect()
    } else {
        Vec::new()
    };
    let today = crate::time::to_cst(state.now()).format("%Y-%m-%d").to_string();
    let chrome = Chrome::new(headers, Some(user), LIST);
    Ok(ListPage { chrome, campaigns, nodes, checks: super::rules::default_checks(), today, message })
}

async fn list_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, LIST).await?;
    Ok(render(list_view(&state, &headers, &user, None).await?))
}

/// The list page's form: the chosen node, dates and the checked hazard types.
async fn create_from_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, LIST).await?;
    let created = async {
        let form = checked_form(&user, &body)?;
        let chosen = form.all("check");
        let mut checks: Vec<Check> =
            super::rules::default_checks().into_iter().filter(|c| chosen.contains(&c.code.as_str())).collect();
        for c in &mut checks {
            let field = format!("days_{}", c.code);
            let days = form
                .integer(&field, 1, 90)
                .map_err(|_| Error::invalid(field.clone(), format!("“{}”的整改期限应为 1 到 90 天", c.name)))?;
            if let Some(days) = days {
                c.fix_days = days;
            }
        }
        if checks.is_empty() {
            return Err(Error::invalid("checks", "请至少勾选一项检查内容"));
        }
        let input = NewCampaign {
            name: form.optional("name")?.unwrap_or_default().to_string(),
            nodes: form.optional("node")?.map(|n| vec![n.to_string()]).unwrap_or_default(),
            buildings: Vec::new(),
            checks: Some(checks),
            starts_on: form.optional("starts_on")?.unwrap_or_default().to_string(),
            ends_on: form.optional("ends_on")?.unwrap_or_default().to_string(),
        };
        service::create(&state, &Actor::Person(user.person.clone()), input).await
    }
    .await;
    match created {
        Ok(c) => Ok(Redirect::to(&format!("/app/campaigns/{}", c.id)).into_response()),
        Err(e @ Error::Invalid { .. }) => Ok(render(list_view(&state, &headers, &user, Some(e.page_message())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A finding as the campaign page lists it, with what the reader may do.
struct FindingItem {
    finding: Finding,
    notice: Option<Notice>,
    steps: Vec<Step>,
    may_notice: bool,
    may_enforce: bool,
    may_reinspect: bool,
}

#[derive(Template)]
#[template(path = "campaigns/campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    campaign: Campaign,
    /// The node the matrix and indicators are narrowed to, if any.
    part: Option<OrgNode>,
    indicators: Indicators,
    grids: Vec<service::GridRow>,
    buildings: Vec<BuildingRow>,
    findings: Vec<FindingItem>,
    checks: Vec<Check>,
    may_sweep: bool,
}

impl CampaignPage {
    fn count_of(&self, code: &str) -> i64 {
        self.indicators.by_check.get(code).copied().unwrap_or(0)
    }

    fn outcomes(&self) -> &'static [super::Outcome] {
        super::Outcome::ALL
    }

    fn day(&self, ms: &i64) -> String {
        day(*ms)
    }

    fn percent(&self) -> i64 {
        (self.indicators.units_swept * 100).checked_div(self.indicators.units).unwrap_or(0)
    }
}

fn day(ms: i64) -> String {
    crate::time::to_cst(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// The part of the campaign a reader looks at first: a grid head or member
/// their own grid or building, everyone else the whole campaign.
async fn own_part(state: &AppState, user: &WebUser, paths: &[String]) -> Result<Option<OrgNode>> {
    let inside =
        user.person.grants.iter().filter(|g| matches!(g.role, Role::GridHead | Role::MicroGridMember)).find(|g| {
            g.node_path.as_deref().is_some_and(|own| paths.iter().any(|p| own.starts_with(p.as_str()) && own != p))
        });
    match inside.and_then(|g| g.node_id) {
        Some(node) => Ok(Some(crate::org::store::node_by_id(&state.db, node).await?)),
        None => Ok(None),
    }
}

async fn campaign_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    params: crate::web::params::Params,
) -> Result<Response, PageError> {
    let path = format!("/app/campaigns/{id}");
    let user = signed_in(&state, &headers, &path).await?;
    let actor = Actor::Person(user.person.clone());
    let (campaign, paths) = service::visible(&state, &actor, id).await?;
    let part = match params.text("node", 40)? {
        Some("all") => None,
        Some(code) => Some(crate::org::store::node_by_code(&state.db, code).await?),
        None => own_part(&state, &user, &paths).await?,
    };
    let coverage = service::coverage_in(&state, id, &paths, part.as_ref().map(|n| n.code.as_str())).await?;
    // Above a grid, a row per grid; a grid or building is read unit by unit.
    let by_grid = part.as_ref().is_none_or(|n| n.level < Level::Grid) && coverage.grids.len() > 1;
    let (mine, _) = service::sweep_targets(&state, &user.person, id).await?;
    let mut findings = Vec::new();
    let in_part = |f: &Finding| part.as_ref().is_none_or(|n| f.node_path.starts_with(&n.path));
    let mut notices = store::notices_of_campaign(&state.db, id).await?;
    let mut steps = store::steps_of_campaign(&state.db, id).await?;
    // Whether the reader is an enforcement officer above a building: asked once per building.
    let mut enforcer_at: HashMap<String, bool> = HashMap::new();
    for f in store::findings(&state.db, id, &[]).await?.into_iter().filter(in_part) {
        let p = &user.person;
        let enforcer = match enforcer_at.get(&f.node_path) {
            Some(known) => *known,
            None => {
                let known = service::is_enforcer(&state, p, &f.node_path).await?;
                enforcer_at.insert(f.node_path.clone(), known);
                known
            }
        };
        let open = f.state != FindingState::Fixed;
        findings.push(FindingItem {
            notice: notices.iter().position(|n| n.finding_id == f.id).map(|at| notices.swap_remove(at)),
            steps: steps.extract_if(.., |s| s.finding_id == f.id).collect(),
            may_notice: open && (enforcer || p.covers(service::NOTICERS, &f.node_path)),
            may_enforce: (enforcer || p.has_role(Role::Admin))
                && matches!(f.state, FindingState::Enforcement | FindingState::Enforced),
            may_reinspect: open
                && (f.assignee_person_id == Some(p.person_id) || p.covers(Role::VERIFIERS, &f.node_path)),
            finding: f,
        });
    }
    let checks = store::checks(&state.db, id).await?;
    let chrome = Chrome::new(&headers, Some(&user), &path);
    let page = CampaignPage {
        chrome,
        campaign,
        part,
        indicators: coverage.indicators,
        grids: if by_grid { coverage.grids } else { Vec::new() },
        buildings: if by_grid { Vec::new() } else { coverage.buildings },
        findings,
        checks,
        may_sweep: !mine.is_empty(),
    };
    Ok(render(page))
}

#[derive(Template)]
#[template(path = "campaigns/sweep.html")]
struct SweepPage {
    chrome: Chrome,
    campaign: Campaign,
}

async fn sweep_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let path = format!("/app/campaigns/{id}/sweep");
    let user = signed_in(&state, &headers, &path).await?;
    let (campaign, _) = service::visible(&state, &Actor::Person(user.person.clone()), id).await?;
    let chrome = Chrome::new(&headers, Some(&user), &path);
    Ok(render(SweepPage { chrome, campaign }))
}

/// The notice PDF and the name it is saved under.
pub async fn notice_pdf(state: &AppState, actor: &Actor, headers: &HeaderMap, id: i64) -> Result<(Vec<u8>, String)> {
    let (f, notice) = service::printable(state, actor, id).await?;
    let checks = store::checks(&state.db, f.campaign_id).await?;
    let check = checks.iter().find(|c| c.code == f.check_code);
    let directory = crate::directory::Directory::load(&state.db, &f.building_code, Some(f.unit)).await?;
    let contacts = pdf::contacts(&directory);
    let issuer =
        directory.community.as_ref().map_or_else(|| "社区居民委员会".to_string(), |c| format!("{}居民委员会", c.name));
    let sheet = pdf::NoticeSheet {
        number: format!("PC{}-{:05}", f.campaign_id, f.id),
        issuer,
        place: f.place(),
        hazard: f.check_name.clone(),
        note: f.note.clone(),
        legal_basis: check.map(|c| c.legal_basis.clone()).unwrap_or_default(),
        found_on: crate::time::to_cst(f.found_at).format("%Y年%m月%d日").to_string(),
        due: crate::time::to_cst(notice.due_at).format("%Y年%m月%d日 %H:%M").to_string(),
        issued_on: crate::time::to_cst(notice.issued_at).format("%Y年%m月%d日").to_string(),
        live_url: format!("{}/notices/{}", crate::web::base_url(state, headers), notice.token),
    };
    let name = format!("{}-整改告知单.pdf", f.place());
    let bytes = crate::print::pages::draw_pdf(move |font| pdf::notice(font, &sheet, &contacts)).await?;
    Ok((bytes, name))
}

#[derive(Template)]
#[template(path = "campaigns/notice.html")]
struct NoticePage {
    chrome: Chrome,
    token: String,
    hazard: String,
    /// Building and unit only: the room is not published.
    place: String,
    state: FindingState,
    legal_basis: String,
    issued: String,
    due: String,
    overdue: bool,
    answered: Option<String>,
    /// What happened since, without names: `2026-12-05 联合执法：拆除`.
    history: Vec<String>,
    message: Option<String>,
}

async fn notice_view(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    message: Option<String>,
) -> Result<NoticePage> {
    let notice = store::notice_by_token(&state.db, token).await?.ok_or_else(|| Error::not_found("notice", "?"))?;
    let f = store::finding(&state.db, notice.finding_id).await?;
    let checks = store::checks(&state.db, f.campaign_id).await?;
    let chrome = Chrome::new(headers, None, &format!("/notices/{token}"));
    let history = store::steps(&state.db, f.id)
        .await?
        .iter()
        .map(|s| match (s.outcome, s.fixed) {
            (Some(o), _) => {
                format!("{} {}{}", day(s.at), chrome.tr("联合执法：", "Joint enforcement: "), o.name(chrome.en()))
            }
            (None, Some(true)) => format!("{} {}", day(s.at), chrome.tr("网格员复查：已整改", "Re-inspected: fixed")),
            (None, _) => format!("{} {}", day(s.at), chrome.tr("网格员复查：未整改", "Re-inspected: not fixed")),
        })
        .collect();
    let now = state.now();
    Ok(NoticePage {
        place: if chrome.en() {
            format!("{}, unit {}", f.building_name, f.unit)
        } else {
            format!("{}{}单元", f.building_name, f.unit)
        },
        chrome,
        token: token.to_string(),
        hazard: f.check_name.clone(),
        state: f.state,
        legal_basis: checks.iter().find(|c| c.code == f.check_code).map(|c| c.legal_basis.clone()).unwrap_or_default(),
        issued: day(notice.issued_at),
        due: day(notice.due_at),
        overdue: f.state != FindingState::Fixed && notice.due_at < now,
        answered: notice.answered_at.map(day),
        history,
        message,
    })
}

async fn notice_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(notice_view(&state, &headers, &token, None).await?))
}

/// The household's "已整改" with an optional photo and note.
async fn answer(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    state.limit_anonymous(ip, None)?;
    if store::notice_by_token(&state.db, &token).await?.is_none() {
        return Err(Error::not_found("notice", "?").into());
    }
    let answered = async {
        let form = crate::cases::pages::resident::read_form(&state, multipart).await?;
        service::answer_notice(&state, &token, form.get("note"), &form.photos).await
    }
    .await;
    match answered {
        Ok(_) => Ok(Redirect::to(&format!("/notices/{token}")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict(_) | Error::TooLarge(_))) => {
            let page = notice_view(&state, &headers, &token, Some(e.page_message())).await?;
            Ok(crate::ui::render_with_status(page, e.status()))
        }
        Err(e) => Err(e.into()),
    }
}
