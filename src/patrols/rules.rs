//! The geometry of a patrol, without storage: a zone's GeoJSON boundary
//! read and checked (the `geojson` crate parses it), whether a point lies in
//! the zone, and how far a scan was from its checkpoint.

use geojson::{Geometry, GeometryValue};

use crate::error::{Error, Result};

/// A scan farther than this from its checkpoint is flagged `far`.
pub const NEAR_M: f64 = 150.0;
/// The largest zone radius, in metres.
pub const MAX_RADIUS_M: i64 = 10_000;

/// Metres between two WGS 84 points (haversine on a sphere of the Earth's mean radius).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lng1, lat2, lng2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// The outer ring of a zone's boundary as (lat, lng) points, from a GeoJSON
/// Polygon (a geometry, or a Feature holding one). GeoJSON lists positions
/// as [longitude, latitude].
pub fn parse_boundary(value: &serde_json::Value) -> Result<Vec<(f64, f64)>> {
    let bad = |why: &str| Error::invalid("boundary", why.to_string());
    let geometry = match value.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => value.get("geometry").cloned().ok_or_else(|| bad("Feature 缺少 geometry"))?,
        _ => value.clone(),
    };
    let geometry: Geometry = serde_json::from_value(geometry).map_err(|e| bad(&format!("不是有效的 GeoJSON：{e}")))?;
    let GeometryValue::Polygon { coordinates: rings } = geometry.value else {
        return Err(bad("应为 GeoJSON Polygon"));
    };
    let outer = rings.first().ok_or_else(|| bad("Polygon 没有外环"))?;
    if outer.len() < 4 || outer.first() != outer.last() {
        return Err(bad("外环至少 4 个点，且首尾相同"));
    }
    outer
        .iter()
        .map(|p| match p.as_slice() {
            [lng, lat, ..] if (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lng) => Ok((*lat, *lng)),
            _ => Err(bad("坐标应为 [经度, 纬度]，且在有效范围内")),
        })
        .collect()
}

/// The ring written back as a GeoJSON Polygon.
pub fn boundary_json(ring: &[(f64, f64)]) -> serde_json::Value {
    let positions: Vec<[f64; 2]> = ring.iter().map(|(lat, lng)| [*lng, *lat]).collect();
    serde_json::to_value(Geometry::new(GeometryValue::new_polygon([positions]))).unwrap_or_default()
}

/// Whether `p` lies inside the ring (even–odd rule; points on an edge may go either way).
pub fn inside(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let ((y1, x1), (y2, x2)) = (pair[0], pair[1]);
        if (y1 > p.0) != (y2 > p.0) && p.1 < x1 + (p.0 - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

/// What a zone's shape says of a point: inside its polygon, or within its radius of its centre.
pub struct Shape {
    pub ring: Option<Vec<(f64, f64)>>,
    pub circle: Option<((f64, f64), f64)>,
}

impl Shape {
    pub fn holds(&self, p: (f64, f64)) -> bool {
        let in_ring = self.ring.as_deref().is_none_or(|r| inside(r, p));
        let in_circle = self.circle.is_none_or(|(c, r)| distance_m(c, p) <= r);
        in_ring && in_circle
    }
}

/// A scan's position against its checkpoint's: near, far, missing, or
/// unknown (the checkpoint has no coordinates), with the distance.
pub fn position(checkpoint: Option<(f64, f64)>, phone: Option<(f64, f64)>) -> (super::Position, Option<f64>) {
    match (checkpoint, phone) {
        (_, None) => (super::Position::Missing, None),
        (None, Some(_)) => (super::Position::Unknown, None),
        (Some(c), Some(p)) => {
            let d = distance_m(c, p);
            (if d <= NEAR_M { super::Position::Near } else { super::Position::Far }, Some(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square() -> serde_json::Value {
        json!({"type": "Polygon", "coordinates": [[[120.87, 31.97], [120.89, 31.97], [120.89, 31.98], [120.87, 31.98], [120.87, 31.97]]]})
    }

    #[test]
    fn a_polygon_reads_back_and_holds_what_is_inside() {
        let ring = parse_boundary(&square()).expect("polygon");
        assert!(inside(&ring, (31.975, 120.88)));
        assert!(!inside(&ring, (31.99, 120.88)));
        assert_eq!(parse_boundary(&boundary_json(&ring)).expect("again"), ring);
        let feature = json!({"type": "Feature", "properties": {}, "geometry": square()});
        assert_eq!(parse_boundary(&feature).expect("feature"), ring);
    }

    #[test]
    fn a_bad_boundary_is_refused_with_the_field() {
        for bad in [
            json!({"type": "Point", "coordinates": [120.0, 31.0]}),
            json!({"type": "Polygon", "coordinates": [[[120.0, 31.0], [121.0, 31.0], [120.0, 31.0]]]}),
            json!({"type": "Polygon", "coordinates": [[[120.0, 31.0], [121.0, 31.0], [121.0, 32.0], [120.5, 31.5]]]}),
            json!({"type": "Polygon", "coordinates": [[[120.0, 95.0], [121.0, 31.0], [121.0, 32.0], [120.0, 95.0]]]}),
            json!("nope"),
        ] {
            assert!(matches!(parse_boundary(&bad), Err(Error::Invalid { field, .. }) if field == "boundary"), "{bad}");
        }
    }

    #[test]
    fn distances_and_positions() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = distance_m((31.975, 120.88), (31.976, 120.88));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(position(Some((31.975, 120.88)), Some((31.976, 120.88))).0, super::super::Position::Near);
        assert_eq!(position(Some((31.975, 120.88)), Some((31.978, 120.88))).0, super::super::Position::Far);
        assert_eq!(position(Some((31.975, 120.88)), None).0, super::super::Position::Missing);
        let shape = Shape { ring: None, circle: Some(((31.975, 120.88), 1000.0)) };
        assert!(shape.holds((31.98, 120.88)) && !shape.holds((31.99, 120.88)));
    }
}
