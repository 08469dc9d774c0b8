//! What check-in shows from the head office's data: open recall campaigns
//! covering the vehicle's VIN, and its visits to other stations (when the feed
//! carries them). Both come from local tables filled by the pull, so they work
//! offline, showing what was last pulled.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::domain::Vin;
use crate::error::{ApiError, Result};
use crate::station::Station;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct VehicleAlertsInput {
    /// A vehicle on file…
    #[ts(optional)]
    pub vehicle_id: Option<String>,
    /// …or a VIN being typed in the check-in wizard.
    #[ts(optional)]
    pub vin: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, TS, sqlx::FromRow)]
pub struct RecallAlert {
    pub campaign_id: String,
    pub title: String,
}

/// A repair order of this vehicle at another station.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct OtherStationVisit {
    pub ro_id: String,
    pub station_code: String,
    pub station_name: String,
    pub number: String,
    pub status: String,
    pub checked_in_at: String,
    #[ts(type = "number | null")]
    pub odometer_km: Option<i64>,
    /// The concerns, in the customer's words.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VehicleAlerts {
    pub vin: Option<String>,
    /// Open recall campaigns that list this VIN or a range holding it.
    pub recalls: Vec<RecallAlert>,
    /// Newest first.
    pub other_stations: Vec<OtherStationVisit>,
    /// Whether this station has pulled from a head office at all; without it the lists are empty for want of data.
    pub has_head_office_data: bool,
}

/// Open campaigns covering `vin` (exact VIN lists and inclusive text ranges)
/// that no order at this station has performed on it yet.
pub async fn recalls_for_vin(conn: &mut SqliteConnection, vin: &str) -> Result<Vec<RecallAlert>> {
    campaigns_covering(conn, vin, false).await
}

/// Every open campaign covering `vin`; with `include_done`, also those this
/// station already performed on it (the order page shows them as done).
pub(crate) async fn campaigns_covering(conn: &mut SqliteConnection, vin: &str, include_done: bool) -> Result<Vec<RecallAlert>> {
    Ok(sqlx::query_as::<_, RecallAlert>(
        "SELECT c.campaign_id, c.title FROM ho_recall_campaigns c
         WHERE c.deleted = 0
           AND (EXISTS (SELECT 1 FROM ho_recall_vins v WHERE v.vin = ?1 AND v.campaign_id = c.campaign_id)
                OR EXISTS (SELECT 1 FROM ho_recall_ranges r WHERE r.campaign_id = c.campaign_id AND r.vin_from <= ?1 AND r.vin_to >= ?1))
           AND (?2 OR NOT EXISTS (SELECT 1 FROM ro_recalls d WHERE d.vin = ?1 AND d.campaign_id = c.campaign_id))
         ORDER BY c.campaign_id",
    )
    .bind(vin)
    .bind(include_done)
    .fetch_all(conn)
    .await?)
}

pub async fn other_station_visits(conn: &mut SqliteConnection, vehicle_id: &str) -> Result<Vec<OtherStationVisit>> {
    Ok(sqlx::query_as::<_, OtherStationVisit>(
        "SELECT ro_id, station_code, station_name, number, status, checked_in_at, odometer_km, summary FROM ho_vehicle_history
         WHERE vehicle_id = ? ORDER BY checked_in_at DESC LIMIT 50",
    )
    .bind(vehicle_id)
    .fetch_all(conn)
    .await?)
}

pub async fn vehicle_alerts(station: &Station, caller: &Caller, input: VehicleAlertsInput) -> Result<VehicleAlerts> {
    caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let (vin, vehicle_id) = match (input.vehicle_id.as_deref().filter(|v| !v.is_empty()), input.vin.as_deref().filter(|v| !v.trim().is_empty())) {
        (Some(id), _) => {
            let vin: Option<Option<String>> = sqlx::query_scalar("SELECT vin FROM vehicles WHERE id = ?").bind(id).fetch_optional(&mut *conn).await?;
            let Some(vin) = vin else {
                return Err(ApiError::not_found("vehicle").with_field("vehicle_id"));
            };
            (vin, Some(id.to_string()))
        }
        (None, Some(raw)) => {
            let vin = Vin::parse(raw).map_err(|e| ApiError::field("vin", e))?;
            let id: Option<String> = sqlx::query_scalar("SELECT id FROM vehicles WHERE vin = ?").bind(vin.as_str()).fetch_optional(&mut *conn).await?;
            (Some(vin.as_str().to_string()), id)
        }
        (None, None) => return Err(ApiError::invalid("input.malformed", "give vehicle_id or vin").with_field("vehicle_id")),
    };
    let recalls = match &vin {
        Some(v) => recalls_for_vin(&mut conn, v).await?,
        None => Vec::new(),
    };
    let other_stations = match &vehicle_id {
        Some(id) => other_station_visits(&mut conn, id).await?,
        None => Vec::new(),
    };
    let has_head_office_data: bool =
        sqlx::query_scalar("SELECT last_pull_at IS NOT NULL FROM sync_state WHERE id = 1").fetch_optional(&mut *conn).await?.unwrap_or(false);
    Ok(VehicleAlerts { vin, recalls, other_stations, has_head_office_data })
}
