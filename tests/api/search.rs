//! `GET /api/v1/buildings?q=…`

use crate::helpers::TestApp;

crate::on_both_backends!(
    finds_98_by_what_people_type,
    a_query_without_matches_is_an_empty_list,
    bad_queries_name_the_parameter
);

async fn finds_98_by_what_people_type(app: TestApp) {
    for q in ["98", "98栋", "越江新村 98", "越江新村98栋", "九十八号楼", "越江小区 98幢", "越江社区 98"]
    {
        let (status, body) = app.get_json(&format!("/api/v1/buildings?q={}", urlencode(q))).await;
        assert_eq!(status, 200, "{q}: {body}");
        let buildings = body["buildings"].as_array().expect("buildings array");
        assert_eq!(buildings.len(), 1, "{q}: {body}");
        let b = &buildings[0];
        assert_eq!(b["code"], "32060201100301098", "{q}");
        assert_eq!(b["name"], "越江新村98栋");
        assert_eq!(b["community"], "越江社区");
    }
}

async fn a_query_without_matches_is_an_empty_list(app: TestApp) {
    // 园林佳苑 has 24 buildings: there is no 98.
    let (status, body) = app.get_json(&format!("/api/v1/buildings?q={}", urlencode("园林佳苑 98"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["buildings"], serde_json::json!([]));
    // Every 越江新村 building, with a limit.
    let (status, body) = app.get_json(&format!("/api/v1/buildings?q={}&limit=200", urlencode("越江新村"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["buildings"].as_array().map(Vec::len), Some(100));
    // A wildcard typed by a user matches literally, not everything.
    let (_, body) = app.get_json(&format!("/api/v1/buildings?q={}", urlencode("%"))).await;
    assert_eq!(body["buildings"], serde_json::json!([]));
}

async fn bad_queries_name_the_parameter(app: TestApp) {
    let long = "越".repeat(101);
    for (path, field) in [
        ("/api/v1/buildings".to_string(), "q"),
        ("/api/v1/buildings?q=".to_string(), "q"),
        (format!("/api/v1/buildings?q={}", urlencode(&long)), "q"),
        ("/api/v1/buildings?q=98&limit=0".to_string(), "limit"),
        ("/api/v1/buildings?q=98&limit=abc".to_string(), "limit"),
        ("/api/v1/buildings?q=98&q=31".to_string(), "q"),
    ] {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["field"], field, "{path}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains(field)), "{body}");
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
