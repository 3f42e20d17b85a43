//! Everyone hears of their case where they already are: the chat reporter
//! under their own message and on a follow page that needs no account, a
//! signed-in reporter through their session, staff on the case's work
//! page — each through the one link a chat line carries.

use serde_json::{Value, json};

use crate::cases::{B98, act};
use crate::helpers::TestApp;
use crate::web::{browser, sign_in};

crate::on_both_backends!(
    a_chat_reporter_follows_the_case_from_the_chat_line,
    signed_in_people_speak_and_report_with_name_and_role,
);

/// The `Location` of a response that must redirect.
fn location(resp: &reqwest::Response) -> String {
    assert_eq!(resp.status().as_u16(), 303, "expected a redirect");
    resp.headers()["location"].to_str().expect("location").to_string()
}

async fn html(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.expect("get");
    (resp.status().as_u16(), resp.text().await.expect("html"))
}

async fn channel(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get_json(&format!("/api/v1/channels/{B98}/messages")).await;
    list.as_array().expect("list").clone()
}

async fn a_chat_reporter_follows_the_case_from_the_chat_line(app: TestApp) {
    let phone = browser();
    let resp = phone
        .post(app.url(&format!("/buildings/{B98}/chat")))
        .form(&[("text", "三单元楼道灯不亮了，电话13912345678")])
        .send()
        .await
        .expect("post");
    assert!(location(&resp).starts_with(&format!("/buildings/{B98}/chat?sent=1")));
    app.run_workers().await;

    // The message, then linli's lines about its case, in that order.
    let messages = channel(&app).await;
    let own = messages.iter().find(|m| m["author_kind"] == "resident").expect("the message");
    let id = own["case_id"].as_i64().expect("it became a case");
    let lines: Vec<&Value> = messages.iter().filter(|m| m["author_kind"] == "system" && m["case_id"] == id).collect();
    assert_eq!(lines.len(), 2, "{messages:?}");
    assert!(lines.iter().all(|l| l["id"].as_i64() > own["id"].as_i64()), "progress lines come after the message");
    assert!(lines[0]["text"].as_str().is_some_and(|t| t.starts_with("【受理】")));
    assert!(lines[1]["text"].as_str().is_some_and(|t| t.starts_with("【已派遣】")));

    // The chat page shows the case's live status under the message, then the lines.
    let (_, page) = html(&phone, &app, &format!("/buildings/{B98}/chat")).await;
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} not on the chat page"));
    assert!(at("三单元楼道灯不亮了") < at(&format!("工单 #{id} · 已派遣")));
    assert!(at(&format!("工单 #{id}")) < at("【受理】") && at("【受理】") < at("【已派遣】"));
    assert!(!crate::helpers::contains_full_mobile(&page), "the phone number is masked in the chat");

    // The poster's phone follows the case from the chat line's link.
    let resp = phone.get(app.url(&format!("/cases/{id}"))).send().await.expect("open");
    let follow = location(&resp);
    assert!(follow.starts_with(&format!("/follow/{id}?token=")), "{follow}");
    // A neighbour opening the same link sees the progress, masked, without the reporter's buttons.
    let neighbour = browser();
    let resp = neighbour.get(app.url(&format!("/cases/{id}"))).send().await.expect("open");
    assert_eq!(location(&resp), format!("/follow/{id}"));
    let (status, public) = html(&neighbour, &app, &format!("/follow/{id}")).await;
    assert_eq!(status, 200);
    assert!(public.contains("已派遣") && public.contains("公开的办理进度"), "{public}");
    assert!(!public.contains("<form") && !crate::helpers::contains_full_mobile(&public));

    // Fixed: the staff member who verifies lands on the work page, one tap from closing.
    let property = app.login("wuye").await;
    assert_eq!(act(&app, &property, id, "resolve", json!({"note": "换了灯泡"})).await.0, 200);
    let member = browser();
    sign_in(&app, &member, "weiwangge").await;
    let resp = member.get(app.url(&format!("/cases/{id}"))).send().await.expect("open");
    assert_eq!(location(&resp), format!("/app/cases/{id}"));
    let (_, work) = html(&member, &app, &format!("/app/cases/{id}")).await;
    assert!(work.contains(r#"class="card stack primary-action" data-action="close""#), "{work}");
    app.run_workers().await;
    let (_, page) = html(&phone, &app, &format!("/buildings/{B98}/chat")).await;
    assert!(page.contains(&format!(r#"data-verify="{id}""#)) && page.contains("【已修复请确认】"), "{page}");

    // The reporter confirms it from the follow page, with no account.
    let (_, mine) = html(&phone, &app, &follow).await;
    assert!(mine.contains("已修好，确认办结"), "{mine}");
    let token = follow.split("token=").nth(1).expect("token");
    let resp = phone
        .post(app.url(&format!("/follow/{id}")))
        .form(&[("token", token), ("action", "close")])
        .send()
        .await
        .expect("close");
    assert!(location(&resp).contains("done=1"));
    app.run_workers().await;
    let (_, page) = html(&phone, &app, &format!("/buildings/{B98}/chat")).await;
    assert!(page.contains(&format!("工单 #{id} · 已结案")) && page.contains("【已办结】"), "{page}");
}

async fn signed_in_people_speak_and_report_with_name_and_role(app: TestApp) {
    // The micro-grid member posts in the chat as herself.
    let member = browser();
    sign_in(&app, &member, "weiwangge").await;
    let (_, page) = html(&member, &app, &format!("/buildings/{B98}/chat")).await;
    assert!(page.contains("（微网格员）</strong> 身份发言"), "{page}");
    let csrf = page.split(r#"name="_csrf" value=""#).nth(1).and_then(|s| s.split('"').next()).expect("csrf");
    let chat = format!("/buildings/{B98}/chat");
    let forged = member.post(app.url(&chat)).form(&[("text", "没有令牌的消息")]).send().await.expect("post");
    assert_eq!(forged.status().as_u16(), 403, "a signed-in post needs the form's CSRF token");
    let resp =
        member.post(app.url(&chat)).form(&[("text", "二单元楼道灯坏了"), ("_csrf", csrf)]).send().await.expect("post");
    location(&resp);
    let messages = channel(&app).await;
    let own = messages.iter().find(|m| m["text"] == "二单元楼道灯坏了").expect("posted");
    assert!(own["author_name"].as_str().is_some_and(|n| n.ends_with("（微网格员）")), "{own}");
    assert_eq!(own["author_kind"], "staff");
    let id = own["case_id"].as_i64().expect("a case");
    let token = app.login("weiwangge").await;
    let (_, case) = app.get_as(&format!("/api/v1/cases/{id}"), &token).await;
    let report = &case["events"][0];
    assert!(report["actor"].as_str().is_some_and(|a| a.ends_with("（微网格员）")), "{case}");
    assert_ne!(report["actor"], "居民（匿名）");

    // A resident with an account reports from the building page and finds it under 我的反映.
    let resident = browser();
    sign_in(&app, &resident, "jumin").await;
    let (_, form) = html(&resident, &app, &format!("/buildings/{B98}/report")).await;
    let csrf = form.split(r#"name="_csrf" value=""#).nth(1).and_then(|s| s.split('"').next()).expect("csrf");
    let multipart = reqwest::multipart::Form::new()
        .text("description", "五单元门口积水")
        .text("category", "water_drainage")
        .text("_csrf", csrf.to_string());
    let resp =
        resident.post(app.url(&format!("/buildings/{B98}/report"))).multipart(multipart).send().await.expect("post");
    let follow = location(&resp);
    let id: i64 = follow.trim_start_matches("/follow/").split('?').next().and_then(|s| s.parse().ok()).expect("id");
    let jumin = app.login("jumin").await;
    let (_, case) = app.get_as(&format!("/api/v1/cases/{id}"), &jumin).await;
    assert!(case["events"][0]["actor"].as_str().is_some_and(|a| a.ends_with("（居民）")), "{case}");
    // On another phone, her session alone (no follow cookie) finds it and opens it as its reporter.
    let other_phone = browser();
    sign_in(&app, &other_phone, "jumin").await;
    let (_, list) = html(&other_phone, &app, "/follow").await;
    assert!(list.contains(&format!(r#"href="/follow/{id}""#)), "{list}");
    let property = app.login("wuye").await;
    let (status, resolved) = act(&app, &property, id, "resolve", json!({})).await;
    assert_eq!(status, 200, "{resolved}");
    let events: Vec<&str> =
        resolved["events"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    assert!(events.is_empty(), "actions answer the case without its history");
    let (_, detail) = app.get_as(&format!("/api/v1/cases/{id}"), &jumin).await;
    let actions: Vec<&str> =
        detail["events"].as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.ends_with(&["accept", "resolve"]), "resolving a dispatched case takes it on the way: {actions:?}");
    let (_, mine) = html(&other_phone, &app, &format!("/follow/{id}")).await;
    assert!(mine.contains("已修好，确认办结"), "{mine}");
}
