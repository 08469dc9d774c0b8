//! Locking out PIN guessing. A four-digit PIN has 10,000 values, and `serve`
//! mode puts the login on the LAN, so wrong PINs in a row lock the staff member
//! out: after [`FREE_FAILURES`], for [`FIRST_LOCK_MINUTES`], doubling with each
//! further wrong PIN up to [`MAX_LOCK_MINUTES`]. While locked the PIN is not
//! even checked. A correct PIN, or a new PIN set by a manager, clears it.
//!
//! Two counts per staff member: logging in, and typing a manager's PIN to
//! confirm an override at one's own desk (counted against the one typing, so
//! guessing a manager's PIN locks the guesser, not the manager).

use chrono::{DateTime, Duration, Utc};

use crate::error::{ApiError, Result};
use crate::station::{ts, Station};

/// Typing slips are forgiven; guessing is not.
pub const FREE_FAILURES: i64 = 5;
pub const FIRST_LOCK_MINUTES: i64 = 5;
pub const MAX_LOCK_MINUTES: i64 = 60;

#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Login,
    ManagerPin,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::ManagerPin => "manager_pin",
        }
    }
}

/// `auth.locked` on `field`, with the minutes left.
pub(crate) fn locked(field: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let minutes = ((until - now).num_seconds() + 59).max(60) / 60;
    ApiError::invalid("auth.locked", format!("too many wrong PINs: try again in {minutes} min, or ask a manager to set a new PIN"))
        .with_field(field)
        .with("minutes", minutes)
}

/// Refuses while `staff_id` is locked out for `purpose`.
pub async fn check(station: &Station, staff_id: &str, purpose: Purpose, field: &str) -> Result<()> {
    let now = station.now();
    let until: Option<Option<String>> = sqlx::query_scalar("SELECT locked_until FROM pin_failures WHERE staff_id = ? AND purpose = ?")
        .bind(staff_id)
        .bind(purpose.as_str())
        .fetch_optional(station.pool())
        .await?;
    let until = until.flatten().and_then(|u| DateTime::parse_from_rfc3339(&u).ok()).map(|u| u.with_timezone(&Utc));
    match until {
        Some(until) if until > now => Err(locked(field, until, now)),
        _ => Ok(()),
    }
}

/// Counts a wrong PIN: `wrong` as it is, or `auth.locked` when this one starts a lock.
pub async fn failed(station: &Station, staff_id: &str, purpose: Purpose, wrong: ApiError) -> ApiError {
    match count(station, staff_id, purpose).await {
        Ok(Some(until)) => locked(wrong.field.as_deref().unwrap_or("pin"), until, station.now()),
        Ok(None) => wrong,
        Err(e) => e,
    }
}

async fn count(station: &Station, staff_id: &str, purpose: Purpose) -> Result<Option<DateTime<Utc>>> {
    let now = station.now();
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO pin_failures (staff_id, purpose, failures, updated_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (staff_id, purpose) DO UPDATE SET failures = failures + 1, updated_at = excluded.updated_at
         RETURNING failures",
    )
    .bind(staff_id)
    .bind(purpose.as_str())
    .bind(ts(now))
    .fetch_one(station.pool())
    .await?;
    let Some(minutes) = lock_minutes(failures, FREE_FAILURES) else {
        return Ok(None);
    };
    let until = now + Duration::minutes(minutes);
    sqlx::query("UPDATE pin_failures SET locked_until = ? WHERE staff_id = ? AND purpose = ?")
        .bind(ts(until))
        .bind(staff_id)
        .bind(purpose.as_str())
        .execute(station.pool())
        .await?;
    tracing::warn!(%staff_id, purpose = purpose.as_str(), failures, minutes, "locked out after wrong PINs");
    Ok(Some(until))
}

/// How long `failures` wrong PINs in a row lock for, once past `free` of them:
/// [`FIRST_LOCK_MINUTES`], doubling with each further one up to [`MAX_LOCK_MINUTES`].
pub(crate) fn lock_minutes(failures: i64, free: i64) -> Option<i64> {
    if failures < free {
        return None;
    }
    let doublings = u32::try_from((failures - free).min(8)).unwrap_or(8);
    Some((FIRST_LOCK_MINUTES << doublings).min(MAX_LOCK_MINUTES))
}

/// A correct PIN: the count for `purpose` starts again.
pub async fn succeeded(station: &Station, staff_id: &str, purpose: Purpose) -> Result<()> {
    sqlx::query("DELETE FROM pin_failures WHERE staff_id = ? AND purpose = ?").bind(staff_id).bind(purpose.as_str()).execute(station.pool()).await?;
    Ok(())
}

/// A manager set a new PIN for `staff_id`: every lock on them ends.
pub async fn clear_all<'e, E: sqlx::SqliteExecutor<'e>>(conn: E, staff_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM pin_failures WHERE staff_id = ?").bind(staff_id).execute(conn).await?;
    Ok(())
}

/// The active manager whose PIN `given` is, typed at `me`'s desk to approve
/// something (a lower odometer, a large compensation). Wrong PINs count
/// against `me`; the error names `field`.
pub async fn manager_by_pin(station: &Station, me: &crate::auth::StaffRef, given: &str, field: &str) -> Result<String> {
    check(station, &me.id, Purpose::ManagerPin, field).await?;
    let managers: Vec<(String, String)> =
        sqlx::query_as("SELECT id, pin_hash FROM staff WHERE role = 'manager' AND active = 1").fetch_all(station.pool()).await?;
    let given = given.to_string();
    let found = tokio::task::spawn_blocking(move || managers.into_iter().find(|(_, hash)| super::pin::verify(&given, hash)).map(|(id, _)| id))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    match found {
        Some(id) => {
            succeeded(station, &me.id, Purpose::ManagerPin).await?;
            Ok(id)
        }
        None => {
            let wrong = ApiError::field(field, crate::error::Invalid::new("auth.bad_manager_pin", "that is not an active manager's PIN"));
            Err(failed(station, &me.id, Purpose::ManagerPin, wrong).await)
        }
    }
}
