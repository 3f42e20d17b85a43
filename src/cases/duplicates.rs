//! Likely duplicates: an open case of the same category at the same
//! building, or within a short distance, reported recently.

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
    pub point: Option<(f64, f64)>,
    /// Only cases reported at or after this time count.
    pub since: i64,
    pub max_distance_m: f64,
}

/// The most recent open case the new report likely duplicates.
pub async fn find(tx: &mut Tx, probe: &Probe) -> Result<Option<i64>> {
    let candidates: Vec<(i64, Option<i64>, Option<f64>, Option<f64>)> = query(
        "SELECT id, building_id, lat, lng FROM cases
         WHERE category = $1 AND created_at >= $2
           AND status NOT IN ('closed', 'evaluated', 'rejected', 'merged')
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(&probe.category)
    .bind(probe.since)
    .fetch_all(tx)
    .await?;
    Ok(candidates
        .into_iter()
        .find(|(_, building, lat, lng)| {
            let same_building = probe.building_id.is_some() && *building == probe.building_id;
            let near = match (probe.point, lat, lng) {
                (Some(p), Some(lat), Some(lng)) => distance_m(p, (*lat, *lng)) <= probe.max_distance_m,
                _ => false,
            };
            same_building || near
        })
        .map(|(id, ..)| id))
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
