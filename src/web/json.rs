//! A JSON body extractor whose errors name the offending field:
//! `{"field": "reporter.phone", "message": "reporter.phone: 值不对（invalid type: integer, expected a string）"}`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Like `axum::Json`, answering every malformed body with a 400 that names
/// the field and the reason.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse(&bytes).map(ApiJson)
    }
}

/// A JSON body as bytes (checked for its content type), for handlers that
/// also need the raw request, e.g. to hash it.
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let is_json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(Error::invalid("body", "请以 JSON 发送（Content-Type: application/json）"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::TooLarge("请求内容太大：不能超过 1 MiB".into())
            } else {
                Error::invalid("body", format!("读不到请求内容：{e}"))
            }
        })?;
        Ok(JsonBytes(bytes))
    }
}

/// Deserialises JSON, naming the path of the first bad field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde names a missing field in its message, not in the path.
        let field = match (path.as_str(), missing_field(&inner.to_string())) {
            (".", Some(missing)) => missing,
            (".", None) => "body".to_string(),
            (p, Some(missing)) => format!("{p}.{missing}"),
            (p, None) => p.to_string(),
        };
        let detail = inner.to_string().split(" at line ").next().unwrap_or_default().to_string();
        let reason = if detail.starts_with("missing field") {
            "必须填写".to_string()
        } else if detail.starts_with("unknown field") {
            format!("不认识这个字段（{detail}）")
        } else if inner.is_data() {
            format!("值不对（{detail}）")
        } else {
            format!("不是有效的 JSON（{detail}）")
        };
        Error::invalid(field, reason)
    })
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        phone: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        reporter: Inner,
    }

    fn field_of(json: &str) -> String {
        match parse::<Outer>(json.as_bytes()) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn names_nested_and_missing_fields() {
        assert_eq!(field_of(r#"{"name": "x", "reporter": {"phone": 5}}"#), "reporter.phone");
        assert_eq!(field_of(r#"{"reporter": {"phone": "1"}}"#), "name");
        assert_eq!(field_of(r#"{"name": "x", "reporter": {}}"#), "reporter.phone");
        assert_eq!(field_of("not json"), "body");
    }
}
