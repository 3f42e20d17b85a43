//! Start, probes, restart, migrations and shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use linli::db::{DbError, query};

use crate::helpers::TestApp;

crate::on_both_backends!(
    health_probes_answer,
    data_survives_a_restart_and_the_demo_loads_once,
    an_edited_migration_is_refused
);

async fn health_probes_answer(app: TestApp) {
    assert_eq!(app.get_text("/healthz").await, (200, "ok".to_string()));
    assert_eq!(app.get_text("/readyz").await, (200, "ready".to_string()));
    app.db.close().await;
    // With its pool closed the process is up but not ready.
    assert_eq!(app.get_text("/healthz").await.0, 200);
    assert_eq!(app.get_text("/readyz").await.0, 503);
}

async fn count(app: &TestApp, table: &str) -> i64 {
    linli::db::query_dyn(format!("SELECT COUNT(*) FROM {table}")).scalar::<i64>(&app.db).await.expect("count")
}

async fn data_survives_a_restart_and_the_demo_loads_once(app: TestApp) {
    let before = (count(&app, "org_nodes").await, count(&app, "people").await, count(&app, "households").await);
    assert!(before.0 > 100 && before.1 > 100 && before.2 > 5000, "{before:?}");
    let database = app.stop().await;
    let app = TestApp::start(database, true).await;
    let after = (count(&app, "org_nodes").await, count(&app, "people").await, count(&app, "households").await);
    assert_eq!(before, after);
    let (status, _) = app.get_json("/api/v1/directory?building=32060201100301098").await;
    assert_eq!(status, 200);
}

async fn an_edited_migration_is_refused(app: TestApp) {
    // Applying again is a no-op.
    assert_eq!(linli::db::migrate(&app.db).await.expect("re-migrate"), Vec::<i64>::new());
    query("UPDATE linli_migrations SET checksum = 'edited' WHERE version = 1").execute(&app.db).await.expect("tamper");
    match linli::db::migrate(&app.db).await {
        Err(DbError::MigrationEdited { version: 1, .. }) => {}
        other => panic!("expected MigrationEdited, got {other:?}"),
    }
}

/// The real binary: starts on an empty SQLite file, loads the demo, prints
/// its URL, serves, and exits cleanly on SIGTERM.
#[test]
fn the_binary_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli"))
        .current_dir(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("LINLI_DATABASE_URL")
        .env("LINLI_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start linli");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first.split(" on ").nth(1).expect("the URL is printed").trim().to_string();
    assert!(first.contains("sqlite://linli.db"), "{first}");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let body = rt.block_on(async {
        reqwest::get(format!("{url}api/v1/buildings?q=98")).await.expect("GET").text().await.expect("body")
    });
    assert!(body.contains("越江新村98栋"), "{body}");
    assert!(dir.path().join("linli.db").exists(), "./linli.db is created where linli runs");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "linli did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_migrate_and_demo_commands_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_linli"))
            .args(args)
            .env("LINLI_DATABASE_URL", &url)
            .env("LINLI_LOG", "warn")
            .output()
            .expect("run linli");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(run(&["migrate"]).contains("schema version"));
    assert!(run(&["demo"]).contains("demo data loaded"));
    assert!(run(&["demo"]).contains("already"));
    let out = Command::new(env!("CARGO_BIN_EXE_linli"))
        .args(["migrate", "--database-url", "mysql://x"])
        .output()
        .expect("run linli");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL scheme `mysql`"));
}
