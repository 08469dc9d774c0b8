//! The station's sync bookkeeping: the one `sync_state` row (enrollment, push
//! stream, pull cursor, last success and error) and the rejections the head
//! office listed.

use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::Result;
use crate::station::ts;

/// What the sync client needs to talk to the head office. Deliberately not
/// `Debug`: the token must never reach a log line.
#[derive(Clone, sqlx::FromRow)]
pub struct Enrollment {
    pub head_office_url: String,
    pub token: String,
    pub ho_station_id: Option<String>,
    pub ho_station_code: Option<String>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StateRow {
    pub head_office_url: Option<String>,
    pub has_token: bool,
    pub ho_station_id: Option<String>,
    pub ho_station_code: Option<String>,
    pub ho_station_name: Option<String>,
    pub enrolled_at: Option<String>,
    pub acked_seq: i64,
    pub cursor: Option<String>,
    pub last_push_at: Option<String>,
    pub last_pull_at: Option<String>,
    pub last_success_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub update_required: bool,
    pub update_required_for: Option<i64>,
    pub needs_enrollment: bool,
    pub clock_offset_ms: Option<i64>,
    pub last_rejection_id: i64,
}

pub async fn load(pool: &SqlitePool) -> Result<StateRow> {
    Ok(sqlx::query_as::<_, StateRow>(
        "SELECT head_office_url, token IS NOT NULL AS has_token, ho_station_id, ho_station_code, ho_station_name, enrolled_at, acked_seq, cursor,
                last_push_at, last_pull_at, last_success_at, last_attempt_at, last_error_code, last_error, last_error_at,
                update_required, update_required_for, needs_enrollment, clock_offset_ms, last_rejection_id
         FROM sync_state WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?
    .unwrap_or_default())
}

/// The head office and token, when this station is enrolled.
pub async fn enrollment(pool: &SqlitePool) -> Result<Option<Enrollment>> {
    Ok(sqlx::query_as::<_, Enrollment>(
        "SELECT head_office_url, token, ho_station_id, ho_station_code FROM sync_state WHERE id = 1 AND head_office_url IS NOT NULL AND token IS NOT NULL",
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn acked_seq(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT acked_seq FROM sync_state WHERE id = 1").fetch_optional(conn).await?.unwrap_or(0))
}

pub async fn set_acked(pool: &SqlitePool, acked: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE sync_state SET acked_seq = ?, last_push_at = ? WHERE id = 1").bind(acked).bind(ts(now)).execute(pool).await?;
    Ok(())
}

pub async fn set_clock_offset(pool: &SqlitePool, server_time_ms: u64, now: DateTime<Utc>) -> Result<()> {
    let offset = server_time_ms as i64 - now.timestamp_millis();
    sqlx::query("UPDATE sync_state SET clock_offset_ms = ? WHERE id = 1").bind(offset).execute(pool).await?;
    Ok(())
}

pub async fn attempt_started(pool: &SqlitePool, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE sync_state SET last_attempt_at = ? WHERE id = 1").bind(ts(now)).execute(pool).await?;
    Ok(())
}

pub async fn succeeded(pool: &SqlitePool, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE sync_state SET last_success_at = ?, last_error_code = NULL, last_error = NULL, last_error_at = NULL,
                               update_required = 0, update_required_for = NULL WHERE id = 1",
    )
    .bind(ts(now))
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt. `update_required` and `needs_enrollment` stop the
/// automatic retries until the station is updated or enrolled again.
pub async fn failed(pool: &SqlitePool, code: &str, message: &str, update_required: bool, needs_enrollment: bool, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE sync_state SET last_error_code = ?, last_error = ?, last_error_at = ?,
                               update_required = ?, update_required_for = CASE WHEN ? THEN ? ELSE NULL END,
                               needs_enrollment = MAX(needs_enrollment, ?) WHERE id = 1",
    )
    .bind(code)
    .bind(message)
    .bind(ts(now))
    .bind(update_required)
    .bind(update_required)
    .bind(sync_protocol::PROTOCOL_VERSION as i64)
    .bind(needs_enrollment)
    .execute(pool)
    .await?;
    Ok(())
}

/// Outbox rows the head office has not acknowledged yet.
pub async fn pending_changes(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE seq > (SELECT acked_seq FROM sync_state WHERE id = 1)").fetch_one(pool).await?)
}

/// Entries from the head office parked until the rows they point at arrive
/// (`sync_parked`): after a pass that reached the end of the feed, more than
/// none means a restore is not complete.
pub async fn parked_records(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sync_parked").fetch_one(pool).await?)
}
