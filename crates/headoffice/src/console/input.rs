//! Request bodies of the console: JSON, every field known, and a bad one named
//! (`{kind: "invalid", code: "input.malformed", field: "role"}`), so the UI
//! shows the error beside that input.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::error::{ConsoleError, ConsoleResult};

/// axum's default body limit (`DefaultBodyLimit`), which the console keeps.
pub const BODY_LIMIT_MB: usize = 2;

/// A console request body of type `T`.
pub struct Input<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Input<T> {
    type Rejection = ConsoleError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            // axum's default limit on a body it buffers: 2 MB.
            StatusCode::PAYLOAD_TOO_LARGE => ConsoleError {
                status: Some(StatusCode::PAYLOAD_TOO_LARGE),
                ..ConsoleError::new(super::error::ErrorKind::Invalid, "request.too_large", format!("the request is larger than {BODY_LIMIT_MB} MB"))
                    .with("limit_mb", BODY_LIMIT_MB)
            },
            _ => ConsoleError::new(super::error::ErrorKind::Invalid, "input.unreadable", format!("the request body could not be read: {e}")),
        })?;
        parse(&bytes).map(Input)
    }
}

/// Parses `bytes` as `T`, naming the field that is missing, unknown or of the wrong type.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ConsoleResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if matches!(inner.classify(), Category::Syntax | Category::Eof | Category::Io) {
            return ConsoleError::new(super::error::ErrorKind::Invalid, "input.not_json", format!("the request body is not JSON: {inner}"));
        }
        let message = inner.to_string();
        // The path ends at the bad field, except for a missing one: serde names
        // that in backticks, at the path of the object that lacks it.
        let missing = message.starts_with("missing field").then(|| message.split('`').nth(1)).flatten();
        let field = match (missing, path.as_str()) {
            (Some(name), ".") => name.to_string(),
            (Some(name), parent) => format!("{parent}.{name}"),
            (None, at) => at.to_string(),
        };
        ConsoleError::field(field, "input.malformed", message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        login: String,
        regions: Vec<String>,
    }

    fn field_of(json: &str) -> Option<String> {
        parse::<Sample>(json.as_bytes()).err().and_then(|e| e.field)
    }

    #[test]
    fn the_bad_field_is_named_whether_missing_unknown_or_mistyped() {
        assert_eq!(field_of(r#"{"regions": []}"#).as_deref(), Some("login"));
        assert_eq!(field_of(r#"{"login": "a", "regions": [], "admin": true}"#).as_deref(), Some("admin"));
        assert_eq!(field_of(r#"{"login": 3, "regions": []}"#).as_deref(), Some("login"));
        assert_eq!(field_of(r#"{"login": "a", "regions": ["x", 4]}"#).as_deref(), Some("regions[1]"));
        let not_json = parse::<Sample>(b"login=a").err().map(|e| e.code);
        assert_eq!(not_json.as_deref(), Some("input.not_json"));
    }
}
