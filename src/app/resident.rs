//! Residents, no account needed: report a problem from the building page
//! (with a photo), follow one's reports (their follow tokens live in a
//! cookie on the phone), confirm a fix or send it back, and rate it.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Chrome, render};
use crate::auth::Actor;
use crate::cases::Source;
use crate::cases::routes::view_for;
use crate::cases::service::{self, ActionInput, Location, ReportInput};
use crate::cases::store::Reporter;
use crate::cases::view::{CaseView, EventView};
use crate::cases::workflow::Action;
use crate::error::{Error, Result};
use crate::privacy::Phone;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/buildings/{code}/report", report_page),
        Endpoint::post("/buildings/{code}/report", report).map(|h| h.layer(axum::extract::DefaultBodyLimit::disable())),
        Endpoint::get("/follow", follow_list),
        Endpoint::get("/follow/{id}", follow_page),
        Endpoint::post("/follow/{id}", follow_act),
    ]
}

const FOLLOW_COOKIE: &str = "linli_follow";

/// A submitted form: text fields and the photos it carried (stored).
pub struct Form {
    fields: HashMap<String, String>,
    pub photos: Vec<String>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// Reads a multipart form; files in `photo` fields are checked and stored.
pub async fn read_form(state: &AppState, mut multipart: Multipart) -> Result<Form> {
    let limit = state.config.cases.max_upload_bytes;
    let mut form = Form { fields: HashMap::new(), photos: Vec::new() };
    while let Some(mut field) =
        multipart.next_field().await.map_err(|e| Error::invalid("form", format!("malformed form: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let mut buf = Vec::new();
            while let Some(chunk) =
                field.chunk().await.map_err(|e| Error::invalid("photo", format!("upload interrupted: {e}")))?
            {
                if buf.len() + chunk.len() > limit {
                    return Err(Error::TooLarge(format!("photo: larger than {} MB", limit / 1024 / 1024)));
                }
                buf.extend_from_slice(&chunk);
            }
            if buf.is_empty() {
                continue;
            }
            let (bytes, prepared) =
                tokio::task::spawn_blocking(move || crate::attachments::prepare(&buf).map(|p| (buf, p)))
                    .await
                    .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?
                    .map_err(|e| match e {
                        Error::Invalid { reason, .. } => Error::invalid("photo", reason),
                        other => other,
                    })?;
            let blob = crate::attachments::store(&state.db, bytes, &prepared, state.clock.now_ms()).await?;
            form.photos.push(blob.sha256);
        } else {
            let text = field.text().await.map_err(|e| Error::invalid(name.clone(), format!("unreadable: {e}")))?;
            if text.len() > 10_000 {
                return Err(Error::invalid(name, "is too long"));
            }
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

#[derive(Template)]
#[template(path = "app/report.html")]
struct ReportPage {
    chrome: Chrome,
    building: crate::org::Building,
    units: Vec<i64>,
    categories: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    description: String,
}

async fn report_form(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    message: Option<String>,
    description: String,
) -> Result<ReportPage> {
    let building = crate::org::store::building_by_code(&state.db, code).await?;
    let units = crate::org::store::units_of(&state.db, building.id).await?.iter().map(|u| u.number).collect();
    let chrome = Chrome::new(headers, None, &format!("/buildings/{code}/report"));
    let categories = crate::taxonomy::CATEGORIES
        .iter()
        .map(|c| (c.code, if chrome.t.lang == "en" { c.name_en } else { c.name_zh }))
        .collect();
    Ok(ReportPage { chrome, building, units, categories, message, description })
}

async fn report_page(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    match report_form(&state, &headers, &code, None, String::new()).await {
        Ok(p) => render(p),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

async fn report(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Response {
    let result = async {
        state.limit_anonymous(ip, Some(&code))?;
        let form = read_form(&state, multipart).await?;
        let description = form.get("description").unwrap_or("").to_string();
        if description.is_empty() {
            return Err(Error::invalid("description", "请描述要反映的问题"));
        }
        let building = crate::org::store::building_by_code(&state.db, &code).await?;
        let triage = crate::triage::Engine::builtin()
            .triage(&description, &crate::triage::Context { building: Some(building.number.clone()) });
        let category = match form.get("category") {
            Some(c) => c.to_string(),
            None => {
                triage.category.clone().ok_or_else(|| Error::invalid("category", "看不出是什么问题，请选择问题类别"))?
            }
        };
        let unit = match form.get("unit") {
            Some(u) => Some(u.parse::<i64>().map_err(|_| Error::invalid("unit", "单元号不对"))?),
            None => triage.unit.map(i64::from),
        };
        let phone = match form.get("phone") {
            Some(p) => Some(Phone::parse(p).map_err(|e| Error::invalid("phone", e.to_string()))?.reveal().to_string()),
            None => None,
        };
        let input = ReportInput {
            category,
            description: description.clone(),
            urgent: triage.urgent,
            location: Location::Building(code.clone()),
            unit,
            room: form.get("room").map(str::to_string).or(triage.room.clone()),
            floor: triage.floor.map(i64::from),
            reporter: Reporter { name: form.get("name").map(str::to_string), phone, ..Default::default() },
            source: Source::Web,
            hold: false,
        };
        let case = service::report(&state, &Actor::Anonymous, input).await?;
        if !form.photos.is_empty() {
            let input = ActionInput {
                note: Some("居民上传的现场照片".into()),
                attachments: form.photos.clone(),
                ..Default::default()
            };
            service::act(&state, &Actor::System, case.id, Action::Comment, input).await?;
        }
        Ok::<_, Error>((case, description))
    };
    match result.await {
        Ok((case, _)) => {
            let mut follows = followed(&headers);
            follows.retain(|(id, _)| *id != case.id);
            follows.insert(0, (case.id, case.token.clone()));
            follows.truncate(20);
            let value = follows.iter().map(|(id, t)| format!("{id}.{t}")).collect::<Vec<_>>().join("~");
            let cookie = crate::web::session::set_cookie(&state, FOLLOW_COOKIE, &value, 365 * 24 * 3600);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&format!("/follow/{}?token={}", case.id, case.token)))
                .into_response()
        }
        Err(e @ Error::Invalid { .. }) => {
            let message = match &e {
                Error::Invalid { field, reason } => format!("{field}：{reason}"),
                _ => String::new(),
            };
            match report_form(&state, &headers, &code, Some(message), String::new()).await {
                Ok(p) => {
                    let mut r = render(p);
                    *r.status_mut() = StatusCode::BAD_REQUEST;
                    r
                }
                Err(e) => crate::directory::routes::error_page(&e),
            }
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

/// The reports this phone filed: `(case id, follow token)`.
fn followed(headers: &HeaderMap) -> Vec<(i64, String)> {
    crate::web::session::cookie(headers, FOLLOW_COOKIE)
        .unwrap_or("")
        .split('~')
        .filter_map(|item| item.split_once('.'))
        .filter_map(|(id, token)| Some((id.parse().ok()?, token.to_string())))
        .collect()
}

#[derive(Template)]
#[template(path = "app/follow_list.html")]
struct FollowList {
    chrome: Chrome,
    cases: Vec<(CaseView, String)>,
}

async fn follow_list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let page = async {
        let mut cases = Vec::new();
        for (id, token) in followed(&headers) {
            if let Ok(case) = crate::cases::store::case_by_id(&state.db, id).await
                && crate::web::session::constant_eq(&case.token, &token)
            {
                cases.push((view_for(&state, &Actor::CaseReporter { case_id: id }, &case).await?, token));
            }
        }
        Ok::<_, Error>(FollowList { chrome: Chrome::new(&headers, None, "/follow"), cases })
    };
    match page.await {
        Ok(p) => render(p),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "app/follow.html")]
struct FollowPage {
    chrome: Chrome,
    case: CaseView,
    token: String,
    events: Vec<EventView>,
    photos: Vec<crate::attachments::Blob>,
    message: Option<String>,
}

async fn follow_case(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    token: &str,
    message: Option<String>,
) -> Result<FollowPage> {
    let case = crate::cases::store::case_by_id(&state.db, id).await?;
    if !crate::web::session::constant_eq(&case.token, token) {
        return Err(Error::not_found("case", id.to_string()));
    }
    let view = view_for(state, &Actor::CaseReporter { case_id: id }, &case).await?;
    let events = crate::cases::store::events_of(&state.db, id).await?.iter().map(EventView::from).collect();
    let photos = crate::attachments::of_case(&state.db, id).await?;
    Ok(FollowPage {
        chrome: Chrome::new(headers, None, &format!("/follow/{id}?token={token}")),
        case: view,
        token: token.to_string(),
        events,
        photos,
        message,
    })
}

async fn follow_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    params: Params,
) -> Response {
    let token = params.optional("token").ok().flatten().unwrap_or("").to_string();
    let message = params.optional("done").ok().flatten().map(|_| "已提交，谢谢！".to_string());
    match follow_case(&state, &headers, id, &token, message).await {
        Ok(p) => render(p),
        Err(e) => crate::directory::routes::error_page(&e),
    }
}

/// The reporter confirms the fix, sends it back, or rates it.
async fn follow_act(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    let token = form.optional("token").ok().flatten().unwrap_or("").to_string();
    let result = async {
        state.limit_anonymous(ip, None)?;
        let case = crate::cases::store::case_by_id(&state.db, id).await?;
        if !crate::web::session::constant_eq(&case.token, &token) {
            return Err(Error::not_found("case", id.to_string()));
        }
        let action = match form.optional("action")? {
            Some(a @ ("close" | "rework" | "evaluate")) => {
                Action::from_code(a).ok_or_else(|| Error::invalid("action", "unknown"))?
            }
            _ => return Err(Error::invalid("action", "must be close, rework or evaluate")),
        };
        let input = ActionInput {
            note: form.optional("note")?.map(str::to_string),
            rating: form.integer("rating", 1, 5)?,
            ..Default::default()
        };
        service::act(&state, &Actor::CaseReporter { case_id: id }, id, action, input).await?;
        Ok::<_, Error>(())
    };
    match result.await {
        Ok(()) => Redirect::to(&format!("/follow/{id}?token={token}&done=1")).into_response(),
        Err(e @ (Error::Invalid { .. } | Error::IllegalTransition(_))) => {
            let message = Some(e.to_string());
            match follow_case(&state, &headers, id, &token, message).await {
                Ok(p) => {
                    let mut r = render(p);
                    *r.status_mut() = e.status();
                    r
                }
                Err(e) => crate::directory::routes::error_page(&e),
            }
        }
        Err(e) => crate::directory::routes::error_page(&e),
    }
}
