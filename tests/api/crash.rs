//! Reports keep arriving while the server is killed with SIGKILL and
//! restarted, several times. Clients retry what got no answer, with the
//! same Idempotency-Key. Afterwards every acknowledged report exists exactly
//! once, every dispatched case has its deadline timer, and no notification
//! was delivered twice.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::RwLock;

use linli::db::{Db, query};

fn start(db_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(["--listen", "127.0.0.1:0", "--database-url", db_url, "--worker-interval-ms", "50"])
        .env("LINLI_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start linli");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first.split(" on ").nth(1).expect("url").trim().trim_end_matches('/').to_string();
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_survive_sigkill_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let (child, url) = start(&db_url);
    let server = Arc::new(RwLock::new((child, url.clone())));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let token = loop {
        let resp = http
            .post(format!("{url}/api/v1/auth/token"))
            .json(&json!({"username": "shequ", "password": linli::demo::DEMO_PASSWORD}))
            .send()
            .await;
        if let Ok(r) = resp
            && r.status().as_u16() == 201
        {
            break r.json::<serde_json::Value>().await.expect("json")["token"].as_str().expect("token").to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    const CLIENTS: usize = 6;
    const EACH: usize = 30;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (http, server, token) = (http.clone(), server.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..EACH {
                let key = format!("c{c}-r{i}");
                let building = format!("32060201100301{:03}", (c * EACH + i) % 100 + 1);
                let body = json!({"category": "lighting", "description": format!("客户端{c}第{i}条：楼道灯不亮"), "building": building});
                // Retry with the same key until some server acknowledges it.
                let deadline = Instant::now() + Duration::from_secs(40);
                loop {
                    assert!(Instant::now() < deadline, "{key} never acknowledged");
                    let base = server.read().await.1.clone();
                    let resp = http.post(format!("{base}/api/v1/cases")).bearer_auth(&token).header("idempotency-key", &key).json(&body).send().await;
                    match resp {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let id = r.json::<serde_json::Value>().await.ok().and_then(|v| v["id"].as_i64());
                            if let Some(id) = id {
                                acked.push((key, id));
                                break;
                            }
                        }
                        Ok(r) => assert!(r.status().is_server_error() || r.status().as_u16() == 409, "{key}: {}", r.status()),
                        Err(_) => {}
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            acked
        }));
    }

    // Kill it four times while the clients work.
    let kills = 4;
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut guard = server.write().await;
        guard.0.kill().expect("SIGKILL");
        guard.0.wait().expect("reap");
        let (child, url) = start(&db_url);
        *guard = (child, url);
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.expect("client"));
    }
    // Let the restarted server's worker deliver what is due, then stop it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let mut guard = server.write().await;
        guard.0.kill().expect("SIGKILL");
        guard.0.wait().expect("reap");
    }

    assert_eq!(acked.len(), CLIENTS * EACH);
    let db = Db::connect(&db_url, &Default::default()).await.expect("open");
    // The demo's stories (the running sweep, the patrols) filed their own cases before the clients began.
    let cases: i64 =
        query("SELECT COUNT(*) FROM cases WHERE source NOT IN ('sweep', 'patrol')").scalar(&db).await.expect("count");
    assert_eq!(cases as usize, CLIENTS * EACH, "every acknowledged report exists exactly once");
    for (key, id) in &acked {
        let stored: Option<i64> =
            query("SELECT case_id FROM idempotency_keys WHERE key = $1").bind(key).scalar(&db).await.expect("key");
        assert_eq!(stored, Some(*id), "{key}");
    }
    let without_timer: i64 = query(
        "SELECT COUNT(*) FROM cases c WHERE c.status = 'dispatched'
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.subject = 'case:' || c.id AND j.kind = 'case.overdue')",
    )
    .scalar(&db)
    .await
    .expect("timers");
    assert_eq!(without_timer, 0, "no deadline timer was lost");
    let doubled: i64 = query(
        "SELECT COUNT(*) FROM (SELECT person_id, subject, title FROM notifications GROUP BY person_id, subject, title HAVING COUNT(*) > 1) d",
    )
    .scalar(&db)
    .await
    .expect("duplicates");
    assert_eq!(doubled, 0, "no notification was delivered twice");
    let integrity: String = query("PRAGMA integrity_check").scalar(&db).await.expect("integrity");
    assert_eq!(integrity, "ok");
}
