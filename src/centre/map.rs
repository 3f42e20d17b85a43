//! The wall's map of buildings: lat/lng projected into an SVG box, one
//! square per building, coloured by its open and overdue cases. No tiles
//! (the command centre runs on an intranet), just the buildings themselves.

use serde::Serialize;

use super::store::{self, BuildingRow};
use crate::db::Db;
use crate::error::Result;

/// The most buildings drawn: a street of a few thousand still draws, and
/// the page stays small.
pub const MAP_LIMIT: i64 = 2_500;

/// Width of the SVG's user space; the height follows the buildings' shape.
pub const WIDTH: f64 = 1000.0;

/// Markers smaller than this (in user units, about 0.6 px each on a wall
/// at 1920 wide) carry no number: it would be under 20 px, too small to
/// read from three metres. Their colour still shows.
const LABEL_MIN: f64 = 60.0;
/// Several estates are drawn side by side, each at its own scale under its
/// name (one map of a district would shrink each estate to a dot): the
/// band for the name, and the largest and smallest size it is written at
/// (smaller would not be read; then no estate is named).
const CAPTION: f64 = 56.0;
const CAPTION_FONT: f64 = 36.0;
const CAPTION_MIN: f64 = 24.0;
const GAP: f64 = 30.0;

/// A building on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub code: String,
    pub number: String,
    /// Top-left corner of its square.
    pub x: f64,
    pub y: f64,
}

/// One estate's buildings, drawn at one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: String,
    /// Where its name is written (left end of the baseline) and how large,
    /// if written.
    pub caption: Option<(f64, f64, f64)>,
    /// The side of its squares.
    pub size: f64,
    pub sites: Vec<Site>,
}

/// The drawn map: the SVG's box and the estates in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub blocks: Vec<Block>,
    /// Buildings in scope without coordinates (not drawn).
    pub unplaced: usize,
}

impl Layout {
    pub fn view_box(&self) -> String {
        format!("0 0 {:.0} {:.0}", self.width, self.height)
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

impl Block {
    pub fn labelled(&self) -> bool {
        self.size >= LABEL_MIN
    }

    /// One size for every number: half the square, less if the longest
    /// number (100, 12A) would not fit across it (a digit is about 0.62 of
    /// the font size wide in the bold sans the wall uses).
    pub fn font_size(&self) -> String {
        let longest = self.sites.iter().map(|s| s.number.chars().count()).max().unwrap_or(1).max(1);
        format!("{:.0}", self.size * 0.5_f64.min(0.88 / (0.62 * longest as f64)))
    }

    pub fn corner(&self) -> String {
        format!("{:.0}", self.size * 0.12)
    }

    pub fn side(&self) -> String {
        format!("{:.1}", self.size)
    }

    /// Where a site's number goes: the middle of its square.
    pub fn centre(&self, site: &Site) -> (String, String) {
        (format!("{:.1}", site.x + self.size / 2.0), format!("{:.1}", site.y + self.size / 2.0))
    }
}

/// Where points fall in a `width`-wide box, as `(x, y)` centres, with the
/// box's height and the side of a marker square.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub height: f64,
    pub size: f64,
    pub centres: Vec<(f64, f64)>,
}

/// Projects `(lat, lng)` points into a box `width` wide: north up, metres
/// the same length across and up (longitude shrinks by cos(latitude)), the
/// whole set centred with half a spacing of margin. The height follows the
/// points' shape, between 0.4 and 1.2 widths, and at most `max_height`.
/// Markers are 0.8 of the median distance to the nearest neighbour, so a
/// regular estate's squares do not touch.
pub fn project(points: &[(f64, f64)], width: f64, max_height: f64) -> Projection {
    if points.is_empty() {
        return Projection { height: (width * 0.6).min(max_height), size: 0.0, centres: Vec::new() };
    }
    let lat0 = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
    let k = lat0.to_radians().cos();
    let planar: Vec<(f64, f64)> = points.iter().map(|(lat, lng)| (lng * k, *lat)).collect();
    let (min_x, max_x) = bounds(planar.iter().map(|p| p.0));
    let (min_y, max_y) = bounds(planar.iter().map(|p| p.1));
    let (span_x, span_y) = (max_x - min_x, max_y - min_y);
    let spacing = median_nearest(&planar).unwrap_or(0.0);
    // One spacing of margin in all (half each side); a lone building or a
    // set with no spread gets an arbitrary scale that centres it.
    let unit = if spacing > 0.0 { spacing } else { span_x.max(span_y).max(1e-6) };
    let height = (width * (span_y + unit) / (span_x + unit)).clamp(width * 0.4, width * 1.2).min(max_height);
    let scale = (width / (span_x + unit)).min(height / (span_y + unit));
    let size = if spacing > 0.0 { 0.8 * spacing * scale } else { width / 8.0 }.min(width.min(height) / 4.0);
    let (off_x, off_y) = ((width - span_x * scale) / 2.0, (height - span_y * scale) / 2.0);
    let centres = planar.iter().map(|(x, y)| (off_x + (x - min_x) * scale, off_y + (max_y - y) * scale)).collect();
    Projection { height, size, centres }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The median over points of the distance to the nearest other point that
/// is not at the same place; `None` with fewer than two distinct places.
/// Quadratic, but the map is drawn once per page and bounded by MAP_LIMIT.
fn median_nearest(points: &[(f64, f64)]) -> Option<f64> {
    let mut nearest: Vec<f64> = points
        .iter()
        .filter_map(|a| {
            points
                .iter()
                .map(|b| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt())
                .filter(|d| *d > 0.0)
                .min_by(f64::total_cmp)
        })
        .collect();
    if nearest.is_empty() {
        return None;
    }
    nearest.sort_by(f64::total_cmp);
    Some(nearest[nearest.len() / 2])
}

/// The buildings of a subtree, laid out (for the page; the stream only
/// recolours them).
pub async fn layout(db: &Db, low: &str, high: &str) -> Result<Layout> {
    let rows = store::buildings_in(db, (low, high), MAP_LIMIT).await?;
    Ok(lay_out(rows))
}

type Placed = (BuildingRow, (f64, f64));

/// Where an estate is drawn: alone over the whole map, or in a tile of a
/// shared one, with its name above it when names are legible there (the
/// caption band's height and the font size).
#[derive(Clone, Copy)]
enum Frame {
    Whole,
    Tile(Option<(f64, f64)>),
}

/// Rows (ordered by estate) into the map: one estate fills the box; several
/// share it in a grid of equal tiles, each under its name.
fn lay_out(rows: Vec<BuildingRow>) -> Layout {
    let total = rows.len();
    let mut estates: Vec<Vec<Placed>> = Vec::new();
    for r in rows {
        let (Some(lat), Some(lng)) = (r.lat, r.lng) else { continue };
        if !(lat.is_finite() && lng.is_finite()) {
            continue;
        }
        match estates.last_mut() {
            Some(sites) if sites[0].0.estate_id == r.estate_id => sites.push((r, (lat, lng))),
            _ => estates.push(vec![(r, (lat, lng))]),
        }
    }
    let unplaced = total - estates.iter().map(Vec::len).sum::<usize>();
    if estates.len() <= 1 {
        let (blocks, height) = match estates.pop() {
            Some(sites) => {
                let (block, height) = block(sites, (0.0, 0.0), WIDTH, WIDTH * 1.2, Frame::Whole);
                (vec![block], height)
            }
            None => (Vec::new(), WIDTH * 0.6),
        };
        return Layout { width: WIDTH, height, blocks, unplaced };
    }
    let cols = (estates.len() as f64).sqrt().ceil() as usize;
    let tile_w = WIDTH / cols as f64;
    let longest = estates.iter().map(|e| e[0].0.estate.chars().count()).max().unwrap_or(1).max(1);
    let font = CAPTION_FONT.min((tile_w - GAP) / longest as f64);
    let caption = (font >= CAPTION_MIN).then_some((CAPTION, font));
    let band = caption.map_or(0.0, |c| c.0);
    let (inner_w, inner_h) = (tile_w - GAP, tile_w * 0.8 - band);
    let tile_h = band + inner_h + GAP;
    let rows_of_tiles = estates.len().div_ceil(cols) as f64;
    let blocks = estates
        .into_iter()
        .enumerate()
        .map(|(i, sites)| {
            let corner = ((i % cols) as f64 * tile_w + GAP / 2.0, (i / cols) as f64 * tile_h);
            block(sites, corner, inner_w, inner_h, Frame::Tile(caption)).0
        })
        .collect();
    Layout { width: WIDTH, height: rows_of_tiles * tile_h, blocks, unplaced }
}

/// One estate projected into a box `width` wide and at most `max_height`
/// high at `corner`; in a tile, centred in it under its caption. Returns
/// the block and the height it took.
fn block(sites: Vec<Placed>, corner: (f64, f64), width: f64, max_height: f64, frame: Frame) -> (Block, f64) {
    let points: Vec<(f64, f64)> = sites.iter().map(|(_, p)| *p).collect();
    let p = project(&points, width, max_height);
    let (top, used, caption) = match frame {
        Frame::Whole => (corner.1, p.height, None),
        Frame::Tile(caption) => {
            let band = caption.map_or(0.0, |(band, _)| band);
            let at = caption.map(|(band, font)| (corner.0, corner.1 + band * 0.7, font));
            (corner.1 + band + (max_height - p.height) / 2.0, band + max_height, at)
        }
    };
    let half = p.size / 2.0;
    let name = sites.first().map(|(r, _)| r.estate.clone()).unwrap_or_default();
    let sites = sites
        .into_iter()
        .zip(p.centres)
        .map(|((r, _), (x, y))| Site { code: r.code, number: r.number, x: corner.0 + x - half, y: top + y - half })
        .collect();
    (Block { name, caption, size: p.size, sites }, used)
}

/// How a building is coloured: by its worst open case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    None,
    Open,
    Overdue,
}

impl State {
    pub fn of(open: i64, overdue: i64) -> State {
        if overdue > 0 {
            State::Overdue
        } else if open > 0 {
            State::Open
        } else {
            State::None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            State::None => "none",
            State::Open => "open",
            State::Overdue => "overdue",
        }
    }
}

/// A building with open cases (buildings without are not sent: the wall
/// greys every building the snapshot does not name).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Load {
    pub code: String,
    pub open: i64,
    pub overdue: i64,
    pub state: State,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo estate's grid: ten rows northwards, ten columns eastwards.
    fn estate() -> Vec<(f64, f64)> {
        (0..100).map(|n| (32.0 + (n / 10) as f64 * 0.00036, 120.0 + (n % 10) as f64 * 0.00042)).collect()
    }

    fn row(estate_id: i64, code: &str, at: Option<(f64, f64)>) -> BuildingRow {
        BuildingRow {
            code: code.into(),
            number: code.into(),
            lat: at.map(|p| p.0),
            lng: at.map(|p| p.1),
            estate_id,
            estate: format!("小区{estate_id}"),
        }
    }

    #[test]
    fn a_regular_estate_fills_the_box_north_up_without_overlaps() {
        let p = project(&estate(), 1000.0, 1200.0);
        let (first, last) = (p.centres[0], p.centres[99]);
        // Building 1 is south-west: bottom left. Building 100 north-east: top right.
        assert!(first.0 < last.0 && first.1 > last.1, "{first:?} {last:?}");
        // Inside the box with each square whole.
        for (x, y) in &p.centres {
            assert!(*x - p.size / 2.0 >= 0.0 && *x + p.size / 2.0 <= 1000.0, "x {x}");
            assert!(*y - p.size / 2.0 >= 0.0 && *y + p.size / 2.0 <= p.height, "y {y}");
        }
        // 0.00042° of longitude at 32°N is 0.000356°: the rows are nearly as
        // far apart as the columns, so the map is about square.
        assert!((p.height / 1000.0 - 1.0).abs() < 0.05, "height {}", p.height);
        let dx = p.centres[1].0 - p.centres[0].0;
        let dy = p.centres[0].1 - p.centres[10].1;
        assert!((dx / dy - 0.000356 / 0.00036).abs() < 0.01, "dx {dx} dy {dy}");
        // Neighbours' squares do not touch.
        assert!(p.size < dx.min(dy) && p.size > 0.7 * dx.min(dy), "size {} spacing {}", p.size, dx.min(dy));
        // The margins are equal: the set is centred.
        assert!((first.0 - (1000.0 - last.0)).abs() < 1e-6);
        // A lower box scales the same shape down, still inside it.
        let low = project(&estate(), 1000.0, 500.0);
        assert_eq!(low.height, 500.0);
        assert!(low.centres.iter().all(|(_, y)| *y - low.size / 2.0 >= 0.0 && *y + low.size / 2.0 <= 500.0));
    }

    #[test]
    fn a_long_row_is_a_low_box_and_odd_sets_do_not_break() {
        let line: Vec<(f64, f64)> = (0..10).map(|n| (32.0, 120.0 + n as f64 * 0.0005)).collect();
        let p = project(&line, 1000.0, 1200.0);
        assert_eq!(p.height, 400.0, "the height is clamped at 0.4 widths");
        assert!(p.centres.iter().all(|(_, y)| (*y - 200.0).abs() < 1e-6), "a row sits in the middle");

        let one = project(&[(32.0, 120.0)], 1000.0, 1200.0);
        assert_eq!(one.centres.len(), 1);
        let (x, y) = one.centres[0];
        assert!((x - 500.0).abs() < 1e-6 && (y - one.height / 2.0).abs() < 1e-6, "a lone building is centred");
        assert!(one.size > 0.0);

        let same = project(&[(32.0, 120.0), (32.0, 120.0)], 1000.0, 1200.0);
        assert!(same.centres.iter().all(|(x, y)| x.is_finite() && y.is_finite()));
        assert!(project(&[], 1000.0, 1200.0).centres.is_empty());
    }

    #[test]
    fn buildings_without_coordinates_are_counted_not_drawn() {
        let layout = lay_out(vec![
            row(1, "1", Some((32.0, 120.0))),
            row(1, "2", None),
            row(1, "3", Some((32.001, 120.0))),
            row(1, "4", Some((f64::NAN, 120.0))),
        ]);
        let [block] = &layout.blocks[..] else { panic!("one estate, one block: {layout:?}") };
        assert_eq!(block.sites.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!((layout.unplaced, block.caption), (2, None), "a lone estate needs no name");
        // Building 3 is north of 1: drawn above it.
        assert!(block.sites[1].y < block.sites[0].y);
        assert!(lay_out(Vec::new()).is_empty());
    }

    #[test]
    fn estates_far_apart_get_a_tile_each_at_a_readable_scale() {
        // Two estates 3 km apart, as 越江新村 and 园林佳苑 in the district.
        let mut rows: Vec<BuildingRow> =
            estate().into_iter().enumerate().map(|(i, p)| row(1, &format!("a{i}"), Some(p))).collect();
        rows.extend((0..24).map(|n| {
            row(2, &format!("b{n}"), Some((31.975 + (n / 10) as f64 * 0.00036, 120.88 + (n % 10) as f64 * 0.00042)))
        }));
        let layout = lay_out(rows);
        assert_eq!(layout.blocks.len(), 2);
        let (a, b) = (&layout.blocks[0], &layout.blocks[1]);
        assert_eq!((a.name.as_str(), b.name.as_str()), ("小区1", "小区2"));
        assert!(a.caption.is_some() && b.caption.is_some(), "each under its name");
        // Side by side, each inside its own half, at its own scale: one map
        // over 3 km would draw 40 m apart buildings about 10 units wide.
        assert!(a.sites.iter().all(|s| s.x >= 0.0 && s.x + a.size <= 500.0));
        assert!(b.sites.iter().all(|s| s.x >= 500.0 && s.x + b.size <= 1000.0));
        assert!(a.size > 25.0 && b.size > 25.0, "sizes {} {}", a.size, b.size);
        for blk in [a, b] {
            let (_, caption_y, font) = blk.caption.expect("caption");
            assert_eq!(font, CAPTION_FONT);
            assert!(blk.sites.iter().all(|s| s.y > caption_y && s.y + blk.size <= layout.height), "below its name");
        }
    }

    #[test]
    fn many_estates_share_the_box_unnamed_when_names_would_be_unreadable() {
        let rows: Vec<BuildingRow> = (0..50)
            .flat_map(|e| {
                (0..4).map(move |n| {
                    row(e, &format!("{e}-{n}"), Some((32.0 + e as f64 * 0.01, 120.0 + n as f64 * 0.0004)))
                })
            })
            .map(|mut r| {
                r.estate = "和平东新村".into();
                r
            })
            .collect();
        let layout = lay_out(rows);
        assert_eq!(layout.blocks.len(), 50);
        assert!(layout.blocks.iter().all(|b| b.caption.is_none()), "eight tiles across leave names too small");
        // Tiles do not overlap: every block's squares stay in its own column.
        let tile = WIDTH / 8.0;
        for (i, b) in layout.blocks.iter().enumerate() {
            let x0 = (i % 8) as f64 * tile;
            assert!(b.sites.iter().all(|s| s.x >= x0 && s.x + b.size <= x0 + tile), "block {i}");
        }
    }

    #[test]
    fn numbers_fit_their_squares() {
        let site = |number: &str| Site { code: number.into(), number: number.into(), x: 0.0, y: 0.0 };
        let mut block = Block { name: String::new(), caption: None, size: 80.0, sites: vec![site("1"), site("98")] };
        assert_eq!(block.font_size(), "40");
        block.sites.push(site("100"));
        assert_eq!(block.font_size(), "38", "three digits need a smaller size");
        assert!(block.labelled());
        block.size = 20.0;
        assert!(!block.labelled(), "squares too small for a number carry none");
    }

    #[test]
    fn the_worst_case_colours_a_building() {
        assert_eq!(State::of(0, 0), State::None);
        assert_eq!(State::of(2, 0), State::Open);
        assert_eq!(State::of(2, 1), State::Overdue);
    }
}
