//! Pull: the head office's change feed, page by page. Each page is applied and
//! its cursor stored in ONE SQLite transaction, so a station killed mid-pull
//! fetches that page again and nothing is applied twice or skipped.
//!
//! - master data (`global`) goes into the `ho_*` tables;
//! - shared customers and vehicles (`shared`) are merged per field by HLC with
//!   this station's edits the head office has not acknowledged yet, and the
//!   result written into `customers`/`vehicles` and the search index, without
//!   a new outbox row (it is not a local edit);
//! - this station's own rows (`station`) restore what the station lacks
//!   (`restore/`): a row is written when it is missing here or older than
//!   the head office's (by HLC), never over a newer local one, so a normal
//!   station's own echoes change nothing and a reinstalled one gets its
//!   customers' orders, jobs, lines, events, signed documents and the rest
//!   back. No outbox row either. What the head office wrote for this station
//!   alone (its notes on the station's complaints) comes the same way and is
//!   written by the same rules into `ho_complaint_notes`.
//! - an entry whose parent has not arrived yet (the feed is compacted: a
//!   record that changed later comes later) is parked and retried, parents
//!   first, on the page that reaches the end of the feed.
//!
//! Every HLC the page carries goes through the clock's `receive` first.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::SqliteConnection;
use sync_protocol::merge::SharedRecord;
use sync_protocol::{ChangesPage, FeedChange, Hlc, Op, Scope};

use super::client::{Client, SyncError};
use super::restore::{self, Local, Outcome};
use super::{clock, state};
use crate::error::{ApiError, Result};
use crate::station::{ts, Station};
use crate::store::db;

pub const PAGE_LIMIT: u32 = 1_000;
static PAGE: AtomicU32 = AtomicU32::new(PAGE_LIMIT);

/// Smaller pages (tests that stop a pull halfway).
pub fn set_page_limit(n: u32) {
    PAGE.store(n.clamp(1, sync_protocol::limits::MAX_PAGE_LIMIT), Ordering::Relaxed);
}

#[derive(Debug, Clone, Default)]
pub struct PullOutcome {
    pub pages: u32,
    pub master: u32,
    pub shared: u32,
    /// Own rows in the feed (`scope: station`), written or not.
    pub own: u32,
    /// Own rows written here (missing or older): a restore; and the head
    /// office's records for this station (its notes) received.
    pub restored: u32,
    /// Entries still waiting for a parent after the last page (`sync_parked`).
    pub parked: u32,
}

pub async fn pull_all(station: &Station, client: &Client) -> Result<PullOutcome, SyncError> {
    let mut out = PullOutcome::default();
    loop {
        let cursor = state::load(station.pool()).await?.cursor;
        let page = client.changes(cursor.as_deref(), PAGE.load(Ordering::Relaxed)).await?;
        apply_page(station, &page, &mut out).await?;
        state::set_clock_offset(station.pool(), page.server_time_ms, station.now()).await?;
        out.pages += 1;
        if !page.has_more {
            return Ok(out);
        }
    }
}

/// Applies one page and stores its cursor, in one transaction.
pub async fn apply_page(station: &Station, page: &ChangesPage, out: &mut PullOutcome) -> Result<()> {
    let info = station.require_info().await?;
    let local = Local { id: &info.id, code: &info.code };
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let mut seen: Vec<Hlc> = Vec::new();
    for c in &page.changes {
        seen.extend(c.field_hlcs.iter().flat_map(|m| m.values()).cloned());
        seen.extend(c.deleted_hlc.iter().cloned());
        seen.extend(c.hlc.iter().cloned());
    }
    clock::receive(&mut tx, &info.id, &seen, now).await?;
    let acked = state::acked_seq(&mut tx).await?;
    // Customers before vehicles, so a vehicle finds its owner; own rows parents first.
    let mut changes: Vec<&FeedChange> = page.changes.iter().collect();
    changes.sort_by_key(|c| rank(c));
    for c in changes {
        match c.scope {
            Scope::Global => {
                apply_master(&mut tx, &info.id, c, now).await?;
                out.master += 1;
            }
            Scope::Shared => {
                apply_shared(&mut tx, &local, c, acked, now).await?;
                out.shared += 1;
            }
            Scope::Station => {
                if restore::apply(&mut tx, &local, c, now).await? == Outcome::Written {
                    out.restored += 1;
                }
                out.own += 1;
            }
        }
    }
    if !page.has_more {
        out.restored += retry_parked(&mut tx, &local, acked, now).await?;
        out.parked = restore::parked_count(&mut tx).await? as u32;
        if out.parked > 0 {
            tracing::warn!(parked = out.parked, "own records from the head office still wait for rows they point at (sync_parked)");
        }
    }
    sqlx::query("UPDATE sync_state SET cursor = ?, last_pull_at = ? WHERE id = 1").bind(&page.next_cursor).bind(ts(now)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the records a head-office lookup granted (`lookup.rs`) as a page's
/// shared records are written, in one transaction, without moving the cursor:
/// they come again in the feed whenever they change.
pub async fn apply_adopted(station: &Station, records: &[FeedChange]) -> Result<()> {
    let info = station.require_info().await?;
    let local = Local { id: &info.id, code: &info.code };
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let seen: Vec<Hlc> = records.iter().flat_map(|c| c.field_hlcs.iter().flat_map(|m| m.values()).chain(c.deleted_hlc.iter())).cloned().collect();
    clock::receive(&mut tx, &info.id, &seen, now).await?;
    let acked = state::acked_seq(&mut tx).await?;
    let mut shared: Vec<&FeedChange> = records.iter().filter(|c| c.scope == Scope::Shared).collect();
    shared.sort_by_key(|c| rank(c));
    for c in shared {
        apply_shared(&mut tx, &local, c, acked, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Retries every parked entry, parents first, until a round writes nothing.
/// Returns the own rows written.
async fn retry_parked(conn: &mut SqliteConnection, local: &Local<'_>, acked: i64, now: DateTime<Utc>) -> Result<u32> {
    let mut restored = 0;
    loop {
        let parked = restore::parked(&mut *conn).await?;
        if parked.is_empty() {
            return Ok(restored);
        }
        let mut progress = 0;
        for c in &parked {
            let outcome = match c.scope {
                Scope::Station => restore::apply(&mut *conn, local, c, now).await?,
                Scope::Shared => apply_shared(&mut *conn, local, c, acked, now).await?,
                Scope::Global => {
                    restore::unpark(&mut *conn, c).await?;
                    Outcome::Skipped
                }
            };
            if outcome != Outcome::Parked {
                progress += 1;
            }
            if outcome == Outcome::Written && c.scope == Scope::Station {
                restored += 1;
            }
        }
        if progress == 0 {
            return Ok(restored);
        }
    }
}

fn rank(c: &FeedChange) -> (u8, u8) {
    match (c.scope, c.entity.as_str()) {
        (Scope::Shared, "customer") => (0, 0),
        (Scope::Shared, _) => (1, 0),
        (Scope::Global, _) => (2, 0),
        (Scope::Station, e) => (3, restore::rank(e)),
    }
}

fn text<'a>(p: &'a Map<String, Value>, key: &str) -> &'a str {
    p.get(key).and_then(Value::as_str).unwrap_or("")
}

fn int(p: &Map<String, Value>, key: &str) -> i64 {
    p.get(key).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))).unwrap_or(0)
}

/// Master data goes into the `ho_*` tables as pulled, and to work at once: the
/// labor catalog into the station's labor operations, catalog prices into the
/// station's parts (`workflow::catalog`, `workflow::inventory`).
async fn apply_master(conn: &mut SqliteConnection, station_id: &str, c: &FeedChange, now: DateTime<Utc>) -> Result<()> {
    let empty = Map::new();
    let p = c.payload.as_object().unwrap_or(&empty);
    let payload = c.payload.to_string();
    // A campaign the head office marks closed counts as gone, like a deleted one.
    let deleted = c.op == Op::Delete || (c.entity == "recall_campaign" && text(p, "status").eq_ignore_ascii_case("closed"));
    let id = c.entity_id.as_str();
    // The station keeps codes and part numbers in upper case.
    let key = id.trim().to_uppercase();
    match c.entity.as_str() {
        "labor_catalog" => {
            sqlx::query(
                "INSERT INTO ho_labor_catalog (code, description, standard_hours_milli, rate_minor, payload, deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (code) DO UPDATE SET description = excluded.description, standard_hours_milli = excluded.standard_hours_milli,
                   rate_minor = excluded.rate_minor, payload = excluded.payload, deleted = excluded.deleted, updated_at = excluded.updated_at",
            )
            .bind(&key)
            .bind(text(p, "description"))
            .bind(int(p, "standard_hours_milli"))
            .bind(int(p, "rate_minor"))
            .bind(&payload)
            .bind(deleted)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            let (description, hours, rate) = (text(p, "description"), int(p, "standard_hours_milli"), int(p, "rate_minor"));
            crate::workflow::catalog::apply_head_office_operation(conn, station_id, &key, description, hours, rate, deleted, now).await?;
        }
        "parts_catalog" => {
            sqlx::query(
                "INSERT INTO ho_parts_catalog (part_no, name, unit_price_minor, payload, deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (part_no) DO UPDATE SET name = excluded.name, unit_price_minor = excluded.unit_price_minor,
                   payload = excluded.payload, deleted = excluded.deleted, updated_at = excluded.updated_at",
            )
            .bind(&key)
            .bind(text(p, "name"))
            .bind(int(p, "unit_price_minor"))
            .bind(&payload)
            .bind(deleted)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            if !deleted {
                crate::workflow::inventory::apply_head_office_price(conn, station_id, &key, int(p, "unit_price_minor"), now).await?;
            }
        }
        "recall_campaign" => {
            sqlx::query(
                "INSERT INTO ho_recall_campaigns (campaign_id, title, payload, deleted, updated_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (campaign_id) DO UPDATE SET title = excluded.title, payload = excluded.payload, deleted = excluded.deleted, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(text(p, "title"))
            .bind(&payload)
            .bind(deleted)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM ho_recall_vins WHERE campaign_id = ?").bind(id).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM ho_recall_ranges WHERE campaign_id = ?").bind(id).execute(&mut *conn).await?;
            if !deleted {
                for vin in p.get("vins").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                    sqlx::query("INSERT OR IGNORE INTO ho_recall_vins (vin, campaign_id) VALUES (?, ?)")
                        .bind(vin.trim().to_ascii_uppercase())
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                for r in p.get("vin_ranges").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object) {
                    let (from, to) = (text(r, "from").trim().to_ascii_uppercase(), text(r, "to").trim().to_ascii_uppercase());
                    if !from.is_empty() && !to.is_empty() {
                        sqlx::query("INSERT INTO ho_recall_ranges (campaign_id, vin_from, vin_to) VALUES (?, ?, ?)")
                            .bind(id)
                            .bind(from)
                            .bind(to)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
            }
        }
        "setting" => {
            let value = p.get("value").cloned().unwrap_or(Value::Null).to_string();
            sqlx::query(
                "INSERT INTO ho_settings (key, value, deleted, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, deleted = excluded.deleted, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(value)
            .bind(deleted)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            let value = p.get("value").cloned().unwrap_or(Value::Null);
            if id == "complaint_categories" && !deleted {
                crate::aftersales::categories::apply_head_office_tree(conn, &value, now).await?;
            }
            crate::aftersales::policies::apply_head_office_setting(conn, station_id, id, &value, deleted, now).await?;
        }
        other => tracing::debug!(entity = other, "master data of a kind this station does not use yet"),
    }
    Ok(())
}

/// The head office's merged record, with this station's not yet acknowledged
/// edits of it merged on top by the same rule (they reach the head office
/// later and are merged there the same way, so both ends agree).
async fn merged_with_pending(conn: &mut SqliteConnection, c: &FeedChange, acked: i64) -> Result<SharedRecord> {
    let mut rec = SharedRecord {
        fields: c.payload.as_object().cloned().unwrap_or_default(),
        field_hlcs: c.field_hlcs.clone().unwrap_or_default(),
        deleted_hlc: c.deleted_hlc.clone(),
    };
    let pending: Vec<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT op, payload, hlc, changed_fields FROM outbox WHERE entity = ? AND entity_id = ? AND seq > ? ORDER BY seq")
            .bind(&c.entity)
            .bind(&c.entity_id)
            .bind(acked)
            .fetch_all(&mut *conn)
            .await?;
    for (op, payload, hlc, changed) in pending {
        let Some(hlc) = hlc.and_then(|h| h.parse::<Hlc>().ok()) else { continue };
        if op == "delete" {
            rec.apply_delete(&hlc);
            continue;
        }
        let Ok(Value::Object(payload)) = serde_json::from_str::<Value>(&payload) else { continue };
        let changed: Option<Vec<String>> = changed.and_then(|f| serde_json::from_str(&f).ok());
        rec.apply_edit(&payload, changed.as_deref(), &hlc);
    }
    Ok(rec)
}

async fn apply_shared(conn: &mut SqliteConnection, local: &Local<'_>, c: &FeedChange, acked: i64, now: DateTime<Utc>) -> Result<Outcome> {
    let rec = merged_with_pending(conn, c, acked).await?;
    if rec.is_deleted() {
        // Stations do not delete customers or vehicles yet; a tombstone from elsewhere is kept out of the way, not applied.
        tracing::warn!(entity = %c.entity, id = %c.entity_id, "the head office says this shared record is deleted; kept locally");
        return Ok(Outcome::Skipped);
    }
    if c.entity == "vehicle" {
        // A vehicle whose owner has not arrived yet (the owner changed later, so comes later) waits for it.
        let owner = rec.fields.get("customer_id").and_then(Value::as_str).unwrap_or("");
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?) OR EXISTS (SELECT 1 FROM vehicles WHERE id = ?)")
            .bind(owner)
            .bind(&c.entity_id)
            .fetch_one(&mut *conn)
            .await?;
        if !known {
            restore::park(conn, c, "its owner is not here yet", now).await?;
            return Ok(Outcome::Parked);
        }
    }
    let written = match c.entity.as_str() {
        "customer" if crate::retention::customer_destroyed(conn, &c.entity_id).await? => {
            // Destroyed past retention here: no older state from the head office brings it back.
            false
        }
        "customer" => {
            let written = crate::customers::apply_pulled(conn, local.id, &c.entity_id, &rec.fields, now).await?;
            if let Some(no) = rec.fields.get("customer_no").and_then(Value::as_str) {
                restore::raise_customer_sequence(conn, local, no).await?;
            }
            written
        }
        // The same for a car destroyed with its owner: the head office may keep it for another station that serviced it.
        "vehicle" if crate::retention::vehicle_destroyed(conn, &c.entity_id).await? => false,
        "vehicle" => crate::vehicles::apply_pulled(conn, local.id, &c.entity_id, &rec.fields, now).await?,
        other => {
            tracing::debug!(entity = other, "a shared record of a kind this station does not keep");
            false
        }
    };
    if written {
        tracing::debug!(entity = %c.entity, id = %c.entity_id, "applied a shared record from the head office");
    }
    if let Some(history) = c.history.as_ref().filter(|_| c.entity == "vehicle") {
        store_history(conn, &c.entity_id, history).await?;
    }
    restore::unpark(conn, c).await?;
    Ok(if written { Outcome::Written } else { Outcome::Skipped })
}

/// The vehicle's orders at other stations, as the feed last gave them (the whole list each time).
async fn store_history(conn: &mut SqliteConnection, vehicle_id: &str, history: &[sync_protocol::Visit]) -> Result<()> {
    sqlx::query("DELETE FROM ho_vehicle_history WHERE vehicle_id = ?").bind(vehicle_id).execute(&mut *conn).await?;
    for v in history {
        sqlx::query(
            "INSERT OR REPLACE INTO ho_vehicle_history (ro_id, vehicle_id, station_code, station_name, number, status, checked_in_at, odometer_km, summary, payload)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&v.ro_id)
        .bind(vehicle_id)
        .bind(&v.station_code)
        .bind(&v.station_name)
        .bind(&v.number)
        .bind(&v.status)
        .bind(&v.checked_in_at)
        .bind(v.odometer_km)
        .bind(v.concerns.join("; "))
        .bind(serde_json::to_string(v).unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A pulled value that cannot be stored (a malformed record from the head office).
pub(crate) fn bad_record(entity: &str, id: &str, why: &str) -> ApiError {
    ApiError::internal(format!("the head office sent {entity} {id} that cannot be stored: {why}"))
}
