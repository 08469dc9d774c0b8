//! `GET /v1/changes` (the pull feed) and `GET /v1/rejections`.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use sync_protocol::{limits, ErrorCode};

use super::json_response;
use crate::auth::AuthStation;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

pub async fn changes(State(state): State<AppState>, station: AuthStation, headers: HeaderMap, Query(q): Query<ChangesQuery>) -> ApiResult<Response> {
    let limit = q.limit.unwrap_or(limits::DEFAULT_PAGE_LIMIT);
    if limit == 0 || limit > limits::MAX_PAGE_LIMIT {
        return Err(ApiError::new(ErrorCode::InvalidRequest, format!("limit is between 1 and {}", limits::MAX_PAGE_LIMIT)));
    }
    let page = crate::store::feed::page(&state.pool, &station, q.cursor.as_deref(), limit).await?;
    Ok(json_response(&headers, &page))
}

#[derive(Debug, Deserialize)]
pub struct RejectionsQuery {
    after: Option<i64>,
}

pub async fn rejections(State(state): State<AppState>, station: AuthStation, headers: HeaderMap, Query(q): Query<RejectionsQuery>) -> ApiResult<Response> {
    let page = crate::store::push::rejections(&state.pool, &station, q.after.unwrap_or(0)).await?;
    Ok(json_response(&headers, &page))
}
