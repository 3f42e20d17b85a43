//! `/api/v1/routing-rules`: a deployment's routing overrides, managed by
//! administrators (anywhere) and community staff or the command centre
//! (within their subtree).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::{NewRule, RoutingRule, store};
use crate::auth::Actor;
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::web::AppState;
use crate::web::endpoint::Endpoint;
use crate::web::json::ApiJson;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/v1/routing-rules", list),
        Endpoint::post("/api/v1/routing-rules", create),
        Endpoint::delete("/api/v1/routing-rules/{id}", remove),
    ]
}

async fn list(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<RoutingRule>>> {
    let p = actor.require_person()?;
    if !Role::MANAGERS.iter().any(|r| p.has_role(*r)) {
        return Err(Error::Forbidden("只有系统管理员、社区工作人员和指挥中心能查看派遣规则".into()));
    }
    // Deployment-wide rules are shown to every manager; others within their area.
    let rules = store::rules(&state.db).await?;
    Ok(Json(rules.into_iter().filter(|r| r.node_path.as_deref().is_none_or(|path| p.manages(Some(path)))).collect()))
}

async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(rule): ApiJson<NewRule>,
) -> Result<(StatusCode, Json<RoutingRule>)> {
    let p = actor.require_person()?;
    let node = match &rule.node {
        Some(code) => Some(
            crate::org::store::node_by_code(&state.db, code)
                .await
                .map_err(|_| Error::invalid("node", format!("没有编号为 `{code}` 的组织节点")))?,
        ),
        None => None,
    };
    if !p.manages(node.as_ref().map(|n| n.path.as_str())) {
        return Err(Error::Forbidden("只能为您负责的区域设置派遣规则".into()));
    }
    let mut tx = state.db.begin().await?;
    let id = super::insert_rule(&mut tx, &rule, node.as_ref().map(|n| n.id), state.clock.now_ms()).await?;
    tx.commit().await?;
    let created = store::rules(&state.db)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::Db(crate::db::DbError::NotFound))?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn remove(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> Result<StatusCode> {
    let p = actor.require_person()?;
    let rule = store::rules(&state.db)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::not_found("routing rule", id.to_string()))?;
    if !p.manages(rule.node_path.as_deref()) {
        return Err(Error::Forbidden("只能删除您负责区域内的派遣规则".into()));
    }
    store::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
