use thiserror::Error;

/// What can go wrong talking to the database, sorted so callers can turn
/// constraint violations into client errors and everything else into a 500.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("unsupported database URL scheme `{0}` (use sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(#[source] BoxError),
    #[error("a record with the same {constraint} already exists")]
    Duplicate { constraint: String },
    #[error("a referenced record does not exist ({constraint})")]
    MissingReference { constraint: String },
    #[error("a value breaks a rule of the schema ({constraint})")]
    Check { constraint: String },
    #[error("record not found")]
    NotFound,
    #[error("migration {version} ({name}) was changed after it was applied; migrations are never edited")]
    MigrationEdited { version: i64, name: String },
    #[error("the database has migration {0}, which this build does not know: is it older than the data?")]
    UnknownMigration(i64),
    #[error("database error: {0}")]
    Other(#[source] BoxError),
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(e, message) = &err {
            let constraint = message.clone().unwrap_or_else(|| e.to_string());
            match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return DbError::Duplicate { constraint };
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return DbError::MissingReference { constraint },
                ffi::SQLITE_CONSTRAINT_CHECK | ffi::SQLITE_CONSTRAINT_NOTNULL => {
                    return DbError::Check { constraint };
                }
                _ => {}
            }
        }
        DbError::Other(Box::new(err))
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = err {
            return DbError::NotFound;
        }
        if let Some(db_err) = err.as_database_error() {
            let constraint = db_err.constraint().map(str::to_string).unwrap_or_else(|| db_err.message().to_string());
            match db_err.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return DbError::Duplicate { constraint };
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return DbError::MissingReference { constraint };
                }
                sqlx::error::ErrorKind::CheckViolation | sqlx::error::ErrorKind::NotNullViolation => {
                    return DbError::Check { constraint };
                }
                _ => {}
            }
        }
        DbError::Other(Box::new(err))
    }
}
