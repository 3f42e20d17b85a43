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
        crate::centre::endpoints(),
        crate::notify::endpoints(),
        crate::wecom::api::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Everything the background worker runs, as each feature registers it.
pub fn registry() -> Registry {
    Registry {
        timers: crate::cases::timers::KINDS.to_vec(),
        consumers: vec![crate::channels::consumers::PROGRESS_LINES, crate::cases::consumers::ROBOTS],
        periodic: vec![
            crate::cases::rollup::COMPACT,
            crate::cases::rollup::FULL_COMPACT,
            crate::cases::idempotency::FORGET,
            crate::people::privacy::RETENTION,
        ],
    }
}

/// One pass of the background worker, as a running server makes them.
pub async fn run_worker_once(ctx: &Ctx) -> crate::error::Result<Pass> {
    crate::platform::worker::run_once(ctx, &registry()).await
}
