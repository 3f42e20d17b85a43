//! Storage plumbing shared by every domain module: one connection handle for
//! SQLite or PostgreSQL, a tiny query type that runs the same SQL on both, and
//! the embedded migrations. It knows nothing about the domain.

pub mod backup;
mod error;
mod migrate;
mod query;
mod row;
pub mod settings;
mod sqlite;

pub use error::DbError;
pub use migrate::{MIGRATIONS, Migration, migrate};
pub use query::{On, Query, Value, query, query_dyn};
pub use row::DbRow;
pub use sqlite::{FromSqlite, column_layout as sqlite_column_layout};

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// Which SQL engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A handle on the database, cheap to clone.
///
/// SQLite gets one connection that does every write (SQLite has a single
/// writer anyway, and one connection avoids `SQLITE_BUSY` storms inside the
/// process) and several read-only connections that run beside it thanks to
/// WAL (see `sqlite`). PostgreSQL uses one pool for both.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        sqlite: Arc<sqlite::Sqlite>,
        /// A shared lock on `FILE-lock` while the database is open, so a
        /// restore can tell that it is in use.
        in_use: Arc<std::fs::File>,
    },
    Postgres(PgPool),
}

/// Tunables for [`Db::connect`].
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 16, acquire_timeout: Duration::from_secs(10) }
    }
}

impl Db {
    /// Opens (and for SQLite creates) the database named by `url`:
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Db, DbError> {
        match backend_of(url)? {
            Backend::Sqlite => connect_sqlite(url, settings).await,
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(|e| DbError::Connect(Box::new(e)))?;
                let pool = PgPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(options)
                    .await
                    .map_err(|e| DbError::Connect(Box::new(e)))?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so a transaction never fails half-way on lock upgrade.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        match self {
            Db::Sqlite { sqlite, .. } => Ok(Tx::Sqlite(sqlite::SqliteTx::begin(sqlite).await?)),
            Db::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await.map_err(DbError::from)?)),
        }
    }

    /// Round-trips a trivial statement: the readiness probe.
    pub async fn ping(&self) -> Result<(), DbError> {
        query("SELECT CAST(1 AS BIGINT)").scalar::<i64>(self).await.map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { sqlite, .. } => sqlite.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// A write transaction on either backend. Dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(sqlite::SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The backend a database URL names, or an error naming the scheme.
pub fn backend_of(url: &str) -> Result<Backend, DbError> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(DbError::UnsupportedUrl(scheme.to_string())),
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The file whose lock says an SQLite database is open: `linli.db-lock`.
pub fn lock_path(db: &std::path::Path) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}-lock", db.display()))
}

fn lock_shared(path: &std::path::Path) -> Result<std::fs::File, DbError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| DbError::Connect(Box::new(e)))?;
    file.lock_shared().map_err(|e| DbError::Connect(Box::new(e)))?;
    Ok(file)
}

async fn connect_sqlite(url: &str, settings: &PoolSettings) -> Result<Db, DbError> {
    let path = sqlite::path_of(url)?;
    let sqlite = sqlite::Sqlite::open(&path, settings.max_connections, settings.acquire_timeout)?;
    let in_use = Arc::new(lock_shared(&lock_path(&path))?);
    Ok(Db::Sqlite { sqlite: Arc::new(sqlite), in_use })
}

/// The file a `sqlite://` URL names.
pub fn sqlite_path(url: &str) -> Result<std::path::PathBuf, DbError> {
    sqlite::path_of(url)
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact_url("postgres://linli:s3cret@db/linli"), "postgres://linli:***@db/linli");
        assert_eq!(redact_url("postgres://linli@db/linli"), "postgres://linli@db/linli");
        assert_eq!(redact_url("sqlite://linli.db"), "sqlite://linli.db");
    }
}
