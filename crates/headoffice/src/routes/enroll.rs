//! `POST /v1/enroll`: a one-time enrollment code for a long-lived token.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use sync_protocol::{EnrollRequest, EnrollResponse};

use super::{parse_json, read_body};
use crate::error::ApiResult;
use crate::startup::AppState;

pub async fn enroll(State(state): State<AppState>, headers: HeaderMap, body: Body) -> ApiResult<Json<EnrollResponse>> {
    let bytes = read_body(&headers, body, 64 * 1024, 64 * 1024).await?;
    let req: EnrollRequest = parse_json(&bytes)?;
    Ok(Json(crate::store::stations::enroll(&state.pool, &req).await?))
}
