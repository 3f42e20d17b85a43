//! A deterministic synthetic district at city scale: one street of fifty
//! communities, 2,000 buildings, 40,000 people and years of cases with their
//! full history, written straight into the database in large batches.
//!
//! The same plan always gives the same tree, people and cases (times are
//! relative to the moment of generation). A database generated for a plan
//! is recognised and reused, so the expensive part runs once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use crate::auth::Role;
use crate::db::{Backend, Db, Tx, Value, query, query_dyn};
use crate::directory::BuildingContext;
use crate::error::{Error, Result};
use crate::org::store::{self as org, NewBuilding, NewNode, NewOrganisation};
use crate::org::{Level, OrganisationKind};
use crate::people::store::{self as people, NewPerson, NewRole};
use crate::privacy::Phone;
use crate::routing::{self, AssigneeKind};
use crate::taxonomy::{self, Category, DepartmentKind};

/// The password of the generated accounts (`bench-centre`, `bench-grid`).
pub const PASSWORD: &str = "linli-bench";
const DAY_MS: i64 = 86_400_000;
const SETTINGS_KEY: &str = "bench.district";

/// How big a district to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub communities: usize,
    pub buildings_per_community: usize,
    pub grids_per_community: usize,
    pub people: usize,
    pub cases: u64,
    /// Cases are spread over this many years up to now.
    pub years: i64,
}

impl Plan {
    /// The city-scale street of the benchmark.
    pub fn city(cases: u64) -> Plan {
        Plan { communities: 50, buildings_per_community: 40, grids_per_community: 6, people: 40_000, cases, years: 5 }
    }

    /// A few seconds' worth, for smoke runs.
    pub fn quick() -> Plan {
        Plan {
            communities: 2,
            buildings_per_community: 20,
            grids_per_community: 2,
            people: 2_000,
            cases: 20_000,
            years: 1,
        }
    }

    pub fn buildings(&self) -> usize {
        self.communities * self.buildings_per_community
    }
}

/// What the benchmark needs to know of a generated district.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct District {
    pub plan: Plan,
    pub street: String,
    pub community: String,
    pub grid: String,
    pub buildings: Vec<String>,
    /// Seconds it took to generate.
    pub generated_in_s: f64,
}

/// Loads the district recorded in the database, or generates it into an
/// empty (migrated) database.
pub async fn prepare(db: &Db, plan: Plan, progress: &(dyn Fn(&str) + Sync)) -> Result<District> {
    let recorded = crate::db::settings::get(db, SETTINGS_KEY).await?;
    if let Some(json) = recorded
        && let Ok(district) = serde_json::from_str::<District>(&json)
        && district.plan == plan
    {
        progress("reusing the district generated earlier");
        return Ok(District { generated_in_s: 0.0, ..district });
    }
    if !crate::demo::is_empty(db).await? {
        return Err(Error::invalid("database", "holds other data: the benchmark generates into an empty database"));
    }
    let started = std::time::Instant::now();
    let mut district = generate(db, plan, progress).await?;
    district.generated_in_s = started.elapsed().as_secs_f64();
    let json = serde_json::to_string(&district).map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::db::settings::get_or_insert(db, SETTINGS_KEY, &json, crate::time::now_ms()).await?;
    Ok(district)
}

/// A building with the people its cases involve.
struct BuildingInfo {
    id: i64,
    code: String,
    node_id: i64,
    node_path: String,
    name: String,
    lat: f64,
    lng: f64,
    property_company_id: i64,
    /// The micro-grid member (registers, closes) and the property staff.
    member: (i64, String),
    property_staff: Vec<(i64, String)>,
}

const COMMUNITY_NAMES: [&str; 10] = ["和平", "新华", "友谊", "光明", "幸福", "东风", "胜利", "建设", "团结", "长青"];
const QUARTERS: [&str; 5] = ["东", "西", "南", "北", "中"];

async fn generate(db: &Db, plan: Plan, progress: &(dyn Fn(&str) + Sync)) -> Result<District> {
    progress("organisation tree, buildings and people");
    let now = crate::time::now_ms();
    let tree = generate_tree(db, plan, now).await?;
    progress("routing every building");
    let mut routes = Routes::load(db, &tree.buildings).await?;
    let messages = Messages::builtin();
    let mut rng = Rng::new(0x6c69_6e6c_6921);
    let mut cases = CaseWriter::new(plan, now);
    let mut done = 0;
    const CHUNK: u64 = 20_000;
    while done < plan.cases {
        let mut tx = db.begin().await?;
        let end = (done + CHUNK).min(plan.cases);
        for i in done..end {
            cases.write(&mut tx, i, &tree.buildings, &mut routes, &messages, &mut rng).await?;
        }
        cases.flush(&mut tx).await?;
        tx.commit().await?;
        // Chronological order keeps each chunk's deadlines on a few days:
        // folding the roll-up as we go stays cheap.
        crate::cases::rollup::compact(db, false).await?;
        done = end;
        if done % 200_000 == 0 || done == plan.cases {
            progress(&format!("{done} cases"));
        }
    }
    crate::cases::rollup::compact(db, true).await?;
    if db.backend() == Backend::Postgres {
        // Ids were given explicitly: move the sequences past them.
        for table in ["people", "cases", "case_events", "case_reporters"] {
            query_dyn(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(db)
            .await?;
        }
        query("VACUUM ANALYZE").execute(db).await?;
    } else {
        query("ANALYZE").execute(db).await?;
    }
    Ok(District {
        plan,
        street: tree.street,
        community: tree.community,
        grid: tree.grid,
        buildings: tree.buildings.iter().map(|b| b.code.clone()).collect(),
        generated_in_s: 0.0,
    })
}

struct Tree {
    street: String,
    community: String,
    grid: String,
    buildings: Vec<BuildingInfo>,
}

/// The street, its departments, property companies, communities, grids,
/// buildings (each its own micro-grid) and people, in one transaction.
async fn generate_tree(db: &Db, plan: Plan, now: i64) -> Result<Tree> {
    let password_hash = tokio::task::spawn_blocking(|| crate::auth::accounts::hash_password(PASSWORD))
        .await
        .map_err(|e| anyhow::anyhow!("hashing task failed: {e}"))??;
    let mut tx = db.begin().await?;
    let node = |parent: Option<i64>, code: String, name: String| NewNode {
        code,
        parent_id: parent,
        name,
        ..Default::default()
    };
    let district = node(None, "320699".into(), "基准区".into());
    let district_id = org::insert_node(&mut tx, &district, Some(Level::District)).await?.id;
    let street =
        org::insert_node(&mut tx, &node(Some(district_id), "32069901".into(), "基准街道".into()), None).await?;
    for kind in DepartmentKind::ALL {
        let org = NewOrganisation {
            kind: Some(OrganisationKind::Department),
            department_kind: Some(kind.code().to_string()),
            name: format!("基准街道{}", kind.name_zh()),
            phone: Some("0513-80000000".into()),
            node_id: street.id,
            ..Default::default()
        };
        org::insert_organisation(&mut tx, &org).await?;
    }
    let mut persons = PersonMaker { next: 0, rng: Rng::new(0x7065_6f70_6c65) };
    let mut companies = Vec::new();
    for c in 0..plan.communities.div_ceil(5) {
        let org = NewOrganisation {
            kind: Some(OrganisationKind::PropertyCompany),
            name: format!("基准第{}物业服务有限公司", c + 1),
            phone: Some(format!("0513-8100{c:04}")),
            node_id: street.id,
            ..Default::default()
        };
        let id = org::insert_organisation(&mut tx, &org).await?;
        let mut staff = Vec::new();
        for _ in 0..5 {
            let (person, name) = persons.insert(&mut tx).await?;
            people::assign_role(&mut tx, &NewRole::in_organisation(person, Role::PropertyStaff, id)).await?;
            staff.push((person, name));
        }
        companies.push((id, staff));
    }

    let mut buildings: Vec<BuildingInfo> = Vec::with_capacity(plan.buildings());
    let (mut first_community, mut first_grid) = (String::new(), String::new());
    for c in 0..plan.communities {
        let stem = format!("{}{}", COMMUNITY_NAMES[c % 10], QUARTERS[(c / 10) % 5]);
        let code = format!("32069901{:03}", c + 1);
        let community =
            org::insert_node(&mut tx, &node(Some(street.id), code.clone(), format!("{stem}社区")), None).await?;
        for _ in 0..3 {
            let (id, _) = persons.insert(&mut tx).await?;
            people::assign_role(&mut tx, &NewRole::at_node(id, Role::CommunityStaff, community.id)).await?;
        }
        let estates = [
            org::insert_estate(&mut tx, community.id, &format!("{stem}花园"), &[], None, Some(2005)).await?,
            org::insert_estate(&mut tx, community.id, &format!("{stem}新村"), &[], None, Some(1995)).await?,
        ];
        let (company, staff) = &companies[c / 5];
        let per_grid = plan.buildings_per_community.div_ceil(plan.grids_per_community);
        let per_estate = plan.buildings_per_community.div_ceil(2);
        let mut grid = None;
        for b in 0..plan.buildings_per_community {
            if b % per_grid == 0 {
                let g = b / per_grid + 1;
                let grid_code = format!("{code}3{g:02}");
                let new = node(Some(community.id), grid_code.clone(), format!("第{g}网格"));
                let grid_node = org::insert_node(&mut tx, &new, None).await?;
                let (head, _) = persons.insert(&mut tx).await?;
                people::assign_role(&mut tx, &NewRole::at_node(head, Role::GridHead, grid_node.id)).await?;
                if c == 0 && g == 1 {
                    first_community = code.clone();
                    first_grid = grid_code;
                    crate::auth::accounts::create_account(&mut tx, head, "bench-grid", &password_hash).await?;
                }
                grid = Some(grid_node);
            }
            let grid = grid.as_ref().expect("a grid before its buildings");
            let number = b % per_estate + 1;
            let building_code = format!("{}{:03}", grid.code, b + 1);
            let new = node(Some(grid.id), building_code.clone(), format!("{number}栋微网格"));
            let micro = org::insert_node(&mut tx, &new, None).await?;
            let (lat, lng) = (32.0 + c as f64 * 0.01 + (b / 10) as f64 * 0.0004, 120.85 + (b % 10) as f64 * 0.0004);
            let new = NewBuilding {
                code: building_code.clone(),
                estate_id: estates[b / per_estate],
                node_id: micro.id,
                number: number.to_string(),
                floors: Some(6 + (b % 4) as i64 * 4),
                lat: Some(lat),
                lng: Some(lng),
                property_company_id: Some(*company),
                units: 3,
            };
            let id = org::insert_building(&mut tx, &new).await?;
            let member = persons.insert(&mut tx).await?;
            people::assign_role(&mut tx, &NewRole::at_node(member.0, Role::MicroGridMember, micro.id)).await?;
            let name: String = query("SELECT name FROM buildings WHERE id = $1").bind(id).scalar(&mut tx).await?;
            buildings.push(BuildingInfo {
                id,
                code: building_code,
                node_id: micro.id,
                node_path: micro.path.clone(),
                name,
                lat,
                lng,
                property_company_id: *company,
                member,
                property_staff: staff.clone(),
            });
        }
    }
    let (centre, _) = persons.insert(&mut tx).await?;
    people::assign_role(&mut tx, &NewRole::at_node(centre, Role::CommandCentre, street.id)).await?;
    crate::auth::accounts::create_account(&mut tx, centre, "bench-centre", &password_hash).await?;

    // Everyone else: residents of the buildings, in bulk.
    let mut residents = Bulk::new("people", &["id", "name", "phone", "created_at"]);
    let mut roles = Bulk::new("role_assignments", &["person_id", "role", "node_id", "publicised", "started_at"]);
    let first_resident: i64 = query("SELECT COALESCE(MAX(id), 0) + 1 FROM people").scalar(&mut tx).await?;
    for k in 0..plan.people.saturating_sub(persons.next) {
        let id = first_resident + k as i64;
        let (name, phone) = persons.next_identity();
        residents.push(vec![id.into(), name.into(), phone.into(), now.into()]);
        let home = &buildings[k % buildings.len()];
        roles.push(vec![id.into(), Role::Resident.into(), home.node_id.into(), false.into(), now.into()]);
        if residents.is_full() || roles.is_full() {
            residents.flush(&mut tx).await?;
            roles.flush(&mut tx).await?;
        }
    }
    residents.flush(&mut tx).await?;
    roles.flush(&mut tx).await?;
    tx.commit().await?;
    Ok(Tree { street: street.code, community: first_community, grid: first_grid, buildings })
}

/// Invented people, numbered.
struct PersonMaker {
    next: usize,
    rng: Rng,
}

impl PersonMaker {
    fn next_identity(&mut self) -> (String, String) {
        let name = crate::demo::names::name(self.next);
        self.next += 1;
        (name, format!("139{:08}", self.rng.below(100_000_000)))
    }

    async fn insert(&mut self, tx: &mut Tx) -> Result<(i64, String)> {
        let (name, phone) = self.next_identity();
        let person = NewPerson { name: name.clone(), phone: Phone::parse(&phone).ok(), ..Default::default() };
        Ok((people::insert_person(tx, &person).await?, name))
    }
}

/// Rows for one table, written many to a statement.
struct Bulk {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Value>,
    rows_per_statement: usize,
}

impl Bulk {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Bulk {
        // Both engines take tens of thousands of parameters a statement.
        let rows_per_statement = (30_000 / columns.len()).min(1_000);
        Bulk { table, columns, values: Vec::new(), rows_per_statement }
    }

    fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.values.extend(row);
    }

    fn is_full(&self) -> bool {
        self.values.len() >= self.rows_per_statement * self.columns.len()
    }

    async fn flush(&mut self, tx: &mut Tx) -> Result<()> {
        let width = self.columns.len();
        let rows = self.values.len() / width;
        if rows == 0 {
            return Ok(());
        }
        let tuples =
            (0..rows).map(|r| format!("({})", org::placeholders(r * width + 1, width))).collect::<Vec<_>>().join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES {tuples}", self.table, self.columns.join(", "));
        query_dyn(sql).bind_all(std::mem::take(&mut self.values)).execute(tx).await?;
        Ok(())
    }
}

/// Routing decisions by building and category, as linli would make them.
struct Routes {
    contexts: Vec<BuildingContext>,
    organisations: Vec<(i64, String, AssigneeKind)>,
    decided: HashMap<(usize, &'static str, bool), routing::Route>,
}

impl Routes {
    async fn load(db: &Db, buildings: &[BuildingInfo]) -> Result<Routes> {
        let mut contexts = Vec::with_capacity(buildings.len());
        for b in buildings {
            contexts.push(BuildingContext::load(db, &b.code, None).await?);
        }
        Ok(Routes { contexts, organisations: routing::organisation_kinds(db).await?, decided: HashMap::new() })
    }

    fn route(&mut self, building: usize, category: &'static Category, urgent: bool) -> Result<routing::Route> {
        let key = (building, category.code, urgent);
        if let Some(route) = self.decided.get(&key) {
            return Ok(route.clone());
        }
        let orgs = &self.organisations;
        let org = |id: i64| orgs.iter().find(|o| o.0 == id).map(|o| (o.1.clone(), o.2));
        let route = routing::route(&self.contexts[building], category, urgent, &[], org)?;
        self.decided.insert(key, route.clone());
        Ok(route)
    }
}

/// Residents' words for each category, from the triage set.
struct Messages {
    by_category: Vec<(&'static Category, Vec<String>)>,
}

impl Messages {
    fn builtin() -> Messages {
        let rows = crate::triage::dataset::builtin();
        let by_category = taxonomy::CATEGORIES
            .iter()
            .map(|c| {
                let texts: Vec<String> = rows.iter().filter(|r| r.label == c.code).map(|r| r.text.clone()).collect();
                let texts =
                    if texts.is_empty() { vec![format!("{}问题，请尽快处理", c.name_zh)] } else { texts };
                (c, texts)
            })
            .collect();
        Messages { by_category }
    }
}

/// Where a generated case stands now.
enum Fate {
    Rejected,
    Merged,
    Open(&'static str),
    Finished,
}

/// Cases with their reporter and history.
struct CaseWriter {
    cases: Bulk,
    reporters: Bulk,
    events: Bulk,
    next_event: i64,
    plan: Plan,
    now: i64,
}

const CASE_COLUMNS: &[&str] = &[
    "id",
    "token",
    "category",
    "status",
    "urgent",
    "description",
    "source",
    "building_id",
    "unit",
    "address",
    "lat",
    "lng",
    "node_id",
    "node_path",
    "property_company_id",
    "assignee_kind",
    "assignee_org_id",
    "assignee_person_id",
    "assignee_node_id",
    "assignee_name",
    "rework_count",
    "rating",
    "created_at",
    "registered_at",
    "dispatched_at",
    "due_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "version",
];
const EVENT_COLUMNS: &[&str] =
    &["id", "case_id", "action", "from_status", "to_status", "actor_kind", "actor_person_id", "actor_label", "at"];
const REPORTER_COLUMNS: &[&str] = &["case_id", "name", "phone", "source", "created_at"];

impl CaseWriter {
    fn new(plan: Plan, now: i64) -> CaseWriter {
        CaseWriter {
            cases: Bulk::new("cases", CASE_COLUMNS),
            reporters: Bulk::new("case_reporters", REPORTER_COLUMNS),
            events: Bulk::new("case_events", EVENT_COLUMNS),
            next_event: 1,
            plan,
            now,
        }
    }

    /// The fate of a case of this age: the old are nearly all finished.
    fn fate(age: i64, roll: u64) -> Fate {
        if age > 30 * DAY_MS || (age > 3 * DAY_MS && roll < 900) {
            match roll % 100 {
                0..=3 => Fate::Rejected,
                4..=5 => Fate::Merged,
                _ => Fate::Finished,
            }
        } else if age < 3_600_000 {
            Fate::Open(if roll < 300 { "reported" } else { "dispatched" })
        } else {
            match roll % 10 {
                0..=3 => Fate::Open("in_progress"),
                4..=5 => Fate::Open("resolved"),
                6 => Fate::Open("suspended"),
                7 => Fate::Open("dispatched"),
                _ => Fate::Finished,
            }
        }
    }

    async fn write(
        &mut self,
        tx: &mut Tx,
        i: u64,
        buildings: &[BuildingInfo],
        routes: &mut Routes,
        messages: &Messages,
        rng: &mut Rng,
    ) -> Result<()> {
        let id = i as i64 + 1;
        let span = self.plan.years * 365 * DAY_MS;
        let step = (span / self.plan.cases.max(1) as i64).max(1);
        let created = self.now - span + i as i64 * step + rng.below(step as u64) as i64;
        // Some buildings report far more than others.
        let b = (rng.unit().powf(1.6) * buildings.len() as f64) as usize % buildings.len();
        let building = &buildings[b];
        let (category, texts) = &messages.by_category[rng.below(messages.by_category.len() as u64) as usize];
        let description = &texts[rng.below(texts.len() as u64) as usize];
        let urgent = rng.below(100) < 4;
        let route = routes.route(b, category, urgent)?;
        let registered = created + (2 + rng.below(30) as i64) * 60_000;
        let dispatched = registered + (1 + rng.below(10) as i64) * 60_000;
        let due = dispatched + i64::from(route.deadline_minutes) * 60_000;
        let fate = Self::fate(self.now - created, rng.below(1000));
        let closed = if rng.below(100) < 12 {
            due + (1 + rng.below(72) as i64) * 3_600_000
        } else {
            dispatched + ((due - dispatched) as f64 * (0.1 + 0.85 * rng.unit())) as i64
        }
        .min(self.now - 60_000)
        .max(dispatched + 60_000);
        let rating = (rng.below(100) < 60).then(|| match rng.below(100) {
            0..=69 => 5,
            70..=84 => 4,
            85..=92 => 3,
            93..=96 => 2,
            _ => 1,
        });
        let rework = i64::from(rng.below(100) < 5);
        let handler = match route.assignment.kind {
            AssigneeKind::Property => {
                building.property_staff[rng.below(building.property_staff.len() as u64) as usize].clone()
            }
            _ => building.member.clone(),
        };
        let member = Some(building.member.clone());
        let mut ev = EventPlan { at: created, from: None, rows: Vec::new() };
        ev.add("report", "reported", None, created);
        let mut row = Timeline { status: "reported", ..Timeline::default() };
        match fate {
            Fate::Rejected => {
                ev.add("reject", "rejected", member, registered);
                row.status = "rejected";
            }
            Fate::Merged => {
                ev.add("merge", "merged", member, registered);
                row.status = "merged";
            }
            Fate::Open("reported") => {}
            Fate::Open(status) => {
                ev.add("register", "registered", None, registered);
                ev.add("dispatch", "dispatched", None, dispatched);
                if status != "dispatched" {
                    ev.add("accept", "in_progress", Some(handler.clone()), dispatched + 1_800_000);
                }
                if status == "resolved" {
                    let at = (dispatched + 3_600_000).max(self.now - 3_600_000);
                    ev.add("resolve", "resolved", Some(handler), at);
                    row.resolved = Some(at);
                }
                if status == "suspended" {
                    ev.add("suspend", "suspended", member, dispatched + 3_600_000);
                }
                row = Timeline {
                    status,
                    registered: Some(registered),
                    dispatched: Some(dispatched),
                    due: Some(due),
                    ..row
                };
            }
            Fate::Finished => {
                ev.add("register", "registered", None, registered);
                ev.add("dispatch", "dispatched", None, dispatched);
                let accept = dispatched + (closed - dispatched) / 4;
                ev.add("accept", "in_progress", Some(handler.clone()), accept);
                let resolved = closed - (closed - accept) / 3;
                if rework > 0 {
                    ev.add("resolve", "resolved", Some(handler.clone()), (accept + resolved) / 2);
                    ev.add("rework", "in_progress", member.clone(), (accept + resolved) / 2 + 60_000);
                }
                ev.add("resolve", "resolved", Some(handler), resolved);
                ev.add("close", "closed", member, closed);
                if rating.is_some() {
                    ev.add("evaluate", "evaluated", None, closed + 3_600_000);
                }
                row = Timeline {
                    status: if rating.is_some() { "evaluated" } else { "closed" },
                    registered: Some(registered),
                    dispatched: Some(dispatched),
                    due: Some(due),
                    resolved: Some(resolved),
                    closed: Some(closed),
                    rating,
                    rework,
                };
            }
        }
        let assigned = row.dispatched.is_some();
        let a = &route.assignment;
        let source = ["web", "chat", "wecom", "open311", "staff"][rng.below(5) as usize];
        let unit = 1 + rng.below(3) as i64;
        self.cases.push(vec![
            id.into(),
            format!("{:016x}{:016x}", rng.next(), rng.next()).into(),
            category.code.into(),
            row.status.into(),
            urgent.into(),
            description.clone().into(),
            source.into(),
            building.id.into(),
            unit.into(),
            format!("{}{unit}单元", building.name).into(),
            building.lat.into(),
            building.lng.into(),
            building.node_id.into(),
            building.node_path.clone().into(),
            building.property_company_id.into(),
            assigned.then(|| a.kind.code().to_string()).into(),
            a.organisation_id.filter(|_| assigned).into(),
            a.person_id.filter(|_| assigned).into(),
            a.node_id.filter(|_| assigned).into(),
            assigned.then(|| a.name.clone()).into(),
            row.rework.into(),
            row.rating.into(),
            created.into(),
            row.registered.into(),
            row.dispatched.into(),
            row.due.into(),
            row.resolved.into(),
            row.closed.into(),
            ev.at.into(),
            (ev.rows.len() as i64).into(),
        ]);
        let reporter = crate::demo::names::name(rng.below(100_000) as usize);
        let phone = format!("139{:08}", rng.below(100_000_000));
        self.reporters.push(vec![id.into(), reporter.into(), phone.into(), source.into(), created.into()]);
        for step in ev.rows {
            let (kind, person_id, label) = match step.actor {
                Some((pid, name)) => ("person", Some(pid), name),
                None if matches!(step.action, "report" | "evaluate") => ("public", None, "居民".to_string()),
                None => ("system", None, "系统".to_string()),
            };
            self.events.push(vec![
                self.next_event.into(),
                id.into(),
                step.action.into(),
                step.from.into(),
                step.to.into(),
                kind.into(),
                person_id.into(),
                label.into(),
                step.at.into(),
            ]);
            self.next_event += 1;
        }
        if self.events.is_full() || self.cases.is_full() || self.reporters.is_full() {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx) -> Result<()> {
        // Cases before what refers to them.
        self.cases.flush(tx).await?;
        self.reporters.flush(tx).await?;
        self.events.flush(tx).await
    }
}

/// The columns of a case that its fate decides.
#[derive(Default)]
struct Timeline {
    status: &'static str,
    registered: Option<i64>,
    dispatched: Option<i64>,
    due: Option<i64>,
    resolved: Option<i64>,
    closed: Option<i64>,
    rating: Option<i64>,
    rework: i64,
}

/// One step of a generated history.
struct Step {
    action: &'static str,
    from: Option<&'static str>,
    to: &'static str,
    /// The person who acted, or none for residents and the system.
    actor: Option<(i64, String)>,
    at: i64,
}

/// One case's history as it is generated: steps in order, never back in time.
struct EventPlan {
    at: i64,
    from: Option<&'static str>,
    rows: Vec<Step>,
}

impl EventPlan {
    fn add(&mut self, action: &'static str, to: &'static str, actor: Option<(i64, String)>, at: i64) {
        let at = at.max(self.at);
        self.rows.push(Step { action, from: self.from, to, actor, at });
        self.from = Some(to);
        self.at = at;
    }
}
