//! Residents, no account needed: report a problem from the building page
//! (with a photo), follow one's reports (their follow tokens live in a
//! cookie on the phone; a signed-in reporter's session does as well),
//! confirm a fix or send it back, and rate it. Everyone else who opens a
//! case's link from the building chat sees its progress, masked.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Actor;
use crate::auth::frame::Chrome;
use crate::auth::session::WebUser;
use crate::cases::api::view_for;
use crate::cases::draft::Draft;
use crate::cases::service::{self, ActionInput};
use crate::cases::view::{CaseView, EventView};
use crate::cases::workflow::Action;
use crate::cases::{Case, Source};
use crate::error::{Error, Result};
use crate::ui::{PageError, render, render_with_status};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/buildings/{code}/report", report_page),
        Endpoint::post("/buildings/{code}/report", report).map(|h| h.layer(axum::extract::DefaultBodyLimit::disable())),
        Endpoint::get("/follow", follow_list),
        Endpoint::get("/follow/{id}", follow_page),
        Endpoint::get("/cases/{id}", open_case),
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
        multipart.next_field().await.map_err(|e| Error::invalid("form", format!("表单格式不对：{e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let mut buf = Vec::new();
            while let Some(chunk) =
                field.chunk().await.map_err(|e| Error::invalid("photo", format!("上传中断：{e}")))?
            {
                if buf.len() + chunk.len() > limit {
                    return Err(Error::TooLarge(format!("照片太大：不能超过 {} MB", limit / 1024 / 1024)));
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
            let blob = crate::attachments::save(&state.db, bytes, &prepared, state.clock.now_ms()).await?;
            form.photos.push(blob.sha256);
        } else {
            let text = field.text().await.map_err(|e| Error::invalid(name.clone(), format!("读不出内容：{e}")))?;
            if text.len() > 10_000 {
                return Err(Error::invalid(name, "内容太长"));
            }
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

#[derive(Template)]
#[template(path = "cases/report.html")]
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
    user: Option<&WebUser>,
    code: &str,
    message: Option<String>,
) -> Result<ReportPage> {
    let building = crate::org::store::building_by_code(&state.db, code).await?;
    let units = crate::org::store::units_of(&state.db, building.id).await?.iter().map(|u| u.number).collect();
    let chrome = Chrome::new(headers, user, &format!("/buildings/{code}/report"));
    let categories = chrome.t.categories();
    Ok(ReportPage { chrome, building, units, categories, message, description: String::new() })
}

/// The signed-in person behind a public page, if any.
async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Option<WebUser>> {
    crate::auth::session::web_user_from(headers, state).await
}

async fn report_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers).await?;
    Ok(render(report_form(&state, &headers, user.as_ref(), &code, None).await?))
}

/// Who files a report from a public page: a signed-in person (their name
/// and role go on the case, after the form's CSRF token is checked) or an
/// anonymous resident.
pub fn filer(user: Option<&WebUser>, csrf: Option<&str>) -> Result<(Actor, Source)> {
    let Some(user) = user else { return Ok((Actor::Anonymous, Source::Web)) };
    user.check_csrf(csrf)?;
    let staff = user.person.grants.iter().any(|g| g.role != crate::auth::Role::Resident);
    Ok((Actor::Person(user.person.clone()), if staff { Source::Staff } else { Source::Web }))
}

/// A report from the building's form. A field it cannot take shows the
/// form again with the reason, at 400.
async fn report(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers).await?;
    match file_report(&state, ip, user.as_ref(), &code, multipart).await {
        Ok(case) => {
            let cookie = remember(&state, &headers, case.id, &case.token);
            let follow = Redirect::to(&format!("/follow/{}?token={}", case.id, case.token));
            Ok(([(header::SET_COOKIE, cookie)], follow).into_response())
        }
        Err(Error::Invalid { field, reason }) => {
            let message = field_message(&headers, &field, &reason);
            let page = report_form(&state, &headers, user.as_ref(), &code, Some(message)).await?;
            Ok(render_with_status(page, StatusCode::BAD_REQUEST))
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads the report form, triages what it leaves out and files the case.
async fn file_report(
    state: &AppState,
    ip: crate::web::limits::ClientIp,
    user: Option<&WebUser>,
    code: &str,
    multipart: Multipart,
) -> Result<Case> {
    if user.is_none() {
        state.limit_anonymous(ip, Some(code))?;
    }
    let form = read_form(state, multipart).await?;
    let (actor, source) = filer(user, form.get("_csrf"))?;
    let description = form.get("description").unwrap_or("").to_string();
    if description.is_empty() {
        return Err(Error::invalid("description", "请描述要反映的问题"));
    }
    let building = crate::org::store::building_by_code(&state.db, code).await?;
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
    let draft = Draft {
        category: Some(category),
        description,
        building: Some(code.to_string()),
        unit,
        room: form.get("room").map(str::to_string).or(triage.room.clone()),
        floor: triage.floor.map(i64::from),
        urgent: triage.urgent,
        urgent_reason: triage.urgent_reason.clone(),
        name: form.get("name").map(str::to_string).or_else(|| actor.person().map(|p| p.name.clone())),
        phone: form.get("phone").map(str::to_string),
        attachments: form.photos.clone(),
        source: Some(source),
        ..Default::default()
    };
    service::report(state, &actor, draft.parse(&actor)?).await
}

/// What is wrong with a field, in the page's language: `单元：单元号不对`.
fn field_message(headers: &HeaderMap, field: &str, reason: &str) -> String {
    let t = crate::ui::i18n::Lang::from_headers(headers).texts();
    let field = if t.is_en() { field } else { crate::error::field_zh(field) };
    format!("{field}{}{reason}", t.tr("：", ": "))
}

/// The reports this phone filed: `(case id, follow token)`.
fn followed(headers: &HeaderMap) -> Vec<(i64, String)> {
    crate::auth::session::cookie(headers, FOLLOW_COOKIE)
        .unwrap_or("")
        .split('~')
        .filter_map(|item| item.split_once('.'))
        .filter_map(|(id, token)| Some((id.parse().ok()?, token.to_string())))
        .collect()
}

/// The Set-Cookie value that adds a case to the reports this phone follows
/// (the newest twenty), so its reporter can come back to confirm and rate.
pub fn remember(state: &AppState, headers: &HeaderMap, id: i64, token: &str) -> String {
    let mut follows = followed(headers);
    follows.retain(|(other, _)| *other != id);
    follows.insert(0, (id, token.to_string()));
    follows.truncate(20);
    let value = follows.iter().map(|(id, t)| format!("{id}.{t}")).collect::<Vec<_>>().join("~");
    crate::auth::session::set_cookie(state, FOLLOW_COOKIE, &value, 365 * 24 * 3600)
}

#[derive(Template)]
#[template(path = "cases/follow_list.html")]
struct FollowList {
    chrome: Chrome,
    cases: Vec<(CaseView, String)>,
}

/// A case's link for its reporter: with the follow token when this phone
/// holds it, else bare (a signed-in reporter's session suffices).
fn follow_link(id: i64, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("/follow/{id}?token={t}"),
        None => format!("/follow/{id}"),
    }
}

async fn follow_list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers).await?;
    let mut cases = Vec::new();
    for (id, token) in followed(&headers) {
        if let Ok(case) = crate::cases::store::case_by_id(&state.db, id).await
            && crate::auth::session::constant_eq(&case.token, &token)
        {
            let view = view_for(&state, &Actor::CaseReporter { case_id: id }, &case).await?;
            cases.push((view, follow_link(id, Some(&token))));
        }
    }
    if let Some(user) = &user {
        for case in crate::cases::store::reported_by(&state.db, user.person.person_id, 50).await? {
            if !cases.iter().any(|(v, _)| v.id == case.id) {
                let view = view_for(&state, &Actor::CaseReporter { case_id: case.id }, &case).await?;
                cases.push((view, follow_link(case.id, None)));
            }
        }
    }
    cases.sort_by_key(|(v, _)| std::cmp::Reverse(v.id));
    Ok(render(FollowList { chrome: Chrome::new(&headers, user.as_ref(), "/follow"), cases }))
}

/// `/cases/{id}`: the one link a chat line carries, for everyone who reads
/// it. Staff who may see the case land on its work page, its reporter on
/// the follow page (by the phone's follow token or their session), anyone
/// else on the public progress view.
async fn open_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    let case = crate::cases::store::case_by_id(&state.db, id).await?;
    if let Some(user) = signed_in(&state, &headers).await? {
        let actor = Actor::Person(user.person.clone());
        let staff = user.person.grants.iter().any(|g| g.role != crate::auth::Role::Resident);
        let facts = service::facts(&state.db, &case).await?;
        if staff && crate::cases::policy::can_view(&actor, &facts) {
            return Ok(Redirect::to(&format!("/app/cases/{id}")));
        }
    }
    let token = followed(&headers).into_iter().find(|(other, _)| *other == id).map(|(_, t)| t);
    let token = token.filter(|t| crate::auth::session::constant_eq(&case.token, t));
    Ok(Redirect::to(&follow_link(id, token.as_deref())))
}

#[derive(Template)]
#[template(path = "cases/follow.html")]
struct FollowPage {
    chrome: Chrome,
    case: CaseView,
    /// The reporter (by token or session) may confirm, send back and rate;
    /// anyone else sees the progress only.
    reporter: bool,
    token: String,
    events: Vec<EventView>,
    photos: Vec<crate::attachments::Blob>,
    message: Option<String>,
    now: i64,
}

impl FollowPage {
    fn when(&self, rfc3339: &str) -> String {
        self.chrome.t.when(rfc3339, self.now)
    }

    /// `5 星`, `5 stars`, `1 star`.
    fn stars(&self, n: &i64) -> String {
        match (self.chrome.en(), *n) {
            (false, n) => format!("{n} 星"),
            (true, 1) => "1 star".to_string(),
            (true, n) => format!("{n} stars"),
        }
    }
}

/// Whether the request comes from the case's reporter — the follow token,
/// or a signed-in person among its reporters — and who is signed in.
async fn reporter_access(
    state: &AppState,
    headers: &HeaderMap,
    case: &Case,
    token: &str,
) -> Result<(bool, Option<WebUser>)> {
    let user = signed_in(state, headers).await?;
    if !token.is_empty() && crate::auth::session::constant_eq(&case.token, token) {
        return Ok((true, user));
    }
    let reporter = match &user {
        Some(u) => crate::cases::store::reporter_ids(&state.db, case.id).await?.contains(&u.person.person_id),
        None => false,
    };
    Ok((reporter, user))
}

async fn follow_case(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    token: &str,
    message: Option<String>,
) -> Result<FollowPage> {
    let case = crate::cases::store::case_by_id(&state.db, id).await?;
    let (reporter, user) = reporter_access(state, headers, &case, token).await?;
    let actor = if reporter { Actor::CaseReporter { case_id: id } } else { Actor::Anonymous };
    let mut view = view_for(state, &actor, &case).await?;
    let mut events: Vec<EventView> =
        crate::cases::store::events_of(&state.db, id).await?.iter().map(EventView::from).collect();
    if !reporter {
        // The public view: what happened and when, not who wrote what.
        view.description = crate::privacy::mask_text(&view.description);
        view.room = None;
        view.address = case.building_name.clone();
        events.retain(|e| e.action != Action::Comment);
        for e in &mut events {
            e.note = None;
        }
    }
    let photos = if reporter { crate::attachments::of_case(&state.db, id).await? } else { Vec::new() };
    let path =
        if reporter && !token.is_empty() { format!("/follow/{id}?token={token}") } else { format!("/follow/{id}") };
    let chrome = Chrome::new(headers, user.as_ref(), &path);
    if chrome.en() {
        for e in &mut events {
            e.note = e.note.as_deref().map(crate::cases::notes::en);
        }
    }
    Ok(FollowPage {
        chrome,
        case: view,
        reporter,
        token: token.to_string(),
        events,
        photos,
        message,
        now: state.clock.now_ms(),
    })
}

async fn follow_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Response, PageError> {
    let token = params.optional("token").ok().flatten().unwrap_or("").to_string();
    let t = crate::ui::i18n::Lang::from_headers(&headers).texts();
    let message =
        params.optional("done").ok().flatten().map(|_| t.tr("已提交，谢谢！", "Submitted. Thank you!").to_string());
    Ok(render(follow_case(&state, &headers, id, &token, message).await?))
}

/// The reporter confirms the fix, sends it back, or rates it. An action
/// that cannot be taken shows the page again with the reason.
async fn follow_act(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    let token = form.optional("token").ok().flatten().unwrap_or("").to_string();
    match reporter_acts(&state, ip, &headers, id, &form, &token).await {
        Ok(()) => {
            let back = if token.is_empty() {
                format!("/follow/{id}?done=1")
            } else {
                format!("/follow/{id}?token={token}&done=1")
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(e @ (Error::Invalid { .. } | Error::IllegalTransition(_))) => {
            let page = follow_case(&state, &headers, id, &token, Some(e.page_message())).await?;
            Ok(render_with_status(page, e.status()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Takes the action the follow page's form asks for, if the request comes
/// from the case's reporter.
async fn reporter_acts(
    state: &AppState,
    ip: crate::web::limits::ClientIp,
    headers: &HeaderMap,
    id: i64,
    form: &Params,
    token: &str,
) -> Result<()> {
    state.limit_anonymous(ip, None)?;
    let case = crate::cases::store::case_by_id(&state.db, id).await?;
    let (reporter, user) = reporter_access(state, headers, &case, token).await?;
    if !reporter {
        return Err(Error::not_found("case", id.to_string()));
    }
    // Without the token, the session speaks: its form must carry the CSRF token.
    if !crate::auth::session::constant_eq(&case.token, token)
        && let Some(user) = &user
    {
        user.check_csrf(form.optional("_csrf")?)?;
    }
    let action = match form.optional("action")? {
        Some(a @ ("close" | "rework" | "evaluate")) => {
            Action::from_code(a).ok_or_else(|| Error::invalid("action", "未知的操作"))?
        }
        _ => return Err(Error::invalid("action", "只能确认办结、要求返工或评价")),
    };
    let input = ActionInput {
        note: form.optional("note")?.map(str::to_string),
        rating: form.integer("rating", 1, 5)?,
        ..Default::default()
    };
    service::act(state, &Actor::CaseReporter { case_id: id }, id, action, input).await?;
    Ok(())
}
