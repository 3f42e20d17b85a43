//! The seed's patrol in the demo: 园林社区's zone within 1 km of the 园林路
//! national monitoring point, owned by the 和美网格 grid party secretary
//! (`xuncha`), with its garbage points, a building site, the car-repair
//! enterprise and the point itself as checkpoints, and a morning's round:
//! 正常 at two, uncovered dust at the building site (a case for the ecology
//! bureau), and coaching on the spot at a garbage point.

use super::service::{self, NewCheckpointInput, NewZoneInput, Point, VisitInput};
use crate::auth::Actor;
use crate::db::query;
use crate::error::{Error, Result};
use crate::platform::Ctx;

async fn account(ctx: &Ctx, username: &str) -> Result<Actor> {
    crate::auth::actor_by_username(&ctx.db, username).await
}

/// Loads the demo zone (once: nothing happens if a zone exists).
pub async fn load(ctx: &Ctx) -> Result<()> {
    if query("SELECT COUNT(*) FROM patrol_zones").scalar::<i64>(&ctx.db).await? > 0 {
        return Ok(());
    }
    let admin = account(ctx, "admin").await?;
    let patrol = account(ctx, "xuncha").await?;
    let owner = patrol.person_id().ok_or_else(|| Error::not_found("person", "xuncha"))?;
    let point = (31.9768, 120.8818);
    let zone = service::create_zone(
        ctx,
        &admin,
        NewZoneInput {
            name: "园林路国控点周边1公里巡查片区".into(),
            node: "320602012005".into(),
            boundary: None,
            centre: Some(Point { lat: point.0, lng: point.1 }),
            radius_m: Some(1000),
            owners: vec![owner],
        },
    )
    .await?;
    let garage: Option<i64> = query("SELECT id FROM organisations WHERE name = '南通顺达汽车维修有限公司'")
        .fetch_optional::<(i64,)>(&ctx.db)
        .await?
        .map(|(id,)| id);
    let checkpoints = [
        ("monitoring_point", "园林路空气质量国控点", point, None),
        ("garbage_point", "园林佳苑1号垃圾堆放点", (31.9752, 120.8803), None),
        ("garbage_point", "园林佳苑2号垃圾堆放点", (31.9757, 120.8811), None),
        ("garbage_point", "园林佳苑3号垃圾堆放点", (31.9761, 120.8806), None),
        ("building_site", "园林路地块建筑工地", (31.9779, 120.8836), None),
        ("enterprise", "顺达汽修喷漆车间", (31.9746, 120.8829), garage),
    ];
    let mut tokens = Vec::new();
    for (kind, name, (lat, lng), organisation_id) in checkpoints {
        let input = NewCheckpointInput { kind: kind.into(), name: name.into(), lat, lng, organisation_id };
        tokens.push(service::add_checkpoint(ctx, &admin, zone.id, input).await?.token);
    }
    let visit = |result: &str, problem: Option<&str>, note: Option<&str>| VisitInput {
        result: result.into(),
        problem: problem.map(str::to_string),
        note: note.map(str::to_string),
        photos: Vec::new(),
        lat: None,
        lng: None,
    };
    service::record_visit(ctx, &patrol, &tokens[0], visit("ok", None, None), "demo-round-1").await?;
    service::record_visit(ctx, &patrol, &tokens[1], visit("ok", None, None), "demo-round-2").await?;
    let dust = visit("problem", Some("dust_uncovered"), Some("裸土未覆盖防尘网，车辆进出带泥上路"));
    service::record_visit(ctx, &patrol, &tokens[4], dust, "demo-round-3").await?;
    let coached = visit("coached", Some("garbage_unenclosed"), Some("指导物业当场补齐围挡并洒水降尘"));
    service::record_visit(ctx, &patrol, &tokens[3], coached, "demo-round-4").await?;
    Ok(())
}
