//! Secrets and who is asking. Enrollment codes and tokens are 256 random bits;
//! the database keeps only their SHA-256, so a copy of it authenticates nobody.
//! The token alone decides which station a request is from.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sync_protocol::{ErrorCode, PROTOCOL_VERSION_HEADER};
use uuid::Uuid;

use crate::error::ApiError;
use crate::startup::AppState;

/// A new random secret (32 bytes, URL-safe base64) with a readable prefix.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.trim().as_bytes()).to_vec()
}

/// The station a request comes from, as its token says.
#[derive(Debug, Clone)]
pub struct AuthStation {
    pub station_id: Uuid,
    pub token_id: Uuid,
    pub code: String,
}

/// What a station's request says about the app that sent it, kept for the
/// console's station overview (the protocol carries no app version: the
/// station's sync client names it in its User-Agent, `StationDesk/<version>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub user_agent: Option<String>,
    pub app_version: Option<String>,
    pub protocol_version: Option<i32>,
}

impl Contact {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(|v| v.trim().chars().take(200).collect::<String>());
        let user_agent = text(header::USER_AGENT.as_str()).filter(|v| !v.is_empty());
        let app_version = user_agent.as_deref().and_then(|ua| ua.split_whitespace().find_map(|p| p.strip_prefix("StationDesk/"))).map(str::to_string);
        let protocol_version = text(PROTOCOL_VERSION_HEADER).and_then(|v| v.parse().ok());
        Self { user_agent, app_version, protocol_version }
    }
}

/// The token's station, noting the contact: at most once a minute per token
/// unless the app changed, and never waiting for a push that holds the row.
pub async fn station_for_token(pool: &PgPool, token: &str, contact: &Contact) -> Result<AuthStation, ApiError> {
    let row: Option<(Uuid, Uuid, String, bool)> = sqlx::query_as(
        "WITH seen AS (
             UPDATE station_tokens SET last_contact_at = now(), user_agent = $2, app_version = $3, protocol_version = $4
             WHERE token_id IN (SELECT token_id FROM station_tokens
                                WHERE token_hash = $1 AND revoked_at IS NULL
                                  AND (last_contact_at IS NULL OR last_contact_at < now() - interval '1 minute'
                                       OR user_agent IS DISTINCT FROM $2 OR protocol_version IS DISTINCT FROM $4)
                                FOR UPDATE SKIP LOCKED)
               AND token_hash = $1)
         SELECT t.station_id, t.token_id, s.code, t.revoked_at IS NOT NULL
         FROM station_tokens t JOIN stations s USING (station_id) WHERE t.token_hash = $1",
    )
    .bind(hash_secret(token))
    .bind(&contact.user_agent)
    .bind(&contact.app_version)
    .bind(contact.protocol_version)
    .fetch_optional(pool)
    .await?;
    match row {
        None => Err(ApiError::new(ErrorCode::AuthInvalid, "unknown token: enroll this station with a new enrollment code")),
        Some((_, _, code, true)) => Err(ApiError::new(ErrorCode::AuthRevoked, format!("the head office revoked this token for station {code}: enroll again"))),
        Some((station_id, token_id, code, false)) => Ok(AuthStation { station_id, token_id, code }),
    }
}

impl FromRequestParts<AppState> for AuthStation {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some(token) = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ApiError::new(ErrorCode::AuthInvalid, "missing `Authorization: Bearer <token>`"));
        };
        station_for_token(&state.pool, token, &Contact::from_headers(&parts.headers)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed_to_32_bytes() {
        let a = new_secret("hot");
        let b = new_secret("hot");
        assert_ne!(a, b);
        assert!(a.len() >= 4 + 43, "256 bits in base64 is 43 characters: {a}");
        assert_eq!(hash_secret(&a).len(), 32);
    }

    #[test]
    fn a_stations_app_version_is_read_from_its_user_agent() {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, HeaderValue::from_static("StationDesk/0.3.1"));
        headers.insert(PROTOCOL_VERSION_HEADER, HeaderValue::from_static("1"));
        let contact = Contact::from_headers(&headers);
        assert_eq!(contact.app_version.as_deref(), Some("0.3.1"));
        assert_eq!(contact.protocol_version, Some(1));
        headers.insert(header::USER_AGENT, HeaderValue::from_static("curl/8.5.0"));
        assert_eq!(Contact::from_headers(&headers).app_version, None, "another client names no StationDesk version");
    }
}
