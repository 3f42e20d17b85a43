//! Trust: security headers, JSON errors everywhere in the API, rate limits,
//! idempotent creates, personal data access and its log, revocable API
//! keys, data-subject export and erasure, retention, backup and restore.

use std::process::Command;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::cases::{B98, report_light_at_98};
use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn security_headers_and_json_errors() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    for path in ["/", "/api/v1/buildings?q=98", "/buildings/32060201100301098"] {
        let resp = app.client.get(app.url(path)).send().await.expect("get");
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h["content-security-policy"].to_str().expect("csp").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    // The framework's own refusals come back as the API's JSON errors.
    let (status, body) = app.get_json("/api/v1/cases/not-a-number").await;
    assert_eq!((status, body["error"]["status"].as_u64()), (400, Some(400)), "{body}");
    let resp = app.client.delete(app.url("/api/v1/buildings")).send().await.expect("delete");
    assert_eq!(resp.status().as_u16(), 405);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let big = json!({"category": "lighting", "description": "x".repeat(2 * 1024 * 1024), "building": B98});
    let (status, body) = app.post("/api/v1/cases", None, &big).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("too_large")), "{body}");
}

#[tokio::test]
async fn anonymous_writes_and_sign_ins_are_rate_limited() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let report = json!({"category": "noise", "description": "楼下太吵", "building": B98});
    let mut statuses = Vec::new();
    for _ in 0..22 {
        let resp = app.client.post(app.url("/api/v1/cases")).json(&report).send().await.expect("post");
        statuses.push((
            resp.status().as_u16(),
            resp.headers().get("retry-after").map(|v| v.to_str().unwrap_or("").to_string()),
        ));
    }
    assert!(statuses[..20].iter().all(|(s, _)| *s == 201), "{statuses:?}");
    let (status, retry) = &statuses[21];
    assert_eq!(*status, 429);
    assert!(retry.as_deref().is_some_and(|r| r.parse::<u64>().is_ok_and(|n| n >= 1)), "{retry:?}");
    // Signed-in staff are not held back by the anonymous limit.
    let staff = app.login("shequ").await;
    assert_eq!(app.post("/api/v1/cases", Some(&staff), &report).await.0, 201);
    // Ten wrong passwords for one user, then even the right one waits.
    for _ in 0..10 {
        assert_eq!(
            app.post("/api/v1/auth/token", None, &json!({"username": "wuye", "password": "guess"})).await.0,
            401
        );
    }
    let (status, body) = app
        .post("/api/v1/auth/token", None, &json!({"username": "wuye", "password": linli::demo::DEMO_PASSWORD}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")));
}

#[tokio::test]
async fn creates_are_idempotent() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login("weiwangge").await;
    let body = json!({"category": "lighting", "description": "98栋三单元楼道灯不亮", "building": B98, "unit": 3});
    let send = |key: &'static str, body: Value| {
        let req =
            app.client.post(app.url("/api/v1/cases")).bearer_auth(&token).header("idempotency-key", key).json(&body);
        async move {
            let resp = req.send().await.expect("post");
            (resp.status().as_u16(), resp.json::<Value>().await.expect("json"))
        }
    };
    let (s1, a) = send("k-1", body.clone()).await;
    let (s2, b) = send("k-1", body.clone()).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(a["id"], b["id"], "the retry returns the same case");
    let (status, err) = send("k-1", json!({"category": "noise", "description": "别的事", "building": B98})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("Idempotency-Key")));
    let count: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    assert_eq!(count, 1);
    // Open311: the same report resent gives the same request id.
    let form = [
        ("api_key", "linli-demo-key"),
        ("service_code", "noise"),
        ("address_id", B98),
        ("description", "广场舞到十点"),
    ];
    let (_, first) = app.post_form("/open311/v2/requests.json", &form).await;
    let (_, again) = app.post_form("/open311/v2/requests.json", &form).await;
    assert_eq!(first, again);
}

#[tokio::test]
async fn reporter_contacts_are_logged_and_only_for_those_handling_the_case() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let (_, case) = app
        .post("/api/v1/cases", None, &json!({"category": "lighting", "description": "灯坏了", "building": B98, "reporter": {"name": "李阿姨", "phone": "13912345678"}}))
        .await;
    let id = case["id"].as_i64().expect("id");
    let staff = app.login("shequ").await;
    let (_, shown) = app.get_as(&format!("/api/v1/cases/{id}"), &staff).await;
    assert!(!crate::helpers::contains_full_mobile(&shown.to_string()), "the case view never shows it");
    let property = app.login("wuye").await;
    let (status, contacts) = app.get_as(&format!("/api/v1/cases/{id}/reporters"), &property).await;
    assert_eq!(status, 200);
    assert_eq!(contacts[0]["phone"], "13912345678");
    let outsider = app.login("huanbao").await;
    assert_eq!(app.get_as(&format!("/api/v1/cases/{id}/reporters"), &outsider).await.0, 404);
    assert_eq!(app.get_as("/api/v1/access-log", &staff).await.0, 403, "administrators only");
    let admin = app.login("admin").await;
    let (_, log) = app.get_as("/api/v1/access-log", &admin).await;
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    assert_eq!((log[0]["case_id"].as_i64(), log[0]["what"].as_str()), (Some(id), Some("reporter_contact")));
    // The log itself never repeats the number.
    assert!(!crate::helpers::contains_full_mobile(&log.to_string()));
}

#[tokio::test]
async fn api_keys_are_issued_and_revoked() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let admin = app.login("admin").await;
    let (status, client) = app.post("/api/v1/api-clients", Some(&admin), &json!({"name": "FixMyStreet 南通"})).await;
    assert_eq!(status, 201);
    let key = client["api_key"].as_str().expect("key").to_string();
    let form = |k: &str| {
        vec![
            ("api_key".to_string(), k.to_string()),
            ("service_code".into(), "noise".into()),
            ("address_id".into(), B98.into()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let req = app.client.post(app.url("/open311/v2/requests.json")).form(&f);
        async move { req.send().await.expect("post").status().as_u16() }
    };
    assert_eq!(post(form(&key)).await, 200);
    let (_, list) = app.get_as("/api/v1/api-clients", &admin).await;
    assert!(list.to_string().contains("FixMyStreet 南通") && !list.to_string().contains(&key), "keys are shown once");
    let staff = app.login("shequ").await;
    assert_eq!(app.post("/api/v1/api-clients", Some(&staff), &json!({"name": "x"})).await.0, 403);
    let resp = app
        .client
        .delete(app.url(&format!("/api/v1/api-clients/{}", client["id"])))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(post(form(&key)).await, 403, "a revoked key is refused");
}

fn linli_cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(args)
        .env("LINLI_DATABASE_URL", url)
        .env("LINLI_LOG", "warn")
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn a_person_is_exported_then_erased_and_their_cases_stay() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let member = app.login("weiwangge").await;
    let case_id = report_light_at_98(&app, &member).await["id"].as_i64().expect("id");
    let (_, me) = app.get_as("/api/v1/me", &member).await;
    let person = me["person_id"].as_i64().expect("person").to_string();
    let database = app.stop().await;

    let (ok, out, err) = linli_cli(&database.url, &["person", "export", &person]);
    assert!(ok, "{err}");
    let exported: Value = serde_json::from_str(&out).expect("json");
    assert!(
        exported["person"]["phone"].as_str().is_some_and(|p| p.len() == 11),
        "the subject gets their own data in full"
    );
    assert_eq!(exported["account"]["username"], "weiwangge");
    assert_eq!(exported["reports"][0]["case_id"].as_i64(), Some(case_id));

    let (ok, _, err) = linli_cli(&database.url, &["person", "erase", &person]);
    assert!(ok, "{err}");
    let (_, out, _) = linli_cli(&database.url, &["person", "export", &person]);
    let after: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(after["person"]["name"], "已注销用户");
    assert_eq!(after["person"]["phone"], Value::Null);
    assert!(after["roles"].as_array().expect("roles").iter().all(|r| r["active"] == false));

    let app = TestApp::start(database, false).await;
    let staff = app.login("shequ").await;
    let (status, case) = app.get_as(&format!("/api/v1/cases/{case_id}"), &staff).await;
    assert_eq!(status, 200, "the case stays");
    assert!(
        case["events"].as_array().expect("events").iter().all(|e| e["actor"] != ""
            && !e["actor"].as_str().unwrap_or("").contains(exported["person"]["name"].as_str().expect("name"))),
        "{case}"
    );
    assert_eq!(
        app.post("/api/v1/auth/token", None, &json!({"username": "weiwangge", "password": linli::demo::DEMO_PASSWORD}))
            .await
            .0,
        401
    );
    let (_, d) = app.get_json(&format!("/api/v1/directory?building={B98}")).await;
    assert_eq!(d["micro_grid_members"], json!([]), "an erased member is no longer listed");
    let (_, ind) = app.get_as(&app.indicators_path("320602011003"), &staff).await;
    assert_eq!(ind["due"], 1, "statistics keep the case");
}

#[tokio::test]
async fn retention_erases_reporters_of_long_closed_cases() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let (_, case) = app
        .post("/api/v1/cases", None, &json!({"category": "lighting", "description": "灯坏了", "building": B98, "reporter": {"phone": "13912345678"}}))
        .await;
    let id = case["id"].as_i64().expect("id");
    let now = app.clock.now_ms();
    linli::db::query("UPDATE cases SET status = 'closed', closed_at = $1 WHERE id = $2")
        .bind(now - 800 * 86_400_000i64)
        .bind(id)
        .execute(&app.db)
        .await
        .expect("age");
    let erased = linli::people::privacy::apply_retention(&app.db, 730, now).await.expect("retention");
    assert_eq!(erased, 1);
    let phone: Option<String> = linli::db::query("SELECT phone FROM case_reporters WHERE case_id = $1")
        .bind(id)
        .scalar(&app.db)
        .await
        .expect("phone");
    assert_eq!(phone, None);
    assert_eq!(linli::people::privacy::apply_retention(&app.db, 730, now).await.expect("again"), 0);
}

/// A backup taken while reports keep arriving restores to a sound database.
#[tokio::test]
async fn backup_under_load_and_restore() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login("shequ").await;
    // Reports keep arriving before, during and after the backup; `written`
    // counts the acknowledged ones.
    let written = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (client, url, token) = (app.client.clone(), app.url("/api/v1/cases"), token.clone());
        let (written, stop) = (written.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = json!({"category": "noise", "description": format!("第{i}次反映"), "building": format!("32060201100301{:03}", i % 90 + 1)});
                let resp = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("post");
                assert_eq!(resp.status(), 201);
                written.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
        })
    };
    let until = |n: i64| {
        let written = written.clone();
        async move {
            while written.load(Ordering::SeqCst) < n {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    until(10).await;
    let before = written.load(Ordering::SeqCst);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("backup.db");
    let bytes = linli::db::backup::backup(&app.db, &file).await.expect("backup while writing");
    assert!(bytes > 100_000);
    let after = written.load(Ordering::SeqCst);
    until(after + 5).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer");
    let total: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    assert_eq!(total, written.load(Ordering::SeqCst));
    assert!(linli::db::backup::backup(&app.db, &file).await.is_err(), "an existing file is not overwritten");
    let live_url = app.database.url.clone();
    // A restore into a database that is in use is refused.
    let err = linli::db::backup::restore(&live_url, &file).await.expect_err("in use");
    assert!(err.to_string().contains("in use"), "{err}");
    let database = app.stop().await;
    let (ok, out, err) = linli_cli(&database.url, &["restore", file.to_str().expect("path")]);
    assert!(ok, "{err}");
    assert!(out.contains("restored"));
    let app = TestApp::start(database, false).await;
    let restored: i64 = linli::db::query("SELECT COUNT(*) FROM cases").scalar(&app.db).await.expect("count");
    assert!(
        (before..=after + 1).contains(&restored) && restored < total,
        "the backup is the state at its moment: {restored} restored, {before}..{after} acknowledged around it, {total} in all"
    );
    let integrity: String = linli::db::query("PRAGMA integrity_check").scalar(&app.db).await.expect("check");
    assert_eq!(integrity, "ok");
    let events: i64 = linli::db::query(
        "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)",
    )
    .scalar(&app.db)
    .await
    .expect("orphans");
    assert_eq!(events, 0, "every restored case has its history: the copy is transactionally consistent");
    let (ok, _, err) = linli_cli(&app.database.url, &["restore", "/etc/hostname"]);
    assert!(!ok && err.contains("not a linli backup"), "{err}");
}
