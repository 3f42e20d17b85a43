//! One query, two engines. SQL is written once with `$1, $2, …` placeholders,
//! which both PostgreSQL and SQLite (as sqlx binds it) understand; arguments are
//! carried as [`Value`]s and bound to whichever engine runs the query.

use std::borrow::Cow;

use sqlx::postgres::PgArguments;
use sqlx::{Arguments, AssertSqlSafe, Encode, Type};

use super::row::DbRow;
use super::{Db, DbError, Tx};

/// A bound argument. NULLs carry their type so PostgreSQL can infer the
/// parameter type where the SQL alone does not tell it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! value_from {
    ($($ty:ty => $variant:ident $(via $conv:ident)?),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(v: $ty) -> Self { Value::$variant(Some(v $(.$conv())?)) }
        }
        impl From<Option<$ty>> for Value {
            fn from(v: Option<$ty>) -> Self { Value::$variant(v.map(|v| v $(.$conv())?)) }
        }
    )*};
}

value_from! {
    i64 => Int,
    i32 => Int via into,
    u32 => Int via into,
    f64 => Float,
    bool => Bool,
    String => Text,
    &str => Text via to_string,
    Vec<u8> => Bytes,
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}

impl From<Option<&String>> for Value {
    fn from(v: Option<&String>) -> Self {
        Value::Text(v.cloned())
    }
}

/// SQL text plus its arguments, ready to run on a [`Db`] or inside a [`Tx`].
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
    reader: bool,
}

/// A query from a string literal: the normal, injection-proof way.
pub fn query(sql: &'static str) -> Query {
    Query { sql: Cow::Borrowed(sql), args: Vec::new(), reader: false }
}

/// A query from SQL assembled at run time. Callers must only splice trusted
/// fragments (column lists, `$n` placeholders) into it, never user input.
pub fn query_dyn(sql: String) -> Query {
    Query { sql: Cow::Owned(sql), args: Vec::new(), reader: false }
}

/// Where a query runs: on the pool(s) of a [`Db`] or inside a [`Tx`].
pub enum On<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl On<'_> {
    /// Borrows again, for running several queries on the same place.
    pub fn re(&mut self) -> On<'_> {
        match self {
            On::Db(db) => On::Db(db),
            On::Tx(tx) => On::Tx(tx),
        }
    }
}

impl<'a> From<&'a Db> for On<'a> {
    fn from(db: &'a Db) -> Self {
        On::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        On::Tx(tx)
    }
}

/// Runs `$sqlite` (a function of a connection, the SQL and the arguments)
/// on SQLite, or `$body` with `$exec` bound to the right sqlx executor and
/// `$args` to the encoded arguments on PostgreSQL.
macro_rules! dispatch {
    ($self:ident, $on:ident, $sqlite:expr, |$exec:ident, $args:ident, $sql:ident| $body:expr) => {{
        let read_only = $self.is_read_only();
        match $on.into() {
            On::Db(Db::Sqlite { sqlite, .. }) => {
                let (sql, args, heavy) = ($self.sql, $self.args, $self.reader);
                super::sqlite::run(sqlite, read_only, heavy, move |conn| $sqlite(conn, &sql, &args)).await
            }
            On::Tx(Tx::Sqlite(tx)) => $sqlite(tx.conn(), &$self.sql, &$self.args),
            On::Db(Db::Postgres(pool)) => {
                let $sql = AssertSqlSafe($self.sql);
                let $exec = pool;
                let $args = pg_args($self.args)?;
                $body
            }
            On::Tx(Tx::Postgres(tx)) => {
                let $sql = AssertSqlSafe($self.sql);
                let $exec = &mut **tx;
                let $args = pg_args($self.args)?;
                $body
            }
        }
    }};
}

impl Query {
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds each value in turn, e.g. the ids behind an `IN (…)` list.
    pub fn bind_all<V: Into<Value>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.args.extend(values.into_iter().map(Into::into));
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Plain SELECTs may go to SQLite's read-only pool; anything else
    /// (including `INSERT … RETURNING`) must go to the writer.
    fn is_read_only(&self) -> bool {
        let head = self.sql.trim_start();
        self.reader || head.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"))
    }

    /// Runs a statement that only reads (`VACUUM INTO`, `PRAGMA …`) on a
    /// reader, beside the writer rather than in its way.
    pub fn on_reader(mut self) -> Self {
        self.reader = true;
        self
    }

    /// Runs a statement, returning the number of rows it affected.
    pub async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<u64, DbError> {
        dispatch!(self, on, super::sqlite::execute, |exec, args, sql| Ok(sqlx::query_with(sql, args)
            .execute(exec)
            .await?
            .rows_affected()))
    }

    pub async fn fetch_all<'a, T: DbRow>(self, on: impl Into<On<'a>>) -> Result<Vec<T>, DbError> {
        let all =
            |conn: &rusqlite::Connection, sql: &str, args: &[Value]| super::sqlite::fetch(conn, sql, args, usize::MAX);
        dispatch!(self, on, all, |exec, args, sql| Ok(sqlx::query_as_with::<_, T, _>(sql, args)
            .fetch_all(exec)
            .await?))
    }

    pub async fn fetch_optional<'a, T: DbRow>(self, on: impl Into<On<'a>>) -> Result<Option<T>, DbError> {
        let first = |conn: &rusqlite::Connection, sql: &str, args: &[Value]| {
            Ok(super::sqlite::fetch::<T>(conn, sql, args, 1)?.pop())
        };
        dispatch!(self, on, first, |exec, args, sql| {
            Ok(sqlx::query_as_with::<_, T, _>(sql, args).fetch_optional(exec).await?)
        })
    }

    /// The one row the query must return, or [`DbError::NotFound`].
    pub async fn fetch_one<'a, T: DbRow>(self, on: impl Into<On<'a>>) -> Result<T, DbError> {
        self.fetch_optional(on).await?.ok_or(DbError::NotFound)
    }

    /// The first column of the one row the query must return.
    pub async fn scalar<'a, T>(self, on: impl Into<On<'a>>) -> Result<T, DbError>
    where
        (T,): DbRow,
    {
        Ok(self.fetch_one::<(T,)>(on).await?.0)
    }
}

fn pg_args(values: Vec<Value>) -> Result<PgArguments, DbError> {
    encode(values)
}

/// Binds every value into the argument buffer of one engine.
fn encode<A>(values: Vec<Value>) -> Result<A, DbError>
where
    A: Arguments,
    for<'q> Option<i64>: Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<f64>: Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<String>: Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<bool>: Encode<'q, A::Database> + Type<A::Database>,
    for<'q> Option<Vec<u8>>: Encode<'q, A::Database> + Type<A::Database>,
{
    let mut args = A::default();
    for value in values {
        let added = match value {
            Value::Int(v) => args.add(v),
            Value::Float(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Bool(v) => args.add(v),
            Value::Bytes(v) => args.add(v),
        };
        added.map_err(DbError::Other)?;
    }
    Ok(args)
}
