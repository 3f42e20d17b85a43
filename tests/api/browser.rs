//! The seed's first story in real headless Chromium (tests/browser/story.mjs),
//! when a browser and the Node client are provided (.ci/run does).

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn the_first_story_in_chromium_on_a_phone() {
    let browser_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
    let chromium = std::env::var("LINLI_TEST_CHROMIUM").ok().filter(|c| !c.is_empty());
    let ready =
        chromium.is_some() && std::path::Path::new(&format!("{browser_dir}/node_modules/playwright-core")).exists();
    let Some(chromium) = chromium.filter(|_| ready) else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: LINLI_TEST_CHROMIUM is not set (or tests/browser has no node_modules): the browser test is SKIPPED (.ci/run sets it up).\n"
        );
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");
    let out = tokio::process::Command::new("node")
        .arg(format!("{browser_dir}/story.mjs"))
        .env("LINLI_URL", &app.base)
        .env("LINLI_PASSWORD", linli::demo::DEMO_PASSWORD)
        .env("LINLI_CHROMIUM", chromium)
        .env("LINLI_ARTIFACTS", artifacts)
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("browser story passed"), "{stdout}");
}
