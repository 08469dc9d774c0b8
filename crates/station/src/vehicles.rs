//! Vehicles: VIN and plate parsed and checked, make and year decoded from the
//! VIN, and every plate the vehicle has carried kept in its history.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::domain::{decode, Plate, Vin, VinInfo};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, TS)]
pub struct Vehicle {
    pub id: String,
    pub customer_id: String,
    pub vin: Option<String>,
    pub plate: Option<String>,
    pub make: String,
    pub model: String,
    pub model_year: Option<i32>,
    pub color: String,
    #[ts(type = "number | null")]
    pub last_odometer_km: Option<i64>,
    pub plate_history: Vec<PlateEntry>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct PlateEntry {
    pub plate: String,
    #[ts(type = "string")]
    pub valid_from: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub valid_to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct VehicleFields {
    #[serde(default)]
    pub vin: String,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub make: String,
    #[serde(default)]
    pub model: String,
    #[ts(optional)]
    pub model_year: Option<i32>,
    #[serde(default)]
    pub color: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewVehicle {
    pub customer_id: String,
    pub fields: VehicleFields,
    /// Warning codes the user has confirmed, e.g. `vin.check_digit`.
    #[serde(default)]
    pub confirm: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct UpdateVehicle {
    pub id: String,
    pub fields: VehicleFields,
    #[serde(default)]
    pub confirm: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct VinInput {
    pub vin: String,
}

struct Valid {
    vin: Option<Vin>,
    plate: Option<Plate>,
    make: String,
    model: String,
    model_year: Option<i32>,
    color: String,
}

fn text(value: &str, field: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ApiError::field(field, Invalid::new("text.too_long", format!("at most {max} characters")).with("max", max)));
    }
    Ok(v.to_string())
}

fn validate(f: &VehicleFields, confirm: &[String], now: DateTime<Utc>) -> Result<Valid> {
    let confirmed = |code: &str| confirm.iter().any(|c| c == code);
    let vin = if f.vin.trim().is_empty() { None } else { Some(Vin::parse(&f.vin).map_err(|e| ApiError::field("vin", e))?) };
    if let Some(vin) = &vin {
        if !vin.check_digit_ok() && !confirmed("vin.check_digit") {
            return Err(ApiError::confirm(
                "vin",
                "vin.check_digit",
                format!(
                    "the check digit (9th character) should be {} for this VIN; European VINs often don't use one. Check the VIN, or confirm it is right",
                    vin.expected_check_digit()
                ),
            )
            .with("expected", vin.expected_check_digit())
            .with("found", vin.as_str().chars().nth(8).unwrap_or(' ')));
        }
    }
    let plate = if f.plate.trim().is_empty() { None } else { Some(Plate::parse(&f.plate).map_err(|e| ApiError::field("plate", e))?) };
    if let Some(plate) = &plate {
        if !plate.looks_known() && !confirmed("plate.unknown_format") {
            return Err(ApiError::confirm("plate", "plate.unknown_format", format!("{plate} does not look like a Chinese plate; confirm it is right")).with("plate", plate));
        }
    }
    if vin.is_none() && plate.is_none() {
        return Err(ApiError::field("plate", Invalid::new("vehicle.plate_or_vin", "enter the plate or the VIN (or both)")));
    }
    if let Some(y) = f.model_year {
        if !(1900..=now.year() + 2).contains(&y) {
            return Err(ApiError::field("model_year", Invalid::new("vehicle.model_year", format!("a model year between 1900 and {}", now.year() + 2))));
        }
    }
    let decoded = vin.as_ref().map(|v| decode(v, now.year()));
    let mut make = text(&f.make, "make", 60)?;
    if make.is_empty() {
        make = decoded.as_ref().and_then(|d| d.manufacturer_zh.clone().or(d.manufacturer_en.clone())).unwrap_or_default();
    }
    let model_year = f.model_year.or_else(|| decoded.as_ref().and_then(|d| d.model_year).map(i32::from));
    Ok(Valid { vin, plate, make, model: text(&f.model, "model", 60)?, model_year, color: text(&f.color, "color", 30)? })
}

async fn check_vin_unique(conn: &mut SqliteConnection, vin: &Option<Vin>, except_id: &str) -> Result<()> {
    if let Some(vin) = vin {
        let other: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT c.name, v.plate FROM vehicles v JOIN customers c ON c.id = v.customer_id WHERE v.vin = ? AND v.id <> ?")
                .bind(vin.as_str())
                .bind(except_id)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((owner, plate)) = other {
            let plate = plate.unwrap_or_default();
            return Err(ApiError::conflict("vin.duplicate", format!("this VIN is already registered to {owner} ({plate})"))
                .with_field("vin")
                .with("owner", owner)
                .with("plate", plate));
        }
    }
    Ok(())
}

pub async fn create_vehicle(station: &Station, caller: &Caller, input: NewVehicle) -> Result<Vehicle> {
    let me = caller.require(Permission::EditArchive)?;
    let now = station.now();
    let v = validate(&input.fields, &input.confirm, now)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let owner_exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)").bind(&input.customer_id).fetch_one(&mut *tx).await?;
    if !owner_exists {
        return Err(ApiError::not_found("customer").with_field("customer_id"));
    }
    check_vin_unique(&mut tx, &v.vin, "").await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO vehicles (id, station_id, customer_id, vin, plate, make, model, model_year, color, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(&input.customer_id)
    .bind(v.vin.as_ref().map(Vin::as_str))
    .bind(v.plate.as_ref().map(Plate::as_str))
    .bind(&v.make)
    .bind(&v.model)
    .bind(v.model_year)
    .bind(&v.color)
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    if let Some(plate) = &v.plate {
        open_plate(&mut tx, &me.station_id, &id, plate, now).await?;
    }
    let vehicle = finish_write(&mut tx, &me.station_id, &id, now).await?;
    tx.commit().await?;
    Ok(vehicle)
}

pub async fn update_vehicle(station: &Station, caller: &Caller, input: UpdateVehicle) -> Result<Vehicle> {
    let me = caller.require(Permission::EditArchive)?;
    let now = station.now();
    let v = validate(&input.fields, &input.confirm, now)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let current: Option<Option<String>> = sqlx::query_scalar("SELECT plate FROM vehicles WHERE id = ?").bind(&input.id).fetch_optional(&mut *tx).await?;
    let Some(current_plate) = current else {
        return Err(ApiError::not_found("vehicle"));
    };
    check_vin_unique(&mut tx, &v.vin, &input.id).await?;
    sqlx::query("UPDATE vehicles SET vin = ?, plate = ?, make = ?, model = ?, model_year = ?, color = ?, updated_at = ? WHERE id = ?")
        .bind(v.vin.as_ref().map(Vin::as_str))
        .bind(v.plate.as_ref().map(Plate::as_str))
        .bind(&v.make)
        .bind(&v.model)
        .bind(v.model_year)
        .bind(&v.color)
        .bind(ts(now))
        .bind(&input.id)
        .execute(&mut *tx)
        .await?;
    let new_plate = v.plate.as_ref().map(|p| p.as_str().to_string());
    if current_plate != new_plate {
        // A re-plated vehicle keeps its old plate on record; searches for it still find the car.
        sqlx::query("UPDATE vehicle_plates SET valid_to = ?, updated_at = ? WHERE vehicle_id = ? AND valid_to IS NULL")
            .bind(ts(now))
            .bind(ts(now))
            .bind(&input.id)
            .execute(&mut *tx)
            .await?;
        if let Some(plate) = &v.plate {
            open_plate(&mut tx, &me.station_id, &input.id, plate, now).await?;
        }
    }
    let vehicle = finish_write(&mut tx, &me.station_id, &input.id, now).await?;
    tx.commit().await?;
    Ok(vehicle)
}

async fn open_plate(conn: &mut SqliteConnection, station_id: &str, vehicle_id: &str, plate: &Plate, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("INSERT INTO vehicle_plates (id, station_id, vehicle_id, plate, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(new_id())
        .bind(station_id)
        .bind(vehicle_id)
        .bind(plate.as_str())
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(now))
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn finish_write(conn: &mut SqliteConnection, station_id: &str, id: &str, now: DateTime<Utc>) -> Result<Vehicle> {
    crate::search::index_vehicle(conn, id).await?;
    let vehicle = load_vehicle(conn, id).await?;
    outbox::append(conn, station_id, "vehicle", id, outbox::Op::Upsert, &vehicle, now).await?;
    Ok(vehicle)
}

#[derive(sqlx::FromRow)]
struct VehicleRow {
    id: String,
    customer_id: String,
    vin: Option<String>,
    plate: Option<String>,
    make: String,
    model: String,
    model_year: Option<i32>,
    color: String,
    last_odometer_km: Option<i64>,
    updated_at: DateTime<Utc>,
}

async fn with_history(conn: &mut SqliteConnection, row: VehicleRow) -> Result<Vehicle> {
    let plate_history = sqlx::query_as::<_, PlateEntry>("SELECT plate, valid_from, valid_to FROM vehicle_plates WHERE vehicle_id = ? ORDER BY valid_from DESC")
        .bind(&row.id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Vehicle {
        id: row.id,
        customer_id: row.customer_id,
        vin: row.vin,
        plate: row.plate,
        make: row.make,
        model: row.model,
        model_year: row.model_year,
        color: row.color,
        last_odometer_km: row.last_odometer_km,
        plate_history,
        updated_at: row.updated_at,
    })
}

pub async fn load_vehicle(conn: &mut SqliteConnection, id: &str) -> Result<Vehicle> {
    let row = sqlx::query_as::<_, VehicleRow>(
        "SELECT id, customer_id, vin, plate, make, model, model_year, color, last_odometer_km, updated_at FROM vehicles WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("vehicle"))?;
    with_history(conn, row).await
}

pub async fn vehicles_of_customer(conn: &mut SqliteConnection, customer_id: &str, _now: DateTime<Utc>) -> Result<Vec<Vehicle>> {
    let rows = sqlx::query_as::<_, VehicleRow>(
        "SELECT id, customer_id, vin, plate, make, model, model_year, color, last_odometer_km, updated_at FROM vehicles WHERE customer_id = ? ORDER BY updated_at DESC",
    )
        .bind(customer_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_history(conn, row).await?);
    }
    Ok(out)
}

/// Decodes a VIN as it is typed or scanned, so the form can fill the make and year.
pub async fn decode_vin(station: &Station, caller: &Caller, input: VinInput) -> Result<VinInfo> {
    caller.require(Permission::Read)?;
    let vin = Vin::parse(&input.vin).map_err(|e| ApiError::field("vin", e))?;
    Ok(decode(&vin, station.now().year()))
}
