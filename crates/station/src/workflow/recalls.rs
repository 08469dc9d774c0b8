//! Recall campaigns on an order: the head office's campaigns covering the
//! order's VIN (pulled into `ho_recall_campaigns`), each shown on the order
//! page with whether it was performed and whether the caller may mark it; and
//! the mark itself (`perform_recall`), synced as `ro_recall` so the head office
//! counts each campaign's completion per VIN (docs/console.md).
//!
//! A recall is work on the order, so the advisor or the technician marks it
//! while the order is open, optionally naming the job it was done under. It is
//! written once: one VIN is done once per campaign at a station.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{audit, field, refused, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission, Role};
use crate::error::Result;
use crate::repair_orders::RepairOrder;
use crate::station::{new_id, ts, Station};

/// A performed recall as stored and synced.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct RecallRecord {
    pub id: String,
    pub ro_id: String,
    pub ro_number: String,
    pub campaign_id: String,
    pub title: String,
    pub vin: String,
    pub job_id: Option<String>,
    pub performed_by: String,
    #[ts(type = "string")]
    pub performed_at: DateTime<Utc>,
}

/// Where and when a campaign was done on this vehicle at this station.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct PerformedRecall {
    pub ro_id: String,
    pub ro_number: String,
    pub job_id: Option<String>,
    pub performed_by_name: String,
    #[ts(type = "string")]
    pub performed_at: DateTime<Utc>,
}

/// A campaign on the order page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderRecall {
    pub campaign_id: String,
    pub title: String,
    /// Set once done, on this order or an earlier one of the same vehicle.
    pub performed: Option<PerformedRecall>,
    /// Whether the caller may mark it performed on this order now.
    pub can_mark: bool,
}

/// Marking a recall is work on the order: the advisor's or the technician's.
fn may_mark(role: Role) -> bool {
    Permission::EditJobs.allows(role) || Permission::Repair.allows(role)
}

async fn vin_of_order(conn: &mut SqliteConnection, ro_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT v.vin FROM repair_orders r JOIN vehicles v ON v.id = r.vehicle_id WHERE r.id = ?")
        .bind(ro_id)
        .fetch_optional(conn)
        .await?
        .flatten())
}

async fn performed(conn: &mut SqliteConnection, vin: &str, campaign_id: &str) -> Result<Option<PerformedRecall>> {
    Ok(sqlx::query_as::<_, PerformedRecall>(
        "SELECT d.ro_id, d.ro_number, d.job_id, COALESCE(s.name, d.performed_by) AS performed_by_name, d.performed_at
         FROM ro_recalls d LEFT JOIN staff s ON s.id = d.performed_by WHERE d.vin = ? AND d.campaign_id = ?",
    )
    .bind(vin)
    .bind(campaign_id)
    .fetch_optional(conn)
    .await?)
}

/// The campaigns covering the order's VIN, and those performed on the order
/// (also once the head office has closed them), with what the caller may do.
pub(crate) async fn order_recalls(conn: &mut SqliteConnection, order: &RepairOrder, role: Role) -> Result<Vec<OrderRecall>> {
    let Some(vin) = order.vehicle.vin.clone().filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut campaigns: Vec<(String, String)> =
        crate::sync::alerts::campaigns_covering(&mut *conn, &vin, true).await?.into_iter().map(|c| (c.campaign_id, c.title)).collect();
    let done_here: Vec<(String, String)> =
        sqlx::query_as("SELECT campaign_id, title FROM ro_recalls WHERE ro_id = ? ORDER BY campaign_id").bind(&order.id).fetch_all(&mut *conn).await?;
    for c in done_here {
        if !campaigns.iter().any(|(id, _)| *id == c.0) {
            campaigns.push(c);
        }
    }
    let open = order.status.is_open() && may_mark(role);
    let mut out = Vec::new();
    for (campaign_id, title) in campaigns {
        let performed = performed(&mut *conn, &vin, &campaign_id).await?;
        out.push(OrderRecall { can_mark: open && performed.is_none(), campaign_id, title, performed });
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PerformRecall {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    /// A campaign shown for the order's VIN.
    pub campaign_id: String,
    /// The job the recall work was done under, if any.
    #[ts(optional)]
    pub job_id: Option<String>,
}

/// Records that the order performed a recall campaign covering its VIN.
pub async fn perform_recall(station: &Station, caller: &Caller, input: PerformRecall) -> Result<OrderDetail> {
    let me = caller.staff()?;
    if !may_mark(me.role) {
        caller.require(Permission::EditJobs)?;
    }
    let campaign_id = input.campaign_id.trim().to_string();
    if campaign_id.is_empty() {
        return Err(field("campaign_id", "recall.campaign_required", "choose the recall campaign that was performed"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if !w.status.is_open() {
        return Err(refused("recall.order_not_open", "a recall is marked on an open order; this one is delivered, closed or cancelled"));
    }
    let ro_id = input.ro_id.clone();
    let Some(vin) = vin_of_order(w.conn(), &ro_id).await?.filter(|v| !v.is_empty()) else {
        return Err(field("campaign_id", "recall.no_vin", "the order's vehicle has no VIN; recalls are matched by VIN"));
    };
    let covering = crate::sync::alerts::campaigns_covering(w.conn(), &vin, true).await?;
    let Some(campaign) = covering.into_iter().find(|c| c.campaign_id == campaign_id) else {
        return Err(field("campaign_id", "recall.not_for_vin", format!("campaign {campaign_id} is not an open recall for VIN {vin}")));
    };
    if let Some(done) = performed(w.conn(), &vin, &campaign_id).await? {
        return Err(refused("recall.already_performed", format!("campaign {campaign_id} was already performed on this vehicle (order {})", done.ro_number))
            .with_field("campaign_id"));
    }
    let job_id = input.job_id.filter(|j| !j.is_empty());
    if let Some(job) = &job_id {
        let on_order: Option<String> =
            sqlx::query_scalar("SELECT id FROM ro_jobs WHERE id = ? AND ro_id = ?").bind(job).bind(&ro_id).fetch_optional(w.conn()).await?;
        if on_order.is_none() {
            return Err(field("job_id", "recall.job_not_on_order", "choose a job of this order"));
        }
    }
    let ctx = w.ctx.clone();
    let ro_number: String = sqlx::query_scalar("SELECT number FROM repair_orders WHERE id = ?").bind(&ro_id).fetch_one(w.conn()).await?;
    let record = RecallRecord {
        id: new_id(),
        ro_id: ro_id.clone(),
        ro_number,
        campaign_id,
        title: campaign.title,
        vin,
        job_id,
        performed_by: ctx.staff_id.clone(),
        performed_at: ctx.now,
    };
    sqlx::query(
        "INSERT INTO ro_recalls (id, station_id, ro_id, ro_number, campaign_id, title, vin, job_id, performed_by, performed_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&record.id)
    .bind(&ctx.station_id)
    .bind(&record.ro_id)
    .bind(&record.ro_number)
    .bind(&record.campaign_id)
    .bind(&record.title)
    .bind(&record.vin)
    .bind(&record.job_id)
    .bind(&record.performed_by)
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .execute(w.conn())
    .await?;
    audit::wrote(w.conn(), &ctx, Some(&ro_id), "ro_recall", &record.id, "perform", None::<&RecallRecord>, &record).await?;
    w.finish().await
}
