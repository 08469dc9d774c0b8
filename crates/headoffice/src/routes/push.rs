//! `POST /v1/push`: a gzip-compressed batch of outbox rows, applied in one transaction.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use sync_protocol::{limits, PushBatch};

use super::{parse_json, read_body};
use crate::auth::AuthStation;
use crate::error::ApiResult;
use crate::startup::AppState;

pub async fn push(State(state): State<AppState>, station: AuthStation, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let bytes = read_body(&headers, body, limits::MAX_PUSH_COMPRESSED_BYTES, limits::MAX_PUSH_DECOMPRESSED_BYTES).await?;
    let batch: PushBatch = parse_json(&bytes)?;
    drop(bytes);
    let settings =
        crate::store::push::PushSettings { min_schema: state.config.min_schema_version, now: state.clock.now(), kpi_summaries: state.config.kpi_summaries };
    let ack = crate::store::push::apply_batch(&state.pool, &station, &settings, batch).await?;
    if state.faults.take_lost_ack() {
        // Committed, but the station never hears it: the status line goes out, then the body fails.
        tracing::warn!(station = %station.code, "fault injection: losing a push acknowledgement after commit");
        let failing = stream::iter([Err::<Vec<u8>, std::io::Error>(std::io::Error::other("acknowledgement lost on purpose"))]);
        return Ok(([(header::CONTENT_TYPE, "application/json")], Body::from_stream(failing)).into_response());
    }
    Ok(Json(ack).into_response())
}
