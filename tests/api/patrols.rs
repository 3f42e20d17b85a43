//! Environmental patrols through the public interfaces, on both engines
//! (issue 14, first part): a zone round the 园林路 monitoring point with its
//! owner, checkpoints inside it (one outside refused), a plate whose QR is
//! read back with zbarimg and opens the patrol page, visits with the
//! phone's position flagged, a problem filed as a case for the ecology
//! bureau, coaching closed on the spot, and the zone's log. Then the same
//! in the shipped binary with the demo's zone.

use std::process::Command;

use serde_json::{Value, json};

use crate::cases::{png, upload};
use crate::helpers::TestApp;

const YUANLIN: &str = "320602012005";
const POINT: (f64, f64) = (31.9768, 120.8818);

crate::on_both_backends!(a_patrol_from_plate_to_case, bad_patrol_input_names_the_field);

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

/// The URL a plate's QR carries and the plate's text, or `None` without the tools.
pub fn read_plate(bytes: &[u8]) -> Option<(String, String)> {
    if !(tool("pdftotext") && tool("pdftoppm") && tool("zbarimg")) || linli::print::font::font().is_err() {
        eprintln!("\nNOTE: poppler-utils, zbar-tools or a CJK font is missing: the plate checks are SKIPPED.\n");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("plate.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let png = dir.path().join("plate");
    let rendered = Command::new("pdftoppm").args(["-r", "150", "-png", "-singlefile"]).arg(&pdf).arg(&png).status();
    assert!(rendered.expect("pdftoppm").success());
    let qr = Command::new("zbarimg").args(["-q", "--raw"]).arg(png.with_extension("png")).output().expect("zbarimg");
    Some((String::from_utf8_lossy(&qr.stdout).trim().to_string(), String::from_utf8_lossy(&text.stdout).to_string()))
}

async fn person_of(app: &TestApp, username: &str) -> i64 {
    linli::db::query("SELECT person_id FROM accounts WHERE username = $1")
        .bind(username)
        .scalar(&app.db)
        .await
        .expect("person")
}

async fn zone(app: &TestApp, admin: &str, owner: i64) -> i64 {
    let body = json!({"name": "国控点周边片区", "node": YUANLIN, "centre": {"lat": POINT.0, "lng": POINT.1}, "radius_m": 1000, "owners": [owner]});
    let (status, z) = app.post("/api/v1/patrol-zones", Some(admin), &body).await;
    assert_eq!(status, 201, "{z}");
    z["zone"]["id"].as_i64().expect("id")
}

async fn visit(app: &TestApp, token: &str, checkpoint: &str, key: &str, body: &Value) -> (u16, Value) {
    app.send_keyed(&format!("/api/v1/checkpoints/{checkpoint}/visits"), token, key, body).await
}

async fn a_patrol_from_plate_to_case(app: TestApp) {
    let admin = app.login("admin").await;
    let officer = app.login("xuncha").await;
    let owner = person_of(&app, "xuncha").await;
    let id = zone(&app, &admin, owner).await;

    // A building site inside the zone; a point 3 km away is not in it.
    let site = json!({"kind": "building_site", "name": "园林路地块建筑工地", "lat": 31.9779, "lng": 120.8836});
    let (status, added) = app.post(&format!("/api/v1/patrol-zones/{id}/checkpoints"), Some(&admin), &site).await;
    assert_eq!(status, 201, "{added}");
    let far = json!({"kind": "garbage_point", "name": "远处", "lat": 32.0040, "lng": 120.8818});
    let (status, refused) = app.post(&format!("/api/v1/patrol-zones/{id}/checkpoints"), Some(&admin), &far).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("lat")), "{refused}");
    let (status, z) = app.get_as(&format!("/api/v1/patrol-zones/{id}"), &officer).await;
    assert_eq!(status, 200, "{z}");
    assert_eq!(z["checkpoints"].as_array().map(Vec::len), Some(1));
    assert_eq!(z["owners"][0]["id"], owner);

    // The plate: its QR opens the checkpoint's patrol page.
    let plate_path = added["plate"].as_str().expect("plate").to_string();
    let resp = app.client.get(app.url(&plate_path)).bearer_auth(&officer).send().await.expect("plate");
    assert_eq!(resp.status(), 200);
    let patrol_url = added["patrol_url"].as_str().expect("url").to_string();
    if let Some((qr, text)) = read_plate(&resp.bytes().await.expect("bytes")) {
        assert_eq!(qr, patrol_url, "the QR opens the patrol page");
        assert!(text.contains("园林路地块建筑工地") && text.contains("环境巡查点"), "{text}");
    }
    let page = crate::web::browser();
    crate::web::sign_in(&app, &page, "xuncha").await;
    let html = page.get(&patrol_url).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("园林路地块建筑工地") && html.contains("正常"), "{html}");
    let token = patrol_url.rsplit('/').next().expect("token").to_string();

    // 正常 at the site, the phone beside it: near. The same key again records nothing.
    let ok = json!({"result": "ok", "lat": 31.9780, "lng": 120.8836});
    let (status, first) = visit(&app, &officer, &token, "k1", &ok).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!((first["visit"]["position"].as_str(), first["visit"]["case_id"].as_i64()), (Some("near"), None));
    let (status, again) = visit(&app, &officer, &token, "k1", &ok).await;
    assert_eq!((status, again["replayed"].as_bool()), (200, Some(true)));

    // Uncovered dust with a photo, the phone a kilometre off: a case for the ecology bureau, the scan flagged far.
    let (_, photo) = upload(&app, &officer, png(40, 30), "image/png").await;
    let sha = photo["sha256"].as_str().expect("sha").to_string();
    let dust = json!({"result": "problem", "problem": "dust_uncovered", "note": "裸土未覆盖", "photos": [sha], "lat": 31.9870, "lng": 120.8836});
    let (status, filed) = visit(&app, &officer, &token, "k2", &dust).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["visit"]["position"], "far");
    let case_id = filed["visit"]["case_id"].as_i64().expect("a case");
    let bureau = app.login("huanbao").await;
    let (status, case) = app.get_as(&format!("/api/v1/cases/{case_id}"), &bureau).await;
    assert_eq!(status, 200, "the ecology bureau has it: {case}");
    assert_eq!(
        (case["source"].as_str(), case["category"].as_str(), case["status"].as_str()),
        (Some("patrol"), Some("pollution"), Some("dispatched"))
    );
    assert_eq!(case["assignee"]["kind"], "department", "{case}");
    assert!(case.to_string().contains(&sha), "the photo is on the case");

    // Coaching on the spot: filed and closed at once, saying what was done; it must say it.
    let (status, bad) =
        visit(&app, &officer, &token, "k3", &json!({"result": "coached", "problem": "dust_uncovered"})).await;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("note")));
    let coached = json!({"result": "coached", "problem": "dust_uncovered", "note": "指导工地当场覆盖防尘网"});
    let (status, done) = visit(&app, &officer, &token, "k4", &coached).await;
    assert_eq!(status, 201, "{done}");
    let closed = done["visit"]["case_id"].as_i64().expect("case");
    let (_, case) = app.get_as(&format!("/api/v1/cases/{closed}"), &admin).await;
    assert_eq!(case["status"], "closed", "{case}");

    // No position given: missing. The log holds the four visits; the property company sees no zone.
    let (_, missing) = visit(&app, &officer, &token, "k5", &json!({"result": "ok"})).await;
    assert_eq!(missing["visit"]["position"], "missing");
    let (status, log) = app.get_as(&format!("/api/v1/patrol-zones/{id}/visits"), &officer).await;
    assert_eq!(status, 200, "{log}");
    let results: Vec<&str> =
        log["visits"].as_array().expect("visits").iter().filter_map(|v| v["result"].as_str()).collect();
    assert_eq!(results, ["ok", "coached", "problem", "ok"], "{log}");
    let property = app.login("wuye").await;
    assert_eq!(app.get_as(&format!("/api/v1/patrol-zones/{id}"), &property).await.0, 404);
    let member = app.login("weiwangge").await;
    assert_eq!(visit(&app, &member, &token, "k6", &ok).await.0, 403, "越江's member does not patrol 园林");
}

async fn bad_patrol_input_names_the_field(app: TestApp) {
    let admin = app.login("admin").await;
    let owner = person_of(&app, "xuncha").await;
    let square = json!({"type": "Polygon", "coordinates": [[[120.87, 31.97], [120.89, 31.97], [120.89, 31.98], [120.87, 31.98], [120.87, 31.97]]]});
    for (body, field) in [
        (json!({"name": "", "node": YUANLIN, "boundary": square}), "name"),
        (json!({"name": "x", "node": "nope", "boundary": square}), "node"),
        (json!({"name": "x", "node": YUANLIN}), "boundary"),
        (
            json!({"name": "x", "node": YUANLIN, "boundary": {"type": "Point", "coordinates": [120.0, 31.0]}}),
            "boundary",
        ),
        (json!({"name": "x", "node": YUANLIN, "centre": {"lat": 31.97, "lng": 120.88}, "radius_m": 0}), "radius_m"),
        (json!({"name": "x", "node": YUANLIN, "radius_m": 100}), "centre"),
        (json!({"name": "x", "node": YUANLIN, "boundary": square, "owners": [999_999]}), "owners"),
    ] {
        let (status, answer) = app.post("/api/v1/patrol-zones", Some(&admin), &body).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{body} → {answer}");
    }
    // A polygon zone reads back as GeoJSON; the grid head may not draw one.
    let body = json!({"name": "片区", "node": YUANLIN, "boundary": square, "owners": [owner]});
    let (status, z) = app.post("/api/v1/patrol-zones", Some(&admin), &body).await;
    assert_eq!(status, 201, "{z}");
    assert_eq!(z["boundary"], square, "the boundary reads back");
    let officer = app.login("xuncha").await;
    assert_eq!(app.post("/api/v1/patrol-zones", Some(&officer), &body).await.0, 403);
    let id = z["zone"]["id"].as_i64().expect("id");
    let bad_kind = json!({"kind": "volcano", "name": "x", "lat": 31.975, "lng": 120.88});
    let (status, answer) = app.post(&format!("/api/v1/patrol-zones/{id}/checkpoints"), Some(&admin), &bad_kind).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("kind")));
    let point = json!({"kind": "garbage_point", "name": "垃圾点", "lat": 31.975, "lng": 120.88});
    let (_, added) = app.post(&format!("/api/v1/patrol-zones/{id}/checkpoints"), Some(&admin), &point).await;
    let token = added["patrol_url"].as_str().expect("url").rsplit('/').next().expect("token").to_string();
    for (body, field) in [
        (json!({"result": "maybe"}), "result"),
        (json!({"result": "problem"}), "problem"),
        (json!({"result": "problem", "problem": "volcano"}), "problem"),
        (json!({"result": "ok", "lat": 31.97}), "lat"),
    ] {
        let (status, answer) = visit(&app, &officer, &token, &linli::auth::secret::new_token(), &body).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (400, Some(field)), "{body} → {answer}");
    }
    let (_, log) = app.get_as(&format!("/api/v1/patrol-zones/{id}/visits"), &officer).await;
    assert!(log["visits"].as_array().expect("visits").is_empty(), "nothing was stored: {log}");
}

/// The demo zone's id and the bytes of its building site's plate, from a running shipped binary.
pub async fn demo_site_plate(server: &crate::shipped::Shipped, token: &str) -> (i64, Value, Vec<u8>) {
    let (_, zones) = server.get("/api/v1/patrol-zones", Some(token)).await;
    let id = zones["zones"][0]["id"].as_i64().expect("the demo zone");
    let (_, zone) = server.get(&format!("/api/v1/patrol-zones/{id}"), Some(token)).await;
    let site = zone["checkpoints"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["kind"] == "building_site")
        .expect("site")["id"]
        .clone();
    let pdf =
        server.http.get(server.url(&format!("/api/v1/checkpoints/{site}/plate.pdf"))).bearer_auth(token).send().await;
    let pdf = pdf.expect("plate");
    assert_eq!(pdf.status(), 200);
    (id, zone, pdf.bytes().await.expect("bytes").to_vec())
}

/// The demo's zone in the shipped binary: the plate's QR read back leads to
/// a visit recorded in the running server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_patrol_zone_in_the_shipped_binary() {
    let server = crate::shipped::Shipped::start(&[]).await;
    let token = server.login("xuncha").await;
    let (id, zone, plate) = demo_site_plate(&server, &token).await;
    assert_eq!(zone["checkpoints"].as_array().map(Vec::len), Some(6), "{zone}");
    let (_, log) = server.get(&format!("/api/v1/patrol-zones/{id}/visits"), Some(&token)).await;
    assert_eq!(log["visits"].as_array().map(Vec::len), Some(4), "the demo's morning round: {log}");
    if let Some((qr, _)) = read_plate(&plate) {
        let checkpoint = qr.rsplit('/').next().expect("token");
        let (status, visit) = server
            .post(&format!("/api/v1/checkpoints/{checkpoint}/visits"), Some(&token), &json!({"result": "ok"}))
            .await;
        assert_eq!(status, 201, "{visit}");
    }
    let log = server.stop().await;
    assert!(crate::shipped::warnings(&log).is_empty(), "warnings in the server log:\n{}", log.join("\n"));
}
