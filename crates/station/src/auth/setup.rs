//! First-run setup: a fresh station gets its code and name and its first
//! manager, once. Until then only setup, demo data and the status are reachable.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::pin;
use super::roles::{Caller, Role};
use super::sessions::{login, LoginInput, Session};
use super::staff::{insert_staff, list_active_staff, StaffInfo};
use crate::domain::StationCode;
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station, StationRow};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, TS)]
pub struct StationInfo {
    pub id: String,
    pub code: String,
    pub name: String,
}

impl From<StationRow> for StationInfo {
    fn from(r: StationRow) -> Self {
        StationInfo { id: r.id, code: r.code, name: r.name }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SetupStatus {
    pub is_set_up: bool,
    pub station: Option<StationInfo>,
    /// Who can log in here; the login screen lists them.
    pub staff: Vec<StaffInfo>,
    /// This StationDesk's version (Settings shows it; the head office sees it too).
    pub app_version: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct FirstRunSetup {
    pub station_code: String,
    pub station_name: String,
    pub manager_name: String,
    pub manager_pin: String,
    /// Minutes east of UTC for the station's calendar day; the desk's own
    /// offset when left out.
    #[ts(optional)]
    pub utc_offset_minutes: Option<i32>,
}

pub async fn setup_status(station: &Station, _caller: &Caller, _input: crate::ops::NoInput) -> Result<SetupStatus> {
    let info = station.info().await?;
    let staff = if info.is_some() { list_active_staff(station).await? } else { Vec::new() };
    Ok(SetupStatus { is_set_up: info.is_some(), station: info.map(Into::into), staff, app_version: crate::VERSION.to_string() })
}

pub async fn first_run_setup(station: &Station, caller: &Caller, input: FirstRunSetup) -> Result<Session> {
    let code = StationCode::parse(&input.station_code).map_err(|e| ApiError::field("station_code", e))?;
    let name = required(&input.station_name, "station_name", "station.name_required", "the station needs a name")?;
    let manager_name = required(&input.manager_name, "manager_name", "staff.name_required", "the manager needs a name")?;
    pin::validate(&input.manager_pin).map_err(|e| ApiError::field("manager_pin", e))?;
    let offset = input.utc_offset_minutes.unwrap_or_else(|| chrono::Local::now().offset().local_minus_utc() / 60);
    if !(-14 * 60..=14 * 60).contains(&offset) {
        return Err(ApiError::invalid("station.utc_offset", "the UTC offset must be between -14 and +14 hours").with_field("utc_offset_minutes"));
    }
    let pin_hash = pin::hash(&input.manager_pin)?;

    let manager_id = create_station(station, code.as_str(), &name, offset, &manager_name, &pin_hash).await?;
    login(station, caller, LoginInput { staff_id: manager_id, pin: input.manager_pin }).await
}

/// Writes the station row and its first manager; refuses if a station exists.
pub(crate) async fn create_station(station: &Station, code: &str, name: &str, offset: i32, manager_name: &str, pin_hash: &str) -> Result<String> {
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM station)").fetch_one(&mut *tx).await?;
    if exists {
        return Err(ApiError::conflict("station.already_set_up", "this station is already set up"));
    }
    let station_id = new_id();
    sqlx::query("INSERT INTO station (id, code, name, utc_offset_minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&station_id)
        .bind(code)
        .bind(name)
        .bind(offset)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    let info = StationInfo { id: station_id.clone(), code: code.to_string(), name: name.to_string() };
    outbox::append(&mut tx, &station_id, "station", &station_id, outbox::Op::Upsert, &info, now).await?;
    let manager = insert_staff(&mut tx, &station_id, manager_name, Role::Manager, pin_hash, now).await?;
    crate::workflow::quality::seed_default_items(&mut tx, &station_id, now).await?;
    tx.commit().await?;
    Ok(manager.id)
}

pub(crate) fn required(value: &str, field: &str, code: &'static str, message: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::field(field, crate::error::Invalid::new(code, message)));
    }
    if v.chars().count() > 200 {
        return Err(ApiError::field(field, crate::error::Invalid::new("text.too_long", "at most 200 characters")));
    }
    Ok(v.to_string())
}
