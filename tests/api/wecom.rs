//! The WeCom callback with Tencent's vectors and with messages of our own,
//! encrypted and signed as WeCom does.

use serde_json::Value;

use crate::helpers::TestApp;
use linli::time::Clock;
use linli::wecom::crypto::WxCrypt;

const TOKEN: &str = "QDG6eK";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/wecom_vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json");
    doc["vectors"].as_array().expect("vectors").clone()
}

fn vector(name: &str) -> Value {
    vectors().into_iter().find(|v| v["name"] == name).expect("vector")
}

/// A server configured with the keys of vector set A, its clock at `at` (unix seconds).
async fn app_at(at: i64) -> TestApp {
    let offset = at * 1000 - linli::time::now_ms();
    TestApp::spawn_configured(Clock::with_offset(offset), |c| {
        c.wecom.token = Some(TOKEN.into());
        c.wecom.aes_key = Some(AES_KEY.into());
        c.wecom.corp_id = Some(CORP.into());
        c.wecom.community = Some("越江社区".into());
    })
    .await
}

async fn count_messages(app: &TestApp) -> i64 {
    linli::db::query("SELECT COUNT(*) FROM channel_messages").scalar(&app.db).await.expect("count")
}

fn query(sig: &str, ts: &str, nonce: &str) -> String {
    format!("/connect/wecom/callback?msg_signature={sig}&timestamp={ts}&nonce={nonce}")
}

async fn post_xml(app: &TestApp, path: &str, body: &str) -> (u16, String) {
    let resp = app.client.post(app.url(path)).body(body.to_string()).send().await.expect("post");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("{k}")).to_string()
}

#[tokio::test]
async fn url_verification_with_the_tencent_vector() {
    let v = vector("wecom_verify_url_A");
    let app = app_at(s(&v, "timestamp").parse().expect("ts")).await;
    let echostr: String = form_urlencoded::byte_serialize(s(&v, "encrypt").as_bytes()).collect();
    let path = format!("{}&echostr={echostr}", query(&s(&v, "msg_signature"), &s(&v, "timestamp"), &s(&v, "nonce")));
    assert_eq!(app.get_text(&path).await, (200, s(&v, "expected_plaintext")));
    let bad = format!("{}&echostr={echostr}", query("0000", &s(&v, "timestamp"), &s(&v, "nonce")));
    assert_eq!(app.get_text(&bad).await.0, 403);
}

#[tokio::test]
async fn the_tencent_message_vector_is_received_once() {
    let v = vector("wecom_decrypt_xml_A");
    let app = app_at(s(&v, "timestamp").parse().expect("ts")).await;
    let path = query(&s(&v, "msg_signature"), &s(&v, "timestamp"), &s(&v, "nonce"));
    let (status, body) = post_xml(&app, &path, &s(&v, "request_body")).await;
    assert_eq!(status, 200, "{body}");
    // "hello" from an unbound sender: kept in the community's inbox, not a case.
    let row: (String, Option<i64>, Option<i64>) =
        linli::db::query("SELECT text, building_id, case_id FROM channel_messages")
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert_eq!(row, ("hello".to_string(), None, None));
    // The same request again is a replay.
    assert_eq!(post_xml(&app, &path, &s(&v, "request_body")).await.0, 403);
    assert_eq!(count_messages(&app).await, 1);
}

#[tokio::test]
async fn bad_callbacks_are_refused_and_store_nothing() {
    let v = vector("wecom_decrypt_xml_A");
    let ts = s(&v, "timestamp");
    let app = app_at(ts.parse().expect("ts")).await;
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP).expect("keys");
    let body_for = |encrypt: &str| {
        format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID>218</AgentID></xml>"
        )
    };
    let signed = |encrypt: &str, nonce: &str| query(&crypt.signature(&ts, nonce, encrypt), &ts, nonce);

    // Wrong signature.
    assert_eq!(post_xml(&app, &query("deadbeef", &ts, "1"), &s(&v, "request_body")).await.0, 403);
    // Malformed XML.
    assert_eq!(post_xml(&app, &query("x", &ts, "2"), "<xml><Encrypt>").await.0, 400);
    // Properly signed, but not base64.
    assert_eq!(post_xml(&app, &signed("@@@@", "3"), &body_for("@@@@")).await.0, 400);
    // Properly signed and encrypted, but for another corp.
    let other = WxCrypt::new(TOKEN, AES_KEY, "wwSOMEONEELSE")
        .expect("keys")
        .encrypt("<xml><MsgType>text</MsgType><Content>灯坏了</Content></xml>", [1; 16]);
    assert_eq!(post_xml(&app, &signed(&other, "4"), &body_for(&other)).await.0, 403);
    // Inner XML that is not XML.
    let junk = crypt.encrypt("not xml", [2; 16]);
    assert_eq!(post_xml(&app, &signed(&junk, "5"), &body_for(&junk)).await.0, 400);
    // A timestamp ten minutes old.
    let old = (ts.parse::<i64>().expect("ts") - 600).to_string();
    let fine = crypt.encrypt("<xml><MsgType>text</MsgType><Content>灯坏了</Content></xml>", [3; 16]);
    let stale = query(&crypt.signature(&old, "6", &fine), &old, "6");
    assert_eq!(post_xml(&app, &stale, &body_for(&fine)).await.0, 403);
    // Missing parameters.
    assert_eq!(post_xml(&app, "/connect/wecom/callback", &body_for(&fine)).await.0, 400);
    assert_eq!(count_messages(&app).await, 0);
}

#[tokio::test]
async fn without_settings_the_callback_is_404() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    assert_eq!(app.get_text("/connect/wecom/callback?msg_signature=a&timestamp=1&nonce=2&echostr=x").await.0, 404);
    assert_eq!(post_xml(&app, "/connect/wecom/callback?msg_signature=a&timestamp=1&nonce=2", "<xml/>").await.0, 404);
}

/// The seed's messages, encrypted as WeCom sends them: from a sender bound
/// to 98栋, and from unbound senders placed by the building they name.
#[tokio::test]
async fn the_seed_messages_through_an_encrypted_callback() {
    let now_s = linli::time::now_ms() / 1000;
    let app = app_at(now_s).await;
    let crypt = WxCrypt::new(TOKEN, AES_KEY, CORP).expect("keys");
    let send = |from: &'static str, text: &'static str, msg_id: &'static str, nonce: &'static str| {
        let inner = format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{now_s}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
        );
        let encrypt = crypt.encrypt(&inner, *b"abcdefghijklmnop");
        let ts = now_s.to_string();
        let path = query(&crypt.signature(&ts, nonce, &encrypt), &ts, nonce);
        let body =
            format!("<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        (path, body)
    };
    for (from, text, id, nonce) in [
        ("yuejiang-98", "三单元的楼道灯不亮", "9001", "n1"),
        ("zhangsan", "31号楼楼顶电视信号接收锅摇摇欲坠", "9002", "n2"),
        ("lisi", "12栋楼道内私自封门、乱堆杂物和飞线充电", "9003", "n3"),
    ] {
        let (path, body) = send(from, text, id, nonce);
        assert_eq!(post_xml(&app, &path, &body).await.0, 200, "{text}");
    }
    let staff = app.login("shequ").await;
    let (_, cases) = app.get_as("/api/v1/cases?limit=10", &staff).await;
    let cases = cases.as_array().expect("list");
    assert_eq!(cases.len(), 3, "{cases:?}");
    let find =
        |cat: &str| cases.iter().find(|c| c["category"] == cat).unwrap_or_else(|| panic!("{cat}: {cases:?}")).clone();
    let light = find("lighting");
    assert_eq!(
        (light["building"]["code"].as_str(), light["unit"].as_i64(), light["source"].as_str()),
        (Some(crate::cases::B98), Some(3), Some("wecom"))
    );
    let dish = find("building_safety");
    assert_eq!((dish["building"]["code"].as_str(), dish["urgent"].as_bool()), (Some("32060201100301031"), Some(true)));
    let hazards = find("fire_safety");
    assert_eq!(hazards["building"]["code"], "32060201100301012");
    // WeCom resends a message it got no answer for: stored once.
    let (path, body) = send("yuejiang-98", "三单元的楼道灯不亮", "9001", "n4");
    assert_eq!(post_xml(&app, &path, &body).await.0, 200);
    let (_, again) = app.get_as("/api/v1/cases?limit=10", &staff).await;
    assert_eq!(again.as_array().map(Vec::len), Some(3));
}
