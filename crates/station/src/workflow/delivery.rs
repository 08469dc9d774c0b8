//! Handing the car back (完工通知 → 交车): the completion notice time, the
//! odometer out (never below the odometer in), the payments, and a balance of
//! zero unless a manager overrides. A delivered order is read-only except for
//! follow-up; closing it is a plain move (`move_order` to `closed`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::lines::order_totals;
use super::signing::{self, DocumentKind, NewDocument, SignatureInput, SignerRole};
use super::{authorization, field, refused, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::domain::{Money, Odometer};
use crate::error::{ApiError, Result};
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Wechat,
    Alipay,
    BankTransfer,
    /// Charged to a fleet or company account.
    Account,
}

impl PaymentMethod {
    fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Wechat => "wechat",
            PaymentMethod::Alipay => "alipay",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Account => "account",
        }
    }
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Payment {
    pub id: String,
    pub ro_id: String,
    pub method: PaymentMethod,
    #[sqlx(try_from = "i64")]
    pub amount: Money,
    pub received_by: String,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

pub(crate) async fn list(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<Payment>> {
    Ok(sqlx::query_as::<_, Payment>("SELECT id, ro_id, method, amount_minor AS amount, received_by, at FROM ro_payments WHERE ro_id = ? ORDER BY rowid")
        .bind(ro_id)
        .fetch_all(conn)
        .await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PaymentInput {
    pub method: PaymentMethod,
    pub amount: Money,
}

/// Adds `payments`, each named for its errors by `field_of(index)`; none is written if one is refused.
async fn add_payments(w: &mut OrderWrite, payments: &[PaymentInput], field_of: impl Fn(usize) -> String) -> Result<()> {
    let ro_id = w.ro_id.clone();
    let paid: Vec<i64> = sqlx::query_scalar("SELECT amount_minor FROM ro_payments WHERE ro_id = ?").bind(&ro_id).fetch_all(w.conn()).await?;
    let mut paid = super::lines::sum(paid).ok_or_else(super::lines::out_of_range)?;
    for (i, p) in payments.iter().enumerate() {
        if p.amount.minor() <= 0 {
            return Err(field(field_of(i), "payment.amount", "a payment is more than zero"));
        }
        // An order's payments add up to at most what its lines may (Money::MAX_ORDER).
        paid = paid
            .checked_add(p.amount)
            .filter(|total| *total <= Money::MAX_ORDER)
            .ok_or_else(|| super::lines::amount_too_large(&field_of(i), "payment.amount_too_large", Money::MAX_ORDER))?;
    }
    let ctx = w.ctx.clone();
    for p in payments {
        let id = new_id();
        sqlx::query(
            "INSERT INTO ro_payments (id, station_id, ro_id, method, amount_minor, received_by, at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&ctx.station_id)
        .bind(&w.ro_id)
        .bind(p.method.as_str())
        .bind(p.amount.minor())
        .bind(&ctx.staff_id)
        .bind(ts(ctx.now))
        .bind(ts(ctx.now))
        .bind(ts(ctx.now))
        .execute(&mut *w.tx)
        .await?;
        let record = sqlx::query_as::<_, Payment>("SELECT id, ro_id, method, amount_minor AS amount, received_by, at FROM ro_payments WHERE id = ?")
            .bind(&id)
            .fetch_one(w.conn())
            .await?;
        outbox::append(w.conn(), &ctx.station_id, "ro_payment", &id, outbox::Op::Upsert, &record, ctx.now).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordPayment {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub payment: PaymentInput,
}

/// A payment before delivery (a deposit, or paying at the desk before the car comes round).
pub async fn record_payment(station: &Station, caller: &Caller, input: RecordPayment) -> Result<OrderDetail> {
    let me = caller.require(Permission::Deliver)?;
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if !w.status.is_open() {
        return Err(refused("order.read_only", "payments are taken before delivery"));
    }
    add_payments(&mut w, std::slice::from_ref(&input.payment), |_| "payment.amount".to_string()).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct OrderNote {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    #[serde(default)]
    pub note: String,
}

/// The customer was told the car is ready; the manuals allow 24 h from the end of the work.
pub async fn record_completion_notice(station: &Station, caller: &Caller, input: OrderNote) -> Result<OrderDetail> {
    let me = caller.require(Permission::Deliver)?;
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if w.status != RoStatus::ReadyForPickup {
        return Err(refused("delivery.not_ready", "the customer is told once the order passed the quality check"));
    }
    let now = ts(w.ctx.now);
    let id = w.ro_id.clone();
    sqlx::query("UPDATE repair_orders SET completion_notice_at = COALESCE(completion_notice_at, ?) WHERE id = ?").bind(now).bind(id).execute(w.conn()).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct Deliver {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    #[ts(type = "number")]
    pub odometer_out_km: i64,
    /// Taken at the desk now; earlier ones are already on the order.
    #[serde(default)]
    pub payments: Vec<PaymentInput>,
    /// A manager hands the car over with a balance left (a fleet paying monthly, a goodwill case).
    #[serde(default)]
    pub override_balance: bool,
    #[serde(default)]
    pub note: String,
    /// The customer's acceptance of the work. Every delivery writes a hashed
    /// acceptance document; without this it is recorded as unsigned.
    #[serde(default)]
    #[ts(optional)]
    pub acceptance_signature: Option<SignatureInput>,
}

pub async fn deliver(station: &Station, caller: &Caller, input: Deliver) -> Result<OrderDetail> {
    let me = caller.require(Permission::Deliver)?;
    let odometer = Odometer::parse_km(input.odometer_out_km).map_err(|e| ApiError::field("odometer_out_km", e))?;
    if input.override_balance {
        caller.require(Permission::OverrideBalance)?;
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if w.status != RoStatus::ReadyForPickup {
        return Err(refused("transition.not_allowed", format!("a repair order cannot go from {} to delivered", w.status.as_str())));
    }
    let header = w.header().await?;
    let out = i64::from(odometer.km());
    if out < header.odometer_in_km {
        return Err(field(
            "odometer_out_km",
            "delivery.odometer_below_in",
            format!("the odometer out ({out} km) cannot be below the odometer in ({} km)", header.odometer_in_km),
        ));
    }
    add_payments(&mut w, &input.payments, |i| format!("payments.{i}.amount")).await?;
    let id = w.ro_id.clone();
    sqlx::query("UPDATE repair_orders SET odometer_out_km = ? WHERE id = ?").bind(out).bind(&id).execute(w.conn()).await?;
    if input.override_balance && order_totals(w.conn(), &id).await?.balance != Money::ZERO {
        sqlx::query("UPDATE repair_orders SET balance_override_by = ? WHERE id = ?").bind(&me.id).bind(&id).execute(w.conn()).await?;
    }
    let customer: String =
        sqlx::query_scalar("SELECT c.name FROM repair_orders r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?").bind(&id).fetch_one(w.conn()).await?;
    let signatures = match &input.acceptance_signature {
        Some(sig) => vec![signing::validate(w.conn(), sig, "acceptance_signature", SignerRole::Customer, &customer).await?],
        None => vec![],
    };
    w.transition(RoStatus::Delivered, &input.note).await?;
    let accepter = signatures.first().map_or(customer.clone(), |s| s.signer_name().to_string());
    let note = input.note.trim().to_string();
    let doc = NewDocument {
        kind: DocumentKind::Acceptance,
        supplemental: true,
        method: "in_person",
        approver_name: &accepter,
        amount: Money::ZERO,
        note: &note,
        decisions: Default::default(),
        signatures,
    };
    authorization::sign_and_send(&mut w, doc).await?;
    w.finish().await
}
