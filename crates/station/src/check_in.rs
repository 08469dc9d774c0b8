//! Checking a vehicle in (接车登记): odometer, fuel and/or battery (by the
//! vehicle's energy, always read, never defaulted), the damage walk-around,
//! photos, personal items and the customer's concerns become a new repair order
//! in `checked_in`, numbered gap-free, in one transaction with its outbox rows.
//! A check-in soon after the vehicle's last delivery is linked to that order
//! as a possible repeat repair (返修). A vehicle that already has an open order
//! needs the advisor to confirm a second one (`duplicates.rs`). The vehicle's
//! last odometer is its newest reading from an order that was not cancelled.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission, Role};
use crate::domain::{check_against_last, Energy, Odometer, RoNumber, Rollback, ServiceType, StationCode};
use crate::error::{ApiError, Invalid, Result};
use crate::repair_orders::{load_order, DamageKind, Priority, RepairOrder};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CheckInInput {
    pub customer_id: String,
    pub vehicle_id: String,
    pub service_type: ServiceType,
    #[ts(type = "number")]
    pub odometer_km: i64,
    /// 0 (empty) to 8 (full), as the gauge reads. Required for fuel and hybrid vehicles.
    #[ts(optional, type = "number")]
    pub fuel_eighths: Option<i64>,
    /// The battery's charge, 0–100 %. Required for electric and hybrid vehicles.
    #[ts(optional, type = "number")]
    pub battery_percent: Option<i64>,
    /// What the vehicle runs on, when its record does not say yet (or says
    /// wrong); stored on the vehicle.
    #[ts(optional)]
    pub energy: Option<Energy>,
    #[serde(default)]
    pub damage_marks: Vec<DamageMarkInput>,
    #[serde(default)]
    pub photos: Vec<PhotoInput>,
    #[serde(default)]
    pub personal_items: String,
    pub concerns: Vec<ConcernInput>,
    /// RFC 3339; when the customer was told the car will be ready.
    #[ts(optional)]
    pub promised_at: Option<String>,
    pub priority: Priority,
    /// Warning codes the user confirmed, e.g. `odometer.rollback`.
    #[serde(default)]
    pub confirm: Vec<String>,
    /// A manager's PIN, when an advisor needs a manager to confirm something.
    #[ts(optional)]
    pub manager_pin: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct DamageMarkInput {
    #[ts(type = "number")]
    pub x: i64,
    #[ts(type = "number")]
    pub y: i64,
    pub kind: DamageKind,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PhotoInput {
    pub sha256: String,
    #[serde(default)]
    pub caption: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConcernInput {
    pub text: String,
    #[serde(default)]
    pub fault_codes: Vec<String>,
}

struct ValidConcern {
    text: String,
    fault_codes: Vec<String>,
}

fn field(name: impl Into<String>, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::field(name, Invalid::new(code, message))
}

/// Diagnostic trouble codes as scan tools print them: P0300, U0100, or longer maker codes.
fn parse_fault_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_uppercase();
    let ok = (4..=10).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(code)
}

fn validate_concerns(concerns: &[ConcernInput]) -> Result<Vec<ValidConcern>> {
    let mut out = Vec::new();
    for (i, c) in concerns.iter().enumerate() {
        let text = c.text.trim();
        if text.is_empty() && c.fault_codes.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if text.is_empty() {
            return Err(field(format!("concerns.{i}.text"), "concern.text_required", "describe the concern in the customer's words"));
        }
        if text.chars().count() > 2000 {
            return Err(field(format!("concerns.{i}.text"), "text.too_long", "a concern has at most 2000 characters"));
        }
        let mut codes = Vec::new();
        for raw in c.fault_codes.iter().filter(|f| !f.trim().is_empty()) {
            let code = parse_fault_code(raw).ok_or_else(|| {
                field(
                    format!("concerns.{i}.fault_codes"),
                    "concern.fault_code",
                    format!("{:?} is not a fault code; they look like P0300", raw.chars().take(20).collect::<String>()),
                )
            })?;
            codes.push(code);
        }
        out.push(ValidConcern { text: text.to_string(), fault_codes: codes });
    }
    if out.is_empty() {
        return Err(field("concerns.0.text", "concern.required", "record at least one concern: what the customer asks for"));
    }
    Ok(out)
}

fn validate_marks(marks: &[DamageMarkInput]) -> Result<()> {
    for (i, m) in marks.iter().enumerate() {
        if !(0..=1000).contains(&m.x) || !(0..=1000).contains(&m.y) {
            return Err(field(format!("damage_marks.{i}"), "damage.position", "a damage mark must lie on the vehicle outline"));
        }
        if m.note.chars().count() > 500 {
            return Err(field(format!("damage_marks.{i}.note"), "text.too_long", "a note has at most 500 characters"));
        }
    }
    if marks.len() > 100 {
        return Err(field("damage_marks", "damage.too_many", "at most 100 damage marks"));
    }
    Ok(())
}

/// The levels read at check-in, by what the vehicle runs on: each one the
/// vehicle has is required (a gauge nobody read is not half full), and one it
/// does not have is not stored.
fn levels(energy: Energy, input: &CheckInInput) -> Result<(Option<i64>, Option<i64>)> {
    let fuel = match (energy.has_fuel(), input.fuel_eighths) {
        (false, _) => None,
        (true, None) => return Err(field("fuel_eighths", "fuel.required", "read the fuel gauge and record its level")),
        (true, Some(f)) if !(0..=8).contains(&f) => {
            return Err(field("fuel_eighths", "fuel.range", "fuel is read in eighths, from 0 (empty) to 8 (full)"));
        }
        (true, Some(f)) => Some(f),
    };
    let battery = match (energy.has_battery(), input.battery_percent) {
        (false, _) => None,
        (true, None) => return Err(field("battery_percent", "battery.required", "read the battery's charge on the dashboard and record it in %")),
        (true, Some(b)) if !(0..=100).contains(&b) => return Err(field("battery_percent", "battery.range", "the battery's charge is from 0 to 100 %")),
        (true, Some(b)) => Some(b),
    };
    Ok((fuel, battery))
}

/// Which manager, if any, confirms an odometer reading lower than the last one.
async fn rollback_confirmer(station: &Station, caller: &Caller, input: &CheckInInput) -> Result<Option<String>> {
    if !input.confirm.iter().any(|c| c == "odometer.rollback") {
        return Ok(None);
    }
    let me = caller.staff()?;
    if me.role == Role::Manager {
        return Ok(Some(me.id.clone()));
    }
    let Some(given) = input.manager_pin.clone().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    crate::auth::lockout::manager_by_pin(station, me, &given, "manager_pin").await.map(Some)
}

pub async fn check_in(station: &Station, caller: &Caller, input: CheckInInput) -> Result<RepairOrder> {
    let me = caller.require(Permission::CheckIn)?.clone();
    let now = station.now();
    let odometer = Odometer::parse_km(input.odometer_km).map_err(|e| ApiError::field("odometer_km", e))?;
    validate_marks(&input.damage_marks)?;
    let concerns = validate_concerns(&input.concerns)?;
    if input.personal_items.chars().count() > 1000 {
        return Err(field("personal_items", "text.too_long", "at most 1000 characters"));
    }
    let promised_at = match input.promised_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let at = DateTime::parse_from_rfc3339(raw).map_err(|_| field("promised_at", "promised_at.format", "choose a date and time"))?.with_timezone(&Utc);
            if at < now {
                return Err(field("promised_at", "promised_at.past", "the promised time must be in the future"));
            }
            Some(at)
        }
    };
    let confirmer = rollback_confirmer(station, caller, &input).await?;
    let info = station.require_info().await?;
    let code = StationCode::parse(&info.code).map_err(|e| ApiError::internal(e.message))?;

    let mut tx = db::write_tx(station.pool()).await?;
    let vehicle: Option<(String, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT customer_id, last_odometer_km, energy FROM vehicles WHERE id = ?").bind(&input.vehicle_id).fetch_optional(&mut *tx).await?;
    let Some((owner_id, last_km, stored_energy)) = vehicle else {
        return Err(ApiError::not_found("vehicle").with_field("vehicle_id"));
    };
    if owner_id != input.customer_id {
        return Err(field("vehicle_id", "check_in.vehicle_owner", "this vehicle belongs to another customer"));
    }
    crate::retention::refuse_destroyed_customer(&mut tx, &input.customer_id).await.map_err(|e| e.with_field("customer_id"))?;
    let stored_energy = stored_energy.as_deref().and_then(Energy::parse);
    let energy = input
        .energy
        .or(stored_energy)
        .ok_or_else(|| field("energy", "vehicle.energy_required", "say what the vehicle runs on (fuel, hybrid or electric), so the right gauge is read"))?;
    let (fuel_eighths, battery_percent) = levels(energy, &input)?;
    crate::duplicates::refuse_second_open_order(&mut tx, &input.vehicle_id, &input.confirm).await?;
    let last = last_km.and_then(|km| Odometer::parse_km(km).ok());
    if let Rollback::LowerThanLast { last } = check_against_last(odometer, last) {
        if confirmer.is_none() {
            return Err(ApiError::confirm(
                "odometer_km",
                "odometer.rollback",
                format!("the last recorded reading was {last} km; a lower reading needs a manager to confirm"),
            )
            .with("last_km", last));
        }
    }
    for (i, photo) in input.photos.iter().enumerate() {
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)").bind(&photo.sha256).fetch_one(&mut *tx).await?;
        if !known {
            return Err(field(format!("photos.{i}"), "photo.unknown", "this photo was not uploaded; add it again"));
        }
    }

    let date = info.local_date(now);
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO ro_sequences (station_id, day, last_seq) VALUES (?, ?, 1)
         ON CONFLICT (station_id, day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
    )
    .bind(&info.id)
    .bind(date.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let number = RoNumber::new(&code, input.service_type, date, seq as u32);
    let archive_no = archive_number(&mut tx, &input.customer_id, input.service_type, date, &info.offset()).await?;

    let ro_id = new_id();
    let repeat_of = crate::workflow::settings::repeat_repair_of(&mut tx, &input.vehicle_id, now).await?;
    sqlx::query(
        "INSERT INTO repair_orders (id, station_id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id,
                                    checked_in_at, odometer_in_km, fuel_eighths, battery_percent, personal_items, promised_at, version, created_at, updated_at, repeat_of_ro_id)
         VALUES (?, ?, ?, ?, ?, 'checked_in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
    )
    .bind(&ro_id)
    .bind(&info.id)
    .bind(number.to_string())
    .bind(&archive_no)
    .bind(input.service_type.as_str())
    .bind(input.priority.as_str())
    .bind(&input.customer_id)
    .bind(&input.vehicle_id)
    .bind(&me.id)
    .bind(ts(now))
    .bind(i64::from(odometer.km()))
    .bind(fuel_eighths)
    .bind(battery_percent)
    .bind(input.personal_items.trim())
    .bind(promised_at.map(ts))
    .bind(ts(now))
    .bind(ts(now))
    .bind(&repeat_of)
    .execute(&mut *tx)
    .await?;
    crate::workflow::events::checked_in(&mut tx, &info.id, &me.id, &ro_id, now).await?;
    crate::aftersales::clocks::refresh_order(&mut tx, &info.id, &ro_id, now).await?;
    for (i, c) in concerns.iter().enumerate() {
        sqlx::query("INSERT INTO ro_concerns (id, station_id, ro_id, position, text, fault_codes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(&info.id)
            .bind(&ro_id)
            .bind(i as i64)
            .bind(&c.text)
            .bind(serde_json::to_string(&c.fault_codes).unwrap_or_else(|_| "[]".into()))
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
    }
    for m in &input.damage_marks {
        sqlx::query("INSERT INTO ro_damage_marks (id, station_id, ro_id, x, y, kind, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(&info.id)
            .bind(&ro_id)
            .bind(m.x)
            .bind(m.y)
            .bind(m.kind.as_str())
            .bind(m.note.trim())
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
    }
    for p in &input.photos {
        sqlx::query("INSERT INTO ro_photos (id, station_id, ro_id, sha256, caption, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(&info.id)
            .bind(&ro_id)
            .bind(&p.sha256)
            .bind(p.caption.trim())
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
    }
    let vehicle_before = crate::vehicles::load_vehicle(&mut tx, &input.vehicle_id).await?;
    if stored_energy != Some(energy) {
        sqlx::query("UPDATE vehicles SET energy = ?, updated_at = ? WHERE id = ?")
            .bind(energy.as_str())
            .bind(ts(now))
            .bind(&input.vehicle_id)
            .execute(&mut *tx)
            .await?;
    }
    record_odometer(&mut tx, &info.id, &input.vehicle_id, &ro_id, odometer, confirmer.as_deref(), now).await?;
    crate::vehicles::finish_write(&mut tx, &info.id, &input.vehicle_id, Some(&vehicle_before), now).await?;
    let mut order = load_order(&mut tx, &ro_id).await?;
    outbox::append(&mut tx, &info.id, "repair_order", &ro_id, outbox::Op::Upsert, &order, now).await?;
    crate::repair_orders::show_customer(&mut tx, &mut order, &me).await?;
    tx.commit().await?;
    // Flagged for the advisor, from the last pulled recall campaigns; not stored with the order.
    if let Some(vin) = order.vehicle.vin.clone() {
        let mut conn = station.pool().acquire().await?;
        order.recalls = crate::sync::alerts::recalls_for_vin(&mut conn, &vin).await?;
    }
    tracing::info!(number = %order.number, advisor = %me.name, "checked in");
    Ok(order)
}

/// The manuals' archive number: customer no. + service type + date + that customer's sequence for the day.
async fn archive_number(
    conn: &mut SqliteConnection,
    customer_id: &str,
    ty: ServiceType,
    date: chrono::NaiveDate,
    offset: &chrono::FixedOffset,
) -> Result<String> {
    let customer_no: String = sqlx::query_scalar("SELECT customer_no FROM customers WHERE id = ?").bind(customer_id).fetch_one(&mut *conn).await?;
    let start = date.and_hms_opt(0, 0, 0).and_then(|d| d.and_local_timezone(*offset).single()).map(|d| d.with_timezone(&Utc));
    let Some(start) = start else {
        return Err(ApiError::internal("cannot compute the station's day"));
    };
    let end = start + chrono::Duration::days(1);
    let today: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repair_orders WHERE customer_id = ? AND checked_in_at >= ? AND checked_in_at < ?")
        .bind(customer_id)
        .bind(ts(start))
        .bind(ts(end))
        .fetch_one(&mut *conn)
        .await?;
    Ok(format!("{customer_no}-{}-{}-{:02}", ty.letter(), date.format("%Y%m%d"), today + 1))
}

async fn record_odometer(
    conn: &mut SqliteConnection,
    station_id: &str,
    vehicle_id: &str,
    ro_id: &str,
    km: Odometer,
    confirmed_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = new_id();
    sqlx::query("INSERT INTO odometer_readings (id, station_id, vehicle_id, ro_id, km, confirmed_by, recorded_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(station_id)
        .bind(vehicle_id)
        .bind(ro_id)
        .bind(i64::from(km.km()))
        .bind(confirmed_by)
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE vehicles SET last_odometer_km = ?, updated_at = ? WHERE id = ?")
        .bind(i64::from(km.km()))
        .bind(ts(now))
        .bind(vehicle_id)
        .execute(&mut *conn)
        .await?;
    let payload =
        serde_json::json!({ "id": id, "vehicle_id": vehicle_id, "ro_id": ro_id, "km": km.km(), "confirmed_by": confirmed_by, "recorded_at": ts(now) });
    outbox::append(conn, station_id, "odometer_reading", &id, outbox::Op::Upsert, &payload, now).await
}

/// Sets the vehicle's last odometer to its newest reading that did not come
/// from a cancelled order (a reading typed into an order that was then
/// cancelled is often the one that was wrong), and queues the vehicle for sync
/// when that changes it. Called when an order is cancelled.
pub(crate) async fn refresh_last_odometer(conn: &mut SqliteConnection, station_id: &str, vehicle_id: &str, now: DateTime<Utc>) -> Result<()> {
    let km: Option<i64> = sqlx::query_scalar(
        "SELECT o.km FROM odometer_readings o LEFT JOIN repair_orders r ON r.id = o.ro_id
         WHERE o.vehicle_id = ? AND (r.id IS NULL OR r.status <> 'cancelled')
         ORDER BY o.recorded_at DESC, o.rowid DESC LIMIT 1",
    )
    .bind(vehicle_id)
    .fetch_optional(&mut *conn)
    .await?;
    let before = crate::vehicles::load_vehicle(conn, vehicle_id).await?;
    if before.last_odometer_km == km {
        return Ok(());
    }
    sqlx::query("UPDATE vehicles SET last_odometer_km = ?, updated_at = ? WHERE id = ?").bind(km).bind(ts(now)).bind(vehicle_id).execute(&mut *conn).await?;
    crate::vehicles::finish_write(conn, station_id, vehicle_id, Some(&before), now).await?;
    Ok(())
}
