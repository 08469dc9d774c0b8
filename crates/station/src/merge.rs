//! A manager folds a duplicate customer (the loser) into another (the
//! survivor): the loser's vehicles, repair orders, complaints, follow-ups and
//! service requests move over, the survivor gains the loser's phones it lacks,
//! and the loser stays as a tombstone (`merged_into`) that search no longer
//! finds and whose page points at the survivor.
//!
//! One SQLite transaction writes every moved record's new state to the outbox,
//! the loser's tombstone, and an audit entry (entity `customer`, action
//! `merge`) that says what moved. The head office reads that entry to give
//! every station that knew the loser the survivor too (docs/sync.md, "Merged
//! customers"). Surveys are append-only and keep their customer; the customer
//! page finds them through the orders, which moved.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::customers::{get_customer, load_customer, CustomerDetail};
use crate::domain::{MaskedPhone, Phone};
use crate::error::{ApiError, Invalid, Result};
use crate::ops::IdInput;
use crate::privacy::contact::mask_phones;
use crate::repair_orders::load_order;
use crate::search::{customer_summary, CustomerSummary, VehicleSummary};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};
use crate::workflow::{audit, Ctx};

/// A customer keeps at most this many phones (as `customers::validate` allows).
const MAX_PHONES: usize = 5;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct MergeCustomers {
    /// The customer that stays.
    pub survivor_id: String,
    /// The duplicate, folded into the survivor and tombstoned.
    pub loser_id: String,
}

/// What a merge will move, shown before the manager confirms.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MergePreview {
    pub survivor: CustomerSummary,
    pub loser: CustomerSummary,
    pub vehicles: Vec<VehicleSummary>,
    /// The moving orders' numbers, newest first.
    pub orders: Vec<String>,
    #[ts(type = "number")]
    pub complaints: i64,
    #[ts(type = "number")]
    pub follow_ups: i64,
    #[ts(type = "number")]
    pub service_requests: i64,
    /// The loser's phones the survivor does not have yet, which it gains (masked).
    pub phones_added: Vec<MaskedPhone>,
}

/// What the audit entry of a merge records; the head office reads it.
#[derive(Debug, Clone, Serialize)]
struct MergeRecord<'a> {
    survivor_id: &'a str,
    loser_id: &'a str,
    vehicles: Vec<String>,
    orders: Vec<String>,
    complaints: Vec<String>,
    follow_ups: Vec<String>,
    service_requests: Vec<String>,
    phones_added: &'a [String],
}

/// The loser's phones the survivor lacks, whole, as many as the survivor has room for.
async fn phones_to_add(conn: &mut SqliteConnection, survivor_id: &str, loser_id: &str) -> Result<Vec<String>> {
    const PHONES: &str = "SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position";
    let survivor: Vec<String> = sqlx::query_scalar(PHONES).bind(survivor_id).fetch_all(&mut *conn).await?;
    let loser: Vec<String> = sqlx::query_scalar(PHONES).bind(loser_id).fetch_all(&mut *conn).await?;
    let room = MAX_PHONES.saturating_sub(survivor.len());
    Ok(loser.into_iter().filter(|p| !survivor.contains(p)).take(room).collect())
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::field(field, Invalid::new(code, message))
}

async fn ids(conn: &mut SqliteConnection, sql: &'static str, customer_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(sql).bind(customer_id).fetch_all(conn).await?)
}

const VEHICLES: &str = "SELECT id FROM vehicles WHERE customer_id = ? ORDER BY created_at";
const ORDERS: &str = "SELECT id FROM repair_orders WHERE customer_id = ? ORDER BY checked_in_at DESC";
const COMPLAINTS: &str = "SELECT id FROM complaints WHERE customer_id = ? ORDER BY received_at";
const FOLLOW_UPS: &str = "SELECT id FROM follow_ups WHERE customer_id = ? ORDER BY created_at";
const REQUESTS: &str = "SELECT id FROM service_requests WHERE customer_id = ? ORDER BY received_at";

/// Checks the pair and reads what would move.
async fn preview(conn: &mut SqliteConnection, input: &MergeCustomers) -> Result<MergePreview> {
    if input.survivor_id == input.loser_id {
        return Err(invalid("loser_id", "merge.same_customer", "choose another customer: a customer cannot be merged into itself"));
    }
    for (field, id) in [("survivor_id", &input.survivor_id), ("loser_id", &input.loser_id)] {
        let merged: Option<Option<String>> = sqlx::query_scalar("SELECT merged_into FROM customers WHERE id = ?").bind(id).fetch_optional(&mut *conn).await?;
        match merged {
            None => return Err(ApiError::not_found("customer").with_field(field)),
            Some(Some(_)) => return Err(invalid(field, "merge.already_merged", "this customer was already merged into another")),
            Some(None) => {}
        }
    }
    let survivor = customer_summary(conn, &input.survivor_id).await?.ok_or_else(|| ApiError::not_found("customer").with_field("survivor_id"))?;
    let loser = customer_summary(conn, &input.loser_id).await?.ok_or_else(|| ApiError::not_found("customer").with_field("loser_id"))?;
    let vehicles =
        sqlx::query_as::<_, VehicleSummary>("SELECT id, plate, vin, make, model, model_year FROM vehicles WHERE customer_id = ? ORDER BY created_at")
            .bind(&input.loser_id)
            .fetch_all(&mut *conn)
            .await?;
    let orders: Vec<String> = sqlx::query_scalar("SELECT number FROM repair_orders WHERE customer_id = ? ORDER BY checked_in_at DESC")
        .bind(&input.loser_id)
        .fetch_all(&mut *conn)
        .await?;
    let complaints = ids(conn, COMPLAINTS, &input.loser_id).await?.len() as i64;
    let follow_ups = ids(conn, FOLLOW_UPS, &input.loser_id).await?.len() as i64;
    let service_requests = ids(conn, REQUESTS, &input.loser_id).await?.len() as i64;
    let phones_added = mask_phones(&phones_to_add(conn, &input.survivor_id, &input.loser_id).await?);
    Ok(MergePreview { survivor, loser, vehicles, orders, complaints, follow_ups, service_requests, phones_added })
}

pub async fn merge_preview(station: &Station, caller: &Caller, input: MergeCustomers) -> Result<MergePreview> {
    caller.require(Permission::MergeCustomers)?;
    let mut conn = station.pool().acquire().await?;
    preview(&mut conn, &input).await
}

/// Merges the loser into the survivor in one transaction; returns the survivor's page.
pub async fn merge_customers(station: &Station, caller: &Caller, input: MergeCustomers) -> Result<CustomerDetail> {
    let me = caller.require(Permission::MergeCustomers)?.clone();
    let now = station.now();
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    let (survivor_id, loser_id) = (input.survivor_id.as_str(), input.loser_id.as_str());
    let mut tx = db::write_tx(station.pool()).await?;
    let plan = preview(&mut tx, &input).await?;
    let survivor_before = load_customer(&mut tx, survivor_id).await?;
    let loser_before = load_customer(&mut tx, loser_id).await?;

    let vehicles = ids(&mut tx, VEHICLES, loser_id).await?;
    for id in &vehicles {
        let before = crate::vehicles::load_vehicle(&mut tx, id).await?;
        sqlx::query("UPDATE vehicles SET customer_id = ?, updated_at = ? WHERE id = ?").bind(survivor_id).bind(ts(now)).bind(id).execute(&mut *tx).await?;
        crate::vehicles::finish_write(&mut tx, &ctx.station_id, id, Some(&before), now).await?;
    }
    let orders = ids(&mut tx, ORDERS, loser_id).await?;
    for id in &orders {
        // A new version: a page open on the order with the old customer is stale now.
        sqlx::query("UPDATE repair_orders SET customer_id = ?, version = version + 1, updated_at = ? WHERE id = ?")
            .bind(survivor_id)
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let order = load_order(&mut tx, id).await?;
        outbox::append(&mut tx, &ctx.station_id, "repair_order", id, outbox::Op::Upsert, &order, now).await?;
    }
    let complaints = ids(&mut tx, COMPLAINTS, loser_id).await?;
    for id in &complaints {
        sqlx::query("UPDATE complaints SET customer_id = ?, updated_at = ? WHERE id = ?").bind(survivor_id).bind(ts(now)).bind(id).execute(&mut *tx).await?;
        crate::aftersales::complaints::send(&mut tx, &ctx.station_id, id, now).await?;
    }
    let follow_ups = ids(&mut tx, FOLLOW_UPS, loser_id).await?;
    for id in &follow_ups {
        sqlx::query("UPDATE follow_ups SET customer_id = ?, updated_at = ? WHERE id = ?").bind(survivor_id).bind(ts(now)).bind(id).execute(&mut *tx).await?;
        crate::aftersales::follow_ups::send(&mut tx, &ctx.station_id, id, now).await?;
    }
    let service_requests = ids(&mut tx, REQUESTS, loser_id).await?;
    for id in &service_requests {
        sqlx::query("UPDATE service_requests SET customer_id = ?, updated_at = ? WHERE id = ?")
            .bind(survivor_id)
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::aftersales::service_requests::send(&mut tx, &ctx.station_id, id, now).await?;
    }

    let phones_added = phones_to_add(&mut tx, survivor_id, loser_id).await?;
    let mut position = survivor_before.phones.len() as i64;
    for phone in &phones_added {
        let phone = Phone::parse(phone).map_err(|e| ApiError::internal(format!("a stored phone does not parse: {e}")))?;
        sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(&ctx.station_id)
            .bind(survivor_id)
            .bind(position)
            .bind(phone.as_str())
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        position += 1;
    }
    sqlx::query("UPDATE customers SET updated_at = ? WHERE id = ?").bind(ts(now)).bind(survivor_id).execute(&mut *tx).await?;
    crate::customers::finish_write(&mut tx, &ctx.station_id, survivor_id, Some(&survivor_before), now).await?;
    sqlx::query("UPDATE customers SET merged_into = ?, merged_at = ?, updated_at = ? WHERE id = ?")
        .bind(survivor_id)
        .bind(ts(now))
        .bind(ts(now))
        .bind(loser_id)
        .execute(&mut *tx)
        .await?;
    crate::customers::finish_write(&mut tx, &ctx.station_id, loser_id, Some(&loser_before), now).await?;

    let record = MergeRecord { survivor_id, loser_id, vehicles, orders, complaints, follow_ups, service_requests, phones_added: &phones_added };
    audit::record(&mut tx, &ctx, None, "customer", loser_id, "merge", Some(&loser_before), Some(&record)).await?;
    tx.commit().await?;
    tracing::info!(survivor = %plan.survivor.customer_no, loser = %plan.loser.customer_no, by = %me.name, "merged customers");
    get_customer(station, caller, IdInput { id: input.survivor_id.clone() }).await
}
