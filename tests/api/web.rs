//! The web app's sessions (cookie, CSRF, sign-out, password change), its
//! pages by role, and the printed documents with their QR codes.

use std::process::Command;

use serde_json::json;

use crate::cases::{B98, report_light_at_98};
use crate::helpers::{Backend, TestApp};

/// A browser-like client that keeps cookies and does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn sign_in(app: &TestApp, client: &reqwest::Client, username: &str) -> String {
    let resp = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", linli::demo::DEMO_PASSWORD), ("next", "/app/cases")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 303);
    let set_cookie = resp.headers()["set-cookie"].to_str().expect("cookie").to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    // The CSRF token is in every page's meta tag.
    let html = client.get(app.url("/app/cases")).send().await.expect("inbox").text().await.expect("html");
    let marker = "name=\"csrf-token\" content=\"";
    let at = html.find(marker).expect("csrf meta") + marker.len();
    html[at..].split('"').next().expect("token").to_string()
}

#[tokio::test]
async fn sessions_csrf_and_passwords() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let client = browser();
    // Staff pages need a session.
    let resp = client.get(app.url("/app/cases")).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fapp%2Fcases");
    let resp =
        client.post(app.url("/login")).form(&[("username", "wuye"), ("password", "nope")]).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.text().await.expect("html").contains("用户名或密码错误"));
    // Open redirects are refused.
    let resp = client
        .post(app.url("/login"))
        .form(&[("username", "wuye"), ("password", linli::demo::DEMO_PASSWORD), ("next", "//evil.example/")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.headers()["location"], "/app");
    let csrf = sign_in(&app, &client, "shequ").await;

    // The JSON API accepts the session cookie, but writes need the CSRF header.
    let body = json!({"category": "noise", "description": "广场舞太吵", "building": B98});
    let resp = client.post(app.url("/api/v1/cases")).json(&body).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 403, "no CSRF header");
    let resp =
        client.post(app.url("/api/v1/cases")).header("x-csrf-token", &csrf).json(&body).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 201);
    let me: serde_json::Value = client.get(app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    assert_eq!(me["grants"][0]["role"], "community_staff");

    // Forms need the token too.
    let resp = client
        .post(app.url("/app/admin/routing"))
        .form(&[("handler", "community"), ("node", "320602011003")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 403);

    // Changing the password ends other sessions, keeps this one.
    let other = browser();
    sign_in(&app, &other, "shequ").await;
    let resp = client
        .post(app.url("/account/password"))
        .form(&[("_csrf", csrf.as_str()), ("old", linli::demo::DEMO_PASSWORD), ("new", "short"), ("again", "short")])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 400);
    let resp = client
        .post(app.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("old", linli::demo::DEMO_PASSWORD),
            ("new", "a-new-password-9"),
            ("again", "a-new-password-9"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        other.get(app.url("/app/cases")).send().await.expect("get").status().as_u16(),
        303,
        "the other session ended"
    );
    assert_eq!(client.get(app.url("/app/cases")).send().await.expect("get").status().as_u16(), 200, "this one stays");
    let (status, _) =
        app.post("/api/v1/auth/token", None, &json!({"username": "shequ", "password": "a-new-password-9"})).await;
    assert_eq!(status, 201);

    // Signing out.
    let resp = client.post(app.url("/logout")).form(&[("_csrf", csrf.as_str())]).send().await.expect("logout");
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(client.get(app.url("/app/cases")).send().await.expect("get").status().as_u16(), 303);
}

#[tokio::test]
async fn each_role_sees_its_pages() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login("weiwangge").await;
    let id = report_light_at_98(&app, &token).await["id"].as_i64().expect("id");
    let property = browser();
    sign_in(&app, &property, "wuye").await;
    let inbox = property.get(app.url("/app/cases")).send().await.expect("get").text().await.expect("html");
    assert!(inbox.contains(&format!("#{id} 照明设施")), "the work order is in the property company's inbox");
    let page =
        property.get(app.url(&format!("/app/cases/{id}"))).send().await.expect("get").text().await.expect("html");
    assert!(
        page.contains("data-action=\"accept\"") && page.contains("data-action=\"resolve\""),
        "accept and resolve offered"
    );
    assert!(!page.contains("data-action=\"close\""), "not verification");
    // Another community's officer cannot open it.
    let outsider = browser();
    sign_in(&app, &outsider, "huanbao").await;
    assert_eq!(outsider.get(app.url(&format!("/app/cases/{id}"))).send().await.expect("get").status().as_u16(), 404);
    // Admin pages for community staff; not for a property company.
    assert_eq!(property.get(app.url("/app/admin/people")).send().await.expect("get").status().as_u16(), 403);
    let staff = browser();
    sign_in(&app, &staff, "shequ").await;
    for path in ["/app/admin/people", "/app/admin/routing", "/app/admin/tree", "/centre"] {
        let resp = staff.get(app.url(path)).send().await.expect("get");
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let html = resp.text().await.expect("html");
        assert!(!crate::helpers::contains_full_mobile(&html), "{path} shows a full phone number");
    }
    // English.
    let resp = staff.get(app.url("/lang/en?next=/app/cases")).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 303);
    let html = staff.get(app.url("/app/cases")).send().await.expect("get").text().await.expect("html");
    assert!(html.contains("lang=\"en\"") && html.contains("Needs me"), "English pages");
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

/// Both PDFs: Chinese text extracted by pdftotext, QR codes decoded by zbarimg.
#[tokio::test]
async fn printed_documents_read_and_scan() {
    if !(tool("pdftotext") && tool("pdftoppm") && tool("zbarimg")) || linli::print::font::font().is_err() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: poppler-utils, zbar-tools or a CJK font is missing: the PDF checks are SKIPPED (.ci/run installs them).\n"
        );
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let dir = tempfile::tempdir().expect("tempdir");
    let read = |bytes: &[u8], name: &str| {
        let pdf = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&pdf, bytes).expect("write");
        let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
        let png = dir.path().join(name);
        assert!(
            Command::new("pdftoppm")
                .args(["-r", "150", "-png", "-singlefile"])
                .arg(&pdf)
                .arg(&png)
                .status()
                .expect("pdftoppm")
                .success()
        );
        let qr =
            Command::new("zbarimg").args(["-q", "--raw"]).arg(png.with_extension("png")).output().expect("zbarimg");
        (String::from_utf8_lossy(&text.stdout).to_string(), String::from_utf8_lossy(&qr.stdout).trim().to_string())
    };

    let board = app.client.get(app.url(&format!("/print/notice-board/{B98}.pdf"))).send().await.expect("get");
    assert_eq!(board.headers()["content-type"], "application/pdf");
    let (text, qr) = read(&board.bytes().await.expect("bytes"), "board");
    let (_, d) = app.get_json(&format!("/api/v1/directory?building={B98}")).await;
    for needle in [
        "越江新村98栋",
        "网格公示栏",
        "网格长",
        "微网格员",
        "党员",
        "南通越江物业服务有限公司",
        "0513-85062345",
        "越江社区居委会",
        "扫码反映问题",
    ] {
        assert!(text.contains(needle), "notice board lacks {needle}:\n{text}");
    }
    assert!(text.contains(d["grid_head"]["name"].as_str().expect("name")));
    // The grid workers' published work phones, and no other full number.
    let mut published = [
        d["grid_head"]["phone"].as_str().expect("phone"),
        d["micro_grid_members"][0]["phone"].as_str().expect("phone"),
    ];
    published.sort_unstable();
    assert_eq!(crate::helpers::full_mobiles(&text), published, "the board:\n{text}");
    assert_eq!(qr, format!("{}/buildings/{B98}/report", app.base));
    assert_eq!(app.get_text(&format!("/buildings/{B98}/report")).await.0, 200);

    // The work card: printed by community staff, for the member of 98栋.
    let member_id = d["micro_grid_members"][0]["id"].as_i64().expect("id");
    let staff = app.login("shequ").await;
    let card = app
        .client
        .get(app.url(&format!("/print/work-card/{member_id}.pdf")))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("get");
    assert_eq!(card.status().as_u16(), 200);
    let (text, qr) = read(&card.bytes().await.expect("bytes"), "card");
    for needle in [
        "工作证",
        "越江社区居民委员会",
        d["micro_grid_members"][0]["name"].as_str().expect("name"),
        "微网格员",
        "第六网格",
        "联系电话",
        "工作职责",
        "扫码核验身份",
    ] {
        assert!(text.contains(needle), "work card lacks {needle}:\n{text}");
    }
    assert!(qr.starts_with(&format!("{}/verify/v1-", app.base)), "{qr}");
    // Anonymous and out-of-area staff may not print it.
    assert_eq!(app.get_text(&format!("/print/work-card/{member_id}.pdf")).await.0, 401);
    let other = app.login("huanbao").await;
    let resp = app
        .client
        .get(app.url(&format!("/print/work-card/{member_id}.pdf")))
        .bearer_auth(&other)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 403);

    // The QR opens the verification page: valid now...
    let verify_path = qr.trim_start_matches(&app.base).to_string();
    let (status, html) = app.get_text(&verify_path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("在岗") && html.contains(d["micro_grid_members"][0]["name"].as_str().expect("name")),
        "{html}"
    );
    // ...a forged one is not...
    let (_, forged) = app.get_text(&verify_path.replace("/verify/v1-", "/verify/v1-9")).await;
    assert!(forged.contains("无效"), "{forged}");
    // ...and the moment the member leaves, the same card says so.
    linli::db::query("UPDATE role_assignments SET active = FALSE WHERE person_id = $1")
        .bind(member_id)
        .execute(&app.db)
        .await
        .expect("end");
    let (_, revoked) = app.get_text(&verify_path).await;
    assert!(revoked.contains("已不在岗") && revoked.contains("无效"), "{revoked}");
}
