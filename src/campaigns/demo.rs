//! The seed's sweep in the demo district: 越江社区's stairwell fire-safety
//! sweep, running this week. Three buildings of 第五网格 are swept, with the
//! seed's three hazards found: 乱堆杂物 in 62栋 fixed and re-inspected,
//! 私自封门 in 61栋 with its notice out, and 飞线充电 in 63栋 whose notice ran
//! out unfixed, so it is on the street's joint-enforcement list.

use super::service::{self, NewCampaign, NewFindingInput};
use super::{FindingState, store};
use crate::auth::{Actor, PersonActor};
use crate::db::query;
use crate::error::Result;
use crate::platform::Ctx;

const DAY: i64 = 86_400_000;

async fn person(ctx: &Ctx, person_id: i64) -> Result<Actor> {
    let name: String = query("SELECT name FROM people WHERE id = $1").bind(person_id).scalar(&ctx.db).await?;
    let grants = crate::auth::store::active_grants(&ctx.db, person_id).await?;
    Ok(Actor::Person(PersonActor { person_id, account_id: 0, name, grants }))
}

async fn account(ctx: &Ctx, username: &str) -> Result<Actor> {
    crate::auth::actor_by_username(&ctx.db, username).await
}

/// Loads the demo sweep (once: nothing happens if a campaign exists).
pub async fn load(ctx: &Ctx) -> Result<()> {
    if query("SELECT COUNT(*) FROM campaigns").scalar::<i64>(&ctx.db).await? > 0 {
        return Ok(());
    }
    let staff = account(ctx, "shequ").await?;
    let today = crate::time::to_cst(ctx.now()).date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();
    let campaign = service::create(
        ctx,
        &staff,
        NewCampaign {
            name: "越江新村楼道消防安全隐患地毯式排查".into(),
            nodes: vec!["320602011003".into()],
            buildings: Vec::new(),
            checks: None,
            starts_on: day(-3),
            ends_on: day(4),
        },
    )
    .await?;
    let hazards = [
        (61, 2, "sealed_door", Some(3), None, "三楼楼梯间防火门被住户加装铁门封闭"),
        (62, 1, "clutter", None, None, "一楼楼梯下堆放旧家具、纸箱"),
        (63, 3, "flying_cable", None, Some("502"), "五楼窗口拉线至楼下为电动车充电"),
    ];
    let mut found = Vec::new();
    for (n, unit_with, check, floor, room, note) in hazards {
        let code = format!("32060201100301{n:03}");
        let targets: Vec<_> =
            store::targets(&ctx.db, campaign.id, None).await?.into_iter().filter(|t| t.building_code == code).collect();
        for t in &targets {
            let Some(member) = t.assignee_person_id else { continue };
            let actor = person(ctx, member).await?;
            if t.unit != unit_with {
                service::mark_clean(ctx, &actor, campaign.id, &code, t.unit).await?;
                continue;
            }
            let input = NewFindingInput {
                building: code.clone(),
                unit: t.unit,
                check: check.into(),
                floor,
                room: room.map(str::to_string),
                note: Some(note.into()),
                photos: Vec::new(),
            };
            let (f, _) =
                service::record_finding(ctx, &actor, campaign.id, input, &format!("demo-{n}-{unit_with}")).await?;
            found.push((f, actor));
        }
    }
    for (f, member) in &found {
        service::issue_notice(ctx, &staff, f.id).await?;
        match f.check_code.as_str() {
            "clutter" => {
                let fixed =
                    service::ReinspectionInput {
                        fixed: true, note: Some("杂物已清空".into()), photos: Vec::new()
                    };
                service::reinspect(ctx, member, f.id, fixed).await?;
            }
            "flying_cable" => overdue(ctx, f.id).await?,
            _ => {}
        }
    }
    Ok(())
}

/// Moves a notice four days back, so its deadline has passed, and puts the
/// finding on the enforcement list as its timer would have.
async fn overdue(ctx: &Ctx, finding_id: i64) -> Result<()> {
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    query("UPDATE finding_notices SET issued_at = $1, due_at = $2 WHERE finding_id = $3")
        .bind(now - 4 * DAY)
        .bind(now - 3 * DAY)
        .bind(finding_id)
        .execute(&mut tx)
        .await?;
    query("UPDATE findings SET found_at = $1, due_at = $2 WHERE id = $3")
        .bind(now - 4 * DAY)
        .bind(now - 3 * DAY)
        .bind(finding_id)
        .execute(&mut tx)
        .await?;
    store::set_state(&mut tx, finding_id, FindingState::Enforcement, now).await?;
    let f = store::finding(&mut tx, finding_id).await?;
    super::timers::tell_enforcement(&mut tx, &f, now).await?;
    tx.commit().await?;
    Ok(())
}
