//! Stations, enrollment codes and tokens.

use sqlx::PgPool;
use sync_protocol::{EnrollRequest, EnrollResponse, ErrorCode};
use uuid::Uuid;

use crate::auth::{hash_secret, new_secret};
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn check_code(code: &str) -> Result<(), AdminError> {
    let ok = (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!("a station code is 1 to 32 letters, digits, '-' or '_': {code:?}")))
    }
}

/// Creates a station and returns its first one-time enrollment code.
pub async fn create_station(pool: &PgPool, code: &str, name: &str, valid_hours: u32) -> Result<String, AdminError> {
    check_code(code)?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid("a station needs a name".into()));
    }
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query("INSERT INTO stations (station_id, code, name) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING")
        .bind(Uuid::now_v7())
        .bind(code)
        .bind(name.trim())
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 0 {
        return Err(AdminError::Invalid(format!("station {code} exists already: use new-enrollment-code to enroll it again")));
    }
    let secret = issue_code(&mut tx, code, valid_hours).await?;
    tx.commit().await?;
    Ok(secret)
}

/// A fresh one-time enrollment code for an existing station (a reinstall, a new machine).
pub async fn new_enrollment_code(pool: &PgPool, code: &str, valid_hours: u32) -> Result<String, AdminError> {
    let mut tx = pool.begin().await?;
    let secret = issue_code(&mut tx, code, valid_hours).await?;
    tx.commit().await?;
    Ok(secret)
}

async fn issue_code(conn: &mut sqlx::PgConnection, code: &str, valid_hours: u32) -> Result<String, AdminError> {
    let secret = new_secret("enr");
    let done = sqlx::query(
        "INSERT INTO enrollment_codes (station_id, code_hash, expires_at)
         SELECT station_id, $2, now() + make_interval(hours => $3) FROM stations WHERE code = $1",
    )
    .bind(code)
    .bind(hash_secret(&secret))
    .bind(valid_hours as i32)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AdminError::Invalid(format!("no station {code}")));
    }
    Ok(secret)
}

/// Revokes every token of the station and its unused enrollment codes. Returns the tokens revoked.
pub async fn revoke(pool: &PgPool, code: &str) -> Result<u64, AdminError> {
    let mut tx = pool.begin().await?;
    let station: Option<Uuid> = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_optional(&mut *tx).await?;
    let Some(station_id) = station else {
        return Err(AdminError::Invalid(format!("no station {code}")));
    };
    let n = sqlx::query("UPDATE station_tokens SET revoked_at = now() WHERE station_id = $1 AND revoked_at IS NULL").bind(station_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE enrollment_codes SET expires_at = now() WHERE station_id = $1 AND used_at IS NULL AND expires_at > now()")
        .bind(station_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(n.rows_affected())
}

pub async fn enroll(pool: &PgPool, req: &EnrollRequest) -> Result<EnrollResponse, ApiError> {
    if req.next_seq < 1 {
        return Err(ApiError::malformed("next_seq is the first outbox sequence to push: 1 or more"));
    }
    let mut tx = pool.begin().await?;
    let found: Option<(Uuid, String, String)> = sqlx::query_as(
        "SELECT s.station_id, s.code, s.name FROM enrollment_codes e JOIN stations s USING (station_id)
         WHERE e.code_hash = $1 AND e.used_at IS NULL AND e.expires_at > now() FOR UPDATE OF e",
    )
    .bind(hash_secret(&req.enrollment_code))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((station_id, code, name)) = found else {
        return Err(ApiError::new(ErrorCode::EnrollInvalidCode, "this enrollment code is unknown, used or expired: ask the head office for a new one"));
    };
    if req.station_code.as_deref().is_some_and(|c| c != code) {
        return Err(ApiError::new(
            ErrorCode::StationMismatch,
            format!("this enrollment code is for station {code}, not {}", req.station_code.as_deref().unwrap_or("")),
        ));
    }
    sqlx::query("UPDATE enrollment_codes SET used_at = now() WHERE code_hash = $1").bind(hash_secret(&req.enrollment_code)).execute(&mut *tx).await?;
    let token = new_secret("hot");
    let acked = req.next_seq - 1;
    sqlx::query("INSERT INTO station_tokens (station_id, token_id, token_hash, local_station_id, acked_seq) VALUES ($1, $2, $3, $4, $5)")
        .bind(station_id)
        .bind(Uuid::now_v7())
        .bind(hash_secret(&token))
        .bind(&req.local_station_id)
        .bind(acked)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(station = %code, "station enrolled");
    Ok(EnrollResponse { token, station_id: station_id.to_string(), station_code: code, station_name: name, acked_seq: acked })
}
