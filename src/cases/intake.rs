//! Filing a report through the platform's group-commit writer (SQLite):
//! concurrent reports share one fsync, and each request is answered only
//! once its report is on disk. See `platform::writer`.

use std::any::Any;

use futures_util::future::BoxFuture;

use super::idempotency::Idempotency;
use super::service::{Located, ReportInput, file_in_tx};
use crate::auth::Actor;
use crate::db::Tx;
use crate::error::Result;
use crate::platform::Ctx;
use crate::platform::writer::Unit;

/// One report to file, as a unit of the writer's batch. Filing may run
/// twice (a failed batch is retried unit by unit), so it keeps its inputs.
pub struct FileReport {
    pub ctx: Ctx,
    pub actor: Actor,
    pub input: ReportInput,
    pub located: Located,
    pub idem: Option<Idempotency>,
}

impl Unit for FileReport {
    fn run<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Box<dyn Any + Send>>> {
        Box::pin(async move {
            let filed: (i64, bool) =
                file_in_tx(&self.ctx, tx, &self.actor, &self.input, &self.located, self.idem.as_ref()).await?;
            Ok(Box::new(filed) as Box<dyn Any + Send>)
        })
    }
}
