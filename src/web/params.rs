//! Query-string parameters, read by hand so every mistake is answered with
//! a 400 that names the parameter and says what was wrong.

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;

use crate::error::{Error, Result};

/// The decoded `name=value` pairs of a query string.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state).await.unwrap_or(RawQuery(None));
        Ok(Params::parse(raw.as_deref().unwrap_or("")))
    }
}

impl Params {
    pub fn parse(raw: &str) -> Params {
        Params(form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The value of `name`, trimmed; an empty value counts as absent.
    /// Giving a parameter twice is an error.
    pub fn optional(&self, name: &str) -> Result<Option<&str>> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim());
        let first = values.next();
        if values.next().is_some() {
            return Err(Error::invalid(name, "只能给一次"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// Every non-empty value of `name` (checkboxes of one name), trimmed.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect()
    }

    pub fn required(&self, name: &str) -> Result<&str> {
        self.optional(name)?.ok_or_else(|| Error::invalid(name, "必须填写"))
    }

    /// A text value of at most `max_chars` characters.
    pub fn text(&self, name: &str, max_chars: usize) -> Result<Option<&str>> {
        let value = self.optional(name)?;
        if value.is_some_and(|v| v.chars().count() > max_chars) {
            return Err(Error::invalid(name, format!("最多 {max_chars} 个字")));
        }
        Ok(value)
    }

    /// An integer within `min..=max`.
    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>> {
        let Some(raw) = self.optional(name)? else {
            return Ok(None);
        };
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::invalid(name, format!("应为 {min} 到 {max} 之间的整数"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        let p = Params::parse("q=%E8%B6%8A%E6%B1%9F+98&unit=3");
        assert_eq!(p.optional("q").expect("ok"), Some("越江 98"));
        assert_eq!(p.integer("unit", 1, 99).expect("ok"), Some(3));
    }

    #[test]
    fn names_the_parameter_in_errors() {
        let p = Params::parse("unit=abc&a=1&a=2");
        let err = p.integer("unit", 1, 99).expect_err("not a number");
        assert!(matches!(err, Error::Invalid { ref field, .. } if field == "unit"));
        assert!(p.optional("a").is_err());
        assert!(matches!(p.required("building"), Err(Error::Invalid { ref field, .. }) if field == "building"));
    }
}
