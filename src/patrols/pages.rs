//! The checkpoint's patrol page, the one its plate's QR opens: sign in
//! once, then "正常" in one tap, or a problem with a photo, or coaching
//! on the spot (static/patrol.js sends it with the phone's position).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::{Checkpoint, Problem, Zone, pdf, service, store};
use crate::auth::Actor;
use crate::auth::frame::{Chrome, signed_in};
use crate::error::{Error, Result};
use crate::ui::{PageError, render};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/patrol/{token}", patrol_page), Endpoint::get("/static/patrol.js", patrol_js)]
}

async fn patrol_js() -> impl IntoResponse {
    crate::ui::asset("text/javascript; charset=utf-8", include_str!("../../static/patrol.js"))
}

#[derive(Template)]
#[template(path = "patrols/checkpoint.html")]
struct CheckpointPage {
    chrome: Chrome,
    zone: Zone,
    checkpoint: Checkpoint,
    problems: Vec<(&'static str, &'static str)>,
    token: String,
}

async fn patrol_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/patrol/{token}");
    let user = signed_in(&state, &headers, &path).await?;
    let checkpoint = store::checkpoint_by_token(&state.db, &token).await?;
    let zone = service::visible(&state, &Actor::Person(user.person.clone()), checkpoint.zone_id).await?;
    let chrome = Chrome::new(&headers, Some(&user), &path);
    let problems = Problem::ALL.iter().map(|p| (p.code(), p.name(chrome.en()))).collect();
    Ok(render(CheckpointPage { chrome, zone, checkpoint, problems, token }))
}

/// The checkpoint's plate and the name it is saved under (managers and owners print it).
pub async fn plate_pdf(state: &AppState, actor: &Actor, headers: &HeaderMap, id: i64) -> Result<(Vec<u8>, String)> {
    let checkpoint = store::checkpoint(&state.db, id).await?;
    let zone = service::visible(state, actor, checkpoint.zone_id)
        .await
        .map_err(|_| Error::not_found("checkpoint", id.to_string()))?;
    let owners = store::owners(&state.db, zone.id).await?;
    let plate = pdf::Plate {
        zone: zone.name.clone(),
        name: checkpoint.name.clone(),
        kind: checkpoint.kind.name(false).to_string(),
        owners: if owners.is_empty() {
            "—".into()
        } else {
            owners.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、")
        },
        url: format!("{}/patrol/{}", crate::web::base_url(state, headers), checkpoint.token),
    };
    let bytes = crate::print::pages::draw_pdf(move |font| pdf::plate(font, &plate)).await?;
    Ok((bytes, format!("{}-巡查点.pdf", checkpoint.name)))
}
