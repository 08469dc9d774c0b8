//! A station destroyed records past their retention period (issue 12). Its
//! `destruction` record (append-only) says what became of the head office's
//! copies, and is applied here once, when first inserted, in the push
//! transaction:
//!
//! - `erase`: records deleted outright (signed documents, archived PDFs), and
//!   their place in the feed with them, so no pull or restore brings them back;
//! - `patch`: fields overwritten in records the head office keeps (append-only
//!   entries it would refuse to change from an ordinary push: event notes, the
//!   audit's before and after, a file's `destroyed_at`); they go back into the feed;
//! - `files`: the station's file bytes deleted;
//! - `customers`, `vehicles`: shared customers and their cars closed to later
//!   edits (`destroyed_shared`): the station sent their anonymised fields in
//!   this push or an earlier one. Unless another station still holds them
//!   (`kept_for_other_stations`): the head office's copy is what every
//!   station with access pulls, so anonymising it would wipe the customer at
//!   a station whose own retention has not run out. Then the head office
//!   keeps the record for them and drops the anonymised fields; the
//!   destroying station keeps its copy destroyed because its destruction
//!   record wins over anything it pulls. The last holder's destruction
//!   anonymises the head office's copy.
//!
//! Static SQL with bound values; the entity names come from the payload, and a
//! patch of a record the station does not own touches nothing (the key includes it).

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sqlx::PgConnection;
use sync_protocol::{Change, EntityKind};

use super::changelog;
use crate::auth::AuthStation;

type Key = (String, String);

fn pairs(list: Option<&Value>) -> Vec<(String, String, Option<Value>)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e.get("entity")?.as_str()?.to_string(), e.get("entity_id")?.as_str()?.to_string(), e.get("set").cloned())))
        .collect()
}

/// The strings a destruction's payload lists under `key` (`customers`, `vehicles`, `files`).
fn ids(payload: &Value, key: &str) -> Vec<String> {
    payload.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// The customers (`key` "customers") or cars ("vehicles") this push destroys: named by its
/// destructions, or sent in their anonymised state (`destroyed_at` set). The state can come
/// a batch before the destruction naming it (a run over more records than a batch holds), and
/// must then be judged on its own, or it would wipe a customer kept for another station.
fn named(once: &[(&Change, EntityKind)], shared: &[&Change], key: &str) -> Vec<String> {
    let entity = if key == "customers" { "customer" } else { "vehicle" };
    let anonymised = shared.iter().filter(|c| c.entity == entity && c.payload.get("destroyed_at").is_some_and(|at| !at.is_null())).map(|c| c.entity_id.clone());
    let mut ids: Vec<String> = once.iter().filter(|(c, _)| c.entity == "destruction").flat_map(|(c, _)| ids(&c.payload, key)).chain(anonymised).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Which of `customers` ($1) and `vehicles` ($2) a station other than the
/// pushing one ($3) still holds, and for each car whether one of its holders
/// also needs the car's owner kept.
///
/// A station holds a record while none of its own destructions lists it, and
/// - it has access to it (created it, edited it, was granted it by a lookup or
///   a merge), or
/// - it keeps an order, complaint, service request or follow-up call naming
///   it, which it has not destroyed (a `photos` destruction names an order
///   but leaves it in place).
///
/// Access does not hold a car whose owner the station destroyed: it kept that
/// car only for the visits other stations' orders record (the station's
/// `anonymise_vehicles`). A record of its own naming the car still holds it
/// (an order from the car's previous owner), but that station does not need
/// the owner it destroyed.
const HELD_ELSEWHERE: &str = "
    WITH holders (entity, entity_id, station_id, by_record) AS (
        SELECT a.entity, a.entity_id, a.station_id, false FROM shared_access a
         WHERE (a.entity = 'customer' AND a.entity_id = ANY($1)) OR (a.entity = 'vehicle' AND a.entity_id = ANY($2))
        UNION
        SELECT 'customer', r.payload->>'customer_id', r.station_id, true FROM records r
         WHERE r.entity IN ('complaint', 'service_request', 'follow_up') AND r.payload->>'customer_id' = ANY($1) AND NOT r.deleted
        UNION
        SELECT 'customer', r.payload->'customer'->>'id', r.station_id, true FROM records r
         WHERE r.entity = 'repair_order' AND r.payload->'customer'->>'id' = ANY($1) AND NOT r.deleted
        UNION
        SELECT 'vehicle', r.payload->>'vehicle_id', r.station_id, true FROM records r
         WHERE r.entity IN ('complaint', 'service_request') AND r.payload->>'vehicle_id' = ANY($2) AND NOT r.deleted
           AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = r.station_id AND d.entity = 'destruction' AND d.payload->>'subject_id' = r.entity_id
                              AND d.payload->>'kind' <> 'photos')
        UNION
        SELECT 'vehicle', r.payload->'vehicle'->>'id', r.station_id, true FROM records r
         WHERE r.entity = 'repair_order' AND r.payload->'vehicle'->>'id' = ANY($2) AND NOT r.deleted
           AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = r.station_id AND d.entity = 'destruction' AND d.payload->>'subject_id' = r.entity_id
                              AND d.payload->>'kind' <> 'photos')
    ), judged AS MATERIALIZED (
        SELECT h.entity, h.entity_id, h.by_record,
               h.entity = 'vehicle' AND EXISTS (
                   SELECT 1 FROM records d WHERE d.station_id = h.station_id AND d.entity = 'destruction'
                      AND d.payload->'customers' @> (SELECT jsonb_build_array(v.fields->>'customer_id') FROM shared_records v
                                                     WHERE v.entity = 'vehicle' AND v.entity_id = h.entity_id)) AS owner_destroyed
          FROM holders h
         WHERE h.station_id <> $3
           AND NOT (h.entity = 'customer' AND EXISTS (SELECT 1 FROM records d WHERE d.station_id = h.station_id AND d.entity = 'destruction'
                                                         AND d.payload->'customers' @> jsonb_build_array(h.entity_id)))
           AND NOT (h.entity = 'vehicle' AND EXISTS (SELECT 1 FROM records d WHERE d.station_id = h.station_id AND d.entity = 'destruction'
                                                        AND d.payload->'vehicles' @> jsonb_build_array(h.entity_id)))
    )
    SELECT entity, entity_id, bool_or(NOT owner_destroyed) FROM judged
     WHERE by_record OR NOT owner_destroyed
     GROUP BY entity, entity_id";

/// Locks shared customers, cars, and every car of a locked customer until the
/// transaction ends, and returns them (entity, id, a car's owner). Who holds a
/// record is judged under this lock, and access is granted under it: a lookup
/// adopting a customer while another station's push destroys them would
/// otherwise each miss what the other had not committed yet, and the head
/// office would anonymise a customer the adopting station was just given (or
/// two last holders destroying at once would each keep them for the other).
/// One statement in one order (customers, then cars, by id), so two of them
/// queue rather than deadlock. Under read committed, the statements after it
/// see what the transaction it waited for committed.
pub(crate) async fn lock_shared(conn: &mut PgConnection, customers: &[String], vehicles: &[String]) -> sqlx::Result<Vec<(String, String, Option<String>)>> {
    sqlx::query_as(
        "SELECT entity, entity_id, fields->>'customer_id' FROM shared_records
          WHERE (entity = 'customer' AND entity_id = ANY($1)) OR (entity = 'vehicle' AND (entity_id = ANY($2) OR fields->>'customer_id' = ANY($1)))
          ORDER BY entity, entity_id FOR UPDATE",
    )
    .bind(customers)
    .bind(vehicles)
    .fetch_all(conn)
    .await
}

/// The shared customers and cars this push destroys (`named`) that another
/// station still holds (`HELD_ELSEWHERE`), and the owner named with a car held
/// elsewhere: that station's copy of the car names its owner. The head office
/// keeps these as they are.
pub(crate) async fn kept_for_other_stations(
    conn: &mut PgConnection,
    station: &AuthStation,
    once: &[(&Change, EntityKind)],
    shared: &[&Change],
) -> sqlx::Result<HashSet<Key>> {
    let (customers, vehicles) = (named(once, shared, "customers"), named(once, shared, "vehicles"));
    if customers.is_empty() && vehicles.is_empty() {
        return Ok(HashSet::new());
    }
    // The named customers and cars and every car the head office has for a
    // named customer, locked until this push commits: a lookup adopting one of
    // them (`lookup::adopt`) or another station's destruction of them waits, so
    // the holders read below are the ones that count.
    let locked = lock_shared(conn, &customers, &vehicles).await?;
    let cars: Vec<(String, Option<String>)> = locked.into_iter().filter(|(e, _, _)| e == "vehicle").map(|(_, id, owner)| (id, owner)).collect();
    let car_ids: Vec<&str> = cars.iter().map(|(id, _)| id.as_str()).collect();
    // Its estimated cost grows with the stations' destructions; past the JIT
    // threshold, compiling took 0.7 to 1.1 s for a 10 ms query (docs/benchmarks.md).
    sqlx::query("SET LOCAL jit = off").execute(&mut *conn).await?;
    // Each record held elsewhere, and for a car whether a holder needs its owner.
    let held: HashMap<Key, bool> = sqlx::query_as::<_, (String, String, bool)>(HELD_ELSEWHERE)
        .bind(&customers)
        .bind(&car_ids)
        .bind(station.station_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(entity, id, needs_owner)| ((entity, id), needs_owner))
        .collect();
    let mut kept: HashSet<Key> = customers.iter().map(|c| ("customer".to_string(), c.clone())).filter(|k| held.contains_key(k)).collect();
    for (car, owner) in &cars {
        let Some(&needs_owner) = held.get(&("vehicle".to_string(), car.clone())) else { continue };
        if vehicles.contains(car) {
            kept.insert(("vehicle".to_string(), car.clone()));
        }
        if let Some(owner) = owner.as_ref().filter(|o| needs_owner && customers.contains(o)) {
            kept.insert(("customer".to_string(), owner.clone()));
        }
    }
    Ok(kept)
}

/// Drops this station's edits of the records kept for other stations: its anonymisation of them.
pub(crate) fn without_kept<'a>(shared: Vec<&'a Change>, kept: &HashSet<Key>) -> Vec<&'a Change> {
    shared.into_iter().filter(|c| !kept.contains(&(c.entity.clone(), c.entity_id.clone()))).collect()
}

/// Applies the destructions this push inserted. Returns the station's records
/// and the shared records to put back into the feed.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    station: &AuthStation,
    once: &[(&Change, EntityKind)],
    inserted: &[Key],
    kept: &HashSet<Key>,
) -> sqlx::Result<(Vec<Key>, Vec<Key>)> {
    let mut station_keys = Vec::new();
    let mut shared_keys = Vec::new();
    for (c, _) in once {
        if c.entity != "destruction" || !inserted.iter().any(|(e, i)| e == &c.entity && i == &c.entity_id) {
            continue;
        }
        let p = &c.payload;
        let erase = pairs(p.get("erase"));
        for (entity, id, _) in &erase {
            sqlx::query("DELETE FROM records WHERE station_id = $1 AND entity = $2 AND entity_id = $3")
                .bind(station.station_id)
                .bind(entity)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM change_log WHERE owner = $1 AND scope = $2 AND entity = $3 AND entity_id = $4")
                .bind(station.station_id)
                .bind(changelog::STATION)
                .bind(entity)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        for (entity, id, set) in pairs(p.get("patch")) {
            let Some(set) = set.filter(Value::is_object) else { continue };
            let done = sqlx::query(
                "UPDATE records SET payload = payload || $4::jsonb, hlc = $5, updated_at = now() WHERE station_id = $1 AND entity = $2 AND entity_id = $3",
            )
            .bind(station.station_id)
            .bind(&entity)
            .bind(&id)
            .bind(set.to_string())
            .bind(c.hlc.to_string())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 1 {
                station_keys.push((entity, id));
            }
        }
        let files = ids(p, "files");
        if !files.is_empty() {
            sqlx::query("DELETE FROM file_blobs WHERE station_id = $1 AND sha256 = ANY($2)").bind(station.station_id).bind(&files).execute(&mut *conn).await?;
        }
        let customers = ids(p, "customers");
        let vehicles = ids(p, "vehicles");
        let shared = customers.iter().map(|i| ("customer", i)).chain(vehicles.iter().map(|i| ("vehicle", i)));
        for (entity, id) in shared.filter(|(e, i)| !kept.contains(&(e.to_string(), i.to_string()))) {
            sqlx::query("INSERT INTO destroyed_shared (entity, entity_id, station_id, destruction_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(entity)
                .bind(id)
                .bind(station.station_id)
                .bind(&c.entity_id)
                .execute(&mut *conn)
                .await?;
            shared_keys.push((entity.to_string(), id.clone()));
        }
        tracing::info!(station = %station.code, destruction = %c.entity_id, erased = erase.len(), files = files.len(), customers = customers.len(), vehicles = vehicles.len(), "a station destroyed records past retention");
    }
    Ok((station_keys, shared_keys))
}

/// Splits edits of shared records destroyed earlier (with the rejection's
/// message) from the rest. An edit in the same push as the destruction
/// passes: it is the anonymisation itself.
pub(crate) async fn refuse_destroyed<'a>(conn: &mut PgConnection, shared: Vec<&'a Change>) -> sqlx::Result<(Vec<&'a Change>, Vec<(&'a Change, String)>)> {
    if shared.is_empty() {
        return Ok((shared, Vec::new()));
    }
    let (entities, ids): (Vec<&str>, Vec<&str>) = shared.iter().map(|c| (c.entity.as_str(), c.entity_id.as_str())).unzip();
    let destroyed: Vec<Key> = sqlx::query_as(
        "SELECT d.entity, d.entity_id FROM destroyed_shared d JOIN UNNEST($1::text[], $2::text[]) AS u(e, i) ON d.entity = u.e AND d.entity_id = u.i",
    )
    .bind(&entities)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let (refused, kept): (Vec<&Change>, Vec<&Change>) = shared.into_iter().partition(|c| destroyed.iter().any(|(e, i)| e == &c.entity && i == &c.entity_id));
    let refused =
        refused.into_iter().map(|c| (c, format!("{} {} was destroyed past its retention period: it cannot be edited", c.entity, c.entity_id))).collect();
    Ok((kept, refused))
}
