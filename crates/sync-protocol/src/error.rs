//! The error every head-office endpoint answers with: `{code, message, expected_seq?}`.
//! Codes are stable and dotted; a client branches on the code, shows the message.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The station's protocol or schema version is too old: update the app. HTTP 426.
    #[serde(rename = "protocol.update_required")]
    UpdateRequired,
    /// The station speaks a newer protocol than this head office. HTTP 400.
    #[serde(rename = "protocol.unsupported")]
    ProtocolUnsupported,
    /// The batch starts after the next expected sequence: resend from `expected_seq`. HTTP 409.
    #[serde(rename = "push.gap")]
    PushGap,
    /// The batch reuses a sequence number the head office already holds with a
    /// different change: the station's outbox is not the one it enrolled with
    /// (restored from an old backup, reinstalled): enroll again. HTTP 409.
    #[serde(rename = "push.seq_conflict")]
    PushSeqConflict,
    /// No token, or an unknown one. HTTP 401.
    #[serde(rename = "auth.invalid")]
    AuthInvalid,
    /// The token was revoked by the head office. HTTP 401.
    #[serde(rename = "auth.revoked")]
    AuthRevoked,
    /// The body names a station other than the token's. HTTP 403.
    #[serde(rename = "auth.station_mismatch")]
    StationMismatch,
    /// The enrollment code is unknown, used or expired. HTTP 401.
    #[serde(rename = "enroll.invalid_code")]
    EnrollInvalidCode,
    /// The body is bigger than the limits (compressed or decompressed). HTTP 413.
    #[serde(rename = "payload.too_large")]
    PayloadTooLarge,
    /// The body is not valid gzip or JSON, or breaks the protocol's shape. HTTP 400.
    #[serde(rename = "payload.malformed")]
    PayloadMalformed,
    /// A query parameter (cursor, limit) is invalid. HTTP 400.
    #[serde(rename = "request.invalid")]
    InvalidRequest,
    /// The head office holds no such file for this station (never uploaded). HTTP 404.
    #[serde(rename = "file.not_found")]
    FileNotFound,
    /// The lookup does not find the record to adopt (not that query's, gone, or not shared). HTTP 404.
    #[serde(rename = "lookup.not_found")]
    LookupNotFound,
    /// Anything unexpected on the head office's side. HTTP 500/503.
    #[serde(rename = "server.internal")]
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UpdateRequired => "protocol.update_required",
            ErrorCode::ProtocolUnsupported => "protocol.unsupported",
            ErrorCode::PushGap => "push.gap",
            ErrorCode::PushSeqConflict => "push.seq_conflict",
            ErrorCode::AuthInvalid => "auth.invalid",
            ErrorCode::AuthRevoked => "auth.revoked",
            ErrorCode::StationMismatch => "auth.station_mismatch",
            ErrorCode::EnrollInvalidCode => "enroll.invalid_code",
            ErrorCode::PayloadTooLarge => "payload.too_large",
            ErrorCode::PayloadMalformed => "payload.malformed",
            ErrorCode::InvalidRequest => "request.invalid",
            ErrorCode::FileNotFound => "file.not_found",
            ErrorCode::LookupNotFound => "lookup.not_found",
            ErrorCode::Internal => "server.internal",
        }
    }

    /// The HTTP status the head office answers this code with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::UpdateRequired => 426,
            ErrorCode::ProtocolUnsupported | ErrorCode::PayloadMalformed | ErrorCode::InvalidRequest => 400,
            ErrorCode::PushGap | ErrorCode::PushSeqConflict => 409,
            ErrorCode::AuthInvalid | ErrorCode::AuthRevoked | ErrorCode::EnrollInvalidCode => 401,
            ErrorCode::StationMismatch => 403,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::FileNotFound | ErrorCode::LookupNotFound => 404,
            ErrorCode::Internal => 500,
        }
    }

    /// Whether retrying the same request later can succeed (network-style
    /// failures); the others need the client to change something first.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::Internal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// With `push.gap`: the sequence number the next batch must start at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<i64>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), expected_seq: None }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_dotted_names() {
        for code in [ErrorCode::UpdateRequired, ErrorCode::PushGap, ErrorCode::AuthRevoked, ErrorCode::PayloadTooLarge, ErrorCode::PayloadMalformed] {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::String(code.as_str().into()));
        }
        let body: ErrorBody = serde_json::from_str(r#"{"code":"push.gap","message":"m","expected_seq":7}"#).unwrap();
        assert_eq!(body.expected_seq, Some(7));
    }
}
