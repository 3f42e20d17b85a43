//! API clients: the keys Open311 clients and chat bridges present
//! (`Authorization: Bearer KEY` or Open311's `api_key`), issued and revoked
//! by administrators. A key is shown once, when it is made; only its
//! digest is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{Actor, secret, store};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/api-clients", list_clients),
        Endpoint::post("/api/v1/api-clients", create_client),
        Endpoint::delete("/api/v1/api-clients/{id}", revoke_client),
    ]
}

/// Makes a client with `key` (which the caller shows once; only its digest
/// is stored).
pub async fn create(tx: &mut Tx, name: &str, key: &str, now: i64) -> Result<i64> {
    store::insert_api_client(tx, name, &secret::digest(key), now).await
}

#[derive(Serialize)]
struct ApiClient {
    id: i64,
    name: String,
    active: bool,
    created_at: String,
    /// Shown once, when the client is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

async fn list_clients(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<ApiClient>>> {
    actor.require_admin()?;
    let rows = store::api_clients(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| ApiClient {
                id: c.id,
                name: c.name,
                active: c.active,
                created_at: crate::time::to_rfc3339(c.created_at),
                api_key: None,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClient {
    name: String,
}

async fn create_client(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(c): ApiJson<NewClient>,
) -> Result<(StatusCode, Json<ApiClient>)> {
    actor.require_admin()?;
    let name = c.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    let key = crate::auth::secret::new_token();
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    let id = create(&mut tx, name, &key, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiClient {
            id,
            name: name.to_string(),
            active: true,
            created_at: crate::time::to_rfc3339(now),
            api_key: Some(key),
        }),
    ))
}

/// Revokes a client's key: its next request is refused.
async fn revoke_client(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    actor.require_admin()?;
    if !store::revoke_api_client(&state.db, id, state.clock.now_ms()).await? {
        return Err(Error::not_found("api client", id.to_string()));
    }
    Ok(StatusCode::NO_CONTENT)
}
