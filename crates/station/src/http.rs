//! The HTTP JSON transport (`stationdesk serve`): `POST /api/{operation}` with
//! the session token as a bearer token, answered by `Station::dispatch`. It also
//! serves the built UI, so a workshop tablet needs only a browser.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};
use crate::station::Station;

/// Where the UI's files come from: a directory (development), or a lookup into
/// the assets the desktop binary already embeds.
#[derive(Clone)]
pub enum UiAssets {
    Dir(PathBuf),
    Lookup(Arc<dyn Fn(&str) -> Option<Vec<u8>> + Send + Sync>),
}

impl UiAssets {
    fn get(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            UiAssets::Dir(dir) => {
                // Only plain relative paths: never let a URL climb out of the UI directory.
                if path.split('/').any(|seg| seg == ".." || seg.is_empty() || seg.contains('\\')) {
                    return None;
                }
                std::fs::read(dir.join(path)).ok()
            }
            UiAssets::Lookup(f) => f(path),
        }
    }
}

#[derive(Clone)]
struct AppState {
    station: Station,
    ui: UiAssets,
}

/// Photos travel base64 inside JSON; leave room for a 12 MB photo.
const BODY_LIMIT: usize = 20 * 1024 * 1024;

pub fn router(station: Station, ui: UiAssets) -> Router {
    Router::new().route("/api/{op}", post(call)).fallback(static_file).layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(AppState { station, ui })
}

pub async fn serve(station: Station, listen: SocketAddr, ui: UiAssets) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "serving StationDesk over HTTP");
    println!("StationDesk is serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(station, ui)).await
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NeedsConfirmation | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status_of(self.kind), Json(self)).into_response()
    }
}

async fn call(State(state): State<AppState>, Path(op): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ApiError> {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let input: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid("input.not_json", format!("the request body is not JSON: {e}")))?
    };
    Ok(Json(state.station.dispatch(&op, token, input).await?))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

async fn static_file(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(bytes) = state.ui.get(path) {
        return ([(header::CONTENT_TYPE, content_type(path))], bytes).into_response();
    }
    // Client-side routes have no file; they get the app, which routes them.
    if !path.contains('.') {
        if let Some(bytes) = state.ui.get("index.html") {
            return ([(header::CONTENT_TYPE, content_type("index.html"))], bytes).into_response();
        }
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}
