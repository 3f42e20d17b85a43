//! All of the campaigns' SQL, written once for both engines.

use super::rules::FindingFacts;
use super::{Campaign, Check, Finding, FindingState, Outcome, Target};
use crate::auth::Role;
use crate::db::{Db, On, Tx, query, query_dyn};
use crate::error::{Error, Result};

/// Photos (SHA-256) as the JSON text a column keeps.
fn photo_list(photos: &[String]) -> String {
    serde_json::to_string(photos).unwrap_or_else(|_| "[]".into())
}

pub async fn insert_campaign(tx: &mut Tx, name: &str, by: i64, days: (&str, &str, i64), now: i64) -> Result<i64> {
    let (starts_on, ends_on, ends_at) = days;
    Ok(query(
        "INSERT INTO campaigns (name, created_by_person_id, starts_on, ends_on, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(by)
    .bind(starts_on)
    .bind(ends_on)
    .bind(ends_at)
    .bind(now)
    .scalar(&mut *tx)
    .await?)
}

pub async fn insert_node(tx: &mut Tx, campaign_id: i64, node_id: i64, path: &str) -> Result<()> {
    query("INSERT INTO campaign_nodes (campaign_id, node_id, node_path) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(campaign_id)
        .bind(node_id)
        .bind(path)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn insert_check(tx: &mut Tx, campaign_id: i64, c: &Check, position: i64) -> Result<()> {
    query(
        "INSERT INTO campaign_checks (campaign_id, code, name, category, severity, legal_basis, fix_days, by_floor, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(campaign_id)
    .bind(&c.code)
    .bind(c.name.trim())
    .bind(&c.category)
    .bind(c.severity)
    .bind(c.legal_basis.trim())
    .bind(c.fix_days)
    .bind(c.by_floor)
    .bind(position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

crate::db_row! {
    /// A unit of a building inside a chosen subtree, with its own node's path.
    #[derive(Debug, Clone)]
    pub struct UnitPlace {
        pub building_id: i64,
        pub unit: i64,
        pub node_path: String,
    }
}

/// Every unit of every building in the subtree of `path`.
pub async fn units_under(tx: &mut Tx, path: &str) -> Result<Vec<UnitPlace>> {
    let (low, high) = crate::org::subtree_bounds(path);
    Ok(query(
        "SELECT b.id AS building_id, u.number AS unit, COALESCE(un.path, bn.path) AS node_path
         FROM buildings b JOIN org_nodes bn ON bn.id = b.node_id
         JOIN units u ON u.building_id = b.id LEFT JOIN org_nodes un ON un.id = u.node_id
         WHERE bn.path >= $1 AND bn.path < $2 ORDER BY b.id, u.number",
    )
    .bind(low)
    .bind(high)
    .fetch_all(&mut *tx)
    .await?)
}

/// Every unit of one building.
pub async fn units_of_building(tx: &mut Tx, building_id: i64) -> Result<Vec<UnitPlace>> {
    Ok(query(
        "SELECT b.id AS building_id, u.number AS unit, COALESCE(un.path, bn.path) AS node_path
         FROM buildings b JOIN org_nodes bn ON bn.id = b.node_id
         JOIN units u ON u.building_id = b.id LEFT JOIN org_nodes un ON un.id = u.node_id
         WHERE b.id = $1 ORDER BY u.number",
    )
    .bind(building_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// Active micro-grid members and grid heads by node: who a target goes to.
pub async fn sweepers(tx: &mut Tx) -> Result<Vec<(i64, Role, i64)>> {
    Ok(query(
        "SELECT person_id, role, node_id FROM role_assignments
         WHERE active AND node_id IS NOT NULL AND role IN ('micro_grid_member', 'grid_head') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Which of `ids` are grids.
pub async fn grid_ids(tx: &mut Tx, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM org_nodes WHERE level = 'grid' AND id IN ({})",
        crate::org::store::placeholders(1, ids.len())
    );
    let rows: Vec<(i64,)> = query_dyn(sql).bind_all(ids.iter().copied()).fetch_all(&mut *tx).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A target as materialised when the campaign is created.
pub struct NewTarget<'a> {
    pub building_id: i64,
    pub unit: i64,
    pub node_path: &'a str,
    pub grid_node_id: Option<i64>,
    pub assignee_person_id: Option<i64>,
}

pub async fn insert_target(tx: &mut Tx, campaign_id: i64, t: &NewTarget<'_>) -> Result<()> {
    query(
        "INSERT INTO campaign_targets (campaign_id, building_id, unit, node_path, grid_node_id, assignee_person_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, building_id, unit) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(t.building_id)
    .bind(t.unit)
    .bind(t.node_path)
    .bind(t.grid_node_id)
    .bind(t.assignee_person_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const CAMPAIGN_SELECT: &str =
    "SELECT id, name, created_by_person_id, starts_on, ends_on, ends_at, created_at FROM campaigns";

pub async fn campaign<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Campaign> {
    query_dyn(format!("{CAMPAIGN_SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("campaign", id.to_string()))
}

/// Every campaign with the paths of its chosen nodes, newest first.
pub async fn campaigns(db: &Db) -> Result<Vec<(Campaign, Vec<String>)>> {
    let all: Vec<Campaign> = query_dyn(format!("{CAMPAIGN_SELECT} ORDER BY id DESC")).fetch_all(db).await?;
    let nodes: Vec<(i64, String)> =
        query("SELECT campaign_id, node_path FROM campaign_nodes ORDER BY campaign_id").fetch_all(db).await?;
    Ok(all
        .into_iter()
        .map(|c| {
            let paths = nodes.iter().filter(|(id, _)| *id == c.id).map(|(_, p)| p.clone()).collect();
            (c, paths)
        })
        .collect())
}

pub async fn node_paths<'a>(on: impl Into<On<'a>>, campaign_id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        query("SELECT node_path FROM campaign_nodes WHERE campaign_id = $1").bind(campaign_id).fetch_all(on).await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

pub async fn checks<'a>(on: impl Into<On<'a>>, campaign_id: i64) -> Result<Vec<Check>> {
    Ok(query(
        "SELECT code, name, category, severity, legal_basis, fix_days, by_floor FROM campaign_checks
         WHERE campaign_id = $1 ORDER BY position",
    )
    .bind(campaign_id)
    .fetch_all(on)
    .await?)
}

const TARGET_SELECT: &str = "SELECT t.id, t.building_id, b.code AS building_code, b.name AS building_name, t.unit,
        t.node_path, t.grid_node_id, t.assignee_person_id, t.swept_at, t.clean
    FROM campaign_targets t JOIN buildings b ON b.id = t.building_id";

/// A campaign's targets, by building and unit; only `assignee`'s when given.
pub async fn targets<'a>(on: impl Into<On<'a>>, campaign_id: i64, assignee: Option<i64>) -> Result<Vec<Target>> {
    let sql = match assignee {
        Some(_) => format!(
            "{TARGET_SELECT} WHERE t.campaign_id = $1 AND t.assignee_person_id = $2 ORDER BY t.building_id, t.unit"
        ),
        None => format!("{TARGET_SELECT} WHERE t.campaign_id = $1 ORDER BY t.building_id, t.unit"),
    };
    let mut q = query_dyn(sql).bind(campaign_id);
    if let Some(person) = assignee {
        q = q.bind(person);
    }
    Ok(q.fetch_all(on).await?)
}

pub async fn target<'a>(on: impl Into<On<'a>>, campaign_id: i64, building_code: &str, unit: i64) -> Result<Target> {
    query_dyn(format!("{TARGET_SELECT} WHERE t.campaign_id = $1 AND b.code = $2 AND t.unit = $3"))
        .bind(campaign_id)
        .bind(building_code)
        .bind(unit)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("unit", format!("{building_code} {unit}单元（不在本次排查范围内）")))
}

/// Marks a unit swept (once: the first sweep's time and person stay).
pub async fn mark_swept(tx: &mut Tx, target_id: i64, by: Option<i64>, clean: bool, now: i64) -> Result<()> {
    query(
        "UPDATE campaign_targets SET swept_at = COALESCE(swept_at, $1), swept_by_person_id = COALESCE(swept_by_person_id, $2),
                clean = CASE WHEN $3 THEN COALESCE(clean, TRUE) ELSE FALSE END
         WHERE id = $4",
    )
    .bind(now)
    .bind(by)
    .bind(clean)
    .bind(target_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A finding to insert.
pub struct NewFinding<'a> {
    pub campaign_id: i64,
    pub target: &'a Target,
    pub floor: Option<i64>,
    pub room: Option<&'a str>,
    pub check_code: &'a str,
    pub note: Option<&'a str>,
    pub photos: &'a [String],
    pub case_id: i64,
    pub key: &'a str,
    pub found_by: i64,
}

pub async fn insert_finding(tx: &mut Tx, f: &NewFinding<'_>, now: i64) -> Result<i64> {
    Ok(query(
        "INSERT INTO findings (campaign_id, target_id, building_id, unit, floor, room, check_code, note, photos, case_id,
                               idempotency_key, found_by_person_id, found_at, state, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $13) RETURNING id",
    )
    .bind(f.campaign_id)
    .bind(f.target.id)
    .bind(f.target.building_id)
    .bind(f.target.unit)
    .bind(f.floor)
    .bind(f.room)
    .bind(f.check_code)
    .bind(f.note)
    .bind(photo_list(f.photos))
    .bind(f.case_id)
    .bind(f.key)
    .bind(f.found_by)
    .bind(now)
    .scalar(&mut *tx)
    .await?)
}

const FINDING_SELECT: &str =
    "SELECT f.id, f.campaign_id, f.target_id, b.code AS building_code, b.name AS building_name,
        f.unit, f.floor, f.room, f.check_code, COALESCE(k.name, f.check_code) AS check_name, f.note, f.photos,
        f.case_id, f.found_by_person_id, f.found_at, f.state, f.due_at, f.fixed_at, t.node_path, t.assignee_person_id
    FROM findings f JOIN buildings b ON b.id = f.building_id
    JOIN campaign_targets t ON t.id = f.target_id
    LEFT JOIN campaign_checks k ON k.campaign_id = f.campaign_id AND k.code = f.check_code";

pub async fn finding<'a>(on: impl Into<On<'a>>, id: i64) -> Result<Finding> {
    query_dyn(format!("{FINDING_SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await?
        .ok_or_else(|| Error::not_found("finding", id.to_string()))
}

pub async fn finding_by_key<'a>(on: impl Into<On<'a>>, key: &str) -> Result<Option<Finding>> {
    Ok(query_dyn(format!("{FINDING_SELECT} WHERE f.idempotency_key = $1")).bind(key).fetch_optional(on).await?)
}

pub async fn findings_of_case<'a>(on: impl Into<On<'a>>, case_id: i64) -> Result<Vec<Finding>> {
    Ok(query_dyn(format!("{FINDING_SELECT} WHERE f.case_id = $1")).bind(case_id).fetch_all(on).await?)
}

/// A campaign's findings, newest first; only those in `states` when given.
pub async fn findings<'a>(on: impl Into<On<'a>>, campaign_id: i64, states: &[FindingState]) -> Result<Vec<Finding>> {
    let mut sql = format!("{FINDING_SELECT} WHERE f.campaign_id = $1");
    if !states.is_empty() {
        sql.push_str(&format!(" AND f.state IN ({})", crate::org::store::placeholders(2, states.len())));
    }
    sql.push_str(" ORDER BY f.id DESC");
    Ok(query_dyn(sql).bind(campaign_id).bind_all(states.iter().copied()).fetch_all(on).await?)
}

pub async fn set_state(tx: &mut Tx, id: i64, state: FindingState, now: i64) -> Result<()> {
    query(
        "UPDATE findings SET state = $1, updated_at = $2,
                fixed_at = CASE WHEN $1 = 'fixed' THEN $2 ELSE NULL END
         WHERE id = $3",
    )
    .bind(state)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

crate::db_row! {
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct Notice {
        pub finding_id: i64,
        #[serde(skip)]
        pub token: String,
        #[serde(skip)]
        pub issued_by_person_id: i64,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub issued_at: i64,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub due_at: i64,
        #[serde(serialize_with = "crate::time::serialize_rfc3339_opt")]
        pub answered_at: Option<i64>,
        pub answer_note: Option<String>,
        #[serde(skip)]
        pub answer_photos: String,
    }
}

const NOTICE_SELECT: &str =
    "SELECT finding_id, token, issued_by_person_id, issued_at, due_at, answered_at, answer_note,
        answer_photos FROM finding_notices";

pub async fn notice<'a>(on: impl Into<On<'a>>, finding_id: i64) -> Result<Option<Notice>> {
    Ok(query_dyn(format!("{NOTICE_SELECT} WHERE finding_id = $1")).bind(finding_id).fetch_optional(on).await?)
}

pub async fn notice_by_token<'a>(on: impl Into<On<'a>>, token: &str) -> Result<Option<Notice>> {
    Ok(query_dyn(format!("{NOTICE_SELECT} WHERE token = $1")).bind(token).fetch_optional(on).await?)
}

/// Issues the notice unless the finding has one; `false` when it had.
pub async fn insert_notice(tx: &mut Tx, finding_id: i64, token: &str, by: i64, now: i64, due: i64) -> Result<bool> {
    let inserted = query(
        "INSERT INTO finding_notices (finding_id, token, issued_by_person_id, issued_at, due_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (finding_id) DO NOTHING",
    )
    .bind(finding_id)
    .bind(token)
    .bind(by)
    .bind(now)
    .bind(due)
    .execute(&mut *tx)
    .await?;
    if inserted == 1 {
        query("UPDATE findings SET due_at = $1 WHERE id = $2").bind(due).bind(finding_id).execute(&mut *tx).await?;
    }
    Ok(inserted == 1)
}

pub async fn answer_notice(
    tx: &mut Tx,
    finding_id: i64,
    note: Option<&str>,
    photos: &[String],
    now: i64,
) -> Result<()> {
    query("UPDATE finding_notices SET answered_at = $1, answer_note = $2, answer_photos = $3 WHERE finding_id = $4")
        .bind(now)
        .bind(note)
        .bind(photo_list(photos))
        .bind(finding_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

crate::db_row! {
    /// What enforcement did, or what a re-inspection found, as a finding's history shows it.
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct Step {
        #[serde(skip)]
        pub finding_id: i64,
        pub kind: String,
        pub outcome: Option<Outcome>,
        pub fixed: Option<bool>,
        pub note: Option<String>,
        #[serde(skip)]
        pub photos: String,
        pub by_name: String,
        #[serde(serialize_with = "crate::time::serialize_rfc3339")]
        pub at: i64,
    }
}

pub async fn insert_enforcement(
    tx: &mut Tx,
    finding_id: i64,
    outcome: Outcome,
    note: Option<&str>,
    photos: &[String],
    by: i64,
    now: i64,
) -> Result<()> {
    query(
        "INSERT INTO enforcement_actions (finding_id, outcome, note, photos, by_person_id, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(finding_id)
    .bind(outcome)
    .bind(note)
    .bind(photo_list(photos))
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn insert_reinspection(
    tx: &mut Tx,
    finding_id: i64,
    fixed: bool,
    note: Option<&str>,
    photos: &[String],
    by: i64,
    now: i64,
) -> Result<()> {
    query(
        "INSERT INTO reinspections (finding_id, fixed, note, photos, by_person_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(finding_id)
    .bind(fixed)
    .bind(note)
    .bind(photo_list(photos))
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const STEP_SELECT: &str = "SELECT e.finding_id, 'enforcement' AS kind, e.outcome, NULL AS fixed, e.note, e.photos,
        p.name AS by_name, e.at
    FROM enforcement_actions e JOIN people p ON p.id = e.by_person_id JOIN findings f ON f.id = e.finding_id WHERE {}
    UNION ALL
    SELECT r.finding_id, 'reinspection' AS kind, NULL AS outcome, r.fixed, r.note, r.photos, p.name AS by_name, r.at
    FROM reinspections r JOIN people p ON p.id = r.by_person_id JOIN findings f ON f.id = r.finding_id WHERE {}
    ORDER BY at";

/// Enforcement and re-inspections of a finding, oldest first.
pub async fn steps<'a>(on: impl Into<On<'a>>, finding_id: i64) -> Result<Vec<Step>> {
    Ok(query_dyn(STEP_SELECT.replace("{}", "f.id = $1")).bind(finding_id).fetch_all(on).await?)
}

/// The steps of every finding of a campaign, oldest first (one query for a campaign's page).
pub async fn steps_of_campaign(db: &Db, campaign_id: i64) -> Result<Vec<Step>> {
    Ok(query_dyn(STEP_SELECT.replace("{}", "f.campaign_id = $1")).bind(campaign_id).fetch_all(db).await?)
}

/// The notices of every finding of a campaign.
pub async fn notices_of_campaign(db: &Db, campaign_id: i64) -> Result<Vec<Notice>> {
    Ok(query_dyn(format!("{NOTICE_SELECT} WHERE finding_id IN (SELECT id FROM findings WHERE campaign_id = $1)"))
        .bind(campaign_id)
        .fetch_all(db)
        .await?)
}

/// Whether enforcement acted on a finding.
pub async fn was_enforced(tx: &mut Tx, finding_id: i64) -> Result<bool> {
    Ok(query("SELECT COUNT(*) FROM enforcement_actions WHERE finding_id = $1")
        .bind(finding_id)
        .scalar::<i64>(&mut *tx)
        .await?
        > 0)
}

crate::db_row! {
    #[derive(Debug, Clone)]
    struct FactRow {
        building_id: i64,
        unit: i64,
        check_code: String,
        severity: Option<i64>,
        state: FindingState,
        found_at: i64,
        due_at: Option<i64>,
        fixed_at: Option<i64>,
        noticed: i64,
        enforced: i64,
    }
}

const FACT_SELECT: &str =
    "SELECT f.building_id, f.unit, f.check_code, k.severity, f.state, f.found_at, f.due_at, f.fixed_at,
        (SELECT COUNT(*) FROM finding_notices n WHERE n.finding_id = f.id) AS noticed,
        (SELECT COUNT(*) FROM enforcement_actions e WHERE e.finding_id = f.id) AS enforced
    FROM findings f JOIN campaign_targets t ON t.id = f.target_id
    LEFT JOIN campaign_checks k ON k.campaign_id = f.campaign_id AND k.code = f.check_code";

fn facts_of(rows: Vec<FactRow>) -> Vec<FindingFacts> {
    rows.into_iter()
        .map(|r| FindingFacts {
            building_id: r.building_id,
            unit: r.unit,
            check_code: r.check_code,
            severity: r.severity.unwrap_or(1),
            state: r.state,
            found_at: r.found_at,
            due_at: r.due_at,
            fixed_at: r.fixed_at,
            noticed: r.noticed > 0,
            enforced: r.enforced > 0,
        })
        .collect()
}

/// The facts behind a campaign's indicators within the subtree `[low, high)`.
pub async fn finding_facts(db: &Db, campaign_id: i64, bounds: &(String, String)) -> Result<Vec<FindingFacts>> {
    let rows = query_dyn(format!("{FACT_SELECT} WHERE f.campaign_id = $1 AND t.node_path >= $2 AND t.node_path < $3"))
        .bind(campaign_id)
        .bind(&bounds.0)
        .bind(&bounds.1)
        .fetch_all(db)
        .await?;
    Ok(facts_of(rows))
}

/// Fixed findings of any campaign in the same subtree, for 回潮.
pub async fn fixed_history(db: &Db, bounds: &(String, String)) -> Result<Vec<FindingFacts>> {
    let rows =
        query_dyn(format!("{FACT_SELECT} WHERE f.fixed_at IS NOT NULL AND t.node_path >= $1 AND t.node_path < $2"))
            .bind(&bounds.0)
            .bind(&bounds.1)
            .fetch_all(db)
            .await?;
    Ok(facts_of(rows))
}

/// People holding `role` at any of `node_ids`.
pub async fn people_at(tx: &mut Tx, role: Role, node_ids: &[i64]) -> Result<Vec<i64>> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT person_id FROM role_assignments WHERE active AND role = $1 AND node_id IN ({})",
        crate::org::store::placeholders(2, node_ids.len())
    );
    let rows: Vec<(i64,)> = query_dyn(sql).bind(role).bind_all(node_ids.iter().copied()).fetch_all(&mut *tx).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Officers of the enforcement departments attached on the path of `path`.
pub async fn enforcement_officers(tx: &mut Tx, path: &str) -> Result<Vec<i64>> {
    let orgs = enforcement_departments(&mut *tx, path).await?;
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT person_id FROM role_assignments WHERE active AND role = 'department_officer'
         AND organisation_id IN ({})",
        crate::org::store::placeholders(1, orgs.len())
    );
    let rows: Vec<(i64,)> = query_dyn(sql).bind_all(orgs).fetch_all(&mut *tx).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Enforcement departments attached on the path of `path`.
pub async fn enforcement_departments<'a>(on: impl Into<On<'a>>, path: &str) -> Result<Vec<i64>> {
    let ids = crate::org::path_ids(path);
    Ok(crate::org::store::departments_at(on, &ids)
        .await?
        .into_iter()
        .filter(|d| d.department_kind.as_deref() == Some(crate::taxonomy::DepartmentKind::Enforcement.code()))
        .map(|d| d.id)
        .collect())
}

crate::db_row! {
    /// A running campaign's progress within a subtree, for the wall.
    #[derive(Debug, Clone)]
    pub struct Progress {
        pub units: i64,
        pub swept: i64,
        pub findings: i64,
        pub enforcement: i64,
    }
}

/// Campaigns running on `today` with targets in the subtree `[low, high)`, each one's progress there.
pub async fn running_progress(db: &Db, today: &str, bounds: &(String, String)) -> Result<Vec<Progress>> {
    Ok(query(
        "SELECT COUNT(*) AS units, COUNT(t.swept_at) AS swept,
                (SELECT COUNT(*) FROM findings f JOIN campaign_targets ft ON ft.id = f.target_id
                 WHERE f.campaign_id = c.id AND ft.node_path >= $2 AND ft.node_path < $3) AS findings,
                (SELECT COUNT(*) FROM findings f JOIN campaign_targets ft ON ft.id = f.target_id
                 WHERE f.campaign_id = c.id AND f.state = 'enforcement' AND ft.node_path >= $2 AND ft.node_path < $3) AS enforcement
         FROM campaigns c JOIN campaign_targets t ON t.campaign_id = c.id
         WHERE c.starts_on <= $1 AND c.ends_on >= $1 AND t.node_path >= $2 AND t.node_path < $3
         GROUP BY c.id ORDER BY c.id DESC LIMIT 3",
    )
    .bind(today)
    .bind(&bounds.0)
    .bind(&bounds.1)
    .fetch_all(db)
    .await?)
}
