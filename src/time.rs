//! Time as the database keeps it: milliseconds since the Unix epoch, UTC.
//! People see China Standard Time (UTC+8, no daylight saving).

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The application's notion of "now". Production reads the system clock;
/// tests shift it forward to let deadlines pass without waiting.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now_ms(&self) -> i64 {
        now_ms() + self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A clock running `offset_ms` ahead of the system clock.
    pub fn with_offset(offset_ms: i64) -> Clock {
        let clock = Clock::default();
        clock.advance(offset_ms);
        clock
    }
}

/// Parses an ISO 8601 / RFC 3339 date-time (`2024-06-04T18:30:00+08:00`,
/// `2024-06-04T10:30:00Z`) or a plain date (`2024-06-04`, read as midnight
/// China Standard Time) into epoch milliseconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    cst().from_local_datetime(&midnight).single().map(|dt| dt.timestamp_millis())
}

/// China Standard Time.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A stored timestamp as an RFC 3339 string in China Standard Time,
/// e.g. `2024-06-04T18:30:00+08:00`.
pub fn to_rfc3339(ms: i64) -> String {
    to_cst(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Serde: a millisecond timestamp written as RFC 3339 in China Standard Time.
pub fn serialize_rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_rfc3339(*ms))
}

/// Serde: an optional millisecond timestamp as RFC 3339, or null.
pub fn serialize_rfc3339_opt<S: serde::Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&to_rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

pub fn to_cst(ms: i64) -> DateTime<FixedOffset> {
    cst().timestamp_millis_opt(ms).single().unwrap_or_else(|| cst().timestamp_millis_opt(0).single().expect("epoch"))
}

/// A time as people read it, in China Standard Time: `今天 14:05`,
/// `昨天 09:30`, `12月1日 14:05` within the year, `2025年12月1日` before.
pub fn human(ms: i64, now: i64) -> String {
    let (t, today) = (to_cst(ms), to_cst(now).date_naive());
    let date = t.date_naive();
    if date == today {
        t.format("今天 %H:%M").to_string()
    } else if today.pred_opt() == Some(date) {
        t.format("昨天 %H:%M").to_string()
    } else if today.succ_opt() == Some(date) {
        t.format("明天 %H:%M").to_string()
    } else if date.year() == today.year() {
        format!("{}月{}日 {}", date.month(), date.day(), t.format("%H:%M"))
    } else {
        format!("{}年{}月{}日", date.year(), date.month(), date.day())
    }
}

/// [`human`] in English: `today 14:05`, `1 Dec 14:05`, `1 Dec 2025`.
pub fn human_en(ms: i64, now: i64) -> String {
    let (t, today) = (to_cst(ms), to_cst(now).date_naive());
    let date = t.date_naive();
    if date == today {
        t.format("today %H:%M").to_string()
    } else if today.pred_opt() == Some(date) {
        t.format("yesterday %H:%M").to_string()
    } else if today.succ_opt() == Some(date) {
        t.format("tomorrow %H:%M").to_string()
    } else if date.year() == today.year() {
        t.format("%-d %b %H:%M").to_string()
    } else {
        t.format("%-d %b %Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_people_read_them() {
        // 2024-06-04 18:30 CST.
        let t = 1_717_497_000_000;
        let hour = 3_600_000;
        assert_eq!(human(t, t + hour), "今天 18:30");
        assert_eq!(human(t, t + 24 * hour), "昨天 18:30");
        assert_eq!(human(t, t - 24 * hour), "明天 18:30");
        assert_eq!(human(t, t + 10 * 24 * hour), "6月4日 18:30");
        assert_eq!(human(t, t + 400 * 24 * hour), "2024年6月4日");
        assert_eq!(human_en(t, t + 10 * 24 * hour), "4 Jun 18:30");
        assert_eq!(human_en(t, t), "today 18:30");
    }

    #[test]
    fn parses_what_clients_send() {
        assert_eq!(parse_datetime("2024-06-04T18:30:00+08:00"), Some(1_717_497_000_000));
        assert_eq!(parse_datetime("2024-06-04T10:30:00Z"), Some(1_717_497_000_000));
        assert_eq!(parse_datetime("2024-06-04"), Some(1_717_430_400_000));
        assert_eq!(parse_datetime("June 4"), None);
    }

    #[test]
    fn a_clock_moves_forward_for_all_its_clones() {
        let clock = Clock::system();
        let clone = clock.clone();
        clock.advance(3_600_000);
        assert!(clone.now_ms() >= now_ms() + 3_599_000);
    }

    #[test]
    fn formats_in_china_standard_time() {
        // 2024-06-04 10:30:00 UTC is 18:30 in Nantong.
        assert_eq!(to_rfc3339(1_717_497_000_000), "2024-06-04T18:30:00+08:00");
    }
}
