//! Time as the database keeps it: milliseconds since the Unix epoch, UTC.
//! People see China Standard Time (UTC+8, no daylight saving).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
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

pub fn to_cst(ms: i64) -> DateTime<FixedOffset> {
    cst().timestamp_millis_opt(ms).single().unwrap_or_else(|| cst().timestamp_millis_opt(0).single().expect("epoch"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_china_standard_time() {
        // 2024-06-04 10:30:00 UTC is 18:30 in Nantong.
        assert_eq!(to_rfc3339(1_717_497_000_000), "2024-06-04T18:30:00+08:00");
    }
}
