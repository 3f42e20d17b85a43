//! Likely duplicates: an open case of the same category at the same
//! place — building, and unit and room where both reports name one — or
//! within a short distance, reported recently. Three hazards in three
//! units of one building are three cases.

use crate::db::{Tx, query};
use crate::error::Result;

/// Great-circle distance in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlng = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// Where a new report is.
pub struct Probe {
    pub category: String,
    pub building_id: Option<i64>,
    /// Compared only when both reports name a unit (a report that names
    /// none may be about any of them).
    pub unit: Option<i64>,
    /// Compared only when both reports name a room.
    pub room: Option<String>,
    pub point: Option<(f64, f64)>,
    /// Only cases reported at or after this time count.
    pub since: i64,
    pub max_distance_m: f64,
}

/// The most recent open case the new report likely duplicates.
pub async fn find(tx: &mut Tx, probe: &Probe) -> Result<Option<i64>> {
    // Same building: straight from the (building, category, time) index,
    // however many other reports arrived meanwhile.
    let same_building: Option<(i64, i64)> = match probe.building_id {
        Some(building) => {
            query(
                "SELECT id, created_at FROM cases
                 WHERE building_id = $1 AND category = $2 AND created_at >= $3
                   AND status NOT IN ('closed', 'evaluated', 'rejected', 'merged')
                   AND ($4 IS NULL OR unit IS NULL OR unit = $4) AND ($5 IS NULL OR room IS NULL OR room = $5)
                 ORDER BY created_at DESC, id DESC LIMIT 1",
            )
            .bind(building)
            .bind(&probe.category)
            .bind(probe.since)
            .bind(probe.unit)
            .bind(probe.room.as_ref())
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let Some(point) = probe.point else {
        return Ok(same_building.map(|(id, _)| id));
    };
    // Nearby: the recent open cases of the category, closest in time first.
    let candidates: Vec<(i64, i64, Option<f64>, Option<f64>)> = query(
        "SELECT id, created_at, lat, lng FROM cases
         WHERE category = $1 AND created_at >= $2 AND lat IS NOT NULL
           AND status NOT IN ('closed', 'evaluated', 'rejected', 'merged')
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(&probe.category)
    .bind(probe.since)
    .fetch_all(tx)
    .await?;
    let near = candidates
        .into_iter()
        .find(|(_, _, lat, lng)| lat.zip(*lng).is_some_and(|other| distance_m(point, other) <= probe.max_distance_m))
        .map(|(id, created_at, ..)| (id, created_at));
    // The most recent of the two.
    Ok(match (same_building, near) {
        (Some(b), Some(n)) => Some(if (n.1, n.0) > (b.1, b.0) { n.0 } else { b.0 }),
        (b, n) => b.or(n).map(|(id, _)| id),
    })
}

#[cfg(test)]
mod tests {
    use super::distance_m;

    #[test]
    fn distances_on_the_ground() {
        // 0.001° of latitude is about 111 m.
        let d = distance_m((32.0, 120.9), (32.001, 120.9));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(distance_m((32.0, 120.9), (32.0, 120.9)), 0.0);
    }
}
