//! Trends: new and closed cases in scope, today by hour and the last 30
//! days by day, and the small SVG charts that draw them (no chart library:
//! a few rectangles and two polylines).

use serde::Serialize;

use super::store::{self, Slots};
use crate::cases::rollup::{DAY_MS, day_of, day_start};
use crate::db::Db;
use crate::error::Result;

pub const HOUR_MS: i64 = 3_600_000;
/// Days in the month's trend, today included.
pub const DAYS: usize = 30;

/// Equal slots of time from `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub step: i64,
    pub len: usize,
}

impl Window {
    /// Today (China Standard Time) by hour.
    pub fn today(now: i64) -> Window {
        Window { from: day_start(day_of(now)), step: HOUR_MS, len: 24 }
    }

    /// The last 30 CST days by day, today last.
    pub fn month(now: i64) -> Window {
        Window { from: day_start(day_of(now) - (DAYS as i64 - 1)), step: DAY_MS, len: DAYS }
    }

    pub fn end(&self) -> i64 {
        self.from + self.step * self.len as i64
    }
}

/// Counts per slot from `(slot, count)` rows; slots outside `0..len` are
/// dropped (a clock that moved between queries must not panic the wall).
pub fn fill(rows: &[(i64, i64)], len: usize) -> Vec<i64> {
    let mut out = vec![0; len];
    for (slot, count) in rows {
        if let Some(v) = usize::try_from(*slot).ok().and_then(|s| out.get_mut(s)) {
            *v += count;
        }
    }
    out
}

/// New and closed cases per slot.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Series {
    pub new: Vec<i64>,
    pub closed: Vec<i64>,
}

impl Series {
    pub fn total_new(&self) -> i64 {
        self.new.iter().sum()
    }

    pub fn total_closed(&self) -> i64 {
        self.closed.iter().sum()
    }

    /// This series followed by one more slot.
    pub fn then(mut self, new: i64, closed: i64) -> Series {
        self.new.push(new);
        self.closed.push(closed);
        self
    }
}

/// New and closed cases of a subtree in the window's slots before `until`.
pub async fn series(db: &Db, bounds: (&str, &str), w: Window, until: i64) -> Result<Series> {
    let until = until.min(w.end());
    if until <= w.from {
        return Ok(Series { new: vec![0; w.len], closed: vec![0; w.len] });
    }
    let slots = Slots { from: w.from, step: w.step, until };
    let new = fill(&store::new_per_slot(db, bounds, slots).await?, w.len);
    let closed = fill(&store::closed_per_slot(db, bounds, slots).await?, w.len);
    Ok(Series { new, closed })
}

/// Both trends, as the wall shows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trend {
    pub today: Series,
    pub month: Series,
    /// The first instant of the month's first day.
    pub month_from: i64,
}

impl Trend {
    pub fn today_chart(&self) -> Plot {
        let ticks = [0, 6, 12, 18, 24].map(|h| (h, format!("{h}时")));
        Plot::bars(&self.today, &ticks)
    }

    pub fn month_chart(&self) -> Plot {
        let label = |slot: usize| {
            use chrono::Datelike;
            let d = crate::time::to_cst(self.month_from + slot as i64 * DAY_MS);
            format!("{}月{}日", d.month(), d.day())
        };
        let ticks = [(0, label(0)), (10, label(10)), (20, label(20)), (DAYS - 1, "今天".to_string())];
        Plot::lines(&self.month, &ticks)
    }
}

/// The charts' user space: the SVG is drawn at about this size at 1920 px.
pub const CHART_W: f64 = 480.0;
pub const CHART_H: f64 = 240.0;
/// Room for the y axis's labels: a digit of the 24-unit tick font is about
/// 14.5 units wide.
fn left_for(max: i64) -> f64 {
    14.0 + 14.5 * max.to_string().len() as f64
}
const RIGHT: f64 = 8.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// The largest value an axis shows: 1, 2 or 5 times a power of ten, at
/// least `v` (and at least 1, so an empty chart still has a scale).
pub fn nice_max(v: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= v {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    pub anchor: &'static str,
}

/// A drawn chart: bars (today) or lines (the month), both in the same frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub max: i64,
    /// Where the plot starts, right of the y axis's labels.
    pub left: f64,
    pub new_bars: Vec<Rect>,
    pub closed_bars: Vec<Rect>,
    pub new_line: String,
    pub closed_line: String,
    pub ticks: Vec<Tick>,
}

impl Plot {
    /// The axis's top value, the plot's left edge, a slot's width and the plot's height.
    fn frame(series: &Series) -> (i64, f64, f64, f64) {
        let max = nice_max(series.new.iter().chain(&series.closed).copied().max().unwrap_or(0));
        let left = left_for(max);
        let slots = series.new.len().max(1) as f64;
        (max, left, (CHART_W - left - RIGHT) / slots, CHART_H - TOP - BOTTOM)
    }

    fn ticks(at: &[(usize, String)], x: impl Fn(usize) -> f64) -> Vec<Tick> {
        at.iter()
            .enumerate()
            .map(|(i, (slot, label))| Tick {
                x: r1(x(*slot)),
                label: label.clone(),
                anchor: if i + 1 == at.len() && at.len() > 1 { "end" } else { "middle" },
            })
            .collect()
    }

    /// Pairs of bars per slot (new, closed); ticks at slot boundaries.
    pub fn bars(series: &Series, ticks: &[(usize, String)]) -> Plot {
        let (max, left, slot_w, plot_h) = Plot::frame(series);
        let bar = |slot: usize, v: i64, shift: f64| {
            // A slot with any case shows at least a sliver.
            let h = if v > 0 { (v as f64 / max as f64 * plot_h).max(3.0) } else { 0.0 };
            Rect {
                x: r1(left + (slot as f64 + shift) * slot_w),
                y: r1(TOP + plot_h - h),
                w: r1(slot_w * 0.4),
                h: r1(h),
            }
        };
        Plot {
            max,
            left,
            new_bars: series.new.iter().enumerate().map(|(i, v)| bar(i, *v, 0.1)).collect(),
            closed_bars: series.closed.iter().enumerate().map(|(i, v)| bar(i, *v, 0.5)).collect(),
            new_line: String::new(),
            closed_line: String::new(),
            ticks: Plot::ticks(ticks, |s| left + s as f64 * slot_w),
        }
    }

    /// Two polylines through the slots' middles; ticks under the slots.
    pub fn lines(series: &Series, ticks: &[(usize, String)]) -> Plot {
        let (max, left, slot_w, plot_h) = Plot::frame(series);
        let line = |values: &[i64]| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (x, y) = (left + (i as f64 + 0.5) * slot_w, TOP + plot_h * (1.0 - *v as f64 / max as f64));
                    format!("{},{}", r1(x), r1(y))
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        Plot {
            max,
            left,
            new_bars: Vec::new(),
            closed_bars: Vec::new(),
            new_line: line(&series.new),
            closed_line: line(&series.closed),
            ticks: Plot::ticks(ticks, |s| left + (s as f64 + 0.5) * slot_w),
        }
    }

    // Fixed positions, for the template.
    pub fn view_box(&self) -> String {
        format!("0 0 {CHART_W} {CHART_H}")
    }
    pub fn right(&self) -> f64 {
        CHART_W - RIGHT
    }
    pub fn top(&self) -> f64 {
        TOP
    }
    pub fn base(&self) -> f64 {
        CHART_H - BOTTOM
    }
    pub fn label_y(&self) -> f64 {
        CHART_H - 8.0
    }
    pub fn y_label_x(&self) -> f64 {
        self.left - 6.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2024-06-04 00:00 CST.
    const MIDNIGHT: i64 = 1_717_430_400_000;

    #[test]
    fn windows_follow_china_standard_time() {
        // 07:30 CST is still the evening before in UTC: the day is CST's.
        let now = MIDNIGHT + 7 * HOUR_MS + 30 * 60_000;
        let today = Window::today(now);
        assert_eq!((today.from, today.step, today.len), (MIDNIGHT, HOUR_MS, 24));
        assert_eq!(today.end(), MIDNIGHT + DAY_MS);
        let month = Window::month(now);
        assert_eq!(month.from, MIDNIGHT - 29 * DAY_MS);
        assert_eq!(month.end(), MIDNIGHT + DAY_MS, "today is the month's last slot");
        // One millisecond before midnight belongs to yesterday.
        assert_eq!(Window::today(MIDNIGHT - 1).from, MIDNIGHT - DAY_MS);
    }

    #[test]
    fn rows_fill_their_slots_and_strays_are_dropped() {
        assert_eq!(fill(&[(0, 2), (3, 1), (23, 4)], 24)[..4], [2, 0, 0, 1]);
        assert_eq!(fill(&[(23, 4)], 24)[23], 4);
        assert_eq!(fill(&[(-1, 5), (24, 5), (2, 1)], 24).iter().sum::<i64>(), 1);
        assert_eq!(fill(&[], 3), vec![0, 0, 0]);
    }

    #[test]
    fn axes_end_on_round_numbers() {
        let got: Vec<i64> = [0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 99, 101].map(nice_max).to_vec();
        assert_eq!(got, [1, 1, 2, 5, 5, 10, 10, 20, 20, 50, 100, 200]);
    }

    #[test]
    fn bars_are_as_tall_as_their_counts() {
        let mut s = Series { new: vec![0; 24], closed: vec![0; 24] };
        s.new[9] = 4;
        s.closed[9] = 2;
        s.new[10] = 1;
        let p = Plot::bars(&s, &[(0, "0时".into()), (24, "24时".into())]);
        assert_eq!(p.max, 5);
        let full = CHART_H - TOP - BOTTOM;
        assert!((p.new_bars[9].h - 0.8 * full).abs() < 0.1, "{:?}", p.new_bars[9]);
        assert!((p.closed_bars[9].h - 0.4 * full).abs() < 0.1);
        assert_eq!(p.new_bars[0].h, 0.0, "an empty hour has no bar");
        // Every bar stands on the base line, new left of closed, slots in order.
        for b in p.new_bars.iter().chain(&p.closed_bars) {
            assert!((b.y + b.h - (CHART_H - BOTTOM)).abs() < 0.11, "{b:?}");
        }
        assert!(p.new_bars[9].x < p.closed_bars[9].x && p.closed_bars[9].x < p.new_bars[10].x);
        assert_eq!((p.ticks[0].x, p.ticks[1].x), (p.left, CHART_W - RIGHT));
        assert_eq!((p.ticks[0].anchor, p.ticks[1].anchor), ("middle", "end"));
    }

    #[test]
    fn the_y_axis_makes_room_for_its_labels() {
        let one = Series { new: vec![1], closed: vec![0] };
        let thousands = Series { new: vec![1850], closed: vec![89] };
        let (small, big) = (Plot::bars(&one, &[]), Plot::bars(&thousands, &[]));
        assert_eq!(big.max, 2000);
        // "2000" at 24 units is about 58 wide: it must fit left of the plot.
        assert!(big.y_label_x() >= 4.0 * 14.5 && big.left > small.left, "{} {}", big.left, small.left);
        assert!(big.new_bars[0].x > big.left);
    }

    #[test]
    fn lines_pass_through_every_day() {
        let s = Series { new: (0..30).collect(), closed: vec![0; 30] };
        let p = Plot::lines(&s, &[(29, "今天".into())]);
        assert_eq!(p.max, 50);
        let points: Vec<(f64, f64)> = p
            .new_line
            .split(' ')
            .map(|xy| {
                let (x, y) = xy.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect();
        assert_eq!(points.len(), 30);
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 > w[1].1), "rising to the right");
        assert_eq!(points[0].1, CHART_H - BOTTOM, "zero is on the base line");
        assert!(p.closed_line.split(' ').all(|xy| xy.ends_with(&format!(",{}", CHART_H - BOTTOM))));
        assert_eq!(p.ticks[0].anchor, "middle", "a single tick is centred");
    }

    #[test]
    fn a_series_grows_by_a_slot() {
        let s = Series { new: vec![1, 2], closed: vec![0, 1] }.then(3, 4);
        assert_eq!((s.total_new(), s.total_closed()), (6, 5));
        assert_eq!(s.new.len(), 3);
    }
}
