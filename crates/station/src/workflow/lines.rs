//! Labor, parts and sublet lines on a job, the order-level discount, and the
//! money rule every total on the station follows.
//!
//! THE ROUNDING RULE (stated here once; `round_half_up` is the only rounding):
//! 1. each line: quantity × unit price, rounded half-up to the fen;
//! 2. subtotal: the sum of the line amounts; the discount comes off it;
//! 3. tax: on that discounted total, rounded half-up to the fen, once;
//! 4. total: discounted subtotal + tax.
//!
//! Quantities are thousandths (1500 = 1.5 h), so step 1 is the only place a
//! fraction of a fen can appear before tax.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{audit, field, inventory, ro_of, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

/// Rounds `numerator / denominator` to the nearest integer, halves away from
/// zero (so 0.5 fen → 1 fen). `denominator` must be positive.
pub fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// Rule step 1: `quantity_milli` thousandths of a unit at `unit_price`, to the fen.
pub fn line_amount(quantity_milli: i64, unit_price: Money) -> Option<Money> {
    let exact = i128::from(quantity_milli) * i128::from(unit_price.minor());
    i64::try_from(round_half_up(exact, 1000)).ok().map(Money::from_minor)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum LineKind {
    Labor,
    Part,
    Sublet,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Labor => "labor",
            LineKind::Part => "part",
            LineKind::Sublet => "sublet",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct Totals {
    pub labor: Money,
    pub parts: Money,
    pub sublet: Money,
    pub subtotal: Money,
    /// The order's discount, capped at the subtotal.
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
}

/// Rule steps 2–4 over line amounts already rounded by step 1. `None` when a
/// figure would leave the range of minor units; amounts and the tax rate kept
/// within their limits (`Money::MAX_ORDER`, at most 100 % tax) never do.
pub fn totals(lines: &[(LineKind, Money)], discount: Money, tax_rate_bp: i64) -> Option<Totals> {
    let sum = |kind: LineKind| lines.iter().filter(|(k, _)| *k == kind).try_fold(0i128, |sum, (_, a)| sum.checked_add(i128::from(a.minor())));
    let (labor, parts, sublet) = (sum(LineKind::Labor)?, sum(LineKind::Part)?, sum(LineKind::Sublet)?);
    let subtotal = labor.checked_add(parts)?.checked_add(sublet)?;
    let discount = i128::from(discount.minor()).clamp(0, subtotal.max(0));
    let taxable = subtotal - discount;
    let tax = round_half_up(taxable.checked_mul(i128::from(tax_rate_bp))?, 10_000);
    let money = |v: i128| i64::try_from(v).ok().map(Money::from_minor);
    Some(Totals {
        labor: money(labor)?,
        parts: money(parts)?,
        sublet: money(sublet)?,
        subtotal: money(subtotal)?,
        discount: money(discount)?,
        tax: money(tax)?,
        total: money(taxable.checked_add(tax)?)?,
    })
}

/// Adds stored amounts in Rust with a checked sum, where SQLite's `SUM` would
/// fail with "integer overflow".
pub fn sum(amounts: impl IntoIterator<Item = i64>) -> Option<Money> {
    amounts.into_iter().try_fold(Money::ZERO, |sum, a| sum.checked_add(Money::from_minor(a)))
}

/// An amount beyond its limit, on `field`; the limit is in params (`max`, in major units) for the translated message.
pub(crate) fn amount_too_large(field_name: &str, code: &'static str, max: Money) -> ApiError {
    field(field_name, code, format!("the amount is too large: at most {max}")).with("max", max)
}

/// Totals that do not fit: only amounts written around the operations' limits can get here.
pub(crate) fn out_of_range() -> ApiError {
    ApiError::internal("the order's amounts are beyond what the station counts; they were not written through its operations")
}

/// A quantity in thousandths as people write it: 1500 → "1.5", 2000 → "2".
pub fn show_quantity(milli: i64) -> String {
    let s = format!("{}.{:03}", milli / 1000, (milli % 1000).abs());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderTotals {
    /// Every job not declined: what the estimate shows.
    pub estimate: Totals,
    /// Approved jobs only: what the customer pays.
    pub approved: Totals,
    /// The sum of the customer's authorizations.
    pub authorized: Money,
    pub paid: Money,
    /// `approved.total − paid`; must be zero at delivery unless a manager overrides.
    pub balance: Money,
    /// Approved work the authorizations do not cover yet, while work goes on (zero otherwise).
    pub uncovered: Money,
    /// Basis points: 1300 = 13 %.
    #[ts(type = "number")]
    pub tax_rate_bp: i64,
}

pub(crate) async fn order_totals(conn: &mut SqliteConnection, ro_id: &str) -> Result<OrderTotals> {
    let (tax_rate_bp, discount, status): (i64, i64, Option<crate::repair_orders::RoStatus>) =
        sqlx::query_as("SELECT s.tax_rate_bp, r.discount_minor, r.status FROM repair_orders r JOIN station s ON s.id = r.station_id WHERE r.id = ?")
            .bind(ro_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or((0, 0, None));
    let rows: Vec<(LineKind, i64, String)> =
        sqlx::query_as("SELECT l.kind, l.amount_minor, j.approval FROM ro_lines l JOIN ro_jobs j ON j.id = l.job_id WHERE l.ro_id = ?")
            .bind(ro_id)
            .fetch_all(&mut *conn)
            .await?;
    let pick = |keep: &dyn Fn(&str) -> bool| rows.iter().filter(|(_, _, a)| keep(a)).map(|(k, m, _)| (*k, Money::from_minor(*m))).collect::<Vec<_>>();
    let discount = Money::from_minor(discount);
    let estimate = totals(&pick(&|a| a != "declined"), discount, tax_rate_bp).ok_or_else(out_of_range)?;
    let approved = totals(&pick(&|a| a == "approved"), discount, tax_rate_bp).ok_or_else(out_of_range)?;
    let authorized: Vec<i64> = sqlx::query_scalar("SELECT amount_minor FROM ro_authorizations WHERE ro_id = ?").bind(ro_id).fetch_all(&mut *conn).await?;
    let paid: Vec<i64> = sqlx::query_scalar("SELECT amount_minor FROM ro_payments WHERE ro_id = ?").bind(ro_id).fetch_all(&mut *conn).await?;
    let (authorized, paid) = (sum(authorized).ok_or_else(out_of_range)?, sum(paid).ok_or_else(out_of_range)?);
    let uncovered = match approved.total.checked_sub(authorized) {
        Some(gap) if !gap.is_negative() && status.is_some_and(super::actions::after_approval) => gap,
        _ => Money::ZERO,
    };
    Ok(OrderTotals { estimate, approved, uncovered, authorized, paid, balance: approved.total.checked_sub(paid).ok_or_else(out_of_range)?, tax_rate_bp })
}

/// A line as stored and synced.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct LineRecord {
    pub id: String,
    pub ro_id: String,
    pub job_id: String,
    pub kind: LineKind,
    pub labor_op_code: Option<String>,
    pub part_id: Option<String>,
    pub description: String,
    /// Thousandths: hours for labor, units (or litres) for parts.
    #[ts(type = "number")]
    pub quantity_milli: i64,
    #[sqlx(try_from = "i64")]
    pub unit_price: Money,
    #[sqlx(try_from = "i64")]
    pub amount: Money,
    /// Stock held for this line and not yet issued.
    #[ts(type = "number")]
    pub reserved_milli: i64,
    #[ts(type = "number")]
    pub issued_milli: i64,
    /// Returned to stock after issue (off the customer's bill); verify tells a return from an edit by it.
    #[ts(type = "number")]
    pub returned_milli: i64,
    /// The staff member who added the line.
    pub created_by: String,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

/// A line on the order page: the record and what the caller may do to it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LineView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub line: LineRecord,
    pub may: super::actions::LineActions,
}

macro_rules! select_lines {
    () => {
        "SELECT id, ro_id, job_id, kind, labor_op_code, part_id, description, quantity_milli, unit_price_minor AS unit_price,
                amount_minor AS amount, reserved_milli, issued_milli, returned_milli, created_by, updated_at FROM ro_lines "
    };
}

pub(crate) async fn load_line(conn: &mut SqliteConnection, id: &str) -> Result<LineRecord> {
    sqlx::query_as::<_, LineRecord>(concat!(select_lines!(), "WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("line").with_field("line_id"))
}

pub(crate) async fn lines_of_order(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<LineRecord>> {
    Ok(sqlx::query_as::<_, LineRecord>(concat!(select_lines!(), "WHERE ro_id = ? ORDER BY rowid")).bind(ro_id).fetch_all(conn).await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddLine {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub kind: LineKind,
    /// Labor from the catalog: description, standard hours and rate come from it.
    #[ts(optional)]
    pub labor_op_code: Option<String>,
    /// Parts from the inventory: name and price come from it.
    #[ts(optional)]
    pub part_id: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Thousandths; defaults to the catalog's standard hours for catalog labor, 1 unit for sublet.
    #[ts(optional, type = "number")]
    pub quantity_milli: Option<i64>,
    /// Defaults to the catalog rate or inventory price; a lower price is a discount and needs a manager.
    #[ts(optional)]
    pub unit_price: Option<Money>,
}

/// A line's quantity: a million units, the most of a part on hand; the head office refuses more.
const MAX_QUANTITY_MILLI: i64 = sync_protocol::push::MAX_QUANTITY_MILLI;

pub async fn add_line(station: &Station, caller: &Caller, input: AddLine) -> Result<OrderDetail> {
    let me = caller.require(Permission::EditLines)?;
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    let approval: String = sqlx::query_scalar("SELECT approval FROM ro_jobs WHERE id = ?").bind(&input.job_id).fetch_one(w.conn()).await?;
    if approval == "declined" {
        return Err(field("job_id", "line.job_declined", "the customer declined this job; add a new job instead"));
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > 500 {
        return Err(field("description", "text.too_long", "at most 500 characters"));
    }
    // What the price lists say, if the line comes from one.
    let (description, default_qty, list_price, code, part_id) = match input.kind {
        LineKind::Labor => match input.labor_op_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                let op: Option<(String, i64, i64)> =
                    sqlx::query_as("SELECT description, standard_hours_milli, rate_minor FROM labor_operations WHERE code = ? AND active = 1")
                        .bind(code)
                        .fetch_optional(w.conn())
                        .await?;
                let Some((d, hours, rate)) = op else {
                    return Err(field("labor_op_code", "line.unknown_labor_op", format!("{code} is not in the labor catalog")));
                };
                (if description.is_empty() { d } else { description }, Some(hours), Some(rate), Some(code.to_string()), None)
            }
            None => (description, None, None, None, None),
        },
        LineKind::Part => {
            let Some(pid) = input.part_id.as_deref().filter(|p| !p.is_empty()) else {
                return Err(field("part_id", "line.part_required", "choose a part from the inventory"));
            };
            let part: Option<(String, String, i64)> =
                sqlx::query_as("SELECT part_no, name, unit_price_minor FROM parts WHERE id = ? AND active = 1").bind(pid).fetch_optional(w.conn()).await?;
            let Some((no, name, price)) = part else {
                return Err(field("part_id", "line.unknown_part", "that part is not in the inventory"));
            };
            (if description.is_empty() { format!("{no} {name}") } else { description }, None, Some(price), None, Some(pid.to_string()))
        }
        LineKind::Sublet => (description, Some(1000), None, None, None),
    };
    if description.is_empty() {
        return Err(field("description", "line.description_required", "describe the work"));
    }
    let quantity = input.quantity_milli.or(default_qty).ok_or_else(|| field("quantity_milli", "line.quantity", "enter a quantity"))?;
    if !(1..=MAX_QUANTITY_MILLI).contains(&quantity) {
        return Err(field("quantity_milli", "line.quantity", "the quantity must be more than 0 and at most 1,000,000"));
    }
    let unit_price = input.unit_price.or(list_price.map(Money::from_minor)).ok_or_else(|| field("unit_price", "line.price_required", "enter a price"))?;
    if unit_price.is_negative() {
        return Err(field("unit_price", "line.price_negative", "a price cannot be negative; a manager gives discounts"));
    }
    if unit_price > Money::MAX_LINE {
        return Err(amount_too_large("unit_price", "line.amount_too_large", Money::MAX_LINE));
    }
    if list_price.is_some_and(|list| unit_price.minor() < list) {
        w.require(Permission::Discount)?;
    }
    let amount = line_amount(quantity, unit_price)
        .filter(|a| *a <= Money::MAX_LINE)
        .ok_or_else(|| amount_too_large("quantity_milli", "line.amount_too_large", Money::MAX_LINE))?;
    // The order's total with tax stays within Money::MAX_ORDER, counting declined lines too, so
    // that no sum over an order's stored lines can overflow and its payments can always settle it.
    let tax_rate_bp: i64 = sqlx::query_scalar("SELECT s.tax_rate_bp FROM repair_orders r JOIN station s ON s.id = r.station_id WHERE r.id = ?")
        .bind(&ro_id)
        .fetch_one(w.conn())
        .await?;
    let mut all: Vec<(LineKind, Money)> = sqlx::query_as::<_, (LineKind, i64)>("SELECT kind, amount_minor FROM ro_lines WHERE ro_id = ?")
        .bind(&ro_id)
        .fetch_all(w.conn())
        .await?
        .into_iter()
        .map(|(kind, minor)| (kind, Money::from_minor(minor)))
        .collect();
    all.push((input.kind, amount));
    if totals(&all, Money::ZERO, tax_rate_bp).is_none_or(|t| t.total > Money::MAX_ORDER) {
        return Err(amount_too_large("quantity_milli", "order.total_too_large", Money::MAX_ORDER));
    }

    let id = new_id();
    let now = ts(w.ctx.now);
    sqlx::query(
        "INSERT INTO ro_lines (id, station_id, ro_id, job_id, kind, labor_op_code, part_id, description, quantity_milli, unit_price_minor, amount_minor,
                               created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&w.ctx.station_id)
    .bind(&ro_id)
    .bind(&input.job_id)
    .bind(input.kind.as_str())
    .bind(&code)
    .bind(&part_id)
    .bind(&description)
    .bind(quantity)
    .bind(unit_price.minor())
    .bind(amount.minor())
    .bind(&me.id)
    .bind(&now)
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    let line = load_line(w.conn(), &id).await?;
    let ctx = w.ctx.clone();
    audit::wrote(w.conn(), &ctx, Some(&ro_id), "ro_line", &id, "add", None::<&LineRecord>, &line).await?;
    if approval == "approved" && input.kind == LineKind::Part {
        inventory::reserve_line(w.conn(), &ctx, &id).await?;
    }
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct LineRef {
    pub line_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
}

pub async fn remove_line(station: &Station, caller: &Caller, input: LineRef) -> Result<OrderDetail> {
    let me = caller.require(Permission::EditLines)?;
    let ro_id = ro_of(station, "ro_lines", &input.line_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    let ctx = w.ctx.clone();
    let line = load_line(w.conn(), &input.line_id).await?;
    super::signing::require_unsigned_line(w.conn(), &input.line_id, &format!("line \"{}\"", line.description)).await?;
    if line.issued_milli > 0 {
        return Err(field("line_id", "line.parts_issued", "parts were issued to this line; return them first"));
    }
    inventory::release_line(w.conn(), &ctx, &input.line_id).await?;
    let line = load_line(w.conn(), &input.line_id).await?;
    sqlx::query("DELETE FROM ro_lines WHERE id = ?").bind(&input.line_id).execute(w.conn()).await?;
    outbox::append(w.conn(), &ctx.station_id, "ro_line", &input.line_id, outbox::Op::Delete, &serde_json::json!({ "id": input.line_id }), ctx.now).await?;
    audit::record(w.conn(), &ctx, Some(&ro_id), "ro_line", &input.line_id, "remove", Some(&line), None::<&LineRecord>).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetDiscount {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub discount: Money,
}

/// A manager's discount on the whole order, taken off before tax.
pub async fn set_discount(station: &Station, caller: &Caller, input: SetDiscount) -> Result<OrderDetail> {
    let me = caller.require(Permission::Discount)?;
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if !w.status.is_open() {
        w.require_editable()?;
    }
    if input.discount.is_negative() {
        return Err(field("discount", "discount.negative", "a discount cannot be negative"));
    }
    let subtotal = order_totals(w.conn(), &input.ro_id).await?.estimate.subtotal;
    if input.discount > subtotal {
        return Err(field("discount", "discount.too_large", format!("the discount cannot exceed the subtotal ({subtotal})")));
    }
    sqlx::query("UPDATE repair_orders SET discount_minor = ? WHERE id = ?").bind(input.discount.minor()).bind(&input.ro_id).execute(w.conn()).await?;
    w.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_at_the_limit_totals_exactly_and_beyond_the_range_gives_none() {
        let ten_lines: Vec<_> = (0..10).map(|_| (LineKind::Labor, Money::MAX_LINE)).collect();
        let t = totals(&ten_lines, Money::ZERO, 1300).unwrap_or_default();
        assert_eq!(t.subtotal, Money::MAX_ORDER);
        assert_eq!(t.tax, m(1_300_000_000), "13 % of 100,000,000.00, to the fen");
        assert_eq!(t.total, m(11_300_000_000));
        assert_eq!(totals(&[(LineKind::Part, m(i64::MAX)), (LineKind::Part, m(1))], Money::ZERO, 0), None, "never a saturated total");
        assert_eq!(totals(&[(LineKind::Part, m(i64::MAX))], Money::ZERO, 1300), None);
        assert_eq!(sum([i64::MAX, 1]), None);
        assert_eq!(sum([1, 2, 3]), Some(m(6)));
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor)
    }

    #[test]
    fn three_at_33_33_with_13_percent_tax_is_112_99() {
        let amount = line_amount(3000, m(3333)).unwrap_or_default();
        assert_eq!(amount, m(9999));
        let t = totals(&[(LineKind::Part, amount)], Money::ZERO, 1300).unwrap_or_default();
        assert_eq!((t.subtotal, t.tax, t.total), (m(9999), m(1300), m(11299)), "tax 12.9987 rounds half-up to 13.00");
    }

    #[test]
    fn each_line_rounds_half_up_to_the_fen_before_summing() {
        assert_eq!(line_amount(1500, m(13333)), Some(m(20000)), "1.5 h × 133.33 = 199.995 → 200.00");
        assert_eq!(line_amount(2500, m(1)), Some(m(3)), "2.5 × 0.01 = 0.025 → 0.03");
        assert_eq!(line_amount(333, m(1000)), Some(m(333)), "0.333 × 10.00 = 3.33");
        assert_eq!(line_amount(1, m(499)), Some(m(0)), "0.001 × 4.99 = 0.00499 → 0.00");
        assert_eq!(line_amount(1, m(500)), Some(m(1)), "0.001 × 5.00 = 0.005 → 0.01");
        // Per line, then total: three lines of 0.005 are 0.03, not round(0.015) = 0.02.
        let lines: Vec<_> = (0..3).map(|_| (LineKind::Sublet, line_amount(1, m(500)).unwrap_or_default())).collect();
        assert_eq!(totals(&lines, Money::ZERO, 0).unwrap_or_default().total, m(3));
    }

    #[test]
    fn tax_is_on_the_discounted_total_once() {
        let t = totals(&[(LineKind::Labor, m(10000)), (LineKind::Part, m(5005))], m(1005), 1300).unwrap_or_default();
        assert_eq!((t.subtotal, t.discount, t.tax, t.total), (m(15005), m(1005), m(1820), m(15820)));
        let half = totals(&[(LineKind::Labor, m(50))], Money::ZERO, 1000).unwrap_or_default();
        assert_eq!(half.tax, m(5), "5.0 fen exactly");
        let t = totals(&[(LineKind::Labor, m(5))], Money::ZERO, 1000).unwrap_or_default();
        assert_eq!(t.tax, m(1), "0.5 fen of tax rounds up");
        let t = totals(&[(LineKind::Labor, m(100))], m(500), 1300).unwrap_or_default();
        assert_eq!((t.discount, t.total), (m(100), m(0)), "a discount never makes the total negative");
    }

    #[test]
    fn rounding_is_symmetric_for_negative_values() {
        assert_eq!(round_half_up(-5, 10), -1);
        assert_eq!(round_half_up(-4, 10), 0);
        assert_eq!(round_half_up(15, 10), 2);
    }

    #[test]
    fn quantities_show_without_trailing_zeros() {
        assert_eq!(show_quantity(1500), "1.5");
        assert_eq!(show_quantity(2000), "2");
        assert_eq!(show_quantity(125), "0.125");
    }
}
