//! The HTTP side of the sync client: reqwest over rustls (ring), gzip bodies
//! both ways (`sync_protocol::framing`), the protocol version header on every
//! request, and the head office's `{code, message}` errors turned into
//! [`SyncError`] so the worker can tell "retry later" from "stop".

use std::sync::Once;
use std::time::Duration;

use reqwest::header;
use serde::de::DeserializeOwned;
use sync_protocol::lookup::{AdoptRequest, AdoptResponse, LookupRequest, LookupResponse};
use sync_protocol::{
    framing, routes, ChangesPage, EnrollRequest, EnrollResponse, ErrorBody, ErrorCode, PushAck, PushBatch, RejectionsPage, PROTOCOL_VERSION,
    PROTOCOL_VERSION_HEADER,
};

use crate::error::ApiError;

/// A pull page may be large (a 200,000-part catalog arrives in pages of 1,000),
/// but never this large once inflated.
const MAX_PAGE_BYTES: usize = 256 * 1024 * 1024;
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No answer: network down, DNS, refused, timed out, connection cut mid-answer.
    #[error("the head office cannot be reached: {0}")]
    Unreachable(String),
    /// The head office answered with an error.
    #[error("{}", .body.message)]
    HeadOffice { status: u16, body: ErrorBody },
    /// An answer that is not what the protocol says (a proxy's error page, say).
    #[error("unexpected answer from the head office: {0}")]
    BadResponse(String),
    /// Something went wrong in the station itself (its database).
    #[error("{0}")]
    Local(#[from] ApiError),
}

impl SyncError {
    pub fn head_office_code(&self) -> Option<ErrorCode> {
        match self {
            SyncError::HeadOffice { body, .. } => Some(body.code),
            _ => None,
        }
    }

    /// The stable code shown with the error: the head office's, or `sync.*`.
    pub fn code(&self) -> String {
        match self {
            SyncError::Unreachable(_) => "sync.unreachable".into(),
            SyncError::HeadOffice { body, .. } => body.code.as_str().into(),
            SyncError::BadResponse(_) => "sync.bad_response".into(),
            SyncError::Local(e) => e.code.clone(),
        }
    }

    pub fn update_required(&self) -> bool {
        self.head_office_code() == Some(ErrorCode::UpdateRequired)
    }

    /// The token no longer works or the push stream is not this outbox's: a
    /// manager must enroll the station again with a new code.
    pub fn needs_enrollment(&self) -> bool {
        matches!(self.head_office_code(), Some(ErrorCode::AuthRevoked | ErrorCode::AuthInvalid | ErrorCode::PushSeqConflict | ErrorCode::StationMismatch))
    }

    /// Whether trying again later, unchanged, can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Unreachable(_) | SyncError::BadResponse(_) | SyncError::Local(_) => true,
            SyncError::HeadOffice { status, body } => *status >= 500 || body.code.is_retryable() || body.code == ErrorCode::PushGap,
        }
    }
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Checks and normalises a head-office URL: `http(s)://host[:port][/prefix]`, no trailing slash.
pub fn normalise_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let url = reqwest::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("the head office URL starts with https:// (or http:// on a trusted network) and names a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err("the head office URL has no query, fragment or credentials".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).field("token", &self.token.as_ref().map(|_| "<redacted>")).finish()
    }
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Result<Client, SyncError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .user_agent(concat!("StationDesk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| SyncError::Unreachable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client { http, base: base.trim_end_matches('/').to_string(), token })
    }

    fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }

    fn request(&self, method: reqwest::Method, route: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, self.url(route)).header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        req
    }

    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, SyncError> {
        let body = serde_json::to_vec(req).map_err(|e| ApiError::internal(e.to_string()))?;
        self.send(self.request(reqwest::Method::POST, routes::ENROLL).header(header::CONTENT_TYPE, "application/json").body(body)).await
    }

    /// Sends a batch gzip-compressed. A connection cut after the head office
    /// committed comes back as `Unreachable`: the caller resends, which the
    /// head office recognises and acknowledges without applying anything twice.
    pub async fn push(&self, batch: &PushBatch) -> Result<PushAck, SyncError> {
        let body = framing::gzip_json(batch).map_err(|e| ApiError::internal(e.to_string()))?;
        let req = self
            .request(reqwest::Method::POST, routes::PUSH)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body);
        self.send(req).await
    }

    pub async fn changes(&self, cursor: Option<&str>, limit: u32) -> Result<ChangesPage, SyncError> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            query.push(("cursor", c.to_string()));
        }
        self.send(self.request(reqwest::Method::GET, routes::CHANGES).query(&query)).await
    }

    pub async fn rejections(&self, after: i64) -> Result<RejectionsPage, SyncError> {
        self.send(self.request(reqwest::Method::GET, routes::REJECTIONS).query(&[("after", after)])).await
    }

    /// A lookup at the desk waits for an answer a few seconds at most, then
    /// the station works from its own records.
    pub async fn lookup(&self, req: &LookupRequest) -> Result<LookupResponse, SyncError> {
        self.send(self.json_request(routes::LOOKUP, req)?.timeout(LOOKUP_TIMEOUT)).await
    }

    pub async fn adopt(&self, req: &AdoptRequest) -> Result<AdoptResponse, SyncError> {
        self.send(self.json_request(routes::LOOKUP_ADOPT, req)?.timeout(LOOKUP_TIMEOUT)).await
    }

    fn json_request<T: serde::Serialize>(&self, route: &str, body: &T) -> Result<reqwest::RequestBuilder, SyncError> {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(self.request(reqwest::Method::POST, route).header(header::CONTENT_TYPE, "application/json").body(body))
    }

    /// Stores a file's bytes at the head office (it checks them against `sha256`).
    pub async fn put_file(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), SyncError> {
        let req = self.request(reqwest::Method::PUT, &sync_protocol::file_route(sha256)).header(header::CONTENT_TYPE, "application/octet-stream").body(bytes);
        self.send::<serde_json::Value>(req).await.map(|_| ())
    }

    /// A file's bytes from the head office; `None` when it holds none under that name.
    pub async fn get_file(&self, sha256: &str) -> Result<Option<Vec<u8>>, SyncError> {
        let res = self.request(reqwest::Method::GET, &sync_protocol::file_route(sha256)).send().await.map_err(|e| SyncError::Unreachable(describe(&e)))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| SyncError::Unreachable(format!("the file was cut off: {}", describe(&e))))?;
        if status.is_success() {
            return Ok(Some(bytes.to_vec()));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) if body.code == ErrorCode::FileNotFound => Ok(None),
            Ok(body) => Err(SyncError::HeadOffice { status: status.as_u16(), body }),
            Err(_) => Err(SyncError::BadResponse(format!("HTTP {status} for file {sha256}"))),
        }
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, SyncError> {
        let res = req.header(header::ACCEPT_ENCODING, "gzip").send().await.map_err(|e| SyncError::Unreachable(describe(&e)))?;
        let status = res.status();
        let gzip = res.headers().get(header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let bytes = res.bytes().await.map_err(|e| SyncError::Unreachable(format!("the answer was cut off: {}", describe(&e))))?;
        let bytes = if gzip { framing::gunzip_capped(&bytes, MAX_PAGE_BYTES).map_err(|e| SyncError::BadResponse(e.to_string()))? } else { bytes.to_vec() };
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(format!("HTTP {status}: {e}")));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(SyncError::HeadOffice { status: status.as_u16(), body }),
            Err(_) if status.as_u16() == 426 => Err(SyncError::HeadOffice {
                status: 426,
                body: ErrorBody::new(
                    ErrorCode::UpdateRequired,
                    "update required: install the current StationDesk; the station keeps working offline meanwhile",
                ),
            }),
            Err(_) => {
                let text: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
                Err(SyncError::BadResponse(format!("HTTP {status}: {text}")))
            }
        }
    }
}

/// reqwest's error with its causes (refused, DNS, TLS), on one line.
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
