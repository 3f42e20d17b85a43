//! The command centre's tile for each running sweep in the wall's scope:
//! units swept of units to sweep, findings, and how many wait for joint
//! enforcement (the tile turns red while any do).

use crate::centre::{Tile, TileSource};
use crate::error::Result;
use crate::org::OrgNode;
use crate::platform::Ctx;

/// Registered with the centre by the composition root.
pub const TILES: TileSource = |ctx, scope| Box::pin(tiles(ctx, scope));

async fn tiles(ctx: &Ctx, scope: &OrgNode) -> Result<Vec<Tile>> {
    let today = crate::time::to_cst(ctx.now()).format("%Y-%m-%d").to_string();
    let bounds = crate::org::subtree_bounds(&scope.path);
    let mut out = Vec::new();
    for p in super::store::running_progress(&ctx.db, &today, &bounds).await? {
        out.push(Tile {
            label: format!("排查 隐患{} 待执法{}", p.findings, p.enforcement),
            value: format!("{}/{}", p.swept, p.units),
            alarm: p.enforcement > 0,
        });
    }
    Ok(out)
}
