//! The language switch keeps its promise: with `linli_lang=en` the pages
//! under the app's frame read in English, Chinese remaining only in data
//! (names of people, places and organisations, job titles, descriptions,
//! addresses, notes), and the Chinese default stays as it was.

use serde_json::json;

use crate::cases::{B98, act};
use crate::helpers::{Backend, TestApp};
use crate::web::{browser, sign_in};

/// Chinese script: Han characters, CJK punctuation and full-width forms.
fn cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Attributes whose values people read (hints, image texts, the labels
/// narrow screens show beside table cells).
const READ_ATTRIBUTES: [&str; 5] = ["placeholder", "alt", "title", "aria-label", "data-label"];

/// What a reader sees of a page: the `<title>` and the text of `<body>`,
/// tags removed, with the values of [`READ_ATTRIBUTES`]. The switch back
/// to Chinese names its language in Chinese (marked `lang="zh"`): left out.
fn visible_text(html: &str) -> String {
    let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
    let body = html.split("<body>").nth(1).expect("a body").replacen(r#"lang="zh">中文<"#, r#"lang="zh"><"#, 1);
    let body = body.as_str();
    let mut out = format!("{title}\n");
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c);
        let tag = &rest[open..close];
        for name in READ_ATTRIBUTES {
            if let Some(at) = tag.find(&format!(" {name}=\"")) {
                let value = &tag[at + name.len() + 3..];
                out.push(' ');
                out.push_str(value.split('"').next().unwrap_or(""));
                out.push(' ');
            }
        }
        out.push(' ');
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// The maximal runs of Chinese script in `text`.
fn runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if cjk(c) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs
}

/// The runs of Chinese script on a page that are not runs of the data
/// strings (whole runs: a word is not data for being part of a name, as
/// 派出所 is of 越江派出所): the words the page failed to translate.
fn untranslated(html: &str, data: &[String]) -> Vec<String> {
    let known: std::collections::HashSet<String> = data.iter().flat_map(|d| runs(d)).collect();
    let mut leaks: Vec<String> = runs(&visible_text(html)).into_iter().filter(|r| !known.contains(r)).collect();
    leaks.sort();
    leaks.dedup();
    leaks
}

/// Every text the demo and the test put into the database that pages show
/// as data. Role names are left out even where a job title repeats one, so
/// that a role's untranslated name cannot pass for a title.
async fn data(app: &TestApp) -> Vec<String> {
    let mut all = Vec::new();
    for sql in [
        "SELECT name FROM people",
        "SELECT title FROM role_assignments",
        "SELECT duties FROM role_assignments",
        "SELECT name FROM org_nodes",
        "SELECT office_address FROM org_nodes",
        "SELECT name FROM organisations",
        "SELECT name FROM estates",
        "SELECT name FROM buildings",
        "SELECT name FROM places",
        "SELECT description FROM cases",
        "SELECT address FROM cases",
        "SELECT assignee_name FROM cases",
        "SELECT note FROM case_events",
        "SELECT note FROM routing_rules",
        "SELECT name FROM campaigns",
        "SELECT name FROM campaign_checks",
        "SELECT legal_basis FROM campaign_checks",
        "SELECT note FROM findings",
    ] {
        let rows: Vec<(Option<String>,)> = linli::db::query(sql).fetch_all(&app.db).await.expect(sql);
        all.extend(rows.into_iter().filter_map(|(s,)| s));
    }
    // Nor do the notes linli writes itself pass: they have English.
    all.retain(|s| {
        !s.is_empty() && !linli::auth::Role::ALL.iter().any(|r| r.name_zh() == s) && linli::cases::notes::en(s) == *s
    });
    all
}

/// GETs `path` (200) and checks it reads in English, containing `english`.
async fn assert_english(app: &TestApp, client: &reqwest::Client, path: &str, english: &[&str]) -> String {
    let resp = client.get(app.url(path)).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let html = resp.text().await.expect("html");
    assert!(html.contains("<html lang=\"en\">"), "{path} is not marked English");
    let leaks = untranslated(&html, &data(app).await);
    assert!(
        leaks.is_empty(),
        "{path} still reads Chinese under the English switch: {leaks:?}\n{}",
        visible_text(&html)
    );
    for words in english {
        assert!(html.contains(words), "{path} lacks “{words}”:\n{}", visible_text(&html));
    }
    html
}

/// A client whose language switch is set to English.
async fn english_browser(app: &TestApp) -> reqwest::Client {
    let client = browser();
    let resp = client.get(app.url("/lang/en?next=/")).send().await.expect("switch");
    assert_eq!(resp.status().as_u16(), 303);
    assert!(resp.headers()["set-cookie"].to_str().expect("cookie").starts_with("linli_lang=en"));
    client
}

fn location(resp: &reqwest::Response) -> String {
    assert_eq!(resp.status().as_u16(), 303, "expected a redirect");
    resp.headers()["location"].to_str().expect("location").to_string()
}

#[test]
fn the_check_finds_chinese_outside_data() {
    let data = vec!["98栋".to_string(), "韩志美".to_string()];
    let page = |main: &str| format!("<html><head><title>T</title></head><body><main>{main}</main></body></html>");
    assert!(untranslated(&page("<h1>Report · 98栋</h1><p>韩志美 (Micro-grid member)</p>"), &data).is_empty());
    assert_eq!(untranslated(&page("<p>98栋 单元</p>"), &data), ["单元"]);
    assert_eq!(untranslated(&page("<p>韩志</p>"), &data), ["韩志"], "part of a name is not data");
    assert_eq!(
        untranslated(&page("<p>韩志美（Resident）</p>"), &data),
        ["韩志美（", "）"],
        "full-width punctuation is Chinese"
    );
    assert_eq!(untranslated(&page(r#"<input placeholder="例如">"#), &data), ["例如"], "hints count");
    assert_eq!(untranslated(&page(r#"<td data-label="姓名">x</td>"#), &data), ["姓名"], "cell labels count");
}

#[tokio::test]
async fn the_switch_turns_the_app_pages_english() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");

    // A resident reports from the building chat, in English.
    let phone = english_browser(&app).await;
    let resp = phone
        .post(app.url(&format!("/buildings/{B98}/chat")))
        .form(&[("text", "三单元楼道灯不亮了，电话13912345678")])
        .send()
        .await
        .expect("post");
    location(&resp);
    let (_, messages) = app.get_json(&format!("/api/v1/channels/{B98}/messages")).await;
    let id = messages
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["author_kind"] == "resident")
        .and_then(|m| m["case_id"].as_i64())
        .expect("a case");
    let follow = location(&phone.get(app.url(&format!("/cases/{id}"))).send().await.expect("open"));
    let token = follow.split("token=").nth(1).expect("a token").to_string();

    // The follow page through the case's life, as its reporter sees it.
    assert_english(
        &app,
        &phone,
        &follow,
        &["Progress", "Lighting", "Dispatched", "Handled by: ", "History", "All my reports"],
    )
    .await;
    let property = app.login("wuye").await;
    assert_eq!(act(&app, &property, id, "resolve", json!({"note": "换了灯泡"})).await.0, 200);
    assert_english(
        &app,
        &phone,
        &follow,
        &["Is it fixed?", "Yes, it is fixed: close the case", "Ask them to redo it", "Taken on when reported fixed"],
    )
    .await;
    let resp = phone
        .post(app.url(&format!("/follow/{id}")))
        .form(&[("token", token.as_str()), ("action", "close")])
        .send()
        .await;
    location(&resp.expect("close"));
    let done = format!("{follow}&done=1");
    assert_english(
        &app,
        &phone,
        &done,
        &["Submitted. Thank you!", "Please rate how it was handled", "5 stars", "1 star<"],
    )
    .await;
    // The Chinese default is as it was.
    let chinese = browser();
    let html = chinese.get(app.url(&done)).send().await.expect("get").text().await.expect("html");
    for words in
        ["办理进度", "照明设施", "已提交，谢谢！", "请为这次办理打分", "5 星", "留言（可不填）", "提交评价", "办理过程"]
    {
        assert!(html.contains(words), "the Chinese follow page lacks {words}");
    }
    let resp = phone
        .post(app.url(&format!("/follow/{id}")))
        .form(&[("token", token.as_str()), ("action", "evaluate"), ("rating", "4")])
        .send()
        .await;
    location(&resp.expect("rate"));
    assert_english(&app, &phone, &follow, &["Your rating: 4 stars. Thank you!", "Rated"]).await;
    // A neighbour's public view.
    let neighbour = english_browser(&app).await;
    assert_english(&app, &neighbour, &format!("/follow/{id}"), &["public progress"]).await;

    // The reports this phone follows, and one with none yet.
    assert_english(&app, &phone, "/follow", &["My reports", "Lighting"]).await;
    assert_english(&app, &neighbour, "/follow", &["No reports yet."]).await;

    // The report form.
    let report = format!("/buildings/{B98}/report");
    assert_english(&app, &phone, &report, &["Report a problem", "Not sure", "Unit 1", "Photo (optional)", "Submit"])
        .await;
    let html = chinese.get(app.url(&report)).send().await.expect("get").text().await.expect("html");
    for words in [
        "反映问题 · ",
        "问题描述（必填）",
        ">单元<",
        "1单元",
        "室号（可不填）",
        "现场照片（可不传）",
        ">提交<",
        "我的反映",
    ] {
        assert!(html.contains(words), "the Chinese report page lacks {words}");
    }

    // Accounts: a micro-grid member (published by default), community
    // staff (may publish, not by default), a resident (never published).
    for (username, english) in [
        ("weiwangge", &["Publishing your work phone", "Published", "Agreed to publish", "by default"][..]),
        ("shequ", &["Not published", "I agree to publish my work phone"][..]),
        ("jumin", &["Your phone is not published."][..]),
    ] {
        let client = english_browser(&app).await;
        sign_in(&app, &client, username).await;
        assert_english(&app, &client, "/account", english).await;
    }

    // Community staff's pages, with a routing rule of their own.
    let staff = english_browser(&app).await;
    let csrf = sign_in(&app, &staff, "shequ").await;
    let resp = staff
        .post(app.url("/app/admin/routing"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("category", "lighting"),
            ("node", "320602011003"),
            ("handler", "community"),
            ("deadline_hours", "24"),
        ])
        .send()
        .await
        .expect("add a rule");
    location(&resp);
    assert_english(
        &app,
        &staff,
        "/app/admin/routing",
        &["Routing rules", "Lighting", "Community", "24 h", "Add a rule"],
    )
    .await;
    assert_english(
        &app,
        &staff,
        "/app/admin/people",
        &["People and roles", "Micro-grid member", "Work card", "in all"],
    )
    .await;
    assert_english(&app, &staff, "/app/admin/people?q=grid%20head", &["found", "Show all", "Grid head"]).await;
    assert_english(&app, &staff, "/app/admin/tree", &["Organisation", "Community", "buildings"]).await;
}

/// The sweep's pages under the English switch: the list with its form, a
/// campaign's page with a finding and its notice, the phone's sweep page,
/// and the notice's public page. Hazard names and legal texts are the
/// campaign's data; everything around them is translated.
#[tokio::test]
async fn the_sweep_pages_read_in_english() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let staff_token = app.login("shequ").await;
    let today = linli::time::to_cst(app.clock.now_ms()).format("%Y-%m-%d").to_string();
    let body = json!({"name": "越江新村楼道排查", "nodes": ["320602011003"], "starts_on": today, "ends_on": today});
    let (status, created) = app.post("/api/v1/campaigns", Some(&staff_token), &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["campaign"]["id"].as_i64().expect("id");
    let member = app.login("weiwangge").await;
    let finding = json!({"building": B98, "unit": 3, "check": "flying_cable", "room": "302", "note": "拉线充电"});
    let (status, filed) = app.post(&format!("/api/v1/campaigns/{id}/findings"), Some(&member), &finding).await;
    assert_eq!(status, 201, "{filed}");
    let fid = filed["finding"]["id"].as_i64().expect("finding");
    let (_, issued) = app.post(&format!("/api/v1/findings/{fid}/notice"), Some(&staff_token), &json!({})).await;
    let live = issued["live_url"].as_str().expect("live").strip_prefix(&app.base).expect("local").to_string();

    let staff = english_browser(&app).await;
    sign_in(&app, &staff, "shequ").await;
    assert_english(&app, &staff, "/app/campaigns", &["Hazard sweeps", "Start a sweep", "Checklist"]).await;
    assert_english(
        &app,
        &staff,
        &format!("/app/campaigns/{id}"),
        &["Units swept", "By grid", "Findings", "Notice out, being fixed", "unit 3, room 302", "Print notice"],
    )
    .await;
    assert_english(&app, &staff, &format!("/app/campaigns/{id}/sweep"), &["Loading"]).await;
    let household = english_browser(&app).await;
    assert_english(&app, &household, &live, &["Rectification notice", "unit 3", "I have fixed it"]).await;
}
