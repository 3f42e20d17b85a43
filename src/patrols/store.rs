//! All of the patrols' SQL, written once for both engines.

use super::{Checkpoint, CheckpointKind, Position, Problem, Visit, VisitResult, Zone};
use crate::db::{Db, On, Tx, query, query_dyn};
use crate::error::{Error, Result};

/// A zone to insert.
pub struct NewZone<'a> {
    pub name: &'a str,
    pub node_id: i64,
    pub node_path: &'a str,
    pub boundary: Option<String>,
    pub centre: Option<(f64, f64)>,
    pub radius_m: Option<i64>,
    pub by: i64,
}

pub async fn insert_zone(tx: &mut Tx, z: &NewZone<'_>, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO patrol_zones (name, node_id, node_path, boundary, centre_lat, centre_lng, radius_m,
                                   created_by_person_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(z.name)
    .bind(z.node_id)
    .bind(z.node_path)
    .bind(z.boundary.clone())
    .bind(z.centre.map(|c| c.0))
    .bind(z.centre.map(|c| c.1))
    .bind(z.radius_m)
    .bind(z.by)
    .bind(now)
    .scalar(&mut *tx)
    .await?)
}

pub async fn insert_owner(tx: &mut Tx, zone_id: i64, person_id: i64) -> Result<()> {
    query("INSERT INTO patrol_zone_owners (zone_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(zone_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

const ZONE_SELECT: &str = "SELECT z.id, z.name, z.node_id, n.code AS node_code, z.node_path, z.boundary,
        z.centre_lat, z.centre_lng, z.radius_m, z.created_at
    FROM patrol_zones z JOIN org_nodes n ON n.id = z.node_id";

pub async fn zone<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Zone> {
    query_dyn(format!("{ZONE_SELECT} WHERE z.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("patrol zone", id.to_string()))
}

pub async fn zones(db: &Db) -> Result<Vec<Zone>> {
    Ok(query_dyn(format!("{ZONE_SELECT} ORDER BY z.id")).fetch_all(db).await?)
}

/// A zone's owners: (person id, name).
pub async fn owners<'a>(on: impl Into<On<'a>>, zone_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(query(
        "SELECT p.id, p.name FROM patrol_zone_owners o JOIN people p ON p.id = o.person_id
         WHERE o.zone_id = $1 ORDER BY p.id",
    )
    .bind(zone_id)
    .fetch_all(on)
    .await?)
}

/// Whether the person holds an active role anywhere in the subtree `[low, high)`.
pub async fn works_in(db: &Db, person_id: i64, bounds: &(String, String)) -> Result<bool> {
    Ok(query(
        "SELECT COUNT(*) FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id
         WHERE r.person_id = $1 AND r.active AND n.path >= $2 AND n.path < $3",
    )
    .bind(person_id)
    .bind(&bounds.0)
    .bind(&bounds.1)
    .scalar::<i64>(db)
    .await?
        > 0)
}

/// The registered building nearest a point within the subtree `[low, high)`, by its code.
pub async fn nearest_building(db: &Db, bounds: &(String, String), at: (f64, f64)) -> Result<Option<(i64, f64)>> {
    let rows: Vec<(i64, f64, f64)> = query(
        "SELECT b.id, b.lat, b.lng FROM buildings b JOIN org_nodes n ON n.id = b.node_id
         WHERE n.path >= $1 AND n.path < $2 AND b.lat IS NOT NULL AND b.lng IS NOT NULL",
    )
    .bind(&bounds.0)
    .bind(&bounds.1)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, lat, lng)| (id, super::rules::distance_m(at, (lat, lng))))
        .min_by(|a, b| a.1.total_cmp(&b.1)))
}

/// A checkpoint to insert.
pub struct NewCheckpoint<'a> {
    pub zone_id: i64,
    pub kind: CheckpointKind,
    pub name: &'a str,
    pub at: (f64, f64),
    pub organisation_id: Option<i64>,
    pub building_id: i64,
    pub token: &'a str,
}

pub async fn insert_checkpoint(tx: &mut Tx, c: &NewCheckpoint<'_>, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO patrol_checkpoints (zone_id, kind, name, lat, lng, organisation_id, building_id, token, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(c.zone_id)
    .bind(c.kind)
    .bind(c.name)
    .bind(c.at.0)
    .bind(c.at.1)
    .bind(c.organisation_id)
    .bind(c.building_id)
    .bind(c.token)
    .bind(now)
    .scalar(&mut *tx)
    .await?)
}

const CHECKPOINT_SELECT: &str = "SELECT c.id, c.zone_id, c.kind, c.name, c.lat, c.lng, c.organisation_id,
        c.building_id, b.code AS building_code, c.token
    FROM patrol_checkpoints c JOIN buildings b ON b.id = c.building_id";

pub async fn checkpoints<'a>(on: impl Into<On<'a>>, zone_id: i64) -> Result<Vec<Checkpoint>> {
    Ok(query_dyn(format!("{CHECKPOINT_SELECT} WHERE c.zone_id = $1 ORDER BY c.id")).bind(zone_id).fetch_all(on).await?)
}

pub async fn checkpoint<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Checkpoint> {
    query_dyn(format!("{CHECKPOINT_SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("checkpoint", id.to_string()))
}

pub async fn checkpoint_by_token<'a>(on: impl Into<On<'a>>, token: &str) -> Result<Checkpoint> {
    query_dyn(format!("{CHECKPOINT_SELECT} WHERE c.token = $1"))
        .bind(token)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("checkpoint", "?"))
}

/// A visit to insert.
pub struct NewVisit<'a> {
    pub checkpoint_id: i64,
    pub person_id: i64,
    pub phone: Option<(f64, f64)>,
    pub distance_m: Option<f64>,
    pub position: Position,
    pub result: VisitResult,
    pub problem: Option<Problem>,
    pub note: Option<&'a str>,
    pub photos: &'a [String],
    pub case_id: Option<i64>,
    pub key: &'a str,
}

pub async fn insert_visit(tx: &mut Tx, v: &NewVisit<'_>, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO patrol_visits (checkpoint_id, person_id, at, lat, lng, distance_m, position, result, problem, note,
                                    photos, case_id, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(v.checkpoint_id)
    .bind(v.person_id)
    .bind(now)
    .bind(v.phone.map(|p| p.0))
    .bind(v.phone.map(|p| p.1))
    .bind(v.distance_m)
    .bind(v.position)
    .bind(v.result)
    .bind(v.problem)
    .bind(v.note)
    .bind(serde_json::to_string(v.photos).unwrap_or_else(|_| "[]".into()))
    .bind(v.case_id)
    .bind(v.key)
    .scalar(&mut *tx)
    .await?)
}

const VISIT_SELECT: &str =
    "SELECT v.id, v.checkpoint_id, c.name AS checkpoint_name, v.person_id, p.name AS person_name,
        v.at, v.distance_m, v.position, v.result, v.problem, v.note, v.photos, v.case_id
    FROM patrol_visits v JOIN patrol_checkpoints c ON c.id = v.checkpoint_id JOIN people p ON p.id = v.person_id";

pub async fn visit<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Visit> {
    query_dyn(format!("{VISIT_SELECT} WHERE v.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("visit", id.to_string()))
}

pub async fn visit_by_key<'a>(on: impl Into<On<'a>>, key: &str) -> Result<Option<Visit>> {
    Ok(query_dyn(format!("{VISIT_SELECT} WHERE v.idempotency_key = $1")).bind(key).fetch_optional(on).await?)
}

/// A zone's visits in `[from, to)`, newest first.
pub async fn visits(db: &Db, zone_id: i64, from: i64, to: i64) -> Result<Vec<Visit>> {
    Ok(query_dyn(format!(
        "{VISIT_SELECT} WHERE c.zone_id = $1 AND v.at >= $2 AND v.at < $3 ORDER BY v.at DESC, v.id DESC"
    ))
    .bind(zone_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?)
}
