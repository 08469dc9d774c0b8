//! The sync protocol between a station and the head office, in one place.
//!
//! Both sides depend on this crate, so the wire types, the version numbers, the
//! hybrid logical clock, the per-field merge rule and the error codes cannot
//! drift apart. It holds no I/O: no HTTP client, no database.
//!
//! The protocol itself (routes, headers, failure cases) is described in
//! `docs/sync.md`.

pub mod enroll;
pub mod entity;
pub mod error;
pub mod framing;
pub mod hlc;
pub mod lookup;
pub mod merge;
pub mod pull;
pub mod push;
pub mod signed;

pub use enroll::{EnrollRequest, EnrollResponse};
pub use entity::{EntityKind, Scope};
pub use error::{ErrorBody, ErrorCode};
pub use hlc::Hlc;
pub use pull::{ChangesPage, FeedChange, Visit};
pub use push::{Change, Op, PushAck, PushBatch, Rejection, RejectionsPage};

/// The protocol version this build speaks. Every request carries it in
/// [`PROTOCOL_VERSION_HEADER`]; bump it when a change is not backward compatible
/// (a new entity or entity kind is compatible: see [`entity`]).
pub const PROTOCOL_VERSION: u32 = 1;

/// The oldest protocol version a head office of this build still accepts. A
/// station older than this gets `426 Upgrade Required` with
/// [`ErrorCode::UpdateRequired`].
pub const MIN_PROTOCOL_VERSION: u32 = 1;

/// Request header carrying the sender's protocol version.
pub const PROTOCOL_VERSION_HEADER: &str = "x-protocol-version";

/// Routes, relative to the head office's base URL.
pub mod routes {
    pub const ENROLL: &str = "/v1/enroll";
    pub const PUSH: &str = "/v1/push";
    pub const CHANGES: &str = "/v1/changes";
    pub const REJECTIONS: &str = "/v1/rejections";
    /// `PUT` (the bytes) and `GET` one content-addressed file of the station, by its SHA-256 (lowercase hex).
    pub const FILE: &str = "/v1/files/{sha256}";
    /// `POST`: find a customer or vehicle by an exact plate, VIN or phone (masked answers; `lookup`).
    pub const LOOKUP: &str = "/v1/lookup";
    /// `POST`: adopt a lookup's result: access granted and logged, the records in the answer.
    pub const LOOKUP_ADOPT: &str = "/v1/lookup/adopt";
    pub const HEALTH: &str = "/health";
    pub const READY: &str = "/ready";
    pub const OPENAPI: &str = "/openapi.json";
}

/// Limits both sides agree on: the client keeps its batches under them, the
/// server refuses what exceeds them.
pub mod limits {
    /// A push body, as sent (gzip-compressed).
    pub const MAX_PUSH_COMPRESSED_BYTES: usize = 8 * 1024 * 1024;
    /// A push body once decompressed: stops gzip bombs.
    pub const MAX_PUSH_DECOMPRESSED_BYTES: usize = 64 * 1024 * 1024;
    /// Changes in one push batch.
    pub const MAX_CHANGES_PER_BATCH: usize = 5_000;
    /// A pull page's size when the client does not say, and the most it may ask for.
    pub const DEFAULT_PAGE_LIMIT: u32 = 1_000;
    pub const MAX_PAGE_LIMIT: u32 = 5_000;
    /// One file's bytes (a photo is at most 12 MB at the station; PDFs and signature images are smaller).
    pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
}

/// The path of file `sha256` under [`routes::FILE`].
pub fn file_route(sha256: &str) -> String {
    routes::FILE.replace("{sha256}", sha256)
}

/// Whether `s` names a file: 64 lowercase hexadecimal digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
