//! `PUT /v1/files/{sha256}` and `GET /v1/files/{sha256}`: the bytes of a
//! station's content-addressed files, for restoring a reinstalled station.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sync_protocol::{is_sha256_hex, limits, ErrorCode};

use super::read_body;
use crate::auth::AuthStation;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;

fn check_name(sha256: &str) -> ApiResult<()> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidRequest, "a file is named by its SHA-256: 64 lowercase hexadecimal digits"))
    }
}

pub async fn put(State(state): State<AppState>, station: AuthStation, Path(sha256): Path<String>, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    check_name(&sha256)?;
    let bytes = read_body(&headers, body, limits::MAX_FILE_BYTES, limits::MAX_FILE_BYTES).await?;
    crate::store::files::put(&state.pool, &station, &sha256, &bytes).await?;
    Ok(Json(serde_json::json!({"sha256": sha256, "size": bytes.len()})).into_response())
}

pub async fn get(State(state): State<AppState>, station: AuthStation, Path(sha256): Path<String>) -> ApiResult<Response> {
    check_name(&sha256)?;
    let bytes = crate::store::files::get(&state.pool, &station, &sha256).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
