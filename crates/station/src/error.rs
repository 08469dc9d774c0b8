//! The one error type every operation returns, and so the one both transports
//! serialise: `{code, message, field?}`.
//!
//! Codes are stable strings the UI keys its translations on (`errors.<code>`);
//! `message` is the English fallback, and `field` names the input the UI shows it beside.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

/// Values a translated message needs (`{expected}`, `{last_km}`), keyed by placeholder name.
pub type Params = BTreeMap<String, String>;

/// A value that failed to parse into a domain type. It does not know which
/// input field it came from; the operation that parsed it attaches that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
    pub params: Params,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), params: Params::new() }
    }

    /// Adds a value the UI puts into its own translation of the message.
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_string(), value.to_string());
        self
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What went wrong, in the few kinds a transport needs to pick a status for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad input; `field` says which.
    Invalid,
    /// Valid but unusual input the user must confirm (a VIN check digit, an odometer rollback).
    NeedsConfirmation,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Internal,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    /// Stable, dotted, e.g. `vin.check_digit`, `auth.bad_pin`.
    pub code: String,
    pub message: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The specifics inside `message` (a character, a limit, the last reading), so a
    /// translated message can say them too.
    #[serde(skip_serializing_if = "Params::is_empty")]
    #[ts(optional, as = "Option<Params>")]
    pub params: Params,
}

impl ApiError {
    fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { kind, code: code.into(), message: message.into(), field: None, params: Params::new() }
    }

    /// Bad input in `field`.
    pub fn field(field: impl Into<String>, invalid: Invalid) -> Self {
        Self { field: Some(field.into()), params: invalid.params, ..Self::new(ErrorKind::Invalid, invalid.code, invalid.message) }
    }

    /// `field` holds something unusual; the UI asks the user and resends with the
    /// code listed in the input's `confirm`.
    pub fn confirm(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(ErrorKind::NeedsConfirmation, code, message) }
    }

    pub fn invalid(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, "auth.unauthenticated", message)
    }

    pub fn forbidden(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, "internal", message)
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_string(), value.to_string());
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // The user cannot act on a driver message; the log keeps it for us.
        tracing::error!(error = %e, "database error");
        Self::internal("the station database failed; see the log")
    }
}

impl From<sqlx::migrate::MigrateError> for ApiError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        tracing::error!(error = %e, "migration error");
        Self::internal(format!("migrating the station database failed: {e}"))
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;
