//! Building channels: the seed's messages become categorised, located and
//! routed cases; progress comes back into the channel; unsure reports wait
//! for a one-tap confirmation.

use serde_json::{Value, json};

use crate::cases::{B98, act};
use crate::helpers::TestApp;
use linli::time::Clock;

const B31: &str = "32060201100301031";
const B12: &str = "32060201100301012";
const BRIDGE_KEY: &str = "linli-demo-key";

crate::on_both_backends!(the_seed_messages_through_the_webhook, a_duplicate_bridge_message_is_stored_once);

async fn bridge_post(app: &TestApp, building: &str, text: &str, external_id: &str) -> (u16, Value) {
    app.post(
        &format!("/api/v1/channels/{building}/messages"),
        Some(BRIDGE_KEY),
        &json!({"text": text, "sender": {"name": "张阿姨"}, "external_id": external_id}),
    )
    .await
}

async fn channel(app: &TestApp, building: &str) -> Vec<Value> {
    let (status, list) = app.get_json(&format!("/api/v1/channels/{building}/messages")).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("list").clone()
}

async fn the_seed_messages_through_the_webhook(app: TestApp) {
    let staff = app.login("shequ").await;
    let (status, light) = bridge_post(&app, B98, "98栋三单元的楼道灯不亮", "wx-1").await;
    assert_eq!(status, 201, "{light}");
    assert_eq!((light["triage"]["category"].as_str(), light["triage"]["unit"].as_i64()), (Some("lighting"), Some(3)));
    let light_id = light["case_id"].as_i64().expect("a case");
    let (_, case) = app.get_as(&format!("/api/v1/cases/{light_id}"), &staff).await;
    assert_eq!(case["status"], "dispatched", "{case}");
    assert_eq!((case["source"].as_str(), case["unit"].as_i64()), (Some("chat"), Some(3)));
    assert_eq!(case["assignee"]["name"], "南通越江物业服务有限公司");

    let (_, dish) = bridge_post(&app, B31, "31号楼楼顶电视信号接收锅摇摇欲坠", "wx-2").await;
    assert_eq!(
        (dish["triage"]["urgent"].as_bool(), dish["triage"]["urgent_cue"].as_str()),
        (Some(true), Some("摇摇欲坠"))
    );
    let (_, case) = app.get_as(&format!("/api/v1/cases/{}", dish["case_id"]), &staff).await;
    assert_eq!((case["category"].as_str(), case["urgent"].as_bool()), (Some("building_safety"), Some(true)));
    assert_eq!(case["assignee"]["kind"], "grid_head", "an urgent dish goes to the grid head: {case}");

    let (_, hazards) = bridge_post(&app, B12, "楼道内私自封门、乱堆杂物和飞线充电", "wx-3").await;
    let (_, case) = app.get_as(&format!("/api/v1/cases/{}", hazards["case_id"]), &staff).await;
    assert_eq!(case["category"], "fire_safety", "{case}");
    assert_eq!(case["assignee"]["kind"], "grid_head");

    // Chat is not a case.
    let (status, thanks) = bridge_post(&app, B98, "谢谢物业师傅，灯亮了👍", "wx-4").await;
    assert_eq!((status, &thanks["case_id"]), (201, &Value::Null), "{thanks}");

    // Progress comes back into the channel.
    let property = app.login("wuye").await;
    act(&app, &property, light_id, "resolve", json!({"note": "已更换"})).await;
    let member = app.login("weiwangge").await;
    act(&app, &member, light_id, "close", json!({})).await;
    // The channel hears of the case from its event log, in the worker.
    app.run_workers().await;
    let lines: Vec<String> = channel(&app, B98)
        .await
        .iter()
        .filter(|m| m["author_kind"] == "system")
        .filter_map(|m| m["text"].as_str().map(str::to_string))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].starts_with("【受理】")
            && lines[1].starts_with("【已派遣】")
            && lines[1].contains("南通越江物业服务有限公司"),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("【已修复请确认】") && lines[3].starts_with("【已办结】"), "{lines:?}");
}

async fn a_duplicate_bridge_message_is_stored_once(app: TestApp) {
    let (first, a) = bridge_post(&app, B98, "98栋三单元的楼道灯不亮", "wx-9").await;
    let (second, b) = bridge_post(&app, B98, "98栋三单元的楼道灯不亮", "wx-9").await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(b["duplicate"], true);
    assert_eq!(a["case_id"], b["case_id"]);
    let users = channel(&app, B98).await.into_iter().filter(|m| m["author_kind"] == "bridge").count();
    assert_eq!(users, 1);
    // Bad input is named; unknown buildings are 404; no key is 401.
    let (status, err) =
        app.post(&format!("/api/v1/channels/{B98}/messages"), Some(BRIDGE_KEY), &json!({"text": ""})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("text")));
    assert_eq!(bridge_post(&app, "nope", "灯坏了", "x").await.0, 404);
    assert_eq!(app.post(&format!("/api/v1/channels/{B98}/messages"), None, &json!({"text": "灯坏了"})).await.0, 401);
}

/// Below the confidence threshold a report waits for one tap.
#[tokio::test]
async fn unsure_reports_are_proposed_and_confirmed_in_one_tap() {
    let app = TestApp::spawn_configured(Clock::system(), |c| c.channels.auto_confidence = 1.01).await;
    let member = app.login("weiwangge").await;
    let (_, posted) = bridge_post(&app, B98, "3单元楼道灯又不亮了", "p-1").await;
    assert_eq!(posted["message"]["case_state"], "proposed", "{posted}");
    let id = posted["message"]["id"].as_i64().expect("id");
    let case_id = posted["case_id"].as_i64().expect("case");
    let (_, case) = app.get_as(&format!("/api/v1/cases/{case_id}"), &member).await;
    assert_eq!(case["status"], "reported");
    // Another building's member may not confirm it.
    let outsider = app.login("huanbao").await;
    assert_eq!(
        app.post(&format!("/api/v1/channels/{B98}/messages/{id}/confirm"), Some(&outsider), &json!({})).await.0,
        404
    );
    let (status, confirmed) =
        app.post(&format!("/api/v1/channels/{B98}/messages/{id}/confirm"), Some(&member), &json!({})).await;
    assert_eq!((status, confirmed["status"].as_str()), (200, Some("dispatched")), "{confirmed}");
    assert_eq!(
        app.post(&format!("/api/v1/channels/{B98}/messages/{id}/confirm"), Some(&member), &json!({})).await.0,
        409
    );

    // Correcting the category on confirmation; dismissing chatter.
    let (_, second) = bridge_post(&app, B98, "楼下那家烧烤天天弄到半夜", "p-2").await;
    let second_id = second["message"]["id"].as_i64().expect("id");
    let head = app.login("wanggezhang").await;
    let (_, fixed) = app
        .post(
            &format!("/api/v1/channels/{B98}/messages/{second_id}/confirm"),
            Some(&head),
            &json!({"category": "noise"}),
        )
        .await;
    assert_eq!(fixed["category"], "noise", "{fixed}");
    let (_, third) = bridge_post(&app, B98, "电梯好像有点异响", "p-3").await;
    let third_id = third["message"]["id"].as_i64().expect("id");
    let (status, dismissed) =
        app.post(&format!("/api/v1/channels/{B98}/messages/{third_id}/dismiss"), Some(&member), &json!({})).await;
    assert_eq!((status, dismissed["status"].as_str()), (200, Some("rejected")), "{dismissed}");
}

/// The chat page: a resident posts without an account; phones are masked.
#[tokio::test]
async fn residents_post_from_the_chat_page() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let resp = client
        .post(app.url(&format!("/buildings/{B98}/chat")))
        .form(&[("name", "李阿姨"), ("text", "3单元302门口的感应灯坏了，有事打我13912345678")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 303);
    app.run_workers().await;
    let (status, html) = app.get_text(&format!("/buildings/{B98}/chat?sent=1")).await;
    assert_eq!(status, 200);
    assert!(html.contains("李阿姨") && html.contains("感应灯坏了") && html.contains("已发送"), "{html}");
    assert!(html.contains("139****5678") && !html.contains("13912345678"), "the phone is masked");
    assert!(html.contains("【已派遣】"), "progress appears in the channel");
    let (status, _) = app.get_text("/buildings/nope/chat").await;
    assert_eq!(status, 404);
}
