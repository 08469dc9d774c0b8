//! The station settings the workflow reads: the tax rate, the repeat-repair
//! window (a check-in within this many days of the vehicle's last delivery is
//! flagged as a possible 返修 and linked to that order), and after-sales'
//! two: how many days an unreached follow-up is retried, and the compensation
//! value above which a manager approves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::field;
use crate::auth::{Caller, Permission};
use crate::error::Result;
use crate::station::{ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, Deserialize, TS, sqlx::FromRow)]
pub struct WorkflowSettings {
    /// Basis points: 1300 = 13 %.
    #[ts(type = "number")]
    pub tax_rate_bp: i64,
    #[ts(type = "number")]
    pub repeat_repair_days: i64,
    /// An unreached follow-up ends as unreachable this many days after delivery.
    #[ts(type = "number")]
    #[serde(default = "default_give_up_days")]
    pub follow_up_give_up_days: i64,
    /// Compensation worth more than this (minor units) needs a manager's PIN.
    #[ts(type = "number")]
    #[serde(default = "default_approval_minor")]
    pub compensation_approval_minor: i64,
}

fn default_give_up_days() -> i64 {
    15
}

fn default_approval_minor() -> i64 {
    50_000
}

pub async fn get_workflow_settings(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<WorkflowSettings> {
    caller.require(Permission::Read)?;
    Ok(sqlx::query_as::<_, WorkflowSettings>(
        "SELECT tax_rate_bp, repeat_repair_days, follow_up_give_up_days, compensation_approval_minor FROM station LIMIT 1",
    )
    .fetch_one(station.pool())
    .await?)
}

pub async fn update_workflow_settings(station: &Station, caller: &Caller, input: WorkflowSettings) -> Result<WorkflowSettings> {
    let me = caller.require(Permission::ConfigureStation)?;
    if !(0..=10_000).contains(&input.tax_rate_bp) {
        return Err(field("tax_rate_bp", "settings.tax_rate", "the tax rate is between 0 and 100 %"));
    }
    if !(0..=365).contains(&input.repeat_repair_days) {
        return Err(field("repeat_repair_days", "settings.repeat_repair_days", "the repeat-repair window is between 0 and 365 days"));
    }
    if !(1..=90).contains(&input.follow_up_give_up_days) {
        return Err(field("follow_up_give_up_days", "settings.follow_up_give_up_days", "unreached customers are retried for 1 to 90 days"));
    }
    if !(0..=100_000_000).contains(&input.compensation_approval_minor) {
        return Err(field("compensation_approval_minor", "settings.compensation_approval", "the approval threshold is between 0 and 1,000,000"));
    }
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    sqlx::query(
        "UPDATE station SET tax_rate_bp = ?, repeat_repair_days = ?, follow_up_give_up_days = ?, compensation_approval_minor = ?, updated_at = ? WHERE id = ?",
    )
    .bind(input.tax_rate_bp)
    .bind(input.repeat_repair_days)
    .bind(input.follow_up_give_up_days)
    .bind(input.compensation_approval_minor)
    .bind(ts(now))
    .bind(&me.station_id)
    .execute(&mut *tx)
    .await?;
    outbox::append(&mut tx, &me.station_id, "station_settings", &me.station_id, outbox::Op::Upsert, &input, now).await?;
    tx.commit().await?;
    Ok(input)
}

/// The order this check-in may be a repeat repair of: the vehicle's latest
/// delivery within the station's window before `now`.
pub(crate) async fn repeat_repair_of(conn: &mut SqliteConnection, vehicle_id: &str, now: DateTime<Utc>) -> Result<Option<String>> {
    let days: i64 = sqlx::query_scalar("SELECT repeat_repair_days FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or(30);
    if days == 0 {
        return Ok(None);
    }
    let since = ts(now - chrono::Duration::days(days));
    Ok(sqlx::query_scalar(
        "SELECT id FROM repair_orders WHERE vehicle_id = ? AND delivered_at IS NOT NULL AND delivered_at >= ? ORDER BY delivered_at DESC LIMIT 1",
    )
    .bind(vehicle_id)
    .bind(since)
    .fetch_optional(conn)
    .await?)
}
