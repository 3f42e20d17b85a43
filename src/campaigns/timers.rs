//! The campaigns' own timers: `campaign.end` (units nobody swept escalate to
//! their grid head) and `finding.due` (a notice's deadline passed unfixed:
//! onto the joint-enforcement list, and the street's team hears of it).

use serde_json::json;

use super::{CAMPAIGN, FINDING, Finding, FindingState, store};
use crate::auth::Role;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::outbox::{self, Channel, Message};
use crate::platform::timers::{self, NewTimer, Timer, TimerKind};
use crate::platform::{Ctx, Subject};

pub const END: &str = "campaign.end";
pub const DUE: &str = "finding.due";

/// The campaigns' timers, for the composition root to register.
pub const KINDS: [TimerKind; 2] = [
    TimerKind { name: END, run: |ctx, tx, timer| Box::pin(run_end(ctx, tx, timer)) },
    TimerKind { name: DUE, run: |ctx, tx, timer| Box::pin(run_due(ctx, tx, timer)) },
];

pub async fn schedule_end(tx: &mut Tx, campaign_id: i64, at: i64, now: i64) -> Result<()> {
    let timer = NewTimer {
        kind: END,
        subject: Subject::new(CAMPAIGN, campaign_id),
        payload: json!({}),
        dedupe_key: format!("campaign:{campaign_id}:end:{at}"),
        run_at: at,
    };
    timers::schedule(tx, &timer, now).await
}

pub async fn schedule_due(tx: &mut Tx, finding_id: i64, at: i64, now: i64) -> Result<()> {
    let timer = NewTimer {
        kind: DUE,
        subject: Subject::new(FINDING, finding_id),
        payload: json!({}),
        dedupe_key: format!("finding:{finding_id}:due:{at}"),
        run_at: at,
    };
    timers::schedule(tx, &timer, now).await
}

/// The campaign is over: each grid head hears which of their units nobody swept.
async fn run_end(ctx: &Ctx, tx: &mut Tx, timer: &Timer) -> Result<()> {
    let Some(id) = timer.subject_id(CAMPAIGN) else { return Ok(()) };
    let campaign = store::campaign(&mut *tx, id).await?;
    let unswept: Vec<_> =
        store::targets(&mut *tx, id, None).await?.into_iter().filter(|t| t.swept_at.is_none()).collect();
    let mut grids: Vec<Option<i64>> = unswept.iter().map(|t| t.grid_node_id).collect();
    grids.sort_unstable();
    grids.dedup();
    let now = ctx.now();
    for grid in grids.into_iter().flatten() {
        let here: Vec<String> = unswept
            .iter()
            .filter(|t| t.grid_node_id == Some(grid))
            .map(|t| format!("{}{}单元", t.building_name, t.unit))
            .collect();
        let mut listed = here.iter().take(20).cloned().collect::<Vec<_>>().join("、");
        if here.len() > 20 {
            listed.push_str(&format!(" 等 {} 个单元", here.len()));
        }
        for head in store::people_at(tx, Role::GridHead, &[grid]).await? {
            let message = Message {
                person_id: Some(head),
                address: None,
                subject: Some(Subject::new(CAMPAIGN, id)),
                link: Some(format!("/app/campaigns/{id}")),
                title: format!("【排查未完成】{}：{} 个单元无人排查", campaign.name, here.len()),
                body: format!("排查已于 {} 结束，以下单元无人排查，请安排补查：{listed}", campaign.ends_on),
                dedupe_key: format!("campaign:{id}:end:grid:{grid}:head:{head}"),
            };
            outbox::enqueue(tx, Channel::InApp, &message, now).await?;
        }
    }
    Ok(())
}

/// A notice's deadline passed: unless fixed or waiting for re-inspection,
/// the finding goes on the joint-enforcement list.
async fn run_due(ctx: &Ctx, tx: &mut Tx, timer: &Timer) -> Result<()> {
    let Some(id) = timer.subject_id(FINDING) else { return Ok(()) };
    let f = store::finding(&mut *tx, id).await?;
    if !matches!(f.state, FindingState::Open | FindingState::Notice) {
        return Ok(());
    }
    let now = ctx.now();
    store::set_state(tx, f.id, FindingState::Enforcement, now).await?;
    tell_enforcement(tx, &f, now).await
}

/// Tells the street's enforcement officers that a finding is on their list.
pub async fn tell_enforcement(tx: &mut Tx, f: &Finding, now: i64) -> Result<()> {
    for officer in store::enforcement_officers(tx, &f.node_path).await? {
        let message = Message {
            person_id: Some(officer),
            address: None,
            subject: Some(Subject::new(FINDING, f.id)),
            link: Some(format!("/app/campaigns/{}#finding-{}", f.campaign_id, f.id)),
            title: format!("【联合执法】逾期未整改：{}（{}）", f.check_name, f.place()),
            body: "整改告知单期限已过，隐患仍未整改，已列入联合执法清单。".to_string(),
            dedupe_key: format!("finding:{}:enforcement:{now}:officer:{officer}", f.id),
        };
        outbox::enqueue(tx, Channel::InApp, &message, now).await?;
    }
    Ok(())
}
