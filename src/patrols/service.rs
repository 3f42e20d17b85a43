//! What people do in a patrol, as functions of `(&Ctx, &Actor, input)`:
//! draw a zone and name its owners, add checkpoints, scan a plate and say
//! what was found. Scope is checked here; SQL lives in `store`.

use serde::Deserialize;

use super::rules::{self, Shape};
use super::store::{self, NewCheckpoint, NewVisit, NewZone};
use super::{Checkpoint, CheckpointKind, Problem, Visit, VisitResult, Zone};
use crate::auth::{Actor, PersonActor, Role};
use crate::cases::Source;
use crate::cases::draft::Draft;
use crate::cases::service::{ActionInput, act, file_in_tx, locate_report};
use crate::cases::workflow::Action;
use crate::error::{Error, Result};
use crate::platform::Ctx;

#[derive(Debug, Clone, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lng: f64,
}

/// A zone as asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewZoneInput {
    pub name: String,
    /// The org node (a community or a grid) the zone belongs to.
    pub node: String,
    /// A GeoJSON Polygon (or a Feature holding one).
    pub boundary: Option<serde_json::Value>,
    /// The monitoring point at the zone's centre, with `radius_m`.
    pub centre: Option<Point>,
    pub radius_m: Option<i64>,
    /// People ids: 分片包干, 专人负责.
    #[serde(default)]
    pub owners: Vec<i64>,
}

/// Whether the person may see the zone: its owners, the area's staff, and
/// officers of the departments attached above it (ecology bureau, enforcement).
pub async fn may_see(ctx: &Ctx, p: &PersonActor, zone: &Zone) -> Result<bool> {
    if p.covers(Role::AREA_STAFF, &zone.node_path) || is_owner(ctx, p, zone).await? {
        return Ok(true);
    }
    if !p.has_role(Role::DepartmentOfficer) {
        return Ok(false);
    }
    let above = crate::org::store::departments_at(&ctx.db, &crate::org::path_ids(&zone.node_path)).await?;
    Ok(above.iter().any(|d| p.in_organisation(Role::DepartmentOfficer, Some(d.id))))
}

async fn is_owner(ctx: &Ctx, p: &PersonActor, zone: &Zone) -> Result<bool> {
    Ok(store::owners(&ctx.db, zone.id).await?.iter().any(|(id, _)| *id == p.person_id))
}

/// A zone the person may see; out of scope looks absent.
pub async fn visible(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Zone> {
    let p = actor.require_person()?;
    let zone = store::zone(&ctx.db, id).await?;
    if !may_see(ctx, p, &zone).await? {
        return Err(Error::not_found("patrol zone", id.to_string()));
    }
    Ok(zone)
}

pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<Zone>> {
    let p = actor.require_person()?;
    let mut out = Vec::new();
    for zone in store::zones(&ctx.db).await? {
        if may_see(ctx, p, &zone).await? {
            out.push(zone);
        }
    }
    Ok(out)
}

/// The zone's shape, as its checks need it.
pub fn shape(zone: &Zone) -> Shape {
    let ring = zone
        .boundary
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .and_then(|v: serde_json::Value| rules::parse_boundary(&v).ok());
    let circle = zone.centre_lat.zip(zone.centre_lng).zip(zone.radius_m).map(|(c, r)| (c, r as f64));
    Shape { ring, circle }
}

/// Draws a zone in the person's area (community staff, the command centre, administrators).
pub async fn create_zone(ctx: &Ctx, actor: &Actor, input: NewZoneInput) -> Result<Zone> {
    let p = actor.require_person()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    let node = crate::org::store::node_by_code(&ctx.db, &input.node)
        .await
        .map_err(|_| Error::invalid("node", format!("没有编号为 `{}` 的组织节点", input.node)))?;
    if !p.manages(Some(&node.path)) {
        return Err(Error::Forbidden("只能在您负责的区域内划定巡查片区".into()));
    }
    let ring = input.boundary.as_ref().map(rules::parse_boundary).transpose()?;
    let centre = input.centre.map(|c| (c.lat, c.lng));
    if let Some((lat, lng)) = centre
        && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng))
    {
        return Err(Error::invalid("centre", "经纬度超出范围"));
    }
    match (centre, input.radius_m) {
        (Some(_), Some(r)) if (1..=rules::MAX_RADIUS_M).contains(&r) => {}
        (Some(_), _) => return Err(Error::invalid("radius_m", format!("应为 1 到 {} 米", rules::MAX_RADIUS_M))),
        (None, Some(_)) => return Err(Error::invalid("centre", "给了 radius_m 时必须给出中心点")),
        (None, None) if ring.is_none() => {
            return Err(Error::invalid("boundary", "请给出片区边界（GeoJSON Polygon）或中心点和半径"));
        }
        (None, None) => {}
    }
    if input.owners.len() > 20 {
        return Err(Error::invalid("owners", "最多 20 位责任人"));
    }
    let bounds = crate::org::subtree_bounds(&node.path);
    for owner in &input.owners {
        if !store::works_in(&ctx.db, *owner, &bounds).await? {
            return Err(Error::invalid("owners", format!("人员 {owner} 在{}没有在岗职务", node.name)));
        }
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let zone = NewZone {
        name,
        node_id: node.id,
        node_path: &node.path,
        boundary: ring.as_deref().map(|r| rules::boundary_json(r).to_string()),
        centre,
        radius_m: input.radius_m,
        by: p.person_id,
    };
    let id = store::insert_zone(&mut tx, &zone, now).await?;
    for owner in &input.owners {
        store::insert_owner(&mut tx, id, *owner).await?;
    }
    tx.commit().await?;
    store::zone(&ctx.db, id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCheckpointInput {
    pub kind: String,
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    /// The enterprise a checkpoint is, if any.
    pub organisation_id: Option<i64>,
}

/// Adds a checkpoint inside the zone; its cases are filed at the nearest registered building.
pub async fn add_checkpoint(ctx: &Ctx, actor: &Actor, zone_id: i64, input: NewCheckpointInput) -> Result<Checkpoint> {
    let zone = visible(ctx, actor, zone_id).await?;
    let p = actor.require_person()?;
    if !p.manages(Some(&zone.node_path)) {
        return Err(Error::Forbidden("巡查点由社区工作人员或指挥中心设置".into()));
    }
    let kind = CheckpointKind::from_code(input.kind.trim()).ok_or_else(|| {
        Error::invalid("kind", "应为 garbage_point、building_site、enterprise、monitoring_point 或 other")
    })?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    let at = (input.lat, input.lng);
    if !(-90.0..=90.0).contains(&at.0) || !(-180.0..=180.0).contains(&at.1) {
        return Err(Error::invalid("lat", "经纬度超出范围"));
    }
    if !shape(&zone).holds(at) {
        return Err(Error::invalid("lat", "巡查点不在片区范围内"));
    }
    if let Some(org) = input.organisation_id {
        crate::org::store::organisation_by_id(&ctx.db, org)
            .await
            .map_err(|_| Error::invalid("organisation_id", format!("没有编号为 {org} 的单位")))?;
    }
    let (building_id, _) = store::nearest_building(&ctx.db, &crate::org::subtree_bounds(&zone.node_path), at)
        .await?
        .ok_or_else(|| Error::invalid("lat", "片区所在区域没有已登记坐标的楼栋，无法归属工单"))?;
    let token = crate::auth::secret::new_token();
    let checkpoint =
        NewCheckpoint { zone_id, kind, name, at, organisation_id: input.organisation_id, building_id, token: &token };
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_checkpoint(&mut tx, &checkpoint, ctx.now()).await?;
    tx.commit().await?;
    store::checkpoint(&ctx.db, id).await
}

/// What a scan records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// `ok` 正常, `problem`, `coached` (put right on the spot).
    pub result: String,
    /// For a problem or coaching: `dust_uncovered`, `garbage_unenclosed`, `burning`, `exhaust`, `other`.
    pub problem: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
    /// Where the phone was, if it said.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

/// Records a visit (once per idempotency key; `true`: a replay). A problem
/// is filed as a case; coaching is filed and closed at once.
pub async fn record_visit(
    ctx: &Ctx,
    actor: &Actor,
    token: &str,
    input: VisitInput,
    key: &str,
) -> Result<(Visit, bool)> {
    let p = actor.require_person()?;
    let checkpoint = store::checkpoint_by_token(&ctx.db, token).await?;
    let zone = store::zone(&ctx.db, checkpoint.zone_id).await?;
    // Whoever sees the zone may patrol it: its owners, the area's staff, the departments above it.
    if !may_see(ctx, p, &zone).await? {
        return Err(Error::Forbidden(format!("您不负责巡查片区“{}”", zone.name)));
    }
    let key = crate::platform::person_key(p.person_id, key)?;
    if let Some(existing) = store::visit_by_key(&ctx.db, &key).await? {
        return Ok((existing, true));
    }
    let result = VisitResult::from_code(input.result.trim())
        .ok_or_else(|| Error::invalid("result", "应为 ok（正常）、problem（有问题）或 coached（现场指导整改）"))?;
    let problem = match (result, input.problem.as_deref().map(str::trim)) {
        (VisitResult::Ok, _) => None,
        (_, Some(code)) => Some(Problem::from_code(code).ok_or_else(|| {
            Error::invalid("problem", "应为 dust_uncovered、garbage_unenclosed、burning、exhaust 或 other")
        })?),
        (_, None) => return Err(Error::invalid("problem", "有问题时请选择问题类型")),
    };
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid("note", "最多 500 个字"));
    }
    if result == VisitResult::Coached && note.is_none() {
        return Err(Error::invalid("note", "现场指导请写明指导和整改的内容"));
    }
    if input.photos.len() > crate::cases::draft::MAX_PHOTOS {
        return Err(Error::invalid("photos", format!("最多 {} 张照片", crate::cases::draft::MAX_PHOTOS)));
    }
    let phone = match (input.lat, input.lng) {
        (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => Some((lat, lng)),
        (None, None) => None,
        _ => return Err(Error::invalid("lat", "位置应同时给出 lat 和 lng，且在有效范围内")),
    };
    let (position, distance_m) = rules::position(checkpoint.lat.zip(checkpoint.lng), phone);
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let case_id = match problem {
        Some(problem) => {
            let building = crate::org::store::building_by_code(&ctx.db, &checkpoint.building_code).await?;
            let description = match note {
                Some(n) => format!("【环境巡查】{}：{}。{n}", problem.name(false), checkpoint.name),
                None => format!("【环境巡查】{}：{}。", problem.name(false), checkpoint.name),
            };
            let draft = Draft {
                category: Some(problem.category().to_string()),
                description,
                building: Some(building.code),
                attachments: input.photos.clone(),
                source: Some(Source::Patrol),
                ..Default::default()
            };
            let report = draft.parse(actor)?;
            let located = locate_report(ctx, &report).await?;
            Some(file_in_tx(ctx, &mut tx, actor, &report, &located, None).await?.0)
        }
        None => None,
    };
    let visit = NewVisit {
        checkpoint_id: checkpoint.id,
        person_id: p.person_id,
        phone,
        distance_m,
        position,
        result,
        problem,
        note,
        photos: &input.photos,
        case_id,
        key: &key,
    };
    let id = match store::insert_visit(&mut tx, &visit, now).await {
        Ok(id) => id,
        Err(e) => {
            drop(tx);
            return match store::visit_by_key(&ctx.db, &key).await? {
                Some(existing) => Ok((existing, true)),
                None => Err(e),
            };
        }
    };
    tx.commit().await?;
    ctx.events_appended();
    if let (VisitResult::Coached, Some(case)) = (result, case_id) {
        close_on_the_spot(ctx, case, note.unwrap_or_default()).await?;
    }
    Ok((store::visit(&ctx.db, id).await?, false))
}

/// Coaching put it right there and then: the case is reported fixed and closed, saying so.
async fn close_on_the_spot(ctx: &Ctx, case_id: i64, note: &str) -> Result<()> {
    let text = format!("现场指导，当场整改：{note}");
    let case = crate::cases::store::case_by_id(&ctx.db, case_id).await?;
    if case.status == crate::cases::workflow::Status::Reported {
        act(ctx, &Actor::System, case_id, Action::Register, ActionInput::default()).await?;
        act(ctx, &Actor::System, case_id, Action::Dispatch, ActionInput::default()).await?;
    }
    let input = || ActionInput { note: Some(text.clone()), ..Default::default() };
    act(ctx, &Actor::System, case_id, Action::Resolve, input()).await?;
    act(ctx, &Actor::System, case_id, Action::Close, input()).await?;
    Ok(())
}

/// A zone's log between two times.
pub async fn log(ctx: &Ctx, actor: &Actor, zone_id: i64, from: i64, to: i64) -> Result<Vec<Visit>> {
    visible(ctx, actor, zone_id).await?;
    if to <= from || to - from > 92 * 86_400_000 {
        return Err(Error::invalid("to", "时间段应在 92 天以内，且 to 晚于 from"));
    }
    store::visits(&ctx.db, zone_id, from, to).await
}
