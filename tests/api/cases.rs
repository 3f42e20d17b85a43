//! The case lifecycle through the JSON API: the seed's first story end to
//! end, illegal moves, scope, duplicates, routing overrides and photos.

use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const B98: &str = "32060201100301098";
const HOUR_MS: i64 = 3_600_000;

crate::on_both_backends!(
    the_seed_story_through_the_json_api,
    an_illegal_transition_is_409_with_the_allowed_moves,
    cases_stay_inside_their_scope,
    a_duplicate_is_flagged_merged_and_its_reporter_kept_informed,
    duplicates_are_told_apart_by_unit_and_room,
    a_routing_rule_overrides_the_default,
    photos_are_checked_by_content_and_size,
    bad_reports_name_the_field,
    bad_input_is_answered_in_chinese,
    the_history_cannot_be_edited,
    concurrent_reports_are_each_filed_once,
);

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

/// Uploads bytes as a photo; returns the status and reply.
pub async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>, mime: &str) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("photo.png").mime_str(mime).expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = app
        .client
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("upload answered {status} with non-JSON ({e}): {text}")),
    )
}

pub async fn act(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/api/v1/cases/{id}/actions/{action}"), Some(token), &body).await
}

pub fn time_ms(v: &Value) -> i64 {
    linli::time::parse_datetime(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).expect("RFC 3339")
}

pub async fn report_light_at_98(app: &TestApp, token: &str) -> Value {
    let (status, case) = app
        .post(
            "/api/v1/cases",
            Some(token),
            &json!({"category": "lighting", "description": "98栋三单元的楼道灯不亮，晚上走路看不见", "building": B98, "unit": 3}),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    case
}

async fn the_seed_story_through_the_json_api(app: TestApp) {
    let member = app.login("weiwangge").await;
    let property = app.login("wuye").await;

    // 1-3: reported by the micro-grid member, registered and dispatched at once.
    let case = report_light_at_98(&app, &member).await;
    let id = case["id"].as_i64().expect("id");
    assert_eq!(case["status"], "dispatched", "{case}");
    assert_eq!(case["category_name"], "照明设施");
    assert_eq!(case["address"], "越江新村98栋3单元");
    assert_eq!(case["assignee"]["kind"], "property");
    assert_eq!(case["assignee"]["name"], "南通越江物业服务有限公司");
    assert_eq!(time_ms(&case["due_at"]) - time_ms(&case["dispatched_at"]), 24 * HOUR_MS, "the lighting deadline");
    assert!(case["token"].as_str().is_some_and(|t| t.len() > 20), "the reporter gets a follow token");

    // The property company finds it in its work orders and is notified.
    let (_, orders) = app.get_as("/api/v1/cases?status=dispatched", &property).await;
    assert!(orders.as_array().expect("list").iter().any(|c| c["id"] == id), "{orders}");
    app.run_workers().await;
    let (_, notes) = app.get_as("/api/v1/notifications", &property).await;
    assert!(
        notes
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["case_id"] == id && n["title"].as_str().is_some_and(|t| t.starts_with("新工单"))),
        "{notes}"
    );

    // 4-5: it accepts the job and reports it fixed with a photo.
    let (status, accepted) = act(&app, &property, id, "accept", json!({})).await;
    assert_eq!((status, accepted["status"].as_str()), (200, Some("in_progress")), "{accepted}");
    let (status, photo) = upload(&app, &property, png(800, 600), "image/png").await;
    assert_eq!(status, 201, "{photo}");
    let sha = photo["sha256"].as_str().expect("sha").to_string();
    let (status, resolved) =
        act(&app, &property, id, "resolve", json!({"note": "已更换感应灯", "attachments": [sha]})).await;
    assert_eq!((status, resolved["status"].as_str()), (200, Some("resolved")), "{resolved}");
    // The unit may not verify its own work.
    assert_eq!(act(&app, &property, id, "close", json!({})).await.0, 403);

    // 6: the micro-grid member verifies on site and closes it.
    let (status, closed) = act(&app, &member, id, "close", json!({"note": "现场核查灯已亮"})).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")), "{closed}");
    assert_eq!(closed["closed_on_time"], true);
    // 7: the reporter rates it.
    let (status, rated) = act(&app, &member, id, "evaluate", json!({"rating": 5})).await;
    assert_eq!((status, rated["status"].as_str(), rated["rating"].as_i64()), (200, Some("evaluated"), Some(5)));

    // The history holds every step, in order, with its actor.
    let (_, detail) = app.get_as(&format!("/api/v1/cases/{id}"), &member).await;
    let actions: Vec<&str> =
        detail["events"].as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["report", "register", "dispatch", "accept", "resolve", "close", "evaluate"]);
    let events = detail["events"].as_array().expect("events");
    assert_eq!(events[1]["actor"], "系统");
    assert_eq!(events[4]["note"], "已更换感应灯");
    assert_eq!(detail["photos"][0]["sha256"], sha.as_str());
    assert_eq!(detail["photos"][0]["thumbnail_url"], format!("/attachments/{sha}/thumbnail"));

    // The reporter heard of the fix.
    app.run_workers().await;
    let (_, notes) = app.get_as("/api/v1/notifications", &member).await;
    assert!(
        notes.as_array().expect("list").iter().any(|n| n["title"].as_str().is_some_and(|t| t.contains("已处置"))),
        "{notes}"
    );

    // It counts in 按期结案率.
    let (status, ind) = app.get_as(&app.indicators_path("320602011003"), &member).await;
    assert_eq!(status, 403, "a micro-grid member cannot see the community's figures: {ind}");
    let staff = app.login("shequ").await;
    let (status, ind) = app.get_as(&app.indicators_path("320602011003"), &staff).await;
    assert_eq!(status, 200, "{ind}");
    assert_eq!(
        (ind["due"].as_i64(), ind["closed"].as_i64(), ind["closed_on_time"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{ind}"
    );
    assert_eq!((ind["on_time_rate"].as_f64(), ind["satisfaction_rate"].as_f64()), (Some(1.0), Some(1.0)));
}

async fn an_illegal_transition_is_409_with_the_allowed_moves(app: TestApp) {
    let member = app.login("weiwangge").await;
    let property = app.login("wuye").await;
    let id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    let (status, err) = act(&app, &property, id, "resolve", json!({})).await;
    assert_eq!(status, 200, "a dispatched job may be resolved directly: {err}");
    let (status, err) = act(&app, &property, id, "accept", json!({})).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "illegal_transition");
    let allowed: Vec<&str> =
        err["error"]["allowed"].as_array().expect("allowed").iter().filter_map(Value::as_str).collect();
    assert!(allowed.contains(&"close") && allowed.contains(&"rework") && !allowed.contains(&"accept"), "{allowed:?}");
    let (status, err) = act(&app, &member, id, "fly", json!({})).await;
    assert_eq!(status, 404, "{err}");
    let (status, err) = act(&app, &member, id, "rework", json!({})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("note")), "rework needs a reason: {err}");
}

async fn cases_stay_inside_their_scope(app: TestApp) {
    let member = app.login("weiwangge").await;
    let id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    // 园林社区's environment officer, another community's case.
    let outsider = app.login("huanbao").await;
    assert_eq!(app.get_as(&format!("/api/v1/cases/{id}"), &outsider).await.0, 404);
    assert_eq!(act(&app, &outsider, id, "close", json!({})).await.0, 404);
    let (_, list) = app.get_as("/api/v1/cases", &outsider).await;
    assert_eq!(list, json!([]));
    // The grid head of 98's grid sees it; the enforcement officer does not.
    let head = app.login("wanggezhang").await;
    assert_eq!(app.get_as(&format!("/api/v1/cases/{id}"), &head).await.0, 200);
    let officer = app.login("zhifa").await;
    assert_eq!(app.get_as(&format!("/api/v1/cases/{id}"), &officer).await.0, 404);
    // Anonymous: only with the follow token.
    assert_eq!(app.get_json(&format!("/api/v1/cases/{id}")).await.0, 401);
    let (_, with_token) = app
        .post("/api/v1/cases", None, &json!({"category": "noise", "description": "楼下广场舞太吵", "building": B98}))
        .await;
    let (tid, token) =
        (with_token["id"].as_i64().expect("id"), with_token["token"].as_str().expect("token").to_string());
    assert_eq!(app.get_json(&format!("/api/v1/cases/{tid}?token={token}")).await.0, 200);
    assert_eq!(app.get_json(&format!("/api/v1/cases/{tid}?token=wrong")).await.0, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{id}?token={token}")).await.0,
        404,
        "a token opens its own case only"
    );
    // Unauthenticated and bad tokens.
    assert_eq!(app.get_json("/api/v1/cases").await.0, 401);
    assert_eq!(app.get_as("/api/v1/cases", "not-a-token").await.0, 401);
}

async fn a_duplicate_is_flagged_merged_and_its_reporter_kept_informed(app: TestApp) {
    let member = app.login("weiwangge").await;
    let resident = app.login("jumin").await;
    let property = app.login("wuye").await;
    let first = report_light_at_98(&app, &member).await;
    let first_id = first["id"].as_i64().expect("id");
    let (status, second) = app
        .post(
            "/api/v1/cases",
            Some(&resident),
            &json!({"category": "lighting", "description": "3单元灯又坏了", "building": B98}),
        )
        .await;
    assert_eq!(status, 201);
    let second_id = second["id"].as_i64().expect("id");
    assert_eq!(second["likely_duplicate_of"], first_id);
    assert_eq!(second["status"], "reported", "a likely duplicate waits for a person");
    // Another category at the same building is not a duplicate.
    let (_, other) = app
        .post(
            "/api/v1/cases",
            Some(&resident),
            &json!({"category": "water_drainage", "description": "楼道漏水", "building": B98}),
        )
        .await;
    assert_eq!(other["likely_duplicate_of"], Value::Null);

    let (status, merged) = act(&app, &member, second_id, "merge", json!({"merge_into": first_id})).await;
    assert_eq!((status, merged["status"].as_str()), (200, Some("merged")), "{merged}");
    assert_eq!(merged["duplicate_of"], first_id);
    // The resident now follows the surviving case and hears when it is fixed.
    assert_eq!(app.get_as(&format!("/api/v1/cases/{first_id}"), &resident).await.0, 200);
    act(&app, &property, first_id, "resolve", json!({"note": "已修好"})).await;
    app.run_workers().await;
    let (_, notes) = app.get_as("/api/v1/notifications", &resident).await;
    let titles: Vec<&str> = notes.as_array().expect("list").iter().filter_map(|n| n["title"].as_str()).collect();
    assert!(titles.iter().any(|t| t.contains("已合并")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("已处置")), "{titles:?}");
    // Another report of it arrives and waits as a likely duplicate …
    let (_, third) = app
        .post(
            "/api/v1/cases",
            Some(&resident),
            &json!({"category": "lighting", "description": "三单元灯还是不亮吗", "building": B98, "unit": 3}),
        )
        .await;
    let third_id = third["id"].as_i64().expect("id");
    assert_eq!(third["likely_duplicate_of"], first_id, "{third}");
    // … while the resident, as a reporter, confirms the fix of the first.
    assert_eq!(act(&app, &resident, first_id, "close", json!({})).await.0, 200);
    // The duplicate of a case closed meanwhile joins it and closes as
    // merged; its reporter is told the case was already dealt with.
    let (status, merged) = act(&app, &member, third_id, "merge", json!({"merge_into": first_id})).await;
    assert_eq!((status, merged["status"].as_str()), (200, Some("merged")), "{merged}");
    app.run_workers().await;
    let (_, notes) = app.get_as("/api/v1/notifications", &resident).await;
    assert!(
        notes.as_array().expect("list").iter().any(|n| n["case_id"] == third_id
            && n["title"].as_str().is_some_and(|t| t.contains(&format!("#{first_id}")) && t.contains("办结"))),
        "{notes}"
    );
    let (_, first_now) = app.get_as(&format!("/api/v1/cases/{first_id}"), &member).await;
    assert!(
        first_now["events"].as_array().expect("events").iter().any(|e| e["data"]["merged_from"] == third_id),
        "{first_now}"
    );
    // A rejected case, a merged one, the case itself or one out of sight are no targets: Chinese reasons.
    let noise = json!({"category": "noise", "description": "楼上装修太吵", "building": B98});
    app.post("/api/v1/cases", Some(&resident), &noise).await;
    let (_, fourth) = app.post("/api/v1/cases", Some(&resident), &noise).await;
    assert_eq!(fourth["status"], "reported", "{fourth}");
    let fourth_id = fourth["id"].as_i64().expect("id");
    let (_, elsewhere) = app
        .post(
            "/api/v1/cases",
            None,
            &json!({"category": "noise", "description": "广场舞太吵", "building": "32060201200501005"}),
        )
        .await;
    let elsewhere_id = elsewhere["id"].as_i64().expect("id");
    for (target, needle) in
        [(third_id, "已被合并"), (fourth_id, "本身"), (999_999, "没有案件"), (elsewhere_id, "没有案件")]
    {
        let (status, err) = act(&app, &member, fourth_id, "merge", json!({"merge_into": target})).await;
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some("merge_into")), "{err}");
        assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains(needle)), "{err}");
    }
}

/// Three hazards in three units of one building are three cases; the same
/// unit again is a likely duplicate; a report naming no unit may be any.
async fn duplicates_are_told_apart_by_unit_and_room(app: TestApp) {
    let member = app.login("weiwangge").await;
    let report = |unit: Option<i64>, room: Option<&str>| {
        let mut body = json!({"category": "fire_safety", "description": "楼道里有人飞线充电", "building": B98});
        if let Some(u) = unit {
            body["unit"] = json!(u);
        }
        if let Some(r) = room {
            body["room"] = json!(r);
        }
        let (app, member) = (&app, &member);
        async move {
            let (status, case) = app.post("/api/v1/cases", Some(member), &body).await;
            assert_eq!(status, 201, "{case}");
            (case["id"].as_i64().expect("id"), case["likely_duplicate_of"].as_i64())
        }
    };
    let (u3, d) = report(Some(3), Some("302")).await;
    assert_eq!(d, None);
    for unit in [2, 5] {
        assert_eq!(report(Some(unit), None).await.1, None, "unit {unit} is another place");
    }
    assert_eq!(report(Some(3), Some("501")).await.1, None, "another room of unit 3 is another place");
    let (_, d) = report(Some(3), Some("302")).await;
    assert_eq!(d, Some(u3), "the same room again");
    let (_, d) = report(None, None).await;
    assert!(d.is_some(), "a report naming no unit may repeat any of them");
}

async fn a_routing_rule_overrides_the_default(app: TestApp) {
    let staff = app.login("shequ").await;
    let member = app.login("weiwangge").await;
    let (status, rule) = app
        .post(
            "/api/v1/routing-rules",
            Some(&staff),
            &json!({"category": "lighting", "node": "320602011003", "handler": "grid_head", "deadline_minutes": 120}),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let case = report_light_at_98(&app, &member).await;
    assert_eq!(case["assignee"]["kind"], "grid_head", "{case}");
    assert_eq!(time_ms(&case["due_at"]) - time_ms(&case["dispatched_at"]), 2 * HOUR_MS);
    // Outside its subtree the default still holds.
    let (_, yuanlin) = app
        .post(
            "/api/v1/cases",
            Some(&staff),
            &json!({"category": "lighting", "description": "路灯不亮", "building": "32060201200501005"}),
        )
        .await;
    assert_eq!(yuanlin["assignee"]["name"], "南通园林佳苑物业管理有限公司", "{yuanlin}");
    // A micro-grid member may not set rules; a bad handler is named.
    assert_eq!(
        app.post("/api/v1/routing-rules", Some(&member), &json!({"handler": "community", "node": "320602011003"}))
            .await
            .0,
        403
    );
    let (status, err) =
        app.post("/api/v1/routing-rules", Some(&staff), &json!({"handler": "mayor", "node": "320602011003"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("handler")));
}

async fn photos_are_checked_by_content_and_size(app: TestApp) {
    let token = app.login("wuye").await;
    // Bytes decide, not the declared type.
    let (status, ok) = upload(&app, &token, png(64, 48), "text/plain").await;
    assert_eq!(status, 201, "{ok}");
    assert_eq!(ok["content_type"], "image/png");
    assert_eq!((ok["width"].as_i64(), ok["height"].as_i64()), (Some(64), Some(48)));
    let (status, err) = upload(&app, &token, b"<html><script>alert(1)</script>".to_vec(), "image/png").await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("file")), "{err}");
    let big = vec![0xFFu8; 11 * 1024 * 1024];
    let (status, _) = upload(&app, &token, big, "image/jpeg").await;
    assert_eq!(status, 413);
    // Same bytes, same address; both sizes are served with their type.
    let (_, again) = upload(&app, &token, png(64, 48), "image/png").await;
    assert_eq!(again["sha256"], ok["sha256"]);
    let resp = app.client.get(app.url(ok["thumbnail_url"].as_str().expect("thumb"))).send().await.expect("get");
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let resp = app.client.get(app.url(ok["url"].as_str().expect("url"))).send().await.expect("get");
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), png(64, 48));
    assert_eq!(app.get_text("/attachments/nothex").await.0, 400);
    assert_eq!(app.get_text(&format!("/attachments/{}", "0".repeat(64))).await.0, 404);

    // A report's photos are filed with it, in the same transaction: on its
    // first event, no second step; an unknown photo files nothing at all.
    let sha = ok["sha256"].as_str().expect("sha");
    let report = |photos: Vec<&str>| json!({"category": "lighting", "description": "灯坏了，附照片", "building": B98, "attachments": photos});
    let (status, case) = app.post("/api/v1/cases", Some(&token), &report(vec![sha])).await;
    assert_eq!(status, 201, "{case}");
    let (_, detail) = app.get_as(&format!("/api/v1/cases/{}", case["id"]), &token).await;
    assert_eq!(detail["photos"][0]["sha256"], sha, "{detail}");
    let events = detail["events"].as_array().expect("events");
    assert_eq!(events[0]["data"]["attachments"], Value::Null);
    assert!(events.iter().all(|e| e["action"] != "comment"), "no follow-up event: {events:?}");
    let before: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    let unknown = "f".repeat(64);
    let (status, err) = app.post("/api/v1/cases", Some(&token), &report(vec![&unknown])).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("attachments")), "{err}");
    let after: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    assert_eq!(before, after, "a report with a photo never uploaded leaves no case behind");
}

/// Han characters in it, and no English sentence (two lowercase words in
/// a row, as in "must be" or "not found").
fn reads_chinese(message: &str) -> bool {
    let han = message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let words: Vec<bool> =
        message.split_whitespace().map(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_lowercase())).collect();
    han && !words.windows(2).any(|w| w[0] && w[1])
}

#[test]
fn the_chinese_check_can_fail() {
    assert!(reads_chinese("unit: 应为 1 到 99 之间的整数") && reads_chinese("lng: 给了 lat 时必须同时给 lng"));
    assert!(!reads_chinese("description: must be 1 to 2000 characters"));
    assert!(!reads_chinese("case `42` not found") && !reads_chinese("工单 is not found"));
}

/// Typical mistakes through the JSON API and the resident's report form
/// are answered in Chinese, naming the field.
async fn bad_input_is_answered_in_chinese(app: TestApp) {
    let token = app.login("weiwangge").await;
    let report = |extra: Value| {
        let mut body = json!({"category": "lighting", "description": "楼道灯不亮", "building": B98});
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        body
    };
    for (body, field, needle) in [
        (report(json!({"description": ""})), "description", "应为 1 到 2000 个字"),
        (report(json!({"category": "ufo"})), "category", "未知的问题类别 `ufo`"),
        (report(json!({"building": "nope"})), "building", "没有编号为 `nope` 的楼栋"),
        (report(json!({"unit": 9})), "unit", "没有 9 单元"),
        (report(json!({"room": "1".repeat(21)})), "room", "应为 1 到 20 个字"),
        (report(json!({"reporter": {"phone": "12"}})), "reporter.phone", "不是有效的电话号码"),
        (report(json!({"reporter": {"email": "nobody"}})), "reporter.email", "不是有效的电子邮箱"),
    ] {
        let (status, err) = app.post("/api/v1/cases", Some(&token), &body).await;
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some(field)), "{body}: {err}");
        let message = err["error"]["message"].as_str().expect("message");
        assert!(message.contains(field) && message.contains(needle) && reads_chinese(message), "{message}");
    }
    // serde's own words stay, inside Chinese.
    let (status, err) = app.post("/api/v1/cases", Some(&token), &report(json!({"urgent": "yes"}))).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("urgent")), "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.starts_with("urgent: 值不对（")), "{err}");
    for (path, status, field, needle) in [
        ("/api/v1/buildings".to_string(), 400, Some("q"), "必须填写"),
        (format!("/api/v1/directory?building={B98}&unit=abc"), 400, Some("unit"), "应为 1 到 99 之间的整数"),
        ("/api/v1/directory?building=99999999999".to_string(), 404, None, "找不到楼栋 `99999999999`"),
        ("/api/v1/cases".to_string(), 401, None, "请先登录"),
        ("/api/v1/no-such-route".to_string(), 404, None, "找不到页面"),
    ] {
        let (got, err) = app.get_json(&path).await;
        assert_eq!((got, err["error"]["field"].as_str()), (status, field), "{path}: {err}");
        let message = err["error"]["message"].as_str().expect("message");
        assert!(message.contains(needle) && reads_chinese(message), "{path}: {message}");
    }
    let (status, err) = act(&app, &token, 999_999, "close", json!({})).await;
    assert_eq!(status, 404, "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("找不到工单 `999999`")), "{err}");

    // The report form says it on the page, naming the field as people know it.
    let resident = crate::web::browser();
    let url = app.url(&format!("/buildings/{B98}/report"));
    let alert = |html: &str| {
        html.split(r#"role="alert">"#).nth(1).and_then(|s| s.split("</p>").next()).unwrap_or_default().to_string()
    };
    for (name, value, label, needle) in [
        ("description", "灯".repeat(2001), "问题描述", "应为 1 到 2000 个字"),
        ("unit", "三".to_string(), "单元", "单元号不对"),
        ("phone", "12".to_string(), "联系电话", "不是有效的电话号码"),
        ("room", "1".repeat(21), "室号", "应为 1 到 20 个字"),
        ("category", "ufo".to_string(), "问题类别", "未知的问题类别"),
    ] {
        let mut form = reqwest::multipart::Form::new().text(name, value);
        for (other, fine) in [("description", "楼道灯不亮"), ("category", "lighting")] {
            if other != name {
                form = form.text(other, fine);
            }
        }
        let resp = resident.post(&url).multipart(form).send().await.expect("post");
        assert_eq!(resp.status().as_u16(), 400, "{name}");
        let shown = alert(&resp.text().await.expect("html"));
        assert!(shown.starts_with(&format!("{label}：")) && shown.contains(needle) && reads_chinese(&shown), "{shown}");
    }
    // Refusals on an error page say what is wrong, not just that it failed.
    let form = reqwest::multipart::Form::new().text("description", "楼道灯不亮").text("category", "lighting");
    let resp = resident.post(app.url("/buildings/99999999999/report")).multipart(form).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.text().await.expect("html").contains("找不到楼栋"));
    let signed_in = crate::web::browser();
    crate::web::sign_in(&app, &signed_in, "jumin").await;
    let form = reqwest::multipart::Form::new().text("description", "楼道灯不亮").text("category", "lighting");
    let resp = signed_in.post(&url).multipart(form).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 403);
    let html = resp.text().await.expect("html");
    assert!(html.contains("表单已过期") && !html.contains("服务器出错"), "{html}");
}

async fn bad_reports_name_the_field(app: TestApp) {
    let token = app.login("weiwangge").await;
    for (body, field) in [
        (json!({"description": "x", "building": B98}), "category"),
        (json!({"category": "ufo", "description": "x", "building": B98}), "category"),
        (json!({"category": "lighting", "description": "", "building": B98}), "description"),
        (json!({"category": "lighting", "description": "x"}), "building"),
        (json!({"category": "lighting", "description": "x", "building": "nope"}), "building"),
        (json!({"category": "lighting", "description": "x", "building": B98, "unit": 9}), "unit"),
        (json!({"category": "lighting", "description": "x", "building": B98, "unit": "three"}), "unit"),
        (json!({"category": "lighting", "description": "x", "lat": 32.0}), "lng"),
        (json!({"category": "lighting", "description": "x", "lat": 10.0, "lng": 10.0}), "lat"),
        (json!({"category": "lighting", "description": "x", "address": "火星基地 9栋"}), "address"),
        (
            json!({"category": "lighting", "description": "x", "building": B98, "reporter": {"phone": "12"}}),
            "reporter.phone",
        ),
        (json!({"category": "lighting", "description": "x", "building": B98, "colour": "red"}), "colour"),
    ] {
        let (status, err) = app.post("/api/v1/cases", Some(&token), &body).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    // Located by free text or by coordinates, the report still finds 98栋.
    let (status, by_text) = app
        .post(
            "/api/v1/cases",
            Some(&token),
            &json!({"category": "pests", "description": "有老鼠", "address": "越江新村98栋2单元"}),
        )
        .await;
    assert_eq!(
        (status, by_text["building"]["code"].as_str(), by_text["unit"].as_i64()),
        (201, Some(B98), Some(2)),
        "{by_text}"
    );
    // Building 98 is plot 98: row 9, column 7 from the estate's corner.
    let (lat, lng) = (32.0010 + 9.0 * 0.00036 + 0.00005, 120.8650 + 7.0 * 0.00042);
    let (status, by_point) = app
        .post(
            "/api/v1/cases",
            Some(&token),
            &json!({"category": "greenery", "description": "树枝断了", "lat": lat, "lng": lng}),
        )
        .await;
    assert_eq!((status, by_point["building"]["code"].as_str()), (201, Some(B98)), "{by_point}");
    // Nothing was half-stored by the refusals.
    let staff = app.login("shequ").await;
    let (_, all) = app.get_as("/api/v1/cases?limit=200", &staff).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
}

async fn the_history_cannot_be_edited(app: TestApp) {
    let token = app.login("weiwangge").await;
    let id = report_light_at_98(&app, &token).await["id"].as_i64().expect("id");
    let update = linli::db::query("UPDATE case_events SET note = 'rewritten' WHERE case_id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert!(update.is_err(), "an UPDATE of the history must fail");
    let delete = linli::db::query("DELETE FROM case_events WHERE case_id = $1").bind(id).execute(&app.db).await;
    assert!(delete.is_err(), "a DELETE of the history must fail");
    let (_, detail) = app.get_as(&format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(detail["events"].as_array().map(Vec::len), Some(3));
}

/// Reports arriving together (on SQLite they share one commit) are each
/// filed exactly once; retries under one key inside the same burst give one
/// case; a key reused for another report is refused without sinking the rest.
async fn concurrent_reports_are_each_filed_once(app: TestApp) {
    let token = app.login("shequ").await;
    let post = |key: String, body: Value| {
        let req =
            app.client.post(app.url("/api/v1/cases")).bearer_auth(&token).header("idempotency-key", key).json(&body);
        async move {
            let resp = req.send().await.expect("post");
            (resp.status().as_u16(), resp.json::<Value>().await.expect("json"))
        }
    };
    let retried = json!({"category": "noise", "description": "楼上装修太吵", "building": B98});
    let (status, first) = post("same-key".into(), retried.clone()).await;
    assert_eq!(status, 201, "{first}");
    let mut burst = Vec::new();
    for i in 0..48 {
        let (key, body) = match i % 4 {
            // A client retrying the same report under its key.
            0 => ("same-key".to_string(), retried.clone()),
            // The same key with a different report.
            1 if i == 1 => {
                ("same-key".to_string(), json!({"category": "lighting", "description": "另一件事", "building": B98}))
            }
            _ => (
                format!("k-{i}"),
                json!({"category": "lighting", "description": format!("第{i}号楼灯坏了"), "building": format!("32060201100301{:03}", i + 1)}),
            ),
        };
        burst.push(post(key, body));
    }
    let answers = futures_util::future::join_all(burst).await;
    let mut others = std::collections::BTreeSet::new();
    for (i, (status, body)) in answers.iter().enumerate() {
        match i % 4 {
            0 => assert_eq!((*status, &body["id"]), (201, &first["id"]), "a retry gets the first case"),
            1 if i == 1 => assert_eq!((*status, body["error"]["field"].as_str()), (400, Some("Idempotency-Key"))),
            _ => {
                assert_eq!(*status, 201, "{body}");
                others.insert(body["id"].as_i64().expect("id"));
            }
        }
    }
    assert_eq!(others.len(), 35, "each distinct report is its own case");
    let stored: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    assert_eq!(stored, 36);
}
