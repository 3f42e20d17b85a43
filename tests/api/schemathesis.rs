//! Schemathesis (PyPI) fuzzes every operation of /api/v1/openapi.json on a
//! running server: no 5xx, every status documented, every response matching
//! its schema. Runs when the Python venv of .ci/run is given.

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn schemathesis_finds_nothing() {
    let Some(python) = std::env::var("LINLI_TEST_PYTHON").ok().filter(|p| !p.is_empty()) else {
        return; // The Open311 check prints the notice for every Python test.
    };
    let st = std::path::Path::new(&python).with_file_name("schemathesis");
    if !st.exists() {
        panic!("{} is missing: install tests/requirements.txt", st.display());
    }
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login("shequ").await;
    let out = tokio::process::Command::new(&st)
        .args([
            "run",
            &app.url("/api/v1/openapi.json"),
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--warnings",
            "off",
            "--no-color",
        ])
        // Its cache of found failures stays out of the source tree.
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/target"))
        .output()
        .await
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schemathesis found problems:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
}
