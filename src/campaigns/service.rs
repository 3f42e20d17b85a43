//! What people do in a campaign, as functions of `(&Ctx, &Actor, input)`:
//! start one (its targets materialised from the org tree), sweep a unit,
//! record a finding (filed as a case through the case service, once per
//! idempotency key), issue and answer a notice, record enforcement, and
//! re-inspect. Scope is checked here; SQL lives in `store`.

use serde::Deserialize;

use super::rules::{self, Indicators};
use super::store::{self, NewFinding, NewTarget, Notice};
use super::{CAMPAIGN, Campaign, Check, FINDING, Finding, FindingState, Outcome, Target, timers};
use crate::auth::{Actor, PersonActor, Role};
use crate::cases::draft::Draft;
use crate::cases::service::{ActionInput, act, file_in_tx, locate_report};
use crate::cases::workflow::{Action, Status};
use crate::cases::{Source, store as case_store};
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::platform::outbox::{self, Channel, Message};
use crate::platform::{Ctx, Subject};

/// A campaign as asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    /// Org node codes: a community, a street, grids.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// Building codes, for a campaign over a list of buildings.
    #[serde(default)]
    pub buildings: Vec<String>,
    /// The checklist; the default one when absent.
    pub checks: Option<Vec<Check>>,
    pub starts_on: String,
    pub ends_on: String,
}

/// Roles that see a campaign wherever it overlaps their area.
const VIEWERS: &[Role] =
    &[Role::MicroGridMember, Role::GridHead, Role::CommunityStaff, Role::CommandCentre, Role::Admin];
/// Roles that may issue and print a notice in their area (besides enforcement).
pub const NOTICERS: &[Role] = &[Role::GridHead, Role::CommunityStaff, Role::CommandCentre, Role::Admin];

/// Whether a grant of one of `roles` overlaps the subtree at `path` (holds it, or lies in it).
fn reaches(p: &PersonActor, roles: &[Role], path: &str) -> bool {
    p.grants.iter().any(|g| {
        roles.contains(&g.role) && g.node_path.as_deref().is_some_and(|s| path.starts_with(s) || s.starts_with(path))
    })
}

/// Whether the person is an officer of an enforcement department above `path`.
pub async fn is_enforcer(ctx: &Ctx, p: &PersonActor, path: &str) -> Result<bool> {
    if !p.has_role(Role::DepartmentOfficer) {
        return Ok(false);
    }
    let departments = store::enforcement_departments(&ctx.db, path).await?;
    Ok(departments.iter().any(|d| p.in_organisation(Role::DepartmentOfficer, Some(*d))))
}

/// Whether the person is an enforcement officer above any of a campaign's nodes.
async fn enforcer_above_any(ctx: &Ctx, p: &PersonActor, paths: &[String]) -> Result<bool> {
    for path in paths {
        if is_enforcer(ctx, p, path).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the person sees a campaign over `paths`: everyone who works an
/// area it overlaps, and the street's enforcement team.
async fn may_view(ctx: &Ctx, p: &PersonActor, paths: &[String]) -> Result<bool> {
    Ok(paths.iter().any(|path| reaches(p, VIEWERS, path)) || enforcer_above_any(ctx, p, paths).await?)
}

/// A campaign the person may see, with its node paths; out of scope looks absent.
pub async fn visible(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Campaign, Vec<String>)> {
    let p = actor.require_person()?;
    let campaign = store::campaign(&ctx.db, id).await?;
    let paths = store::node_paths(&ctx.db, id).await?;
    if !may_view(ctx, p, &paths).await? {
        return Err(Error::not_found("campaign", id.to_string()));
    }
    Ok((campaign, paths))
}

/// The campaigns the person may see, newest first.
pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<Campaign>> {
    let p = actor.require_person()?;
    let mut out = Vec::new();
    for (campaign, paths) in store::campaigns(&ctx.db).await? {
        if may_view(ctx, p, &paths).await? {
            out.push(campaign);
        }
    }
    Ok(out)
}

/// Starts a campaign: its subtree, checklist and one target per building ×
/// unit, each assigned to the unit's (or building's) micro-grid member, else
/// its grid head. Community staff start one in their community; the street
/// (command centre) across several.
pub async fn create(ctx: &Ctx, actor: &Actor, input: NewCampaign) -> Result<Campaign> {
    let p = actor.require_person()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "应为 1 到 60 个字"));
    }
    if input.nodes.is_empty() && input.buildings.is_empty() {
        return Err(Error::invalid("nodes", "请选择排查范围：社区、网格（nodes）或楼栋（buildings）"));
    }
    if input.nodes.len() + input.buildings.len() > 500 {
        return Err(Error::invalid("buildings", "一次最多选择 500 个范围"));
    }
    let (starts, ends, ends_at) = rules::campaign_days(&input.starts_on, &input.ends_on)?;
    let checks = input.checks.unwrap_or_else(rules::default_checks);
    rules::validate_checks(&checks)?;
    let mut scopes: Vec<(i64, String, Option<i64>)> = Vec::new();
    for code in &input.nodes {
        let node = crate::org::store::node_by_code(&ctx.db, code)
            .await
            .map_err(|_| Error::invalid("nodes", format!("没有编号为 `{code}` 的组织节点")))?;
        scopes.push((node.id, node.path, None));
    }
    for code in &input.buildings {
        let b = crate::org::store::building_by_code(&ctx.db, code)
            .await
            .map_err(|_| Error::invalid("buildings", format!("没有编号为 `{code}` 的楼栋")))?;
        let node = crate::org::store::node_by_id(&ctx.db, b.node_id).await?;
        scopes.push((node.id, node.path, Some(b.id)));
    }
    if let Some((_, path, _)) = scopes.iter().find(|(_, path, _)| !p.manages(Some(path))) {
        let _ = path;
        return Err(Error::Forbidden("只能在您负责的社区或街道内发起排查".into()));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let (starts_on, ends_on) = (starts.to_string(), ends.to_string());
    let id = store::insert_campaign(&mut tx, name, p.person_id, (&starts_on, &ends_on, ends_at), now).await?;
    for (position, check) in checks.iter().enumerate() {
        store::insert_check(&mut tx, id, check, position as i64).await?;
    }
    let sweepers = store::sweepers(&mut tx).await?;
    let mut units = Vec::new();
    for (node_id, path, building) in &scopes {
        store::insert_node(&mut tx, id, *node_id, path).await?;
        units.extend(match building {
            Some(b) => store::units_of_building(&mut tx, *b).await?,
            None => store::units_under(&mut tx, path).await?,
        });
    }
    if units.is_empty() {
        return Err(Error::invalid("nodes", "所选范围内没有楼栋"));
    }
    let mut ancestors: Vec<i64> = units.iter().flat_map(|u| crate::org::path_ids(&u.node_path)).collect();
    ancestors.sort_unstable();
    ancestors.dedup();
    let grids = store::grid_ids(&mut tx, &ancestors).await?;
    for u in &units {
        let path = crate::org::path_ids(&u.node_path);
        let grid = path.iter().rev().copied().find(|n| grids.contains(n));
        let target = NewTarget {
            building_id: u.building_id,
            unit: u.unit,
            node_path: &u.node_path,
            grid_node_id: grid,
            assignee_person_id: assignee(&sweepers, &path, grid),
        };
        store::insert_target(&mut tx, id, &target).await?;
    }
    timers::schedule_end(&mut tx, id, ends_at, now).await?;
    tx.commit().await?;
    store::campaign(&ctx.db, id).await
}

/// The micro-grid member nearest the unit, else the grid head.
fn assignee(sweepers: &[(i64, Role, i64)], path: &[i64], grid: Option<i64>) -> Option<i64> {
    let member = path
        .iter()
        .rev()
        .take_while(|n| Some(**n) != grid)
        .find_map(|n| sweepers.iter().find(|(_, r, at)| *r == Role::MicroGridMember && at == n).map(|s| s.0));
    member
        .or_else(|| grid.and_then(|g| sweepers.iter().find(|(_, r, at)| *r == Role::GridHead && *at == g).map(|s| s.0)))
}

/// Whether the person may sweep (and re-inspect) this target.
fn may_sweep(p: &PersonActor, t: &Target) -> bool {
    t.assignee_person_id == Some(p.person_id) || p.covers(Role::VERIFIERS, &t.node_path)
}

/// What a sweeper's phone keeps: the campaign, its checklist, their targets
/// and the findings there.
pub async fn sweep_of(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Campaign, Vec<Check>, Vec<Target>, Vec<Finding>)> {
    let (campaign, _) = visible(ctx, actor, id).await?;
    let (targets, findings) = sweep_targets(ctx, actor.require_person()?, id).await?;
    Ok((campaign, store::checks(&ctx.db, id).await?, targets, findings))
}

/// The units of a campaign (already seen to be visible) the person may sweep, and the findings there.
pub(super) async fn sweep_targets(ctx: &Ctx, p: &PersonActor, id: i64) -> Result<(Vec<Target>, Vec<Finding>)> {
    let targets: Vec<Target> =
        store::targets(&ctx.db, id, None).await?.into_iter().filter(|t| may_sweep(p, t)).collect();
    let findings = store::findings(&ctx.db, id, &[])
        .await?
        .into_iter()
        .filter(|f| targets.iter().any(|t| t.id == f.target_id))
        .collect();
    Ok((targets, findings))
}

async fn sweepable(ctx: &Ctx, p: &PersonActor, campaign: &Campaign, building: &str, unit: i64) -> Result<Target> {
    let target = store::target(&ctx.db, campaign.id, building, unit).await?;
    if !may_sweep(p, &target) {
        return Err(Error::Forbidden(format!("{}{}单元不是分配给您的排查任务", target.building_name, unit)));
    }
    let starts = rules::day_start(rules::parse_day("starts_on", &campaign.starts_on)?);
    if ctx.now() < starts {
        return Err(Error::Conflict(format!("排查从 {} 开始，尚未开始", campaign.starts_on)));
    }
    Ok(target)
}

/// "无隐患": the unit is swept and clean (idempotent).
pub async fn mark_clean(ctx: &Ctx, actor: &Actor, id: i64, building: &str, unit: i64) -> Result<Target> {
    let (campaign, _) = visible(ctx, actor, id).await?;
    let p = actor.require_person()?;
    let target = sweepable(ctx, p, &campaign, building, unit).await?;
    let mut tx = ctx.db.begin().await?;
    store::mark_swept(&mut tx, target.id, Some(p.person_id), true, ctx.now()).await?;
    tx.commit().await?;
    store::target(&ctx.db, id, building, unit).await
}

/// A finding as recorded on the phone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFindingInput {
    pub building: String,
    pub unit: i64,
    pub check: String,
    pub floor: Option<i64>,
    pub room: Option<String>,
    pub note: Option<String>,
    /// Photos already uploaded (`POST /api/v1/attachments`), by SHA-256.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// Records a finding and files its case, once per idempotency key: the same
/// key again returns the first finding (`true`: it was such a replay).
pub async fn record_finding(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    input: NewFindingInput,
    key: &str,
) -> Result<(Finding, bool)> {
    let (campaign, _) = visible(ctx, actor, id).await?;
    let p = actor.require_person()?;
    let key = crate::platform::person_key(p.person_id, key)?;
    if let Some(existing) = store::finding_by_key(&ctx.db, &key).await? {
        return Ok((existing, true));
    }
    let target = sweepable(ctx, p, &campaign, &input.building, input.unit).await?;
    file_finding(ctx, actor, p.person_id, &campaign, &target, input, &key).await
}

/// Files the finding's case and the finding in one transaction (the demo
/// calls this directly, as linli).
pub(super) async fn file_finding(
    ctx: &Ctx,
    actor: &Actor,
    found_by: i64,
    campaign: &Campaign,
    target: &Target,
    input: NewFindingInput,
    key: &str,
) -> Result<(Finding, bool)> {
    let checks = store::checks(&ctx.db, campaign.id).await?;
    let check = checks
        .iter()
        .find(|c| c.code == input.check)
        .ok_or_else(|| Error::invalid("check", format!("本次排查没有检查项 `{}`", input.check)))?;
    let note = checked_note(input.note.as_deref())?;
    if check.by_floor && input.floor.is_none() && input.room.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::invalid("floor", format!("“{}”需要填写楼层或房号", check.name)));
    }
    let place = format!("{}{}单元", target.building_name, target.unit);
    let description = match note {
        Some(n) => format!("【隐患排查】{}：{place}。{n}", check.name),
        None => format!("【隐患排查】{}：{place}。", check.name),
    };
    let draft = Draft {
        category: Some(check.category.clone()),
        description,
        building: Some(target.building_code.clone()),
        unit: Some(target.unit),
        room: input.room.clone(),
        floor: input.floor,
        urgent: rules::is_urgent(check),
        urgent_reason: rules::is_urgent(check).then(|| format!("排查发现严重隐患：{}", check.name)),
        attachments: input.photos.clone(),
        source: Some(Source::Sweep),
        ..Default::default()
    };
    let report = draft.parse(actor)?;
    let located = locate_report(ctx, &report).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let (case_id, _) = file_in_tx(ctx, &mut tx, actor, &report, &located, None).await?;
    let finding = NewFinding {
        campaign_id: campaign.id,
        target,
        floor: input.floor,
        room: report.room.as_deref(),
        check_code: &check.code,
        note,
        photos: &input.photos,
        case_id,
        key,
        found_by,
    };
    let inserted = store::insert_finding(&mut tx, &finding, now).await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) => {
            // The same key raced in from a second request: its finding stands.
            drop(tx);
            return match store::finding_by_key(&ctx.db, key).await? {
                Some(existing) => Ok((existing, true)),
                None => Err(e),
            };
        }
    };
    store::mark_swept(&mut tx, target.id, Some(found_by), false, now).await?;
    tx.commit().await?;
    ctx.events_appended();
    Ok((store::finding(&ctx.db, id).await?, false))
}

/// A finding the person may see; out of scope looks absent.
pub async fn finding(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Finding> {
    let finding = store::finding(&ctx.db, id).await?;
    visible(ctx, actor, finding.campaign_id).await.map_err(|_| Error::not_found("finding", id.to_string()))?;
    Ok(finding)
}

/// Whether the person may issue and print notices for the finding.
async fn may_notice(ctx: &Ctx, p: &PersonActor, f: &Finding) -> Result<bool> {
    Ok(p.covers(NOTICERS, &f.node_path) || is_enforcer(ctx, p, &f.node_path).await?)
}

/// Issues the 整改告知单 (once; again returns the same notice) and starts its deadline.
pub async fn issue_notice(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Finding, Notice)> {
    let f = finding(ctx, actor, id).await?;
    let p = actor.require_person()?;
    if !may_notice(ctx, p, &f).await? {
        return Err(Error::Forbidden("整改告知单由社区工作人员、网格长或综合执法队员开具".into()));
    }
    if f.state == FindingState::Fixed {
        return Err(Error::Conflict("这处隐患已整改，无需再开具告知单".into()));
    }
    let checks = store::checks(&ctx.db, f.campaign_id).await?;
    let fix_days = checks.iter().find(|c| c.code == f.check_code).map_or(3, |c| c.fix_days);
    let now = ctx.now();
    let due = rules::notice_due(now, fix_days);
    let mut tx = ctx.db.begin().await?;
    if store::insert_notice(&mut tx, f.id, &crate::auth::secret::new_token(), p.person_id, now, due).await? {
        if f.state == FindingState::Open {
            store::set_state(&mut tx, f.id, FindingState::Notice, now).await?;
        }
        timers::schedule_due(&mut tx, f.id, due, now).await?;
    }
    tx.commit().await?;
    let notice = store::notice(&ctx.db, f.id).await?.ok_or_else(|| Error::not_found("notice", id.to_string()))?;
    Ok((store::finding(&ctx.db, f.id).await?, notice))
}

/// The finding and its notice, for printing.
pub async fn printable(ctx: &Ctx, actor: &Actor, id: i64) -> Result<(Finding, Notice)> {
    let f = finding(ctx, actor, id).await?;
    let p = actor.require_person()?;
    if !may_notice(ctx, p, &f).await? {
        return Err(Error::Forbidden("整改告知单由社区工作人员、网格长或综合执法队员打印".into()));
    }
    let notice = store::notice(&ctx.db, f.id).await?.ok_or_else(|| Error::not_found("notice", id.to_string()))?;
    Ok((f, notice))
}

/// The household's "已整改" from the notice's public page: the re-inspection
/// is due, and the member hears of it. A finding already on the enforcement
/// list stays there until the member has looked: saying so does not take it off.
pub async fn answer_notice(ctx: &Ctx, token: &str, note: Option<&str>, photos: &[String]) -> Result<Finding> {
    let notice = store::notice_by_token(&ctx.db, token).await?.ok_or_else(|| Error::not_found("notice", "?"))?;
    let f = store::finding(&ctx.db, notice.finding_id).await?;
    let note = checked_note(note)?;
    if f.state == FindingState::Fixed {
        return Err(Error::Conflict("这处隐患已复查确认整改".into()));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    store::answer_notice(&mut tx, f.id, note, photos, now).await?;
    if matches!(f.state, FindingState::Open | FindingState::Notice) {
        store::set_state(&mut tx, f.id, FindingState::Answered, now).await?;
    }
    tell_reinspector(&mut tx, &f, "居民反馈已整改", now).await?;
    tx.commit().await?;
    store::finding(&ctx.db, f.id).await
}

/// Tells the member who swept the unit that a finding waits for re-inspection.
pub(super) async fn tell_reinspector(tx: &mut Tx, f: &Finding, why: &str, now: i64) -> Result<()> {
    let Some(person) = f.assignee_person_id.or(Some(f.found_by_person_id)) else { return Ok(()) };
    let message = Message {
        person_id: Some(person),
        address: None,
        subject: Some(Subject::new(FINDING, f.id)),
        link: Some(format!("/app/campaigns/{}/sweep", f.campaign_id)),
        title: format!("请复查：{}（{}）", f.check_name, f.place()),
        body: format!("{why}，请到现场复查并在排查页点“复查”。"),
        dedupe_key: format!("finding:{}:reinspect:{now}", f.id),
    };
    outbox::enqueue(tx, Channel::InApp, &message, now).await
}

/// Findings on the joint-enforcement list (and those enforced, waiting for re-inspection).
pub async fn enforcement_list(ctx: &Ctx, actor: &Actor, id: i64) -> Result<Vec<Finding>> {
    let (_, paths) = visible(ctx, actor, id).await?;
    let p = actor.require_person()?;
    let managers = paths.iter().any(|path| p.covers(Role::MANAGERS, path) || reaches(p, &[Role::CommandCentre], path));
    if !(managers || enforcer_above_any(ctx, p, &paths).await?) {
        return Err(Error::Forbidden("联合执法清单供综合执法队员和社区工作人员查看".into()));
    }
    store::findings(&ctx.db, id, &[FindingState::Enforcement, FindingState::Enforced]).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnforcementInput {
    /// `cleared` 清理, `demolished` 拆除, `ordered` 责令整改, `transferred` 移交 (code or word).
    pub outcome: String,
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
}

/// The enforcement team's outcome: the finding waits for re-inspection, and
/// the case's history records what was done.
pub async fn record_enforcement(ctx: &Ctx, actor: &Actor, id: i64, input: EnforcementInput) -> Result<Finding> {
    let f = finding(ctx, actor, id).await?;
    let p = actor.require_person()?;
    if !(is_enforcer(ctx, p, &f.node_path).await? || p.has_role(Role::Admin)) {
        return Err(Error::Forbidden("执法结果由综合执法队员记录".into()));
    }
    let outcome = Outcome::parse(input.outcome.trim()).ok_or_else(|| {
        Error::invalid("outcome", "应为 清理、拆除、责令整改 或 移交（cleared/demolished/ordered/transferred）")
    })?;
    let note = checked_note(input.note.as_deref())?;
    check_photos(&input.photos)?;
    if !matches!(
        f.state,
        FindingState::Enforcement | FindingState::Enforced | FindingState::Notice | FindingState::Open
    ) {
        return Err(Error::Conflict(format!("这处隐患当前“{}”，不在联合执法清单上", f.state.name_zh())));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    store::insert_enforcement(&mut tx, f.id, outcome, note, &input.photos, p.person_id, now).await?;
    store::set_state(&mut tx, f.id, FindingState::Enforced, now).await?;
    tell_reinspector(&mut tx, &f, &format!("联合执法已{}", outcome.name_zh()), now).await?;
    tx.commit().await?;
    let text = format!(
        "联合执法：{}（{}）{}",
        outcome.name_zh(),
        p.name_with_role(),
        note.map(|n| format!("，{n}")).unwrap_or_default()
    );
    comment_on_case(ctx, f.case_id, &text, &input.photos).await?;
    store::finding(&ctx.db, f.id).await
}

/// A note as given: trimmed, blank counts as none, at most 500 characters.
fn checked_note(note: Option<&str>) -> Result<Option<&str>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid("note", "最多 500 个字"));
    }
    Ok(note)
}

fn check_photos(photos: &[String]) -> Result<()> {
    if photos.len() > crate::cases::draft::MAX_PHOTOS {
        return Err(Error::invalid("photos", format!("最多 {} 张照片", crate::cases::draft::MAX_PHOTOS)));
    }
    Ok(())
}

/// Records a step in the case's own history (linli speaking, naming who did it).
async fn comment_on_case(ctx: &Ctx, case_id: i64, note: &str, photos: &[String]) -> Result<()> {
    let input = ActionInput { note: Some(note.to_string()), attachments: photos.to_vec(), ..Default::default() };
    act(ctx, &Actor::System, case_id, Action::Comment, input).await.map(|_| ())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReinspectionInput {
    pub fixed: bool,
    pub note: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
}

/// The member's re-inspection: fixed closes the finding and finishes its
/// case; not fixed puts it back (on the enforcement list once its deadline
/// has passed) and sends the case back for rework if it was reported fixed.
pub async fn reinspect(ctx: &Ctx, actor: &Actor, id: i64, input: ReinspectionInput) -> Result<Finding> {
    let f = finding(ctx, actor, id).await?;
    let p = actor.require_person()?;
    let swept_by_them = f.assignee_person_id == Some(p.person_id) || p.covers(Role::VERIFIERS, &f.node_path);
    if !swept_by_them {
        return Err(Error::Forbidden("复查由负责这栋楼的微网格员或网格长进行".into()));
    }
    if f.state == FindingState::Fixed {
        return Err(Error::Conflict("这处隐患已复查确认整改".into()));
    }
    let note = checked_note(input.note.as_deref())?;
    if !input.fixed && note.is_none() {
        return Err(Error::invalid("note", "复查未整改时请写明现场情况"));
    }
    check_photos(&input.photos)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    store::insert_reinspection(&mut tx, f.id, input.fixed, note, &input.photos, p.person_id, now).await?;
    let next = if input.fixed {
        FindingState::Fixed
    } else if f.due_at.is_some_and(|due| due <= now) {
        FindingState::Enforcement
    } else if f.due_at.is_some() {
        FindingState::Notice
    } else {
        FindingState::Open
    };
    store::set_state(&mut tx, f.id, next, now).await?;
    if input.fixed {
        crate::platform::timers::cancel_for(&mut tx, &Subject::new(FINDING, f.id), now).await?;
    } else if next == FindingState::Enforcement {
        timers::tell_enforcement(&mut tx, &f, now).await?;
    }
    tx.commit().await?;
    let text = match (input.fixed, note) {
        (true, Some(n)) => format!("隐患复查：已整改。{n}"),
        (true, None) => "隐患复查：已整改。".to_string(),
        (false, n) => format!("隐患复查：未整改。{}", n.unwrap_or_default()),
    };
    finish_case(ctx, actor, f.case_id, input.fixed, &text, &input.photos).await?;
    store::finding(&ctx.db, f.id).await
}

/// Brings the finding's case in line with the re-inspection, through the case service.
async fn finish_case(ctx: &Ctx, actor: &Actor, case_id: i64, fixed: bool, text: &str, photos: &[String]) -> Result<()> {
    let case = case_store::case_by_id(&ctx.db, case_id).await?;
    let input = ActionInput { note: Some(text.to_string()), attachments: photos.to_vec(), ..Default::default() };
    match (fixed, case.status) {
        (true, Status::Dispatched | Status::InProgress) => {
            // Fixed on site (by the household or enforcement): linli reports it fixed, the member verifies.
            let resolve = ActionInput { note: Some("隐患排查复查确认已整改".into()), ..Default::default() };
            act(ctx, &Actor::System, case_id, Action::Resolve, resolve).await?;
            act(ctx, actor, case_id, Action::Close, input).await?;
        }
        (true, Status::Resolved) => {
            act(ctx, actor, case_id, Action::Close, input).await?;
        }
        (false, Status::Resolved) => {
            act(ctx, actor, case_id, Action::Rework, input).await?;
        }
        (_, status) if status.is_open() => {
            act(ctx, &Actor::System, case_id, Action::Comment, input).await?;
        }
        _ => {}
    }
    Ok(())
}

/// One building's units as the coverage matrix shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuildingRow {
    pub code: String,
    pub name: String,
    pub units: Vec<UnitCell>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitCell {
    pub unit: i64,
    /// `clean`, `finding` or `unswept`.
    pub state: &'static str,
    pub findings: i64,
    pub open: i64,
}

/// One grid's progress, as a community's or street's page lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GridRow {
    pub code: String,
    pub name: String,
    pub units: i64,
    pub swept: i64,
    pub findings: i64,
}

/// What a campaign's page and `…/coverage` show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub indicators: Indicators,
    pub grids: Vec<GridRow>,
    pub buildings: Vec<BuildingRow>,
}

/// The building × unit matrix, the grids' progress and the indicators, for the campaign or one node of it.
pub async fn coverage(ctx: &Ctx, actor: &Actor, id: i64, node: Option<&str>) -> Result<Coverage> {
    let (_, paths) = visible(ctx, actor, id).await?;
    coverage_in(ctx, id, &paths, node).await
}

/// The coverage of a campaign already seen to be visible, over its node `paths`.
pub(super) async fn coverage_in(ctx: &Ctx, id: i64, paths: &[String], node: Option<&str>) -> Result<Coverage> {
    let bounds = match node {
        Some(code) => {
            let n = crate::org::store::node_by_code(&ctx.db, code)
                .await
                .map_err(|_| Error::invalid("node", format!("没有编号为 `{code}` 的组织节点")))?;
            crate::org::subtree_bounds(&n.path)
        }
        // Every chosen node shares the root: a range from the shortest common prefix.
        None => crate::org::subtree_bounds(&common_prefix(paths)),
    };
    let targets: Vec<Target> = store::targets(&ctx.db, id, None)
        .await?
        .into_iter()
        .filter(|t| t.node_path >= bounds.0 && t.node_path < bounds.1)
        .collect();
    let findings = store::findings(&ctx.db, id, &[]).await?;
    let facts = store::finding_facts(&ctx.db, id, &bounds).await?;
    let history = store::fixed_history(&ctx.db, &bounds).await?;
    let units: Vec<(i64, bool)> = targets.iter().map(|t| (t.building_id, t.swept_at.is_some())).collect();
    let indicators = rules::indicators(&units, &facts, &history);
    let grids = grid_rows(ctx, &targets, &findings).await?;
    let mut rows: Vec<BuildingRow> = Vec::new();
    for t in &targets {
        let here: Vec<&Finding> = findings.iter().filter(|f| f.target_id == t.id).collect();
        let cell = UnitCell {
            unit: t.unit,
            state: match (t.swept_at, here.is_empty()) {
                (None, _) => "unswept",
                (Some(_), true) => "clean",
                (Some(_), false) => "finding",
            },
            findings: here.len() as i64,
            open: here.iter().filter(|f| f.state != FindingState::Fixed).count() as i64,
        };
        match rows.last_mut() {
            Some(row) if row.code == t.building_code => row.units.push(cell),
            _ => rows.push(BuildingRow {
                code: t.building_code.clone(),
                name: t.building_name.clone(),
                units: vec![cell],
            }),
        }
    }
    Ok(Coverage { indicators, grids, buildings: rows })
}

async fn grid_rows(ctx: &Ctx, targets: &[Target], findings: &[Finding]) -> Result<Vec<GridRow>> {
    let mut ids: Vec<i64> = targets.iter().filter_map(|t| t.grid_node_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let nodes = crate::org::store::nodes_by_ids(&ctx.db, &ids).await?;
    Ok(nodes
        .into_iter()
        .map(|n| {
            let here: Vec<&Target> = targets.iter().filter(|t| t.grid_node_id == Some(n.id)).collect();
            GridRow {
                units: here.len() as i64,
                swept: here.iter().filter(|t| t.swept_at.is_some()).count() as i64,
                findings: findings.iter().filter(|f| here.iter().any(|t| t.id == f.target_id)).count() as i64,
                code: n.code,
                name: n.name,
            }
        })
        .collect())
}

/// The longest path prefix ending in `/` shared by every path.
fn common_prefix(paths: &[String]) -> String {
    let Some(first) = paths.first() else { return "/".into() };
    let mut prefix = first.clone();
    for p in &paths[1..] {
        while !p.starts_with(&prefix) {
            prefix.pop();
            while !prefix.ends_with('/') && !prefix.is_empty() {
                prefix.pop();
            }
        }
    }
    if prefix.is_empty() { "/".into() } else { prefix }
}

/// The subject of a campaign's timers and notices.
pub fn subject(id: i64) -> Subject {
    Subject::new(CAMPAIGN, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_nearest_the_unit_gets_it_else_the_grid_head() {
        let sweepers = [(7, Role::MicroGridMember, 30), (8, Role::GridHead, 20), (9, Role::MicroGridMember, 31)];
        assert_eq!(assignee(&sweepers, &[1, 10, 20, 30], Some(20)), Some(7));
        assert_eq!(assignee(&sweepers, &[1, 10, 20, 30, 31], Some(20)), Some(9));
        assert_eq!(assignee(&sweepers, &[1, 10, 20, 32], Some(20)), Some(8));
        assert_eq!(assignee(&sweepers, &[1, 10, 21, 33], Some(21)), None);
    }

    #[test]
    fn a_common_prefix_is_a_whole_path() {
        assert_eq!(common_prefix(&["/1/2/3/4/".into(), "/1/2/3/5/".into()]), "/1/2/3/");
        assert_eq!(common_prefix(&["/1/2/31/".into(), "/1/2/3/".into()]), "/1/2/");
        assert_eq!(common_prefix(&["/1/2/".into()]), "/1/2/");
    }
}
