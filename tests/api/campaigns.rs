//! Hazard-sweep campaigns through the public interfaces, on both engines:
//! the seed's third story from starting a sweep of 越江社区 to the
//! re-inspection that closes a 飞线充电 finding after joint enforcement, with
//! the notice PDF read back, its QR followed, the deadline passed on the
//! server's clock and the indicators checked at each step.

use std::process::Command;

use serde_json::{Value, json};

use crate::cases::{B98, png, upload};
use crate::helpers::TestApp;

const HOUR_MS: i64 = 3_600_000;
/// 越江社区 and its 第六网格 (76栋–100栋, where 98栋 stands).
const COMMUNITY: &str = "320602011003";
const GRID6: &str = "32060201100306";

crate::on_both_backends!(the_sweep_story_from_start_to_reinspection, bad_sweep_input_names_the_field);

fn day(app: &TestApp, offset_days: i64) -> String {
    let ms = app.clock.now_ms() + offset_days * 24 * HOUR_MS;
    linli::time::to_cst(ms).format("%Y-%m-%d").to_string()
}

async fn start_campaign(app: &TestApp, staff: &str) -> i64 {
    let body =
        json!({"name": "越江新村楼道隐患排查", "nodes": [COMMUNITY], "starts_on": day(app, 0), "ends_on": day(app, 2)});
    let (status, created) = app.post("/api/v1/campaigns", Some(staff), &body).await;
    assert_eq!(status, 201, "{created}");
    created["campaign"]["id"].as_i64().expect("id")
}

async fn finding_state(app: &TestApp, token: &str, id: i64) -> String {
    let (status, f) = app.get_as(&format!("/api/v1/findings/{id}"), token).await;
    assert_eq!(status, 200, "{f}");
    f["finding"]["state"].as_str().expect("state").to_string()
}

async fn notified(app: &TestApp, token: &str, starts: &str) -> bool {
    app.run_workers().await;
    let (_, notes) = app.get_as("/api/v1/notifications", token).await;
    notes.as_array().expect("list").iter().any(|n| n["title"].as_str().is_some_and(|t| t.starts_with(starts)))
}

async fn coverage(app: &TestApp, token: &str, id: i64, node: &str) -> Value {
    let (status, c) = app.get_as(&format!("/api/v1/campaigns/{id}/coverage?node={node}"), token).await;
    assert_eq!(status, 200, "{c}");
    c
}

/// The household's "已整改" (with a note) from the notice's public page.
async fn answer_notice(app: &TestApp, answer: &str, note: &str) {
    let form = reqwest::multipart::Form::new().text("note", note.to_string());
    let resp = app.client.post(app.url(answer)).multipart(form).send().await.expect("answer");
    assert!(resp.status().is_success() || resp.status().is_redirection(), "{}", resp.status());
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

/// pdftotext's text of a PDF and the QR codes zbarimg reads on it, or `None`
/// without the tools (.ci/run installs them).
fn read_pdf(bytes: &[u8]) -> Option<(String, String)> {
    if !(tool("pdftotext") && tool("pdftoppm") && tool("zbarimg")) || linli::print::font::font().is_err() {
        eprintln!("\nNOTE: poppler-utils, zbar-tools or a CJK font is missing: the notice PDF checks are SKIPPED.\n");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("notice.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let png = dir.path().join("notice");
    let rendered = Command::new("pdftoppm").args(["-r", "150", "-png", "-singlefile"]).arg(&pdf).arg(&png).status();
    assert!(rendered.expect("pdftoppm").success());
    let qr = Command::new("zbarimg").args(["-q", "--raw"]).arg(png.with_extension("png")).output().expect("zbarimg");
    Some((String::from_utf8_lossy(&text.stdout).to_string(), String::from_utf8_lossy(&qr.stdout).trim().to_string()))
}

async fn the_sweep_story_from_start_to_reinspection(app: TestApp) {
    let staff = app.login("shequ").await;
    let member = app.login("weiwangge").await;
    let head = app.login("wanggezhang").await;
    let officer = app.login("zhifa").await;
    let id = start_campaign(&app, &staff).await;

    // The member's phone gets 98栋's units, assigned from the tree, and the checklist.
    let (status, sweep) = app.get_as(&format!("/api/v1/campaigns/{id}/sweep"), &member).await;
    assert_eq!(status, 200, "{sweep}");
    let units: Vec<i64> =
        sweep["units"].as_array().expect("units").iter().map(|u| u["unit"].as_i64().expect("n")).collect();
    assert_eq!(units, [1, 2, 3, 4, 5], "{sweep}");
    assert!(sweep["units"].as_array().expect("units").iter().all(|u| u["building_code"] == B98));
    let names: Vec<&str> =
        sweep["checks"].as_array().expect("checks").iter().filter_map(|c| c["name"].as_str()).collect();
    for name in ["私自封门", "乱堆杂物", "飞线充电", "消防通道堵塞", "灭火器缺失/过期", "电表箱裸露", "楼道堆放易燃物"]
    {
        assert!(names.contains(&name), "{names:?}");
    }

    // Two clean units, one tap each (a second tap changes nothing).
    for unit in [1, 2, 1] {
        let (status, body) = app
            .post(&format!("/api/v1/campaigns/{id}/units"), Some(&member), &json!({"building": B98, "unit": unit}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["unit"]["clean"], true);
    }

    // One 飞线充电 in 3单元 with a photo; the same key again files nothing.
    let (status, photo) = upload(&app, &member, png(64, 48), "image/png").await;
    assert_eq!(status, 201, "{photo}");
    let sha = photo["sha256"].as_str().expect("sha").to_string();
    let finding = json!({"building": B98, "unit": 3, "check": "flying_cable", "room": "302", "note": "窗口拉线给电动车充电", "photos": [sha]});
    let (status, first) =
        app.send_keyed(&format!("/api/v1/campaigns/{id}/findings"), &member, "phone-key-1", &finding).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) =
        app.send_keyed(&format!("/api/v1/campaigns/{id}/findings"), &member, "phone-key-1", &finding).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["replayed"], true);
    let fid = first["finding"]["id"].as_i64().expect("id");
    assert_eq!(again["finding"]["id"], fid);
    let case_id = first["finding"]["case_id"].as_i64().expect("case");
    let (_, sweep) = app.get_as(&format!("/api/v1/campaigns/{id}/sweep"), &member).await;
    assert_eq!(sweep["findings"].as_array().expect("findings").len(), 1, "filed once: {sweep}");

    // The finding is an urgent fire-safety case from the sweep, routed to the grid head, with the photo.
    let (status, case) = app.get_as(&format!("/api/v1/cases/{case_id}"), &head).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(
        (case["source"].as_str(), case["category"].as_str(), case["urgent"].as_bool()),
        (Some("sweep"), Some("fire_safety"), Some(true))
    );
    assert_eq!(case["status"], "dispatched", "{case}");
    assert_eq!(case["assignee"]["kind"], "grid_head", "{case}");
    assert_eq!((case["unit"].as_i64(), case["room"].as_str()), (Some(3), Some("302")));
    assert!(case.to_string().contains(&sha), "the photo is on the case: {case}");
    assert!(notified(&app, &head, "【紧急").await, "the grid head hears of an urgent hazard");
    let i = coverage(&app, &head, id, GRID6).await["indicators"].clone();
    assert_eq!(
        (i["units_swept"].as_i64(), i["findings"].as_i64(), i["open"].as_i64(), i["notices"].as_i64()),
        (Some(3), Some(1), Some(1), Some(0)),
        "{i}"
    );

    // The member may not issue notices; community staff do, once.
    let (status, _) = app.post(&format!("/api/v1/findings/{fid}/notice"), Some(&member), &json!({})).await;
    assert_eq!(status, 403);
    let (status, issued) = app.post(&format!("/api/v1/findings/{fid}/notice"), Some(&staff), &json!({})).await;
    assert_eq!(status, 201, "{issued}");
    let (_, reissued) = app.post(&format!("/api/v1/findings/{fid}/notice"), Some(&staff), &json!({})).await;
    assert_eq!(reissued["notice"]["due_at"], issued["notice"]["due_at"], "a notice is issued once");
    let live = issued["live_url"].as_str().expect("live url").to_string();
    assert_eq!(finding_state(&app, &staff, fid).await, "notice");
    assert_eq!(coverage(&app, &head, id, GRID6).await["indicators"]["notices"], 1);

    // The notice PDF reads back, and its QR opens the live page (masked: no room, no phone).
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/findings/{fid}/notice.pdf")))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("pdf");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.expect("bytes");
    if let Some((text, qr)) = read_pdf(&pdf) {
        for needle in [
            "整改告知单",
            "越江新村98栋3单元302室",
            "飞线充电",
            "禁止在楼道",
            "微网格员",
            "网格长",
            "越江社区居委会",
            "扫码查看整改进度",
        ] {
            assert!(text.contains(needle), "the notice lacks {needle}:\n{text}");
        }
        assert_eq!(qr, live, "the QR opens the live page");
    }
    let path = live.strip_prefix(&app.base).expect("a link to this server").to_string();
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("飞线充电") && page.contains("越江新村98栋3单元") && page.contains("已告知"), "{page}");
    assert!(!page.contains("302") && !crate::helpers::contains_full_mobile(&page), "the public page is masked: {page}");

    // The deadline (one day for 飞线充电) passes unfixed: onto the enforcement list, and the team hears of it.
    app.clock.advance(25 * HOUR_MS);
    assert!(notified(&app, &officer, "【联合执法】").await, "the enforcement team is told");
    assert_eq!(finding_state(&app, &staff, fid).await, "enforcement");
    let (status, list) = app.get_as(&format!("/api/v1/campaigns/{id}/enforcement"), &officer).await;
    assert_eq!(status, 200, "{list}");
    assert!(list["findings"].as_array().expect("list").iter().any(|f| f["id"] == fid), "{list}");
    assert_eq!(coverage(&app, &head, id, GRID6).await["indicators"]["on_enforcement_list"], 1);
    let (status, _) = app.get_as(&format!("/api/v1/campaigns/{id}/enforcement"), &member).await;
    assert_eq!(status, 403, "the list is the team's and the managers'");

    // Enforcement records 拆除 with a photo; the member is asked to re-inspect.
    let (status, bad) =
        app.post(&format!("/api/v1/findings/{fid}/enforcement"), Some(&officer), &json!({"outcome": "烧掉"})).await;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("outcome")), "{bad}");
    let (status, _) =
        app.post(&format!("/api/v1/findings/{fid}/enforcement"), Some(&member), &json!({"outcome": "拆除"})).await;
    assert_eq!(status, 403);
    let (status, enforced) = app
        .post(
            &format!("/api/v1/findings/{fid}/enforcement"),
            Some(&officer),
            &json!({"outcome": "拆除", "note": "拆除私拉电线", "photos": [sha]}),
        )
        .await;
    assert_eq!(status, 200, "{enforced}");
    assert_eq!(enforced["finding"]["state"], "enforced");
    assert!(notified(&app, &member, "请复查").await, "the member is asked to re-inspect");
    let (_, history) = app.get_as(&format!("/api/v1/cases/{case_id}/events"), &head).await;
    assert!(history.to_string().contains("联合执法：拆除"), "the case's history records it: {history}");

    // The re-inspection closes the finding and its case.
    let (status, closed) = app
        .post(
            &format!("/api/v1/findings/{fid}/reinspection"),
            Some(&member),
            &json!({"fixed": true, "note": "电线已拆除"}),
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["finding"]["state"], "fixed");
    let (_, case) = app.get_as(&format!("/api/v1/cases/{case_id}"), &head).await;
    assert_eq!(case["status"], "closed", "{case}");
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("联合执法：拆除") && page.contains("复查：已整改"), "{page}");

    // Coverage of 第六网格: 98栋 reads clean, clean, hazard, not swept, not swept.
    let c = coverage(&app, &head, id, GRID6).await;
    let row = c["buildings"].as_array().expect("rows").iter().find(|b| b["code"] == B98).expect("98栋").clone();
    let cells: Vec<&str> = row["units"].as_array().expect("units").iter().filter_map(|u| u["state"].as_str()).collect();
    assert_eq!(cells, ["clean", "clean", "finding", "unswept", "unswept"], "{row}");
    let i = &c["indicators"];
    assert_eq!(
        (i["units_swept"].as_i64(), i["findings"].as_i64(), i["notices"].as_i64()),
        (Some(3), Some(1), Some(1)),
        "{i}"
    );
    assert_eq!(
        (i["fixed_after_enforcement"].as_i64(), i["open"].as_i64(), i["recurrences"].as_i64()),
        (Some(1), Some(0), Some(0)),
        "{i}"
    );

    // The command centre's wall carries the sweep's tile: units swept, findings, the enforcement list.
    let wall = crate::web::browser();
    crate::web::sign_in(&app, &wall, "shequ").await;
    let page = wall.get(app.url("/centre")).send().await.expect("centre").text().await.expect("html");
    assert!(page.contains("排查 隐患1 待执法0") && page.contains(">3/453<"), "the wall's sweep tile: {page}");

    // A resident's "已整改" from the notice page waits for re-inspection instead of enforcement;
    // a failed re-inspection after the deadline puts it on the list.
    let clutter = json!({"building": B98, "unit": 4, "check": "clutter", "note": "楼梯下堆放纸箱"});
    let (_, second) =
        app.send_keyed(&format!("/api/v1/campaigns/{id}/findings"), &member, "phone-key-2", &clutter).await;
    let second = second["finding"]["id"].as_i64().expect("id");
    let (_, issued) = app.post(&format!("/api/v1/findings/{second}/notice"), Some(&head), &json!({})).await;
    let answer =
        issued["live_url"].as_str().expect("url").strip_prefix(&app.base).expect("local").to_string() + "/answer";
    answer_notice(&app, &answer, "纸箱已清走").await;
    assert_eq!(finding_state(&app, &staff, second).await, "answered");
    app.clock.advance(4 * 24 * HOUR_MS);
    app.run_workers().await;
    assert_eq!(finding_state(&app, &staff, second).await, "answered", "an answered notice is not enforced");
    let (status, body) =
        app.post(&format!("/api/v1/findings/{second}/reinspection"), Some(&member), &json!({"fixed": false})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("note")), "{body}");
    let (_, reopened) = app
        .post(
            &format!("/api/v1/findings/{second}/reinspection"),
            Some(&member),
            &json!({"fixed": false, "note": "纸箱又堆回来了"}),
        )
        .await;
    assert_eq!(reopened["finding"]["state"], "enforcement", "{reopened}");
    // Saying 已整改 again does not take it off the enforcement list: only a re-inspection does.
    answer_notice(&app, &answer, "这次真的清走了").await;
    assert_eq!(finding_state(&app, &staff, second).await, "enforcement");

    // The same hazard again at 3单元 within 90 days of its fix is 回潮.
    let again = json!({"building": B98, "unit": 3, "check": "flying_cable", "note": "又有人拉线充电"});
    let (status, _) = app.send_keyed(&format!("/api/v1/campaigns/{id}/findings"), &member, "phone-key-3", &again).await;
    assert_eq!(status, 201);
    let c = coverage(&app, &head, id, GRID6).await;
    assert_eq!(c["indicators"]["recurrences"], 1, "{c}");
    assert_eq!(c["indicators"]["on_enforcement_list"], 1, "{c}");

    // The campaign ended (injected clock): the grid head hears of the units nobody swept.
    assert!(notified(&app, &head, "【排查未完成】").await, "the grid head is told of unswept units");
    // The property company and the environment bureau see no such campaign (the matrix test tries every role).
    for outsider in ["wuye", "huanbao"] {
        let token = app.login(outsider).await;
        let (status, _) = app.get_as(&format!("/api/v1/campaigns/{id}"), &token).await;
        assert_eq!(status, 404, "{outsider}");
    }
}

async fn bad_sweep_input_names_the_field(app: TestApp) {
    let staff = app.login("shequ").await;
    // The list page's form: a day count out of range is named with its hazard, and nothing is started.
    let page = crate::web::browser();
    let csrf = crate::web::sign_in(&app, &page, "shequ").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "排查"),
        ("node", COMMUNITY),
        ("starts_on", "2026-12-01"),
        ("ends_on", "2026-12-02"),
        ("check", "flying_cable"),
        ("days_flying_cable", "0"),
    ];
    let resp = page.post(app.url("/app/campaigns")).form(&form).send().await.expect("form");
    let html = resp.text().await.expect("html");
    assert!(html.contains("“飞线充电”的整改期限应为 1 到 90 天"), "{html}");
    let (_, list) = app.get_as("/api/v1/campaigns", &staff).await;
    assert!(list["campaigns"].as_array().expect("list").is_empty(), "{list}");
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "排查"),
        ("node", COMMUNITY),
        ("starts_on", "2026-12-01"),
        ("ends_on", "2026-12-02"),
        ("check", "flying_cable"),
        ("days_flying_cable", "5"),
    ];
    let resp = page.post(app.url("/app/campaigns")).form(&form).send().await.expect("form");
    assert_eq!(resp.status().as_u16(), 303);
    let (_, list) = app.get_as("/api/v1/campaigns", &staff).await;
    let created = list["campaigns"][0]["id"].as_i64().expect("created");
    let (_, c) = app.get_as(&format!("/api/v1/campaigns/{created}"), &staff).await;
    assert_eq!((c["checks"].as_array().map(Vec::len), c["checks"][0]["fix_days"].as_i64()), (Some(1), Some(5)), "{c}");
    let member = app.login("weiwangge").await;
    for (body, field) in [
        (json!({"name": "", "nodes": [COMMUNITY], "starts_on": day(&app, 0), "ends_on": day(&app, 1)}), "name"),
        (json!({"name": "x", "nodes": [], "starts_on": day(&app, 0), "ends_on": day(&app, 1)}), "nodes"),
        (json!({"name": "x", "nodes": ["nope"], "starts_on": day(&app, 0), "ends_on": day(&app, 1)}), "nodes"),
        (json!({"name": "x", "nodes": [COMMUNITY], "starts_on": "12/01", "ends_on": day(&app, 1)}), "starts_on"),
        (json!({"name": "x", "nodes": [COMMUNITY], "starts_on": day(&app, 2), "ends_on": day(&app, 1)}), "ends_on"),
        (
            json!({"name": "x", "nodes": [COMMUNITY], "starts_on": day(&app, 0), "ends_on": day(&app, 1), "checks": []}),
            "checks",
        ),
    ] {
        let (status, answer) = app.post("/api/v1/campaigns", Some(&staff), &body).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{body} → {answer}");
    }
    let (status, _) = app
        .post(
            "/api/v1/campaigns",
            Some(&member),
            &json!({"name": "x", "nodes": [COMMUNITY], "starts_on": day(&app, 0), "ends_on": day(&app, 1)}),
        )
        .await;
    assert_eq!(status, 403, "a micro-grid member does not start campaigns");
    let id = start_campaign(&app, &staff).await;
    let url = format!("/api/v1/campaigns/{id}/findings");
    for (body, field) in [
        (json!({"building": B98, "unit": 3, "check": "nope"}), "check"),
        (json!({"building": B98, "unit": 3, "check": "sealed_door"}), "floor"),
        (json!({"building": B98, "unit": 3, "check": "clutter", "note": "长".repeat(501)}), "note"),
    ] {
        let (status, answer) = app.post(&url, Some(&member), &body).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{body} → {answer}");
    }
    let (status, _) = app.post(&url, Some(&member), &json!({"building": B98, "unit": 42, "check": "clutter"})).await;
    assert_eq!(status, 404, "no such unit in the sweep");
    let other = "32060201100301001";
    let (status, _) = app.post(&url, Some(&member), &json!({"building": other, "unit": 1, "check": "clutter"})).await;
    assert_eq!(status, 403, "1栋 is not hers to sweep");
    let (status, _) =
        app.send_keyed(&url, &member, "bad key", &json!({"building": B98, "unit": 3, "check": "clutter"})).await;
    assert_eq!(status, 400, "a key must be visible ASCII");
    // Nothing of it was stored.
    let (_, sweep) = app.get_as(&format!("/api/v1/campaigns/{id}/sweep"), &member).await;
    assert!(sweep["findings"].as_array().expect("findings").is_empty(), "{sweep}");
}
