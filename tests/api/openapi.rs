//! The OpenAPI document at /api/v1/openapi.json describes exactly the JSON
//! API the router serves, and (with Python) live responses match it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{Backend, TestApp};

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.extend(v.as_str().map(str::to_string));
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_matches_the_router() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");

    let served: BTreeSet<(String, String)> = linli::app::endpoints()
        .iter()
        .filter(|e| e.path.starts_with("/api/v1/") || matches!(e.path, "/healthz" | "/readyz"))
        .map(|e| (e.method.as_str().to_lowercase(), e.path.to_string()))
        .collect();
    let mut documented = BTreeSet::new();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            documented.insert((method.clone(), path.clone()));
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(operation_ids.insert(id.to_string()), "duplicate operationId {id}");
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    assert!(path.contains(&format!("{{{}}}", p["name"].as_str().unwrap_or("?"))), "{path}: {p}");
                }
            }
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "routes missing from openapi.json: {undocumented:?}");
    assert!(unserved.is_empty(), "openapi.json documents routes the server lacks: {unserved:?}");

    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "dangling $ref {r}");
    }
}

/// Live responses validated against the document (Python jsonschema).
#[tokio::test]
async fn live_responses_match_the_document() {
    let Some(python) = std::env::var("LINLI_TEST_PYTHON").ok().filter(|p| !p.is_empty()) else {
        return; // The Open311 check prints the notice for both.
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi/check_openapi.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .env("LINLI_URL", &app.base)
        .env("LINLI_PASSWORD", linli::demo::DEMO_PASSWORD)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("openapi checks passed"), "{stdout}");
}
