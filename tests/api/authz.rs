//! The authorization matrix, generated from the router's own route list:
//! every route must have a policy here (a new route without one fails), and
//! for every role, with actors in two grids and two communities, no read or
//! write across scope succeeds and every allowed one does.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use linli::time::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anon,
    Resident,
    Mgm,
    Head,
    Head1,
    Staff,
    StaffYl,
    Property,
    PropertyYl,
    Dept,
    Centre,
    Admin,
}

use Who::*;

const ALL: [Who; 12] = [Anon, Resident, Mgm, Head, Head1, Staff, StaffYl, Property, PropertyYl, Dept, Centre, Admin];
const SIGNED_IN: [Who; 11] = [Resident, Mgm, Head, Head1, Staff, StaffYl, Property, PropertyYl, Dept, Centre, Admin];

impl Who {
    fn username(self) -> Option<&'static str> {
        Some(match self {
            Anon => return None,
            Resident => "jumin",
            Mgm => "weiwangge",
            Head => "wanggezhang",
            Head1 => "head1",
            Staff => "shequ",
            StaffYl => "staffyl",
            Property => "wuye",
            PropertyYl => "wuyeyl",
            Dept => "zhifa",
            Centre => "zhihui",
            Admin => "admin",
        })
    }
}

/// How a route is guarded, and whom it lets through at home (越江社区第六网格,
/// 98栋) and away (园林社区). Outside the lists, a request must be refused.
enum Policy {
    /// Open to everyone (public information, or guarded by its own protocol).
    Public(&'static str),
    /// Who gets through, at home and away.
    Scoped { home: &'static [Who], away: &'static [Who] },
    /// Any signed-in person, about themselves only.
    Own,
}

fn policy(method: &str, path: &str) -> Option<Policy> {
    use Policy::*;
    const VIEW_A: &[Who] = &[Resident, Mgm, Head, Staff, Property, Centre, Admin];
    const VIEW_B: &[Who] = &[StaffYl, PropertyYl, Admin];
    const MANAGE_A: &[Who] = &[Staff, Centre, Admin];
    const MANAGE_B: &[Who] = &[StaffYl, Admin];
    Some(match (method, path) {
        (
            "GET",
            "/healthz"
            | "/readyz"
            | "/api/v1/status"
            | "/api/v1/openapi.json"
            | "/static/app.css"
            | "/static/centre.css"
            | "/static/centre.js"
            | "/static/sweep.js"
            | "/static/campaigns.js"
            | "/static/campaigns.css"
            | "/static/patrol.js"
            | "/app/campaigns/sweep-sw.js"
            | "/favicon.ico",
        ) => Public("service"),
        ("GET", "/" | "/buildings/{code}" | "/api/v1/buildings" | "/api/v1/directory") => {
            Public("the directory is public")
        }
        ("GET" | "POST", "/buildings/{code}/chat" | "/buildings/{code}/report") => Public("residents need no account"),
        ("GET", "/api/v1/channels/{code}/messages") => Public("a building's channel is its residents' group"),
        ("POST", "/api/v1/cases" | "/api/v1/attachments") => Public("residents report without an account"),
        ("GET", "/follow" | "/follow/{id}") | ("POST", "/follow/{id}") => {
            Public("guarded by the case's follow token or the reporter's session; others see masked progress")
        }
        ("GET", "/cases/{id}") => Public("a chat line's link: sends each reader to the view they may see"),
        ("GET", "/verify/{token}" | "/print/notice-board/{file}") => Public("printed at the door"),
        ("GET", "/notices/{token}") | ("POST", "/notices/{token}/answer") => {
            Public("a rectification notice's QR: its token is the capability, and the page is masked")
        }
        ("GET", "/attachments/{sha}" | "/attachments/{sha}/thumbnail") => {
            Public("content-addressed: knowing the SHA-256 is the capability")
        }
        ("GET", "/login" | "/lang/{code}") | ("POST", "/login" | "/logout" | "/api/v1/auth/token") => {
            Public("signing in")
        }
        ("GET" | "POST", "/open311/v2/{resource}")
        | ("GET", "/open311/v2/services/{code}" | "/open311/v2/requests/{id}" | "/open311/v2/tokens/{token}") => {
            Public("Open311: public reads, writes need the client's api_key")
        }
        ("GET" | "POST", "/connect/wecom/callback") => Public("WeCom: signed by WeCom"),
        ("GET", "/api/v1/me" | "/api/v1/notifications" | "/account" | "/account/password" | "/app" | "/app/cases")
        | ("POST", "/api/v1/notifications/{id}/read" | "/account/password" | "/account/phone-publicity")
        | ("DELETE", "/api/v1/auth/token") => Own,
        ("GET", "/api/v1/cases" | "/api/v1/campaigns" | "/app/campaigns" | "/api/v1/patrol-zones") => Own,
        // A patrol zone: its owner (98栋's member owns the home zone), the area's staff, the departments above it.
        (
            "GET",
            "/api/v1/patrol-zones/{id}"
            | "/api/v1/patrol-zones/{id}/visits"
            | "/api/v1/checkpoints/{id}/plate.pdf"
            | "/patrol/{token}",
        )
        | ("POST", "/api/v1/checkpoints/{token}/visits") => {
            Scoped { home: &[Mgm, Staff, Dept, Centre, Admin], away: &[StaffYl, Admin] }
        }
        ("POST", "/api/v1/patrol-zones" | "/api/v1/patrol-zones/{id}/checkpoints") => {
            Scoped { home: MANAGE_A, away: MANAGE_B }
        }
        // A sweep is seen by everyone who works its area, and by the street's enforcement team.
        (
            "GET",
            "/api/v1/campaigns/{id}"
            | "/api/v1/campaigns/{id}/sweep"
            | "/api/v1/campaigns/{id}/coverage"
            | "/api/v1/findings/{id}"
            | "/app/campaigns/{id}"
            | "/app/campaigns/{id}/sweep",
        ) => Scoped { home: &[Mgm, Head, Head1, Staff, Dept, Centre, Admin], away: &[StaffYl, Admin] },
        ("POST", "/api/v1/campaigns" | "/app/campaigns") => Scoped { home: MANAGE_A, away: MANAGE_B },
        // Sweeping 98栋 (and re-inspecting there): its member, its grid head, community staff.
        (
            "POST",
            "/api/v1/campaigns/{id}/units" | "/api/v1/campaigns/{id}/findings" | "/api/v1/findings/{id}/reinspection",
        ) => Scoped { home: &[Mgm, Head, Staff], away: &[StaffYl] },
        ("GET", "/api/v1/campaigns/{id}/enforcement") => Scoped { home: &[Staff, Dept, Centre, Admin], away: MANAGE_B },
        ("POST", "/api/v1/findings/{id}/notice") | ("GET", "/api/v1/findings/{id}/notice.pdf") => {
            Scoped { home: &[Head, Staff, Dept, Centre, Admin], away: MANAGE_B }
        }
        ("POST", "/api/v1/findings/{id}/enforcement") => Scoped { home: &[Dept, Admin], away: &[Admin] },
        ("GET", "/api/v1/cases/{id}" | "/api/v1/cases/{id}/events" | "/app/cases/{id}")
        | ("POST", "/api/v1/cases/{id}/actions/{action}" | "/app/cases/{id}/act") => {
            Scoped { home: VIEW_A, away: VIEW_B }
        }
        ("GET", "/api/v1/cases/{id}/reporters") => {
            Scoped { home: &[Mgm, Head, Staff, Property, Centre], away: &[StaffYl, PropertyYl] }
        }
        ("GET", "/api/v1/indicators") => Scoped { home: &[Staff, Centre, Admin], away: MANAGE_B },
        ("POST", "/api/v1/channels/{code}/messages") => Scoped { home: &SIGNED_IN, away: &SIGNED_IN },
        ("POST", "/api/v1/channels/{code}/messages/{id}/confirm" | "/api/v1/channels/{code}/messages/{id}/dismiss") => {
            // Administrators configure; they do not process cases.
            Scoped { home: &[Mgm, Head, Staff, Centre], away: &[StaffYl] }
        }
        (
            "POST",
            "/api/v1/routing-rules"
            | "/api/v1/robots"
            | "/api/v1/wecom/bindings"
            | "/app/admin/routing"
            | "/app/admin/people"
            | "/app/admin/people/phone-publicity"
            | "/app/admin/roles/end",
        )
        | ("DELETE", "/api/v1/routing-rules/{id}" | "/api/v1/robots/{id}") => Scoped { home: MANAGE_A, away: MANAGE_B },
        ("GET", "/api/v1/routing-rules" | "/app/admin/routing" | "/app/admin/people" | "/app/admin/tree") => {
            Scoped { home: &[Staff, StaffYl, Centre, Admin], away: &[Staff, StaffYl, Centre, Admin] }
        }
        ("GET", "/api/v1/robots" | "/api/v1/wecom/bindings") => Own,
        ("GET", "/centre" | "/centre/stream") => Scoped {
            home: &[Head, Head1, Staff, StaffYl, Centre, Admin],
            away: &[Head, Head1, Staff, StaffYl, Centre, Admin],
        },
        ("GET", "/print/work-card/{file}") => Scoped { home: &[Mgm, Staff, Admin], away: &[StaffYl, Admin] },
        // The micro-grid member of 98栋 herself, and the managers of her area.
        ("GET" | "POST", "/api/v1/people/{id}/phone-publicity") => {
            Scoped { home: &[Mgm, Staff, Centre, Admin], away: MANAGE_B }
        }
        ("GET" | "POST", "/api/v1/api-clients")
        | ("GET", "/api/v1/access-log")
        | ("DELETE", "/api/v1/api-clients/{id}") => Scoped { home: &[Admin], away: &[Admin] },
        _ => return None,
    })
}

struct Fixture {
    app: TestApp,
    tokens: HashMap<Who, String>,
    pages: HashMap<Who, (reqwest::Client, String)>,
    case_a: i64,
    case_b: i64,
    member_a: i64,
    member_b: i64,
    campaign_a: i64,
    campaign_b: i64,
    /// A patrol zone (id) and one of its checkpoints (id, token) at home and away.
    patrol_a: (i64, i64, String),
    patrol_b: (i64, i64, String),
}

const A98: &str = "32060201100301098";
const B5: &str = "32060201200501005";

async fn add_account(app: &TestApp, sql_person: &str, username: &str) {
    let (person,): (i64,) = linli::db::query_dyn(sql_person.to_string()).fetch_one(&app.db).await.expect("person");
    let hash = linli::auth::accounts::hash_password(linli::demo::DEMO_PASSWORD).expect("hash");
    let mut tx = app.db.begin().await.expect("tx");
    linli::auth::accounts::create_account(&mut tx, person, username, &hash).await.expect("account");
    tx.commit().await.expect("commit");
}

async fn add_person_with_role(
    app: &TestApp,
    name: &str,
    role: linli::auth::Role,
    node: Option<&str>,
    org: Option<&str>,
) -> i64 {
    let mut tx = app.db.begin().await.expect("tx");
    let person = linli::people::store::insert_person(
        &mut tx,
        &linli::people::store::NewPerson { name: name.into(), ..Default::default() },
    )
    .await
    .expect("person");
    let node_id = match node {
        Some(code) => Some(
            linli::db::query("SELECT id FROM org_nodes WHERE code = $1")
                .bind(code)
                .scalar::<i64>(&mut tx)
                .await
                .expect("node"),
        ),
        None => None,
    };
    let org_id = match org {
        Some(n) => Some(
            linli::db::query("SELECT id FROM organisations WHERE name = $1")
                .bind(n)
                .scalar::<i64>(&mut tx)
                .await
                .expect("org"),
        ),
        None => None,
    };
    let mut r = linli::people::store::NewRole::at_node(person, role, node_id.unwrap_or(0));
    r.node_id = node_id;
    r.organisation_id = org_id;
    linli::people::store::assign_role(&mut tx, &r).await.expect("role");
    tx.commit().await.expect("commit");
    person
}

async fn fixture() -> Fixture {
    // Chat reports wait for confirmation, so confirm and dismiss can be probed.
    let app = TestApp::spawn_configured(Clock::system(), |c| {
        c.channels.auto_confidence = 1.01;
        c.limits.login_per_minute = 1000;
        c.limits.anonymous_per_minute = 10_000;
        c.limits.building_per_minute = 10_000;
    })
    .await;
    add_account(&app, "SELECT r.person_id FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id WHERE r.role = 'grid_head' AND n.code = '32060201100301'", "head1").await;
    add_person_with_role(&app, "园林社工", linli::auth::Role::CommunityStaff, Some("320602012005"), None).await;
    add_account(&app, "SELECT id FROM people WHERE name = '园林社工'", "staffyl").await;
    add_person_with_role(
        &app,
        "园林物业",
        linli::auth::Role::PropertyStaff,
        None,
        Some("南通园林佳苑物业管理有限公司"),
    )
    .await;
    add_account(&app, "SELECT id FROM people WHERE name = '园林物业'", "wuyeyl").await;
    let mut tokens = HashMap::new();
    let mut pages = HashMap::new();
    for who in SIGNED_IN {
        let name = who.username().expect("user");
        tokens.insert(who, app.login(name).await);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        client
            .post(app.url("/login"))
            .form(&[("username", name), ("password", linli::demo::DEMO_PASSWORD)])
            .send()
            .await
            .expect("login");
        let html = client.get(app.url("/account/password")).send().await.expect("page").text().await.expect("html");
        let marker = "name=\"csrf-token\" content=\"";
        let csrf = html
            .find(marker)
            .map(|i| html[i + marker.len()..].split('"').next().unwrap_or("").to_string())
            .expect("csrf");
        pages.insert(who, (client, csrf));
    }
    let report = |building: &str| json!({"category": "lighting", "description": "楼道灯不亮", "building": building});
    let (_, a) = app.post("/api/v1/cases", Some(&tokens[&Resident]), &report(A98)).await;
    let (_, b) = app.post("/api/v1/cases", Some(&tokens[&StaffYl]), &report(B5)).await;
    let member = |code: &'static str| {
        let db = app.db.clone();
        async move {
            linli::db::query("SELECT r.person_id FROM role_assignments r JOIN org_nodes n ON n.id = r.node_id WHERE r.role = 'micro_grid_member' AND n.code = $1")
                .bind(code)
                .scalar::<i64>(&db)
                .await
                .expect("member")
        }
    };
    let member_a = member("32060201100306098").await;
    let member_b = member("32060201200501005").await;
    let sweep = |community: &str| json!({"name": "排查", "nodes": [community], "starts_on": "2020-01-01", "ends_on": "2020-12-31"});
    let (_, sweep_a) = app.post("/api/v1/campaigns", Some(&tokens[&Staff]), &sweep("320602011003")).await;
    let (_, sweep_b) = app.post("/api/v1/campaigns", Some(&tokens[&StaffYl]), &sweep("320602012005")).await;
    let patrol = |community: &'static str, centre: (f64, f64), owners: Vec<i64>, who: Who| {
        let (app, tokens) = (&app, &tokens);
        async move {
            let zone = json!({"name": "片区", "node": community, "centre": {"lat": centre.0, "lng": centre.1}, "radius_m": 2000, "owners": owners});
            let (_, z) = app.post("/api/v1/patrol-zones", Some(&tokens[&who]), &zone).await;
            let id = z["zone"]["id"].as_i64().expect("zone");
            let point = json!({"kind": "garbage_point", "name": "垃圾点", "lat": centre.0, "lng": centre.1});
            let (_, c) = app.post(&format!("/api/v1/patrol-zones/{id}/checkpoints"), Some(&tokens[&who]), &point).await;
            let url = c["patrol_url"].as_str().expect("url");
            (
                id,
                c["checkpoint"]["id"].as_i64().expect("checkpoint"),
                url.rsplit('/').next().expect("token").to_string(),
            )
        }
    };
    let patrol_a = patrol("320602011003", (32.00424, 120.86794), vec![member_a], Staff).await;
    let patrol_b = patrol("320602012005", (31.9750, 120.88168), vec![], StaffYl).await;
    Fixture {
        patrol_a,
        patrol_b,
        campaign_a: sweep_a["campaign"]["id"].as_i64().expect("campaign a"),
        campaign_b: sweep_b["campaign"]["id"].as_i64().expect("campaign b"),
        case_a: a["id"].as_i64().expect("a"),
        case_b: b["id"].as_i64().expect("b"),
        member_a,
        member_b,
        app,
        tokens,
        pages,
    }
}

/// The person behind a demo account, or a person without one, as the services take them.
async fn person_actor(app: &TestApp, username: Option<&str>, person: i64) -> linli::auth::Actor {
    let person = match username {
        Some(name) => {
            let account =
                linli::auth::store::account_by_username(&app.db, name).await.expect("account").expect("exists");
            linli::auth::load_person_actor(&app.db, account.id).await.expect("actor")
        }
        None => linli::auth::PersonActor {
            person_id: person,
            account_id: 0,
            name: "微网格员".into(),
            grants: linli::auth::store::active_grants(&app.db, person).await.expect("grants"),
        },
    };
    linli::auth::Actor::Person(person)
}

/// A new finding in unit 1 of the home (98栋) or away (园林 5栋) campaign, with its notice when asked.
async fn fresh_finding(fx: &Fixture, home: bool, with_notice: bool) -> i64 {
    let app = &fx.app;
    let (campaign, building, member) = if home {
        (fx.campaign_a, A98, person_actor(app, Some("weiwangge"), 0).await)
    } else {
        (fx.campaign_b, B5, person_actor(app, None, fx.member_b).await)
    };
    let input = linli::campaigns::service::NewFindingInput {
        building: building.into(),
        unit: 1,
        check: "clutter".into(),
        floor: None,
        room: None,
        note: None,
        photos: Vec::new(),
    };
    let key = linli::auth::secret::new_token();
    let (f, _) =
        linli::campaigns::service::record_finding(&app.state, &member, campaign, input, &key).await.expect("finding");
    if with_notice {
        let admin = person_actor(app, Some("admin"), 0).await;
        linli::campaigns::service::issue_notice(&app.state, &admin, f.id).await.expect("notice");
    }
    f.id
}

/// A request for one route, against home (true) or away (false) data.
async fn request(fx: &Fixture, who: Who, method: &str, path: &str, home: bool) -> (u16, String) {
    let app = &fx.app;
    let (building, case, community, member) =
        if home { (A98, fx.case_a, "320602011003", fx.member_a) } else { (B5, fx.case_b, "320602012005", fx.member_b) };
    let campaign = if home { fx.campaign_a } else { fx.campaign_b };
    let (zone, checkpoint, checkpoint_token) = if home { fx.patrol_a.clone() } else { fx.patrol_b.clone() };
    let centre = if home { (32.00424, 120.86794) } else { (31.9750, 120.88168) };
    let page = ["/app", "/centre", "/print/work-card", "/account", "/patrol/"].iter().any(|p| path.starts_with(p));
    // Resources made fresh for each attempt, so one role's write does not change the next one's answer.
    let fresh_rule = || async {
        let mut tx = app.db.begin().await.expect("tx");
        let node = linli::db::query("SELECT id FROM org_nodes WHERE code = $1")
            .bind(community)
            .scalar::<i64>(&mut tx)
            .await
            .expect("node");
        let rule = linli::routing::NewRule { handler: Some("community".into()), ..Default::default() };
        let id = linli::routing::insert_rule(&mut tx, &rule, Some(node), 0).await.expect("rule");
        tx.commit().await.expect("commit");
        id
    };
    let (url, body, form): (String, Option<Value>, Option<Vec<(String, String)>>) = match (method, path) {
        ("GET", "/api/v1/cases/{id}") => (format!("/api/v1/cases/{case}"), None, None),
        ("GET", "/api/v1/cases/{id}/events") => (format!("/api/v1/cases/{case}/events"), None, None),
        ("GET", "/api/v1/cases/{id}/reporters") => (format!("/api/v1/cases/{case}/reporters"), None, None),
        ("POST", "/api/v1/cases/{id}/actions/{action}") => {
            (format!("/api/v1/cases/{case}/actions/comment"), Some(json!({"note": "查看"})), None)
        }
        ("GET", "/app/cases/{id}") => (format!("/app/cases/{case}"), None, None),
        ("POST", "/app/cases/{id}/act") => (
            format!("/app/cases/{case}/act"),
            None,
            Some(vec![("action".into(), "comment".into()), ("note".into(), "查看".into())]),
        ),
        ("GET", "/api/v1/indicators") => (format!("/api/v1/indicators?node={community}"), None, None),
        ("POST", "/api/v1/channels/{code}/messages") => {
            (format!("/api/v1/channels/{building}/messages"), Some(json!({"text": "你好"})), None)
        }
        (
            "POST",
            p @ ("/api/v1/channels/{code}/messages/{id}/confirm" | "/api/v1/channels/{code}/messages/{id}/dismiss"),
        ) => {
            let (_, posted) = app
                .post(
                    &format!("/api/v1/channels/{building}/messages"),
                    Some("linli-demo-key"),
                    &json!({"text": "三单元楼道灯不亮"}),
                )
                .await;
            let id = posted["message"]["id"].as_i64().expect("message");
            let verb = if p.ends_with("confirm") { "confirm" } else { "dismiss" };
            (format!("/api/v1/channels/{building}/messages/{id}/{verb}"), Some(json!({})), None)
        }
        ("POST", "/api/v1/routing-rules") => {
            (path.into(), Some(json!({"node": community, "handler": "community"})), None)
        }
        ("DELETE", "/api/v1/routing-rules/{id}") => {
            (format!("/api/v1/routing-rules/{}", fresh_rule().await), None, None)
        }
        ("POST", "/api/v1/robots") => (
            path.into(),
            Some(json!({"kind": "wecom", "name": "群", "url": "http://127.0.0.1:9/hook", "node": community})),
            None,
        ),
        ("DELETE", "/api/v1/robots/{id}") => {
            let id = linli::db::query("INSERT INTO robots (kind, name, url, node_id, active, created_at) VALUES ('wecom', 'r', 'http://127.0.0.1:9', (SELECT id FROM org_nodes WHERE code = $1), TRUE, 0) RETURNING id")
                .bind(community)
                .scalar::<i64>(&app.db)
                .await
                .expect("robot");
            (format!("/api/v1/robots/{id}"), None, None)
        }
        ("POST", "/api/v1/wecom/bindings") => (
            path.into(),
            Some(json!({"kind": "user", "external_id": format!("u-{who:?}"), "building": building})),
            None,
        ),
        ("POST", "/app/admin/routing") => {
            (path.into(), None, Some(vec![("node".into(), community.into()), ("handler".into(), "community".into())]))
        }
        ("POST", "/app/admin/people") => (
            path.into(),
            None,
            Some(vec![
                ("name".into(), "新人".into()),
                ("role".into(), "party_member".into()),
                ("node".into(), community.into()),
            ]),
        ),
        ("POST", "/app/admin/roles/end") => {
            let node = if home { "32060201100306098" } else { "32060201200501005" };
            let person = add_person_with_role(app, "临时", linli::auth::Role::PartyMember, Some(node), None).await;
            let id = linli::db::query("SELECT id FROM role_assignments WHERE person_id = $1")
                .bind(person)
                .scalar::<i64>(&app.db)
                .await
                .expect("role");
            (path.into(), None, Some(vec![("assignment".into(), id.to_string())]))
        }
        ("GET", "/print/work-card/{file}") => (format!("/print/work-card/{member}.pdf"), None, None),
        ("GET", "/api/v1/people/{id}/phone-publicity") => {
            (format!("/api/v1/people/{member}/phone-publicity"), None, None)
        }
        ("POST", "/api/v1/people/{id}/phone-publicity") => {
            (format!("/api/v1/people/{member}/phone-publicity"), Some(json!({"published": true})), None)
        }
        ("POST", "/app/admin/people/phone-publicity") => {
            (path.into(), None, Some(vec![("person".into(), member.to_string()), ("published".into(), "1".into())]))
        }
        ("POST", "/api/v1/api-clients") => (path.into(), Some(json!({"name": "c"})), None),
        ("DELETE", "/api/v1/api-clients/{id}") => {
            let mut tx = app.db.begin().await.expect("tx");
            let id =
                linli::auth::clients::create(&mut tx, "t", &linli::auth::secret::new_token(), 0).await.expect("client");
            tx.commit().await.expect("commit");
            (format!("/api/v1/api-clients/{id}"), None, None)
        }
        ("GET", "/centre/stream") => return probe_stream(fx, who).await,
        ("POST", "/api/v1/patrol-zones") => (
            path.into(),
            Some(
                json!({"name": "片区", "node": community, "centre": {"lat": centre.0, "lng": centre.1}, "radius_m": 500}),
            ),
            None,
        ),
        ("POST", "/api/v1/patrol-zones/{id}/checkpoints") => (
            format!("/api/v1/patrol-zones/{zone}/checkpoints"),
            Some(json!({"kind": "building_site", "name": "工地", "lat": centre.0, "lng": centre.1})),
            None,
        ),
        ("GET", "/api/v1/patrol-zones/{id}" | "/api/v1/patrol-zones/{id}/visits") => {
            (path.replace("{id}", &zone.to_string()), None, None)
        }
        ("GET", "/api/v1/checkpoints/{id}/plate.pdf") => {
            (format!("/api/v1/checkpoints/{checkpoint}/plate.pdf"), None, None)
        }
        ("GET", "/patrol/{token}") => (format!("/patrol/{checkpoint_token}"), None, None),
        ("POST", "/api/v1/checkpoints/{token}/visits") => {
            (format!("/api/v1/checkpoints/{checkpoint_token}/visits"), Some(json!({"result": "ok"})), None)
        }
        ("POST", "/api/v1/campaigns") => (
            path.into(),
            Some(json!({"name": "排查", "nodes": [community], "starts_on": "2020-01-01", "ends_on": "2020-12-31"})),
            None,
        ),
        ("POST", "/app/campaigns") => (
            path.into(),
            None,
            Some(vec![
                ("name".into(), "排查".into()),
                ("node".into(), community.into()),
                ("starts_on".into(), "2020-01-01".into()),
                ("ends_on".into(), "2020-12-31".into()),
                ("check".into(), "clutter".into()),
            ]),
        ),
        ("POST", "/api/v1/campaigns/{id}/units") => {
            (format!("/api/v1/campaigns/{campaign}/units"), Some(json!({"building": building, "unit": 2})), None)
        }
        ("POST", "/api/v1/campaigns/{id}/findings") => (
            format!("/api/v1/campaigns/{campaign}/findings"),
            Some(json!({"building": building, "unit": 2, "check": "clutter"})),
            None,
        ),
        ("GET", p) if p.starts_with("/api/v1/campaigns/{id}") || p.starts_with("/app/campaigns/{id}") => {
            (p.replace("{id}", &campaign.to_string()), None, None)
        }
        ("GET", "/api/v1/findings/{id}") => {
            (format!("/api/v1/findings/{}", fresh_finding(fx, home, false).await), None, None)
        }
        ("GET", "/api/v1/findings/{id}/notice.pdf") => {
            (format!("/api/v1/findings/{}/notice.pdf", fresh_finding(fx, home, true).await), None, None)
        }
        ("POST", "/api/v1/findings/{id}/notice") => {
            (format!("/api/v1/findings/{}/notice", fresh_finding(fx, home, false).await), Some(json!({})), None)
        }
        ("POST", "/api/v1/findings/{id}/enforcement") => (
            format!("/api/v1/findings/{}/enforcement", fresh_finding(fx, home, false).await),
            Some(json!({"outcome": "cleared"})),
            None,
        ),
        ("POST", "/api/v1/findings/{id}/reinspection") => (
            format!("/api/v1/findings/{}/reinspection", fresh_finding(fx, home, false).await),
            Some(json!({"fixed": true})),
            None,
        ),
        ("GET", p) => (p.to_string(), None, None),
        (m, p) => panic!("no request for {m} {p}"),
    };
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let resp = if page {
        let (client, csrf) = match fx.pages.get(&who) {
            Some((c, t)) => (c.clone(), t.clone()),
            None => (
                reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
                String::new(),
            ),
        };
        let mut req = client.request(method, app.url(&url));
        if let Some(mut form) = form {
            form.push(("_csrf".into(), csrf));
            let mut multipart = reqwest::multipart::Form::new();
            if url.ends_with("/act") {
                for (k, v) in form {
                    multipart = multipart.text(k, v);
                }
                req = req.multipart(multipart);
            } else {
                req = req.form(&form);
            }
        }
        req.send().await.expect("send")
    } else {
        let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let mut req = plain.request(method, app.url(&url));
        if let Some(t) = fx.tokens.get(&who) {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("send")
    };
    let status = resp.status().as_u16();
    let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
    let text = if status == 200 { resp.text().await.unwrap_or_default() } else { location };
    (status, text)
}

/// The SSE stream answers with headers at once; read just the status.
async fn probe_stream(fx: &Fixture, who: Who) -> (u16, String) {
    let client = match fx.pages.get(&who) {
        Some((c, _)) => c.clone(),
        None => reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
    };
    let resp = client.get(fx.app.url("/centre/stream")).send().await.expect("stream");
    let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
    (resp.status().as_u16(), location)
}

fn refused(status: u16, body: &str) -> bool {
    matches!(status, 401 | 403 | 404) || (status == 303 && body.starts_with("/login"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_for_every_role_in_and_out_of_scope() {
    let fx = fixture().await;
    let routes: Vec<(String, String)> =
        linli::app::endpoints().iter().map(|e| (e.method.as_str().to_string(), e.path.to_string())).collect();
    let missing: Vec<_> = routes.iter().filter(|(m, p)| policy(m, p).is_none()).collect();
    assert!(missing.is_empty(), "routes without an authorization policy in tests/api/authz.rs: {missing:?}");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path) in &routes {
        let Some(Policy::Scoped { home, away }) = policy(method, path) else { continue };
        for who in ALL {
            for (is_home, allowed) in [(true, home), (false, away)] {
                let (status, body) = request(&fx, who, method, path, is_home).await;
                checked += 1;
                let ok = if allowed.contains(&who) {
                    !refused(status, &body) && status < 500
                } else {
                    refused(status, &body)
                };
                if !ok {
                    let side = if is_home { "home" } else { "away" };
                    let verdict = if allowed.contains(&who) { "should pass" } else { "should be refused" };
                    failures.push(format!("{who:?} {method} {path} ({side}): {status} but {verdict}"));
                }
            }
        }
    }
    // "Own" routes: anonymous is refused, every signed-in person passes.
    for (method, path) in &routes {
        if !matches!(policy(method, path), Some(Policy::Own)) || method == "DELETE" || method == "POST" {
            continue;
        }
        for who in ALL {
            let (status, body) = request(&fx, who, method, path, true).await;
            checked += 1;
            let ok = if who == Anon { refused(status, &body) } else { !refused(status, &body) && status < 400 };
            if !ok {
                failures.push(format!("{who:?} {method} {path}: {status}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));

    // Public routes say why, and answer anyone.
    for (method, path) in &routes {
        if let Some(Policy::Public(reason)) = policy(method, path) {
            assert!(!reason.is_empty());
            if method == "GET" && !path.contains('{') && !path.starts_with("/connect/") {
                let url = match path.as_str() {
                    "/api/v1/buildings" => "/api/v1/buildings?q=98".to_string(),
                    "/api/v1/directory" => format!("/api/v1/directory?building={A98}"),
                    p => p.to_string(),
                };
                let status = fx.app.client.get(fx.app.url(&url)).send().await.expect("get").status().as_u16();
                assert!(status < 400, "anonymous GET {url}: {status}");
            }
        }
    }

    // Lists never carry the other area's cases.
    for who in [Resident, Mgm, Head, Head1, Staff, Property, Dept, Centre] {
        let (_, list) = fx.app.get_as("/api/v1/cases?limit=200", &fx.tokens[&who]).await;
        let ids: Vec<i64> = list.as_array().expect("list").iter().filter_map(|c| c["id"].as_i64()).collect();
        assert!(!ids.contains(&fx.case_b), "{who:?} sees 园林's case in its list");
        let (client, _) = &fx.pages[&who];
        let inbox =
            client.get(fx.app.url("/app/cases?tab=all")).send().await.expect("inbox").text().await.expect("html");
        assert!(!inbox.contains(&format!("/app/cases/{}\"", fx.case_b)), "{who:?} sees 园林's case in its inbox");
    }
    for who in [Head1, Dept, StaffYl, PropertyYl] {
        let (_, list) = fx.app.get_as("/api/v1/cases?limit=200", &fx.tokens[&who]).await;
        let ids: Vec<i64> = list.as_array().expect("list").iter().filter_map(|c| c["id"].as_i64()).collect();
        assert!(!ids.contains(&fx.case_a), "{who:?} sees 98栋's case in its list");
    }
    // Managers' lists hold only their own area's rules.
    let (_, rules) = fx.app.get_as("/api/v1/routing-rules", &fx.tokens[&StaffYl]).await;
    assert!(
        rules
            .as_array()
            .expect("rules")
            .iter()
            .all(|r| r["node_code"].as_str().is_none_or(|c| c.starts_with("320602012005"))),
        "{rules}"
    );
}
