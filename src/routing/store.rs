//! Storage of a deployment's routing rules, and the organisations they may
//! name outright.

use super::{NewRule, RoutingRule};
use crate::db::{Db, On, Tx, query};
use crate::error::Result;

/// Every routing rule, most recent last.
pub async fn rules<'a>(on: impl Into<On<'a>>) -> Result<Vec<RoutingRule>> {
    Ok(query(
        "SELECT r.id, r.category, r.node_id, n.code AS node_code, n.path AS node_path, r.handler,
                r.organisation_id, r.deadline_minutes, r.note
         FROM routing_rules r LEFT JOIN org_nodes n ON n.id = r.node_id ORDER BY r.id",
    )
    .fetch_all(on)
    .await?)
}

/// Stores a checked rule with its handler text; its id.
pub async fn insert(tx: &mut Tx, rule: &NewRule, node_id: Option<i64>, handler: &str, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO routing_rules (category, node_id, handler, organisation_id, deadline_minutes, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(rule.category.as_ref())
    .bind(node_id)
    .bind(handler)
    .bind(rule.organisation_id)
    .bind(rule.deadline_minutes)
    .bind(rule.note.as_ref())
    .bind(now)
    .scalar(tx)
    .await?)
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    query("DELETE FROM routing_rules WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn organisation_exists(tx: &mut Tx, id: i64) -> Result<bool> {
    let count: i64 = query("SELECT COUNT(*) FROM organisations WHERE id = $1").bind(id).scalar(tx).await?;
    Ok(count > 0)
}

/// Every organisation: id, name and kind (`property_company`, …).
pub async fn organisations<'a>(on: impl Into<On<'a>>) -> Result<Vec<(i64, String, String)>> {
    Ok(query("SELECT id, name, kind FROM organisations").fetch_all(on).await?)
}
