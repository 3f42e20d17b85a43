//! Staff pages: the inbox of cases in one's area (what needs me first),
//! a case with its history and the actions one may take, one tap each.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Actor;
use crate::auth::frame::{Chrome, signed_in};
use crate::auth::session::WebUser;
use crate::cases::api::{view_for, views_for};
use crate::cases::service::{self, ActionInput};
use crate::cases::store::{self, CaseFilter, Notice};
use crate::cases::view::{CaseView, EventView};
use crate::cases::workflow::{Action, Status};
use crate::error::{Error, Result};
use crate::ui::i18n::Texts;
use crate::ui::{PageError, render, render_with_status};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/app", home),
        Endpoint::get("/app/cases", inbox),
        Endpoint::get("/app/cases/{id}", detail),
        Endpoint::post("/app/cases/{id}/act", act).map(|h| h.layer(axum::extract::DefaultBodyLimit::disable())),
    ]
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Redirect, PageError> {
    signed_in(&state, &headers, "/app/cases").await?;
    Ok(Redirect::to("/app/cases"))
}

pub struct Tab {
    pub key: &'static str,
    pub label: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "cases/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    notices: Vec<Notice>,
    tabs: Vec<Tab>,
    current: String,
    cases: Vec<CaseView>,
    now: i64,
}

impl InboxPage {
    fn when(&self, rfc3339: &str) -> String {
        when(rfc3339, self.now, self.chrome.t.lang)
    }

    fn when_ms(&self, ms: &i64) -> String {
        when(&crate::time::to_rfc3339(*ms), self.now, self.chrome.t.lang)
    }
}

/// A stored time as the page's language reads it.
fn when(rfc3339: &str, now: i64, lang: &str) -> String {
    match crate::time::parse_datetime(rfc3339) {
        Some(t) if lang == "en" => crate::time::human_en(t, now),
        Some(t) => crate::time::human(t, now),
        None => String::new(),
    }
}

/// The person's latest notifications, unread first.
async fn notices_of(state: &AppState, person_id: i64) -> Result<Vec<Notice>> {
    let mut notices = store::latest_notices(&state.db, person_id).await?;
    notices.sort_by_key(|n| (n.read_at.is_some(), std::cmp::Reverse(n.id)));
    Ok(notices)
}

fn needs_me(v: &CaseView) -> bool {
    v.allowed_actions.iter().any(|a| !matches!(a, Action::Comment | Action::Escalate | Action::Reopen))
}

/// The inbox's tabs: what needs me, each status, overdue, all.
fn tabs_of(all: &[CaseView], t: &Texts) -> Vec<Tab> {
    let todo_label = if t.lang == "en" { "Needs me" } else { "待我处理" };
    let statuses = [
        Status::Reported,
        Status::Registered,
        Status::Dispatched,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
    ];
    let mut tabs =
        vec![Tab { key: "todo", label: todo_label.into(), count: all.iter().filter(|v| needs_me(v)).count() }];
    for s in statuses {
        tabs.push(Tab {
            key: s.code(),
            label: t.status(&s).into(),
            count: all.iter().filter(|v| v.status == s).count(),
        });
    }
    tabs.push(Tab { key: "overdue", label: t.overdue.into(), count: all.iter().filter(|v| v.overdue).count() });
    tabs.push(Tab { key: "all", label: t.all.into(), count: all.len() });
    tabs
}

/// Whether a case is listed under the tab `key`.
fn in_tab(v: &CaseView, key: &str) -> bool {
    match key {
        "todo" => needs_me(v),
        "overdue" => v.overdue,
        "all" => true,
        code => v.status.code() == code,
    }
}

async fn inbox(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, "/app/cases").await?;
    let actor = Actor::Person(user.person.clone());
    let filter = CaseFilter { limit: 200, ..Default::default() };
    let cases = store::visible_cases(&state.db, &user.person, &filter, state.clock.now_ms()).await?;
    let all = views_for(&state, &actor, &cases).await?;
    let chrome = Chrome::new(&headers, Some(&user), "/app/cases");
    let current = params.optional("tab")?.unwrap_or("todo").to_string();
    let tabs = tabs_of(&all, chrome.t);
    let cases: Vec<CaseView> = all.into_iter().filter(|v| in_tab(v, &current)).collect();
    let notices = notices_of(&state, user.person.person_id).await?;
    Ok(render(InboxPage { chrome, notices, tabs, current, cases, now: state.clock.now_ms() }))
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    chrome: Chrome,
    case: CaseView,
    /// The one thing this step asks of the viewer, as the big button.
    primary: Option<Action>,
    /// Everything else they may do, behind 更多.
    more: Vec<Action>,
    events: Vec<EventView>,
    photos: Vec<crate::attachments::Blob>,
    categories: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    now: i64,
    /// What triage reads in the description, and why.
    reading: Reading,
}

/// Triage's reading of a case's description, shown beside it: the
/// category and the words that decided it, and why it is urgent.
struct Reading {
    category: Option<String>,
    because: Vec<String>,
    urgent_reason: Option<String>,
}

impl Reading {
    fn of(description: &str, urgent_reason: Option<String>) -> Reading {
        let t = crate::triage::Engine::builtin().triage(description, &crate::triage::Context::default());
        Reading { category: t.category, because: t.because, urgent_reason }
    }
}

impl CasePage {
    fn needs_note(&self, a: &Action) -> bool {
        service::needs_note(*a)
    }

    fn when(&self, rfc3339: &str) -> String {
        when(rfc3339, self.now, self.chrome.t.lang)
    }
}

/// The action a step asks of the person in front of it: confirm a report
/// (or merge it into the case it duplicates), dispatch, report the job done
/// (taking it implied), verify on site, rate, resume.
pub fn primary_action(status: Status, allowed: &[Action], likely_duplicate: bool) -> Option<Action> {
    use Action as A;
    let preferred: &[Action] = match status {
        Status::Reported if likely_duplicate => &[A::Merge, A::Register],
        Status::Reported => &[A::Register],
        Status::Registered => &[A::Dispatch],
        Status::Dispatched | Status::InProgress => &[A::Resolve, A::Accept],
        Status::Resolved => &[A::Close],
        Status::Closed => &[A::Evaluate],
        Status::Suspended => &[A::Resume],
        _ => &[],
    };
    preferred.iter().copied().find(|a| allowed.contains(a))
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    params: Params,
) -> Result<Response, PageError> {
    let user = signed_in(&state, &headers, &format!("/app/cases/{id}")).await?;
    // Opening a notice's case marks the notice read.
    if let Some(notice) = params.integer("notice", 1, i64::MAX)? {
        store::mark_notice_read(&state.db, user.person.person_id, notice, state.clock.now_ms()).await?;
    }
    let message = params.optional("done")?.map(|_| "已提交".to_string());
    Ok(render(case_page(&state, &headers, &user, id, message).await?))
}

async fn case_page(
    state: &AppState,
    headers: &HeaderMap,
    user: &WebUser,
    id: i64,
    message: Option<String>,
) -> Result<CasePage> {
    let actor = Actor::Person(user.person.clone());
    let case = store::case_by_id(&state.db, id).await?;
    let facts = service::facts(&state.db, &case).await?;
    if !crate::cases::policy::can_view(&actor, &facts) {
        return Err(Error::not_found("case", id.to_string()));
    }
    let view = view_for(state, &actor, &case).await?;
    let primary = primary_action(view.status, &view.allowed_actions, view.likely_duplicate_of.is_some());
    let mut more: Vec<Action> = view.allowed_actions.iter().copied().filter(|a| Some(*a) != primary).collect();
    // A note is the least of the actions: last.
    more.sort_by_key(|a| *a == Action::Comment);
    let events = store::events_of(&state.db, id).await?.iter().map(EventView::from).collect();
    let photos = crate::attachments::of_case(&state.db, id).await?;
    let chrome = Chrome::new(headers, Some(user), &format!("/app/cases/{id}"));
    let categories = crate::taxonomy::CATEGORIES
        .iter()
        .map(|c| (c.code, if chrome.t.lang == "en" { c.name_en } else { c.name_zh }))
        .collect();
    let urgent_reason = if case.urgent { crate::cases::store::urgent_reason(&state.db, id).await? } else { None };
    let reading = Reading::of(&case.description, urgent_reason);
    Ok(CasePage {
        chrome,
        case: view,
        primary,
        more,
        events,
        photos,
        categories,
        message,
        now: state.clock.now_ms(),
        reading,
    })
}

/// One action from the case page (multipart: a photo may come with it).
/// An action that cannot be taken shows the page again with the reason.
async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let path = format!("/app/cases/{id}");
    let user = signed_in(&state, &headers, &path).await?;
    match take_action(&state, &user, id, multipart).await {
        Ok(()) => Ok(Redirect::to(&format!("{path}?done=1")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::IllegalTransition(_) | Error::Conflict(_))) => {
            let page = case_page(&state, &headers, &user, id, Some(e.page_message())).await?;
            Ok(render_with_status(page, e.status()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Takes the action the case page's form asks for.
async fn take_action(state: &AppState, user: &WebUser, id: i64, multipart: Multipart) -> Result<()> {
    let form = super::resident::read_form(state, multipart).await?;
    user.check_csrf(form.get("_csrf"))?;
    let action =
        form.get("action").and_then(Action::from_code).ok_or_else(|| Error::invalid("action", "未知的操作"))?;
    let input = ActionInput {
        note: form.get("note").map(str::to_string),
        rating: form
            .get("rating")
            .map(|r| r.parse().map_err(|_| Error::invalid("rating", "请评 1 到 5 分")))
            .transpose()?,
        merge_into: form
            .get("merge_into")
            .map(|r| r.parse().map_err(|_| Error::invalid("merge_into", "应为工单号")))
            .transpose()?,
        category: form.get("category").map(str::to_string),
        attachments: form.photos.clone(),
        ..Default::default()
    };
    let actor = Actor::Person(user.person.clone());
    service::act(state, &actor, id, action, input).await?;
    // Confirming a report is one tap: register, then linli dispatches.
    if action == Action::Register && state.config.cases.auto_dispatch {
        service::act(state, &Actor::System, id, Action::Dispatch, ActionInput::default()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_primary_action_per_step() {
        use Action as A;
        let assignee = [A::Accept, A::SendBack, A::Resolve, A::Escalate, A::Comment];
        assert_eq!(
            primary_action(Status::Dispatched, &assignee, false),
            Some(A::Resolve),
            "resolving implies accepting"
        );
        assert_eq!(primary_action(Status::Dispatched, &[A::Accept, A::Comment], false), Some(A::Accept));
        assert_eq!(primary_action(Status::Resolved, &[A::Close, A::Rework, A::Comment], false), Some(A::Close));
        let member = [A::Register, A::Reject, A::Merge, A::Comment];
        assert_eq!(primary_action(Status::Reported, &member, false), Some(A::Register));
        assert_eq!(primary_action(Status::Reported, &member, true), Some(A::Merge), "a likely duplicate is merged");
        assert_eq!(primary_action(Status::Closed, &[A::Reopen, A::Comment], false), None, "nothing asked of them");
        assert_eq!(primary_action(Status::Dispatched, &[A::Comment], false), None, "watchers only comment");
    }
}
