//! The shipped binary as a person starts it: `linli` as a child process,
//! nothing called from inside. What it does in the background (notices,
//! robots, e-mail, reminders, escalations) must reach people on its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A `linli` child process on its own SQLite file, and a client for it.
pub struct Shipped {
    pub base: String,
    pub http: reqwest::Client,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Shipped {
    /// Starts `linli serve` with extra command-line arguments; returns once
    /// it answers `/healthz`.
    pub async fn start(args: &[&str]) -> Shipped {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = format!("sqlite://{}", dir.path().join("linli.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
            .args(["--listen", "127.0.0.1:0", "--database-url", &db])
            .args(args)
            .env("LINLI_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start linli");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = stdout.next().expect("linli prints its URL").expect("utf-8");
        let base = first.split(" on ").nth(1).expect("url").trim().trim_end_matches('/').to_string();
        std::thread::spawn(move || for _ in stdout {});
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                sink.lock().expect("log").push(line);
            }
        });
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let shipped = Shipped { base, http, child, log, _dir: dir };
        shipped
            .wait_for("/healthz answers", Duration::from_secs(60), || async {
                shipped.http.get(shipped.url("/healthz")).send().await.is_ok_and(|r| r.status().is_success())
            })
            .await;
        shipped
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Polls `done` until it holds, or fails naming `what` (with the log).
    pub async fn wait_for<F, Fut>(&self, what: &str, within: Duration, mut done: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + within;
        while !done().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}\n{}", self.log().join("\n"));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn login(&self, username: &str) -> String {
        let body = json!({"username": username, "password": linli::demo::DEMO_PASSWORD});
        let resp = self.http.post(self.url("/api/v1/auth/token")).json(&body).send().await.expect("login");
        assert_eq!(resp.status().as_u16(), 201, "login {username}");
        resp.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// What the server has written to stderr so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// SIGTERM, then waits for a clean exit; returns the whole log.
    pub async fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "linli did not stop within 30 s of SIGTERM");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(status.success(), "linli exited with {status}\n{}", self.log().join("\n"));
        // The stderr reader thread sees EOF once the process is gone.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.log()
    }
}

impl Drop for Shipped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of a log at WARN or ERROR level.
pub fn warnings(log: &[String]) -> Vec<&String> {
    log.iter().filter(|l| l.contains(" WARN ") || l.contains(" ERROR ")).collect()
}

fn titles(notes: &Value) -> Vec<String> {
    notes.as_array().into_iter().flatten().filter_map(|n| n["title"].as_str().map(str::to_string)).collect()
}

async fn notified(server: &Shipped, token: &str, needle: &str) -> bool {
    let (_, notes) = server.get("/api/v1/notifications", Some(token)).await;
    titles(&notes).iter().any(|t| t.contains(needle))
}

/// The seed's first story against the real binary: a report reaches the
/// property company in the app, in the community's robot group and by
/// e-mail; a one-minute deadline (set by a routing rule) reminds, then
/// escalates to the grid head — all by the server's own background worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_delivers_notices_reminders_and_escalations_on_its_own() {
    let (robot_base, robot_seen, _) = crate::outbound::robot_receiver().await;
    let (smtp_port, mails) = crate::outbound::smtp_server().await;
    let smtp = format!("smtp://127.0.0.1:{smtp_port}");
    let server = Shipped::start(&["--worker-interval-ms", "200", "--smtp-url", &smtp]).await;

    let staff = server.login("shequ").await;
    let robot = json!({"kind": "wecom", "name": "越江社区工作群", "url": format!("{robot_base}/cgi-bin/webhook/send?key=k"), "node": "320602011003"});
    assert_eq!(server.post("/api/v1/robots", Some(&staff), &robot).await.0, 201);
    let rule = json!({"category": "lighting", "node": "320602011003", "handler": "property", "deadline_minutes": 1});
    assert_eq!(server.post("/api/v1/routing-rules", Some(&staff), &rule).await.0, 201);

    let member = server.login("weiwangge").await;
    let report = json!({"category": "lighting", "description": "98栋三单元楼道灯不亮", "building": "32060201100301098", "unit": 3});
    let (status, case) = server.post("/api/v1/cases", Some(&member), &report).await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().expect("id");
    assert_eq!(case["status"], "dispatched", "{case}");

    // The dispatch notice: in the property company's list, in the robot group, by e-mail.
    let property = server.login("wuye").await;
    server
        .wait_for("the property company is told in the app", Duration::from_secs(20), || {
            notified(&server, &property, "新工单")
        })
        .await;
    server
        .wait_for("the robot group hears of the dispatch", Duration::from_secs(20), || async {
            robot_seen.lock().expect("seen").iter().any(|(_, _, body)| {
                body["text"]["content"]
                    .as_str()
                    .is_some_and(|t| t.contains("【已派遣】") && t.contains(&format!("#{id}")))
            })
        })
        .await;
    server
        .wait_for("the property company's staff get an e-mail", Duration::from_secs(20), || async {
            mails.lock().expect("mails").iter().any(|m| m.contains("RCPT TO:<wuye@yuejiang-wuye.example>"))
        })
        .await;

    // Three quarters of the minute: a reminder; at the minute: escalation to the grid head.
    server
        .wait_for("the property company is reminded", Duration::from_secs(80), || {
            notified(&server, &property, "即将超期")
        })
        .await;
    let head = server.login("wanggezhang").await;
    server
        .wait_for("the grid head hears of the escalation", Duration::from_secs(40), || notified(&server, &head, "上报"))
        .await;
    let (_, detail) = server.get(&format!("/api/v1/cases/{id}"), Some(&member)).await;
    let events = detail["events"].as_array().expect("events");
    let escalation = events.iter().find(|e| e["action"] == "escalate").expect("an escalation event");
    assert_eq!(escalation["actor"], "系统", "{escalation}");
    assert_eq!(events.iter().filter(|e| e["action"] == "remind").count(), 1, "one reminder: {detail}");
    server
        .wait_for("the robot group hears of the escalation", Duration::from_secs(20), || async {
            robot_seen
                .lock()
                .expect("seen")
                .iter()
                .any(|(_, _, body)| body["text"]["content"].as_str().is_some_and(|t| t.contains("【上报网格长】")))
        })
        .await;

    // The worker's health is visible, and nothing is left undelivered.
    let (status, health) = server.get("/api/v1/status", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["worker"]["running"], true, "{health}");
    assert!(health["worker"]["passes"].as_i64().is_some_and(|p| p > 0), "{health}");
    assert!(health["worker"]["last_error"].is_null(), "{health}");
    assert!(health["worker"]["jobs_run"].as_i64().is_some_and(|n| n >= 2), "{health}");
    server
        .wait_for("the outbox is empty", Duration::from_secs(20), || async {
            let (_, h) = server.get("/api/v1/status", None).await;
            h["backlog"]["pending_notifications"] == 0
        })
        .await;

    let log = server.stop().await;
    assert!(log.iter().any(|l| l.contains("background worker stopped")), "{}", log.join("\n"));
    assert!(warnings(&log).is_empty(), "warnings in the server log:\n{}", log.join("\n"));
    assert!(!log.iter().any(|l| crate::helpers::contains_full_mobile(l)), "a phone number in the log");
}
