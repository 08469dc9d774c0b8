//! Vehicles: VIN and plate parsed and checked, make and year decoded from the
//! VIN, and every plate the vehicle has carried kept in its history.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::domain::{decode, guess_energy, Energy, EnergySource, Plate, Vin, VinInfo};
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
    /// What it runs on; `None` until someone says (check-in asks).
    pub energy: Option<Energy>,
    #[ts(type = "number | null")]
    pub last_odometer_km: Option<i64>,
    pub plate_history: Vec<PlateEntry>,
    /// Destroyed with its last owner past retention: VIN, plates and colour
    /// are gone, so screens word "data destroyed" in the reader's language
    /// instead of an identity (`retention::destroy`).
    pub destroyed: bool,
    #[ts(type = "string | null")]
    pub destroyed_at: Option<DateTime<Utc>>,
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
    /// Left out, it is guessed from the VIN, make and plate (`domain::energy`), or stays unknown.
    #[ts(optional)]
    pub energy: Option<Energy>,
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
    energy: Option<Energy>,
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
                // Position 9 is only where the mismatch shows: the typo may be anywhere, so the
                // message must not invite editing the 9th character.
                "some character of the VIN does not match: the 9th (the check digit) disagrees with the others, and the typo may be in any position. Check the VIN; European VINs often don't use a check digit: if it is right, confirm it",
            )
            .with("expected", vin.expected_check_digit())
            .with("found", vin.as_str().chars().nth(8).unwrap_or(' ')));
        }
    }
    let plate = if f.plate.trim().is_empty() { None } else { Some(Plate::parse(&f.plate).map_err(|e| ApiError::field("plate", e))?) };
    if let Some(plate) = &plate {
        if !plate.looks_known() && !confirmed("plate.unknown_format") {
            return Err(ApiError::confirm("plate", "plate.unknown_format", format!("{plate} does not look like a Chinese plate; confirm it is right"))
                .with("plate", plate));
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
    let energy = f.energy.or_else(|| guess_energy(vin.as_ref(), &make, plate.as_ref()).map(|g| g.0));
    Ok(Valid { vin, plate, make, model: text(&f.model, "model", 60)?, model_year, color: text(&f.color, "color", 30)?, energy })
}

pub async fn create_vehicle(station: &Station, caller: &Caller, input: NewVehicle) -> Result<Vehicle> {
    let me = caller.require(Permission::EditArchive)?;
    let now = station.now();
    let v = validate(&input.fields, &input.confirm, now)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let owner: Option<Option<String>> =
        sqlx::query_scalar("SELECT merged_into FROM customers WHERE id = ?").bind(&input.customer_id).fetch_optional(&mut *tx).await?;
    match owner {
        None => return Err(ApiError::not_found("customer").with_field("customer_id")),
        Some(Some(survivor)) => {
            return Err(ApiError::conflict("customer.merged", "this customer was merged into another; add the vehicle there")
                .with_field("customer_id")
                .with("customer_id", survivor))
        }
        Some(None) => {}
    }
    crate::duplicates::refuse_vehicle_duplicate(&mut tx, v.plate.as_ref(), v.vin.as_ref(), None, &input.confirm).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO vehicles (id, station_id, customer_id, vin, plate, make, model, model_year, color, energy, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(v.energy.map(Energy::as_str))
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    if let Some(plate) = &v.plate {
        open_plate(&mut tx, &me.station_id, &id, plate, now).await?;
    }
    let vehicle = finish_write(&mut tx, &me.station_id, &id, None, now).await?;
    tx.commit().await?;
    Ok(vehicle)
}

pub async fn update_vehicle(station: &Station, caller: &Caller, input: UpdateVehicle) -> Result<Vehicle> {
    let me = caller.require(Permission::EditArchive)?;
    let now = station.now();
    let v = validate(&input.fields, &input.confirm, now)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let before = load_vehicle(&mut tx, &input.id).await?;
    if before.destroyed {
        // Closed to edits at the head office too (`change.destroyed`): a returning car is registered anew.
        return Err(
            ApiError::conflict("vehicle.destroyed", "this vehicle's data was destroyed with its owner's past retention; register it anew").with_field("id")
        );
    }
    let current_plate = before.plate.clone();
    // Only a new plate is checked: a pair already confirmed does not warn on every edit.
    let new_plate = v.plate.as_ref().filter(|p| current_plate.as_deref() != Some(p.as_str()));
    crate::duplicates::refuse_vehicle_duplicate(&mut tx, new_plate, v.vin.as_ref(), Some(&input.id), &input.confirm).await?;
    sqlx::query("UPDATE vehicles SET vin = ?, plate = ?, make = ?, model = ?, model_year = ?, color = ?, energy = ?, updated_at = ? WHERE id = ?")
        .bind(v.vin.as_ref().map(Vin::as_str))
        .bind(v.plate.as_ref().map(Plate::as_str))
        .bind(&v.make)
        .bind(&v.model)
        .bind(v.model_year)
        .bind(&v.color)
        .bind(v.energy.map(Energy::as_str))
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
    let vehicle = finish_write(&mut tx, &me.station_id, &input.id, Some(&before), now).await?;
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

/// Reindexes the vehicle for search and queues its new state for sync, with
/// the fields that changed since `before` (all of them for a new vehicle).
pub(crate) async fn finish_write(conn: &mut SqliteConnection, station_id: &str, id: &str, before: Option<&Vehicle>, now: DateTime<Utc>) -> Result<Vehicle> {
    crate::search::index_vehicle(conn, id).await?;
    let vehicle = load_vehicle(conn, id).await?;
    let changed = outbox::changed_fields(before, &vehicle);
    outbox::append_shared(conn, station_id, "vehicle", id, &vehicle, &changed, now).await?;
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
    energy: Option<String>,
    last_odometer_km: Option<i64>,
    destroyed_at: Option<DateTime<Utc>>,
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
        energy: row.energy.as_deref().and_then(Energy::parse),
        last_odometer_km: row.last_odometer_km,
        plate_history,
        destroyed: row.destroyed_at.is_some(),
        destroyed_at: row.destroyed_at,
        updated_at: row.updated_at,
    })
}

pub async fn load_vehicle(conn: &mut SqliteConnection, id: &str) -> Result<Vehicle> {
    let row = sqlx::query_as::<_, VehicleRow>(
        "SELECT id, customer_id, vin, plate, make, model, model_year, color, energy, last_odometer_km, destroyed_at, updated_at FROM vehicles WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("vehicle"))?;
    with_history(conn, row).await
}

pub async fn vehicles_of_customer(conn: &mut SqliteConnection, customer_id: &str, _now: DateTime<Utc>) -> Result<Vec<Vehicle>> {
    let rows = sqlx::query_as::<_, VehicleRow>(
        "SELECT id, customer_id, vin, plate, make, model, model_year, color, energy, last_odometer_km, destroyed_at, updated_at FROM vehicles WHERE customer_id = ? ORDER BY updated_at DESC",
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

#[derive(Debug, Clone, Deserialize, TS)]
pub struct EnergyGuessInput {
    #[serde(default)]
    pub vin: String,
    #[serde(default)]
    pub make: String,
    #[serde(default)]
    pub plate: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EnergyGuess {
    /// `None`: the core cannot tell; the form asks.
    pub energy: Option<Energy>,
    pub source: Option<EnergySource>,
}

/// What the vehicle form's fields say about the vehicle's energy, as they are typed.
/// A field that does not parse yet says nothing.
pub async fn guess_vehicle_energy(_station: &Station, caller: &Caller, input: EnergyGuessInput) -> Result<EnergyGuess> {
    caller.require(Permission::Read)?;
    let vin = Vin::parse(&input.vin).ok();
    let plate = Plate::parse(&input.plate).ok();
    let guess = guess_energy(vin.as_ref(), &input.make, plate.as_ref());
    Ok(EnergyGuess { energy: guess.map(|g| g.0), source: guess.map(|g| g.1) })
}

/// Writes a vehicle as merged from the head office's feed (`sync::pull`): the
/// row, its plate history and its search entry, but no outbox row. An owner
/// this station does not know, or a VIN another vehicle here already has,
/// keeps the local value (or, for a vehicle new here, skips it). Returns
/// whether anything changed.
pub(crate) async fn apply_pulled(
    conn: &mut SqliteConnection,
    station_id: &str,
    id: &str,
    f: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<bool> {
    use serde_json::Value;
    let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::trim);
    let opt = |k: &str| s(k).filter(|v| !v.is_empty()).map(str::to_string);
    let current = match sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM vehicles WHERE id = ?)").bind(id).fetch_one(&mut *conn).await? {
        true => Some(load_vehicle(conn, id).await?),
        false => None,
    };
    if current.as_ref().is_some_and(|c| c.destroyed) {
        // Destroyed here: an older state from the feed does not fill it in again.
        return Ok(false);
    }
    let destroyed_at = s("destroyed_at").and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    let mut customer_id = opt("customer_id").unwrap_or_default();
    let owner_known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)").bind(&customer_id).fetch_one(&mut *conn).await?;
    if !owner_known {
        match &current {
            Some(cur) => customer_id = cur.customer_id.clone(),
            None => {
                tracing::warn!(vehicle = id, "a pulled vehicle's owner is not known here; not stored");
                return Ok(false);
            }
        }
    }
    let mut vin = opt("vin");
    if let Some(v) = &vin {
        let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM vehicles WHERE vin = ? AND id <> ?)").bind(v).bind(id).fetch_one(&mut *conn).await?;
        if taken {
            tracing::warn!(vehicle = id, "a pulled vehicle's VIN belongs to another vehicle here; the local VIN is kept");
            vin = current.as_ref().and_then(|c| c.vin.clone());
        }
    }
    let plate = opt("plate");
    if vin.is_none() && plate.is_none() && destroyed_at.is_none() {
        return Err(crate::sync::pull::bad_record("vehicle", id, "neither VIN nor plate"));
    }
    let make = s("make").unwrap_or("").to_string();
    let model = s("model").unwrap_or("").to_string();
    let color = s("color").unwrap_or("").to_string();
    // A feed from a station before energy was recorded says nothing of it: keep what is known here.
    let energy = match f.get("energy") {
        Some(e) => e.as_str().and_then(Energy::parse),
        None => current.as_ref().and_then(|c| c.energy),
    };
    let model_year = f.get("model_year").and_then(Value::as_i64).map(|y| y as i32);
    let last_km = f.get("last_odometer_km").and_then(Value::as_i64);
    let history: Vec<PlateEntry> = f
        .get("plate_history")
        .cloned()
        .and_then(|h| serde_json::from_value::<Vec<PulledPlate>>(h).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(PulledPlate::entry)
        .collect();
    let updated_at = s("updated_at").filter(|t| DateTime::parse_from_rfc3339(t).is_ok()).map(str::to_string).unwrap_or_else(|| ts(now));
    let same_history = |cur: &Vehicle| {
        cur.plate_history.len() == history.len()
            && cur.plate_history.iter().zip(&history).all(|(a, b)| a.plate == b.plate && a.valid_from == b.valid_from && a.valid_to == b.valid_to)
    };
    if let Some(cur) = &current {
        let same = cur.customer_id == customer_id
            && cur.vin == vin
            && cur.plate == plate
            && cur.make == make
            && cur.model == model
            && cur.model_year == model_year
            && cur.color == color
            && cur.energy == energy
            && cur.last_odometer_km == last_km
            && destroyed_at.is_none()
            && same_history(cur);
        if same {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE vehicles SET customer_id = ?, vin = ?, plate = ?, make = ?, model = ?, model_year = ?, color = ?, energy = ?, last_odometer_km = ?,
                                 destroyed_at = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&customer_id)
        .bind(&vin)
        .bind(&plate)
        .bind(&make)
        .bind(&model)
        .bind(model_year)
        .bind(&color)
        .bind(energy.map(Energy::as_str))
        .bind(last_km)
        .bind(destroyed_at.map(ts))
        .bind(&updated_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO vehicles (id, station_id, customer_id, vin, plate, make, model, model_year, color, energy, last_odometer_km, destroyed_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(station_id)
        .bind(&customer_id)
        .bind(&vin)
        .bind(&plate)
        .bind(&make)
        .bind(&model)
        .bind(model_year)
        .bind(&color)
        .bind(energy.map(Energy::as_str))
        .bind(last_km)
        .bind(destroyed_at.map(ts))
        .bind(&updated_at)
        .bind(&updated_at)
        .execute(&mut *conn)
        .await?;
    }
    if !current.as_ref().is_some_and(same_history) {
        sqlx::query("DELETE FROM vehicle_plates WHERE vehicle_id = ?").bind(id).execute(&mut *conn).await?;
        for h in &history {
            sqlx::query(
                "INSERT INTO vehicle_plates (id, station_id, vehicle_id, plate, valid_from, valid_to, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(new_id())
            .bind(station_id)
            .bind(id)
            .bind(&h.plate)
            .bind(ts(h.valid_from))
            .bind(h.valid_to.map(ts))
            .bind(&updated_at)
            .bind(&updated_at)
            .execute(&mut *conn)
            .await?;
        }
    }
    crate::search::index_vehicle(conn, id).await?;
    Ok(true)
}

#[derive(Deserialize)]
struct PulledPlate {
    plate: String,
    valid_from: String,
    valid_to: Option<String>,
}

impl PulledPlate {
    fn entry(self) -> Option<PlateEntry> {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|d| d.with_timezone(&Utc));
        Some(PlateEntry { valid_from: at(&self.valid_from)?, valid_to: self.valid_to.as_deref().and_then(at), plate: self.plate })
    }
}
