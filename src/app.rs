//! The composition root: the only module that names every feature. It
//! lists each feature's routes (the router, the authorization matrix and
//! the OpenAPI check all walk this one list), and what each registers with
//! the background worker: its timer kinds, its consumers of other
//! features' event logs, its periodic work. A new feature is a folder and
//! a line in each list here.

use crate::platform::Ctx;
use crate::platform::worker::{Pass, Registry};
use crate::web::endpoint::Endpoint;

/// Every route of the application.
pub fn endpoints() -> Vec<Endpoint> {
    [
        crate::web::endpoints(),
        crate::ui::endpoints(),
        crate::auth::api::endpoints(),
        crate::auth::pages::endpoints(),
        crate::auth::clients::endpoints(),
        crate::org::api::endpoints(),
        crate::org::pages::endpoints(),
        crate::people::api::endpoints(),
        crate::people::pages::endpoints(),
        crate::directory::api::endpoints(),
        crate::directory::pages::endpoints(),
        crate::attachments::api::endpoints(),
        crate::routing::api::endpoints(),
        crate::routing::pages::endpoints(),
        crate::cases::api::endpoints(),
        crate::cases::pages::endpoints(),
        crate::channels::api::endpoints(),
        crate::channels::pages::endpoints(),
        crate::open311::endpoints(),
        crate::print::pages::endpoints(),
        crate::centre::endpoints(&[crate::campaigns::wall::TILES]),
        crate::notify::endpoints(),
        crate::wecom::api::endpoints(),
        crate::campaigns::api::endpoints(),
        crate::campaigns::pages::endpoints(),
        crate::patrols::api::endpoints(),
        crate::patrols::pages::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Everything the background worker runs, as each feature registers it.
pub fn registry() -> Registry {
    Registry {
        timers: [crate::cases::timers::KINDS.as_slice(), crate::campaigns::timers::KINDS.as_slice()].concat(),
        consumers: vec![
            crate::channels::consumers::PROGRESS_LINES,
            crate::cases::consumers::ROBOTS,
            crate::campaigns::consumers::FIXES,
        ],
        periodic: vec![
            crate::cases::rollup::COMPACT,
            crate::cases::rollup::FULL_COMPACT,
            crate::cases::idempotency::FORGET,
            crate::people::privacy::RETENTION,
        ],
    }
}

/// The features' demo stories, told through their services once the demo
/// district is loaded (they need a running context, not only the tree).
pub async fn load_demo_stories(ctx: &Ctx) -> crate::error::Result<()> {
    crate::campaigns::demo::load(ctx).await?;
    crate::patrols::demo::load(ctx).await
}

/// One pass of the background worker, as a running server makes them.
pub async fn run_worker_once(ctx: &Ctx) -> crate::error::Result<Pass> {
    crate::platform::worker::run_once(ctx, &registry()).await
}
