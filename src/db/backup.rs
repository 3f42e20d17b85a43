//! Backup and restore of the SQLite database. A backup is taken online
//! (`VACUUM INTO`, a consistent snapshot while linli keeps serving); a
//! restore checks the backup, refuses while the database is in use, and
//! swaps files atomically. PostgreSQL has its own tools (pg_dump,
//! pg_restore); README "Backup" says how.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use super::{Backend, Db, DbError, query};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: choose a new file name")]
    Exists(String),
    #[error(
        "backups of PostgreSQL are made with pg_dump: `pg_dump --format=custom --file=linli.dump DATABASE_URL` (restore with pg_restore)"
    )]
    Postgres,
    #[error("{0} is not a linli backup: {1}")]
    NotABackup(String, String),
    #[error("the database {0} is in use: stop linli before restoring")]
    InUse(String),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Writes a consistent copy of the live database to `file`.
pub async fn backup(db: &Db, file: &Path) -> Result<u64, BackupError> {
    if db.backend() == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    if file.exists() {
        return Err(BackupError::Exists(file.display().to_string()));
    }
    let target = file.to_str().ok_or_else(|| BackupError::Io("the file name is not UTF-8".into()))?;
    // A read transaction on a reader: writers carry on meanwhile (WAL).
    query("VACUUM INTO $1").bind(target).on_reader().execute(db).await?;
    let size = std::fs::metadata(file).map_err(|e| BackupError::Io(e.to_string()))?.len();
    Ok(size)
}

fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| BackupError::Io(e.to_string()))?;
    Ok(options.get_filename().to_path_buf())
}

/// Replaces the database at `url` with the backup `file`.
pub async fn restore(url: &str, file: &Path) -> Result<(), BackupError> {
    if super::backend_of(url)? == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    let shown = file.display().to_string();
    // The backup must be a sound linli database.
    let mut check = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| BackupError::NotABackup(shown.clone(), e.to_string()))?;
    let integrity: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut check)
        .await
        .map_err(|e| BackupError::NotABackup(shown.clone(), e.to_string()))?;
    if integrity.0 != "ok" {
        return Err(BackupError::NotABackup(shown, integrity.0));
    }
    let versions: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM linli_migrations")
        .fetch_one(&mut check)
        .await
        .map_err(|_| BackupError::NotABackup(shown.clone(), "it has no linli schema".into()))?;
    if versions.0 == 0 {
        return Err(BackupError::NotABackup(shown, "it has no migrations applied".into()));
    }
    drop(check);

    let target = sqlite_path(url)?;
    // Every open linli holds a shared lock on FILE-lock: take it exclusively.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(super::lock_path(&target))
        .map_err(|e| BackupError::Io(e.to_string()))?;
    if lock.try_lock().is_err() {
        return Err(BackupError::InUse(target.display().to_string()));
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(file, &staging).map_err(|e| BackupError::Io(format!("copying the backup: {e}")))?;
    std::fs::File::open(&staging).and_then(|f| f.sync_all()).map_err(|e| BackupError::Io(e.to_string()))?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(|e| BackupError::Io(e.to_string()))?;
        }
    }
    std::fs::rename(&staging, &target).map_err(|e| BackupError::Io(format!("putting the backup in place: {e}")))?;
    drop(lock);
    Ok(())
}
