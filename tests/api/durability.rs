//! An acknowledged write survives `kill -9`.
//!
//! The parent test re-runs this test binary as a child that commits rows and
//! prints each id once its commit has returned; the parent kills the child
//! with SIGKILL mid-stream and checks that every acknowledged row is there.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};

use linli::db::{Db, query};

const CHILD_ENV: &str = "LINLI_DURABILITY_CHILD_DB";

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let db = Db::connect(&url, &Default::default()).await.expect("open");
    linli::db::migrate(&db).await.expect("migrate");
    db.close().await;

    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["durability::child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut acked: Vec<i64> = Vec::new();
    while acked.len() < 300 {
        let line = lines.next().expect("child output").expect("utf-8");
        if let Some(id) = line.strip_prefix("ack ") {
            acked.push(id.parse().expect("id"));
        }
    }
    child.kill().expect("SIGKILL");
    // Acks already in the pipe count too.
    for line in lines.map_while(Result::ok) {
        if let Some(id) = line.strip_prefix("ack ") {
            acked.push(id.parse().expect("id"));
        }
    }
    child.wait().expect("reap");

    let db = Db::connect(&url, &Default::default()).await.expect("reopen after crash");
    let stored: Vec<(i64,)> =
        query("SELECT id FROM people WHERE name LIKE 'durable-%'").fetch_all(&db).await.expect("read back");
    let stored: std::collections::HashSet<i64> = stored.into_iter().map(|(id,)| id).collect();
    let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost: {lost:?}", lost.len());
    let integrity: String = query("PRAGMA integrity_check").scalar(&db).await.expect("integrity");
    assert_eq!(integrity, "ok");
}

/// The child half: a no-op unless the parent set the environment variable.
#[tokio::test]
async fn child_writer() {
    let Ok(url) = std::env::var(CHILD_ENV) else {
        return;
    };
    let db = Db::connect(&url, &Default::default()).await.expect("open");
    let mut out = std::io::stdout();
    for i in 0.. {
        let mut tx = db.begin().await.expect("begin");
        let id = linli::people::store::insert_person(
            &mut tx,
            &linli::people::store::NewPerson { name: format!("durable-{i}"), ..Default::default() },
        )
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
        writeln!(out, "ack {id}").expect("stdout");
        out.flush().expect("flush");
    }
}
