//! The parts inventory: stock on hand, bin, price and reorder point; stock
//! reserved for approved jobs, issued when used, returned when not; receipts;
//! the low-stock list. A part whose number is in the head office's parts
//! catalog takes its price from there: the pull applies new prices
//! ([`apply_head_office_price`]) and the station cannot set another.
//!
//! Stock never goes negative. Two locks guard it: every decrement is a
//! conditional UPDATE that only matches while enough stock is free (so a
//! short issue is refused with a message, not an error from the database), and
//! the schema's CHECKs (`on_hand ≥ 0`, `0 ≤ reserved ≤ on_hand`) refuse any
//! write that slips past. An approved part line the stock cannot cover is
//! "short": the order shows it in `waiting_for` and cannot leave
//! `waiting_parts` until it is covered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::lines::{line_amount, load_line, show_quantity, LineKind, LineRecord};
use super::{audit, field, refused, ro_of, Ctx, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::{ApiError, Result};
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::db;

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Part {
    pub id: String,
    pub part_no: String,
    pub name: String,
    /// Where it sits in the store room.
    pub bin: String,
    #[sqlx(try_from = "i64")]
    pub unit_price: Money,
    /// Quantities are thousandths of the part's unit.
    #[ts(type = "number")]
    pub on_hand_milli: i64,
    /// Held for approved jobs, not yet issued.
    #[ts(type = "number")]
    pub reserved_milli: i64,
    /// On hand and not reserved.
    #[ts(type = "number")]
    pub available_milli: i64,
    #[ts(type = "number")]
    pub reorder_point_milli: i64,
    /// Still needed by approved jobs of open orders beyond what is reserved.
    #[ts(type = "number")]
    pub short_for_orders_milli: i64,
    pub active: bool,
    /// The head office's parts catalog lists this part number and sets its price.
    pub price_from_head_office: bool,
    /// Available minus what open orders still need is at or below the reorder point.
    #[sqlx(skip)]
    pub low: bool,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

macro_rules! select_parts {
    () => {
        // What open orders still need, summed once from the open orders' lines. Summed per part
        // from its lines instead, a station with years of history walked every line ever written
        // of each part (1.2 s for 8 parts at 100,000 orders; docs/benchmarks.md). The job's
        // approval is a lookup, not a join: joined, SQLite scanned every job for a Bloom filter.
        "WITH short AS (
             SELECT l.part_id, SUM(l.quantity_milli - l.reserved_milli - l.issued_milli) AS milli
             FROM repair_orders r CROSS JOIN ro_lines l ON l.ro_id = r.id
             WHERE r.status NOT IN ('delivered', 'closed', 'cancelled') AND l.part_id IS NOT NULL
               AND (SELECT j.approval FROM ro_jobs j WHERE j.id = l.job_id) = 'approved'
             GROUP BY l.part_id)
         SELECT p.id, p.part_no, p.name, p.bin, p.unit_price_minor AS unit_price, p.on_hand_milli, p.reserved_milli,
                p.on_hand_milli - p.reserved_milli AS available_milli, p.reorder_point_milli,
                COALESCE(s.milli, 0) AS short_for_orders_milli,
                p.active, EXISTS (SELECT 1 FROM ho_parts_catalog h WHERE h.part_no = p.part_no AND h.deleted = 0) AS price_from_head_office,
                p.updated_at
         FROM parts p LEFT JOIN short s ON s.part_id = p.id "
    };
}

fn mark_low(mut p: Part) -> Part {
    p.low = p.available_milli - p.short_for_orders_milli <= p.reorder_point_milli;
    p
}

pub(crate) async fn load_part(conn: &mut SqliteConnection, id: &str) -> Result<Part> {
    sqlx::query_as::<_, Part>(concat!(select_parts!(), "WHERE p.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(mark_low)
        .ok_or_else(|| ApiError::not_found("part").with_field("part_id"))
}

/// How many active parts the low-stock list shows now (the `parts_short` KPI
/// counts the same parts the parts screen marks low).
pub(crate) async fn count_low(conn: &mut SqliteConnection) -> Result<i64> {
    let parts = sqlx::query_as::<_, Part>(concat!(select_parts!(), "WHERE p.active = 1")).fetch_all(conn).await?;
    Ok(parts.into_iter().map(mark_low).filter(|p| p.low).count() as i64)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct PartsQuery {
    /// A fragment of the part number or name.
    #[serde(default)]
    pub q: String,
    /// Only parts at or below their reorder point: the low-stock list.
    #[serde(default)]
    pub low_only: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PartList {
    pub parts: Vec<Part>,
}

pub async fn list_parts(station: &Station, caller: &Caller, input: PartsQuery) -> Result<PartList> {
    caller.require(Permission::Read)?;
    let q = input.q.trim();
    // Longer than any part number or name, and SQLite refuses LIKE patterns over 50,000 bytes (a 500).
    if q.chars().count() > 200 {
        return Err(field("q", "text.too_long", "search with at most 200 characters").with("max", 200));
    }
    let parts = sqlx::query_as::<_, Part>(concat!(
        select_parts!(),
        "WHERE (?1 = '' OR p.part_no LIKE '%' || ?1 || '%' OR p.name LIKE '%' || ?1 || '%') ORDER BY p.part_no LIMIT 500"
    ))
    .bind(q)
    .fetch_all(station.pool())
    .await?;
    let parts = parts.into_iter().map(mark_low).filter(|p| !input.low_only || (p.low && p.active)).collect();
    Ok(PartList { parts })
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SavePart {
    /// Absent to add a part.
    #[ts(optional)]
    pub id: Option<String>,
    pub part_no: String,
    pub name: String,
    #[serde(default)]
    pub bin: String,
    pub unit_price: Money,
    #[serde(default)]
    #[ts(type = "number")]
    pub reorder_point_milli: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn ctx_of(me: &crate::auth::roles::StaffRef, now: DateTime<Utc>) -> Ctx {
    Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CatalogLookup {
    pub part_no: String,
}

/// A part number in the head office's parts catalog.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct CatalogPart {
    pub part_no: String,
    pub name: String,
    #[sqlx(try_from = "i64")]
    pub unit_price: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CatalogLookupResult {
    /// None: the catalog does not list it (or the station has no head office).
    pub part: Option<CatalogPart>,
}

/// The head office's catalog entry for a part number, so a new part starts from
/// its name and price (the price is then the catalog's: `save_part` refuses another).
pub async fn lookup_catalog_part(station: &Station, caller: &Caller, input: CatalogLookup) -> Result<CatalogLookupResult> {
    caller.require(Permission::Read)?;
    let part = sqlx::query_as::<_, CatalogPart>("SELECT part_no, name, unit_price_minor AS unit_price FROM ho_parts_catalog WHERE part_no = ? AND deleted = 0")
        .bind(input.part_no.trim().to_uppercase())
        .fetch_optional(station.pool())
        .await?;
    Ok(CatalogLookupResult { part })
}

/// Adds or edits a part; stock changes only through receipts, issues and returns.
pub async fn save_part(station: &Station, caller: &Caller, input: SavePart) -> Result<Part> {
    let me = caller.require(Permission::EditPriceLists)?;
    let part_no = input.part_no.trim().to_uppercase();
    let name = input.name.trim().to_string();
    if part_no.is_empty() || part_no.chars().count() > 64 {
        return Err(field("part_no", "part.no_required", "enter the part number (at most 64 characters)"));
    }
    if name.is_empty() || name.chars().count() > 200 {
        return Err(field("name", "part.name_required", "enter the part's name (at most 200 characters)"));
    }
    if input.unit_price.is_negative() {
        return Err(field("unit_price", "part.price_negative", "a price cannot be negative"));
    }
    if input.unit_price > Money::MAX_LINE {
        return Err(super::lines::amount_too_large("unit_price", "part.price_too_large", Money::MAX_LINE));
    }
    if input.reorder_point_milli < 0 {
        return Err(field("reorder_point_milli", "part.reorder_point", "the reorder point cannot be negative"));
    }
    let ctx = ctx_of(me, station.now());
    let now = ts(ctx.now);
    let mut tx = db::write_tx(station.pool()).await?;
    let list_price: Option<i64> =
        sqlx::query_scalar("SELECT unit_price_minor FROM ho_parts_catalog WHERE part_no = ? AND deleted = 0").bind(&part_no).fetch_optional(&mut *tx).await?;
    if let Some(list) = list_price.filter(|&list| list != input.unit_price.minor()) {
        return Err(field(
            "unit_price",
            "part.price_from_head_office",
            format!("the head office's parts catalog sets the price of {part_no}: {}", Money::from_minor(list)),
        )
        .with("price", Money::from_minor(list).to_string()));
    }
    let same_no: Option<String> = sqlx::query_scalar("SELECT id FROM parts WHERE part_no = ?").bind(&part_no).fetch_optional(&mut *tx).await?;
    if same_no.is_some_and(|other| Some(&other) != input.id.as_ref()) {
        return Err(ApiError::conflict("part.duplicate", format!("part number {part_no} is already in the inventory")).with_field("part_no"));
    }
    let (id, before) = match &input.id {
        Some(id) => {
            let before = load_part(&mut tx, id).await?;
            sqlx::query(
                "UPDATE parts SET part_no = ?, name = ?, bin = ?, unit_price_minor = ?, reorder_point_milli = ?, active = ?, updated_at = ? WHERE id = ?",
            )
            .bind(&part_no)
            .bind(&name)
            .bind(input.bin.trim())
            .bind(input.unit_price.minor())
            .bind(input.reorder_point_milli)
            .bind(input.active)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (id.clone(), Some(before))
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO parts (id, station_id, part_no, name, bin, unit_price_minor, reorder_point_milli, active, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&ctx.station_id)
            .bind(&part_no)
            .bind(&name)
            .bind(input.bin.trim())
            .bind(input.unit_price.minor())
            .bind(input.reorder_point_milli)
            .bind(input.active)
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            (id, None)
        }
    };
    let after = load_part(&mut tx, &id).await?;
    audit::wrote(&mut tx, &ctx, None, "part", &id, if before.is_some() { "update" } else { "add" }, before.as_ref(), &after).await?;
    tx.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReceiveStock {
    pub part_id: String,
    #[ts(type = "number")]
    pub quantity_milli: i64,
    #[serde(default)]
    pub note: String,
}

/// The most of one part on hand: a million units (or litres). With prices at
/// most `Money::MAX_LINE`, a part's stock is worth at most 10^15 fen.
pub const MAX_ON_HAND_MILLI: i64 = sync_protocol::push::MAX_QUANTITY_MILLI;

/// Stock arrives. Orders waiting for it claim it when they resume repair.
pub async fn receive_stock(station: &Station, caller: &Caller, input: ReceiveStock) -> Result<Part> {
    let me = caller.require(Permission::ReceiveStock)?;
    if !(1..=1_000_000_000).contains(&input.quantity_milli) {
        return Err(field("quantity_milli", "stock.quantity", "the quantity must be more than 0"));
    }
    let ctx = ctx_of(me, station.now());
    let mut tx = db::write_tx(station.pool()).await?;
    let before = load_part(&mut tx, &input.part_id).await?;
    if before.on_hand_milli.checked_add(input.quantity_milli).is_none_or(|after| after > MAX_ON_HAND_MILLI) {
        return Err(field("quantity_milli", "stock.too_much", format!("at most {} of a part on hand", show_quantity(MAX_ON_HAND_MILLI)))
            .with("max", show_quantity(MAX_ON_HAND_MILLI)));
    }
    sqlx::query("UPDATE parts SET on_hand_milli = on_hand_milli + ?, updated_at = ? WHERE id = ?")
        .bind(input.quantity_milli)
        .bind(ts(ctx.now))
        .bind(&input.part_id)
        .execute(&mut *tx)
        .await?;
    let after = load_part(&mut tx, &input.part_id).await?;
    audit::wrote(&mut tx, &ctx, None, "part", &input.part_id, "receive", Some(&before), &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Changes a part's stock with `update` (which must touch only that part) and records it.
async fn move_stock<'q>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    ro_id: &str,
    part_id: &str,
    action: &str,
    update: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<bool> {
    let before = load_part(&mut *conn, part_id).await?;
    if update.execute(&mut *conn).await?.rows_affected() != 1 {
        return Ok(false);
    }
    let after = load_part(&mut *conn, part_id).await?;
    audit::wrote(conn, ctx, Some(ro_id), "part", part_id, action, Some(&before), &after).await?;
    Ok(true)
}

async fn change_line<'q>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    line_id: &str,
    action: &str,
    update: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<()> {
    let before = load_line(&mut *conn, line_id).await?;
    update.execute(&mut *conn).await?;
    let after = load_line(&mut *conn, line_id).await?;
    audit::wrote(conn, ctx, Some(&after.ro_id), "ro_line", line_id, action, Some(&before), &after).await
}

/// Reserves as much as the stock allows of what an approved part line still needs.
pub(crate) async fn reserve_line(conn: &mut SqliteConnection, ctx: &Ctx, line_id: &str) -> Result<()> {
    let line = load_line(&mut *conn, line_id).await?;
    let Some(part_id) = line.part_id.clone().filter(|_| line.kind == LineKind::Part) else {
        return Ok(());
    };
    let want = line.quantity_milli - line.reserved_milli - line.issued_milli;
    let available: i64 = sqlx::query_scalar("SELECT on_hand_milli - reserved_milli FROM parts WHERE id = ?").bind(&part_id).fetch_one(&mut *conn).await?;
    let take = want.min(available);
    if take <= 0 {
        return Ok(());
    }
    let now = ts(ctx.now);
    let q = sqlx::query("UPDATE parts SET reserved_milli = reserved_milli + ?1, updated_at = ?2 WHERE id = ?3 AND on_hand_milli - reserved_milli >= ?1")
        .bind(take)
        .bind(&now)
        .bind(&part_id);
    if move_stock(conn, ctx, &line.ro_id, &part_id, "reserve", q).await? {
        let q = sqlx::query("UPDATE ro_lines SET reserved_milli = reserved_milli + ?, updated_at = ? WHERE id = ?").bind(take).bind(&now).bind(line_id);
        change_line(conn, ctx, line_id, "reserve", q).await?;
    }
    Ok(())
}

/// Tries to cover every short part line of the order's approved jobs.
pub(crate) async fn reserve_short_lines(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    for short in short_parts(&mut *conn, ro_id).await? {
        reserve_line(&mut *conn, ctx, &short.line_id).await?;
    }
    Ok(())
}

/// Gives a line's reservation back to the stock (a declined job, a removed line, a cancelled order).
pub(crate) async fn release_line(conn: &mut SqliteConnection, ctx: &Ctx, line_id: &str) -> Result<()> {
    let line = load_line(&mut *conn, line_id).await?;
    let (Some(part_id), held) = (line.part_id.clone(), line.reserved_milli) else {
        return Ok(());
    };
    if held == 0 {
        return Ok(());
    }
    let now = ts(ctx.now);
    let q = sqlx::query("UPDATE parts SET reserved_milli = reserved_milli - ?1, updated_at = ?2 WHERE id = ?3 AND reserved_milli >= ?1")
        .bind(held)
        .bind(&now)
        .bind(&part_id);
    if !move_stock(conn, ctx, &line.ro_id, &part_id, "release", q).await? {
        return Err(ApiError::internal("a reservation is larger than the part's reserved stock"));
    }
    let q = sqlx::query("UPDATE ro_lines SET reserved_milli = 0, updated_at = ? WHERE id = ?").bind(&now).bind(line_id);
    change_line(conn, ctx, line_id, "release", q).await
}

pub(crate) async fn release_order(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    let held: Vec<String> = sqlx::query_scalar("SELECT id FROM ro_lines WHERE ro_id = ? AND reserved_milli > 0").bind(ro_id).fetch_all(&mut *conn).await?;
    for line_id in held {
        release_line(&mut *conn, ctx, &line_id).await?;
    }
    Ok(())
}

/// An approved part line the stock does not cover yet.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct ShortPart {
    pub line_id: String,
    pub job_id: String,
    pub part_id: String,
    pub part_no: String,
    pub name: String,
    #[ts(type = "number")]
    pub short_milli: i64,
}

pub(crate) async fn short_parts(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<ShortPart>> {
    Ok(sqlx::query_as::<_, ShortPart>(
        "SELECT l.id AS line_id, l.job_id, p.id AS part_id, p.part_no, p.name, l.quantity_milli - l.reserved_milli - l.issued_milli AS short_milli
         FROM ro_lines l JOIN ro_jobs j ON j.id = l.job_id JOIN parts p ON p.id = l.part_id
         WHERE l.ro_id = ? AND l.kind = 'part' AND j.approval = 'approved' AND l.quantity_milli - l.reserved_milli - l.issued_milli > 0
         ORDER BY l.rowid",
    )
    .bind(ro_id)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct StockMove {
    pub line_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    /// Thousandths; for an issue, defaults to all the line still needs.
    #[ts(optional, type = "number")]
    pub quantity_milli: Option<i64>,
}

async fn part_line(w: &mut OrderWrite, line_id: &str) -> Result<(LineRecord, String)> {
    let line = load_line(w.conn(), line_id).await?;
    let Some(part_id) = line.part_id.clone().filter(|_| line.kind == LineKind::Part) else {
        return Err(field("line_id", "line.not_a_part", "only parts lines take stock"));
    };
    Ok((line, part_id))
}

/// Parts used on the job leave the stock: first from the line's reservation, then from free stock.
pub async fn issue_part(station: &Station, caller: &Caller, input: StockMove) -> Result<OrderDetail> {
    let me = caller.require(Permission::IssueParts)?;
    let ro_id = ro_of(station, "ro_lines", &input.line_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    if !matches!(w.status, RoStatus::InRepair | RoStatus::WaitingParts) {
        return Err(refused("stock.order_not_in_repair", "parts are issued while the order is in repair"));
    }
    let (line, part_id) = part_line(&mut w, &input.line_id).await?;
    let approval: String = sqlx::query_scalar("SELECT approval FROM ro_jobs WHERE id = ?").bind(&line.job_id).fetch_one(w.conn()).await?;
    if approval != "approved" {
        return Err(refused("line.job_not_approved", "the customer has not approved this job"));
    }
    let outstanding = line.quantity_milli - line.issued_milli;
    let qty = input.quantity_milli.unwrap_or(outstanding);
    if qty <= 0 || qty > outstanding {
        return Err(field("quantity_milli", "stock.issue_quantity", format!("issue between 0 and {} (what the line still needs)", show_quantity(outstanding))));
    }
    let from_reservation = qty.min(line.reserved_milli);
    let ctx = w.ctx.clone();
    let now = ts(ctx.now);
    // Matches only while the part has `qty` on hand without eating other lines' reservations.
    let q = sqlx::query(
        "UPDATE parts SET on_hand_milli = on_hand_milli - ?1, reserved_milli = reserved_milli - ?2, updated_at = ?3
         WHERE id = ?4 AND on_hand_milli - ?1 >= reserved_milli - ?2",
    )
    .bind(qty)
    .bind(from_reservation)
    .bind(&now)
    .bind(&part_id);
    if !move_stock(w.conn(), &ctx, &ro_id, &part_id, "issue", q).await? {
        let part = load_part(w.conn(), &part_id).await?;
        return Err(refused(
            "stock.insufficient",
            format!("only {} of {} {} is free; {} needed", show_quantity(part.available_milli + from_reservation), part.part_no, part.name, show_quantity(qty)),
        ));
    }
    let q = sqlx::query("UPDATE ro_lines SET reserved_milli = reserved_milli - ?, issued_milli = issued_milli + ?, updated_at = ? WHERE id = ?")
        .bind(from_reservation)
        .bind(qty)
        .bind(&now)
        .bind(&input.line_id);
    change_line(w.conn(), &ctx, &input.line_id, "issue", q).await?;
    w.finish().await
}

/// Parts issued but not used go back on the shelf, and off the customer's bill.
pub async fn return_part(station: &Station, caller: &Caller, input: StockMove) -> Result<OrderDetail> {
    let me = caller.require(Permission::IssueParts)?;
    let ro_id = ro_of(station, "ro_lines", &input.line_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    if !matches!(w.status, RoStatus::Approved | RoStatus::InRepair | RoStatus::WaitingParts | RoStatus::Cancelled) {
        return Err(refused("stock.order_not_in_repair", "parts are returned while the order is in repair, or after it is cancelled"));
    }
    let (line, part_id) = part_line(&mut w, &input.line_id).await?;
    let qty = input.quantity_milli.unwrap_or(line.issued_milli);
    if qty <= 0 || qty > line.issued_milli {
        return Err(field("quantity_milli", "stock.return_quantity", format!("return between 0 and {} (what was issued)", show_quantity(line.issued_milli))));
    }
    let ctx = w.ctx.clone();
    let now = ts(ctx.now);
    let q = sqlx::query("UPDATE parts SET on_hand_milli = on_hand_milli + ?, updated_at = ? WHERE id = ?").bind(qty).bind(&now).bind(&part_id);
    move_stock(w.conn(), &ctx, &ro_id, &part_id, "return", q).await?;
    let remaining = line.quantity_milli - qty;
    let amount = line_amount(remaining, line.unit_price).unwrap_or(Money::ZERO);
    let q = sqlx::query("UPDATE ro_lines SET issued_milli = issued_milli - ?, returned_milli = returned_milli + ?, quantity_milli = ?, amount_minor = ?, updated_at = ? WHERE id = ?")
        .bind(qty)
        .bind(qty)
        .bind(remaining)
        .bind(amount.minor())
        .bind(&now)
        .bind(&input.line_id);
    change_line(w.conn(), &ctx, &input.line_id, "return", q).await?;
    w.finish().await
}

/// A price from the head office's parts catalog, from a pull (in its
/// transaction): the station's part with that number takes it, for the lines
/// added from now on (lines keep the price they were added with). Only a real
/// change writes, with the part's outbox row. A part the catalog drops keeps
/// its last price, and the station may set it again.
pub(crate) async fn apply_head_office_price(conn: &mut SqliteConnection, station_id: &str, part_no: &str, price_minor: i64, now: DateTime<Utc>) -> Result<()> {
    if price_minor < 0 {
        tracing::warn!(%part_no, price_minor, "skipping a negative head-office price");
        return Ok(());
    }
    let id: Option<String> =
        sqlx::query_scalar("UPDATE parts SET unit_price_minor = ?, updated_at = ? WHERE part_no = ? AND unit_price_minor <> ? RETURNING id")
            .bind(price_minor)
            .bind(ts(now))
            .bind(part_no)
            .bind(price_minor)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = id {
        let part = load_part(&mut *conn, &id).await?;
        crate::store::outbox::append(&mut *conn, station_id, "part", &id, crate::store::outbox::Op::Upsert, &part, now).await?;
    }
    Ok(())
}
