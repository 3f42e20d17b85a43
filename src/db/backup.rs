//! Backup and restore of the SQLite database. A backup is taken online
//! (`VACUUM INTO`, a consistent snapshot while linli keeps serving); a
//! restore checks the backup, refuses while the database is in use, and
//! swaps files atomically. PostgreSQL has its own tools (pg_dump,
//! pg_restore); README "Backup" says how.

use std::path::{Path, PathBuf};

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
    Ok(super::sqlite_path(url)?)
}

/// Replaces the database at `url` with the backup `file`.
pub async fn restore(url: &str, file: &Path) -> Result<(), BackupError> {
    if super::backend_of(url)? == Backend::Postgres {
        return Err(BackupError::Postgres);
    }
    let shown = file.display().to_string();
    // The backup must be a sound linli database.
    check_backup(file).map_err(|reason| BackupError::NotABackup(shown, reason))?;

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

/// Why `file` is not a sound linli database, if it is not.
fn check_backup(file: &Path) -> Result<(), String> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let check = rusqlite::Connection::open_with_flags(file, flags).map_err(|e| e.to_string())?;
    let integrity: String =
        check.query_row("PRAGMA integrity_check", [], |row| row.get(0)).map_err(|e| e.to_string())?;
    if integrity != "ok" {
        return Err(integrity);
    }
    let versions: i64 = check
        .query_row("SELECT COUNT(*) FROM linli_migrations", [], |row| row.get(0))
        .map_err(|_| "it has no linli schema".to_string())?;
    if versions == 0 {
        return Err("it has no migrations applied".into());
    }
    Ok(())
}
