//! Values shared through the database by every server: watermarks only go
//! up, periodic work is claimed once per period.

use linli::db::settings;

use crate::helpers::TestApp;

crate::on_both_backends!(watermarks_rise_and_periods_are_claimed_once);

const HOUR: i64 = 3_600_000;

async fn watermarks_rise_and_periods_are_claimed_once(app: TestApp) {
    let db = &app.db;
    assert_eq!(settings::get_i64(db, "test.mark").await.expect("absent"), 0);
    assert!(settings::raise_i64(db, "test.mark", 10, 1).await.expect("first"));
    assert!(!settings::raise_i64(db, "test.mark", 7, 2).await.expect("lower"), "a watermark never goes down");
    assert!(!settings::raise_i64(db, "test.mark", 10, 2).await.expect("equal"));
    assert!(settings::raise_i64(db, "test.mark", 12, 3).await.expect("higher"));
    assert_eq!(settings::get_i64(db, "test.mark").await.expect("read"), 12);

    let t0 = 1_800_000_000_000;
    assert!(settings::claim_period(db, "test.hourly", t0, HOUR).await.expect("first claim"));
    assert!(!settings::claim_period(db, "test.hourly", t0 + HOUR - 1, HOUR).await.expect("too early"));
    // Two servers at the same moment: exactly one wins.
    let (a, b) = tokio::join!(
        settings::claim_period(db, "test.hourly", t0 + HOUR, HOUR),
        settings::claim_period(db, "test.hourly", t0 + HOUR, HOUR)
    );
    assert_eq!([a.expect("a"), b.expect("b")].iter().filter(|won| **won).count(), 1);

    assert_eq!(settings::get_or_insert(db, "test.secret", "one", t0).await.expect("insert"), "one");
    assert_eq!(settings::get_or_insert(db, "test.secret", "two", t0).await.expect("kept"), "one");
}
