//! Secrets and who is asking. Enrollment codes and tokens are 256 random bits;
//! the database keeps only their SHA-256, so a copy of it authenticates nobody.
//! The token alone decides which station a request is from.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sync_protocol::ErrorCode;
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

pub async fn station_for_token(pool: &PgPool, token: &str) -> Result<AuthStation, ApiError> {
    let row: Option<(Uuid, Uuid, String, bool)> = sqlx::query_as(
        "SELECT t.station_id, t.token_id, s.code, t.revoked_at IS NOT NULL
         FROM station_tokens t JOIN stations s USING (station_id) WHERE t.token_hash = $1",
    )
    .bind(hash_secret(token))
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
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some(token) = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ApiError::new(ErrorCode::AuthInvalid, "missing `Authorization: Bearer <token>`"));
        };
        station_for_token(&state.pool, token).await
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
}
