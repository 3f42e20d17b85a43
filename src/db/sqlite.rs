//! SQLite through rusqlite, called directly.
//!
//! A statement on SQLite takes microseconds; handing each one to a driver
//! thread and back (as async drivers do) costs more than the statement and
//! wakes threads on every call. So statements run on the calling task's
//! thread: reads on one of several read-only connections, transactions on
//! the single writer connection. Only what can block for long leaves for
//! the blocking pool: commits and writes outside a transaction (each ends
//! in an fsync) and statements marked `on_reader` (`VACUUM INTO`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, Statement};
use tokio::sync::{OwnedMutexGuard, Semaphore};

use super::{DbError, Value};

/// Prepared statements kept per connection: every query linli runs.
const STATEMENT_CACHE: usize = 512;

/// The connections to one SQLite file.
pub struct Sqlite {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<Option<Connection>>>,
    readers: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
    closed: std::sync::atomic::AtomicBool,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sqlite({})", self.path.display())
    }
}

/// The file a `sqlite://` URL names: `sqlite://linli.db`, `sqlite:///abs/path.db`,
/// `sqlite:linli.db`; query parameters are ignored.
pub fn path_of(url: &str) -> Result<PathBuf, DbError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| DbError::UnsupportedUrl(url.split(':').next().unwrap_or_default().to_string()))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(DbError::Connect("give SQLite a file: sqlite://linli.db".into()));
    }
    Ok(PathBuf::from(path))
}

fn connect_error(path: &Path, e: impl std::fmt::Display) -> DbError {
    DbError::Connect(format!("{}: {e}", path.display()).into())
}

fn open(path: &Path, writer: bool) -> Result<Connection, DbError> {
    let flags = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|e| connect_error(path, e))?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(|e| connect_error(path, e))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // The query planner stability guarantee: a statement's plan never
    // depends on the values bound to it. Without it SQLite marks a statement
    // to be compiled again whenever a parameter it peeked at is rebound
    // (`LIMIT ?`, `x = ?` against a partial index, STAT4 histograms), and a
    // cached statement then recompiles on every run: measured at a fifth of
    // the CPU of filing a report (BENCHMARKS.md).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(|e| connect_error(path, e))?;
    // FULL: every commit fsyncs the WAL, so an acknowledged write survives
    // power loss as well as `kill -9`. Throughput comes from batching writes
    // into fewer commits, not from weakening this.
    let mut pragmas = String::from(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = memory; PRAGMA cache_size = -16000;",
    );
    if writer {
        pragmas.push_str(" PRAGMA journal_mode = WAL;");
    }
    conn.execute_batch(&pragmas).map_err(|e| connect_error(path, e))?;
    Ok(conn)
}

impl Sqlite {
    /// Opens (creating if need be) the file; readers open as they are needed.
    pub fn open(path: &Path, max_readers: u32, acquire_timeout: Duration) -> Result<Sqlite, DbError> {
        let writer = open(path, true)?;
        Ok(Sqlite {
            path: path.to_path_buf(),
            writer: Arc::new(tokio::sync::Mutex::new(Some(writer))),
            readers: Arc::new(Semaphore::new(max_readers.max(2) as usize)),
            idle: Mutex::new(Vec::new()),
            closed: std::sync::atomic::AtomicBool::new(false),
            acquire_timeout,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer, exclusively; waits while another task holds it.
    pub async fn writer(&self) -> Result<Writer, DbError> {
        let guard = tokio::time::timeout(self.acquire_timeout, self.writer.clone().lock_owned())
            .await
            .map_err(|_| DbError::Other("timed out waiting for the database writer".into()))?;
        if guard.is_none() {
            return Err(DbError::Other("the database is closed".into()));
        }
        Ok(Writer(guard))
    }

    /// A read-only connection, back to the pool when dropped.
    pub async fn reader(self: &Arc<Self>) -> Result<Reader, DbError> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.readers.clone().acquire_owned())
            .await
            .map_err(|_| DbError::Other("timed out waiting for a database reader".into()))?
            .map_err(|_| DbError::Other("the database is closed".into()))?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(c) => c,
            None => open(&self.path, false)?,
        };
        Ok(Reader { conn: Some(conn), home: self.clone(), _permit: permit })
    }

    /// Closes every connection; later use is an error.
    pub async fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.readers.close();
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        self.writer.lock().await.take();
    }
}

/// The writer connection, held.
pub struct Writer(OwnedMutexGuard<Option<Connection>>);

impl Writer {
    pub fn conn(&self) -> &Connection {
        self.0.as_ref().expect("checked when taken")
    }
}

/// A reader connection, held.
pub struct Reader {
    conn: Option<Connection>,
    home: Arc<Sqlite>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Reader {
    pub fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !self.home.closed.load(std::sync::atomic::Ordering::SeqCst)
            && let Ok(mut idle) = self.home.idle.lock()
        {
            idle.push(conn);
        }
    }
}

/// A write transaction: `BEGIN IMMEDIATE` on the writer, rolled back if
/// dropped without `commit`.
pub struct SqliteTx {
    writer: Option<Writer>,
}

impl SqliteTx {
    pub async fn begin(db: &Sqlite) -> Result<SqliteTx, DbError> {
        let writer = db.writer().await?;
        // Takes the write lock at once, so a transaction never fails half-way
        // on lock upgrade.
        writer.conn().execute_batch("BEGIN IMMEDIATE").map_err(DbError::from)?;
        Ok(SqliteTx { writer: Some(writer) })
    }

    pub fn conn(&self) -> &Connection {
        self.writer.as_ref().expect("present until commit").conn()
    }

    /// Commits (an fsync, off the async threads).
    pub async fn commit(mut self) -> Result<(), DbError> {
        let writer = self.writer.take().expect("present until commit");
        tokio::task::spawn_blocking(move || {
            let result = writer.conn().execute_batch("COMMIT").map_err(DbError::from);
            if result.is_err() {
                let _ = writer.conn().execute_batch("ROLLBACK");
            }
            result
        })
        .await
        .map_err(|e| DbError::Other(format!("the commit task failed: {e}").into()))?
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.conn().execute_batch("ROLLBACK");
        }
    }
}

/// Decoding from a row of SQLite.
pub trait FromSqlite: Sized {
    /// Where this type's fields are among a statement's columns, worked out
    /// once per query rather than by name for every field of every row
    /// (a name lookup compares against every column). Empty: by position.
    fn layout(_columns: &[&str]) -> rusqlite::Result<Vec<usize>> {
        Ok(Vec::new())
    }

    fn from_sqlite(row: &rusqlite::Row<'_>, layout: &[usize]) -> rusqlite::Result<Self>;
}

/// The column positions of `fields`, matched as SQLite matches names.
pub fn column_layout(columns: &[&str], fields: &[&str]) -> rusqlite::Result<Vec<usize>> {
    fields
        .iter()
        .map(|f| {
            columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(f))
                .ok_or_else(|| rusqlite::Error::InvalidColumnName((*f).to_string()))
        })
        .collect()
}

macro_rules! tuple_from_sqlite {
    ($($t:ident $i:tt),+) => {
        impl<$($t: rusqlite::types::FromSql),+> FromSqlite for ($($t,)+) {
            fn from_sqlite(row: &rusqlite::Row<'_>, _: &[usize]) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}

tuple_from_sqlite!(A 0);
tuple_from_sqlite!(A 0, B 1);
tuple_from_sqlite!(A 0, B 1, C 2);
tuple_from_sqlite!(A 0, B 1, C 2, D 3);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_sqlite!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Float(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bool(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
            Value::Bytes(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Value::Int(None) | Value::Float(None) | Value::Text(None) | Value::Bool(None) | Value::Bytes(None) => {
                ToSqlOutput::Owned(SqlValue::Null)
            }
        })
    }
}

/// The SQL with `$n` placeholders spelt `?n`: SQLite reads `$1` as a name
/// (and looking names up is linear in their number), but `?n` as the n-th
/// parameter itself. Quoted text is left alone.
fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

fn bind(stmt: &mut Statement<'_>, args: &[Value]) -> Result<(), DbError> {
    let wanted = stmt.parameter_count();
    if wanted > args.len() {
        return Err(DbError::Other(
            format!("the statement has {wanted} parameters but {} arguments", args.len()).into(),
        ));
    }
    for (index, value) in args.iter().enumerate().take(wanted) {
        stmt.raw_bind_parameter(index + 1, value)?;
    }
    Ok(())
}

fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<rusqlite::CachedStatement<'c>, DbError> {
    Ok(conn.prepare_cached(&numbered(sql))?)
}

/// Runs a statement; the number of rows it changed.
pub fn execute(conn: &Connection, sql: &str, args: &[Value]) -> Result<u64, DbError> {
    let mut stmt = prepare(conn, sql)?;
    bind(&mut stmt, args)?;
    if stmt.column_count() == 0 {
        return Ok(stmt.raw_execute()? as u64);
    }
    // A statement that returns rows (`INSERT … RETURNING`, `PRAGMA`): run it out.
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(conn.changes())
}

/// Runs a query and decodes up to `limit` rows.
pub fn fetch<T: FromSqlite>(conn: &Connection, sql: &str, args: &[Value], limit: usize) -> Result<Vec<T>, DbError> {
    let mut stmt = prepare(conn, sql)?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    let mut layout = None;
    while let Some(row) = rows.next()? {
        if out.len() < limit {
            // After the first step, so a statement re-prepared by a schema
            // change reports its current columns.
            let layout = match &layout {
                Some(layout) => layout,
                None => layout.insert(T::layout(&row.as_ref().column_names().collect::<Vec<_>>())?),
            };
            out.push(T::from_sqlite(row, layout)?);
        }
    }
    Ok(out)
}

/// Runs `run` on the right connection of a database (not a transaction):
/// plain reads on a reader, here; reads marked heavy on a reader in the
/// blocking pool; writes on the writer in the blocking pool (they fsync).
pub async fn run<R, F>(db: &Arc<Sqlite>, read_only: bool, heavy: bool, run: F) -> Result<R, DbError>
where
    R: Send + 'static,
    F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
{
    let joined = match (read_only, heavy) {
        (true, false) => return run(db.reader().await?.conn()),
        (true, true) => {
            let reader = db.reader().await?;
            tokio::task::spawn_blocking(move || run(reader.conn())).await
        }
        (false, _) => {
            let writer = db.writer().await?;
            tokio::task::spawn_blocking(move || run(writer.conn())).await
        }
    };
    joined.map_err(|e| DbError::Other(format!("a database task failed: {e}").into()))?
}

#[cfg(test)]
mod tests {
    use super::{Value, fetch, numbered};

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        let n = |sql| numbered(sql).into_owned();
        assert_eq!(n("SELECT $2, $1, $10 FROM t WHERE a = $1"), "SELECT ?2, ?1, ?10 FROM t WHERE a = ?1");
        assert_eq!(n("SELECT '$1', \"$2\", $3"), "SELECT '$1', \"$2\", ?3");
        assert_eq!(n("SELECT 'it''s $1' || $1"), "SELECT 'it''s $1' || ?1");
        assert_eq!(n("SELECT $ FROM t"), "SELECT $ FROM t");
    }

    /// Cached statements are compiled once per connection, whatever is bound
    /// to them: a bound LIMIT, a parameter compared against a partial
    /// index's predicate, or a small integer beside an indexed term would
    /// otherwise each recompile the statement on every run.
    #[test]
    fn cached_statements_are_not_prepared_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = super::open(&dir.path().join("t.db"), true).expect("open");
        conn.execute_batch(
            "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c INTEGER);
             CREATE INDEX t_b ON t (b) WHERE b <> 'gone';
             INSERT INTO t (b, c) VALUES ('x', 0), ('y', 1), ('x', 1);",
        )
        .expect("schema");
        let statements: [(&str, fn(i64) -> Vec<Value>); 3] = [
            ("SELECT a FROM t ORDER BY a DESC LIMIT $1", |round| vec![Value::Int(Some(1 + round % 2))]),
            ("SELECT a FROM t WHERE b = $1 AND c = $2 ORDER BY a", |round| {
                vec![Value::Text(Some(if round % 2 == 0 { "x" } else { "gone" }.into())), Value::Int(Some(round % 3))]
            }),
            ("SELECT a FROM t WHERE b = $1 AND b <> 'gone' LIMIT 5", |round| {
                vec![Value::Text(Some(format!("{round}")))]
            }),
        ];
        for (sql, args) in statements {
            for round in 0..6 {
                fetch::<(i64,)>(&conn, sql, &args(round), usize::MAX).expect("fetch");
            }
            let stmt = conn.prepare_cached(&numbered(sql)).expect("cached");
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}
