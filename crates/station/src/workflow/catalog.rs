//! The labor-operation catalog: code, description, standard hours and hourly
//! rate. Labor lines taken from it get their description, hours and price
//! from here. Each operation is keyed by its code because the head office
//! pushes its catalog down (sync): an operation it defines is applied here by
//! the pull ([`apply_head_office_operation`]) and is read-only at the station;
//! the station adds and edits its own codes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use sqlx::SqliteConnection;

use super::{audit, field, Ctx};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::Result;
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

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
    /// Defined by the head office's catalog: it sets the values, the station cannot edit them.
    pub from_head_office: bool,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

// The pull stores head-office codes upper-cased, as the station does, so they compare by the index.
macro_rules! select_operations {
    () => {
        "SELECT o.id, o.code, o.description, o.standard_hours_milli, o.rate_minor AS rate, o.active,
                EXISTS (SELECT 1 FROM ho_labor_catalog h WHERE h.code = o.code AND h.deleted = 0) AS from_head_office, o.updated_at
         FROM labor_operations o "
    };
}

/// An operation in the catalog list, with what its standard hours cost.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CatalogEntry {
    #[serde(flatten)]
    #[ts(flatten)]
    pub operation: LaborOperation,
    /// Standard hours × rate, by the money rule's step 1 (`lines::line_amount`): what a line from it comes to.
    pub standard_amount: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LaborCatalog {
    pub operations: Vec<CatalogEntry>,
}

pub async fn list_labor_operations(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<LaborCatalog> {
    caller.require(Permission::Read)?;
    let operations = sqlx::query_as::<_, LaborOperation>(concat!(select_operations!(), "ORDER BY o.code")).fetch_all(station.pool()).await?;
    let operations = operations
        .into_iter()
        .map(|operation| {
            let standard_amount = super::lines::line_amount(operation.standard_hours_milli, operation.rate)
                .ok_or_else(|| crate::error::ApiError::internal(format!("labor operation {} costs more than can be counted", operation.code)))?;
            Ok(CatalogEntry { operation, standard_amount })
        })
        .collect::<Result<Vec<_>>>()?;
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
    if input.rate > Money::MAX_LINE {
        return Err(super::lines::amount_too_large("rate", "labor.rate_too_large", Money::MAX_LINE));
    }
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now: station.now() };
    let now = ts(ctx.now);
    let mut tx = db::write_tx(station.pool()).await?;
    let select = concat!(select_operations!(), "WHERE o.code = ?");
    let before = sqlx::query_as::<_, LaborOperation>(select).bind(&code).fetch_optional(&mut *tx).await?;
    if before.as_ref().is_some_and(|b| b.from_head_office) || head_office_defines(&mut tx, &code).await? {
        return Err(field(
            "code",
            "labor.from_head_office",
            format!("labor operation {code} comes from the head office's catalog, which sets its description, hours and rate; use another code for a station operation"),
        ));
    }
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

async fn head_office_defines(conn: &mut SqliteConnection, code: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ho_labor_catalog WHERE code = ? AND deleted = 0)").bind(code).fetch_one(conn).await?)
}

/// One operation of the head office's labor catalog, from a pull (in its
/// transaction): added or updated at the station, or deactivated when the head
/// office deletes it. Only a real change writes, with its outbox row, so the
/// head office's copy of this station's catalog (and a restore) match.
/// Values the station's schema cannot hold are skipped and logged.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_head_office_operation(
    conn: &mut SqliteConnection,
    station_id: &str,
    code: &str,
    description: &str,
    standard_hours_milli: i64,
    rate_minor: i64,
    deleted: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let code = code.trim().to_uppercase();
    let stamp = ts(now);
    let changed = if deleted {
        sqlx::query("UPDATE labor_operations SET active = 0, updated_at = ? WHERE code = ? AND active = 1")
            .bind(&stamp)
            .bind(&code)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    } else {
        if code.is_empty() || description.trim().is_empty() || standard_hours_milli <= 0 || rate_minor < 0 {
            tracing::warn!(%code, standard_hours_milli, rate_minor, "skipping a head-office labor operation the station cannot hold");
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO labor_operations (id, station_id, code, description, standard_hours_milli, rate_minor, active, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
             ON CONFLICT (code) DO UPDATE SET description = excluded.description, standard_hours_milli = excluded.standard_hours_milli,
                                              rate_minor = excluded.rate_minor, active = 1, updated_at = excluded.updated_at
             WHERE labor_operations.description IS NOT excluded.description OR labor_operations.standard_hours_milli IS NOT excluded.standard_hours_milli
                OR labor_operations.rate_minor IS NOT excluded.rate_minor OR labor_operations.active = 0",
        )
        .bind(new_id())
        .bind(station_id)
        .bind(&code)
        .bind(description.trim())
        .bind(standard_hours_milli)
        .bind(rate_minor)
        .bind(&stamp)
        .bind(&stamp)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    };
    if changed > 0 {
        let op = sqlx::query_as::<_, LaborOperation>(concat!(select_operations!(), "WHERE o.code = ?")).bind(&code).fetch_one(&mut *conn).await?;
        outbox::append(&mut *conn, station_id, "labor_operation", &op.id, outbox::Op::Upsert, &op, now).await?;
    }
    Ok(())
}
