//! Demo data: 崇川区 with 永兴街道越江社区 (越江新村, the seed's first story)
//! and 狼山镇街道园林社区 (园林佳苑 and the air-quality monitoring point).
//! People's names and phone numbers are invented.

pub mod names;

use serde_json::json;

use crate::auth::Role;
use crate::auth::accounts;
use crate::db::{Db, Tx, query};
use crate::error::Result;
use crate::org::store::{self as org, NewBuilding, NewNode, NewOrganisation, NewPlace};
use crate::org::{Level, OrganisationKind, PlaceKind};
use crate::people::publicity::Recorder;
use crate::people::store::{self as people, NewPerson, NewRole};
use crate::privacy::Phone;
use crate::taxonomy::DepartmentKind;

/// The password of every demo account (README, "Demo accounts").
pub const DEMO_PASSWORD: &str = "linli-demo-2024";

/// Code of the demo district; its presence means the demo is loaded.
pub const DISTRICT_CODE: &str = "320602";
/// 越江新村 98栋, where the seed's stairwell light went out.
pub const BUILDING_98: &str = "32060201100301098";
/// The demo Open311 client's API key (README, "Open311").
pub const OPEN311_DEMO_KEY: &str = "linli-demo-key";

/// Where demo building `n` of an estate stands: a grid of ten by ten plots
/// about 40 m apart, starting at the estate's south-west corner.
fn plot(origin: (f64, f64), n: i64) -> (f64, f64) {
    let (row, col) = ((n - 1) / 10, (n - 1) % 10);
    (origin.0 + row as f64 * 0.00036, origin.1 + col as f64 * 0.00042)
}

const YUEJIANG_ORIGIN: (f64, f64) = (32.0010, 120.8650);
const YUANLIN_ORIGIN: (f64, f64) = (31.9750, 120.8800);

/// Whether the database holds no organisation tree at all.
pub async fn is_empty(db: &Db) -> Result<bool> {
    Ok(query("SELECT COUNT(*) FROM org_nodes").scalar::<i64>(db).await? == 0)
}

pub async fn is_loaded(db: &Db) -> Result<bool> {
    Ok(query("SELECT COUNT(*) FROM org_nodes WHERE code = $1").bind(DISTRICT_CODE).scalar::<i64>(db).await? > 0)
}

/// Loads the demo in one transaction: all of it or nothing.
pub async fn load(db: &Db) -> Result<()> {
    // One hash for every demo account: they share a documented password, and
    // hashing once keeps the first start fast.
    let password_hash = tokio::task::spawn_blocking(|| accounts::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| anyhow::anyhow!("hashing task failed: {e}"))??;
    let mut demo = Demo { tx: db.begin().await?, next_person: 0, password_hash };
    let district = demo.node(None, DISTRICT_CODE, "崇川区", Some(Level::District), None).await?;
    demo.department(district, DepartmentKind::Environment, "崇川生态环境局", "0513-85050001").await?;
    demo.department(district, DepartmentKind::PowerUtility, "崇川供电服务中心", "95598").await?;
    demo.department(district, DepartmentKind::GasUtility, "崇川燃气抢修中心", "0513-85050002").await?;
    yuejiang(&mut demo, district).await?;
    yuanlin(&mut demo, district).await?;
    let now = crate::time::now_ms();
    crate::auth::clients::create(&mut demo.tx, "linli 演示客户端", OPEN311_DEMO_KEY, now).await?;
    Ok(demo.tx.commit().await?)
}

struct Demo {
    tx: Tx,
    next_person: usize,
    password_hash: String,
}

impl Demo {
    async fn node(
        &mut self,
        parent: Option<i64>,
        code: &str,
        name: &str,
        root_level: Option<Level>,
        office: Option<(&str, &str)>,
    ) -> Result<i64> {
        let node = NewNode {
            code: code.to_string(),
            parent_id: parent,
            name: name.to_string(),
            office_phone: office.map(|o| o.0.to_string()),
            office_address: office.map(|o| o.1.to_string()),
            ..Default::default()
        };
        Ok(org::insert_node(&mut self.tx, &node, root_level).await?.id)
    }

    async fn organisation(&mut self, node_id: i64, kind: OrganisationKind, name: &str, phone: &str) -> Result<i64> {
        let org = NewOrganisation {
            kind: Some(kind),
            name: name.to_string(),
            phone: Some(phone.to_string()),
            node_id,
            ..Default::default()
        };
        org::insert_organisation(&mut self.tx, &org).await
    }

    async fn department(&mut self, node_id: i64, kind: DepartmentKind, name: &str, phone: &str) -> Result<i64> {
        let org = NewOrganisation {
            kind: Some(OrganisationKind::Department),
            department_kind: Some(kind.code().to_string()),
            name: name.to_string(),
            phone: Some(phone.to_string()),
            node_id,
            ..Default::default()
        };
        org::insert_organisation(&mut self.tx, &org).await
    }

    /// A new invented person.
    async fn person(&mut self) -> Result<i64> {
        let i = self.next_person;
        self.next_person += 1;
        let person = NewPerson {
            name: names::name(i),
            phone: Some(Phone::parse(&names::mobile(i)).expect("demo phones are valid")),
            ..Default::default()
        };
        people::insert_person(&mut self.tx, &person).await
    }

    /// Gives a role; a grid role's default consent to publish the work
    /// phone is recorded as the demo loader's.
    async fn role(&mut self, role: NewRole) -> Result<i64> {
        people::assign_role(&mut self.tx, &role.assigned_by(Recorder::demo())).await
    }

    async fn account(&mut self, person_id: i64, username: &str) -> Result<()> {
        accounts::create_account(&mut self.tx, person_id, username, &self.password_hash).await?;
        Ok(())
    }

    async fn place(
        &mut self,
        kind: PlaceKind,
        name: &str,
        node_id: i64,
        estate_id: Option<i64>,
        details: serde_json::Value,
    ) -> Result<i64> {
        let place = NewPlace {
            kind,
            name: name.to_string(),
            node_id,
            estate_id,
            organisation_id: None,
            lat: None,
            lng: None,
            details,
        };
        org::insert_place(&mut self.tx, &place).await
    }
}

/// The grid of 越江新村 that building `n` lies in: six grids of about fifteen
/// buildings (31号楼 in 第三网格, 98栋 in 第六网格).
fn yuejiang_grid_of(n: i64) -> usize {
    (((n - 1) / 15).min(5)) as usize
}

const GRID_NAMES: [&str; 6] = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格"];

async fn yuejiang(demo: &mut Demo, district: i64) -> Result<()> {
    let street = demo
        .node(Some(district), "320602011", "永兴街道", None, Some(("0513-85060000", "崇川区永兴街道办事处")))
        .await?;
    demo.department(street, DepartmentKind::Enforcement, "永兴街道综合执法大队", "0513-85060110").await?;
    demo.department(street, DepartmentKind::Police, "永兴派出所", "0513-85060111").await?;
    let centre = demo.person().await?;
    demo.role(
        NewRole::at_node(centre, Role::CommandCentre, street)
            .title("指挥中心值班员")
            .duties("全街道诉求监督、派遣、统计"),
    )
    .await?;
    demo.account(centre, "zhihui").await?;
    let enforcement =
        query("SELECT id FROM organisations WHERE name = '永兴街道综合执法大队'").scalar::<i64>(&mut demo.tx).await?;
    let officer = demo.person().await?;
    demo.role(
        NewRole::in_organisation(officer, Role::DepartmentOfficer, enforcement)
            .title("执法队员")
            .duties("消防隐患联合整治、占道经营、噪声执法"),
    )
    .await?;
    demo.account(officer, "zhifa").await?;

    let community = demo
        .node(
            Some(street),
            "320602011003",
            "越江社区",
            None,
            Some(("0513-85061234", "越江新村32号楼东侧 越江社区党群服务中心")),
        )
        .await?;
    demo.department(community, DepartmentKind::Employment, "越江社区就业服务站", "0513-85061235").await?;
    for (k, (title, duties, username)) in [
        ("党委书记、居委会主任", "社区全面工作，协商议事会召集", "shequ"),
        ("网格办专干", "诉求派遣、网格员管理、隐患台账", "shequ2"),
        ("就业服务专干", "就业困难人员帮扶、零工对接", "jiuye"),
    ]
    .into_iter()
    .enumerate()
    {
        let p = demo.person().await?;
        demo.role(NewRole::at_node(p, Role::CommunityStaff, community).title(title).duties(duties)).await?;
        demo.account(p, username).await?;
        if k == 0 {
            demo.role(NewRole::at_node(p, Role::PartyMember, community).title("社区党委书记")).await?;
        }
    }

    let property = demo
        .organisation(community, OrganisationKind::PropertyCompany, "南通越江物业服务有限公司", "0513-85062345")
        .await?;
    for (title, duties, username) in
        [("物业项目经理", "越江新村工单统筹", "wuye"), ("维修师傅", "水电照明维修", "wuye2")]
    {
        let p = demo.person().await?;
        demo.role(NewRole::in_organisation(p, Role::PropertyStaff, property).title(title).duties(duties)).await?;
        demo.account(p, username).await?;
        // A reserved example domain: mail to it never reaches anyone real.
        query("UPDATE people SET email = $1 WHERE id = $2")
            .bind(format!("{username}@yuejiang-wuye.example"))
            .bind(p)
            .execute(&mut demo.tx)
            .await?;
    }
    let estate =
        org::insert_estate(&mut demo.tx, community, "越江新村", &["越江小区"], Some("崇川区越江路"), Some(1995))
            .await?;

    let mut grids = Vec::new();
    for (g, name) in GRID_NAMES.iter().enumerate() {
        let grid = demo.node(Some(community), &format!("320602011003{:02}", g + 1), name, None, None).await?;
        let head = demo.person().await?;
        demo.role(
            NewRole::at_node(head, Role::GridHead, grid)
                .title("网格长")
                .duties("统筹网格事务，督办诉求处置，调解矛盾纠纷，排除安全隐患"),
        )
        .await?;
        if g == 5 {
            demo.account(head, "wanggezhang").await?;
        }
        for _ in 0..2 {
            let p = demo.person().await?;
            demo.role(NewRole::at_node(p, Role::PartyMember, grid).title("党员志愿者").duties("楼道巡查、政策宣传"))
                .await?;
        }
        grids.push(grid);
    }

    for n in 1..=100i64 {
        let grid = grids[yuejiang_grid_of(n)];
        let grid_code = format!("320602011003{:02}", yuejiang_grid_of(n) + 1);
        let micro = demo.node(Some(grid), &format!("{grid_code}{n:03}"), &format!("{n}栋微网格"), None, None).await?;
        let units = if n == 100 { 6 } else { 3 + n % 4 };
        let building = org::insert_building(
            &mut demo.tx,
            &NewBuilding {
                code: format!("32060201100301{n:03}"),
                estate_id: estate,
                node_id: micro,
                number: n.to_string(),
                floors: Some(6),
                lat: Some(plot(YUEJIANG_ORIGIN, n).0),
                lng: Some(plot(YUEJIANG_ORIGIN, n).1),
                property_company_id: Some(property),
                units,
            },
        )
        .await?;
        let unit_ids: Vec<(i64,)> = query("SELECT id FROM units WHERE building_id = $1 ORDER BY number")
            .bind(building)
            .fetch_all(&mut demo.tx)
            .await?;
        for (unit_id,) in unit_ids {
            org::insert_households(&mut demo.tx, unit_id, 6, 2).await?;
        }
        let member = demo.person().await?;
        demo.role(
            NewRole::at_node(member, Role::MicroGridMember, micro)
                .title("微网格员")
                .duties(&format!("{n}栋居民联系、日常走访、隐患排查、诉求上报")),
        )
        .await?;
        if n % 5 == 0 {
            // Many micro-grid members are party members too: one person, two roles.
            demo.role(NewRole::at_node(member, Role::PartyMember, micro).title("党员微网格员")).await?;
        }
        if n == 98 {
            demo.account(member, "weiwangge").await?;
            // Her WeCom userid: what she posts there is 98栋's channel.
            query("INSERT INTO wecom_bindings (kind, external_id, building_id, created_at) VALUES ('user', 'yuejiang-98', $1, $2)")
                .bind(building)
                .bind(crate::time::now_ms())
                .execute(&mut demo.tx)
                .await?;
            let resident = demo.person().await?;
            demo.role(NewRole::at_node(resident, Role::Resident, micro).duties("98栋3单元302室")).await?;
            demo.account(resident, "jumin").await?;
        }
        if n == 100 {
            // The biggest block has a second micro-grid for units 4 to 6.
            let second = demo.node(Some(grid), &format!("{grid_code}101"), "100栋4-6单元微网格", None, None).await?;
            for unit in 4..=units {
                org::set_unit_node(&mut demo.tx, building, unit, second).await?;
            }
            let p = demo.person().await?;
            demo.role(
                NewRole::at_node(p, Role::MicroGridMember, second)
                    .title("微网格员")
                    .duties("100栋4-6单元居民联系、隐患排查"),
            )
            .await?;
        }
    }

    for i in 1..=7 {
        demo.place(
            PlaceKind::ChargingShed,
            &format!("{i}号电瓶车充电棚"),
            community,
            Some(estate),
            json!({"sockets": 20, "auto_power_off": true, "extinguishers": 2}),
        )
        .await?;
    }
    for i in 1..=2 {
        demo.place(PlaceKind::Garage, &format!("{i}号车库"), community, Some(estate), json!({})).await?;
    }

    let admin = demo.person().await?;
    demo.role(NewRole::at_node(admin, Role::Admin, district).title("平台管理员")).await?;
    demo.account(admin, "admin").await?;
    Ok(())
}

async fn yuanlin(demo: &mut Demo, district: i64) -> Result<()> {
    let street = demo
        .node(Some(district), "320602012", "狼山镇街道", None, Some(("0513-85070000", "崇川区狼山镇街道办事处")))
        .await?;
    demo.department(street, DepartmentKind::Enforcement, "狼山镇街道综合执法大队", "0513-85070110").await?;
    demo.department(street, DepartmentKind::Police, "狼山派出所", "0513-85070111").await?;
    let centre = demo.person().await?;
    demo.role(NewRole::at_node(centre, Role::CommandCentre, street).title("社会治理现代化指挥中心值班员")).await?;

    let community = demo
        .node(
            Some(street),
            "320602012005",
            "园林社区",
            None,
            Some(("0513-85071234", "园林佳苑南门 园林社区党群服务中心")),
        )
        .await?;
    let environment =
        query("SELECT id FROM organisations WHERE department_kind = 'environment'").scalar::<i64>(&mut demo.tx).await?;
    let inspector = demo.person().await?;
    demo.role(
        NewRole::in_organisation(inspector, Role::DepartmentOfficer, environment)
            .title("环境监察员")
            .duties("国控点周边污染源监管、汽修企业VOC治理督办"),
    )
    .await?;
    demo.account(inspector, "huanbao").await?;

    let property = demo
        .organisation(community, OrganisationKind::PropertyCompany, "南通园林佳苑物业管理有限公司", "0513-85072345")
        .await?;
    let estate =
        org::insert_estate(&mut demo.tx, community, "园林佳苑", &["园林小区"], Some("崇川区园林路"), Some(2008))
            .await?;
    let grid_names = ["和美网格", "园林第二网格", "园林第三网格"];
    let mut grids = Vec::new();
    for (g, name) in grid_names.iter().enumerate() {
        let grid = demo.node(Some(community), &format!("320602012005{:02}", g + 1), name, None, None).await?;
        let head = demo.person().await?;
        let duties = if g == 0 {
            "网格党支部书记、环保巡查员：国控点周边巡查"
        } else {
            "统筹网格事务，督办诉求处置"
        };
        demo.role(NewRole::at_node(head, Role::GridHead, grid).title("网格长").duties(duties)).await?;
        if g == 0 {
            // The grid party secretary who walks the zone round the monitoring point.
            demo.account(head, "xuncha").await?;
        }
        let patrol = demo.person().await?;
        demo.role(
            NewRole::at_node(patrol, Role::PartyMember, grid)
                .title("党员巡查队员")
                .duties("分片包干：垃圾堆放点围挡、覆盖、洒水"),
        )
        .await?;
        grids.push((grid, format!("320602012005{:02}", g + 1)));
    }
    for n in 1..=24i64 {
        let (grid, grid_code) = &grids[((n - 1) / 8) as usize];
        let micro = demo.node(Some(*grid), &format!("{grid_code}{n:03}"), &format!("{n}幢微网格"), None, None).await?;
        let building = org::insert_building(
            &mut demo.tx,
            &NewBuilding {
                code: format!("32060201200501{n:03}"),
                estate_id: estate,
                node_id: micro,
                number: n.to_string(),
                floors: Some(11),
                lat: Some(plot(YUANLIN_ORIGIN, n).0),
                lng: Some(plot(YUANLIN_ORIGIN, n).1),
                property_company_id: Some(property),
                units: 2,
            },
        )
        .await?;
        let unit_ids: Vec<(i64,)> =
            query("SELECT id FROM units WHERE building_id = $1").bind(building).fetch_all(&mut demo.tx).await?;
        for (unit_id,) in unit_ids {
            org::insert_households(&mut demo.tx, unit_id, 11, 2).await?;
        }
        let member = demo.person().await?;
        demo.role(
            NewRole::at_node(member, Role::MicroGridMember, micro)
                .title("微网格员")
                .duties(&format!("{n}幢居民联系、隐患排查")),
        )
        .await?;
    }
    demo.place(
        PlaceKind::MonitoringPoint,
        "园林路空气质量国控点",
        community,
        None,
        json!({"pollutants": ["PM2.5", "PM10", "O3", "NO2"], "patrol_radius_m": 1000}),
    )
    .await?;
    for i in 1..=3 {
        demo.place(
            PlaceKind::GarbagePoint,
            &format!("园林佳苑{i}号垃圾堆放点"),
            grids[0].0,
            Some(estate),
            json!({"fenced": true, "covered": true, "watered": i != 3}),
        )
        .await?;
    }
    let garage =
        demo.organisation(community, OrganisationKind::Enterprise, "南通顺达汽车维修有限公司", "0513-85079999").await?;
    let place = NewPlace {
        kind: PlaceKind::EnterpriseSite,
        name: "顺达汽修喷漆车间".to_string(),
        node_id: community,
        estate_id: None,
        organisation_id: Some(garage),
        lat: None,
        lng: None,
        details: json!({"voc_treatment": "干式过滤+活性炭吸附+催化燃烧", "supervised": true}),
    };
    org::insert_place(&mut demo.tx, &place).await?;
    for partner in ["观阳幼儿园", "南通科技职业学院环境与生物工程学院"] {
        demo.organisation(community, OrganisationKind::Partner, partner, "0513-85070200").await?;
    }
    Ok(())
}
