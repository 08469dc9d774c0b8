//! Stations, enrollment codes and tokens: what the admin command line and
//! the console's administrators both do, each function once (`*_in` inside the
//! caller's transaction, so the console writes its audit row in the same one).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use sync_protocol::{EnrollRequest, EnrollResponse, ErrorCode};
use uuid::Uuid;

use crate::auth::{hash_secret, new_secret};
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Bad input in `field` (the console shows it there; the command line prints the message).
    #[error("{message}")]
    Invalid { field: &'static str, code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("no station {0}")]
    NoStation(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn check_code(code: &str) -> Result<(), AdminError> {
    let ok = (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid { field: "code", code: "station.code", message: format!("a station code is 1 to 32 letters, digits, '-' or '_': {code:?}") })
    }
}

/// Creates a station and returns its first one-time enrollment code.
pub async fn create_station(pool: &PgPool, code: &str, name: &str, valid_hours: u32) -> Result<String, AdminError> {
    let mut tx = pool.begin().await?;
    let (_, secret) = create_station_in(&mut tx, code, name, "", valid_hours).await?;
    tx.commit().await?;
    Ok(secret.code)
}

/// Creates a station in the caller's transaction: its id, its first enrollment code and when that expires.
pub async fn create_station_in(conn: &mut PgConnection, code: &str, name: &str, region: &str, valid_hours: u32) -> Result<(Uuid, NewCode), AdminError> {
    check_code(code)?;
    if name.trim().is_empty() {
        return Err(AdminError::Invalid { field: "name", code: "station.name_required", message: "a station needs a name".into() });
    }
    let station_id = Uuid::now_v7();
    let inserted = sqlx::query("INSERT INTO stations (station_id, code, name, region) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
        .bind(station_id)
        .bind(code)
        .bind(name.trim())
        .bind(region.trim())
        .execute(&mut *conn)
        .await?;
    if inserted.rows_affected() == 0 {
        return Err(AdminError::Conflict {
            code: "station.exists",
            message: format!("station {code} exists already: use new-enrollment-code to enroll it again"),
        });
    }
    let secret = issue_code(conn, station_id, valid_hours).await?;
    Ok((station_id, secret))
}

/// A fresh one-time enrollment code for an existing station (a reinstall, a new machine).
pub async fn new_enrollment_code(pool: &PgPool, code: &str, valid_hours: u32) -> Result<String, AdminError> {
    let mut tx = pool.begin().await?;
    let station_id = station_id_by_code(&mut tx, code).await?;
    let secret = issue_code(&mut tx, station_id, valid_hours).await?;
    tx.commit().await?;
    Ok(secret.code)
}

/// A one-time enrollment code as issued: shown once, only its hash is kept.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Display for NewCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

/// Issues a code for the station, in the caller's transaction.
pub async fn issue_code(conn: &mut PgConnection, station_id: Uuid, valid_hours: u32) -> Result<NewCode, AdminError> {
    let secret = new_secret("enr");
    let expires_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "INSERT INTO enrollment_codes (station_id, code_hash, expires_at)
         SELECT station_id, $2, now() + make_interval(hours => $3) FROM stations WHERE station_id = $1
         RETURNING expires_at",
    )
    .bind(station_id)
    .bind(hash_secret(&secret))
    .bind(valid_hours as i32)
    .fetch_optional(conn)
    .await?;
    let expires_at = expires_at.ok_or_else(|| AdminError::NoStation(station_id.to_string()))?;
    Ok(NewCode { code: secret, expires_at })
}

pub async fn station_id_by_code(conn: &mut PgConnection, code: &str) -> Result<Uuid, AdminError> {
    let station: Option<Uuid> = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_optional(conn).await?;
    station.ok_or_else(|| AdminError::NoStation(code.to_string()))
}

/// Revokes every token of the station and its unused enrollment codes. Returns the tokens revoked.
pub async fn revoke(pool: &PgPool, code: &str) -> Result<u64, AdminError> {
    let mut tx = pool.begin().await?;
    let station_id = station_id_by_code(&mut tx, code).await?;
    let n = revoke_in(&mut tx, station_id).await?;
    tx.commit().await?;
    Ok(n)
}

/// `revoke` in the caller's transaction.
pub async fn revoke_in(conn: &mut PgConnection, station_id: Uuid) -> Result<u64, AdminError> {
    let n =
        sqlx::query("UPDATE station_tokens SET revoked_at = now() WHERE station_id = $1 AND revoked_at IS NULL").bind(station_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE enrollment_codes SET expires_at = now() WHERE station_id = $1 AND used_at IS NULL AND expires_at > now()")
        .bind(station_id)
        .execute(&mut *conn)
        .await?;
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
