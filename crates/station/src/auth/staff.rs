//! Staff records: a manager adds people, sets roles and PINs, and deactivates
//! those who leave (rows are never deleted: orders point at them).

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::pin;
use super::roles::{Caller, Permission, Role};
use super::setup::required;
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Jobs may be given to them (see `Role::takes_jobs`).
    pub takes_jobs: bool,
    /// They receive customers (see `Role::advises`).
    pub advises: bool,
}

impl StaffInfo {
    pub fn new(id: String, name: String, role: Role, active: bool) -> StaffInfo {
        StaffInfo { id, name, role, active, takes_jobs: role.takes_jobs(), advises: role.advises() }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffList {
    pub staff: Vec<StaffInfo>,
    /// The roles a staff member can be given, in the order the form offers them (most staff are technicians).
    pub roles: Vec<Role>,
    /// The caller may add staff and change roles and PINs.
    pub may_manage: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewStaff {
    pub name: String,
    pub role: Role,
    pub pin: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct UpdateStaff {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// A new PIN, or nothing to keep the current one.
    #[ts(optional)]
    pub pin: Option<String>,
}

/// The sync payload: everything but the PIN hash, which never leaves the station.
#[derive(Serialize)]
struct StaffPayload<'a> {
    id: &'a str,
    station_id: &'a str,
    name: &'a str,
    role: Role,
    active: bool,
}

pub(crate) async fn insert_staff(
    conn: &mut SqliteConnection,
    station_id: &str,
    name: &str,
    role: Role,
    pin_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<StaffInfo> {
    let id = new_id();
    sqlx::query("INSERT INTO staff (id, station_id, name, role, pin_hash, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)")
        .bind(&id)
        .bind(station_id)
        .bind(name)
        .bind(role.as_str())
        .bind(pin_hash)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
    outbox::append(conn, station_id, "staff", &id, outbox::Op::Upsert, &StaffPayload { id: &id, station_id, name, role, active: true }, now).await?;
    Ok(StaffInfo::new(id, name.to_string(), role, true))
}

fn row_to_info((id, name, role, active): (String, String, String, bool)) -> Result<StaffInfo> {
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    Ok(StaffInfo::new(id, name, role, active))
}

pub async fn list_active_staff(station: &Station) -> Result<Vec<StaffInfo>> {
    let rows: Vec<(String, String, String, bool)> =
        sqlx::query_as("SELECT id, name, role, active FROM staff WHERE active = 1 ORDER BY name").fetch_all(station.pool()).await?;
    rows.into_iter().map(row_to_info).collect()
}

pub async fn list_staff(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<StaffList> {
    let me = caller.require(Permission::Read)?;
    let rows: Vec<(String, String, String, bool)> =
        sqlx::query_as("SELECT id, name, role, active FROM staff ORDER BY active DESC, name").fetch_all(station.pool()).await?;
    Ok(StaffList {
        staff: rows.into_iter().map(row_to_info).collect::<Result<_>>()?,
        roles: vec![Role::Technician, Role::Advisor, Role::QcInspector, Role::Manager],
        may_manage: Permission::ManageStaff.allows(me.role),
    })
}

pub async fn create_staff(station: &Station, caller: &Caller, input: NewStaff) -> Result<StaffInfo> {
    let me = caller.require(Permission::ManageStaff)?;
    let name = required(&input.name, "name", "staff.name_required", "a name is required")?;
    pin::validate(&input.pin).map_err(|e| crate::error::ApiError::field("pin", e))?;
    let pin_hash = pin::hash(&input.pin)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let info = insert_staff(&mut tx, &me.station_id, &name, input.role, &pin_hash, station.now()).await?;
    tx.commit().await?;
    Ok(info)
}

pub async fn update_staff(station: &Station, caller: &Caller, input: UpdateStaff) -> Result<StaffInfo> {
    let me = caller.require(Permission::ManageStaff)?;
    let name = required(&input.name, "name", "staff.name_required", "a name is required")?;
    let pin_hash = match &input.pin {
        Some(p) if !p.is_empty() => {
            pin::validate(p).map_err(|e| ApiError::field("pin", e))?;
            Some(pin::hash(p)?)
        }
        _ => None,
    };
    if input.id == me.id && (!input.active || input.role != Role::Manager) {
        return Err(ApiError::invalid("staff.self_demotion", "you cannot deactivate or demote yourself; ask another manager").with_field("role"));
    }
    let new_pin = pin_hash.is_some();
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let updated = sqlx::query("UPDATE staff SET name = ?, role = ?, active = ?, pin_hash = COALESCE(?, pin_hash), updated_at = ? WHERE id = ?")
        .bind(&name)
        .bind(input.role.as_str())
        .bind(input.active)
        .bind(pin_hash)
        .bind(ts(now))
        .bind(&input.id)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("staff member"));
    }
    if new_pin {
        // A new PIN from a manager ends a lockout.
        super::lockout::clear_all(&mut *tx, &input.id).await?;
    }
    outbox::append(
        &mut tx,
        &me.station_id,
        "staff",
        &input.id,
        outbox::Op::Upsert,
        &StaffPayload { id: &input.id, station_id: &me.station_id, name: &name, role: input.role, active: input.active },
        now,
    )
    .await?;
    if !input.active {
        sqlx::query("DELETE FROM sessions WHERE staff_id = ?").bind(&input.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(StaffInfo::new(input.id, name, input.role, input.active))
}

/// Active advisors and managers: the people a follow-up or a complaint can be handed to.
pub(crate) async fn active_desk_staff(conn: &mut SqliteConnection) -> Result<Vec<StaffInfo>> {
    let rows: Vec<(String, String, String, bool)> =
        sqlx::query_as("SELECT id, name, role, active FROM staff WHERE active = 1 AND role IN ('advisor', 'manager') ORDER BY name").fetch_all(conn).await?;
    rows.into_iter().map(row_to_info).collect()
}

/// `id` is an active advisor or manager, or the error names `field`.
pub(crate) async fn require_desk_staff(conn: &mut SqliteConnection, id: &str, field: &str) -> Result<()> {
    let ok: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM staff WHERE id = ? AND active = 1 AND role IN ('advisor', 'manager'))")
        .bind(id)
        .fetch_one(conn)
        .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(field, crate::error::Invalid::new("staff.not_desk", "choose an active advisor or manager")))
    }
}
