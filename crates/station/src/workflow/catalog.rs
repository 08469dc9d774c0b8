//! The labor-operation catalog: code, description, standard hours and hourly
//! rate. Labor lines taken from it get their description, hours and price
//! from here. Editable at the station now; the head office pushes it later
//! (sync), which is why each operation is keyed by its code.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{audit, field, Ctx};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::Result;
use crate::station::{new_id, ts, Station};
use crate::store::db;

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct LaborOperation {
    pub id: String,
    pub code: String,
    pub description: String,
    /// Thousandths of an hour: 1500 = 1.5 h.
    #[ts(type = "number")]
    pub standard_hours_milli: i64,
    /// Per hour.
    #[sqlx(try_from = "i64")]
    pub rate: Money,
    pub active: bool,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LaborCatalog {
    pub operations: Vec<LaborOperation>,
}

pub async fn list_labor_operations(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<LaborCatalog> {
    caller.require(Permission::Read)?;
    let operations = sqlx::query_as::<_, LaborOperation>(
        "SELECT id, code, description, standard_hours_milli, rate_minor AS rate, active, updated_at FROM labor_operations ORDER BY code",
    )
    .fetch_all(station.pool())
    .await?;
    Ok(LaborCatalog { operations })
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SaveLaborOperation {
    pub code: String,
    pub description: String,
    #[ts(type = "number")]
    pub standard_hours_milli: i64,
    pub rate: Money,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Adds the operation, or updates the one with the same code.
pub async fn save_labor_operation(station: &Station, caller: &Caller, input: SaveLaborOperation) -> Result<LaborOperation> {
    let me = caller.require(Permission::EditPriceLists)?;
    let code = input.code.trim().to_uppercase();
    let description = input.description.trim().to_string();
    if code.is_empty() || code.chars().count() > 32 {
        return Err(field("code", "labor.code_required", "enter the operation code (at most 32 characters)"));
    }
    if description.is_empty() || description.chars().count() > 500 {
        return Err(field("description", "labor.description_required", "describe the operation (at most 500 characters)"));
    }
    if !(1..=1_000_000).contains(&input.standard_hours_milli) {
        return Err(field("standard_hours_milli", "labor.hours", "standard hours must be more than 0 and at most 1000"));
    }
    if input.rate.is_negative() {
        return Err(field("rate", "labor.rate_negative", "a rate cannot be negative"));
    }
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now: station.now() };
    let now = ts(ctx.now);
    let mut tx = db::write_tx(station.pool()).await?;
    let select = "SELECT id, code, description, standard_hours_milli, rate_minor AS rate, active, updated_at FROM labor_operations WHERE code = ?";
    let before = sqlx::query_as::<_, LaborOperation>(select).bind(&code).fetch_optional(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO labor_operations (id, station_id, code, description, standard_hours_milli, rate_minor, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (code) DO UPDATE SET description = excluded.description, standard_hours_milli = excluded.standard_hours_milli,
                                          rate_minor = excluded.rate_minor, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(new_id())
    .bind(&ctx.station_id)
    .bind(&code)
    .bind(&description)
    .bind(input.standard_hours_milli)
    .bind(input.rate.minor())
    .bind(input.active)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let after = sqlx::query_as::<_, LaborOperation>(select).bind(&code).fetch_one(&mut *tx).await?;
    audit::wrote(&mut tx, &ctx, None, "labor_operation", &after.id, if before.is_some() { "update" } else { "add" }, before.as_ref(), &after).await?;
    tx.commit().await?;
    Ok(after)
}
