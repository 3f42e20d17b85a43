//! The building's chat page (the QR code on its notice board opens it):
//! each message with its case's status now and linli's progress lines
//! beneath it; residents post without an account, signed-in people in
//! their name and role.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::api::MessageView;
use super::store::{self, AuthorKind, Origin};
use super::{Incoming, author_kind_of};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/buildings/{code}/chat", chat_page), Endpoint::post("/buildings/{code}/chat", chat_post)]
}

/// A resident's message with what became of it: the case's status now
/// and the progress lines linli posted about it, in order, beneath it.
pub struct Thread {
    pub message: MessageView,
    pub case: Option<CaseLine>,
    pub progress: Vec<MessageView>,
}

pub struct CaseLine {
    pub id: i64,
    pub status: crate::cases::workflow::Status,
}

impl CaseLine {
    /// Fixed and waiting for someone to check it on site.
    pub fn to_verify(&self) -> bool {
        self.status == crate::cases::workflow::Status::Resolved
    }
}

/// Groups a channel's messages into threads: linli's own lines go under the
/// message whose case they report on (or stand alone when that message is
/// older than the page).
fn threads(messages: Vec<MessageView>, statuses: &[(i64, crate::cases::workflow::Status)]) -> Vec<Thread> {
    let mut out: Vec<Thread> = Vec::new();
    for m in messages {
        let parent = match (m.author_kind, m.case_id) {
            (AuthorKind::System, Some(case)) => {
                out.iter().position(|t| t.message.author_kind != AuthorKind::System && t.message.case_id == Some(case))
            }
            _ => None,
        };
        match parent {
            Some(i) => out[i].progress.push(m),
            None => {
                let case = m
                    .case_id
                    .filter(|_| m.author_kind != AuthorKind::System)
                    .and_then(|id| statuses.iter().find(|(c, _)| *c == id).map(|(_, s)| CaseLine { id, status: *s }));
                out.push(Thread { message: m, case, progress: Vec::new() });
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "channels/chat.html")]
struct ChatPage {
    building: crate::org::Building,
    threads: Vec<Thread>,
    notice: Option<String>,
    /// The signed-in person posting, with their form's CSRF token.
    poster: Option<(String, String)>,
}

async fn chat_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    params: Params,
) -> Result<Response, PageError> {
    let building = crate::org::store::building_by_code(&state.db, &code).await?;
    let messages = store::of_building(&state.db, building.id, 0, 100).await?;
    let case_ids: Vec<i64> = messages.iter().filter_map(|m| m.case_id).collect();
    let statuses = crate::cases::store::statuses(&state.db, &case_ids).await?;
    let now = state.clock.now_ms();
    let views = messages.iter().map(|m| MessageView::from(m).at(now)).collect();
    let notice = params
        .optional("sent")?
        .map(|_| "已发送。若是问题反映，系统已转为工单，进展会显示在您的消息下方。".to_string());
    let poster = crate::auth::session::web_user_from(&headers, &state)
        .await?
        .map(|u| (u.person.name_with_role(), u.csrf.clone()));
    Ok(render(ChatPage { building, threads: threads(views, &statuses), notice, poster }))
}

/// A message from the chat page's form: a resident without an account, or
/// a signed-in person, who then speaks with their name and role.
async fn chat_post(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(std::str::from_utf8(&body).map_err(|_| Error::invalid("text", "不是 UTF-8 文本"))?);
    let user = crate::auth::session::web_user_from(&headers, &state).await?;
    if user.is_none() {
        state.limit_anonymous(ip, Some(&code))?;
    }
    let (actor, _) = crate::cases::pages::resident::filer(user.as_ref(), form.optional("_csrf")?)?;
    let incoming = incoming_from(&actor, &form, &code)?;
    let posted = super::post(&state, &actor, incoming).await?;
    let back = Redirect::to(&format!("/buildings/{code}/chat?sent=1#latest"));
    // The poster's phone remembers the case, to confirm and rate it later.
    match posted.case_id {
        Some(id) if actor.person().is_none() => {
            let case = crate::cases::store::case_by_id(&state.db, id).await?;
            let cookie = crate::cases::pages::resident::remember(&state, &headers, id, &case.token);
            Ok(([(axum::http::header::SET_COOKIE, cookie)], back).into_response())
        }
        _ => Ok(back.into_response()),
    }
}

/// The message a chat form carries, in its author's name: a signed-in
/// person's with their role, a resident's as they give it (or 居民).
fn incoming_from(actor: &Actor, form: &Params, code: &str) -> Result<Incoming> {
    let text = form.required("text")?.to_string();
    let (author_kind, author_name) = match actor.person() {
        Some(p) => (author_kind_of(p), p.name_with_role()),
        None => (AuthorKind::Resident, form.text("name", 20)?.unwrap_or("居民").to_string()),
    };
    Ok(Incoming {
        building: Some(code.to_string()),
        fallback_node: None,
        author_kind,
        author_person_id: actor.person_id(),
        author_name,
        text,
        origin: Origin::Web,
        external_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::workflow::Status;

    fn message(id: i64, kind: AuthorKind, case_id: Option<i64>) -> MessageView {
        MessageView {
            id,
            author_kind: kind,
            author_name: String::new(),
            text: format!("m{id}"),
            source: Origin::Web,
            case_id,
            case_state: None,
            created_at: String::new(),
            when: String::new(),
        }
    }

    #[test]
    fn progress_lines_go_under_the_message_of_their_case() {
        let messages = vec![
            message(1, AuthorKind::Resident, Some(10)),
            message(2, AuthorKind::Resident, None),
            message(3, AuthorKind::System, Some(10)),
            message(4, AuthorKind::System, Some(99)),
            message(5, AuthorKind::System, Some(10)),
        ];
        let threads = threads(messages, &[(10, Status::Resolved)]);
        let shape: Vec<(i64, Vec<i64>)> =
            threads.iter().map(|t| (t.message.id, t.progress.iter().map(|p| p.id).collect())).collect();
        assert_eq!(shape, vec![(1, vec![3, 5]), (2, vec![]), (4, vec![])], "an orphan line stands alone");
        assert!(threads[0].case.as_ref().is_some_and(CaseLine::to_verify));
        assert!(threads[2].case.is_none(), "linli's own lines carry no case badge");
    }
}
