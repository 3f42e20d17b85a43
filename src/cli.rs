//! The `linli` command line: `serve` (default), `migrate`, `demo`.

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::{Config, DatabaseArgs, ServeArgs};
use crate::server::{self, Server};

#[derive(Debug, Parser)]
#[command(name = "linli", version, about = "邻里 linli — 网格化社会治理平台 (community grid governance)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Load the demo data (永兴街道越江社区, 狼山镇街道园林社区) into the database.
    Demo,
    /// Triage Chinese messages: category, place, urgency; train and evaluate models.
    Triage(Box<crate::triage::cli::TriageArgs>),
    /// A consistent copy of the SQLite database, taken while linli serves.
    Backup {
        /// The file to write (must not exist).
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup (linli must be stopped).
    Restore { file: std::path::PathBuf },
    /// Benchmarks at city scale: intake, triage, reads, dashboards, memory (BENCHMARKS.md).
    Bench(Box<crate::bench::BenchArgs>),
    /// A person's data: export it or erase it (data-subject requests).
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Print everything linli holds about the person, as JSON.
    Export { id: i64 },
    /// Erase the person's identity and contact details; cases and statistics stay, anonymised.
    Erase { id: i64 },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Triage(args) => tokio::task::spawn_blocking(move || crate::triage::cli::run(*args)).await?,
        Command::Serve => serve(&cli.database, &cli.serve).await,
        Command::Bench(args) => crate::bench::run(*args).await,
        Command::Migrate => {
            let config = Config::new(&cli.database, &cli.serve);
            let db = server::open_database(&config).await?;
            println!(
                "database {} is at schema version {}",
                crate::db::redact_url(&config.database_url),
                crate::db::MIGRATIONS.last().map_or(0, |m| m.version)
            );
            db.close().await;
            Ok(())
        }
        Command::Backup { file } => {
            let config = Config::new(&cli.database, &cli.serve);
            let db = server::open_database(&config).await?;
            let bytes = crate::db::backup::backup(&db, &file).await?;
            println!("backup written to {} ({bytes} bytes)", file.display());
            db.close().await;
            Ok(())
        }
        Command::Restore { file } => {
            crate::db::backup::restore(&cli.database.database_url, &file).await?;
            println!("{} restored from {}", crate::db::redact_url(&cli.database.database_url), file.display());
            Ok(())
        }
        Command::Person { command } => {
            let config = Config::new(&cli.database, &cli.serve);
            let db = server::open_database(&config).await?;
            match command {
                PersonCommand::Export { id } => {
                    println!("{}", serde_json::to_string_pretty(&crate::people::privacy::export(&db, id).await?)?);
                }
                PersonCommand::Erase { id } => {
                    crate::people::privacy::erase(&db, id, crate::time::now_ms()).await?;
                    println!("person {id} erased: identity and contact details removed, cases kept");
                }
            }
            db.close().await;
            Ok(())
        }
        Command::Demo => {
            let config = Config::new(&cli.database, &cli.serve);
            let db = server::open_database(&config).await?;
            if crate::demo::is_loaded(&db).await? {
                println!("the demo data is already in {}", crate::db::redact_url(&config.database_url));
            } else {
                crate::demo::load(&db).await?;
                crate::platform::cursor::ensure(&db, &crate::app::registry().consumers, crate::time::now_ms()).await?;
                let ctx = crate::platform::Ctx::new(db.clone(), config.clone(), crate::time::Clock::system());
                crate::app::load_demo_stories(&ctx).await?;
                ctx.close().await;
                println!("demo data loaded into {}", crate::db::redact_url(&config.database_url));
            }
            db.close().await;
            Ok(())
        }
    }
}

async fn serve(database: &DatabaseArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::new(database, args);
    let listener =
        TcpListener::bind(args.listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let server = Server::build(config.clone(), listener).await?;
    let url = config.public_url.clone().unwrap_or_else(|| format!("http://{}/", server.local_addr()));
    println!("linli is serving {} on {url}", crate::db::redact_url(&config.database_url));
    println!("  directory:  {url}api/v1/buildings?q=越江新村%2098");
    tracing::info!(%url, backend = server.db().backend().name(), "listening");
    server.run_until(server::shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
