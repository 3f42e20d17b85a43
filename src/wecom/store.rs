//! Storage of WeCom's bindings (which users and chats speak for which
//! building) and of the callback nonces already seen, and the places an
//! unbound message is looked up in.

use crate::db::{Db, query};
use crate::error::Result;

crate::db_row! {
    #[derive(Debug, serde::Serialize)]
    pub struct Binding {
        pub id: i64,
        /// `user` (a WeCom userid) or `chat` (a group chat id).
        pub kind: String,
        pub external_id: String,
        /// The building's code.
        pub building: String,
        /// The building's node's path, for checking who may see it.
        #[serde(skip)]
        pub path: String,
    }
}

/// Every binding, oldest first.
pub async fn bindings(db: &Db) -> Result<Vec<Binding>> {
    Ok(query(
        "SELECT w.id, w.kind, w.external_id, b.code AS building, n.path FROM wecom_bindings w
         JOIN buildings b ON b.id = w.building_id JOIN org_nodes n ON n.id = b.node_id ORDER BY w.id",
    )
    .fetch_all(db)
    .await?)
}

/// Binds a WeCom user or chat to a building, moving an existing binding.
pub async fn bind(db: &Db, kind: &str, external_id: &str, building_id: i64, now: i64) -> Result<()> {
    query(
        "INSERT INTO wecom_bindings (kind, external_id, building_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, external_id) DO UPDATE SET building_id = excluded.building_id",
    )
    .bind(kind)
    .bind(external_id)
    .bind(building_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The code of the building a chat is bound to, else the one its sender is.
pub async fn bound_building(db: &Db, chat: &str, sender: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = query(
        "SELECT b.code FROM wecom_bindings w JOIN buildings b ON b.id = w.building_id
         WHERE (w.kind = 'chat' AND w.external_id = $1) OR (w.kind = 'user' AND w.external_id = $2)
         ORDER BY CASE WHEN w.kind = 'chat' THEN 0 ELSE 1 END LIMIT 1",
    )
    .bind(chat)
    .bind(sender)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(code,)| code))
}

/// Records a callback's nonce; whether it is new (a replay is not).
pub async fn record_nonce(db: &Db, nonce: &str, timestamp: i64, now: i64) -> Result<bool> {
    let inserted = query(
        "INSERT INTO wecom_nonces (nonce, timestamp, received_at) VALUES ($1, $2, $3) ON CONFLICT (nonce, timestamp) DO NOTHING",
    )
    .bind(nonce)
    .bind(timestamp)
    .bind(now)
    .execute(db)
    .await?;
    Ok(inserted > 0)
}

/// Forgets the nonces received before `before`.
pub async fn forget_nonces(db: &Db, before: i64) -> Result<()> {
    query("DELETE FROM wecom_nonces WHERE received_at < $1").bind(before).execute(db).await?;
    Ok(())
}

crate::db_row! {
    pub struct CommunityNode {
        pub id: i64,
        pub path: String,
    }
}

/// A community's node, named by its code or its name.
pub async fn community(db: &Db, code_or_name: &str) -> Result<Option<CommunityNode>> {
    Ok(query("SELECT id, path FROM org_nodes WHERE level = 'community' AND (code = $1 OR name = $1)")
        .bind(code_or_name)
        .fetch_optional(db)
        .await?)
}

/// The codes of at most two buildings numbered `number` under the node at `path`.
pub async fn buildings_numbered(db: &Db, number: &str, path: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = query(
        "SELECT b.code FROM buildings b JOIN org_nodes n ON n.id = b.node_id
         WHERE b.number = $1 AND n.path LIKE $2 LIMIT 2",
    )
    .bind(number)
    .bind(format!("{path}%"))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(code,)| code).collect())
}
