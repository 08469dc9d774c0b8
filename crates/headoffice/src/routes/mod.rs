//! HTTP routes. Handlers translate between HTTP and the store (or, for
//! `/console/api`, the `console` module), nothing more.
//! `ROUTES` is the router's one list: the router is built from it and a test
//! checks that every entry is described in `openapi.json`. The console's web
//! pages (`console_ui`) are files, not API routes, and are served beside them.

mod console;
pub mod console_ui;
mod enroll;
mod files;
mod health;
mod lookup;
mod pull;
mod push;

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use futures_util::StreamExt;
use sync_protocol::framing::{self, FrameError};
use sync_protocol::{routes as r, ErrorCode, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER};

use crate::console::paths as c;
use crate::error::ApiError;
use crate::startup::AppState;

/// Every route: method, path, and whether it is a protocol route (version header required).
pub const ROUTES: &[(&str, &str, bool)] = &[
    ("get", r::HEALTH, false),
    ("get", r::READY, false),
    ("get", r::OPENAPI, false),
    ("post", r::ENROLL, true),
    ("post", r::PUSH, true),
    ("get", r::CHANGES, true),
    ("get", r::REJECTIONS, true),
    ("put", r::FILE, true),
    ("get", r::FILE, true),
    ("post", r::LOOKUP, true),
    ("post", r::LOOKUP_ADOPT, true),
    ("post", c::LOGIN, false),
    ("post", c::LOGOUT, false),
    ("get", c::ME, false),
    ("put", c::MY_PASSWORD, false),
    ("get", c::STATIONS, false),
    ("post", c::STATIONS, false),
    ("get", c::STATION, false),
    ("post", c::ENROLLMENT_CODES, false),
    ("get", c::ENROLLMENT_CODES, false),
    ("post", c::REVOKE, false),
    ("put", c::REGION, false),
    ("get", c::USERS, false),
    ("post", c::USERS, false),
    ("put", c::USER, false),
    ("put", c::USER_PASSWORD, false),
    ("get", c::AUDIT, false),
    ("get", c::KPIS, false),
    ("get", c::KPI_ORDERS, false),
    ("get", c::KPI_EXPORT, false),
    ("get", c::COMPLAINTS, false),
    ("get", c::COMPLAINT, false),
    ("post", c::COMPLAINT_NOTES, false),
    ("get", c::MASTER, false),
    ("post", c::MASTER, false),
    ("post", c::MASTER_UPLOAD, false),
    ("delete", c::MASTER_RECORD, false),
    ("get", c::COMPLAINT_CATEGORIES, false),
    ("put", c::COMPLAINT_CATEGORIES, false),
    ("get", c::RECALLS, false),
    ("get", c::RECALL, false),
    ("get", c::ACCESS_REGISTER, false),
    ("get", c::LOOKUP_GRANTS, false),
];

pub const OPENAPI_JSON: &str = include_str!("../../openapi.json");

fn handler(path: &str) -> MethodRouter<AppState> {
    match path {
        r::HEALTH => get(health::health),
        r::READY => get(health::ready),
        r::OPENAPI => get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON) }),
        r::ENROLL => post(enroll::enroll),
        r::PUSH => post(push::push),
        r::CHANGES => get(pull::changes),
        r::REJECTIONS => get(pull::rejections),
        r::FILE => get(files::get).put(files::put),
        r::LOOKUP => post(lookup::lookup),
        r::LOOKUP_ADOPT => post(lookup::adopt),
        c::LOGIN => post(console::login),
        c::LOGOUT => post(console::logout),
        c::ME => get(console::me),
        c::MY_PASSWORD => put(console::change_own_password),
        c::STATIONS => get(console::list_stations).post(console::create_station),
        c::STATION => get(console::get_station),
        c::ENROLLMENT_CODES => get(console::list_enrollment_codes).post(console::issue_enrollment_code),
        c::REVOKE => post(console::revoke_station),
        c::REGION => put(console::set_station_region),
        c::USERS => get(console::list_users).post(console::create_user),
        c::USER => put(console::update_user),
        c::USER_PASSWORD => put(console::set_user_password),
        c::AUDIT => get(console::audit),
        c::KPIS => get(console::kpis),
        c::KPI_ORDERS => get(console::kpi_orders),
        c::KPI_EXPORT => get(console::kpi_export),
        c::COMPLAINTS => get(console::list_complaints),
        c::COMPLAINT => get(console::get_complaint),
        c::COMPLAINT_NOTES => post(console::add_complaint_note),
        c::MASTER => get(console::list_master).post(console::upsert_master),
        c::MASTER_UPLOAD => post(console::upload_master),
        c::MASTER_RECORD => delete(console::delete_master),
        c::COMPLAINT_CATEGORIES => get(console::get_complaint_categories).put(console::put_complaint_categories),
        c::RECALLS => get(console::list_recalls),
        c::RECALL => get(console::recall_completion),
        c::ACCESS_REGISTER => get(console::access_register),
        c::LOOKUP_GRANTS => get(console::lookup_grants),
        other => unreachable!("route {other} is listed in ROUTES but has no handler"),
    }
}

pub fn router(state: AppState) -> Router {
    let mut open = Router::new();
    let mut protocol = Router::new();
    let mut seen: Vec<&str> = Vec::new();
    for (_, path, versioned) in ROUTES {
        // One entry per method; the handler carries every method of its path.
        if seen.contains(path) {
            continue;
        }
        seen.push(path);
        if *versioned {
            protocol = protocol.route(path, handler(path));
        } else {
            open = open.route(path, handler(path));
        }
    }
    let console_dir = console_ui::find(state.config.console_dir.as_deref());
    open.merge(protocol.layer(middleware::from_fn_with_state(state.clone(), require_protocol_version)))
        .merge(console_ui::routes(&console_dir))
        .fallback(|| async { ApiError::new(ErrorCode::InvalidRequest, "no such route; see /openapi.json").into_response_with(StatusCode::NOT_FOUND) })
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

impl ApiError {
    fn into_response_with(self, status: StatusCode) -> Response {
        let mut res = self.into_response();
        *res.status_mut() = status;
        res
    }
}

/// A station too old for this head office gets 426 and a message to show, not a failed sync.
async fn require_protocol_version(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let newest = state.faults.newest_protocol();
    let version = req.headers().get(PROTOCOL_VERSION_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u32>().ok());
    match version {
        None => ApiError::new(ErrorCode::UpdateRequired, format!("this station did not send {PROTOCOL_VERSION_HEADER}: update StationDesk to sync"))
            .into_response(),
        Some(v) if v < MIN_PROTOCOL_VERSION => ApiError::new(
            ErrorCode::UpdateRequired,
            format!("update required: this station speaks sync protocol {v}, the head office needs {MIN_PROTOCOL_VERSION} or newer. Install the current StationDesk; the station keeps working offline meanwhile."),
        )
        .into_response(),
        Some(v) if v > newest => ApiError::new(
            ErrorCode::ProtocolUnsupported,
            format!("this station speaks sync protocol {v}, newer than the head office's {newest}: update the head office; the station keeps working offline and sends its changes once it is updated"),
        )
        .into_response(),
        Some(_) => next.run(req).await,
    }
}

async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    tracing::info!(%method, %path, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    res
}

/// Reads a request body within `max_compressed` bytes, inflating it (within
/// `max_decompressed`) when it says `Content-Encoding: gzip`.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body, max_compressed: usize, max_decompressed: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {max_compressed} bytes: send smaller batches"));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_compressed) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut raw = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("the body could not be read: {e}")))?;
        if raw.len() + chunk.len() > max_compressed {
            return Err(too_large());
        }
        raw.extend_from_slice(&chunk);
    }
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity").trim().to_ascii_lowercase();
    match encoding.as_str() {
        "gzip" => framing::gunzip_capped(&raw, max_decompressed).map_err(frame_error),
        "identity" | "" if raw.len() <= max_decompressed => Ok(raw),
        "identity" | "" => Err(too_large()),
        other => Err(ApiError::malformed(format!("unsupported Content-Encoding {other:?}: use gzip"))),
    }
}

pub(crate) fn frame_error(e: FrameError) -> ApiError {
    match e {
        FrameError::TooLarge { .. } => ApiError::new(ErrorCode::PayloadTooLarge, e.to_string()),
        _ => ApiError::malformed(e.to_string()),
    }
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::malformed(format!("the body is not valid JSON for this request: {e}")))
}

/// A JSON response, gzip-compressed when the client accepts it.
pub(crate) fn json_response<T: serde::Serialize>(headers: &HeaderMap, value: &T) -> Response {
    let Ok(json) = serde_json::to_vec(value) else {
        return ApiError::internal("cannot encode the response").into_response();
    };
    let gzip_ok = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if gzip_ok && json.len() > 1024 {
        ([(header::CONTENT_TYPE, "application/json"), (header::CONTENT_ENCODING, "gzip")], framing::gzip(&json)).into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], json).into_response()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_route_in_the_router_is_described_in_the_openapi_document() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
        let paths = doc["paths"].as_object().unwrap();
        for (method, path, _) in ROUTES {
            assert!(paths.get(*path).and_then(|p| p.get(*method)).is_some(), "openapi.json should describe {method} {path}");
        }
        let described: usize =
            paths.values().map(|p| p.as_object().unwrap().keys().filter(|k| ["get", "post", "put", "delete"].contains(&k.as_str())).count()).sum();
        assert_eq!(described, ROUTES.len(), "openapi.json should describe no route the router lacks");
    }

    #[test]
    fn the_console_endpoints_are_the_console_routes_of_the_router() {
        let mut api: Vec<(&str, &str)> = crate::console::API.iter().map(|(_, method, path)| (*method, *path)).collect();
        let mut routed: Vec<(&str, &str)> = ROUTES.iter().filter(|(_, p, _)| p.starts_with("/console/")).map(|(m, p, _)| (*m, *p)).collect();
        api.sort();
        routed.sort();
        assert_eq!(api, routed, "console::API (the UI's types) and ROUTES should list the same console endpoints");
    }
}
