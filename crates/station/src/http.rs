//! The HTTP JSON transport (`stationdesk serve`): `POST /api/{operation}` with
//! the session token as a bearer token, answered by `Station::dispatch_http`. It also
//! serves the built UI, so a workshop tablet needs only a browser. Off loopback it
//! speaks TLS with the station's certificate (`tls.rs`). It decides nothing about who
//! may come in: it reads the peer address, `Host`, `Origin` and the device cookie
//! and hands them to the core (`auth/devices.rs`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::auth::devices::HttpRequest;
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
    /// The connection is TLS: page origins are `https://…`, and the device cookie is `Secure`.
    tls: bool,
    host_names: Arc<[String]>,
}

/// Photos travel base64 inside JSON; leave room for a 12 MB photo.
pub const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// The cookie that carries a paired device's token (see docs/privacy.md: an
/// HttpOnly cookie, so no script in the page can read it and carry it off).
pub const DEVICE_COOKIE: &str = "stationdesk_device";
/// The most Chrome keeps a cookie; it is not renewed on use, so after that the tablet pairs again.
const DEVICE_COOKIE_SECONDS: u32 = 400 * 24 * 3600;

/// The desktop window's Content-Security-Policy (`src-tauri/tauri.conf.json`), for
/// browsers too; `tests/http.rs` checks the two agree.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
connect-src 'self' ipc: http://ipc.localhost; object-src 'none'; base-uri 'self'; form-action 'self'";

/// How `serve` answers: plain HTTP (loopback only) or TLS, and the host names tablets may use besides IP addresses.
#[derive(Clone, Default)]
pub struct ServeOptions {
    pub tls: bool,
    pub host_names: Vec<String>,
}

pub fn router(station: Station, ui: UiAssets, options: &ServeOptions) -> Router {
    let state = AppState { station, ui, tls: options.tls, host_names: options.host_names.clone().into() };
    Router::new().route("/api/{op}", post(call)).fallback(static_file).layer(axum::middleware::map_response(security_headers)).with_state(state)
}

/// Serves on `listen`: TLS with the station's certificate unless `listen` is a
/// loopback address, where plain HTTP stays (the desk's own browser, and tests).
pub async fn serve(station: Station, listen: SocketAddr, ui: UiAssets, host_names: Vec<String>) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(listen)?;
    serve_listener(station, listener, ui, ServeOptions { tls: !listen.ip().is_loopback(), host_names }).await
}

/// Serves on a bound listener (tests bind port 0 and read it back).
pub async fn serve_listener(station: Station, listener: std::net::TcpListener, ui: UiAssets, options: ServeOptions) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let app = router(station.clone(), ui, &options).into_make_service_with_connect_info::<SocketAddr>();
    if !options.tls {
        tracing::info!(%address, "serving StationDesk over HTTP");
        println!("StationDesk is serving on http://{address}");
        return axum::serve(tokio::net::TcpListener::from_std(listener)?, app).await;
    }
    let cert = crate::tls::load_or_create(station.data_dir(), &options.host_names, station.now()).map_err(std::io::Error::other)?;
    let config = axum_server::tls_rustls::RustlsConfig::from_config(cert.server_config().map_err(std::io::Error::other)?);
    tracing::info!(%address, fingerprint = %cert.fingerprint, "serving StationDesk over HTTPS");
    println!("StationDesk is serving on https://{address}\nCertificate SHA-256 fingerprint: {}", cert.fingerprint);
    // `0.0.0.0` is no address a tablet can open: name the one it can.
    if let Some(url) = tablet_url(address, lan_address()) {
        println!("Tablets on the workshop network open {url}");
    }
    axum_server::from_tcp_rustls(listener, config)?.serve(app).await
}

/// The address tablets open for a server listening on `address`: the computer's address on
/// the network (`lan`) when it listens on all of them.
fn tablet_url(address: SocketAddr, lan: Option<std::net::IpAddr>) -> Option<String> {
    let ip = if address.ip().is_unspecified() { lan? } else { address.ip() };
    Some(format!("https://{}", SocketAddr::new(ip, address.port())))
}

/// This computer's address on the network its default route leads to. Connecting a UDP
/// socket only picks the route; nothing is sent.
fn lan_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    Some(socket.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
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

/// What the transport knows of a request, for the core to judge (`auth::devices`).
fn describe(state: &AppState, parts: &axum::http::request::Parts) -> HttpRequest {
    let header = |name: header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let device_token = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(DEVICE_COOKIE).and_then(|rest| rest.strip_prefix('=')))
        .map(str::to_string);
    HttpRequest {
        peer: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        host: header(header::HOST),
        origin: header(header::ORIGIN),
        device_token,
        tls: state.tls,
        host_names: state.host_names.clone(),
    }
}

fn too_large() -> Response {
    let limit_mb = BODY_LIMIT / (1024 * 1024);
    let error = ApiError::invalid("request.too_large", format!("the request is larger than {limit_mb} MB")).with("limit_mb", limit_mb);
    (StatusCode::PAYLOAD_TOO_LARGE, Json(error)).into_response()
}

async fn call(State(state): State<AppState>, Path(op): Path<String>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return too_large();
    }
    // A body sent without a length is cut off at the limit, and refused the same way.
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return too_large();
    };
    let from = describe(&state, &parts);
    let token = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let input: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return ApiError::invalid("input.not_json", format!("the request body is not JSON: {e}")).into_response(),
        }
    };
    let mut output = match state.station.dispatch_http(&from, &op, token, input).await {
        Ok(output) => output,
        Err(e) => return e.into_response(),
    };
    // A new device token travels as a cookie, never in the page's reach.
    let device_token = output.as_object_mut().and_then(|o| o.remove("device_token")).and_then(|t| t.as_str().map(str::to_string));
    let mut response = Json(output).into_response();
    if let Some(token) = device_token {
        let secure = if state.tls { "; Secure" } else { "" };
        let cookie = format!("{DEVICE_COOKIE}={token}; Path=/; Max-Age={DEVICE_COOKIE_SECONDS}; HttpOnly; SameSite=Strict{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// The same headers on every answer: the desktop's CSP, no framing, no sniffing, no referrer; API answers are not cached.
async fn security_headers(uri: Uri, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if uri.path().starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
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

async fn static_file(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if let Err(e) = describe(&state, &parts).check_host_and_origin() {
        return e.into_response();
    }
    let path = parts.uri.path().trim_start_matches('/');
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

#[cfg(test)]
mod tests {
    use super::tablet_url;

    #[test]
    fn a_station_listening_on_every_address_tells_tablets_its_network_address_and_one_listening_on_one_tells_that() {
        let lan = Some("192.168.1.20".parse().unwrap());
        assert_eq!(tablet_url("0.0.0.0:8787".parse().unwrap(), lan).as_deref(), Some("https://192.168.1.20:8787"));
        assert_eq!(tablet_url("[::]:8787".parse().unwrap(), lan).as_deref(), Some("https://192.168.1.20:8787"));
        assert_eq!(tablet_url("10.0.0.5:8787".parse().unwrap(), lan).as_deref(), Some("https://10.0.0.5:8787"));
        assert_eq!(tablet_url("0.0.0.0:8787".parse().unwrap(), None), None, "no network: nothing to tell rather than a wrong address");
    }
}
