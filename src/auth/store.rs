//! Storage of accounts, their people and grants, sessions (web and API) and
//! API clients. Tokens and keys arrive here as digests: no secret is stored.

use super::{Grant, Role};
use crate::db::{Db, Tx, query};
use crate::error::Result;

crate::db_row! {
    /// What signing in checks: the account, its password hash, whether it is disabled.
    pub struct SignInAccount {
        pub id: i64,
        pub password_hash: String,
        pub disabled: bool,
    }
}

/// The account a username signs in to.
pub async fn account_by_username(db: &Db, username: &str) -> Result<Option<SignInAccount>> {
    Ok(query("SELECT id, password_hash, disabled FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?)
}

/// An account's username.
pub async fn username(db: &Db, account_id: i64) -> Result<String> {
    Ok(query("SELECT username FROM accounts WHERE id = $1").bind(account_id).scalar::<String>(db).await?)
}

/// Stores an account; `password_hash` comes from [`super::accounts::hash_password`].
pub async fn insert_account(tx: &mut Tx, person_id: i64, username: &str, password_hash: &str, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO accounts (person_id, username, password_hash, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(person_id)
    .bind(username)
    .bind(password_hash)
    .bind(now)
    .scalar(tx)
    .await?)
}

pub async fn set_password(db: &Db, account_id: i64, password_hash: &str, now: i64) -> Result<()> {
    query("UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

crate::db_row! {
    /// The person behind an account.
    pub struct AccountPerson {
        pub id: i64,
        pub name: String,
        pub disabled: bool,
    }
}

pub async fn person_of_account(db: &Db, account_id: i64) -> Result<Option<AccountPerson>> {
    Ok(query("SELECT p.id, p.name, a.disabled FROM accounts a JOIN people p ON p.id = a.person_id WHERE a.id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?)
}

/// A person's active role grants with their scope nodes' paths, oldest first.
pub async fn active_grants(db: &Db, person_id: i64) -> Result<Vec<Grant>> {
    let rows: Vec<(Role, Option<i64>, Option<String>, Option<i64>)> = query(
        "SELECT r.role, r.node_id, n.path, r.organisation_id
         FROM role_assignments r LEFT JOIN org_nodes n ON n.id = r.node_id
         WHERE r.person_id = $1 AND r.active ORDER BY r.id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(role, node_id, node_path, organisation_id)| Grant { role, node_id, node_path, organisation_id })
        .collect())
}

pub async fn insert_web_session(
    db: &Db,
    token_digest: &str,
    account_id: i64,
    csrf: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    query(
        "INSERT INTO sessions (token_hash, account_id, kind, csrf_token, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, 'web', $3, $4, $5, $4)",
    )
    .bind(token_digest)
    .bind(account_id)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_api_session(db: &Db, token_digest: &str, account_id: i64, now: i64, expires_at: i64) -> Result<()> {
    query(
        "INSERT INTO sessions (token_hash, account_id, kind, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, 'api', $3, $4, $3)",
    )
    .bind(token_digest)
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

crate::db_row! {
    /// A live browser session.
    pub struct WebSession {
        pub account_id: i64,
        pub csrf_token: Option<String>,
    }
}

/// The unexpired browser session with this token digest.
pub async fn live_web_session(db: &Db, token_digest: &str, now: i64) -> Result<Option<WebSession>> {
    Ok(query("SELECT account_id, csrf_token FROM sessions WHERE token_hash = $1 AND kind = 'web' AND expires_at > $2")
        .bind(token_digest)
        .bind(now)
        .fetch_optional(db)
        .await?)
}

/// Moves a session's expiry to `expires_at`, unless it was last seen at or
/// after `seen_since` (so a busy session is written at most that often).
pub async fn extend_session(db: &Db, token_digest: &str, expires_at: i64, now: i64, seen_since: i64) -> Result<()> {
    query("UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE token_hash = $3 AND last_seen_at < $4")
        .bind(expires_at)
        .bind(now)
        .bind(token_digest)
        .bind(seen_since)
        .execute(db)
        .await?;
    Ok(())
}

/// The account behind an unexpired API token.
pub async fn live_api_session_account(db: &Db, token_digest: &str, now: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> =
        query("SELECT account_id FROM sessions WHERE token_hash = $1 AND kind = 'api' AND expires_at > $2")
            .bind(token_digest)
            .bind(now)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(account_id,)| account_id))
}

pub async fn delete_session(db: &Db, token_digest: &str) -> Result<()> {
    query("DELETE FROM sessions WHERE token_hash = $1").bind(token_digest).execute(db).await?;
    Ok(())
}

/// Ends every session of an account but the one with `kept_digest`.
pub async fn delete_other_sessions(db: &Db, account_id: i64, kept_digest: &str) -> Result<()> {
    query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(account_id)
        .bind(kept_digest)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_api_client(tx: &mut Tx, name: &str, key_digest: &str, now: i64) -> Result<i64> {
    Ok(query("INSERT INTO api_clients (name, key_hash, active, created_at) VALUES ($1, $2, TRUE, $3) RETURNING id")
        .bind(name)
        .bind(key_digest)
        .bind(now)
        .scalar(tx)
        .await?)
}

crate::db_row! {
    pub struct ApiClientRow {
        pub id: i64,
        pub name: String,
        pub active: bool,
        pub created_at: i64,
    }
}

/// Every API client, revoked ones too, oldest first.
pub async fn api_clients(db: &Db) -> Result<Vec<ApiClientRow>> {
    Ok(query("SELECT id, name, active, created_at FROM api_clients ORDER BY id").fetch_all(db).await?)
}

crate::db_row! {
    /// An API client as a request names it.
    pub struct ClientIdentity {
        pub id: i64,
        pub name: String,
    }
}

/// The active client whose key has this digest.
pub async fn active_api_client(db: &Db, key_digest: &str) -> Result<Option<ClientIdentity>> {
    Ok(query("SELECT id, name FROM api_clients WHERE key_hash = $1 AND active")
        .bind(key_digest)
        .fetch_optional(db)
        .await?)
}

/// Revokes an active client's key; whether there was one with that id.
pub async fn revoke_api_client(db: &Db, id: i64, now: i64) -> Result<bool> {
    let changed = query("UPDATE api_clients SET active = FALSE, revoked_at = $1 WHERE id = $2 AND active")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(changed > 0)
}
