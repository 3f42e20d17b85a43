//! The seed's first story in real headless Chromium (tests/browser/story.mjs),
//! against the shipped binary started as a child process, when a browser
//! and the Node client are provided (.ci/run does). The story counts each
//! role's taps and checks contrast and target sizes; afterwards the server's
//! log must hold no warning.

use crate::shipped::{Shipped, warnings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    let server = Shipped::start(&["--worker-interval-ms", "200"]).await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");
    let out = tokio::process::Command::new("node")
        .arg(format!("{browser_dir}/story.mjs"))
        .env("LINLI_URL", &server.base)
        .env("LINLI_PASSWORD", linli::demo::DEMO_PASSWORD)
        .env("LINLI_CHROMIUM", chromium)
        .env("LINLI_ARTIFACTS", artifacts)
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("browser story passed"), "{stdout}");
    std::fs::write(format!("{artifacts}/story.log"), stdout.as_bytes()).expect("write the story's log");
    let log = server.stop().await;
    assert!(warnings(&log).is_empty(), "warnings in the server log:\n{}", log.join("\n"));
}
