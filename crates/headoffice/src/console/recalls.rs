//! Recall campaigns in the console: the campaigns (administrators edit them
//! under Master data), and one campaign's completion over the caller's
//! stations — how many covered VINs are done, and each VIN, done (station,
//! order number, date) or open, filtered and a page at a time. Computed in
//! PostgreSQL by `store::recalls`; a regional manager's figures count only
//! vehicles on file at, and recalls done by, the stations of their regions.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use ts_rs::TS;

use super::audit::number;
use super::error::{ConsoleError, ConsoleResult};
use super::master::MasterQuery;
use super::roles::{require, Action};
use super::sessions::ConsoleSession;
use crate::store::master;
use crate::store::recalls::{self as store, VinFilter};

const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

/// An inclusive VIN range of a campaign.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VinRange {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecallCampaignRow {
    pub campaign_id: String,
    pub title: String,
    /// How many VINs the campaign lists one by one.
    #[ts(type = "number")]
    pub listed_vins: i64,
    pub vin_ranges: Vec<VinRange>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecallCampaigns {
    pub campaigns: Vec<RecallCampaignRow>,
    #[ts(type = "number")]
    pub total: i64,
}

/// `GET …/recalls/{campaign_id}?status=all|done|open&vin=&offset=&limit=`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct CompletionQuery {
    /// `all` (the default), `done` or `open`.
    #[ts(optional)]
    pub status: Option<String>,
    /// Part of a VIN, any case.
    #[ts(optional)]
    pub vin: Option<String>,
    #[ts(optional)]
    pub offset: Option<String>,
    /// 1 to 500; 100 when absent.
    #[ts(optional)]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VinStatus {
    Done,
    Open,
}

/// A covered VIN; where and when it was done, if it was.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecallVin {
    pub vin: String,
    pub status: VinStatus,
    pub station_code: Option<String>,
    pub station_name: Option<String>,
    pub ro_number: Option<String>,
    /// When the station recorded it (RFC 3339, the station's clock).
    pub performed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecallCompletion {
    pub campaign: RecallCampaignRow,
    /// VINs covered in the caller's scope: every listed VIN (head office-wide)
    /// and, of the ranges, the vehicles on file at a station.
    #[ts(type = "number")]
    pub covered: i64,
    #[ts(type = "number")]
    pub done: i64,
    #[ts(type = "number")]
    pub open: i64,
    /// Done over covered, in per cent to one decimal; `null` when nothing is covered.
    #[ts(type = "number | null")]
    pub done_percent: Option<f64>,
    /// The campaign has VIN ranges: their VINs are counted only as vehicles seen at stations.
    pub ranges_counted_by_vehicles_seen: bool,
    /// The caller sees some stations only: every figure is theirs (vehicles on file there, recalls done there).
    pub regional: bool,
    /// The page of VINs the filter keeps: open ones first, then by VIN.
    pub vins: Vec<RecallVin>,
    /// How many VINs the filter keeps in all.
    #[ts(type = "number")]
    pub matching: i64,
    /// Where the next and the previous page start, when there is one.
    #[ts(type = "number | null")]
    pub next_offset: Option<i64>,
    #[ts(type = "number | null")]
    pub previous_offset: Option<i64>,
}

fn campaign_row(payload: &Value) -> RecallCampaignRow {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    RecallCampaignRow {
        campaign_id: text(&payload["campaign_id"]),
        title: text(&payload["title"]),
        listed_vins: payload["vins"].as_array().map_or(0, |a| a.len() as i64),
        vin_ranges: payload["vin_ranges"]
            .as_array()
            .map(|a| a.iter().map(|r| VinRange { from: text(&r["from"]), to: text(&r["to"]) }).collect())
            .unwrap_or_default(),
    }
}

/// `GET …/recalls?q=&offset=&limit=`: the query of a master-data list.
pub async fn list(pool: &PgPool, session: &ConsoleSession, query: MasterQuery) -> ConsoleResult<RecallCampaigns> {
    require(session.user.role, Action::ViewRecalls)?;
    let offset = number("offset", query.offset.as_deref(), 0..=i64::from(i32::MAX))?.unwrap_or(0);
    let limit = number("limit", query.limit.as_deref(), 1..=MAX_PAGE)?.unwrap_or(DEFAULT_PAGE);
    let (rows, total) = master::page(pool, master::RECALL, query.q.as_deref().unwrap_or("").trim(), offset, limit).await?;
    Ok(RecallCampaigns { campaigns: rows.iter().map(|(_, p, _)| campaign_row(p)).collect(), total })
}

pub async fn completion(pool: &PgPool, session: &ConsoleSession, campaign_id: &str, query: CompletionQuery) -> ConsoleResult<RecallCompletion> {
    require(session.user.role, Action::ViewRecalls)?;
    let filter = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => VinFilter::All,
        Some("done") => VinFilter::Done,
        Some("open") => VinFilter::Open,
        Some(other) => return Err(ConsoleError::field("status", "recall.status", format!("status {other:?} is not all, done or open"))),
    };
    let vin = query.vin.as_deref().unwrap_or("").trim();
    if vin.len() > 17 || !vin.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ConsoleError::field("vin", "recall.vin_fragment", "a VIN, or part of one: up to 17 letters and digits"));
    }
    let offset = number("offset", query.offset.as_deref(), 0..=i64::from(i32::MAX))?.unwrap_or(0);
    let limit = number("limit", query.limit.as_deref(), 1..=MAX_PAGE)?.unwrap_or(DEFAULT_PAGE);
    let scope = session.scope.station_ids();
    let found = store::completion(pool, campaign_id, scope, filter, vin, offset, limit).await?;
    let c = found.ok_or_else(|| ConsoleError::not_found("recall campaign"))?;
    let campaign = campaign_row(&c.campaign);
    Ok(RecallCompletion {
        covered: c.covered,
        done: c.done,
        open: c.covered - c.done,
        done_percent: (c.covered > 0).then(|| (c.done as f64 * 1000.0 / c.covered as f64).round() / 10.0),
        ranges_counted_by_vehicles_seen: !campaign.vin_ranges.is_empty(),
        regional: scope.is_some(),
        vins: c
            .rows
            .into_iter()
            .map(|r| RecallVin {
                status: if r.station_id.is_some() { VinStatus::Done } else { VinStatus::Open },
                vin: r.vin,
                station_code: r.station_code,
                station_name: r.station_name,
                ro_number: r.ro_number,
                performed_at: r.performed_at,
            })
            .collect(),
        next_offset: (offset + limit < c.matching).then_some(offset + limit),
        previous_offset: (offset > 0).then(|| (offset - limit).max(0)),
        matching: c.matching,
        campaign,
    })
}
