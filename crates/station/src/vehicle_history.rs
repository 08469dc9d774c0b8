//! A returning vehicle's past, for the first step of its check-in: the last
//! odometer reading, the last visit, open recall campaigns, the work the
//! customer declined on earlier visits (worth offering again), what they
//! reported on earlier visits, and complaints about the vehicle. One read,
//! from this station's records and the head office's last pulled recalls.
//!
//! A cancelled order is no visit: its odometer is not the car's last reading
//! and it is not the last visit. Its declined jobs are still declined work.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::aftersales::complaints::ComplaintStatus;
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::{ApiError, Result};
use crate::repair_orders::RoStatus;
use crate::station::Station;
use crate::sync::alerts::{recalls_for_vin, RecallAlert};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct VehicleHistoryInput {
    pub vehicle_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VehicleHistory {
    pub vehicle_id: String,
    /// The vehicle record's last reading, which leaves out readings from
    /// cancelled orders.
    #[ts(type = "number | null")]
    pub last_odometer_km: Option<i64>,
    pub last_visit: Option<PastVisit>,
    /// Orders of this vehicle here, cancelled ones left out.
    #[ts(type = "number")]
    pub visits: i64,
    pub open_recalls: Vec<RecallAlert>,
    /// Newest first.
    pub declined_work: Vec<DeclinedJob>,
    /// What the customer reported on earlier visits, newest first.
    pub earlier_concerns: Vec<EarlierConcern>,
    /// Complaints (投诉) about this vehicle, newest first.
    pub complaints: Vec<PastComplaint>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PastVisit {
    pub ro_id: String,
    pub number: String,
    pub status: RoStatus,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[ts(type = "number")]
    pub odometer_in_km: i64,
}

/// A job the customer declined at authorization.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeclinedJob {
    pub ro_id: String,
    pub number: String,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    /// The job's concern, as the advisor wrote it.
    pub concern: String,
    /// What its lines came to when it was offered.
    pub amount: Money,
    #[ts(type = "string | null")]
    pub declined_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct EarlierConcern {
    pub ro_id: String,
    pub number: String,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PastComplaint {
    pub id: String,
    pub number: String,
    pub status: ComplaintStatus,
    /// Still being handled (not resolved or closed).
    pub open: bool,
    #[ts(type = "string")]
    pub received_at: DateTime<Utc>,
    pub description: String,
}

/// How many of each list the check-in shows; older ones are on the orders themselves.
const LIST_MAX: i64 = 10;

pub async fn vehicle_history(station: &Station, caller: &Caller, input: VehicleHistoryInput) -> Result<VehicleHistory> {
    caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    history(&mut conn, &input.vehicle_id).await
}

pub async fn history(conn: &mut SqliteConnection, vehicle_id: &str) -> Result<VehicleHistory> {
    let vehicle: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT vin, last_odometer_km FROM vehicles WHERE id = ?").bind(vehicle_id).fetch_optional(&mut *conn).await?;
    // The vehicle's own last reading already leaves out cancelled orders
    // (`check_in::refresh_last_odometer`), the same number the rollback check uses.
    let Some((vin, last_odometer_km)) = vehicle else {
        return Err(ApiError::not_found("vehicle").with_field("vehicle_id"));
    };

    type VisitRow = (String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, i64);
    let last: Option<VisitRow> = sqlx::query_as(
        "SELECT id, number, status, checked_in_at, delivered_at, odometer_in_km FROM repair_orders
         WHERE vehicle_id = ? AND status <> 'cancelled' ORDER BY checked_in_at DESC, rowid DESC LIMIT 1",
    )
    .bind(vehicle_id)
    .fetch_optional(&mut *conn)
    .await?;
    let last_visit = match last {
        None => None,
        Some((ro_id, number, status, checked_in_at, delivered_at, odometer_in_km)) => Some(PastVisit {
            ro_id,
            number,
            status: RoStatus::parse(&status).ok_or_else(|| ApiError::internal("unexpected order status in the database"))?,
            checked_in_at,
            delivered_at,
            odometer_in_km,
        }),
    };
    let visits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM repair_orders WHERE vehicle_id = ? AND status <> 'cancelled'").bind(vehicle_id).fetch_one(&mut *conn).await?;

    type DeclinedRow = (String, String, DateTime<Utc>, String, i64, Option<DateTime<Utc>>);
    let declined: Vec<DeclinedRow> = sqlx::query_as(
        "SELECT o.id, o.number, o.checked_in_at, j.concern,
                COALESCE((SELECT SUM(l.amount_minor) FROM ro_lines l WHERE l.job_id = j.id), 0), j.decided_at
         FROM ro_jobs j JOIN repair_orders o ON o.id = j.ro_id
         WHERE o.vehicle_id = ? AND j.approval = 'declined'
         ORDER BY COALESCE(j.decided_at, o.checked_in_at) DESC, j.position LIMIT ?",
    )
    .bind(vehicle_id)
    .bind(LIST_MAX)
    .fetch_all(&mut *conn)
    .await?;
    let declined_work = declined
        .into_iter()
        .map(|(ro_id, number, checked_in_at, concern, amount, declined_at)| DeclinedJob {
            ro_id,
            number,
            checked_in_at,
            concern,
            amount: Money::from_minor(amount),
            declined_at,
        })
        .collect();

    let earlier_concerns = sqlx::query_as::<_, EarlierConcern>(
        "SELECT o.id AS ro_id, o.number, o.checked_in_at, c.text FROM ro_concerns c JOIN repair_orders o ON o.id = c.ro_id
         WHERE o.vehicle_id = ? AND o.status <> 'cancelled' ORDER BY o.checked_in_at DESC, c.position LIMIT ?",
    )
    .bind(vehicle_id)
    .bind(LIST_MAX)
    .fetch_all(&mut *conn)
    .await?;

    let complaint_rows: Vec<(String, String, ComplaintStatus, DateTime<Utc>, String)> =
        sqlx::query_as("SELECT id, number, status, received_at, description FROM complaints WHERE vehicle_id = ? ORDER BY received_at DESC LIMIT ?")
            .bind(vehicle_id)
            .bind(LIST_MAX)
            .fetch_all(&mut *conn)
            .await?;
    let complaints = complaint_rows
        .into_iter()
        .map(|(id, number, status, received_at, description)| PastComplaint {
            id,
            number,
            open: !matches!(status, ComplaintStatus::Resolved | ComplaintStatus::Closed),
            status,
            received_at,
            description,
        })
        .collect();

    let open_recalls = match &vin {
        Some(v) => recalls_for_vin(conn, v).await?,
        None => Vec::new(),
    };
    Ok(VehicleHistory { vehicle_id: vehicle_id.to_string(), last_odometer_km, last_visit, visits, open_recalls, declined_work, earlier_concerns, complaints })
}
