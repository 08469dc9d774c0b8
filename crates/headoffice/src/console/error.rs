//! The console's one error: `{kind, code, message, field?, params?}`, the head
//! office's `{code, message}` with what a browser form needs besides: `kind`
//! picks the status, `field` names the input the UI shows it beside, `params`
//! hold the specifics of the message for a translated one. Codes are stable
//! and dotted; the UI keys its translations on them.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad input; `field` says which. HTTP 400.
    Invalid,
    /// No session, or it ended. HTTP 401.
    Unauthenticated,
    /// The role may not do this. HTTP 403.
    Forbidden,
    /// Not there, or not in the caller's scope. HTTP 404.
    NotFound,
    /// It clashes with what is there (a login in use, the last administrator). HTTP 409.
    Conflict,
    /// Too many failed logins: wait. HTTP 429.
    Throttled,
    Internal,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ConsoleError {
    pub kind: ErrorKind,
    pub code: String,
    pub message: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(optional, as = "Option<BTreeMap<String, String>>")]
    pub params: BTreeMap<String, String>,
    /// The HTTP status when the kind's is not the one (413 for a body over the limit, kind `invalid`).
    #[serde(skip)]
    #[ts(skip)]
    pub status: Option<StatusCode>,
}

pub type ConsoleResult<T> = Result<T, ConsoleError>;

impl ConsoleError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { kind, code: code.into(), message: message.into(), field: None, params: BTreeMap::new(), status: None }
    }

    /// Bad input in `field`.
    pub fn field(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message).with_field(field)
    }

    pub fn unauthenticated(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, "console.not_found", format!("no such {what}")).with("what", what)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, "server.internal", message)
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_string(), value.to_string());
        self
    }

    pub fn status(&self) -> StatusCode {
        if let Some(status) = self.status {
            return status;
        }
        match self.kind {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ConsoleError {
    fn from(e: sqlx::Error) -> Self {
        // The user cannot act on a driver message; the log keeps it.
        tracing::error!(error = %e, "console database error");
        Self::internal("the head office could not reach its database; retry later")
    }
}

impl From<crate::store::stations::AdminError> for ConsoleError {
    fn from(e: crate::store::stations::AdminError) -> Self {
        use crate::store::stations::AdminError;
        match e {
            AdminError::Invalid { field, code, message } => Self::field(field, code, message),
            AdminError::Conflict { code, message } => Self::conflict(code, message),
            AdminError::NoStation(_) => Self::not_found("station"),
            AdminError::Db(e) => e.into(),
        }
    }
}

impl From<crate::master_rows::RowError> for ConsoleError {
    fn from(e: crate::master_rows::RowError) -> Self {
        let mut out = Self::field(e.field, e.code, e.message);
        out.params = e.params;
        out
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        (self.status(), Json(self)).into_response()
    }
}
