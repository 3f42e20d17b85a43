//! `GET /print/work-card/{person_id}.pdf`, `GET /print/notice-board/{code}.pdf`
//! and `GET /verify/{token}`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};

use super::cards::{self, WorkCard};
use super::{font, verify};
use crate::auth::Actor;
use crate::db::query;
use crate::error::{Error, Result};
use crate::people::Role;
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::params::Params;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/print/work-card/{file}", work_card),
        Endpoint::get("/print/notice-board/{file}", notice_board),
        Endpoint::get("/verify/{token}", verify_page),
    ]
}

fn strip_pdf<'a>(file: &'a str, what: &'static str) -> Result<&'a str> {
    file.strip_suffix(".pdf").ok_or_else(|| Error::not_found(what, file.to_string()))
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.pdf\"")),
        ],
        bytes,
    )
        .into_response()
}

fn unavailable(e: font::FontError) -> Error {
    Error::Unavailable(e.to_string())
}

crate::db_row! {
    struct CardRow {
        assignment_id: i64,
        person_id: i64,
        name: String,
        phone: Option<String>,
        role: Role,
        title: Option<String>,
        duties: String,
        node_path: String,
    }
}

/// Grid roles that carry a card, in the order a card prefers them.
const CARD_ROLES: &[Role] = &[Role::GridHead, Role::MicroGridMember, Role::CommunityStaff, Role::PartyMember];

/// The card of a grid worker. Printed by community staff (or the person):
/// it shows the full phone number, which is the worker's own contact.
async fn work_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    actor: Actor,
    Path(file): Path<String>,
) -> Result<Response> {
    let person_id: i64 =
        strip_pdf(&file, "work card")?.parse().map_err(|_| Error::not_found("person", file.clone()))?;
    let who = actor.require_person()?;
    let rows: Vec<CardRow> = query(
        "SELECT r.id AS assignment_id, p.id AS person_id, p.name, p.phone, r.role, r.title, r.duties, n.path AS node_path
         FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id
         WHERE p.id = $1 AND r.active AND p.erased_at IS NULL",
    )
    .bind(person_id)
    .fetch_all(&state.db)
    .await?;
    let Some(row) = CARD_ROLES.iter().find_map(|role| rows.iter().find(|r| r.role == *role)) else {
        return Err(Error::not_found("work card", format!("person {person_id} holds no grid role")));
    };
    let allowed = who.person_id == row.person_id || who.covers(&[Role::CommunityStaff, Role::Admin], &row.node_path);
    if !allowed {
        return Err(Error::Forbidden("work cards are printed by the community's staff".into()));
    }
    let nodes = crate::org::store::nodes_on_path(&state.db, &row.node_path).await?;
    let area = area_of(&nodes);
    let issuer = nodes
        .iter()
        .find(|n| n.level == crate::org::Level::Community)
        .map_or_else(|| "邻里".to_string(), |c| format!("{}居民委员会", c.name));
    let secret = verify::secret(&state.db, state.clock.now_ms()).await?;
    let card = WorkCard {
        name: row.name.clone(),
        role: row.title.clone().unwrap_or_else(|| row.role.name_zh().to_string()),
        area,
        phone: row.phone.clone(),
        duties: row.duties.clone(),
        issuer,
        verify_url: format!(
            "{}/verify/{}",
            crate::web::base_url(&state, &headers),
            verify::token(&secret, row.assignment_id)
        ),
    };
    let font = font::font().map_err(unavailable)?;
    let bytes = tokio::task::spawn_blocking(move || cards::work_card(font, &card))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    Ok(pdf_response(bytes, "work-card"))
}

/// A building's entrance board: public, as what it shows is posted at the door.
async fn notice_board(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Result<Response> {
    let code = strip_pdf(&file, "notice board")?.to_string();
    let d = crate::directory::Directory::load(&state.db, &code, None).await?;
    let url = format!("{}/buildings/{code}/report", crate::web::base_url(&state, &headers));
    let font = font::font().map_err(unavailable)?;
    let bytes = tokio::task::spawn_blocking(move || cards::notice_board(font, &d, &url))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    Ok(pdf_response(bytes, "notice-board"))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    valid: bool,
    name: String,
    role: String,
    area: String,
    reason: String,
}

crate::db_row! {
    struct VerifyRow {
        name: String,
        role: Role,
        title: Option<String>,
        active: bool,
        erased_at: Option<i64>,
        node_path: String,
    }
}

/// Whether a work card's holder is an active grid worker now.
async fn verify_page(State(state): State<AppState>, Path(token): Path<String>, _params: Params) -> Response {
    let page = async {
        let secret = verify::secret(&state.db, state.clock.now_ms()).await?;
        let Some(id) = verify::check(&secret, &token) else {
            return Ok(VerifyPage {
                valid: false,
                name: String::new(),
                role: String::new(),
                area: String::new(),
                reason: "二维码无效：不是本平台签发的工作证".into(),
            });
        };
        let row: Option<VerifyRow> = query(
            "SELECT p.name, r.role, r.title, r.active, p.erased_at, n.path AS node_path
             FROM role_assignments r JOIN people p ON p.id = r.person_id JOIN org_nodes n ON n.id = r.node_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
        let Some(row) = row else {
            return Ok(VerifyPage {
                valid: false,
                name: String::new(),
                role: String::new(),
                area: String::new(),
                reason: "查无此证".into(),
            });
        };
        let nodes = crate::org::store::nodes_on_path(&state.db, &row.node_path).await?;
        let area = area_of(&nodes);
        let valid = row.active && row.erased_at.is_none();
        Ok::<_, Error>(VerifyPage {
            valid,
            name: if row.erased_at.is_some() { "—".into() } else { row.name },
            role: row.title.unwrap_or_else(|| row.role.name_zh().to_string()),
            area,
            reason: if valid { String::new() } else { "此人已不在岗，工作证已失效".into() },
        })
    };
    match page.await.and_then(|p| p.render().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))) {
        Ok(html) => Html(html).into_response(),
        Err(err) => crate::directory::routes::error_page(&err),
    }
}

/// A worker's area as printed and verified: community down to their own node.
fn area_of(nodes: &[crate::org::OrgNode]) -> String {
    nodes
        .iter()
        .filter(|n| n.level >= crate::org::Level::Community)
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(" · ")
}
