//! Who looked at customers' data, for the people who answer for it (issue 12):
//!
//! - the access register the stations sync (`access_entry` records: who opened
//!   which customer, order or document, and why where a reason was asked),
//!   filtered by station, staff member and customer, newest first, paged;
//! - the grants a head-office lookup gave (`shared_grants`): which station got
//!   which customer or vehicle, when, and which of its staff asked.
//!
//! Both are read-only and scoped like every console read: a regional manager
//! sees their regions' stations only; another region's station asked for by
//! id gives an empty page, not an error. Customers are named by their number
//! and a masked name, vehicles by a masked plate: enough to recognise a record,
//! no more than the reader needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sync_protocol::lookup::{mask_name, mask_plate};
use ts_rs::TS;
use uuid::Uuid;

use super::audit::number;
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action};
use super::sessions::ConsoleSession;

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// A station as these pages name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(rename = "PrivacyStation")]
pub struct StationRef {
    pub station_id: String,
    pub code: String,
    pub name: String,
}

/// `GET …/access-register?station=&staff=&customer=&offset=&limit=`: text, checked here so a bad one is named.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AccessRegisterQuery {
    /// One station's id.
    #[ts(optional)]
    pub station: Option<String>,
    /// One staff member's id (the page's `staff_choices` for the chosen station).
    #[ts(optional)]
    pub staff: Option<String>,
    /// A customer's number (`SH01-C-000001`) or id, exactly.
    #[ts(optional)]
    pub customer: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub offset: Option<String>,
    /// 1 to 200; 50 when absent.
    #[ts(optional, as = "Option<String>")]
    pub limit: Option<String>,
}

/// One opening as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AccessRow {
    pub id: String,
    pub station: StationRef,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    pub staff_id: String,
    /// As the station's staff record reads now; absent if it never synced.
    pub staff_name: Option<String>,
    /// The role they had when they looked (`advisor`, `manager`, …).
    pub staff_role: String,
    /// `customer`, `order`, `document` or `contact` (the whole number shown).
    pub kind: String,
    pub customer_id: Option<String>,
    pub customer_no: Option<String>,
    /// Masked (`王*`).
    pub customer_name: Option<String>,
    /// The customer's personal data was destroyed past retention, everywhere
    /// or by this entry's station (the head office may keep the customer for
    /// another station): no name is sent.
    pub customer_destroyed: bool,
    pub ro_number: Option<String>,
    /// Why, where a reason was asked (`customer_request`, …).
    pub reason: Option<String>,
}

/// A staff member the staff filter offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StaffChoice {
    pub staff_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AccessRegisterPage {
    /// Newest first.
    pub entries: Vec<AccessRow>,
    /// Matching the filters, on every page.
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub limit: i64,
    #[ts(type = "number")]
    pub offset: i64,
    /// The chosen station's staff, by name; empty until a station is chosen.
    pub staff_choices: Vec<StaffChoice>,
}

/// `GET …/lookup-grants?station=&offset=&limit=`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct LookupGrantsQuery {
    /// One station's id: the grants it received.
    #[ts(optional)]
    pub station: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub offset: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub limit: Option<String>,
}

/// One grant: the station given access, the record, when, by whose lookup.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct GrantRow {
    #[ts(type = "number")]
    pub id: i64,
    pub station: StationRef,
    /// `customer` or `vehicle`.
    pub entity: String,
    pub entity_id: String,
    /// What the lookup searched by: `phone`, `plate` or `vin` (never the value).
    pub lookup_kind: Option<String>,
    pub staff_id: String,
    pub staff_name: String,
    #[ts(type = "string")]
    pub granted_at: DateTime<Utc>,
    /// A customer's number and masked name; a vehicle's masked plate.
    pub customer_no: Option<String>,
    pub customer_name: Option<String>,
    pub plate: Option<String>,
    /// Destroyed past retention, everywhere or by the station granted it: no name or plate is sent.
    pub destroyed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LookupGrantsPage {
    /// Newest first.
    pub grants: Vec<GrantRow>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub limit: i64,
    #[ts(type = "number")]
    pub offset: i64,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Another region's station needs no check of its own: the scope filters it out.
fn station_filter(raw: &Option<String>) -> ConsoleResult<Option<Uuid>> {
    text(raw)
        .map(|raw| Uuid::parse_str(raw).map_err(|_| ConsoleError::field("station", "privacy.station", format!("station {raw:?} is not a station's id"))))
        .transpose()
}

fn paging(offset: &Option<String>, limit: &Option<String>) -> ConsoleResult<(i64, i64)> {
    let offset = number("offset", text(offset), 0..=i64::MAX)?.unwrap_or(0);
    let limit = number("limit", text(limit), 1..=MAX_PAGE)?.unwrap_or(DEFAULT_PAGE);
    Ok((offset, limit))
}

fn masked(name: Option<String>, destroyed: bool) -> Option<String> {
    // A destroyed customer's name is a placeholder, not a person's: the UI words it.
    name.filter(|_| !destroyed).map(|n| mask_name(&n))
}

type AccessDbRow =
    (String, Uuid, String, String, sqlx::types::Json<serde_json::Value>, Option<String>, Option<String>, Option<String>, bool, Option<String>, i64);

fn field(p: &serde_json::Value, key: &str) -> Option<String> {
    p.get(key).and_then(serde_json::Value::as_str).map(str::to_string)
}

/// The access register of the caller's stations, newest first.
pub async fn access_register(pool: &PgPool, session: &ConsoleSession, q: AccessRegisterQuery) -> ConsoleResult<AccessRegisterPage> {
    require(session.user.role, Action::ViewAccessRegister)?;
    let station = station_filter(&q.station)?;
    let (offset, limit) = paging(&q.offset, &q.limit)?;
    let rows: Vec<AccessDbRow> = sqlx::query_as(
        "SELECT r.entity_id, s.station_id, s.code, s.name, r.payload, st.payload->>'name',
                c.fields->>'customer_no', c.fields->>'name',
                (d.entity_id IS NOT NULL OR EXISTS (SELECT 1 FROM records x WHERE x.station_id = r.station_id AND x.entity = 'destruction'
                                                     AND x.payload->'customers' @> jsonb_build_array(r.payload->>'customer_id'))),
                ro.payload->>'number', count(*) OVER ()
         FROM records r
         JOIN stations s ON s.station_id = r.station_id
         LEFT JOIN records st ON st.station_id = r.station_id AND st.entity = 'staff' AND st.entity_id = r.payload->>'staff_id'
         LEFT JOIN shared_records c ON c.entity = 'customer' AND c.entity_id = r.payload->>'customer_id'
         LEFT JOIN destroyed_shared d ON d.entity = 'customer' AND d.entity_id = r.payload->>'customer_id'
         LEFT JOIN records ro ON ro.station_id = r.station_id AND ro.entity = 'repair_order' AND ro.entity_id = r.payload->>'ro_id'
         WHERE r.entity = 'access_entry'
           AND ($1::uuid[] IS NULL OR r.station_id = ANY($1))
           AND ($2::uuid IS NULL OR r.station_id = $2)
           AND ($3::text IS NULL OR r.payload->>'staff_id' = $3)
           AND ($4::text IS NULL OR r.payload->>'customer_id' = $4 OR r.payload->>'customer_id' IN
                (SELECT entity_id FROM shared_records WHERE entity = 'customer' AND fields->>'customer_no' = $4))
         ORDER BY r.payload->>'at' DESC, r.entity_id DESC
         LIMIT $5 OFFSET $6",
    )
    .bind(session.scope.station_ids())
    .bind(station)
    .bind(text(&q.staff))
    .bind(text(&q.customer))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = match rows.first() {
        Some(r) => r.10,
        // A page past the end still says how many there are.
        None if offset > 0 => access_total(pool, session, station, &q).await?,
        None => 0,
    };
    let entries = rows
        .into_iter()
        .map(|(id, station_id, code, name, payload, staff_name, customer_no, customer_name, destroyed, ro_number, _)| {
            let p = &payload.0;
            AccessRow {
                id,
                station: StationRef { station_id: station_id.to_string(), code, name },
                at: field(p, "at").and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
                staff_id: field(p, "staff_id").unwrap_or_default(),
                staff_name,
                staff_role: field(p, "staff_role").unwrap_or_default(),
                kind: field(p, "kind").unwrap_or_default(),
                customer_id: field(p, "customer_id"),
                customer_no,
                customer_name: masked(customer_name, destroyed),
                customer_destroyed: destroyed,
                ro_number,
                reason: field(p, "reason"),
            }
        })
        .collect();
    let staff_choices = match station.filter(|s| session.scope.includes(*s)) {
        Some(s) => {
            let staff: Vec<(String, String)> = sqlx::query_as(
                "SELECT entity_id, payload->>'name' FROM records WHERE station_id = $1 AND entity = 'staff' AND NOT deleted AND payload->>'name' IS NOT NULL
                 ORDER BY payload->>'name', entity_id",
            )
            .bind(s)
            .fetch_all(pool)
            .await?;
            staff.into_iter().map(|(staff_id, name)| StaffChoice { staff_id, name }).collect()
        }
        None => Vec::new(),
    };
    Ok(AccessRegisterPage { entries, total, limit, offset, staff_choices })
}

async fn access_total(pool: &PgPool, session: &ConsoleSession, station: Option<Uuid>, q: &AccessRegisterQuery) -> ConsoleResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM records r WHERE r.entity = 'access_entry'
           AND ($1::uuid[] IS NULL OR r.station_id = ANY($1))
           AND ($2::uuid IS NULL OR r.station_id = $2)
           AND ($3::text IS NULL OR r.payload->>'staff_id' = $3)
           AND ($4::text IS NULL OR r.payload->>'customer_id' = $4 OR r.payload->>'customer_id' IN
                (SELECT entity_id FROM shared_records WHERE entity = 'customer' AND fields->>'customer_no' = $4))",
    )
    .bind(session.scope.station_ids())
    .bind(station)
    .bind(text(&q.staff))
    .bind(text(&q.customer))
    .fetch_one(pool)
    .await?)
}

type GrantDbRow =
    (i64, Uuid, String, String, String, String, Option<String>, String, String, DateTime<Utc>, Option<String>, Option<String>, Option<String>, bool, i64);

/// The grants head-office lookups gave the caller's stations, newest first.
pub async fn lookup_grants(pool: &PgPool, session: &ConsoleSession, q: LookupGrantsQuery) -> ConsoleResult<LookupGrantsPage> {
    require(session.user.role, Action::ViewAccessRegister)?;
    let station = station_filter(&q.station)?;
    let (offset, limit) = paging(&q.offset, &q.limit)?;
    let rows: Vec<GrantDbRow> = sqlx::query_as(
        "SELECT g.grant_id, s.station_id, s.code, s.name, g.entity, g.entity_id, g.lookup_kind, g.staff_id, g.staff_name, g.granted_at,
                r.fields->>'customer_no', r.fields->>'name', r.fields->>'plate',
                (d.entity_id IS NOT NULL OR EXISTS (SELECT 1 FROM records x WHERE x.station_id = g.station_id AND x.entity = 'destruction'
                     AND ((g.entity = 'customer' AND x.payload->'customers' @> jsonb_build_array(g.entity_id))
                          OR (g.entity = 'vehicle' AND x.payload->'vehicles' @> jsonb_build_array(g.entity_id))))),
                count(*) OVER ()
         FROM shared_grants g
         JOIN stations s ON s.station_id = g.station_id
         LEFT JOIN shared_records r ON r.entity = g.entity AND r.entity_id = g.entity_id
         LEFT JOIN destroyed_shared d ON d.entity = g.entity AND d.entity_id = g.entity_id
         WHERE ($1::uuid[] IS NULL OR g.station_id = ANY($1)) AND ($2::uuid IS NULL OR g.station_id = $2)
         ORDER BY g.granted_at DESC, g.grant_id DESC
         LIMIT $3 OFFSET $4",
    )
    .bind(session.scope.station_ids())
    .bind(station)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = match rows.first() {
        Some(r) => r.14,
        None if offset > 0 => {
            sqlx::query_scalar(
                "SELECT count(*) FROM shared_grants g WHERE ($1::uuid[] IS NULL OR g.station_id = ANY($1)) AND ($2::uuid IS NULL OR g.station_id = $2)",
            )
            .bind(session.scope.station_ids())
            .bind(station)
            .fetch_one(pool)
            .await?
        }
        None => 0,
    };
    let grants = rows
        .into_iter()
        .map(
            |(
                id,
                station_id,
                code,
                name,
                entity,
                entity_id,
                lookup_kind,
                staff_id,
                staff_name,
                granted_at,
                customer_no,
                customer_name,
                plate,
                destroyed,
                _,
            )| {
                let is_customer = entity == "customer";
                GrantRow {
                    id,
                    station: StationRef { station_id: station_id.to_string(), code, name },
                    entity,
                    entity_id,
                    lookup_kind,
                    staff_id,
                    staff_name,
                    granted_at,
                    customer_no: customer_no.filter(|_| is_customer),
                    customer_name: masked(customer_name.filter(|_| is_customer), destroyed),
                    plate: plate.filter(|p| !destroyed && !is_customer && !p.is_empty()).map(|p| mask_plate(&p)),
                    destroyed,
                }
            },
        )
        .collect();
    Ok(LookupGrantsPage { grants, total, limit, offset })
}
