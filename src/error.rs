//! The application error: what domain code returns and the web layer turns
//! into responses. Client mistakes name the field and the reason; everything
//! else is logged with its cause and shown as a generic failure.

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule: the field (or parameter) and why.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A thing looked up by key does not exist.
    #[error("{what} `{key}` not found")]
    NotFound { what: &'static str, key: String },
    /// The request clashes with what is stored (duplicate, wrong state).
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials were given where they are needed.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many requests: try again after this many seconds.
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// A part of the system this request needs is missing (e.g. a font).
    #[error("{0}")]
    Unavailable(String),
    /// A body or upload over its size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An action a state machine (a case's workflow, a campaign's, …) does
    /// not allow from where it stands.
    #[error("{}状态下不能{}", .0.from_name, .0.action_name)]
    IllegalTransition(Illegal),
    #[error(transparent)]
    Db(DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a state machine refused an action: where it stands, what was asked,
/// and what it allows instead (codes for clients, names for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illegal {
    pub from: &'static str,
    pub from_name: &'static str,
    pub action: &'static str,
    pub action_name: &'static str,
    pub allowed: Vec<&'static str>,
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid { field: field.into(), reason: reason.into() }
    }

    pub fn not_found(what: &'static str, key: impl Into<String>) -> Error {
        Error::NotFound { what, key: key.into() }
    }
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Duplicate { constraint } => {
                Error::Conflict(format!("a record with the same {constraint} already exists"))
            }
            other => Error::Db(other),
        }
    }
}
