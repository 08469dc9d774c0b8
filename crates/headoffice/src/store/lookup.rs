//! A station looks a customer up at the head office and adopts a result (issue 12).
//!
//! - `lookup`: customers and vehicles whose phone, plate or VIN is exactly the
//!   query, masked (`sync_protocol::lookup`). Only customers who consented to
//!   their archive being kept and shared across the network's stations
//!   (`consent_data`) are found; merged and deleted records never are, nor
//!   a customer or car the asking station destroyed past retention: the head
//!   office may keep it for another station (`destructions.rs`), but to the
//!   station that destroyed it a returning customer is a new one.
//! - `adopt`: the station picks one result. The query is run again and the
//!   record must be among its results (an id alone grants nothing), once more
//!   under a lock a destruction of the record also takes; then the
//!   station gets access to it — a customer with its vehicles, a vehicle with
//!   its owner — each new grant is logged in `shared_grants` (station from the
//!   token, staff member from the body, the head office's time), and the
//!   records go back in full, as the feed would carry them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use sync_protocol::lookup::{
    mask_name, mask_phone, mask_plate, mask_vin, normalise, AdoptRequest, AdoptResponse, LookupCustomer, LookupKind, LookupRequest, LookupResponse,
    LookupVehicle, MAX_LOOKUP_CUSTOMERS,
};
use sync_protocol::{ErrorCode, FeedChange, Hlc, Op, Scope};

use crate::auth::AuthStation;
use crate::error::ApiError;

const MAX_STAFF_TEXT: usize = 200;

/// A vehicle of a customer found: its id, its fields, whether the query matched it.
type FoundVehicle = (String, Map<String, Value>, bool);

/// A customer the query found, with the fields needed to answer or adopt.
struct Found {
    id: String,
    fields: Map<String, Value>,
    vehicles: Vec<FoundVehicle>,
}

fn text(fields: &Map<String, Value>, key: &str) -> String {
    fields.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn checked_value(kind: LookupKind, value: &str) -> Result<String, ApiError> {
    normalise(kind, value)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, format!("value: a lookup needs a whole {} (exact match), not a fragment", kind.as_str())))
}

/// The customers (at most `MAX_LOOKUP_CUSTOMERS`) whose phone, or whose vehicle's plate or VIN, is `value`.
async fn find(conn: &mut PgConnection, station: &AuthStation, kind: LookupKind, value: &str) -> sqlx::Result<Vec<Found>> {
    type IdFields = (String, Json<Map<String, Value>>);
    let (customer_ids, matched): (Vec<String>, Vec<String>) = match kind {
        LookupKind::Phone => {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT entity_id FROM shared_records WHERE entity = 'customer' AND NOT deleted AND fields->'phones' @> jsonb_build_array($1::text)",
            )
            .bind(value)
            .fetch_all(&mut *conn)
            .await?;
            (ids, Vec::new())
        }
        LookupKind::Plate | LookupKind::Vin => {
            let sql = if kind == LookupKind::Plate {
                "SELECT entity_id, COALESCE(fields->>'customer_id', '') FROM shared_records
                 WHERE entity = 'vehicle' AND NOT deleted AND (fields->>'plate') COLLATE \"C\" = $1
                   AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = $2 AND d.entity = 'destruction'
                                     AND d.payload->'vehicles' @> jsonb_build_array(shared_records.entity_id))"
            } else {
                "SELECT entity_id, COALESCE(fields->>'customer_id', '') FROM shared_records
                 WHERE entity = 'vehicle' AND NOT deleted AND (fields->>'vin') COLLATE \"C\" = $1
                   AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = $2 AND d.entity = 'destruction'
                                     AND d.payload->'vehicles' @> jsonb_build_array(shared_records.entity_id))"
            };
            let rows: Vec<(String, String)> = sqlx::query_as(sql).bind(value).bind(station.station_id).fetch_all(&mut *conn).await?;
            rows.into_iter().map(|(v, c)| (c, v)).unzip()
        }
    };
    if customer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let customers: Vec<IdFields> = sqlx::query_as(
        "SELECT entity_id, fields FROM shared_records
         WHERE entity = 'customer' AND entity_id = ANY($1) AND NOT deleted
           AND fields->'consent_data' = 'true'::jsonb AND fields->>'merged_into' IS NULL
           AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = $3 AND d.entity = 'destruction'
                             AND d.payload->'customers' @> jsonb_build_array(shared_records.entity_id))
         ORDER BY entity_id DESC LIMIT $2",
    )
    .bind(&customer_ids)
    .bind(MAX_LOOKUP_CUSTOMERS as i64)
    .bind(station.station_id)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<&str> = customers.iter().map(|(id, _)| id.as_str()).collect();
    type OwnerIdFields = (String, String, Json<Map<String, Value>>);
    let vehicles: Vec<OwnerIdFields> = sqlx::query_as(
        "SELECT fields->>'customer_id', entity_id, fields FROM shared_records
         WHERE entity = 'vehicle' AND NOT deleted AND fields->>'customer_id' = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = $2 AND d.entity = 'destruction'
                             AND d.payload->'vehicles' @> jsonb_build_array(shared_records.entity_id))
         ORDER BY entity_id DESC",
    )
    .bind(&ids)
    .bind(station.station_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_customer: BTreeMap<String, Vec<FoundVehicle>> = BTreeMap::new();
    for (owner, id, fields) in vehicles {
        let hit = matched.contains(&id);
        by_customer.entry(owner).or_default().push((id, fields.0, hit));
    }
    Ok(customers
        .into_iter()
        .map(|(id, fields)| {
            let mut vehicles = by_customer.remove(&id).unwrap_or_default();
            // The vehicle asked for leads.
            vehicles.sort_by_key(|(_, _, hit)| !*hit);
            Found { id, fields: fields.0, vehicles }
        })
        .collect())
}

fn masked(found: &Found, kind: LookupKind, value: &str) -> LookupCustomer {
    let phones = found.fields.get("phones").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(mask_phone).collect();
    let vehicles = found
        .vehicles
        .iter()
        .map(|(id, f, hit)| {
            let plate = f.get("plate").and_then(Value::as_str).filter(|p| !p.is_empty());
            let vin = f.get("vin").and_then(Value::as_str).filter(|v| !v.is_empty());
            // What the desk typed in full is shown in full; the rest is masked.
            let shown = |v: &str, k: LookupKind, mask: fn(&str) -> String| if *hit && kind == k && v == value { v.to_string() } else { mask(v) };
            LookupVehicle {
                vehicle_id: id.clone(),
                plate: plate.map(|p| shown(p, LookupKind::Plate, mask_plate)),
                vin: vin.map(|v| shown(v, LookupKind::Vin, mask_vin)),
                make: text(f, "make"),
                model: text(f, "model"),
                model_year: f.get("model_year").and_then(Value::as_i64),
                matched: *hit,
            }
        })
        .collect();
    LookupCustomer {
        customer_id: found.id.clone(),
        name: mask_name(&text(&found.fields, "name")),
        phones,
        customer_no: text(&found.fields, "customer_no"),
        vehicles,
    }
}

pub async fn lookup(pool: &PgPool, station: &AuthStation, req: &LookupRequest) -> Result<LookupResponse, ApiError> {
    let value = checked_value(req.kind, &req.value)?;
    let mut conn = pool.acquire().await?;
    let found = find(&mut conn, station, req.kind, &value).await?;
    tracing::info!(station = %station.code, kind = req.kind.as_str(), found = found.len(), "head-office lookup");
    Ok(LookupResponse { customers: found.iter().map(|f| masked(f, req.kind, &value)).collect() })
}

fn staff_text<'a>(field: &str, value: &'a str) -> Result<&'a str, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > MAX_STAFF_TEXT {
        return Err(ApiError::new(ErrorCode::InvalidRequest, format!("{field}: the staff member who asked, 1 to {MAX_STAFF_TEXT} characters")));
    }
    Ok(v)
}

pub async fn adopt(pool: &PgPool, station: &AuthStation, req: &AdoptRequest, now: DateTime<Utc>) -> Result<AdoptResponse, ApiError> {
    let value = checked_value(req.kind, &req.value)?;
    let staff_id = staff_text("staff_id", &req.staff_id)?;
    let staff_name = staff_text("staff_name", &req.staff_name)?;
    let mut tx = pool.begin().await?;
    let (customer_id, _, _) = pick(&find(&mut tx, station, req.kind, &value).await?, req)?;
    // The customer and their cars stay as found until this commits: a
    // destruction in another station's push waits for the grant, or this waits
    // for the destruction and then no longer finds them (`destructions::lock_shared`).
    super::destructions::lock_shared(&mut tx, std::slice::from_ref(&customer_id), &[]).await?;
    let (customer_id, vehicles, vehicle_id) = pick(&find(&mut tx, station, req.kind, &value).await?, req)?;
    let mut entities = vec!["customer"];
    let mut ids = vec![customer_id.as_str()];
    for v in &vehicles {
        entities.push("vehicle");
        ids.push(v.as_str());
    }
    let granted: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO shared_access (station_id, entity, entity_id) SELECT $1, u.e, u.i FROM UNNEST($2::text[], $3::text[]) AS u(e, i)
         ON CONFLICT DO NOTHING RETURNING entity, entity_id",
    )
    .bind(station.station_id)
    .bind(&entities)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let (ge, gi): (Vec<&str>, Vec<&str>) = granted.iter().map(|(e, i)| (e.as_str(), i.as_str())).unzip();
    sqlx::query(
        "INSERT INTO shared_grants (station_id, entity, entity_id, via, lookup_kind, staff_id, staff_name, granted_at)
         SELECT $1, u.e, u.i, 'lookup', $4, $5, $6, $7 FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS u(e, i, n) ORDER BY u.n",
    )
    .bind(station.station_id)
    .bind(&ge)
    .bind(&gi)
    .bind(req.kind.as_str())
    .bind(staff_id)
    .bind(staff_name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut records = records(&mut tx, &entities, &ids).await?;
    tx.commit().await?;
    super::feed::attach_history(pool, station, &mut records).await?;
    tracing::info!(station = %station.code, customer = %customer_id, granted = granted.len(), staff = %staff_id, "a lookup granted access");
    Ok(AdoptResponse { customer_id, vehicle_id, records })
}

/// The customer the adoption names among what the lookup found (an id alone
/// grants nothing), the cars that go with them, and the car asked for.
fn pick(found: &[Found], req: &AdoptRequest) -> Result<(String, Vec<String>, Option<String>), ApiError> {
    let not_found = || ApiError::new(ErrorCode::LookupNotFound, format!("{} {} is not among what this lookup finds", req.entity, req.entity_id));
    match req.entity.as_str() {
        "customer" => {
            let c = found.iter().find(|f| f.id == req.entity_id).ok_or_else(not_found)?;
            let matched = c.vehicles.iter().find(|(_, _, hit)| *hit).map(|(id, _, _)| id.clone());
            Ok((c.id.clone(), c.vehicles.iter().map(|(id, _, _)| id.clone()).collect(), matched))
        }
        "vehicle" => {
            let c = found.iter().find(|f| f.vehicles.iter().any(|(id, _, _)| *id == req.entity_id)).ok_or_else(not_found)?;
            Ok((c.id.clone(), vec![req.entity_id.clone()], Some(req.entity_id.clone())))
        }
        _ => Err(ApiError::new(ErrorCode::InvalidRequest, "entity: customer or vehicle")),
    }
}

/// The records' current state as the pull feed carries shared records, in the order asked.
async fn records(conn: &mut PgConnection, entities: &[&str], ids: &[&str]) -> sqlx::Result<Vec<FeedChange>> {
    type Row = (String, String, Json<Value>, bool, Json<BTreeMap<String, Hlc>>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.entity, s.entity_id, s.fields, s.deleted, s.field_hlcs, s.deleted_hlc
         FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS u(e, i, n) JOIN shared_records s ON s.entity = u.e AND s.entity_id = u.i
         ORDER BY u.n",
    )
    .bind(entities)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(entity, entity_id, fields, deleted, hlcs, deleted_hlc)| FeedChange {
            scope: Scope::Shared,
            entity,
            entity_id,
            op: if deleted { Op::Delete } else { Op::Upsert },
            payload: fields.0,
            field_hlcs: Some(hlcs.0),
            deleted_hlc: deleted_hlc.and_then(|d| d.parse().ok()),
            hlc: None,
            history: None,
        })
        .collect())
}
