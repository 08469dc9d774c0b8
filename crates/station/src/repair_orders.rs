//! Repair orders (工单) as they are read: the full order for its page, and the
//! short form for a customer's history. Check-in creates them (`check_in.rs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::customers::load_customer;
use crate::domain::{Money, ServiceType};
use crate::error::{ApiError, Result};
use crate::ops::IdInput;
use crate::privacy::access_register::{self, AccessKind, Subject};
use crate::privacy::contact::{self, CustomerView};
use crate::station::Station;
use crate::vehicles::{load_vehicle, Vehicle};

/// The life of an order, in the manuals' order: 接单 → 诊断 → 维修 → 验收 → 交车.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RoStatus {
    CheckedIn,
    Diagnosing,
    EstimateReady,
    Approved,
    InRepair,
    WaitingParts,
    QualityCheck,
    ReadyForPickup,
    Delivered,
    Closed,
    Cancelled,
}

impl RoStatus {
    pub const ALL: [RoStatus; 11] = [
        RoStatus::CheckedIn,
        RoStatus::Diagnosing,
        RoStatus::EstimateReady,
        RoStatus::Approved,
        RoStatus::InRepair,
        RoStatus::WaitingParts,
        RoStatus::QualityCheck,
        RoStatus::ReadyForPickup,
        RoStatus::Delivered,
        RoStatus::Closed,
        RoStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoStatus::CheckedIn => "checked_in",
            RoStatus::Diagnosing => "diagnosing",
            RoStatus::EstimateReady => "estimate_ready",
            RoStatus::Approved => "approved",
            RoStatus::InRepair => "in_repair",
            RoStatus::WaitingParts => "waiting_parts",
            RoStatus::QualityCheck => "quality_check",
            RoStatus::ReadyForPickup => "ready_for_pickup",
            RoStatus::Delivered => "delivered",
            RoStatus::Closed => "closed",
            RoStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<RoStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still in the workshop's hands: on the board and counting down to the promised time.
    pub fn is_open(self) -> bool {
        !matches!(self, RoStatus::Delivered | RoStatus::Closed | RoStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    High,
    /// The manuals' emergency class: to be handled within 30 minutes.
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum DamageKind {
    Scratch,
    Dent,
    Crack,
    Chip,
    MissingPart,
}

impl DamageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DamageKind::Scratch => "scratch",
            DamageKind::Dent => "dent",
            DamageKind::Crack => "crack",
            DamageKind::Chip => "chip",
            DamageKind::MissingPart => "missing_part",
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RepairOrder {
    pub id: String,
    pub number: String,
    /// The manuals' archive number: customer no. + service type + date + sequence.
    pub archive_no: String,
    pub service_type: ServiceType,
    pub status: RoStatus,
    pub priority: Priority,
    /// Masked for the caller (`privacy::contact`); in the synced record, masked
    /// for nobody in particular: the customer's own record carries the numbers.
    pub customer: CustomerView,
    pub vehicle: Vehicle,
    pub advisor: StaffName,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub odometer_in_km: i64,
    /// Fuel gauge in eighths, 0 (empty) to 8 (full); `None` for an electric car.
    #[ts(type = "number | null")]
    pub fuel_eighths: Option<i64>,
    /// The battery's charge in %, for electric and hybrid cars; `None` for fuel.
    #[ts(type = "number | null")]
    pub battery_percent: Option<i64>,
    pub personal_items: String,
    #[ts(type = "string | null")]
    pub promised_at: Option<DateTime<Utc>>,
    pub concerns: Vec<Concern>,
    pub damage_marks: Vec<DamageMark>,
    pub photos: Vec<RoPhoto>,
    /// How many times the quality check sent the work back (返修 within the shop).
    #[ts(type = "number")]
    pub rework_count: i64,
    pub cancel_reason: Option<String>,
    /// Order-level discount, given by a manager; taken off before tax.
    pub discount: Money,
    #[ts(type = "number | null")]
    pub odometer_out_km: Option<i64>,
    /// When the customer was told the car is ready (完工通知).
    #[ts(type = "string | null")]
    pub completion_notice_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// Set when this vehicle was delivered by the station within the repeat-repair window before this check-in.
    pub repeat_of: Option<RepeatOf>,
    /// The manager who let the car go with a balance still open.
    pub balance_override_by: Option<String>,
    /// Optimistic concurrency: every change must name the version it read.
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
    /// Open recall campaigns for the vehicle's VIN, from the head office's data;
    /// filled in the answer to `check_in` (never part of the synced record).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<crate::sync::alerts::RecallAlert>>")]
    pub recalls: Vec<crate::sync::alerts::RecallAlert>,
}

/// The earlier order a possible repeat repair (返修) links to.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct RepeatOf {
    pub id: String,
    pub number: String,
    #[ts(type = "string | null")]
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct StaffName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Concern {
    pub id: String,
    pub text: String,
    pub fault_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct DamageMark {
    pub id: String,
    /// Per-mille of the outline's width and height.
    #[ts(type = "number")]
    pub x: i64,
    #[ts(type = "number")]
    pub y: i64,
    pub kind: DamageKind,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct RoPhoto {
    pub id: String,
    pub sha256: String,
    pub caption: String,
    /// When a destruction run deleted the image past the photo period: the
    /// order lists the photo's place and date, never an image that is gone.
    pub destroyed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub status: String,
    pub service_type: String,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub odometer_in_km: i64,
    pub plate: Option<String>,
    /// The car was destroyed with its last owner: no plate to show, screens word it.
    pub vehicle_destroyed: bool,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    number: String,
    archive_no: String,
    service_type: String,
    status: RoStatus,
    priority: Priority,
    customer_id: String,
    vehicle_id: String,
    advisor_id: String,
    checked_in_at: DateTime<Utc>,
    odometer_in_km: i64,
    fuel_eighths: Option<i64>,
    battery_percent: Option<i64>,
    personal_items: String,
    promised_at: Option<DateTime<Utc>>,
    rework_count: i64,
    cancel_reason: Option<String>,
    discount_minor: i64,
    odometer_out_km: Option<i64>,
    completion_notice_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    repeat_of_ro_id: Option<String>,
    balance_override_by: Option<String>,
    version: i64,
    updated_at: DateTime<Utc>,
}

fn bad_row(what: &str) -> ApiError {
    ApiError::internal(format!("unexpected {what} in the database"))
}

pub async fn load_order(conn: &mut SqliteConnection, id: &str) -> Result<RepairOrder> {
    let row = sqlx::query_as::<_, OrderRow>(
        "SELECT id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id, checked_in_at,
                odometer_in_km, fuel_eighths, battery_percent, personal_items, promised_at, rework_count, cancel_reason, discount_minor,
                odometer_out_km, completion_notice_at, delivered_at, repeat_of_ro_id, balance_override_by, version, updated_at
         FROM repair_orders WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("repair order"))?;
    let concerns: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, text, fault_codes FROM ro_concerns WHERE ro_id = ? ORDER BY position").bind(id).fetch_all(&mut *conn).await?;
    let damage_marks = sqlx::query_as::<_, DamageMark>("SELECT id, x, y, kind, note FROM ro_damage_marks WHERE ro_id = ? ORDER BY created_at, id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let photos = sqlx::query_as::<_, RoPhoto>(
        "SELECT p.id, p.sha256, p.caption, f.destroyed_at FROM ro_photos p LEFT JOIN files f ON f.sha256 = p.sha256
         WHERE p.ro_id = ? ORDER BY p.created_at, p.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let advisor = sqlx::query_as::<_, StaffName>("SELECT id, name FROM staff WHERE id = ?").bind(&row.advisor_id).fetch_one(&mut *conn).await?;
    let repeat_of = match &row.repeat_of_ro_id {
        Some(earlier) => {
            sqlx::query_as::<_, RepeatOf>("SELECT id, number, delivered_at FROM repair_orders WHERE id = ?").bind(earlier).fetch_optional(&mut *conn).await?
        }
        None => None,
    };
    Ok(RepairOrder {
        id: row.id,
        number: row.number,
        archive_no: row.archive_no,
        service_type: serde_json::from_value(serde_json::Value::String(row.service_type)).map_err(|_| bad_row("service type"))?,
        status: row.status,
        priority: row.priority,
        customer: contact::on_record(load_customer(conn, &row.customer_id).await?),
        vehicle: load_vehicle(conn, &row.vehicle_id).await?,
        advisor,
        checked_in_at: row.checked_in_at,
        odometer_in_km: row.odometer_in_km,
        fuel_eighths: row.fuel_eighths,
        battery_percent: row.battery_percent,
        personal_items: row.personal_items,
        promised_at: row.promised_at,
        concerns: concerns.into_iter().map(|(id, text, codes)| Concern { id, text, fault_codes: serde_json::from_str(&codes).unwrap_or_default() }).collect(),
        damage_marks,
        photos,
        rework_count: row.rework_count,
        cancel_reason: row.cancel_reason,
        discount: Money::from_minor(row.discount_minor),
        odometer_out_km: row.odometer_out_km,
        completion_notice_at: row.completion_notice_at,
        delivered_at: row.delivered_at,
        repeat_of,
        balance_override_by: row.balance_override_by,
        version: row.version,
        updated_at: row.updated_at,
        recalls: Vec::new(),
    })
}

pub async fn get_repair_order(station: &Station, caller: &Caller, input: IdInput) -> Result<RepairOrder> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let mut order = load_order(&mut conn, &input.id).await?;
    show_customer(&mut conn, &mut order, me).await?;
    drop(conn);
    access_register::opened(
        station,
        me,
        Subject { kind: AccessKind::Order, subject_id: &order.id, customer_id: Some(&order.customer.id), ro_id: Some(&order.id) },
    )
    .await?;
    Ok(order)
}

/// The order's customer as `me` sees them (the loaded order carries the record's masked view).
pub(crate) async fn show_customer(conn: &mut SqliteConnection, order: &mut RepairOrder, me: &crate::auth::StaffRef) -> Result<()> {
    let customer = load_customer(conn, &order.customer.id).await?;
    order.customer = contact::view_for(conn, customer, me).await?;
    Ok(())
}

pub async fn orders_for_customer(conn: &mut SqliteConnection, customer_id: &str) -> Result<Vec<OrderSummary>> {
    Ok(sqlx::query_as::<_, OrderSummary>(
        "SELECT r.id, r.number, r.status, r.service_type, r.checked_in_at, r.odometer_in_km, v.plate, v.destroyed_at IS NOT NULL AS vehicle_destroyed
         FROM repair_orders r JOIN vehicles v ON v.id = r.vehicle_id WHERE r.customer_id = ? ORDER BY r.checked_in_at DESC LIMIT 50",
    )
    .bind(customer_id)
    .fetch_all(conn)
    .await?)
}
