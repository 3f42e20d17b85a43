//! `GET /print/work-card/{person_id}.pdf`, `GET /print/notice-board/{code}.pdf`
//! and `GET /verify/{token}`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::cards::{self, WorkCard};
use super::{font, store, verify};
use crate::auth::Actor;
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::people::publicity;
use crate::ui::{PageError, render};
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

/// A PDF shown in the browser, saved under a name people recognise
/// (`越江新村98栋-公示栏.pdf`), with an ASCII name for old clients.
pub fn pdf_response(bytes: Vec<u8>, ascii_fallback: &str, display: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(ascii_fallback, display)),
        ],
        bytes,
    )
        .into_response()
}

/// `inline; filename="ascii.pdf"; filename*=UTF-8''%E8%B6%8A…` (RFC 6266,
/// with RFC 8187/5987 encoding). Both names are cleaned of anything a file
/// system or the header itself would trip on; an empty display name falls
/// back to the ASCII one.
pub fn content_disposition(ascii_fallback: &str, display: &str) -> String {
    let ascii: String = ascii_fallback
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .collect();
    let cleaned: String = display
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(80)
        .collect();
    let display = if cleaned.trim().trim_end_matches(".pdf").trim().is_empty() { ascii.clone() } else { cleaned };
    let mut encoded = String::with_capacity(display.len() * 3);
    for b in display.bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn unavailable(e: font::FontError) -> Error {
    Error::Unavailable(format!("暂时无法生成 PDF：服务器缺少可用的中文字体（{e}）"))
}

/// Draws a document with the CJK font off the async runtime (a page of
/// glyph outlines is CPU work); 503 with the reason when the server has no font.
pub async fn draw_pdf<F>(draw: F) -> Result<Vec<u8>>
where
    F: FnOnce(&'static font::CjkFont) -> Result<Vec<u8>, String> + Send + 'static,
{
    let font = font::font().map_err(unavailable)?;
    tokio::task::spawn_blocking(move || draw(font))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
}

/// Grid roles that carry a card, in the order a card prefers them.
const CARD_ROLES: &[Role] = &[Role::GridHead, Role::MicroGridMember, Role::CommunityStaff, Role::PartyMember];

/// The card of a grid worker. Printed by community staff (or the person):
/// it shows the worker's full work phone if they agreed to publish it, and
/// otherwise the community office's number.
async fn work_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    actor: Actor,
    Path(file): Path<String>,
) -> Result<Response> {
    let person_id: i64 =
        strip_pdf(&file, "work card")?.parse().map_err(|_| Error::not_found("person", file.clone()))?;
    let who = actor.require_person()?;
    let rows = store::active_node_roles(&state.db, person_id).await?;
    let Some(row) = CARD_ROLES.iter().find_map(|role| rows.iter().find(|r| r.role == *role)) else {
        return Err(Error::not_found("work card", format!("人员 {person_id} 没有网格职务")));
    };
    let allowed = who.person_id == row.person_id || who.covers(&[Role::CommunityStaff, Role::Admin], &row.node_path);
    if !allowed {
        return Err(Error::Forbidden("工作证由社区工作人员打印".into()));
    }
    let nodes = crate::org::store::nodes_on_path(&state.db, &row.node_path).await?;
    let area = area_of(&nodes);
    let community = nodes.iter().find(|n| n.level == crate::org::Level::Community);
    let issuer = community.map_or_else(|| "邻里".to_string(), |c| format!("{}居民委员会", c.name));
    let phone = if publicity::shows_in_full(row.role, row.phone_consent) {
        row.phone.clone()
    } else {
        community.and_then(|c| c.office_phone.as_ref()).map(|o| format!("{o}（居委会）"))
    };
    let secret = verify::secret(&state.db, state.clock.now_ms()).await?;
    let card = WorkCard {
        name: row.name.clone(),
        role: row.title.clone().unwrap_or_else(|| row.role.name_zh().to_string()),
        area,
        phone,
        duties: row.duties.clone(),
        issuer,
        verify_url: format!(
            "{}/verify/{}",
            crate::web::base_url(&state, &headers),
            verify::token(&secret, row.assignment_id)
        ),
    };
    let bytes = draw_pdf(move |font| cards::work_card(font, &card)).await?;
    Ok(pdf_response(bytes, &format!("work-card-{person_id}.pdf"), &format!("{}-工作证.pdf", row.name)))
}

/// A building's entrance board: public, as what it shows is posted at the door.
async fn notice_board(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Result<Response> {
    let code = strip_pdf(&file, "notice board")?.to_string();
    let d = crate::directory::Directory::load(&state.db, &code, None).await?;
    let url = format!("{}/buildings/{code}/report", crate::web::base_url(&state, &headers));
    let display = format!("{}-公示栏.pdf", d.building.name);
    let bytes = draw_pdf(move |font| cards::notice_board(font, &d, &url)).await?;
    Ok(pdf_response(bytes, &format!("notice-board-{code}.pdf"), &display))
}

#[derive(Template)]
#[template(path = "print/verify.html")]
struct VerifyPage {
    valid: bool,
    name: String,
    role: String,
    area: String,
    reason: String,
    /// The worker's work phone, when the card is valid and they agreed to publish it.
    phone: Option<String>,
    /// The community office (居委会) that issued the card: name and phone.
    office: Option<(String, Option<String>)>,
}

impl VerifyPage {
    fn refused(reason: &str) -> VerifyPage {
        VerifyPage {
            valid: false,
            name: String::new(),
            role: String::new(),
            area: String::new(),
            reason: reason.into(),
            phone: None,
            office: None,
        }
    }
}

/// Whether a work card's holder is an active grid worker now.
async fn verify_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    _params: Params,
) -> Result<Response, PageError> {
    Ok(render(verify_view(&state, &token).await?))
}

async fn verify_view(state: &AppState, token: &str) -> Result<VerifyPage> {
    let secret = verify::secret(&state.db, state.clock.now_ms()).await?;
    let Some(id) = verify::check(&secret, token) else {
        return Ok(VerifyPage::refused("二维码无效：不是本平台签发的工作证"));
    };
    let Some(row) = store::card_assignment(&state.db, id).await? else {
        return Ok(VerifyPage::refused("查无此证"));
    };
    let nodes = crate::org::store::nodes_on_path(&state.db, &row.node_path).await?;
    let area = area_of(&nodes);
    let office = nodes
        .iter()
        .find(|n| n.level == crate::org::Level::Community)
        .map(|c| (format!("{}居委会", c.name), c.office_phone.clone()));
    let valid = row.active && row.erased_at.is_none();
    let phone = row.phone.filter(|_| valid && publicity::shows_in_full(row.role, row.phone_consent));
    Ok(VerifyPage {
        valid,
        name: if row.erased_at.is_some() { "—".into() } else { row.name },
        role: row.title.unwrap_or_else(|| row.role.name_zh().to_string()),
        area,
        reason: if valid { String::new() } else { "此人已不在岗，工作证已失效".into() },
        phone,
        office,
    })
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

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn file_names_people_recognise() {
        assert_eq!(
            content_disposition("notice-board-32060201100301098.pdf", "越江新村98栋-公示栏.pdf"),
            "inline; filename=\"notice-board-32060201100301098.pdf\"; \
             filename*=UTF-8''%E8%B6%8A%E6%B1%9F%E6%96%B0%E6%9D%9198%E6%A0%8B-%E5%85%AC%E7%A4%BA%E6%A0%8F.pdf"
        );
        // Spaces, quotes and slashes cannot break the header or the file name.
        let h = content_disposition("work card \"7\".pdf", "a/b \"c\"\r\n.pdf");
        assert_eq!(h, "inline; filename=\"work-card--7-.pdf\"; filename*=UTF-8''ab%20c.pdf");
        // Nothing left of the display name: the ASCII one stands in.
        assert_eq!(content_disposition("x.pdf", "///.pdf"), "inline; filename=\"x.pdf\"; filename*=UTF-8''x.pdf");
    }
}
