//! Outbound channels against local servers that speak the platforms'
//! protocols: WeCom, DingTalk and Feishu group robots (with signing, size
//! limits, retries and the 20-a-minute limit) and SMTP e-mail.

use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::cases::report_light_at_98;
use crate::helpers::TestApp;
use linli::time::Clock;

/// What a robot receiver saw: path, query string, body.
pub type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

/// Replies the receiver gives, in order (then `{"errcode":0}`).
pub type Script = Arc<Mutex<Vec<Value>>>;

pub async fn robot_receiver() -> (String, Seen, Script) {
    let seen: Seen = Arc::default();
    let script: Script = Arc::default();
    async fn hook(
        State((seen, script)): State<(Seen, Script)>,
        uri: axum::http::Uri,
        RawQuery(q): RawQuery,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        seen.lock().expect("lock").push((uri.path().to_string(), q.unwrap_or_default(), body));
        let mut script = script.lock().expect("lock");
        Json(if script.is_empty() { json!({"errcode": 0, "errmsg": "ok", "code": 0}) } else { script.remove(0) })
    }
    let app = Router::new()
        .route("/cgi-bin/webhook/send", post(hook))
        .route("/robot/send", post(hook))
        .route("/open-apis/bot/v2/hook/feishu", post(hook))
        .with_state((seen.clone(), script.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen, script)
}

async fn add_robot(app: &TestApp, token: &str, kind: &str, url: &str, secret: Option<&str>) -> i64 {
    let mut body = json!({"kind": kind, "name": format!("{kind} 群"), "url": url, "node": "320602011003"});
    if let Some(s) = secret {
        body["secret"] = json!(s);
    }
    let (status, robot) = app.post("/api/v1/robots", Some(token), &body).await;
    assert_eq!(status, 201, "{robot}");
    assert!(robot.get("url").is_none() && robot.get("secret").is_none(), "secrets are write-only");
    robot["id"].as_i64().expect("id")
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn robots_receive_signed_messages() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let (base, seen, script) = robot_receiver().await;
    let staff = app.login("shequ").await;
    add_robot(&app, &staff, "wecom", &format!("{base}/cgi-bin/webhook/send?key=abc"), None).await;
    add_robot(&app, &staff, "dingtalk", &format!("{base}/robot/send?access_token=t"), Some("SECding")).await;
    add_robot(&app, &staff, "feishu", &format!("{base}/open-apis/bot/v2/hook/feishu"), Some("feishu-secret")).await;
    // The first delivery attempt of the WeCom robot is refused as rate-limited by the platform.
    script.lock().expect("lock").push(json!({"errcode": 45009, "errmsg": "api freq out of limit"}));

    let member = app.login("weiwangge").await;
    let case = report_light_at_98(&app, &member).await;
    app.run_workers().await;
    let first: Vec<_> = seen.lock().expect("lock").clone();
    assert_eq!(first.len(), 3, "{first:?}");

    // WeCom: text message naming the dispatch.
    let wecom = first.iter().find(|(p, ..)| p == "/cgi-bin/webhook/send").expect("wecom");
    assert_eq!(wecom.1, "key=abc");
    assert_eq!(wecom.2["msgtype"], "text");
    let content = wecom.2["text"]["content"].as_str().expect("content");
    assert!(content.contains("【已派遣】") && content.contains(&format!("#{}", case["id"])), "{content}");

    // DingTalk: timestamp and a sign that verifies.
    let ding = first.iter().find(|(p, ..)| p == "/robot/send").expect("dingtalk");
    let q: std::collections::HashMap<String, String> = form_urlencoded::parse(ding.1.as_bytes()).into_owned().collect();
    let ts = &q["timestamp"];
    assert_eq!(q["sign"], hmac_b64(b"SECding", format!("{ts}\nSECding").as_bytes()));
    assert_eq!(ding.2["msgtype"], "text");

    // Feishu: timestamp (seconds) and sign in the body.
    let feishu = first.iter().find(|(p, ..)| p.ends_with("/feishu")).expect("feishu");
    let fts = feishu.2["timestamp"].as_str().expect("timestamp");
    assert_eq!(feishu.2["sign"], hmac_b64(format!("{fts}\nfeishu-secret").as_bytes(), b"").as_str());
    assert_eq!(feishu.2["msg_type"], "text");

    // The refused WeCom message is retried after its backoff, once.
    app.run_workers().await;
    assert_eq!(seen.lock().expect("lock").len(), 3, "not before the backoff");
    app.clock.advance(10_000);
    app.run_workers().await;
    app.clock.advance(10_000);
    app.run_workers().await;
    let wecom_count = seen.lock().expect("lock").iter().filter(|(p, ..)| p == "/cgi-bin/webhook/send").count();
    assert_eq!(wecom_count, 2, "one refusal, one delivery");
    let (status, attempts): (String, i64) =
        linli::db::query("SELECT status, attempts FROM outbox WHERE channel = 'robot' AND recipient_address = '1'")
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert_eq!((status.as_str(), attempts), ("sent", 2));
}

#[tokio::test]
async fn a_robot_gets_at_most_twenty_messages_a_minute_each_within_its_size() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let (base, seen, _) = robot_receiver().await;
    let staff = app.login("shequ").await;
    add_robot(&app, &staff, "wecom", &format!("{base}/cgi-bin/webhook/send?key=abc"), None).await;
    let long = "楼道灯不亮，".repeat(300);
    for n in 1..=25 {
        let building = format!("32060201100301{n:03}");
        let (status, _) = app
            .post(
                "/api/v1/cases",
                Some(&staff),
                &json!({"category": "lighting", "description": long, "building": building}),
            )
            .await;
        assert_eq!(status, 201);
    }
    app.run_workers().await;
    let rows: Vec<(String, i64, Option<String>)> =
        linli::db::query("SELECT status, attempts, last_error FROM outbox WHERE channel = 'robot'")
            .fetch_all(&app.db)
            .await
            .expect("rows");
    assert_eq!(seen.lock().expect("lock").len(), 20, "the limit is 20 a minute: {rows:?}");
    assert!(
        seen.lock()
            .expect("lock")
            .iter()
            .all(|(.., body)| body["text"]["content"].as_str().is_some_and(|c| c.len() <= 2048))
    );
    app.clock.advance(61_000);
    app.run_workers().await;
    assert_eq!(seen.lock().expect("lock").len(), 25, "the rest go out in the next minute");
    let failed: i64 = linli::db::query("SELECT COUNT(*) FROM outbox WHERE channel = 'robot' AND attempts > 1")
        .scalar(&app.db)
        .await
        .expect("count");
    assert_eq!(failed, 0, "waiting for the rate limit is not a failed attempt");
}

/// A minimal SMTP server: records each message's envelope and data.
pub async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 localhost ESMTP test\r\n").await;
                let mut transcript = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-localhost\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                        transcript.push_str(&line);
                        transcript.push('\n');
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            transcript.push_str(&l);
                            transcript.push('\n');
                        }
                        store.lock().expect("lock").push(std::mem::take(&mut transcript));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, mails)
}

#[tokio::test]
async fn assignees_with_an_address_get_an_email() {
    let (port, mails) = smtp_server().await;
    let app = TestApp::spawn_configured(Clock::system(), |c| {
        c.notify.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.notify.smtp_from = "邻里 <linli@test.example>".into();
    })
    .await;
    let member = app.login("weiwangge").await;
    report_light_at_98(&app, &member).await;
    app.run_workers().await;
    let mails = mails.lock().expect("lock").clone();
    // Both property staff have addresses in the demo.
    assert_eq!(mails.len(), 2, "{mails:?}");
    let wuye = mails.iter().find(|m| m.contains("RCPT TO:<wuye@yuejiang-wuye.example>")).expect("mail to wuye");
    assert!(wuye.contains("MAIL FROM:<linli@test.example>"), "{wuye}");
    assert!(wuye.contains("Subject:"), "{wuye}");
    let (sent, email_rows): (i64, i64) = (
        linli::db::query("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND status = 'sent'")
            .scalar(&app.db)
            .await
            .expect("count"),
        linli::db::query("SELECT COUNT(*) FROM outbox WHERE channel = 'email'").scalar(&app.db).await.expect("count"),
    );
    assert_eq!((sent, email_rows), (2, 2));
}

#[tokio::test]
async fn an_unreachable_mail_server_is_retried_not_lost() {
    // Nothing listens on port 9 here.
    let app =
        TestApp::spawn_configured(Clock::system(), |c| c.notify.smtp_url = Some("smtp://127.0.0.1:9".into())).await;
    let member = app.login("weiwangge").await;
    report_light_at_98(&app, &member).await;
    app.run_workers().await;
    let rows: Vec<(String, i64, Option<String>)> =
        linli::db::query("SELECT status, attempts, last_error FROM outbox WHERE channel = 'email'")
            .fetch_all(&app.db)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|(s, a, e)| s == "pending" && *a == 1 && e.as_deref().is_some_and(|e| e.contains("SMTP"))),
        "{rows:?}"
    );
}
