//! 亮身份 done right: a grid worker's work phone is published in full on the
//! building page, the directory, the notice board and the work-card check
//! only while they agree, with every change recorded (who, when); residents'
//! phones never are. Also the people page's search and the PDFs' file names.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, contains_full_mobile, full_mobiles};

const B98: &str = "32060201100301098";
/// 园林佳苑5幢, in the other community.
const YL5: &str = "32060201200501005";
const OFFICE: &str = "0513-85061234";

crate::on_both_backends!(
    grid_workers_are_published_by_default_and_withdrawal_masks_at_once,
    residents_and_party_members_are_never_published,
    only_the_person_and_their_areas_staff_may_change_it,
    the_verify_page_names_the_office_and_the_published_phone,
    staff_toggle_on_the_people_page_and_the_person_on_their_account,
    the_people_page_searches_server_side,
    erasure_keeps_the_record_without_the_name,
);

async fn directory(app: &TestApp, building: &str) -> Value {
    let (status, d) = app.get_json(&format!("/api/v1/directory?building={building}")).await;
    assert_eq!(status, 200, "{d}");
    d
}

fn member_of(d: &Value) -> (i64, String) {
    let m = &d["micro_grid_members"][0];
    (m["id"].as_i64().expect("id"), m["phone"].as_str().expect("phone").to_string())
}

/// A person's full phone, read from storage (the tests' own access).
async fn stored_phone(app: &TestApp, person: i64) -> String {
    linli::db::query("SELECT phone FROM people WHERE id = $1")
        .bind(person)
        .scalar::<String>(&app.db)
        .await
        .expect("phone")
}

async fn me(app: &TestApp, token: &str) -> Value {
    let (status, me) = app.get_as("/api/v1/me", token).await;
    assert_eq!(status, 200, "{me}");
    me
}

fn sorted<const N: usize>(mut phones: [String; N]) -> [String; N] {
    phones.sort();
    phones
}

fn publicity_path(person: i64) -> String {
    format!("/api/v1/people/{person}/phone-publicity")
}

async fn add_person(app: &TestApp, name: &str, role: linli::auth::Role, node: &str, username: Option<&str>) -> i64 {
    let mut tx = app.db.begin().await.expect("tx");
    let person = linli::people::store::insert_person(
        &mut tx,
        &linli::people::store::NewPerson {
            name: name.into(),
            phone: Some(linli::privacy::Phone::parse("13955550000").expect("phone")),
            ..Default::default()
        },
    )
    .await
    .expect("person");
    let node_id = linli::db::query("SELECT id FROM org_nodes WHERE code = $1")
        .bind(node)
        .scalar::<i64>(&mut tx)
        .await
        .expect("node");
    linli::people::store::assign_role(&mut tx, &linli::people::store::NewRole::at_node(person, role, node_id))
        .await
        .expect("role");
    if let Some(u) = username {
        let hash = linli::auth::accounts::hash_password(linli::demo::DEMO_PASSWORD).expect("hash");
        linli::auth::accounts::create_account(&mut tx, person, u, &hash).await.expect("account");
    }
    tx.commit().await.expect("commit");
    person
}

async fn grid_workers_are_published_by_default_and_withdrawal_masks_at_once(app: TestApp) {
    let d = directory(&app, B98).await;
    let (member, phone) = member_of(&d);
    assert_eq!(phone, stored_phone(&app, member).await, "the member's work phone is published in full");
    assert_eq!(d["micro_grid_members"][0]["phone_published"], true);
    let head_phone = d["grid_head"]["phone"].as_str().expect("head phone").to_string();
    assert!(!head_phone.contains('*') && d["grid_head"]["phone_published"] == true, "{}", d["grid_head"]);
    let (_, page) = app.get_text(&format!("/buildings/{B98}")).await;
    assert!(page.contains(&format!("<a class=\"tel\" href=\"tel:{phone}\">{phone}</a>")), "a tel: link");
    assert!(page.contains(&format!("href=\"tel:{head_phone}\"")));

    // The default is on record: who (the demo loader) and when.
    let staff = app.login("shequ").await;
    let (status, p) = app.get_as(&publicity_path(member), &staff).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["eligible"].clone(), p["consent"].clone(), p["published"].clone()),
        (json!(true), json!(true), json!(true))
    );
    let history = p["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "{p}");
    assert_eq!(history[0]["recorded_by"], "演示数据");
    assert_eq!(history[0]["recorded_by_person_id"], Value::Null);
    assert!(history[0]["note"].as_str().is_some_and(|n| n.contains("微网格员")), "{p}");
    assert!(linli::time::parse_datetime(history[0]["recorded_at"].as_str().expect("at")).is_some());

    // Community staff withdraw it: masked at once, everywhere.
    let before = app.clock.now_ms();
    let (status, p) =
        app.post(&publicity_path(member), Some(&staff), &json!({"published": false, "note": "本人来电要求撤回"})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["changed"].clone(), p["consent"].clone(), p["published"].clone()),
        (json!(true), json!(false), json!(false))
    );
    let d = directory(&app, B98).await;
    assert_eq!(d["micro_grid_members"][0]["phone"], linli::privacy::mask_phone(&phone));
    assert_eq!(d["micro_grid_members"][0]["phone_published"], false);
    assert!(!d.to_string().contains(&phone), "withdrawn: nowhere in the directory");
    assert_eq!(d["grid_head"]["phone"], head_phone, "the grid head's choice is their own");
    let (_, page) = app.get_text(&format!("/buildings/{B98}")).await;
    assert!(!page.contains(&phone), "withdrawn: not on the building page");
    assert!(page.contains(&linli::privacy::mask_phone(&phone)));

    // The history has both rows, with who and when.
    let staff_me = me(&app, &staff).await;
    let history = p["history"].as_array().expect("history");
    assert_eq!(history.len(), 2, "{p}");
    assert_eq!(history[1]["published"], false);
    assert_eq!(history[1]["recorded_by"], staff_me["name"]);
    assert_eq!(history[1]["recorded_by_person_id"], staff_me["person_id"]);
    assert_eq!(history[1]["note"], "本人来电要求撤回");
    let at = linli::time::parse_datetime(history[1]["recorded_at"].as_str().expect("at")).expect("rfc3339");
    assert!(at >= before - 1000 && at <= app.clock.now_ms() + 1000, "recorded now: {at}");

    // Saying it again records nothing new.
    let (status, p) = app.post(&publicity_path(member), Some(&staff), &json!({"published": false})).await;
    assert_eq!((status, p["changed"].clone(), p["history"].as_array().map(Vec::len)), (200, json!(false), Some(2)));

    // The member herself publishes it again: the latest row wins.
    let own = app.login("weiwangge").await;
    let (status, p) = app.post(&publicity_path(member), Some(&own), &json!({"published": true})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["history"][2]["recorded_by"], me(&app, &own).await["name"]);
    assert_eq!(directory(&app, B98).await["micro_grid_members"][0]["phone"], phone);
}

async fn residents_and_party_members_are_never_published(app: TestApp) {
    let staff = app.login("shequ").await;
    let resident = me(&app, &app.login("jumin").await).await["person_id"].as_i64().expect("resident");
    let resident_phone = stored_phone(&app, resident).await;
    let d = directory(&app, B98).await;
    let party = d["party_members"][0]["id"].as_i64().expect("party member");
    let party_phone = stored_phone(&app, party).await;

    // Asking to publish them is refused, naming the field.
    for person in [resident, party] {
        let (status, body) = app.post(&publicity_path(person), Some(&staff), &json!({"published": true})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "published", "{body}");
        let (_, p) = app.get_as(&publicity_path(person), &staff).await;
        assert_eq!((p["eligible"].clone(), p["published"].clone()), (json!(false), json!(false)), "{p}");
    }
    // Even with a consent on record (as if set before the rule), their phones stay masked.
    let mut tx = app.db.begin().await.expect("tx");
    for person in [resident, party] {
        linli::people::publicity::record(&mut tx, person, true, &linli::people::publicity::Recorder::system(), None, 0)
            .await
            .expect("record");
    }
    tx.commit().await.expect("commit");
    let d = directory(&app, B98).await;
    let (_, page) = app.get_text(&format!("/buildings/{B98}")).await;
    let (member, head) = (member_of(&d).1, d["grid_head"]["phone"].as_str().expect("head").to_string());
    for text in [d.to_string(), page] {
        assert!(!text.contains(&resident_phone) && !text.contains(&party_phone), "never published");
        assert_eq!(full_mobiles(&text), sorted([member.clone(), head.clone()]), "only the grid workers' phones");
    }
    let party_json = d["party_members"].as_array().expect("party").iter().find(|p| p["id"] == party).cloned();
    assert_eq!(party_json.expect("listed")["phone_published"], false);
}

async fn only_the_person_and_their_areas_staff_may_change_it(app: TestApp) {
    let (member, _) = member_of(&directory(&app, B98).await);
    let (yl_member, yl_phone) = member_of(&directory(&app, YL5).await);
    add_person(&app, "园林社工", linli::auth::Role::CommunityStaff, "320602012005", Some("staffyl")).await;
    let other_staff = app.login("staffyl").await;
    let body = json!({"published": false});
    // Another community's staff, the property company, the grid head (not a
    // manager) and the member of another building are refused.
    for user in ["staffyl", "wuye", "wanggezhang", "huanbao"] {
        let token = app.login(user).await;
        let (status, b) = app.post(&publicity_path(member), Some(&token), &body).await;
        assert!(matches!(status, 403 | 404), "{user}: {status} {b}");
        let (status, _) = app.get_as(&publicity_path(member), &token).await;
        assert!(matches!(status, 403 | 404), "{user} reads: {status}");
    }
    let (status, _) = app.post(&publicity_path(member), None, &body).await;
    assert_eq!(status, 401);
    let (status, _) = app.post(&publicity_path(yl_member), Some(&app.login("weiwangge").await), &body).await;
    assert_eq!(status, 403, "a member cannot change another's");
    let (_, p) = app.get_as(&publicity_path(member), &app.login("shequ").await).await;
    assert_eq!(p["history"].as_array().map(Vec::len), Some(1), "nothing was recorded: {p}");
    // Within their own community, that staff member may.
    let (status, p) = app.post(&publicity_path(yl_member), Some(&other_staff), &body).await;
    assert_eq!((status, p["published"].clone()), (200, json!(false)), "{p}");
    assert!(!directory(&app, YL5).await.to_string().contains(&yl_phone));
    // Bad input names the field; unknown people are 404.
    let staff = app.login("shequ").await;
    for (bad, field) in [
        (json!({"published": "yes"}), "published"),
        (json!({}), "published"),
        (json!({"published": true, "extra": 1}), "extra"),
        (json!({"published": true, "note": "字".repeat(101)}), "note"),
    ] {
        let (status, b) = app.post(&publicity_path(member), Some(&staff), &bad).await;
        assert_eq!(status, 400, "{bad}: {b}");
        assert!(b["error"]["field"].as_str().is_some_and(|f| f.contains(field)), "{bad}: {b}");
    }
    let (status, _) = app.post(&publicity_path(999_999), Some(&staff), &body).await;
    assert_eq!(status, 404);
    let (status, b) =
        app.send_json(reqwest::Method::POST, "/api/v1/people/abc/phone-publicity", Some(&staff), &body).await;
    assert!(status == 400 || status == 404, "{status} {b}");
}

async fn verify_url(app: &TestApp, person: i64) -> String {
    let assignment = linli::db::query(
        "SELECT id FROM role_assignments WHERE person_id = $1 AND role = 'micro_grid_member' AND active",
    )
    .bind(person)
    .scalar::<i64>(&app.db)
    .await
    .expect("assignment");
    let secret = linli::print::verify::secret(&app.db, app.clock.now_ms()).await.expect("secret");
    format!("/verify/{}", linli::print::verify::token(&secret, assignment))
}

async fn the_verify_page_names_the_office_and_the_published_phone(app: TestApp) {
    let (member, phone) = member_of(&directory(&app, B98).await);
    let url = verify_url(&app, member).await;
    let (status, html) = app.get_text(&url).await;
    assert_eq!(status, 200);
    assert!(html.contains("在岗"), "{html}");
    assert!(html.contains(&format!("href=\"tel:{OFFICE}\"")) && html.contains("越江社区居委会"), "{html}");
    assert!(html.contains(&format!("href=\"tel:{phone}\"")), "the consented work phone: {html}");
    // Withdrawn: the office's number only.
    let staff = app.login("shequ").await;
    app.post(&publicity_path(member), Some(&staff), &json!({"published": false})).await;
    let (_, html) = app.get_text(&url).await;
    assert!(html.contains("在岗") && html.contains(&format!("href=\"tel:{OFFICE}\"")));
    assert!(!contains_full_mobile(&html), "{html}");
    // Published again but no longer in the role: invalid, and still whom to call.
    app.post(&publicity_path(member), Some(&staff), &json!({"published": true})).await;
    linli::db::query("UPDATE role_assignments SET active = FALSE WHERE person_id = $1")
        .bind(member)
        .execute(&app.db)
        .await
        .expect("end");
    let (_, html) = app.get_text(&url).await;
    assert!(html.contains("无效") && html.contains(&format!("href=\"tel:{OFFICE}\"")), "{html}");
    assert!(!contains_full_mobile(&html), "an invalid card shows no phone: {html}");
    let (_, forged) = app.get_text(&url.replace("/verify/v1-", "/verify/v1-9")).await;
    assert!(forged.contains("无效") && forged.contains("110"));
}

/// A browser-like client signed in as `username`, with its CSRF token.
async fn browser(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", linli::demo::DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 303, "{username} signs in");
    let html = client.get(app.url("/account")).send().await.expect("page").text().await.expect("html");
    let marker = "name=\"csrf-token\" content=\"";
    let at = html.find(marker).expect("csrf meta") + marker.len();
    (client, html[at..].split('"').next().expect("token").to_string())
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.expect("get");
    (resp.status().as_u16(), resp.text().await.expect("html"))
}

async fn staff_toggle_on_the_people_page_and_the_person_on_their_account(app: TestApp) {
    let d = directory(&app, B98).await;
    let (member, phone) = member_of(&d);
    let member_name = d["micro_grid_members"][0]["name"].as_str().expect("name").to_string();
    let (staff, csrf) = browser(&app, "shequ").await;
    let staff_name = me(&app, &app.login("shequ").await).await["name"].as_str().expect("name").to_string();
    let (status, html) =
        page(&staff, app.url(&format!("/app/admin/people?q={}", crate::search::urlencode("98栋")))).await;
    assert_eq!(status, 200);
    assert!(html.contains(&member_name) && html.contains("已同意公开（演示数据"), "{html}");
    assert!(html.contains("action=\"/app/admin/people/phone-publicity\""));
    assert!(!contains_full_mobile(&html), "the staff page keeps phones masked");

    // The toggle is a CSRF-checked form.
    let form = |csrf: &str, published: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("person".to_string(), member.to_string()),
            ("published".to_string(), published.to_string()),
            ("q".to_string(), "98栋".to_string()),
        ]
    };
    let url = app.url("/app/admin/people/phone-publicity");
    let resp = staff.post(&url).form(&form("wrong", "0")).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 403, "no CSRF, no change");
    assert_eq!(directory(&app, B98).await["micro_grid_members"][0]["phone"], phone);
    let resp = staff.post(&url).form(&form(&csrf, "maybe")).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.text().await.expect("html").contains("公开电话：应为 1（公开）或 0（撤回）"));
    let resp = staff.post(&url).form(&form(&csrf, "0")).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], format!("/app/admin/people?q={}", "98%E6%A0%8B"));
    assert!(!directory(&app, B98).await.to_string().contains(&phone), "withdrawn at once");
    let (_, html) = page(&staff, app.url("/app/admin/people?q=98%E6%A0%8B")).await;
    assert!(html.contains(&format!("已撤回公开（{staff_name} 今天")), "provenance with who and when: {html}");
    // A resident cannot be published from the page either.
    let resident = me(&app, &app.login("jumin").await).await["person_id"].as_i64().expect("resident");
    let mut resident_form = form(&csrf, "1");
    resident_form[1].1 = resident.to_string();
    let resp = staff.post(&url).form(&resident_form).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.text().await.expect("html").contains("居民和党员的电话不公开"));

    // The member sees who withdrew it on her account page, and publishes it again.
    let (own, own_csrf) = browser(&app, "weiwangge").await;
    let (status, html) = page(&own, app.url("/account")).await;
    assert_eq!(status, 200);
    assert!(html.contains("未公开") && html.contains(&format!("{staff_name}：撤回公开")), "{html}");
    assert!(html.contains("演示数据：同意公开"), "the whole history: {html}");
    let resp = own
        .post(app.url("/account/phone-publicity"))
        .form(&[("_csrf", own_csrf.as_str()), ("published", "1")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(directory(&app, B98).await["micro_grid_members"][0]["phone"], phone);
    let (_, html) = page(&own, app.url("/account")).await;
    assert!(html.contains("已公开") && html.contains(&format!("已同意公开（{member_name} 今天")), "{html}");
    let resp = own.post(app.url("/account/phone-publicity")).form(&[("published", "0")]).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 403, "the account form is CSRF-checked too");

    // A resident's account page says their phone is never published, and refuses.
    let (res, res_csrf) = browser(&app, "jumin").await;
    let (_, html) = page(&res, app.url("/account")).await;
    assert!(html.contains("你的电话不会公开"), "{html}");
    let resp = res
        .post(app.url("/account/phone-publicity"))
        .form(&[("_csrf", res_csrf.as_str()), ("published", "1")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.text().await.expect("html").contains("居民和党员的电话不公开"));
    // Out-of-area staff cannot use the page's toggle.
    add_person(&app, "园林社工", linli::auth::Role::CommunityStaff, "320602012005", Some("staffyl")).await;
    let (other, other_csrf) = browser(&app, "staffyl").await;
    let resp = other.post(&url).form(&form(&other_csrf, "0")).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 403);
}

async fn the_people_page_searches_server_side(app: TestApp) {
    let (staff, _) = browser(&app, "shequ").await;
    let (_, all) = page(&staff, app.url("/app/admin/people")).await;
    let rows = |html: &str| html.matches("<td data-label=\"姓名\">").count();
    let total = rows(&all);
    assert!(total > 100, "越江社区 has well over a hundred roles: {total}");
    assert!(all.contains(&format!("共 {total} 条")));
    // By name, role, node name; several words narrow it down.
    let d = directory(&app, B98).await;
    let member_name = d["micro_grid_members"][0]["name"].as_str().expect("name");
    let search = |q: &str| app.url(&format!("/app/admin/people?q={}", crate::search::urlencode(q)));
    let (status, html) = page(&staff, search(member_name)).await;
    assert_eq!(status, 200);
    assert!(rows(&html) >= 1 && rows(&html) < 5 && html.contains(member_name), "{html}");
    let (_, heads) = page(&staff, search("网格长")).await;
    assert_eq!(rows(&heads), 6, "six grid heads in 越江社区");
    let (_, html) = page(&staff, search("第六网格 网格长")).await;
    assert_eq!(rows(&html), 1);
    assert!(html.contains(d["grid_head"]["name"].as_str().expect("head")));
    // A grid's name finds the micro-grid members below it too.
    let (_, html) = page(&staff, search("第六网格 微网格员")).await;
    assert!(rows(&html) >= 26 && html.contains(member_name), "{html}");
    assert_eq!(html.matches("第六网格 · ").count(), rows(&html), "each row names its grid");
    let (_, html) = page(&staff, search("98栋微网格 微网格员")).await;
    assert_eq!(rows(&html), 1, "{html}");
    assert!(html.contains(&format!("value=\"{}\"", "98栋微网格 微网格员")), "the box keeps the query");
    let (_, html) = page(&staff, search("没有这个人")).await;
    assert_eq!(rows(&html), 0);
    assert!(html.contains("没有找到符合条件的人员"));
    // Phones cannot be searched (the page shows them masked).
    let (_, html) = page(&staff, search(&member_of(&d).1)).await;
    assert_eq!(rows(&html), 0);
    // Too long: a clear message naming the field, not a 500.
    let (status, html) = page(&staff, search(&"网".repeat(41))).await;
    assert_eq!(status, 400);
    assert!(html.contains("搜索词（q）太长：最多 40 个字"), "{html}");
    // Input is escaped.
    let (_, html) = page(&staff, search("<script>")).await;
    assert!(!html.contains("<script>"));
    // Legible on a phone: the table turns into labelled cards.
    let css = app.get_text("/static/app.css").await.1;
    assert!(css.contains("@media (max-width: 40rem)") && css.contains("table.cards td[data-label]::before"));
}

async fn erasure_keeps_the_record_without_the_name(app: TestApp) {
    let (member, _) = member_of(&directory(&app, B98).await);
    let own = app.login("weiwangge").await;
    app.post(&publicity_path(member), Some(&own), &json!({"published": false})).await;
    // Exported with the person's data.
    let exported = linli::people::privacy::export(&app.db, member).await.expect("export");
    assert_eq!(exported["phone_publicity"].as_array().map(Vec::len), Some(2), "{exported}");
    // The history is append-only.
    assert!(linli::db::query("DELETE FROM phone_publicity").execute(&app.db).await.is_err());
    assert!(linli::db::query("UPDATE phone_publicity SET published = TRUE").execute(&app.db).await.is_err());
    linli::people::privacy::erase(&app.db, member, app.clock.now_ms()).await.expect("erase");
    let history = linli::people::publicity::history(&app.db, member).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].recorded_by_label, linli::people::privacy::ERASED);
    assert_eq!(history[0].recorded_by_label, "演示数据");
    let d = directory(&app, B98).await;
    assert!(d["micro_grid_members"].as_array().expect("members").is_empty(), "{d}");
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

/// The notice board PDF follows consent: the full number with it, masked
/// without. File names people recognise.
#[tokio::test]
async fn the_notice_board_pdf_follows_consent() {
    if !tool("pdftotext") || linli::print::font::font().is_err() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: poppler-utils or a CJK font is missing: the notice-board PDF check is SKIPPED (.ci/run installs them).\n"
        );
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let dir = tempfile::tempdir().expect("tempdir");
    let board = |n: usize| {
        let (app, path) = (&app, dir.path().join(format!("board{n}.pdf")));
        async move {
            let resp = app.client.get(app.url(&format!("/print/notice-board/{B98}.pdf"))).send().await.expect("get");
            assert_eq!(resp.status().as_u16(), 200);
            let disposition = resp.headers()["content-disposition"].to_str().expect("ascii").to_string();
            std::fs::write(&path, resp.bytes().await.expect("bytes")).expect("write");
            let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
            (String::from_utf8_lossy(&out.stdout).to_string(), disposition)
        }
    };
    let d = directory(&app, B98).await;
    let (member, phone) = member_of(&d);
    let (text, disposition) = board(1).await;
    assert!(text.contains(&phone), "with consent, the full number:\n{text}");
    assert_eq!(
        disposition,
        format!(
            "inline; filename=\"notice-board-{B98}.pdf\"; filename*=UTF-8''{}",
            "%E8%B6%8A%E6%B1%9F%E6%96%B0%E6%9D%9198%E6%A0%8B-%E5%85%AC%E7%A4%BA%E6%A0%8F.pdf"
        ),
        "越江新村98栋-公示栏.pdf"
    );
    let staff = app.login("shequ").await;
    let (status, _) = app.post(&publicity_path(member), Some(&staff), &json!({"published": false})).await;
    assert_eq!(status, 200);
    let (text, _) = board(2).await;
    assert!(!text.contains(&phone), "withdrawn: not on the next board:\n{text}");
    assert!(text.contains(&linli::privacy::mask_phone(&phone)), "masked instead:\n{text}");
    assert!(text.contains(OFFICE), "the office's number is always there");

    // The work card: named after its holder, and without consent it gives the office's number.
    let resp = app
        .client
        .get(app.url(&format!("/print/work-card/{member}.pdf")))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("card");
    assert_eq!(resp.status().as_u16(), 200);
    let name = d["micro_grid_members"][0]["name"].as_str().expect("name");
    let encoded: String = format!("{name}-工作证.pdf")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(
        resp.headers()["content-disposition"].to_str().expect("ascii"),
        format!("inline; filename=\"work-card-{member}.pdf\"; filename*=UTF-8''{encoded}")
    );
    let path = dir.path().join("card.pdf");
    std::fs::write(&path, resp.bytes().await.expect("bytes")).expect("write");
    let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(&phone) && text.contains(OFFICE), "{text}");
}

/// The real binary, as an operator starts it: a consented worker's phone is
/// on the building page, and gone the moment it is withdrawn through the
/// API. Its log has no warnings or errors and no phone number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_publishes_and_withdraws() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(["--database-url", &format!("sqlite://{}", dir.path().join("linli.db").display())])
        .args(["--listen", "127.0.0.1:0"])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start linli");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut kill = scopeguard(child);
    let base = loop {
        let line = rx.recv_timeout(Duration::from_secs(120)).expect("linli printed where it serves");
        if let Some(url) = line.strip_prefix("linli is serving ").and_then(|rest| rest.split(" on ").nth(1)) {
            break url.trim().trim_end_matches('/').to_string();
        }
    };
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"), "{base}");

    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let get = |path: String| {
        let http = http.clone();
        async move {
            let resp = http.get(path).send().await.expect("get");
            assert_eq!(resp.status().as_u16(), 200);
            resp.text().await.expect("body")
        }
    };
    let d: Value = serde_json::from_str(&get(format!("{base}/api/v1/directory?building={B98}")).await).expect("json");
    let (member, phone) = member_of(&d);
    assert!(!phone.contains('*'), "published by default: {phone}");
    let html = get(format!("{base}/buildings/{B98}")).await;
    assert!(html.contains(&format!("href=\"tel:{phone}\"")), "the building page gives the consented phone");

    let token: Value = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "shequ", "password": linli::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token");
    let resp = http
        .post(format!("{base}{}", publicity_path(member)))
        .bearer_auth(token)
        .json(&json!({"published": false}))
        .send()
        .await
        .expect("withdraw");
    assert_eq!(resp.status().as_u16(), 200);
    let html = get(format!("{base}/buildings/{B98}")).await;
    assert!(!html.contains(&phone), "withdrawn: gone from the next page load");
    assert!(html.contains(&linli::privacy::mask_phone(&phone)));

    kill.stop();
    let log = std::fs::read_to_string(&log_path).expect("log");
    eprintln!("--- the child's stderr ---\n{log}--- end ---");
    assert!(log.contains("listening"), "the log is the server's: {log}");
    let bad: Vec<&str> = log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
    assert!(bad.is_empty(), "warnings or errors in the log: {bad:?}");
    assert!(!contains_full_mobile(&log), "a phone number in the log");
    assert!(!log.contains(&phone));
}

/// Kills the child when dropped, so a failing assertion never leaves it running.
struct Guard(Option<std::process::Child>);

fn scopeguard(child: std::process::Child) -> Guard {
    Guard(Some(child))
}

impl Guard {
    fn stop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop();
    }
}
