//! Logging in with a PIN and resolving the session token on every request.
//! Tokens are random 256-bit values; only their SHA-256 is stored. Wrong PINs
//! in a row lock the staff member out (`lockout`), and on a tablet the device too.
//! A session made on a tablet belongs to that device and lapses when idle (`devices`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::devices::{self, Seat};
use super::lockout::{self, Purpose};
use super::roles::{Caller, DeskActions, Home, Permission, Role, StaffRef};
use super::staff::StaffInfo;
use super::{pin, setup::StationInfo};
use crate::error::{ApiError, Result};
use crate::ops::{Done, NoInput};
use crate::station::{ts, Station};

/// A shift, not a week: a front-desk PC is shared, and a forgotten login should lapse.
const SESSION_LENGTH_HOURS: i64 = 12;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct LoginInput {
    pub staff_id: String,
    pub pin: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Session {
    pub token: String,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    pub staff: StaffInfo,
    pub station: StationInfo,
    /// The KPI dashboard is theirs to open (its nav entry shows).
    pub can_view_kpis: bool,
    /// What they may do at the desk.
    pub may: DeskActions,
    /// The screen their role starts on.
    pub home: Home,
    /// On a shared tablet: minutes without use before the PIN screen comes back.
    #[ts(type = "number | null")]
    pub idle_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Me {
    pub staff: StaffInfo,
    pub station: StationInfo,
    pub can_view_kpis: bool,
    /// What they may do at the desk (nav entries, buttons beyond one order).
    pub may: DeskActions,
    /// The screen their role starts on.
    pub home: Home,
    /// On a shared tablet: minutes without use before the PIN screen comes back.
    #[ts(type = "number | null")]
    pub idle_minutes: Option<i64>,
}

pub fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn login(station: &Station, caller: &Caller, input: LoginInput) -> Result<Session> {
    let info = station.require_info().await?;
    let row: Option<(String, String, String, String, bool)> =
        sqlx::query_as("SELECT id, name, role, pin_hash, active FROM staff WHERE id = ?").bind(&input.staff_id).fetch_optional(station.pool()).await?;
    let Some((id, name, role, pin_hash, active)) = row.filter(|r| r.4) else {
        return Err(ApiError::invalid("auth.unknown_staff", "choose who you are from the list").with_field("staff_id"));
    };
    let _ = active;
    let device = match &caller.seat {
        Seat::Device(d) => Some(d.id.clone()),
        _ => None,
    };
    if let Some(device) = &device {
        devices::check_pin_lock(station, device).await?;
    }
    lockout::check(station, &id, Purpose::Login, "pin").await?;
    // Argon2 is deliberately slow; keep it off the async workers.
    let pin = input.pin.clone();
    let ok = tokio::task::spawn_blocking(move || pin::verify(&pin, &pin_hash)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    if !ok {
        let wrong = ApiError::invalid("auth.bad_pin", "that PIN is not right").with_field("pin");
        let wrong = lockout::failed(station, &id, Purpose::Login, wrong).await;
        return Err(match &device {
            // The device's lock is the one to report once it starts; the staff member's otherwise.
            Some(device) => match devices::pin_failed(station, device, wrong.clone()).await {
                e if e.code == "auth.locked" => e,
                _ => wrong,
            },
            None => wrong,
        });
    }
    lockout::succeeded(station, &id, Purpose::Login).await?;
    if let Some(device) = &device {
        devices::pin_succeeded(station, device).await?;
    }
    let now = station.now();
    let token = new_token();
    let expires_at = now + Duration::hours(SESSION_LENGTH_HOURS);
    sqlx::query("INSERT INTO sessions (token_hash, staff_id, created_at, expires_at, device_id, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(hash_token(&token))
        .bind(&id)
        .bind(ts(now))
        .bind(ts(expires_at))
        .bind(&device)
        .bind(ts(now))
        .execute(station.pool())
        .await?;
    let idle_minutes = match &device {
        Some(_) => Some(devices::idle_minutes(station).await?),
        None => None,
    };
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    Ok(Session {
        token,
        expires_at,
        staff: StaffInfo::new(id, name, role, true),
        station: info.into(),
        can_view_kpis: Permission::ViewKpis.allows(role),
        may: DeskActions::of(role),
        home: role.home(),
        idle_minutes,
    })
}

pub async fn logout(station: &Station, caller: &Caller, _input: NoInput) -> Result<Done> {
    caller.staff()?;
    if let Some(hash) = &caller.token_hash {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(hash).execute(station.pool()).await?;
    }
    Ok(Done { ok: true })
}

/// Staff id, name, role and station; the session's device, last use and start.
type SessionRow = (String, String, String, String, Option<String>, Option<String>, String);

/// Resolves a token to the staff member; expired sessions and deactivated staff
/// are refused, and so is a tablet's session from anywhere but its device, or idle too long.
pub async fn authenticate(station: &Station, token: Option<&str>, seat: Seat) -> Result<Caller> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthenticated("log in first"));
    };
    let token_hash = hash_token(token);
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.id, s.name, s.role, s.station_id, x.device_id, x.last_seen_at, x.created_at FROM sessions x JOIN staff s ON s.id = x.staff_id
         WHERE x.token_hash = ? AND x.expires_at > ? AND s.active = 1",
    )
    .bind(&token_hash)
    .bind(ts(station.now()))
    .fetch_optional(station.pool())
    .await?;
    let (id, name, role, station_id, device_id, last_seen, created) = row.ok_or_else(|| ApiError::unauthenticated("your session has ended; log in again"))?;
    let from_its_device = match &seat {
        Seat::Desk => true,
        Seat::Device(d) => device_id.as_deref() == Some(d.id.as_str()),
        Seat::Stranger => false,
    };
    if !from_its_device {
        return Err(ApiError::unauthenticated("this session belongs to another device; log in here"));
    }
    if device_id.is_some() {
        let last_seen = last_seen.unwrap_or(created);
        let last_seen = DateTime::parse_from_rfc3339(&last_seen).map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        devices::check_idle(station, &token_hash, last_seen).await?;
    }
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    Ok(Caller { staff: Some(StaffRef { id, name, role, station_id }), token_hash: Some(token_hash), seat })
}

pub async fn me(station: &Station, caller: &Caller, _input: NoInput) -> Result<Me> {
    let staff = caller.staff()?;
    let info = station.require_info().await?;
    Ok(Me {
        staff: StaffInfo::new(staff.id.clone(), staff.name.clone(), staff.role, true),
        station: info.into(),
        can_view_kpis: Permission::ViewKpis.allows(staff.role),
        may: DeskActions::of(staff.role),
        home: staff.role.home(),
        idle_minutes: match caller.seat {
            Seat::Device(_) => Some(devices::idle_minutes(station).await?),
            _ => None,
        },
    })
}
