//! The command centre's wall: what it shows after cases are filed, closed
//! and left to run late — on the page and in its live stream — and, in
//! Chromium, at 1920×1080 and on a phone (tests/browser/wall.mjs).

use std::time::Duration;

use serde_json::{Value, json};

use crate::cases::{act, report_light_at_98, time_ms};
use crate::helpers::{Backend, TestApp};

crate::on_both_backends!(the_wall_shows_what_was_filed_closed_and_late);

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const B5: &str = "32060201100301005";
const B31: &str = "32060201100301031";
const B98: &str = "32060201100301098";

/// Moves the server's clock to 09:00 China Standard Time tomorrow, so that
/// a test's hours stay inside one day whenever it runs.
fn to_nine_tomorrow(app: &TestApp) -> i64 {
    let now = app.clock.now_ms();
    let day = (now + 8 * HOUR_MS).div_euclid(DAY_MS);
    let nine = (day + 1) * DAY_MS - 8 * HOUR_MS + 9 * HOUR_MS;
    app.clock.advance(nine - now);
    nine
}

/// A browser-like client signed in to the web app.
async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", linli::demo::DEMO_PASSWORD), ("next", "/centre")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 303, "login {username}");
    client
}

async fn page(app: &TestApp, client: &reqwest::Client) -> String {
    let resp = client.get(app.url("/centre")).send().await.expect("centre");
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.expect("html")
}

/// The first update a newly opened wall's stream sends, as JSON.
async fn first_update(app: &TestApp, client: &reqwest::Client) -> Value {
    let mut resp = client.get(app.url("/centre/stream")).send().await.expect("stream");
    assert_eq!(resp.status().as_u16(), 200);
    let mut buf: Vec<u8> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("an update within 20 s")
            .expect("read the stream")
            .expect("the stream stays open");
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event = String::from_utf8(buf[..end].to_vec()).expect("UTF-8");
            buf.drain(..end + 2);
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                return serde_json::from_str(&data.join("\n")).expect("the update is JSON");
            }
        }
    }
}

/// A building's colour on the page's map.
fn state_on_map<'a>(html: &'a str, code: &str) -> &'a str {
    let marker = format!("data-code=\"{code}\" data-state=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("building {code} is not on the map")) + marker.len();
    html[at..].split('"').next().expect("state")
}

/// A list item saying there is nothing.
const EMPTY: &str = "<li class=\"empty\">无</li>";

fn says_none(fragment: &str) -> bool {
    fragment.contains(EMPTY)
}

async fn report(app: &TestApp, token: &str, category: &str, text: &str, building: &str) -> Value {
    let body = json!({"category": category, "description": text, "building": building});
    let (status, case) = app.post("/api/v1/cases", Some(token), &body).await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["status"], "dispatched", "{case}");
    case
}

async fn finish(app: &TestApp, handler: &str, verifier: &str, id: i64) {
    for (token, action, note) in
        [(handler, "accept", "签收"), (handler, "resolve", "已处理"), (verifier, "close", "核查通过")]
    {
        let (status, body) = act(app, token, id, action, json!({"note": note})).await;
        assert_eq!(status, 200, "{action} #{id}: {body}");
    }
}

async fn the_wall_shows_what_was_filed_closed_and_late(app: TestApp) {
    let nine = to_nine_tomorrow(&app);
    let wall = signed_in(&app, "zhihui").await;
    let buildings: i64 = linli::db::query(
        "SELECT COUNT(*) FROM buildings b JOIN org_nodes n ON n.id = b.node_id
         WHERE n.path LIKE (SELECT path FROM org_nodes WHERE code = '320602011') || '%'",
    )
    .scalar(&app.db)
    .await
    .expect("count");
    assert_eq!(buildings, 100, "永兴街道 is 越江新村's 100 buildings");

    // A quiet street: every list says so, on the page and after an update.
    let html = page(&app, &wall).await;
    assert_eq!(html.matches("class=\"bldg\"").count() as i64, buildings, "one square per building");
    assert!(html.matches("data-state=\"none\"").count() as i64 == buildings);
    let quiet = first_update(&app, &wall).await;
    for panel in ["feed", "overdue", "ranking"] {
        let fragment = quiet["html"][panel].as_str().unwrap_or_else(|| panic!("no {panel} panel in {quiet}"));
        assert!(says_none(fragment), "{panel} after an update: {fragment}");
    }
    assert!(html.matches(EMPTY).count() >= 4, "feed, overdue, ranking and categories say 无 on the page");
    assert_eq!(quiet["open"], 0);

    // Community cases of one category get an hour; the rest keep the defaults.
    let staff = app.login("shequ").await;
    let member = app.login("weiwangge").await;
    let property = app.login("wuye").await;
    let rule =
        json!({"category": "sanitation", "node": "320602011003", "handler": "community", "deadline_minutes": 60});
    assert_eq!(app.post("/api/v1/routing-rules", Some(&staff), &rule).await.0, 201);

    // A: 98栋's lamp, fixed and closed. B: 31栋's lift, left to run late.
    // C: 5栋's rubbish, cleared within the hour. D: 5栋's lamp, still open.
    let a = report_light_at_98(&app, &member).await;
    let b = report(&app, &staff, "elevator", "31栋2单元电梯按钮失灵", B31).await;
    let c = report(&app, &staff, "sanitation", "5栋门口垃圾没有清运", B5).await;
    let d = report(&app, &staff, "lighting", "5栋1单元楼道灯不亮", B5).await;
    let [a, b, c, d] = [a, b, c, d].map(|case| case["id"].as_i64().expect("id"));
    finish(&app, &property, &member, a).await;
    finish(&app, &staff, &staff, c).await;

    // Half an hour past the lift's deadline, the same day (and a second, as
    // the API gives times to the second).
    let (_, lift) = app.get_as(&format!("/api/v1/cases/{b}"), &staff).await;
    let late_by = time_ms(&lift["due_at"]) + 30 * 60_000 + 1_000 - app.clock.now_ms();
    assert!(late_by > 0 && time_ms(&lift["due_at"]) + 30 * 60_000 < nine + 15 * HOUR_MS, "{lift}");
    app.clock.advance(late_by);

    // Elsewhere in the district, a flood of newer events: the stream must
    // look past them (several batches) to find this street's.
    let yuanlin = report(&app, &staff, "lighting", "园林佳苑5幢路灯不亮", "32060201200501005").await;
    let mut tx = app.db.begin().await.expect("tx");
    for _ in 0..450 {
        linli::db::query(
            "INSERT INTO case_events (case_id, action, to_status, actor_kind, actor_label, data, at)
             VALUES ($1, 'report', 'reported', 'system', '系统', '{}', $2)",
        )
        .bind(yuanlin["id"].as_i64().expect("id"))
        .bind(app.clock.now_ms())
        .execute(&mut tx)
        .await
        .expect("event");
    }
    tx.commit().await.expect("commit");

    let html = page(&app, &wall).await;
    let s = first_update(&app, &wall).await;

    // The numbers.
    assert!(html.contains("id=\"kpi-open\">2<"), "open: B and D");
    assert!(html.contains("id=\"kpi-overdue\">1<"), "overdue: B");
    assert_eq!((s["open"].as_i64(), s["overdue_count"].as_i64()), (Some(2), Some(1)));

    // The map: 31 red, 5 amber (its open lamp; the rubbish is cleared), 98 grey again.
    assert_eq!(state_on_map(&html, B31), "overdue");
    assert_eq!(state_on_map(&html, B5), "open");
    assert_eq!(state_on_map(&html, B98), "none");
    assert_eq!(html.matches("data-state=\"none\"").count() as i64, buildings - 2);
    let loads: Vec<(&str, i64, i64, &str)> = s["map"]
        .as_array()
        .expect("map")
        .iter()
        .map(|l| {
            let code = l["code"].as_str().expect("code");
            (
                code,
                l["open"].as_i64().expect("open"),
                l["overdue"].as_i64().expect("overdue"),
                l["state"].as_str().expect("state"),
            )
        })
        .collect();
    assert_eq!(loads, [(B5, 1, 0, "open"), (B31, 1, 1, "overdue")]);

    // Today's trend: four new and two closed, all in the nine o'clock hour;
    // the month's last day holds the same, the 29 before it nothing.
    let today = &s["trend"]["today"];
    let hour = |series: &str, h: usize| today[series][h].as_i64().expect("count");
    assert_eq!((hour("new", 9), hour("closed", 9)), (4, 2), "{today}");
    let sum = |v: &Value| v.as_array().expect("series").iter().filter_map(Value::as_i64).sum::<i64>();
    assert_eq!((sum(&today["new"]), sum(&today["closed"])), (4, 2));
    let month = &s["trend"]["month"];
    assert_eq!(month["new"].as_array().map(Vec::len), Some(30));
    assert_eq!((month["new"][29].as_i64(), month["closed"][29].as_i64()), (Some(4), Some(2)));
    assert_eq!((sum(&month["new"]), sum(&month["closed"])), (4, 2));
    assert!(s["html"]["today"].as_str().is_some_and(|h| h.contains("新增 <b>4</b>") && h.contains("结案 <b>2</b>")));

    // The stream, newest first: the two closings, then the four reports.
    let feed: Vec<(&str, i64)> = s["feed"]
        .as_array()
        .expect("feed")
        .iter()
        .map(|f| (f["action"].as_str().expect("action"), f["case_id"].as_i64().expect("case")))
        .collect();
    assert_eq!(feed, [("close", c), ("close", a), ("report", d), ("report", c), ("report", b), ("report", a)]);
    let first = &s["feed"][0];
    assert_eq!((first["verb"].as_str(), first["category"].as_str()), (Some("已结案"), Some("环境卫生")));
    assert!(first["at"].as_str().is_some_and(|t| t.starts_with("今天 09:")), "{first}");
    assert_eq!(first["place"], "越江新村5栋");
    // People are masked on the wall: the family name and stars, then the role they act in.
    let who = first["who"].as_str().expect("who");
    let (name, role) = who.split_once('（').expect("a role");
    assert!(name.chars().count() >= 2 && name.chars().skip(1).all(|c| c == '*'), "{who}");
    assert_eq!(role, "社区工作人员）", "{who}");

    // Units by on-time rate over the deadlines of the last 30 days: the
    // community cleared its hour-long case in time, the property company's
    // lift is late (A and D fall due tomorrow and do not count yet).
    let ranking: Vec<(&str, i64, i64, f64)> = s["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().expect("name"),
                u["due"].as_i64().expect("due"),
                u["closed_on_time"].as_i64().expect("on time"),
                u["on_time_rate"].as_f64().expect("rate"),
            )
        })
        .collect();
    assert_eq!(ranking, [("越江社区居委会", 1, 1, 1.0), ("南通越江物业服务有限公司", 1, 0, 0.0)]);
    let (first_unit, second_unit) =
        (html.find("越江社区居委会</span>").expect("community ranked"), html.rfind("南通越江物业服务有限公司</span>"));
    assert!(second_unit.is_some_and(|p| p > first_unit), "the page ranks them in the same order");

    // The overdue list names the lift and says how late it is, in words.
    let overdue = s["html"]["overdue"].as_str().expect("overdue panel");
    assert!(overdue.contains(&format!("/app/cases/{b}")) && overdue.contains("超期 30 分钟"), "{overdue}");
    assert!(!says_none(overdue));
    assert_eq!(s["overdue"][0]["id"].as_i64(), Some(b));
    assert!(s["overdue"][0]["due_at"].as_str().is_some_and(|t| t.starts_with("今天 ")), "{}", s["overdue"][0]);
    assert!(s["as_of"].as_str().is_some_and(|t| t.starts_with("今天 ")));
    // Times as people read them, everywhere.
    for text in [html.as_str(), &s.to_string()] {
        assert!(!text.contains("+08:00") && !text.contains("T09:"), "an ISO time on the wall");
    }
}

/// The wall in Chromium at 1920×1080 and on a phone: it fits, it is large
/// and legible, and a report filed meanwhile shows up without a reload.
#[tokio::test]
async fn the_wall_in_chromium() {
    let Some(chromium) = crate::browser::chromium() else { return };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let staff = app.login("shequ").await;
    let property = app.login("wuye").await;
    // A morning's work in 越江社区: an overdue lift, some open lamps and pipes,
    // and a few jobs done.
    let mut ids = Vec::new();
    for (category, text, n) in [
        ("elevator", "电梯按钮失灵", 31),
        ("lighting", "楼道灯不亮", 12),
        ("water_drainage", "楼顶漏水", 47),
        ("sanitation", "垃圾没有清运", 63),
        ("public_facilities", "门禁坏了", 90),
        ("greenery", "树枝挡住窗户", 8),
        ("lighting", "楼道灯不亮", 98),
    ] {
        let case = report(&app, &staff, category, &format!("{n}栋{text}"), &format!("32060201100301{n:03}")).await;
        ids.push(case["id"].as_i64().expect("id"));
    }
    for id in &ids[2..4] {
        finish(&app, &property, &staff, *id).await;
    }
    // Five hours later the lift is late.
    app.clock.advance(5 * HOUR_MS);
    let stdout =
        crate::browser::run_script(&app.base, &chromium, "wall.mjs", &[("LINLI_WALL_BUILDINGS", "100".into())]).await;
    assert!(stdout.contains("wall passed"), "{stdout}");
}
