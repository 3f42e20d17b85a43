//! Storage of the organisation tree, buildings and places.

use super::{Building, Level, OrgNode, Organisation, OrganisationKind, Place, PlaceKind, Unit};
use crate::db::{Db, On, Tx, query, query_dyn};
use crate::error::{Error, Result};
use crate::time::now_ms;

const NODE_COLUMNS: &str = "id, code, parent_id, level, name, path, lat, lng, boundary, office_phone, office_address";

/// A node to add under `parent` (or as a root).
#[derive(Debug, Clone, Default)]
pub struct NewNode {
    pub code: String,
    pub parent_id: Option<i64>,
    pub name: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub boundary: Option<String>,
    pub office_phone: Option<String>,
    pub office_address: Option<String>,
}

/// Validates and stores a node. Its level follows from the parent's (a root
/// must give it); its code must extend the parent's code.
pub async fn insert_node(tx: &mut Tx, node: &NewNode, root_level: Option<Level>) -> Result<OrgNode> {
    validate_code("code", &node.code)?;
    if node.name.trim().is_empty() {
        return Err(Error::invalid("name", "不能为空"));
    }
    let (level, parent_path) = match node.parent_id {
        Some(parent_id) => {
            let parent = node_by_id(&mut *tx, parent_id).await?;
            let level =
                parent.level.child().ok_or_else(|| Error::invalid("parent", "微网格是最低一级，下面不能再设节点"))?;
            if !node.code.starts_with(&parent.code) || node.code.len() <= parent.code.len() {
                return Err(Error::invalid("code", format!("应以上级的编号 {} 开头", parent.code)));
            }
            (level, parent.path)
        }
        None => (root_level.ok_or_else(|| Error::invalid("parent", "除最高一级外必须填写"))?, "/".to_string()),
    };
    let id: i64 = query(
        "INSERT INTO org_nodes (code, parent_id, level, name, path, lat, lng, boundary, office_phone, office_address, created_at)
         VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&node.code)
    .bind(node.parent_id)
    .bind(level)
    .bind(node.name.trim())
    .bind(node.lat)
    .bind(node.lng)
    .bind(node.boundary.as_ref())
    .bind(node.office_phone.as_ref())
    .bind(node.office_address.as_ref())
    .bind(now_ms())
    .scalar(&mut *tx)
    .await?;
    let path = format!("{parent_path}{id}/");
    query("UPDATE org_nodes SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *tx).await?;
    node_by_id(tx, id).await
}

fn validate_code(field: &str, code: &str) -> Result<()> {
    if code.is_empty() || code.len() > 40 {
        return Err(Error::invalid(field, "应为 1 到 40 个字符"));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::invalid(field, "只能包含字母、数字和“-”"));
    }
    Ok(())
}

pub async fn node_by_id<'a>(on: impl Into<crate::db::On<'a>>, id: i64) -> Result<OrgNode> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM org_nodes WHERE id = $1");
    query_dyn(sql)
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("organisation node", id.to_string()))
}

pub async fn node_by_code(db: &Db, code: &str) -> Result<OrgNode> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM org_nodes WHERE code = $1");
    query_dyn(sql).bind(code).fetch_optional(db).await?.ok_or_else(|| Error::not_found("organisation node", code))
}

/// The nodes with these ids, in no particular order.
pub async fn nodes_by_ids<'a>(db: impl Into<On<'a>>, ids: &[i64]) -> Result<Vec<OrgNode>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {NODE_COLUMNS} FROM org_nodes WHERE id IN ({})", placeholders(1, ids.len()));
    Ok(query_dyn(sql).bind_all(ids.iter().copied()).fetch_all(db).await?)
}

/// The nodes a materialised path names, from the root down.
pub async fn nodes_on_path<'a>(db: impl Into<On<'a>>, path: &str) -> Result<Vec<OrgNode>> {
    let mut nodes = nodes_by_ids(db, &super::path_ids(path)).await?;
    nodes.sort_by_key(|n| n.path.len());
    Ok(nodes)
}

/// The direct children of a node, by code.
pub async fn children(db: &Db, parent_id: i64) -> Result<Vec<OrgNode>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM org_nodes WHERE parent_id = $1 ORDER BY code");
    Ok(query_dyn(sql).bind(parent_id).fetch_all(db).await?)
}

/// `$start, $start+1, …` for `count` values.
pub fn placeholders(start: usize, count: usize) -> String {
    (start..start + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, Default)]
pub struct NewOrganisation {
    pub kind: Option<OrganisationKind>,
    pub department_kind: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub node_id: i64,
}

pub async fn insert_organisation(tx: &mut Tx, org: &NewOrganisation) -> Result<i64> {
    let kind = org.kind.ok_or_else(|| Error::invalid("kind", "必须填写"))?;
    if let Some(dept) = &org.department_kind
        && crate::taxonomy::DepartmentKind::from_code(dept).is_none()
    {
        return Err(Error::invalid("department_kind", format!("未知的部门类型 `{dept}`")));
    }
    Ok(query(
        "INSERT INTO organisations (kind, department_kind, name, phone, address, node_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(kind)
    .bind(org.department_kind.as_ref())
    .bind(&org.name)
    .bind(org.phone.as_ref())
    .bind(org.address.as_ref())
    .bind(org.node_id)
    .bind(now_ms())
    .scalar(tx)
    .await?)
}

pub async fn organisation_by_id<'a>(db: impl Into<On<'a>>, id: i64) -> Result<Organisation> {
    query("SELECT id, kind, department_kind, name, phone, address, node_id FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::not_found("organisation", id.to_string()))
}

/// Departments attached to any of these nodes.
pub async fn departments_at<'a>(db: impl Into<On<'a>>, node_ids: &[i64]) -> Result<Vec<Organisation>> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, kind, department_kind, name, phone, address, node_id FROM organisations
         WHERE kind = 'department' AND node_id IN ({}) ORDER BY id",
        placeholders(1, node_ids.len())
    );
    Ok(query_dyn(sql).bind_all(node_ids.iter().copied()).fetch_all(db).await?)
}

pub async fn insert_estate(
    tx: &mut Tx,
    community_id: i64,
    name: &str,
    aliases: &[&str],
    address: Option<&str>,
    built_year: Option<i64>,
) -> Result<i64> {
    Ok(query(
        "INSERT INTO estates (community_id, name, aliases, address, built_year, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(community_id)
    .bind(name)
    .bind(aliases.join(" "))
    .bind(address)
    .bind(built_year)
    .bind(now_ms())
    .scalar(tx)
    .await?)
}

#[derive(Debug, Clone, Default)]
pub struct NewBuilding {
    pub code: String,
    pub estate_id: i64,
    /// The grid or micro-grid the building belongs to.
    pub node_id: i64,
    /// The number as painted on the wall: `98`, `9`, `A`.
    pub number: String,
    pub floors: Option<i64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub property_company_id: Option<i64>,
    /// Units, numbered from 1.
    pub units: i64,
}

/// Stores a building and its units. Its display name (越江新村98栋) and search
/// text are derived from the estate and the tree.
pub async fn insert_building(tx: &mut Tx, b: &NewBuilding) -> Result<i64> {
    validate_code("code", &b.code)?;
    let number = super::search::normalise_building_number(&b.number)
        .ok_or_else(|| Error::invalid("number", "应为楼号，如 98、9 或 A"))?;
    let (estate, aliases, community, street): (String, String, String, Option<String>) = query(
        "SELECT e.name, e.aliases, c.name, s.name FROM estates e
         JOIN org_nodes c ON c.id = e.community_id
         LEFT JOIN org_nodes s ON s.id = c.parent_id
         WHERE e.id = $1",
    )
    .bind(b.estate_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::invalid("estate_id", "没有这个小区"))?;
    let node = node_by_id(&mut *tx, b.node_id).await?;
    if !matches!(node.level, Level::Grid | Level::MicroGrid) {
        return Err(Error::invalid("node_id", "楼栋只能属于网格或微网格"));
    }
    let name = format!("{estate}{number}栋");
    let search_text =
        [street.unwrap_or_default(), community, estate, aliases, name.clone(), b.code.clone()].join(" ").to_lowercase();
    let id: i64 = query(
        "INSERT INTO buildings (code, estate_id, node_id, number, name, floors, lat, lng, property_company_id, search_text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&b.code)
    .bind(b.estate_id)
    .bind(b.node_id)
    .bind(&number)
    .bind(&name)
    .bind(b.floors)
    .bind(b.lat)
    .bind(b.lng)
    .bind(b.property_company_id)
    .bind(&search_text)
    .bind(now_ms())
    .scalar(&mut *tx)
    .await?;
    for unit in 1..=b.units {
        query("INSERT INTO units (building_id, number, floors) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(unit)
            .bind(b.floors)
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

/// Assigns one unit of a building to its own micro-grid.
pub async fn set_unit_node(tx: &mut Tx, building_id: i64, unit: i64, node_id: i64) -> Result<()> {
    let changed = query("UPDATE units SET node_id = $1 WHERE building_id = $2 AND number = $3")
        .bind(node_id)
        .bind(building_id)
        .bind(unit)
        .execute(tx)
        .await?;
    if changed == 0 {
        return Err(Error::not_found("unit", unit.to_string()));
    }
    Ok(())
}

/// Adds the households (rooms) of a unit: `rooms_per_floor` rooms on each of
/// `floors` floors, numbered 101, 102, … 601, 602.
pub async fn insert_households(tx: &mut Tx, unit_id: i64, floors: i64, rooms_per_floor: i64) -> Result<()> {
    // One multi-row statement per unit: a city's worth of households loads in
    // seconds on PostgreSQL too.
    let rows: Vec<(String, i64)> =
        (1..=floors).flat_map(|f| (1..=rooms_per_floor).map(move |r| (format!("{f}{r:02}"), f))).collect();
    if rows.is_empty() {
        return Ok(());
    }
    let values =
        (0..rows.len()).map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3)).collect::<Vec<_>>().join(", ");
    let mut q = query_dyn(format!("INSERT INTO households (unit_id, room, floor) VALUES {values}")).bind(unit_id);
    for (room, floor) in rows {
        q = q.bind(room).bind(floor);
    }
    q.execute(tx).await?;
    Ok(())
}

const BUILDING_SELECT: &str =
    "SELECT b.id, b.code, b.name, b.number, b.floors, b.lat, b.lng, b.estate_id, e.name AS estate,
        b.node_id, e.community_id, c.name AS community, c.code AS community_code, b.property_company_id
    FROM buildings b
    JOIN estates e ON e.id = b.estate_id
    JOIN org_nodes c ON c.id = e.community_id";

pub async fn building_by_code<'a>(db: impl Into<On<'a>>, code: &str) -> Result<Building> {
    query_dyn(format!("{BUILDING_SELECT} WHERE b.code = $1"))
        .bind(code)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::not_found("building", code))
}

pub async fn units_of<'a>(db: impl Into<On<'a>>, building_id: i64) -> Result<Vec<Unit>> {
    Ok(query("SELECT id, building_id, number, node_id, floors FROM units WHERE building_id = $1 ORDER BY number")
        .bind(building_id)
        .fetch_all(db)
        .await?)
}

/// Buildings matching a parsed free-text query, best matches first.
pub async fn search_buildings(db: &Db, q: &super::search::BuildingQuery, limit: i64) -> Result<Vec<Building>> {
    let mut sql = format!("{BUILDING_SELECT} WHERE 1 = 1");
    let mut args: Vec<crate::db::Value> = Vec::new();
    if let Some(code) = &q.code {
        args.push(code.clone().into());
        sql.push_str(&format!(" AND b.code = ${}", args.len()));
    }
    if let Some(number) = &q.number {
        args.push(number.clone().into());
        sql.push_str(&format!(" AND b.number = ${}", args.len()));
    }
    for term in &q.terms {
        args.push(format!("%{}%", escape_like(&term.to_lowercase())).into());
        sql.push_str(&format!(" AND b.search_text LIKE ${} ESCAPE '\\'", args.len()));
    }
    args.push(limit.into());
    sql.push_str(&format!(" ORDER BY e.name, LENGTH(b.number), b.number LIMIT ${}", args.len()));
    Ok(query_dyn(sql).bind_all(args).fetch_all(db).await?)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(Debug, Clone)]
pub struct NewPlace {
    pub kind: PlaceKind,
    pub name: String,
    pub node_id: i64,
    pub estate_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// Kind-specific facts as a JSON object (capacity, auto power-off, …).
    pub details: serde_json::Value,
}

pub async fn insert_place(tx: &mut Tx, p: &NewPlace) -> Result<i64> {
    if !p.details.is_object() {
        return Err(Error::invalid("details", "应为 JSON 对象"));
    }
    Ok(query(
        "INSERT INTO places (kind, name, node_id, estate_id, organisation_id, lat, lng, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(p.kind)
    .bind(&p.name)
    .bind(p.node_id)
    .bind(p.estate_id)
    .bind(p.organisation_id)
    .bind(p.lat)
    .bind(p.lng)
    .bind(p.details.to_string())
    .bind(now_ms())
    .scalar(tx)
    .await?)
}

/// Places attached to any of these nodes, e.g. a community's charging sheds.
pub async fn places_at(db: &Db, node_ids: &[i64]) -> Result<Vec<Place>> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, kind, name, node_id, estate_id, organisation_id, lat, lng, details FROM places
         WHERE node_id IN ({}) ORDER BY kind, name",
        placeholders(1, node_ids.len())
    );
    Ok(query_dyn(sql).bind_all(node_ids.iter().copied()).fetch_all(db).await?)
}

/// The nodes a person manages: their grants' subtrees, in tree order.
pub async fn managed_by(db: &crate::db::Db, person: &crate::auth::PersonActor) -> Result<Vec<OrgNode>> {
    let all: Vec<OrgNode> = query(
        "SELECT id, code, parent_id, level, name, path, lat, lng, boundary, office_phone, office_address FROM org_nodes ORDER BY path",
    )
    .fetch_all(db)
    .await?;
    Ok(all.into_iter().filter(|n| person.manages(Some(&n.path))).collect())
}

/// The path of every building's node (one per building), to count the
/// buildings under each node.
pub async fn building_node_paths(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        query("SELECT n.path FROM buildings b JOIN org_nodes n ON n.id = b.node_id").fetch_all(db).await?;
    Ok(rows.into_iter().map(|(path,)| path).collect())
}
