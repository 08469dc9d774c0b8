//! The one error type of the HTTP boundary: a stable code, a message, and the
//! status the code maps to (in `sync_protocol::ErrorCode::http_status`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sync_protocol::{ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorBody::new(code, message))
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PayloadMalformed, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        Self::internal("the head office could not reach its database; retry later")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}
