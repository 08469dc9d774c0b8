//! A station's file bytes (`file_blobs`): stored once per (station, SHA-256),
//! readable only by the same station.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sync_protocol::ErrorCode;

use crate::auth::AuthStation;
use crate::error::ApiError;

/// Stores `bytes` as file `sha256` of the station, after checking that they hash to it.
/// Storing the same file again is a no-op.
pub async fn put(pool: &PgPool, station: &AuthStation, sha256: &str, bytes: &[u8]) -> Result<(), ApiError> {
    let actual = format!("{:x}", Sha256::digest(bytes));
    if actual != sha256 {
        return Err(ApiError::malformed(format!("these bytes hash to {actual}, not to the file's name {sha256}")));
    }
    sqlx::query("INSERT INTO file_blobs (station_id, sha256, size, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (station_id, sha256) DO NOTHING")
        .bind(station.station_id)
        .bind(sha256)
        .bind(bytes.len() as i64)
        .bind(bytes)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, station: &AuthStation, sha256: &str) -> Result<Vec<u8>, ApiError> {
    let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM file_blobs WHERE station_id = $1 AND sha256 = $2")
        .bind(station.station_id)
        .bind(sha256)
        .fetch_optional(pool)
        .await?;
    bytes.ok_or_else(|| ApiError::new(ErrorCode::FileNotFound, format!("the head office holds no file {sha256} of station {}", station.code)))
}
