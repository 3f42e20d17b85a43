//! The case service called straight from a platform context on either
//! engine — no server, no socket, no HTTP: what a new feature (or a command
//! line tool) does when it files or moves a case.

use linli::auth::Actor;
use linli::cases::draft::Draft;
use linli::cases::service::{self, ActionInput};
use linli::cases::workflow::{Action, Status};
use linli::config::Config;
use linli::platform::Ctx;
use linli::time::Clock;

use crate::helpers::{Backend, TestDb};

async fn context(backend: Backend) -> Option<(Ctx, TestDb)> {
    let database = TestDb::new(backend).await?;
    let config = Config::for_database(&database.url);
    let db = linli::server::open_database(&config).await.expect("open and migrate");
    linli::demo::load(&db).await.expect("demo data");
    Some((Ctx::new(db, config, Clock::system()), database))
}

async fn a_report_is_filed_dispatched_and_closed_through_the_service(backend: Backend) {
    let Some((ctx, _database)) = context(backend).await else { return };
    let draft = Draft {
        category: Some("lighting".into()),
        description: "98栋三单元楼道灯不亮".into(),
        building: Some("32060201100301098".into()),
        unit: Some(3),
        ..Default::default()
    };
    let case =
        service::report(&ctx, &Actor::Anonymous, draft.parse(&Actor::Anonymous).expect("valid")).await.expect("filed");
    assert_eq!(case.status, Status::Dispatched);
    assert_eq!(case.assignee_name.as_deref(), Some("南通越江物业服务有限公司"));
    let timers = linli::platform::timers::pending_for(&ctx.db, &linli::platform::Subject::new("case", case.id))
        .await
        .expect("timers");
    assert_eq!(timers.len(), 2, "a reminder and the deadline: {timers:?}");

    let fixed =
        service::act(&ctx, &Actor::System, case.id, Action::Resolve, ActionInput::default()).await.expect("fixed");
    assert_eq!(fixed.status, Status::Resolved);
    let closed =
        service::act(&ctx, &Actor::System, case.id, Action::Close, ActionInput::default()).await.expect("closed");
    assert_eq!(closed.status, Status::Closed);
    let events = linli::cases::store::events_of(&ctx.db, case.id).await.expect("history");
    let actions: Vec<Action> = events.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [Action::Report, Action::Register, Action::Dispatch, Action::Accept, Action::Resolve, Action::Close]
    );
    let timers = linli::platform::timers::pending_for(&ctx.db, &linli::platform::Subject::new("case", case.id))
        .await
        .expect("timers");
    assert!(timers.is_empty(), "closing cancels the deadline's timers");

    // The worker delivers what the steps queued, also without a server.
    let pass = linli::app::run_worker_once(&ctx).await.expect("pass");
    assert!(pass.sent > 0, "{pass:?}");
    // A refused step names the rule in Chinese.
    let err = service::act(&ctx, &Actor::System, case.id, Action::Dispatch, ActionInput::default())
        .await
        .expect_err("refused");
    assert_eq!(err.to_string(), "当前状态为“已结案”，不能“派遣”");
    ctx.close().await;
}

#[tokio::test]
async fn the_service_on_sqlite() {
    a_report_is_filed_dispatched_and_closed_through_the_service(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_service_on_postgres() {
    a_report_is_filed_dispatched_and_closed_through_the_service(Backend::Postgres).await;
}
