//! The seed's first story in real headless Chromium (tests/browser/story.mjs),
//! against the shipped binary started as a child process, when a browser
//! and the Node client are provided (.ci/run does). The story counts each
//! role's taps and checks contrast and target sizes; afterwards the server's
//! log must hold no warning.

use crate::shipped::{Shipped, warnings};

const BROWSER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
const ARTIFACTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");

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

/// Runs `tests/browser/{script}` against the server at `base` and returns
/// what it printed; fails the test unless it exits cleanly. Screenshots
/// land in target/browser-artifacts.
pub async fn run_script(base: &str, chromium: &str, script: &str, env: &[(&str, String)]) -> String {
    let out = tokio::process::Command::new("node")
        .arg(format!("{BROWSER_DIR}/{script}"))
        .env("LINLI_URL", base)
        .env("LINLI_PASSWORD", linli::demo::DEMO_PASSWORD)
        .env("LINLI_CHROMIUM", chromium)
        .env("LINLI_ARTIFACTS", ARTIFACTS)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Walks `script` against the shipped binary: it must print `passed`, its
/// output is kept as `{name}.log`, and the server's log must hold no warning.
async fn walk(chromium: &str, script: &str, passed: &str) {
    let server = Shipped::start(&["--worker-interval-ms", "200"]).await;
    let stdout = run_script(&server.base, chromium, script, &[]).await;
    assert!(stdout.contains(passed), "{stdout}");
    let name = script.trim_end_matches(".mjs");
    std::fs::write(format!("{ARTIFACTS}/{name}.log"), stdout.as_bytes()).expect("write the journey's log");
    let log = server.stop().await;
    assert!(warnings(&log).is_empty(), "warnings in the server log:\n{}", log.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_story_in_chromium_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    walk(&chromium, "story.mjs", "browser story passed").await;
}

/// A danger typed in the building chat, or in the building's report form,
/// reaches the grid head as an urgent notice that says why
/// (tests/browser/urgent.mjs), in the shipped binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_report_says_why_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    walk(&chromium, "urgent.mjs", "browser urgent journey passed").await;
}

/// The hazard sweep on phones (tests/browser/sweep.mjs), in the shipped
/// binary: start a sweep, two clean units, a finding queued offline and
/// filed once, the notice printed, the matrix read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stairwell_sweep_works_offline_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    walk(&chromium, "sweep.mjs", "browser sweep journey passed").await;
}

/// The patrol page a checkpoint plate's QR opens (tests/browser/patrol.mjs),
/// on a phone that shares its position, in the shipped binary with the
/// demo's zone: the QR is read from the plate PDF with zbarimg.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_plate_opens_the_patrol_page_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    let server = Shipped::start(&["--worker-interval-ms", "200"]).await;
    let token = server.login("xuncha").await;
    let (_, _, plate) = crate::patrols::demo_site_plate(&server, &token).await;
    let Some((url, _)) = crate::patrols::read_plate(&plate) else {
        server.stop().await;
        return;
    };
    let stdout = run_script(&server.base, &chromium, "patrol.mjs", &[("LINLI_PATROL_URL", url)]).await;
    assert!(stdout.contains("browser patrol journey passed"), "{stdout}");
    std::fs::write(format!("{ARTIFACTS}/patrol.log"), stdout.as_bytes()).expect("write the journey's log");
    let log = server.stop().await;
    assert!(warnings(&log).is_empty(), "warnings in the server log:\n{}", log.join("\n"));
}
