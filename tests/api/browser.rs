//! The seed's first story in real headless Chromium (tests/browser/story.mjs),
//! when a browser and the Node client are provided (.ci/run does).

use crate::helpers::{Backend, TestApp};

const BROWSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

/// The Chromium to drive, or `None` (with a notice) when this machine has
/// none or tests/browser has no Node client.
pub fn chromium() -> Option<String> {
    let chromium = std::env::var("LINLI_TEST_CHROMIUM").ok().filter(|c| !c.is_empty());
    let ready =
        chromium.is_some() && std::path::Path::new(&format!("{BROWSER_DIR}/node_modules/playwright-core")).exists();
    if !ready {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: LINLI_TEST_CHROMIUM is not set (or tests/browser has no node_modules): the browser test is SKIPPED (.ci/run sets it up).\n"
        );
    }
    chromium.filter(|_| ready)
}

/// Runs `tests/browser/{script}` against the app and returns what it
/// printed; fails the test unless it exits cleanly. Screenshots land in
/// target/browser-artifacts.
pub async fn run_script(app: &TestApp, chromium: &str, script: &str, env: &[(&str, String)]) -> String {
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");
    let out = tokio::process::Command::new("node")
        .arg(format!("{BROWSER_DIR}/{script}"))
        .env("LINLI_URL", &app.base)
        .env("LINLI_PASSWORD", linli::demo::DEMO_PASSWORD)
        .env("LINLI_CHROMIUM", chromium)
        .env("LINLI_ARTIFACTS", artifacts)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test]
async fn the_first_story_in_chromium_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let stdout = run_script(&app, &chromium, "story.mjs", &[]).await;
    assert!(stdout.contains("browser story passed"), "{stdout}");
}
