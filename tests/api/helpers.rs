//! `TestApp`: a linli server on port 0 over a database of its own.

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use linli::config::Config;
use linli::db::Db;
use linli::server::{Environment, Server};
use linli::time::Clock;
use linli::web::AppState;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The PostgreSQL server the tests may use: a URL to a database the test
/// user can connect to and create databases from.
pub const POSTGRES_ENV: &str = "LINLI_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    /// A new database on `backend`, or `None` (with a note on stderr) when
    /// that backend is not configured on this machine.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("linli.db").display());
                Some(TestDb { url, _dir: Some(dir), pg_drop: None })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                static COUNTER: AtomicUsize = AtomicUsize::new(0);
                let name = format!(
                    "linli_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_nanos()
                );
                let admin = Db::connect(&admin_url, &Default::default()).await.expect("connect to the test PostgreSQL");
                linli::db::query_dyn(format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create a test database");
                admin.close().await;
                Some(TestDb { url: replace_database(&admin_url, &name), _dir: None, pg_drop: Some((admin_url, name)) })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take() {
            // Drop runs outside async code (maybe while unwinding): use a
            // thread with its own small runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Db::connect(&admin_url, &Default::default()).await {
                        let _ = linli::db::query_dyn(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&admin)
                            .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn postgres_admin_url() -> Option<String> {
    static NOTED: OnceLock<()> = OnceLock::new();
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            NOTED.get_or_init(|| {
                // Straight to stderr: the test harness captures println!, and
                // this must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: {POSTGRES_ENV} is not set: the PostgreSQL variants of the storage tests are SKIPPED.\n"
                );
            });
            None
        }
    }
}

/// `postgres://u@h:5432/old?x` with its database replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A running server and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub state: AppState,
    /// The server's clock: advance it to let deadlines pass.
    pub clock: Clock,
    pub database: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// A server with the demo data loaded, or `None` if `backend` is not
    /// available here.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let database = TestDb::new(backend).await?;
        Some(TestApp::start(database, true).await)
    }

    /// Starts a server on an existing database (e.g. to restart one).
    pub async fn start(database: TestDb, load_demo: bool) -> TestApp {
        TestApp::start_with_clock(database, load_demo, Clock::system()).await
    }

    /// A demo server on SQLite with settings changed by `configure`.
    pub async fn spawn_configured(clock: Clock, configure: impl FnOnce(&mut Config)) -> TestApp {
        let database = TestDb::new(Backend::Sqlite).await.expect("sqlite");
        TestApp::start_configured(database, true, clock, configure).await
    }

    /// Starts a server whose clock may run ahead of the real one. Its
    /// background worker is slowed to a crawl: tests run passes themselves
    /// with [`TestApp::run_workers`], so what fires when is deterministic.
    pub async fn start_with_clock(database: TestDb, load_demo: bool, clock: Clock) -> TestApp {
        TestApp::start_configured(database, load_demo, clock, |_| {}).await
    }

    async fn start_configured(
        database: TestDb,
        load_demo: bool,
        clock: Clock,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = Config::for_database(&database.url);
        config.load_demo = load_demo;
        config.db_max_connections = 4;
        config.cases.worker_interval_ms = 3_600_000;
        configure(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let env = Environment { clock: clock.clone(), demo_stories: false };
        let server = Server::build_with(config, listener, env).await.expect("build the server");
        let base = format!("http://{}", server.local_addr());
        let db = server.db().clone();
        let state = server.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run_until(async {
            let _ = rx.await;
        }));
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            state,
            clock,
            database,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// Shuts the server down gracefully and hands back its database.
    pub async fn stop(mut self) -> TestDb {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server ran cleanly");
        }
        self.db.close().await;
        let placeholder = TestDb { url: String::new(), _dir: None, pg_drop: None };
        std::mem::replace(&mut self.database, placeholder)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and returns the status and the body parsed as JSON.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.client.get(self.url(path)).send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"));
        (status, json)
    }

    /// A second server on this one's database (as a second app server
    /// behind a load balancer would be), with its own clock.
    pub async fn second_server(&self, clock: Clock) -> TestApp {
        let shared = TestDb { url: self.database.url.clone(), _dir: None, pg_drop: None };
        TestApp::start_with_clock(shared, false, clock).await
    }

    /// `/api/v1/indicators` for a node over the 30 days either side of the
    /// server's now (not "this month", which ends on its own schedule).
    pub fn indicators_path(&self, node: &str) -> String {
        let day = 86_400_000;
        let fmt = |ms: i64| linli::time::to_rfc3339(ms).replace('+', "%2B");
        let now = self.clock.now_ms();
        format!("/api/v1/indicators?node={node}&from={}&to={}", fmt(now - 30 * day), fmt(now + 30 * day))
    }

    /// Runs one pass of the background worker: due timers, then notifications.
    pub async fn run_workers(&self) -> (usize, usize) {
        let pass = linli::app::run_worker_once(&self.state).await.expect("worker pass");
        (pass.timers, pass.sent)
    }

    /// Signs a demo account in and returns its API token.
    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .send_json(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                &serde_json::json!({"username": username, "password": linli::demo::DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(status, 201, "login {username}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Sends JSON (optionally as a signed-in user) and parses the JSON reply.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"))
        };
        (status, json)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, path, token, body).await
    }

    /// GETs JSON as a signed-in user.
    pub async fn get_as(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let resp = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}")))
    }

    /// POSTs a form (Open311) and returns the status and raw body.
    /// POSTs JSON as a signed-in user with an `Idempotency-Key`.
    pub async fn send_keyed(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}")))
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let resp = self.client.post(self.url(path)).form(form).send().await.expect("request");
        (resp.status().as_u16(), resp.text().await.expect("body"))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let resp = self.client.get(self.url(path)).send().await.expect("request");
        (resp.status().as_u16(), resp.text().await.expect("body"))
    }
}

/// Defines `mod sqlite` and `mod postgres`, each with one `#[tokio::test]`
/// per listed `async fn(TestApp)`, run against a fresh demo server.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// Whether `text` contains an unmasked mainland mobile number.
pub fn contains_full_mobile(text: &str) -> bool {
    let digits: Vec<char> = text.chars().collect();
    digits.windows(11).enumerate().any(|(i, w)| {
        w[0] == '1'
            && w.iter().all(char::is_ascii_digit)
            && (i == 0 || !digits[i - 1].is_ascii_digit())
            && digits.get(i + 11).is_none_or(|c| !c.is_ascii_digit())
    })
}

/// Every unmasked mainland mobile number in `text`, sorted, deduplicated.
pub fn full_mobiles(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = Vec::new();
    for (i, w) in chars.windows(11).enumerate() {
        let whole = w[0] == '1'
            && w.iter().all(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 11).is_none_or(|c| !c.is_ascii_digit());
        let number: String = w.iter().collect();
        if whole && !found.contains(&number) {
            found.push(number);
        }
    }
    found.sort();
    found
}

#[test]
fn replaces_the_database_in_urls() {
    assert_eq!(replace_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
    assert_eq!(replace_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    assert_eq!(replace_database("postgres://u@h", "x"), "postgres://u@h/x");
}

#[test]
fn finds_full_mobiles_only() {
    assert!(contains_full_mobile("call 13800001234 now"));
    assert!(!contains_full_mobile("138****1234"));
    assert!(!contains_full_mobile("32060201100301098"));
    assert_eq!(
        full_mobiles("a 13900005678, b 138****1234, c 13800001234 d 13900005678"),
        ["13800001234", "13900005678"]
    );
}
