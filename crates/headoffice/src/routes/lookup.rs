//! `POST /v1/lookup` and `POST /v1/lookup/adopt`: a station finds a customer at
//! the head office and adopts one (`store::lookup`).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sync_protocol::lookup::{AdoptRequest, LookupRequest};

use super::{json_response, parse_json, read_body};
use crate::auth::AuthStation;
use crate::error::ApiResult;
use crate::startup::AppState;

/// A lookup body is a query and a name: a few hundred bytes.
const MAX_BODY: usize = 16 * 1024;

pub async fn lookup(State(state): State<AppState>, station: AuthStation, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let req: LookupRequest = parse_json(&read_body(&headers, body, MAX_BODY, MAX_BODY).await?)?;
    let answer = crate::store::lookup::lookup(&state.pool, &station, &req).await?;
    Ok(json_response(&headers, &answer))
}

pub async fn adopt(State(state): State<AppState>, station: AuthStation, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let req: AdoptRequest = parse_json(&read_body(&headers, body, MAX_BODY, MAX_BODY).await?)?;
    let answer = crate::store::lookup::adopt(&state.pool, &station, &req, state.clock.now()).await?;
    Ok(json_response(&headers, &answer))
}
