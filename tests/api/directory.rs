//! `GET /api/v1/directory?building=…` and the building page.

use serde_json::Value;

use crate::helpers::{TestApp, contains_full_mobile, full_mobiles};

const B98: &str = "32060201100301098";
const B100: &str = "32060201100301100";

crate::on_both_backends!(
    directory_of_98_answers_whom_to_call,
    every_category_has_its_responsible_party,
    a_unit_with_its_own_micro_grid,
    unknown_buildings_and_units_are_404,
    malformed_parameters_are_400,
    the_building_page_in_chinese,
);

fn is_full_mobile(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit())
}

fn is_masked_mobile(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    let c: Vec<char> = s.chars().collect();
    c.len() == 11 && c[3..7].iter().all(|x| *x == '*') && c[..3].iter().chain(&c[7..]).all(char::is_ascii_digit)
}

async fn directory_of_98_answers_whom_to_call(app: TestApp) {
    let (status, d) = app.get_json(&format!("/api/v1/directory?building={B98}")).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["building"]["code"], B98);
    assert_eq!(d["building"]["name"], "越江新村98栋");
    assert_eq!(d["community"]["name"], "越江社区");
    assert_eq!(d["street"]["name"], "永兴街道");
    assert_eq!(d["grid"]["name"], "第六网格");
    let members = d["micro_grid_members"].as_array().expect("members");
    assert_eq!(members.len(), 1, "{d}");
    let m = &members[0];
    assert!(m["id"].as_i64().is_some());
    assert!(!m["name"].as_str().unwrap_or_default().is_empty());
    // 亮身份: the grid workers' work phones are published (on by default,
    // see tests/api/publicity.rs for withdrawing), everyone else's masked.
    assert!(is_full_mobile(&m["phone"]) && m["phone_published"] == true, "{m}");
    assert!(m["duties"].as_str().is_some_and(|s| s.contains("98栋")));
    assert!(is_full_mobile(&d["grid_head"]["phone"]), "{}", d["grid_head"]);
    assert_eq!(d["grid_head"]["phone_published"], true);
    assert_eq!(d["grid_head"]["role"], "grid_head");
    // Two grid party members are publicised on every board in 第六网格;
    // 98 is not a multiple of 5, so its member is not one.
    assert_eq!(d["party_members"].as_array().map(Vec::len), Some(2), "{d}");
    assert_eq!(d["property"]["name"], "南通越江物业服务有限公司");
    assert_eq!(d["property"]["service_phone"], "0513-85062345");
    assert_eq!(d["community_office"]["name"], "越江社区居委会");
    assert_eq!(d["community_office"]["phone"], "0513-85061234");
    let sheds = d["places"].as_array().expect("places").iter().filter(|p| p["kind"] == "charging_shed").count();
    assert_eq!(sheds, 7);
    for p in d["party_members"].as_array().expect("party") {
        assert!(
            is_masked_mobile(&p["phone"]) && p["phone_published"] == false,
            "a party member's phone is masked: {p}"
        );
    }
    let mut published = [m["phone"].as_str().unwrap_or("?"), d["grid_head"]["phone"].as_str().unwrap_or("?")];
    published.sort_unstable();
    assert_eq!(full_mobiles(&d.to_string()), published, "no other full phone number: {d}");
}

async fn every_category_has_its_responsible_party(app: TestApp) {
    let (_, d) = app.get_json(&format!("/api/v1/directory?building={B98}")).await;
    let responsible = d["responsible"].as_object().expect("responsible object");
    let codes: Vec<&str> = linli::taxonomy::CATEGORIES.iter().map(|c| c.code).collect();
    assert_eq!(responsible.keys().map(String::as_str).collect::<Vec<_>>().len(), codes.len());
    for code in &codes {
        let r = &responsible[*code];
        let parties = r["parties"].as_array().unwrap_or_else(|| panic!("{code}: {r}"));
        assert!(!parties.is_empty(), "{code} has nobody responsible: {r}");
    }
    let lead = |code: &str| responsible[code]["parties"][0]["name"].as_str().unwrap_or_default().to_string();
    assert_eq!(lead("lighting"), "南通越江物业服务有限公司");
    assert_eq!(responsible["lighting"]["deadline_hours"], 24.0);
    assert_eq!(responsible["fire_safety"]["parties"][0]["handler"], "grid_head");
    assert_eq!(responsible["fire_safety"]["parties"][1]["name"], "永兴街道综合执法大队");
    assert_eq!(lead("pollution"), "崇川生态环境局");
    assert_eq!(lead("security"), "永兴派出所");
    assert_eq!(lead("employment"), "越江社区就业服务站");
    assert_eq!(lead("welfare"), "越江社区居委会");
    assert_eq!(lead("neighbor_dispute"), d["grid_head"]["name"].as_str().unwrap_or_default());
    let power: Vec<&str> = responsible["power_gas"]["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(power, ["南通越江物业服务有限公司", "崇川供电服务中心", "崇川燃气抢修中心"]);
}

async fn a_unit_with_its_own_micro_grid(app: TestApp) {
    let (_, whole) = app.get_json(&format!("/api/v1/directory?building={B100}")).await;
    assert_eq!(whole["micro_grid_members"].as_array().map(Vec::len), Some(2), "{whole}");
    let (_, first) = app.get_json(&format!("/api/v1/directory?building={B100}&unit=1")).await;
    let (_, fifth) = app.get_json(&format!("/api/v1/directory?building={B100}&unit=5")).await;
    assert_eq!(first["unit"], 1);
    assert_eq!(fifth["unit"], 5);
    let only = |d: &Value| {
        let m = d["micro_grid_members"].as_array().expect("members");
        assert_eq!(m.len(), 1, "{d}");
        m[0]["id"].clone()
    };
    assert_ne!(only(&first), only(&fifth));
    assert_eq!(fifth["micro_grid"]["name"], "100栋4-6单元微网格");
    // Both halves share the grid head.
    assert_eq!(first["grid_head"]["id"], fifth["grid_head"]["id"]);
}

async fn unknown_buildings_and_units_are_404(app: TestApp) {
    let (status, body) = app.get_json("/api/v1/directory?building=99999999999").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("楼栋") && m.contains("99999999999")));
    let (status, body) = app.get_json(&format!("/api/v1/directory?building={B98}&unit=9")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("单元") && m.contains('9')));
    let (status, body) = app.get_json("/api/v1/no-such-route").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

async fn malformed_parameters_are_400(app: TestApp) {
    for (query, field) in [
        ("".to_string(), "building"),
        ("building=".to_string(), "building"),
        (format!("building={B98}&unit=three"), "unit"),
        (format!("building={B98}&unit=0"), "unit"),
        (format!("building={B98}&unit=-1"), "unit"),
        (format!("building={}", "9".repeat(41)), "building"),
        (format!("building={B98}&building={B100}"), "building"),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/directory?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

async fn the_building_page_in_chinese(app: TestApp) {
    let (status, html) = app.get_text(&format!("/buildings/{B98}")).await;
    assert_eq!(status, 200);
    let (_, d) = app.get_json(&format!("/api/v1/directory?building={B98}")).await;
    for needle in [
        "越江新村98栋",
        "有事找谁",
        "微网格员",
        "网格长",
        "南通越江物业服务有限公司",
        "0513-85062345",
        "照明设施",
        "24 小时",
        d["micro_grid_members"][0]["name"].as_str().unwrap_or("?"),
        d["micro_grid_members"][0]["phone"].as_str().unwrap_or("?"),
        d["grid_head"]["name"].as_str().unwrap_or("?"),
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
    assert!(html.contains("lang=\"zh-CN\""));
    let (member, head) =
        (d["micro_grid_members"][0]["phone"].as_str().unwrap_or("?"), d["grid_head"]["phone"].as_str().unwrap_or("?"));
    assert!(html.contains(&format!("href=\"tel:{member}\"")) && html.contains(&format!("href=\"tel:{head}\"")));
    let mut published = [member, head];
    published.sort_unstable();
    assert_eq!(full_mobiles(&html), published, "only the grid workers' published phones are in full");
    assert!(!contains_full_mobile(&html.replace(member, "").replace(head, "")));
    let (status, html) = app.get_text("/buildings/nope").await;
    assert_eq!(status, 404);
    assert!(html.contains("找不到楼栋"));
}

#[tokio::test]
async fn the_home_page_finds_buildings() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await.expect("sqlite");
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("有事找谁"));
    let (status, html) = app.get_text(&format!("/?q={}", crate::search::urlencode("越江新村 98栋"))).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/buildings/{B98}\"")), "{html}");
    let (_, html) = app.get_text(&format!("/?q={}", crate::search::urlencode("<script>"))).await;
    assert!(!html.contains("<script>"), "user input is escaped");
}
