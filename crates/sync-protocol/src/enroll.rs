//! Enrollment: `POST /v1/enroll` exchanges a one-time code, made by the head
//! office's `admin create-station`, for a long-lived bearer token.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub protocol_version: u32,
    pub enrollment_code: String,
    /// Optional: if given, it must be the code's station.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_code: Option<String>,
    /// The sequence number of the first outbox row this station will push
    /// under the new token (1 for a new station). Each token is its own stream.
    pub next_seq: i64,
    /// The station's own id (its SQLite `station.id`), recorded for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_station_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; the head office keeps only its hash.
    pub token: String,
    pub station_id: String,
    pub station_code: String,
    pub station_name: String,
    /// `next_seq - 1`: the stream starts acknowledged up to here.
    pub acked_seq: i64,
}
