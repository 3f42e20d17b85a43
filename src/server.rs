//! Building and running the server from explicit inputs, so a test can start
//! its own on port 0 against its own database.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db::{self, Db};
use crate::platform::Ctx;
use crate::time::Clock;
use crate::web::{self, AppState};

/// A server ready to run: database open and migrated, socket bound.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

/// Everything `Server::build` needs besides the configuration.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The clock: tests move it forward to let deadlines pass.
    pub clock: Clock,
    /// Whether a freshly loaded demo district also gets the features'
    /// stories (the running sweep, its cases). Tests that count cases from
    /// zero start without them.
    pub demo_stories: bool,
}

impl Default for Environment {
    fn default() -> Self {
        Environment { clock: Clock::default(), demo_stories: true }
    }
}

impl Server {
    /// Opens the database, applies migrations, loads the demo data into an
    /// empty database if configured, and takes the listener to serve on.
    pub async fn build(config: Config, listener: TcpListener) -> anyhow::Result<Server> {
        Server::build_with(config, listener, Environment::default()).await
    }

    pub async fn build_with(config: Config, listener: TcpListener, env: Environment) -> anyhow::Result<Server> {
        let db = open_database(&config).await?;
        let load_demo = config.load_demo && crate::demo::is_empty(&db).await?;
        if load_demo {
            let started = std::time::Instant::now();
            crate::demo::load(&db).await.context("loading the demo data")?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "demo data loaded");
        }
        // Train the built-in triage model now, off the runtime, so the first
        // chat message does not wait for it.
        tokio::task::spawn_blocking(|| {
            crate::triage::Engine::builtin();
        });
        // Consumers get their cursors before the first request can append an event.
        crate::platform::cursor::ensure(&db, &crate::app::registry().consumers, env.clock.now_ms()).await?;
        let state = Ctx::new(db, config, env.clock);
        if load_demo && env.demo_stories {
            crate::app::load_demo_stories(&state).await.context("loading the demo stories")?;
        }
        Ok(Server { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has a local address")
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves, with the background worker running beside, until `shutdown`
    /// completes; then finishes in-flight requests, stops the worker after
    /// its current pass, and closes the database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let ctx = self.state.clone();
        let (stop_worker, worker_stop) = tokio::sync::watch::channel(false);
        let worker = crate::platform::worker::spawn(self.state.clone(), crate::app::registry(), worker_stop);
        let app = web::router(self.state, crate::app::endpoints());
        let served = axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving HTTP");
        let _ = stop_worker.send(true);
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "the background worker ended abnormally");
        }
        served?;
        ctx.close().await;
        Ok(())
    }
}

/// Connects and migrates.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url, &config.pool_settings())
        .await
        .with_context(|| format!("opening {}", db::redact_url(&config.database_url)))?;
    let applied = db::migrate(&db).await.context("migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(?applied, backend = db.backend().name(), "migrations applied");
    }
    Ok(db)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
