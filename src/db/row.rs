//! Rows that decode on both engines. `db_row!` declares a struct and its
//! decoding for SQLite and PostgreSQL rows by column name, without a proc-macro
//! (sqlx's derive would compile a second copy of the SQLite driver for the host).

use sqlx::FromRow;
use sqlx::postgres::PgRow;

use super::sqlite::FromSqlite;

/// A type that can be read from a row of either backend.
pub trait DbRow: FromSqlite + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}

impl<T> DbRow for T where T: FromSqlite + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}

/// Declares a struct whose fields are read from the columns of the same name.
#[macro_export]
macro_rules! db_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$fmeta])* $fvis $field: $ty),*
        }

        impl $crate::db::FromSqlite for $name {
            fn layout(columns: &[&str]) -> ::rusqlite::Result<Vec<usize>> {
                $crate::db::sqlite_column_layout(columns, &[$(stringify!($field)),*])
            }

            fn from_sqlite(row: &::rusqlite::Row<'_>, layout: &[usize]) -> ::rusqlite::Result<Self> {
                // Fields are decoded in the order written, as the layout lists them.
                let mut at = layout.iter().copied();
                Ok(Self { $($field: row.get(at.next().unwrap_or(usize::MAX))?),* })
            }
        }

        impl<'r> ::sqlx::FromRow<'r, ::sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r ::sqlx::postgres::PgRow) -> Result<Self, ::sqlx::Error> {
                use ::sqlx::Row as _;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

/// Declares a fieldless enum stored as TEXT codes: `code()`, `from_code()`,
/// `ALL`, serde as the code, decoding from either backend, and binding as text.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::from_code(&code).ok_or_else(|| {
                    ::serde::de::Error::custom(format!("unknown {} `{}`", stringify!($name), code))
                })
            }
        }

        impl From<$name> for $crate::db::Value {
            fn from(v: $name) -> Self { $crate::db::Value::Text(Some(v.code().to_string())) }
        }

        impl From<Option<$name>> for $crate::db::Value {
            fn from(v: Option<$name>) -> Self { $crate::db::Value::Text(v.map(|v| v.code().to_string())) }
        }

        impl ::rusqlite::types::FromSql for $name {
            fn column_result(value: ::rusqlite::types::ValueRef<'_>) -> ::rusqlite::types::FromSqlResult<Self> {
                let code = value.as_str()?;
                $name::from_code(code).ok_or_else(|| {
                    ::rusqlite::types::FromSqlError::Other(
                        format!("unknown {} `{}` in the database", stringify!($name), code).into(),
                    )
                })
            }
        }

        $crate::text_enum!(@decode $name, ::sqlx::Postgres, ::sqlx::postgres::PgValueRef<'r>, ::sqlx::postgres::PgTypeInfo);
    };
    (@decode $name:ident, $db:ty, $value:ty, $info:ty) => {
        impl ::sqlx::Type<$db> for $name {
            fn type_info() -> $info { <&str as ::sqlx::Type<$db>>::type_info() }
            fn compatible(ty: &$info) -> bool { <&str as ::sqlx::Type<$db>>::compatible(ty) }
        }

        impl<'r> ::sqlx::Decode<'r, $db> for $name {
            fn decode(value: $value) -> Result<Self, ::sqlx::error::BoxDynError> {
                let code = <&str as ::sqlx::Decode<'r, $db>>::decode(value)?;
                $name::from_code(code)
                    .ok_or_else(|| format!("unknown {} `{}` in the database", stringify!($name), code).into())
            }
        }
    };
}
