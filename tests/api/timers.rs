//! Deadlines that live in the database: reminders and escalations fire once,
//! across restarts and with two servers sharing one database.

use serde_json::{Value, json};

use crate::cases::{act, report_light_at_98};
use crate::helpers::TestApp;
use linli::time::Clock;

const HOUR_MS: i64 = 3_600_000;

crate::on_both_backends!(
    an_overdue_case_escalates_exactly_once_across_restarts,
    two_servers_sharing_a_database_fire_each_timer_once,
    suspension_stops_the_clock,
    send_back_reject_and_reopen,
);

async fn history(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let (status, detail) = app.get_as(&format!("/api/v1/cases/{id}"), token).await;
    assert_eq!(status, 200, "{detail}");
    detail["events"].as_array().expect("events").clone()
}

fn count(events: &[Value], action: &str) -> usize {
    events.iter().filter(|e| e["action"] == action).count()
}

async fn an_overdue_case_escalates_exactly_once_across_restarts(app: TestApp) {
    let member = app.login("weiwangge").await;
    let id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    assert_eq!(app.run_workers().await.0, 0, "nothing is due yet");
    let database = app.stop().await;

    // The server was down while the 24-hour deadline passed.
    let app = TestApp::start_with_clock(database, false, Clock::with_offset(25 * HOUR_MS)).await;
    let member = app.login("weiwangge").await;
    let (jobs, _) = app.run_workers().await;
    assert_eq!(jobs, 2, "the 18-hour reminder and the deadline both fire after the restart");
    let events = history(&app, &member, id).await;
    assert_eq!((count(&events, "remind"), count(&events, "escalate")), (1, 1));
    let escalation = events.iter().find(|e| e["action"] == "escalate").expect("escalation");
    assert_eq!(escalation["actor"], "系统");
    assert_eq!(escalation["data"]["level"], 1);
    assert_eq!(app.run_workers().await.0, 0, "nothing fires twice");

    let database = app.stop().await;
    let app = TestApp::start_with_clock(database, false, Clock::with_offset(25 * HOUR_MS)).await;
    let member = app.login("weiwangge").await;
    app.run_workers().await;
    let events = history(&app, &member, id).await;
    assert_eq!(count(&events, "escalate"), 1, "a second restart fires nothing again");

    // The grid head heard of it once; the property company was reminded once.
    let head = app.login("wanggezhang").await;
    let (_, notes) = app.get_as("/api/v1/notifications", &head).await;
    let escalations = notes
        .as_array()
        .expect("list")
        .iter()
        .filter(|n| n["case_id"] == id && n["title"].as_str().is_some_and(|t| t.contains("上报")))
        .count();
    assert_eq!(escalations, 1, "{notes}");
    let property = app.login("wuye").await;
    let (_, notes) = app.get_as("/api/v1/notifications", &property).await;
    let reminders = notes
        .as_array()
        .expect("list")
        .iter()
        .filter(|n| n["title"].as_str().is_some_and(|t| t.contains("即将超期")))
        .count();
    assert_eq!(reminders, 1, "{notes}");

    // Another full deadline later, the community hears of it: level 2, once.
    app.clock.advance(24 * HOUR_MS);
    app.run_workers().await;
    app.run_workers().await;
    let events = history(&app, &member, id).await;
    assert_eq!(count(&events, "escalate"), 2);
    let (_, case) = app.get_as(&format!("/api/v1/cases/{id}"), &member).await;
    assert_eq!((case["escalation_level"].as_i64(), case["overdue"].as_bool()), (Some(2), Some(true)));
    let staff = app.login("shequ").await;
    let (_, ind) = app.get_as(&app.indicators_path("320602011003"), &staff).await;
    assert_eq!(
        (ind["due"].as_i64(), ind["overdue"].as_i64(), ind["closed"].as_i64()),
        (Some(1), Some(1), Some(0)),
        "{ind}"
    );
}

async fn two_servers_sharing_a_database_fire_each_timer_once(app: TestApp) {
    let member = app.login("weiwangge").await;
    let id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    app.clock.advance(25 * HOUR_MS);
    let other = app.second_server(Clock::with_offset(25 * HOUR_MS)).await;
    for _ in 0..3 {
        let (a, b) = tokio::join!(app.run_workers(), other.run_workers());
        assert!(a.0 + b.0 <= 2, "{a:?} {b:?}");
    }
    let events = history(&app, &member, id).await;
    assert_eq!((count(&events, "remind"), count(&events, "escalate")), (1, 1), "{events:?}");
    let head = app.login("wanggezhang").await;
    let (_, notes) = app.get_as("/api/v1/notifications", &head).await;
    assert_eq!(notes.as_array().expect("list").iter().filter(|n| n["case_id"] == id).count(), 1, "{notes}");
    other.stop().await;
}

async fn suspension_stops_the_clock(app: TestApp) {
    let member = app.login("weiwangge").await;
    let staff = app.login("shequ").await;
    let case = report_light_at_98(&app, &member).await;
    let id = case["id"].as_i64().expect("id");
    let due = crate::cases::time_ms(&case["due_at"]);
    let (status, err) = act(&app, &staff, id, "suspend", json!({})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("note")));
    let (status, suspended) = act(&app, &staff, id, "suspend", json!({"note": "等待供电公司更换线路"})).await;
    assert_eq!((status, suspended["status"].as_str()), (200, Some("suspended")));
    // Ten hours pass; the deadline passes too, but a suspended case is not overdue.
    app.clock.advance(30 * HOUR_MS);
    assert_eq!(app.run_workers().await.0, 0, "suspension cancelled the timers");
    let (_, resumed) = act(&app, &staff, id, "resume", json!({})).await;
    assert_eq!(resumed["status"], "dispatched", "{resumed}");
    let new_due = crate::cases::time_ms(&resumed["due_at"]);
    assert!((new_due - due - 30 * HOUR_MS).abs() < 60_000, "the deadline moved by the pause: {}", new_due - due);
    assert_eq!(resumed["overdue"], false);
}

async fn send_back_reject_and_reopen(app: TestApp) {
    let member = app.login("weiwangge").await;
    let property = app.login("wuye").await;
    let staff = app.login("shequ").await;
    let id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    let (_, back) = act(&app, &property, id, "send_back", json!({"note": "不是物业管辖范围"})).await;
    assert_eq!((back["status"].as_str(), &back["assignee"]), (Some("registered"), &Value::Null), "{back}");
    // Still visible (their building) but no longer theirs to act on.
    assert_eq!(act(&app, &property, id, "accept", json!({})).await.0, 403);
    let (status, again) = act(&app, &staff, id, "dispatch", json!({})).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("dispatched")), "{again}");
    act(&app, &property, id, "resolve", json!({})).await;
    let (_, rework) = act(&app, &member, id, "rework", json!({"note": "灯还是不亮"})).await;
    assert_eq!((rework["status"].as_str(), rework["rework_count"].as_i64()), (Some("in_progress"), Some(1)));
    act(&app, &property, id, "resolve", json!({"note": "换了线"})).await;
    act(&app, &member, id, "close", json!({})).await;
    let (status, reopened) = act(&app, &staff, id, "reopen", json!({"note": "居民反映又坏了"})).await;
    assert_eq!((status, reopened["status"].as_str(), &reopened["closed_at"]), (200, Some("registered"), &Value::Null));
    let (status, rejected) = act(&app, &staff, id, "reject", json!({"note": "非公共事务"})).await;
    assert_eq!((status, rejected["status"].as_str()), (200, Some("rejected")));
}

/// A notification that cannot be delivered is retried with growing delays,
/// then marked failed, never lost silently and never sent twice.
#[tokio::test]
async fn undeliverable_notifications_back_off_then_fail() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let now = app.clock.now_ms();
    linli::db::query(
        "INSERT INTO outbox (channel, recipient_person_id, title, body, dedupe_key, status, next_attempt_at, created_at)
         VALUES ('in_app', NULL, 't', 'b', 'broken', 'pending', $1, $1)",
    )
    .bind(now)
    .execute(&app.db)
    .await
    .expect("insert");
    let state = || async {
        linli::db::query("SELECT status, attempts, next_attempt_at FROM outbox WHERE dedupe_key = 'broken'")
            .fetch_one::<(String, i64, i64)>(&app.db)
            .await
            .expect("row")
    };
    app.run_workers().await;
    let (status, attempts, next) = state().await;
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(next >= app.clock.now_ms() + 3_000, "the retry waits");
    app.run_workers().await;
    assert_eq!(state().await.1, 1, "not retried before its time");
    let mut last_gap = 0;
    for _ in 0..15 {
        let (_, _, next) = state().await;
        let gap = next - app.clock.now_ms();
        assert!(gap >= last_gap || gap <= 3_600_000, "backoff grows, capped at an hour");
        last_gap = gap;
        app.clock.advance(3_600_000 + 1);
        app.run_workers().await;
    }
    let (status, attempts, _) = state().await;
    assert_eq!((status.as_str(), attempts), ("failed", 12));
}

/// Urgency shortens the deadline: a person trapped in a lift is 30 minutes.
#[tokio::test]
async fn urgent_reports_get_the_urgent_deadline() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let token = app.login("weiwangge").await;
    let report = |urgent: bool| json!({"category": "elevator", "description": "电梯困人了", "building": crate::cases::B98, "urgent": urgent});
    let (_, normal) = app.post("/api/v1/cases", Some(&token), &report(false)).await;
    let minutes =
        |c: &Value| (crate::cases::time_ms(&c["due_at"]) - crate::cases::time_ms(&c["dispatched_at"])) / 60_000;
    assert_eq!(minutes(&normal), 240);
    let staff = app.login("shequ").await;
    let (_, urgent) = app.post("/api/v1/cases", Some(&staff), &report(true)).await;
    assert_eq!(urgent["likely_duplicate_of"], normal["id"], "same building, same category");
    let (_, merged_free) = app
        .post("/api/v1/cases", Some(&staff), &json!({"category": "building_safety", "description": "31号楼楼顶电视信号接收锅摇摇欲坠", "building": "32060201100301031", "urgent": true}))
        .await;
    assert_eq!(
        merged_free["assignee"]["kind"], "grid_head",
        "urgent building safety goes to the grid head: {merged_free}"
    );
    assert_eq!(minutes(&merged_free), 240);
    let (_, registered) = act(&app, &staff, urgent["id"].as_i64().expect("id"), "register", json!({})).await;
    let (_, dispatched) = act(&app, &staff, registered["id"].as_i64().expect("id"), "dispatch", json!({})).await;
    assert_eq!(minutes(&dispatched), 30, "{dispatched}");
}
