//! `/health`: the process answers. `/ready`: the database answers and every
//! migration this build knows is applied.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::startup::AppState;

pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let latest = crate::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Result<Option<i64>, _> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success").fetch_one(&state.pool).await;
    match applied {
        Ok(Some(v)) if v >= latest => (StatusCode::OK, Json(json!({"status": "ready", "schema_version": v}))),
        Ok(v) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "migrations pending", "schema_version": v, "expected": latest}))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "database unreachable"})))
        }
    }
}
