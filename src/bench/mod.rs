//! `linli bench`: speed and memory at city scale, measured side by side with
//! the machine's own ceiling (BENCHMARKS.md explains the method).
//!
//! Triage runs in this process on one thread. Everything over HTTP runs
//! against `linli serve` started as a child process on a generated district:
//! intake (durable report creation) next to `/healthz` under the same load,
//! reads, dashboards, then the server's peak memory.

mod district;
mod load;
mod report;
mod rng;
mod server;
mod triage;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use self::district::{District, Plan};
use self::load::{Stats, expect};
use self::report::{Report, Target};
use self::server::ServerProcess;
use crate::db::{Backend, Db};

/// Flags of `linli bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// A seconds-long smoke run on a small district.
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Historical cases in the generated district.
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: u64,
    /// Seconds of load for each HTTP measurement.
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Where the generated SQLite databases are kept (and reused).
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// A PostgreSQL server to measure too (a database per district is created
    /// on it); without it the PostgreSQL rows are skipped.
    #[arg(long, env = "LINLI_BENCH_POSTGRES_URL")]
    pub postgres: Option<String>,
    /// Only this backend: sqlite or postgres.
    #[arg(long)]
    pub only: Option<String>,
}

/// Concurrent clients for intake and its `/healthz` ceiling.
const INTAKE_CONCURRENCY: usize = 64;
/// Concurrent clients for the read measurements.
const READ_CONCURRENCY: usize = 8;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let plan = if args.quick { Plan::quick() } else { Plan::city(args.cases) };
    let seconds = Duration::from_secs(args.seconds.unwrap_or(if args.quick { 2 } else { 10 }));
    let mut report = Report::new(plan, args.quick);
    println!(
        "linli bench: {} cases, {}s per HTTP measurement{}",
        plan.cases,
        seconds.as_secs(),
        if args.quick { " (quick)" } else { "" }
    );

    let triage = tokio::task::spawn_blocking(move || triage::run(seconds)).await?;
    report.add(
        "triage",
        "messages per second, one core",
        "-",
        format!("{:.0} msg/s", triage.per_second),
        Target::AtLeast(20_000.0).check(triage.per_second),
        json!(triage),
    );
    report.add(
        "triage",
        "p99 per message",
        "-",
        format!("{:.3} ms", triage.p99_ms),
        Target::None,
        json!({ "p50_ms": triage.p50_ms, "p99_ms": triage.p99_ms }),
    );

    let want = |b: &str| args.only.as_deref().is_none_or(|o| o == b);
    if want("sqlite") {
        std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
        let store = Store::Sqlite { dir: args.dir.clone(), cases: plan.cases };
        if args.quick {
            store.discard().await?;
        }
        measure_backend(&store, plan, seconds, &mut report).await?;
    }
    match (&args.postgres, want("postgres")) {
        (Some(admin_url), true) => {
            let store = Store::Postgres { admin_url: admin_url.clone(), cases: plan.cases };
            if args.quick {
                store.discard().await?;
            }
            measure_backend(&store, plan, seconds, &mut report).await?;
        }
        (None, true) => report.note("PostgreSQL skipped: pass --postgres URL or set LINLI_BENCH_POSTGRES_URL"),
        _ => {}
    }

    report.print();
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report.json())?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("results written to {}", path.display());
    }
    let failed = report.failed_requests();
    anyhow::ensure!(failed == 0, "{failed} benchmark requests failed (first errors are printed above)");
    Ok(())
}

/// Where a backend's generated district is kept, and the copy each run
/// works on (so intake during one run does not change the next).
enum Store {
    Sqlite { dir: PathBuf, cases: u64 },
    Postgres { admin_url: String, cases: u64 },
}

impl Store {
    async fn generated(&self) -> anyhow::Result<String> {
        Ok(match self {
            Store::Sqlite { dir, cases } => format!("sqlite://{}", district_file(dir, *cases, "db").display()),
            Store::Postgres { admin_url, cases } => {
                postgres_database(admin_url, &format!("linli_bench_{cases}"), None).await?
            }
        })
    }

    /// Forgets the generated district, so the next run generates it with
    /// this build's schema (quick runs: a few seconds, and a smoke test
    /// must not trip over a district an older build left behind).
    async fn discard(&self) -> anyhow::Result<()> {
        match self {
            Store::Sqlite { dir, cases } => {
                remove_database_file(&district_file(dir, *cases, "db"));
                remove_database_file(&district_file(dir, *cases, "run.db"));
            }
            Store::Postgres { admin_url, cases } => {
                let admin = Db::connect(admin_url, &crate::db::PoolSettings::default()).await?;
                for name in [format!("linli_bench_{cases}_run"), format!("linli_bench_{cases}")] {
                    crate::db::query_dyn(format!("DROP DATABASE IF EXISTS {name}")).execute(&admin).await?;
                }
                admin.close().await;
            }
        }
        Ok(())
    }

    /// A fresh copy of the generated database for this run.
    async fn fresh_copy(&self) -> anyhow::Result<String> {
        Ok(match self {
            Store::Sqlite { dir, cases } => {
                let run = district_file(dir, *cases, "run.db");
                remove_database_file(&run);
                std::fs::copy(district_file(dir, *cases, "db"), &run).context("copying the district")?;
                format!("sqlite://{}", run.display())
            }
            Store::Postgres { admin_url, cases } => {
                let template = format!("linli_bench_{cases}");
                postgres_database(admin_url, &format!("{template}_run"), Some(&template)).await?
            }
        })
    }
}

/// `district-{cases}.{extension}` in `dir`.
fn district_file(dir: &std::path::Path, cases: u64, extension: &str) -> PathBuf {
    dir.join(format!("district-{cases}.{extension}"))
}

/// Removes a SQLite database with its WAL and shared-memory files, if there.
fn remove_database_file(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Generates (or reuses) the district on one backend, then measures a fresh
/// copy of it over HTTP.
async fn measure_backend(store: &Store, plan: Plan, seconds: Duration, report: &mut Report) -> anyhow::Result<()> {
    let url = &store.generated().await?;
    let backend = crate::db::backend_of(url)?;
    let name = backend.name();
    let config = crate::config::Config::for_database(url);
    let db = crate::server::open_database(&config).await?;
    let progress = move |m: &str| println!("  [{name}] {m}");
    let district = district::prepare(&db, plan, &progress).await?;
    if district.generated_in_s > 0.0 {
        progress(&format!("generated in {:.0} s", district.generated_in_s));
    }
    let bytes = database_bytes(&db, url).await?;
    db.close().await;
    report.add(
        "size",
        "database bytes per million cases",
        name,
        format!("{:.0} MB", bytes as f64 / (plan.cases as f64 / 1e6) / 1e6),
        Target::None,
        json!({ "bytes": bytes, "cases": plan.cases }),
    );

    let server = ServerProcess::start(&store.fresh_copy().await?).await?;
    let result = measure_http(&server, &district, backend, seconds, report).await;
    let rss = server.peak_rss();
    server.stop();
    result?;
    if let Some(rss) = rss {
        let mb = rss as f64 / 1_048_576.0;
        let target = if backend == Backend::Sqlite { Target::AtMost(300.0).check(mb) } else { Target::None.into() };
        report.add(
            "memory",
            &format!("peak RSS serving {} cases", plan.cases),
            name,
            format!("{mb:.0} MB"),
            target,
            json!({ "peak_rss_bytes": rss }),
        );
    }
    Ok(())
}

async fn measure_http(
    server: &ServerProcess,
    district: &District,
    backend: Backend,
    seconds: Duration,
    report: &mut Report,
) -> anyhow::Result<()> {
    let name = backend.name();
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let base = server.base.clone();
    let centre = sign_in(&client, &base, "bench-centre").await?;
    let grid_head = sign_in(&client, &base, "bench-grid").await?;
    let buildings = Arc::new(district.buildings.clone());

    // Warm up: connections, caches, the triage model.
    let healthz = {
        let (client, url) = (client.clone(), format!("{base}/healthz"));
        move |_: usize, _: u64| expect(client.get(&url), 200)
    };
    load::run(INTAKE_CONCURRENCY, Duration::from_secs(1), healthz.clone()).await;
    let ceiling = load::run(INTAKE_CONCURRENCY, seconds, healthz).await;

    let intake = {
        let (client, url, token, buildings) =
            (client.clone(), format!("{base}/api/v1/cases"), centre.clone(), buildings.clone());
        move |w: usize, i: u64| {
            let k = (w as u64).wrapping_mul(1_000_003).wrapping_add(i);
            let (category, text) = REPORTS[(k % REPORTS.len() as u64) as usize];
            let building = &buildings[(k.wrapping_mul(2_654_435_761) % buildings.len() as u64) as usize];
            let body = json!({ "category": category, "description": text, "building": building, "unit": 1 + k % 3 });
            expect(client.post(&url).bearer_auth(&token).json(&body), 201)
        }
    };
    let intake = load::run(INTAKE_CONCURRENCY, seconds, intake).await;
    let ratio = intake.per_second / ceiling.per_second.max(1e-9);
    report.add(
        "intake",
        &format!("/healthz ceiling, c={INTAKE_CONCURRENCY}"),
        name,
        format!("{:.0} req/s (p99 {:.1} ms)", ceiling.per_second, ceiling.p99_ms),
        Target::None,
        json!(ceiling),
    );
    report.add(
        "intake",
        &format!("durable POST /api/v1/cases, c={INTAKE_CONCURRENCY}"),
        name,
        format!("{:.0} req/s (p99 {:.1} ms, {} errors)", intake.per_second, intake.p99_ms, intake.errors),
        Target::None,
        json!(intake),
    );
    let target =
        if backend == Backend::Sqlite { Target::AtLeast(25.0).check(ratio * 100.0) } else { Target::None.into() };
    report.add(
        "intake",
        "intake / ceiling",
        name,
        format!("{:.1} %", ratio * 100.0),
        target,
        json!({ "ratio": ratio }),
    );

    let directory = {
        let (client, base, buildings) = (client.clone(), base.clone(), buildings.clone());
        move |w: usize, i: u64| {
            let k = (w as u64).wrapping_mul(7_919).wrapping_add(i.wrapping_mul(104_729));
            let url = format!("{base}/api/v1/directory?building={}", buildings[(k % buildings.len() as u64) as usize]);
            expect(client.get(url), 200)
        }
    };
    let directory = load::run(READ_CONCURRENCY, seconds, directory).await;
    add_read(report, "directory lookup GET /api/v1/directory", name, &directory, district.plan.cases);
    let grid_list = {
        let (client, url, token) = (client.clone(), format!("{base}/api/v1/cases?status=open"), grid_head.clone());
        move |_: usize, _: u64| expect(client.get(&url).bearer_auth(&token), 200)
    };
    let grid_list = load::run(READ_CONCURRENCY, seconds, grid_list).await;
    add_read(report, "grid's open cases GET /api/v1/cases?status=open", name, &grid_list, district.plan.cases);

    let year_start = {
        use chrono::Datelike;
        format!("{}-01-01", crate::time::to_cst(crate::time::now_ms()).year())
    };
    for (what, node, extra, targeted) in [
        ("street, this month", &district.street, String::new(), true),
        ("community, this month", &district.community, String::new(), false),
        ("street, this year", &district.street, format!("&from={year_start}"), false),
    ] {
        let url = format!("{base}/api/v1/indicators?node={node}{extra}");
        let dashboard = {
            let (client, token) = (client.clone(), centre.clone());
            move |_: usize, _: u64| expect(client.get(&url).bearer_auth(&token), 200)
        };
        let stats = load::run(1, seconds.min(Duration::from_secs(5)), dashboard).await;
        let target = if targeted && district.plan.cases >= 10_000_000 {
            Target::AtMost(50.0).check(stats.p99_ms)
        } else if targeted {
            Target::Info("≤ 50 ms at 10M".into()).into()
        } else {
            Target::None.into()
        };
        report.add(
            "dashboard",
            &format!("indicators, {what} ({} cases)", district.plan.cases),
            name,
            format!("p50 {:.2} ms, p99 {:.2} ms", stats.p50_ms, stats.p99_ms),
            target,
            json!(stats),
        );
    }
    Ok(())
}

fn add_read(report: &mut Report, what: &str, backend: &str, s: &Stats, cases: u64) {
    let target = if cases >= 1_000_000 {
        Target::AtMost(5.0).check(s.p99_ms)
    } else {
        Target::Info("≤ 5 ms at 1M".into()).into()
    };
    report.add(
        "reads",
        &format!("{what}, c={READ_CONCURRENCY}"),
        backend,
        format!("p50 {:.2} ms, p99 {:.2} ms ({:.0} req/s, {} errors)", s.p50_ms, s.p99_ms, s.per_second, s.errors),
        target,
        json!(s),
    );
}

/// Reports the intake run sends: what residents write, by category.
const REPORTS: &[(&str, &str)] = &[
    ("lighting", "楼道灯坏了，晚上上下楼一片漆黑"),
    ("noise", "楼上装修噪音太大，中午也不停"),
    ("sanitation", "垃圾桶满了好几天没人清运，味道很大"),
    ("water_drainage", "楼上漏水，卫生间天花板一直在滴水"),
    ("parking_traffic", "消防通道被私家车堵住了"),
    ("elevator", "电梯困人了，卡在三楼"),
];

async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "username": username, "password": district::PASSWORD }))
        .send()
        .await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    body["token"].as_str().map(str::to_string).with_context(|| format!("signing in as {username}: {status} {body}"))
}

/// On-disk size of the database.
async fn database_bytes(db: &Db, url: &str) -> anyhow::Result<u64> {
    Ok(match db.backend() {
        Backend::Postgres => {
            let bytes: i64 = crate::db::query("SELECT pg_database_size(current_database())").scalar(db).await?;
            bytes as u64
        }
        Backend::Sqlite => {
            // Everything in the main file: the write-ahead log folded in.
            crate::db::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db).await?;
            let path = crate::db::sqlite_path(url)?.display().to_string();
            let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            size(&path) + size(&format!("{path}-wal"))
        }
    })
}

/// Creates database `name` on the server of `admin_url` if missing, or
/// afresh as a copy of `template`; returns its URL.
async fn postgres_database(admin_url: &str, name: &str, template: Option<&str>) -> anyhow::Result<String> {
    let admin = Db::connect(admin_url, &crate::db::PoolSettings::default()).await?;
    if let Some(template) = template {
        crate::db::query_dyn(format!("DROP DATABASE IF EXISTS {name}")).execute(&admin).await?;
        crate::db::query_dyn(format!("CREATE DATABASE {name} TEMPLATE {template}")).execute(&admin).await?;
    }
    let exists: i64 =
        crate::db::query("SELECT COUNT(*) FROM pg_database WHERE datname = $1").bind(name).scalar(&admin).await?;
    if exists == 0 {
        crate::db::query_dyn(format!("CREATE DATABASE {name}")).execute(&admin).await?;
    }
    admin.close().await;
    Ok(with_database(admin_url, name))
}

/// The same server URL naming another database.
fn with_database(url: &str, name: &str) -> String {
    let (base, params) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let params = params.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{}/{name}{params}", &base[..path])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "b"), "postgres://u@h:5432/b");
        assert_eq!(with_database("postgres://u@h/x?sslmode=disable", "b"), "postgres://u@h/b?sslmode=disable");
        assert_eq!(with_database("postgres://h", "b"), "postgres://h/b");
    }
}
