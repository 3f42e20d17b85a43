//! Where a report is: a building code, an address as residents write it,
//! or coordinates (the nearest known building) — checked against the
//! building's units before anything is filed.

use super::duplicates;
use super::service::ReportInput;
use crate::db::query;
use crate::directory::BuildingContext;
use crate::error::{Error, Result};
use crate::platform::Ctx;
use crate::taxonomy::{self, Category};

const NEAREST_BUILDING_M: f64 = 300.0;

/// Where a report says the problem is.
#[derive(Debug, Clone)]
pub enum Location {
    /// A building code (Open311 `address_id`).
    Building(String),
    /// Free text such as `越江新村98栋3单元`.
    Address(String),
    /// Coordinates: the nearest known building within 300 m.
    Point { lat: f64, lng: f64 },
}

/// A report checked and placed, ready to be filed.
pub struct Located {
    pub(super) category: &'static Category,
    pub(super) description: String,
    pub(super) place: BuildingContext,
    pub(super) unit: Option<i64>,
    pub(super) node: crate::org::OrgNode,
    pub(super) lat: Option<f64>,
    pub(super) lng: Option<f64>,
}

/// Validates a report and finds its building (reads only).
pub async fn locate_report(ctx: &Ctx, input: &ReportInput) -> Result<Located> {
    let category = taxonomy::category(&input.category)
        .ok_or_else(|| Error::invalid("category", format!("未知的问题类别 `{}`", input.category)))?;
    let description = input.description.trim().to_string();
    if description.is_empty() || description.chars().count() > 2000 {
        return Err(Error::invalid("description", "应为 1 到 2000 个字"));
    }
    let (place, parsed_unit) = locate(ctx, &input.location).await?;
    let unit = input.unit.or(parsed_unit);
    if let Some(u) = unit
        && !place.units.iter().any(|x| x.number == u)
    {
        return Err(Error::invalid("unit", format!("{}没有 {u} 单元", place.building.name)));
    }
    if let Some(room) = &input.room
        && (room.is_empty() || room.chars().count() > 20)
    {
        return Err(Error::invalid("room", "应为 1 到 20 个字"));
    }
    // The unit's own micro-grid, if it has one, else the building's.
    let node_id = unit
        .and_then(|u| place.units.iter().find(|x| x.number == u).and_then(|x| x.node_id))
        .unwrap_or(place.building.node_id);
    let node = crate::org::store::node_by_id(&ctx.db, node_id).await?;
    let (lat, lng) = match input.location {
        Location::Point { lat, lng } => (Some(lat), Some(lng)),
        _ => (place.building.lat, place.building.lng),
    };
    Ok(Located { category, description, place, unit, node, lat, lng })
}

/// Finds the building a report is about (and a unit named in free text).
async fn locate(ctx: &Ctx, location: &Location) -> Result<(BuildingContext, Option<i64>)> {
    match location {
        Location::Building(code) => match BuildingContext::load(&ctx.db, code, None).await {
            Ok(place) => Ok((place, None)),
            Err(Error::NotFound { .. }) => Err(Error::invalid("building", format!("没有编号为 `{code}` 的楼栋"))),
            Err(e) => Err(e),
        },
        Location::Address(text) => {
            let parsed = crate::org::search::parse(text);
            if parsed.is_empty() {
                return Err(Error::invalid("address", "没有写出小区、楼号或楼栋编号"));
            }
            let found = crate::org::store::search_buildings(&ctx.db, &parsed, 2).await?;
            match found.as_slice() {
                [one] => Ok((BuildingContext::load(&ctx.db, &one.code, None).await?, parsed.unit.map(i64::from))),
                [] => Err(Error::invalid("address", format!("找不到与 `{text}` 相符的楼栋"))),
                _ => Err(Error::invalid("address", format!("`{text}` 与多个楼栋相符，请写明小区"))),
            }
        }
        Location::Point { lat, lng } => {
            if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lng) {
                return Err(Error::invalid("lat", "经纬度超出范围"));
            }
            let nearest = nearest_building(ctx, *lat, *lng).await?;
            let code = nearest
                .ok_or_else(|| Error::invalid("lat", format!("该位置 {NEAREST_BUILDING_M} 米内没有已登记的楼栋")))?;
            Ok((BuildingContext::load(&ctx.db, &code, None).await?, None))
        }
    }
}

async fn nearest_building(ctx: &Ctx, lat: f64, lng: f64) -> Result<Option<String>> {
    // A box of about ±330 m first, then exact distances.
    let (dlat, dlng) = (0.003, 0.003 / lat.to_radians().cos().max(0.1));
    let rows: Vec<(String, f64, f64)> = query(
        "SELECT code, lat, lng FROM buildings
         WHERE lat BETWEEN $1 AND $2 AND lng BETWEEN $3 AND $4",
    )
    .bind(lat - dlat)
    .bind(lat + dlat)
    .bind(lng - dlng)
    .bind(lng + dlng)
    .fetch_all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, blat, blng)| (duplicates::distance_m((lat, lng), (blat, blng)), code))
        .filter(|(d, _)| *d <= NEAREST_BUILDING_M)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code))
}

pub(super) fn address_of(place: &BuildingContext, unit: Option<i64>, room: Option<&str>) -> String {
    let mut s = place.building.name.clone();
    if let Some(u) = unit {
        s.push_str(&format!("{u}单元"));
    }
    if let Some(r) = room {
        s.push_str(&format!("{r}室"));
    }
    s
}
