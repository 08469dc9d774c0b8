//! Finding a customer at the head office (issue 12). A customer who walks into
//! this station for the first time may be on file at another: when the local
//! search finds nothing for a whole plate, VIN or phone, the desk asks the head
//! office (`head_office_lookup`), which answers masked. Using a result
//! (`adopt_head_office_record`) makes the head office grant this station
//! access, log who asked, and send the customer and vehicles in full; they are
//! written here as a pull writes shared records (no outbox row), so check-in
//! continues with them instead of creating a duplicate.
//!
//! Offline (not enrolled, or the head office does not answer in a few seconds)
//! the lookup says so and the desk works from this station's records alone.

use serde::{Deserialize, Serialize};
use sync_protocol::lookup::{AdoptRequest, LookupCustomer, LookupKind, LookupRequest};
use ts_rs::TS;

use super::client::{Client, SyncError};
use super::{pull, state};
use crate::auth::{Caller, Permission};
use crate::domain::{classify, Typed, TypedKind};
use crate::error::{ApiError, Result};
use crate::search::{customer_summary, CustomerSummary};
use crate::station::Station;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct HeadOfficeLookupInput {
    /// What was typed into the search box.
    pub q: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadOfficeLookup {
    /// What the head office was asked: a whole plate, VIN or phone. `None`
    /// when the text is none of them (a name, a fragment): then nothing is asked.
    pub query: Option<Typed>,
    /// Set when the head office could not be asked: the search shows this
    /// station's own records only, and says so. Why: `sync.not_enrolled`,
    /// `sync.unreachable`, or the head office's error code.
    pub offline: Option<String>,
    /// Customers on file at other stations, masked.
    pub customers: Vec<HeadOfficeCustomer>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadOfficeCustomer {
    pub id: String,
    /// Masked: `罗*`.
    pub name: String,
    /// Masked: `138****5678`.
    pub phones: Vec<String>,
    pub customer_no: String,
    pub vehicles: Vec<HeadOfficeVehicle>,
    /// What using this result adopts: the vehicle the query matched, else the customer.
    pub adopt: AdoptTarget,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HeadOfficeVehicle {
    pub id: String,
    /// Masked (`沪A***45`) unless it is what was typed.
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    #[ts(type = "number | null")]
    pub model_year: Option<i64>,
    /// The query was this vehicle's plate or VIN.
    pub matched: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AdoptTarget {
    /// `customer` or `vehicle`.
    pub entity: String,
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AdoptHeadOfficeRecord {
    /// The search text the result came from: the head office grants only what it finds.
    pub q: String,
    pub target: AdoptTarget,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AdoptedRecord {
    /// The customer, now on file here.
    pub customer: CustomerSummary,
    /// The vehicle to check in: the one the query matched, or the customer's
    /// only one; `None` when the customer has several (the desk picks on the customer's page).
    pub vehicle_id: Option<String>,
}

fn lookup_kind(typed: &Typed) -> Option<LookupKind> {
    match typed.kind {
        TypedKind::Plate => Some(LookupKind::Plate),
        TypedKind::Vin => Some(LookupKind::Vin),
        TypedKind::Phone => Some(LookupKind::Phone),
        TypedKind::Name => None,
    }
}

/// The whole plate, VIN or phone `q` is, as the head office is asked for it.
fn exact_query(q: &str) -> Option<(Typed, LookupRequest)> {
    let typed = classify(q)?;
    let kind = lookup_kind(&typed)?;
    let value = sync_protocol::lookup::normalise(kind, &typed.value)?;
    Some((typed, LookupRequest { kind, value }))
}

async fn client(station: &Station) -> Result<Option<Client>> {
    let Some(e) = state::enrollment(station.pool()).await? else { return Ok(None) };
    Ok(Some(Client::new(&e.head_office_url, Some(e.token)).map_err(|e| ApiError::internal(e.to_string()))?))
}

fn answer(c: LookupCustomer) -> HeadOfficeCustomer {
    let adopt = match c.vehicles.iter().find(|v| v.matched) {
        Some(v) => AdoptTarget { entity: "vehicle".into(), id: v.vehicle_id.clone() },
        None => AdoptTarget { entity: "customer".into(), id: c.customer_id.clone() },
    };
    HeadOfficeCustomer {
        id: c.customer_id,
        name: c.name,
        phones: c.phones,
        customer_no: c.customer_no,
        vehicles: c
            .vehicles
            .into_iter()
            .map(|v| HeadOfficeVehicle {
                id: v.vehicle_id,
                plate: v.plate,
                vin: v.vin,
                make: v.make,
                model: v.model,
                model_year: v.model_year,
                matched: v.matched,
            })
            .collect(),
        adopt,
    }
}

fn offline(query: Option<Typed>, code: &str) -> HeadOfficeLookup {
    HeadOfficeLookup { query, offline: Some(code.to_string()), customers: Vec::new() }
}

pub async fn head_office_lookup(station: &Station, caller: &Caller, input: HeadOfficeLookupInput) -> Result<HeadOfficeLookup> {
    caller.require(Permission::EditArchive)?;
    let Some((typed, req)) = exact_query(&input.q) else {
        return Ok(HeadOfficeLookup { query: None, offline: None, customers: Vec::new() });
    };
    let Some(client) = client(station).await? else { return Ok(offline(Some(typed), "sync.not_enrolled")) };
    match client.lookup(&req).await {
        Ok(found) => Ok(HeadOfficeLookup { query: Some(typed), offline: None, customers: found.customers.into_iter().map(answer).collect() }),
        Err(SyncError::Local(e)) => Err(e),
        Err(e) => {
            tracing::info!(code = %e.code(), "head-office lookup failed; the desk works from local records: {e}");
            Ok(offline(Some(typed), &e.code()))
        }
    }
}

pub async fn adopt_head_office_record(station: &Station, caller: &Caller, input: AdoptHeadOfficeRecord) -> Result<AdoptedRecord> {
    caller.require(Permission::EditArchive)?;
    let staff = caller.staff.as_ref().ok_or_else(|| ApiError::unauthenticated("log in first"))?;
    let (_, req) = exact_query(&input.q)
        .ok_or_else(|| ApiError::invalid("lookup.not_exact", "a head-office lookup needs a whole plate, VIN or phone number").with_field("q"))?;
    if !matches!(input.target.entity.as_str(), "customer" | "vehicle") {
        return Err(ApiError::invalid("lookup.target", "adopt a customer or a vehicle").with_field("target"));
    }
    let client = client(station)
        .await?
        .ok_or_else(|| ApiError::invalid("sync.not_enrolled", "this station is not enrolled with a head office: a manager enrolls it in the settings"))?;
    let adopt = AdoptRequest {
        kind: req.kind,
        value: req.value,
        entity: input.target.entity.clone(),
        entity_id: input.target.id.clone(),
        staff_id: staff.id.clone(),
        staff_name: staff.name.clone(),
    };
    let adopted = client.adopt(&adopt).await.map_err(|e| match e {
        SyncError::Local(e) => e,
        SyncError::HeadOffice { body, .. } if body.code == sync_protocol::ErrorCode::LookupNotFound => {
            ApiError::not_found("this record at the head office").with_field("target")
        }
        other => ApiError::conflict(other.code(), format!("the head office did not grant the record: {other}")),
    })?;
    pull::apply_adopted(station, &adopted.records).await?;
    let mut conn = station.pool().acquire().await?;
    let customer = customer_summary(&mut conn, &adopted.customer_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("the head office granted customer {} but it could not be stored", adopted.customer_id)))?;
    let vehicle_id = match adopted.vehicle_id {
        Some(v) => Some(v),
        // Found by phone: a customer with one car is checked in with it; with more, the desk picks one on the customer's page.
        None => {
            let mut cars: Vec<String> = sqlx::query_scalar("SELECT id FROM vehicles WHERE customer_id = ?").bind(&customer.id).fetch_all(&mut *conn).await?;
            if cars.len() == 1 {
                cars.pop()
            } else {
                None
            }
        }
    };
    tracing::info!(customer = %customer.id, staff = %staff.id, "a customer adopted from the head office");
    Ok(AdoptedRecord { customer, vehicle_id })
}
