//! Storage of in-app notifications and of the group robots' settings.

use crate::db::{Db, query};
use crate::error::Result;
use crate::platform::robots::{RobotAt, RobotKind};

crate::db_row! {
    pub struct NotificationRow {
        pub id: i64,
        pub subject: Option<String>,
        pub link: Option<String>,
        pub title: String,
        pub body: String,
        pub created_at: i64,
        pub read_at: Option<i64>,
    }
}

/// A person's notifications (only the unread ones if asked), newest first.
pub async fn notifications_of(db: &Db, person_id: i64, unread_only: bool, limit: i64) -> Result<Vec<NotificationRow>> {
    Ok(query(
        "SELECT id, subject, link, title, body, created_at, read_at FROM notifications
         WHERE person_id = $1 AND ($2 = FALSE OR read_at IS NULL) ORDER BY id DESC LIMIT $3",
    )
    .bind(person_id)
    .bind(unread_only)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Marks one of a person's notifications read (keeping the first time it
/// was); whether the person has one with that id.
pub async fn mark_read(db: &Db, id: i64, person_id: i64, now: i64) -> Result<bool> {
    let changed = query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND person_id = $3")
        .bind(now)
        .bind(id)
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(changed > 0)
}

/// Every robot, removed ones too, with the path of its node; oldest first.
pub async fn robots(db: &Db) -> Result<Vec<RobotAt>> {
    crate::platform::robots::with_paths(db, false).await
}

/// A new robot's settings: what it is, where it posts, whose cases it hears of.
pub struct RobotSettings<'a> {
    pub kind: RobotKind,
    pub name: &'a str,
    pub url: &'a str,
    pub secret: Option<&'a str>,
    pub node_id: i64,
}

pub async fn insert_robot(db: &Db, r: &RobotSettings<'_>, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO robots (kind, name, url, secret, node_id, active, created_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id",
    )
    .bind(r.kind)
    .bind(r.name)
    .bind(r.url)
    .bind(r.secret)
    .bind(r.node_id)
    .bind(now)
    .scalar(db)
    .await?)
}

/// Removes a robot: it hears of nothing more.
pub async fn deactivate_robot(db: &Db, id: i64) -> Result<()> {
    query("UPDATE robots SET active = FALSE WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}
