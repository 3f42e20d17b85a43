//! `POST /api/v1/attachments` (multipart upload of one photo),
//! `GET /attachments/{sha256}` and `GET /attachments/{sha256}/thumbnail`.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Blob, store};
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        // The size limit is enforced while streaming, from the settings.
        Endpoint::post("/api/v1/attachments", upload).map(|h| h.layer(DefaultBodyLimit::disable())),
        Endpoint::get("/attachments/{sha}", original),
        Endpoint::get("/attachments/{sha}/thumbnail", thumbnail),
    ]
}

async fn upload(
    State(state): State<AppState>,
    ip: crate::web::limits::ClientIp,
    actor: crate::auth::Actor,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Blob>)> {
    if matches!(actor, crate::auth::Actor::Anonymous) {
        state.limit_anonymous(ip, None)?;
    }
    let limit = state.config.cases.max_upload_bytes;
    let mut bytes: Option<Vec<u8>> = None;
    while let Some(mut field) =
        multipart.next_field().await.map_err(|e| Error::invalid("file", format!("multipart 请求格式不对：{e}")))?
    {
        if !matches!(field.name(), Some("file" | "photo" | "media")) {
            continue;
        }
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| Error::invalid("file", format!("上传中断：{e}")))?
        {
            if buf.len() + chunk.len() > limit {
                return Err(Error::TooLarge(format!("照片太大：不能超过 {limit} 字节")));
            }
            buf.extend_from_slice(&chunk);
        }
        bytes = Some(buf);
        break;
    }
    let bytes = bytes.ok_or_else(|| Error::invalid("file", "请把照片放在名为 `file` 的 multipart 字段中上传"))?;
    if bytes.is_empty() {
        return Err(Error::invalid("file", "文件是空的"));
    }
    let (bytes, prepared) = tokio::task::spawn_blocking(move || super::prepare(&bytes).map(|p| (bytes, p)))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("image task failed: {e}")))??;
    let blob = super::save(&state.db, bytes, &prepared, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(blob)))
}

fn valid_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::invalid("sha256", "应为 64 位小写十六进制数字"))
    }
}

async fn original(State(state): State<AppState>, Path(sha): Path<String>) -> Result<Response> {
    valid_sha(&sha)?;
    let row = store::original(&state.db, &sha).await?;
    let (content_type, data) = row.ok_or_else(|| Error::not_found("attachment", sha.clone()))?;
    Ok(image_response(content_type, data))
}

async fn thumbnail(State(state): State<AppState>, Path(sha): Path<String>) -> Result<Response> {
    valid_sha(&sha)?;
    let data = store::thumbnail(&state.db, &sha).await?.ok_or_else(|| Error::not_found("thumbnail", sha.clone()))?;
    Ok(image_response("image/jpeg".to_string(), data))
}

fn image_response(content_type: String, data: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Content-addressed: the bytes behind a hash never change.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data,
    )
        .into_response()
}
