//! Embedded schema migrations, one SQL file per backend for each version.
//!
//! Both lists are one table here, so a version can never exist for one engine
//! and not the other; `tests/api/schema.rs` checks that the resulting schemas
//! have the same tables, columns, types and indexes. An applied migration is
//! never edited: its checksum is stored and compared on every start.

use super::{Backend, Db, DbError, Tx, query};

/// One schema step, in the dialect of each backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", stringify!($version), "_", $name, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", stringify!($version), "_", $name, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "foundation"),
    migration!(2, "cases"),
    migration!(3, "channels"),
    migration!(4, "web"),
    migration!(5, "trust"),
    migration!(6, "scale"),
    migration!(7, "publicity"),
    migration!(8, "platform"),
    migration!(9, "campaigns"),
    migration!(10, "patrols"),
];

/// Serialises concurrent `migrate` runs of several app servers on one PostgreSQL.
const PG_LOCK_KEY: i64 = 0x6c696e6c69; // "linli"

/// Applies every migration the database lacks, in order, each in its own
/// transaction. Returns the versions applied.
pub async fn migrate(db: &Db) -> Result<Vec<i64>, DbError> {
    let mut tx = db.begin().await?;
    if tx.backend() == Backend::Postgres {
        // Held until the transaction ends; a second server waits here, then
        // finds the work done.
        query("SELECT pg_advisory_xact_lock($1)").bind(PG_LOCK_KEY).execute(&mut tx).await?;
    }
    query(
        "CREATE TABLE IF NOT EXISTS linli_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )
    .execute(&mut tx)
    .await?;
    let applied: Vec<(i64, String, String)> =
        query("SELECT version, name, checksum FROM linli_migrations ORDER BY version").fetch_all(&mut tx).await?;
    for (version, name, checksum) in &applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => return Err(DbError::UnknownMigration(*version)),
            Some(m) if m.checksum(tx.backend()) != *checksum => {
                return Err(DbError::MigrationEdited { version: *version, name: name.clone() });
            }
            Some(_) => {}
        }
    }
    let mut done = Vec::new();
    for m in MIGRATIONS {
        if applied.iter().any(|(v, _, _)| *v == m.version) {
            continue;
        }
        apply(&mut tx, m).await?;
        done.push(m.version);
    }
    tx.commit().await?;
    Ok(done)
}

async fn apply(tx: &mut Tx, m: &Migration) -> Result<(), DbError> {
    let backend = tx.backend();
    match tx {
        Tx::Sqlite(tx) => tx.conn().execute_batch(m.sqlite)?,
        Tx::Postgres(tx) => {
            sqlx::raw_sql(m.postgres).execute(&mut **tx).await?;
        }
    }
    query("INSERT INTO linli_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
        .bind(m.version)
        .bind(m.name)
        .bind(m.checksum(backend))
        .bind(crate::time::now_ms())
        .execute(tx)
        .await?;
    Ok(())
}

impl Migration {
    /// FNV-1a over the SQL text: stable across builds and platforms.
    pub fn checksum(&self, backend: Backend) -> String {
        let sql = match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        };
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in sql.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}
