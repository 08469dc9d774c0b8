//! Applying a pushed batch: one transaction, idempotent per (station, stream, seq).
//!
//! 1. Lock the stream's row; refuse a batch that starts after `acked + 1` (a gap).
//! 2. Skip what was already received (a resend after a lost acknowledgement),
//!    checking the change ids so a different outbox reusing numbers is caught.
//! 3. Sort the new changes by rule: owned (latest state), insert-once
//!    (append-only and signed), shared (per-field merge), rejected.
//! 4. Shared records first, only those the station has access to (it creates
//!    them, or a lookup or merge gave them); then repair orders only of
//!    vehicles it has access to, and merges only of customers it has.
//! 5. Write each group with one statement, apply customer merges
//!    (`merges.rs`), log the feed, move `acked_seq`.
//! 6. Queue what changed for the KPI sums (`kpis::queue_batch`; counted outside the push).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use sync_protocol::entity::{id_field_of, kind_of};
use sync_protocol::merge::SharedRecord;
use sync_protocol::push::rejection_codes as rc;
use sync_protocol::{
    limits, signed, Change, EntityKind, ErrorCode, Hlc, Op, PushAck, PushBatch, Rejection, RejectionsPage, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
};
use uuid::Uuid;

use super::{changelog, kpis};
use crate::auth::AuthStation;
use crate::error::ApiError;

const MAX_ENTITY_ID_LEN: usize = 200;
/// HLCs further ahead of the head office's clock than this are logged: the station's clock is wrong.
const CLOCK_AHEAD_WARNING_MS: u64 = 5 * 60 * 1000;

/// What the server decides for every push.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Stations whose database schema is older get "update required".
    pub min_schema: u32,
    /// The head office's clock: whether a running deadline is already late.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Keep the KPI sums in the push transaction.
    pub kpi_summaries: bool,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Checks the batch's shape before any database work.
fn check_batch(station: &AuthStation, min_schema: u32, batch: &PushBatch) -> Result<(), ApiError> {
    if batch.protocol_version < MIN_PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::UpdateRequired,
            format!("update required: this batch is protocol {}, the head office needs {MIN_PROTOCOL_VERSION} or newer", batch.protocol_version),
        ));
    }
    if batch.protocol_version > PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::ProtocolUnsupported,
            format!("protocol {} is newer than the head office's {PROTOCOL_VERSION}", batch.protocol_version),
        ));
    }
    if batch.schema_version < min_schema {
        return Err(ApiError::new(
            ErrorCode::UpdateRequired,
            format!(
                "update required: this station's database is at schema {}, the head office needs {min_schema} or newer. Install the current StationDesk.",
                batch.schema_version
            ),
        ));
    }
    if let Some(code) = &batch.station_code {
        if code != &station.code {
            return Err(ApiError::new(ErrorCode::StationMismatch, format!("this token belongs to station {}, but the batch names {code}", station.code)));
        }
    }
    if batch.first_seq < 1 {
        return Err(ApiError::malformed("first_seq starts at 1"));
    }
    if batch.changes.len() > limits::MAX_CHANGES_PER_BATCH {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge, format!("at most {} changes per batch", limits::MAX_CHANGES_PER_BATCH)));
    }
    for (i, c) in batch.changes.iter().enumerate() {
        if c.seq != batch.first_seq + i as i64 {
            return Err(ApiError::malformed(format!(
                "changes[{i}] has seq {}, expected {}: a batch is a contiguous run starting at first_seq",
                c.seq,
                batch.first_seq + i as i64
            )));
        }
    }
    Ok(())
}

pub async fn apply_batch(pool: &PgPool, station: &AuthStation, settings: &PushSettings, batch: PushBatch) -> Result<PushAck, ApiError> {
    check_batch(station, settings.min_schema, &batch)?;
    // The newest stamp against the clock here when it arrives: positive, the
    // station's clock is ahead by at least that much (kept for the console).
    let clock_offset_ms = batch.changes.iter().map(|c| c.hlc.physical_ms()).max().map(|max| max as i64 - now_ms() as i64);
    if clock_offset_ms.is_some_and(|ahead| ahead > CLOCK_AHEAD_WARNING_MS as i64) {
        tracing::warn!(station = %station.code, ahead_ms = clock_offset_ms, "station clock is ahead of the head office");
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match apply_once(pool, station, settings, &batch, clock_offset_ms).await {
            Err(Failure::Db(e)) if attempt < 5 && super::is_retryable(&e) => {
                tracing::info!(station = %station.code, attempt, "push transaction conflicted; retrying");
                continue;
            }
            Err(Failure::Db(e)) => return Err(e.into()),
            Err(Failure::Api(e)) => return Err(e),
            Ok(ack) => return Ok(ack),
        }
    }
}

enum Failure {
    Db(sqlx::Error),
    Api(ApiError),
}
impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Db(e)
    }
}

/// What happens to one change.
enum Plan {
    Owned,
    InsertOnce(EntityKind),
    Shared,
    Reject { code: &'static str, message: String, flagged: bool },
}

fn reject(code: &'static str, message: impl Into<String>) -> Plan {
    Plan::Reject { code, message: message.into(), flagged: false }
}

fn plan(c: &Change) -> Plan {
    let kind = match kind_of(&c.entity) {
        None => return reject(rc::UNKNOWN_ENTITY, format!("unknown entity {:?}", c.entity)),
        Some(EntityKind::Master) => return reject(rc::MASTER_DATA, format!("{} is head-office master data: stations cannot write it", c.entity)),
        Some(EntityKind::HeadOffice) => {
            return reject(rc::HEAD_OFFICE, format!("{} is written by the head office for the station: stations cannot write it", c.entity))
        }
        Some(k) => k,
    };
    if c.entity_id.is_empty() || c.entity_id.len() > MAX_ENTITY_ID_LEN {
        return reject(rc::BAD_ENTITY_ID, format!("entity_id must be 1 to {MAX_ENTITY_ID_LEN} characters"));
    }
    match c.op {
        Op::Unknown => return reject(rc::UNKNOWN_OP, "op must be upsert or delete"),
        Op::Delete => {
            return match kind {
                EntityKind::AppendOnly => reject(rc::APPEND_ONLY, format!("{} is append-only: it cannot be deleted", c.entity)),
                EntityKind::Signed => reject(rc::IMMUTABLE, format!("{} is a signed document: it cannot be deleted", c.entity)),
                EntityKind::Shared => Plan::Shared,
                _ => Plan::Owned,
            }
        }
        Op::Upsert => {}
    }
    let Some(obj) = c.payload.as_object() else {
        return reject(rc::PAYLOAD_NOT_OBJECT, "the payload must be a JSON object: the record's full state");
    };
    if let Some(field) = id_field_of(&c.entity) {
        if obj.get(field).and_then(Value::as_str) != Some(c.entity_id.as_str()) {
            return reject(rc::ID_MISMATCH, format!("payload.{field} must be the change's entity_id {:?}", c.entity_id));
        }
    }
    if let Some(field) = sync_protocol::push::out_of_range_field(&c.payload) {
        // No station writes such a figure (it refuses them as field errors); one that
        // arrives would saturate the network's KPI sums, so it is kept out and flagged.
        return Plan::Reject {
            code: rc::OUT_OF_RANGE,
            message: format!(
                "payload.{field} must be an integer of at most {} (amounts in fen) or {} (quantities in thousandths)",
                sync_protocol::push::MAX_AMOUNT_MINOR,
                sync_protocol::push::MAX_QUANTITY_MILLI
            ),
            flagged: true,
        };
    }
    match kind {
        EntityKind::Shared => Plan::Shared,
        EntityKind::Signed => {
            let has_signature_fields = obj.contains_key("content") || obj.contains_key("hash");
            // The plain approval records that predate signed documents carry no hash; the `authorization` document must.
            if !has_signature_fields && c.entity != "authorization" {
                return Plan::InsertOnce(kind);
            }
            match signed::verify(&c.payload) {
                Ok(()) => Plan::InsertOnce(kind),
                Err(e @ signed::SignedError::Missing) => reject(rc::MISSING_HASH, e.to_string()),
                Err(e) => Plan::Reject { code: rc::HASH_MISMATCH, message: format!("possible tampering: {e}"), flagged: true },
            }
        }
        EntityKind::AppendOnly => Plan::InsertOnce(kind),
        _ => Plan::Owned,
    }
}

struct RejectRow<'a> {
    change: &'a Change,
    code: &'static str,
    message: String,
    flagged: bool,
}

async fn apply_once(
    pool: &PgPool,
    station: &AuthStation,
    settings: &PushSettings,
    batch: &PushBatch,
    clock_offset_ms: Option<i64>,
) -> Result<PushAck, Failure> {
    let mut tx = pool.begin().await?;
    let acked: Option<i64> =
        sqlx::query_scalar("SELECT acked_seq FROM station_tokens WHERE station_id = $1 AND token_id = $2 AND revoked_at IS NULL FOR UPDATE")
            .bind(station.station_id)
            .bind(station.token_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(acked) = acked else {
        return Err(Failure::Api(ApiError::new(ErrorCode::AuthRevoked, "the head office revoked this token: enroll again")));
    };
    if batch.first_seq > acked + 1 {
        let mut e =
            ApiError::new(ErrorCode::PushGap, format!("this batch starts at {} but the head office expects {}: resend from there", batch.first_seq, acked + 1));
        e.0.expected_seq = Some(acked + 1);
        return Err(Failure::Api(e));
    }
    let (seen, fresh): (Vec<&Change>, Vec<&Change>) = batch.changes.iter().partition(|c| c.seq <= acked);
    check_resent_ids(&mut tx, station, &seen).await?;
    if fresh.is_empty() {
        tx.commit().await?;
        return Ok(PushAck { acked_seq: acked, rejected: 0, server_time_ms: now_ms() });
    }
    insert_received(&mut tx, station, &fresh).await?;

    let mut owned: Vec<&Change> = Vec::new();
    let mut once: Vec<(&Change, EntityKind)> = Vec::new();
    let mut shared: Vec<&Change> = Vec::new();
    let mut rejects: Vec<RejectRow> = Vec::new();
    for c in &fresh {
        match plan(c) {
            Plan::Owned => owned.push(c),
            Plan::InsertOnce(k) => once.push((c, k)),
            Plan::Shared => shared.push(c),
            Plan::Reject { code, message, flagged } => rejects.push(RejectRow { change: c, code, message, flagged }),
        }
    }
    // Shared records first: they decide what this station may see (records it
    // creates here become its own), which the orders and merges are checked against.
    let kept = super::destructions::kept_for_other_stations(&mut tx, station, &once, &shared).await?;
    let shared = super::destructions::without_kept(shared, &kept);
    let (shared, destroyed) = super::destructions::refuse_destroyed(&mut tx, shared).await?;
    rejects.extend(destroyed.into_iter().map(|(change, message)| RejectRow { change, code: rc::DESTROYED, message, flagged: false }));
    let mut shared_keys = write_shared(&mut tx, station, &shared, &mut rejects).await?;
    let owned = without_orders_of_foreign_vehicles(&mut tx, station, owned, &mut rejects).await?;
    let once = without_merges_of_foreign_customers(&mut tx, station, once, &mut rejects).await?;
    let mut station_keys = write_owned(&mut tx, station, &owned).await?;
    let inserted_once = write_insert_once(&mut tx, station, &once, &mut rejects).await?;
    shared_keys.extend(vehicles_with_changed_orders(&mut tx, &owned).await?);
    shared_keys.extend(super::merges::follow_customer_merges(&mut tx, &once, &inserted_once).await?);
    let (patched, destroyed_shared) = super::destructions::apply(&mut tx, station, &once, &inserted_once, &kept).await?;
    station_keys.extend(patched);
    shared_keys.extend(destroyed_shared);
    station_keys.extend(inserted_once);
    changelog::log(&mut tx, changelog::STATION, station.station_id, &station_keys).await?;
    changelog::log(&mut tx, changelog::SHARED, Uuid::nil(), &shared_keys).await?;
    rejects.sort_by_key(|r| r.change.seq);
    insert_rejections(&mut tx, station, &rejects).await?;
    if settings.kpi_summaries {
        let applied: Vec<&Change> = owned.iter().copied().chain(once.iter().map(|(c, _)| *c)).collect();
        kpis::queue_batch(&mut tx, station.station_id, &applied, settings.now).await?;
    }

    let last = batch.changes.last().map(|c| c.seq).unwrap_or(acked);
    sqlx::query(
        "UPDATE station_tokens SET acked_seq = $3, last_seen_at = now(), schema_version = $4, clock_offset_ms = $5 WHERE station_id = $1 AND token_id = $2",
    )
    .bind(station.station_id)
    .bind(station.token_id)
    .bind(last)
    .bind(batch.schema_version as i32)
    .bind(clock_offset_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    for r in rejects.iter().filter(|r| r.flagged) {
        tracing::warn!(station = %station.code, entity = %r.change.entity, entity_id = %r.change.entity_id, code = r.code, "flagged rejection: {}", r.message);
    }
    Ok(PushAck { acked_seq: last, rejected: rejects.len() as u32, server_time_ms: now_ms() })
}

/// A resent change must be the same change (same id) as the one received under that number.
async fn check_resent_ids(conn: &mut PgConnection, station: &AuthStation, seen: &[&Change]) -> Result<(), Failure> {
    if seen.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = seen.iter().map(|c| c.seq).collect();
    let stored: Vec<(i64, Uuid)> = sqlx::query_as("SELECT seq, change_id FROM received_changes WHERE station_id = $1 AND token_id = $2 AND seq = ANY($3)")
        .bind(station.station_id)
        .bind(station.token_id)
        .bind(&seqs)
        .fetch_all(conn)
        .await?;
    let stored: HashMap<i64, Uuid> = stored.into_iter().collect();
    for c in seen {
        if stored.get(&c.seq).is_some_and(|id| *id != c.id) {
            let mut e = ApiError::new(
                ErrorCode::PushSeqConflict,
                format!("sequence {} was already received with a different change: this outbox is not the one enrolled with this token; enroll again", c.seq),
            );
            e.0.expected_seq = None;
            return Err(Failure::Api(e));
        }
    }
    Ok(())
}

async fn insert_received(conn: &mut PgConnection, station: &AuthStation, fresh: &[&Change]) -> sqlx::Result<()> {
    let seqs: Vec<i64> = fresh.iter().map(|c| c.seq).collect();
    let ids: Vec<Uuid> = fresh.iter().map(|c| c.id).collect();
    let entities: Vec<&str> = fresh.iter().map(|c| c.entity.as_str()).collect();
    let entity_ids: Vec<&str> = fresh.iter().map(|c| c.entity_id.as_str()).collect();
    let ops: Vec<&str> = fresh.iter().map(|c| op_str(c.op)).collect();
    let hlcs: Vec<String> = fresh.iter().map(|c| c.hlc.to_string()).collect();
    let payloads: Vec<String> = fresh.iter().map(|c| c.payload.to_string()).collect();
    sqlx::query(
        "INSERT INTO received_changes (station_id, token_id, seq, change_id, entity, entity_id, op, hlc, payload)
         SELECT $1, $2, u.seq, u.id, u.e, u.i, u.op, u.hlc, u.p::jsonb
         FROM UNNEST($3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(seq, id, e, i, op, hlc, p)
         ON CONFLICT (station_id, token_id, seq) DO NOTHING",
    )
    .bind(station.station_id)
    .bind(station.token_id)
    .bind(&seqs)
    .bind(&ids)
    .bind(&entities)
    .bind(&entity_ids)
    .bind(&ops)
    .bind(&hlcs)
    .bind(&payloads)
    .execute(conn)
    .await?;
    Ok(())
}

fn op_str(op: Op) -> &'static str {
    match op {
        Op::Upsert => "upsert",
        Op::Delete => "delete",
        Op::Unknown => "unknown",
    }
}

/// Single-writer records: the last change of each record in the batch wins.
/// A delete keeps the last known state as the tombstone's payload.
async fn write_owned(conn: &mut PgConnection, station: &AuthStation, owned: &[&Change]) -> sqlx::Result<Vec<(String, String)>> {
    struct Final<'a> {
        payload: &'a Value,
        deleted: bool,
        keep_existing: bool,
        hlc: &'a Hlc,
    }
    let mut last: BTreeMap<(&str, &str), Final> = BTreeMap::new();
    for c in owned {
        let key = (c.entity.as_str(), c.entity_id.as_str());
        let next = match c.op {
            Op::Delete => match last.get(&key) {
                Some(prev) => Final { payload: prev.payload, deleted: true, keep_existing: prev.keep_existing, hlc: &c.hlc },
                None => Final { payload: &c.payload, deleted: true, keep_existing: true, hlc: &c.hlc },
            },
            _ => Final { payload: &c.payload, deleted: false, keep_existing: false, hlc: &c.hlc },
        };
        last.insert(key, next);
    }
    if last.is_empty() {
        return Ok(Vec::new());
    }
    // Two statements: rows whose new payload replaces the stored one, and
    // tombstones that keep the stored payload (a delete of a record this batch did not write).
    for keep_existing in [false, true] {
        let mut entities = Vec::new();
        let mut ids = Vec::new();
        let mut payloads = Vec::new();
        let mut deleted = Vec::new();
        let mut hlcs = Vec::new();
        for ((e, i), f) in last.iter().filter(|(_, f)| f.keep_existing == keep_existing) {
            entities.push(*e);
            ids.push(*i);
            payloads.push(f.payload.to_string());
            deleted.push(f.deleted);
            hlcs.push(f.hlc.to_string());
        }
        if entities.is_empty() {
            continue;
        }
        let sql = if keep_existing {
            "INSERT INTO records (station_id, entity, entity_id, payload, deleted, hlc)
             SELECT $1, u.e, u.i, u.p::jsonb, u.d, u.h FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bool[], $6::text[]) AS u(e, i, p, d, h)
             ON CONFLICT (station_id, entity, entity_id) DO UPDATE SET deleted = excluded.deleted, hlc = excluded.hlc, updated_at = now()"
        } else {
            "INSERT INTO records (station_id, entity, entity_id, payload, deleted, hlc)
             SELECT $1, u.e, u.i, u.p::jsonb, u.d, u.h FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bool[], $6::text[]) AS u(e, i, p, d, h)
             ON CONFLICT (station_id, entity, entity_id) DO UPDATE SET payload = excluded.payload, deleted = excluded.deleted, hlc = excluded.hlc, updated_at = now()"
        };
        sqlx::query(sql).bind(station.station_id).bind(&entities).bind(&ids).bind(&payloads).bind(&deleted).bind(&hlcs).execute(&mut *conn).await?;
    }
    Ok(last.keys().map(|(e, i)| (e.to_string(), i.to_string())).collect())
}

/// Append-only entries and signed documents: the first payload stays; a later,
/// different one for the same id is rejected (the same one again is a no-op).
async fn write_insert_once<'a>(
    conn: &mut PgConnection,
    station: &AuthStation,
    once: &[(&'a Change, EntityKind)],
    rejects: &mut Vec<RejectRow<'a>>,
) -> sqlx::Result<Vec<(String, String)>> {
    if once.is_empty() {
        return Ok(Vec::new());
    }
    let entities: Vec<&str> = once.iter().map(|(c, _)| c.entity.as_str()).collect();
    let ids: Vec<&str> = once.iter().map(|(c, _)| c.entity_id.as_str()).collect();
    let payloads: Vec<String> = once.iter().map(|(c, _)| c.payload.to_string()).collect();
    let hlcs: Vec<String> = once.iter().map(|(c, _)| c.hlc.to_string()).collect();
    let inserted: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO records (station_id, entity, entity_id, payload, deleted, hlc)
         SELECT $1, u.e, u.i, u.p::jsonb, false, u.h FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[]) AS u(e, i, p, h)
         ON CONFLICT (station_id, entity, entity_id) DO NOTHING RETURNING entity, entity_id",
    )
    .bind(station.station_id)
    .bind(&entities)
    .bind(&ids)
    .bind(&payloads)
    .bind(&hlcs)
    .fetch_all(&mut *conn)
    .await?;
    let mut first_writer: HashSet<(String, String)> = inserted.iter().cloned().collect();
    // Every other occurrence must equal what is stored.
    let mut to_compare: Vec<(&Change, EntityKind)> = Vec::new();
    for (c, k) in once {
        if !first_writer.remove(&(c.entity.clone(), c.entity_id.clone())) {
            to_compare.push((c, *k));
        }
    }
    if !to_compare.is_empty() {
        let ce: Vec<&str> = to_compare.iter().map(|(c, _)| c.entity.as_str()).collect();
        let ci: Vec<&str> = to_compare.iter().map(|(c, _)| c.entity_id.as_str()).collect();
        let stored: Vec<(String, String, sqlx::types::Json<Value>)> = sqlx::query_as(
            "SELECT r.entity, r.entity_id, r.payload FROM records r JOIN UNNEST($2::text[], $3::text[]) AS u(e, i) ON r.entity = u.e AND r.entity_id = u.i
             WHERE r.station_id = $1",
        )
        .bind(station.station_id)
        .bind(&ce)
        .bind(&ci)
        .fetch_all(&mut *conn)
        .await?;
        let stored: HashMap<(String, String), Value> = stored.into_iter().map(|(e, i, p)| ((e, i), p.0)).collect();
        for (c, k) in to_compare {
            if stored.get(&(c.entity.clone(), c.entity_id.clone())) != Some(&c.payload) {
                let (code, what) = if k == EntityKind::Signed {
                    (rc::IMMUTABLE, "a signed document is immutable")
                } else {
                    (rc::APPEND_ONLY, "append-only entries are written once")
                };
                rejects.push(RejectRow {
                    change: c,
                    code,
                    message: format!("{what}: {} {} already holds a different payload", c.entity, c.entity_id),
                    flagged: false,
                });
            }
        }
    }
    Ok(inserted)
}

/// The shared records among `keys` that `station` may see and write: those it
/// created, was given by a lookup (`lookup.rs`) or by a merge (`merges.rs`).
pub(crate) async fn accessible(conn: &mut PgConnection, station: &AuthStation, keys: &[(&str, &str)]) -> sqlx::Result<HashSet<(String, String)>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let (ke, ki): (Vec<&str>, Vec<&str>) = keys.iter().copied().unzip();
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.entity, a.entity_id FROM shared_access a JOIN UNNEST($2::text[], $3::text[]) AS u(e, i) ON a.entity = u.e AND a.entity_id = u.i
         WHERE a.station_id = $1",
    )
    .bind(station.station_id)
    .bind(&ke)
    .bind(&ki)
    .fetch_all(conn)
    .await?;
    Ok(held.into_iter().collect())
}

fn no_access<'a>(c: &'a Change, why: String) -> RejectRow<'a> {
    RejectRow { change: c, code: rc::NO_ACCESS, message: why, flagged: false }
}

/// Customers and vehicles: merged per field by HLC (`sync_protocol::merge`).
/// Rows are created empty first and then locked in key order, so two stations
/// editing the same new customer at once merge instead of overwriting.
///
/// A station writes only the shared records it has access to: a record that
/// does not exist yet is created here and becomes the station's; a change to
/// an existing one it was never given is rejected and grants nothing, so an
/// id alone opens no customer (issue 12).
async fn write_shared<'a>(
    conn: &mut PgConnection,
    station: &AuthStation,
    shared: &[&'a Change],
    rejects: &mut Vec<RejectRow<'a>>,
) -> sqlx::Result<Vec<(String, String)>> {
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: Vec<(String, String)> = shared.iter().map(|c| (c.entity.clone(), c.entity_id.clone())).collect();
    keys.sort();
    keys.dedup();
    let (ke, ki): (Vec<&str>, Vec<&str>) = keys.iter().map(|(e, i)| (e.as_str(), i.as_str())).unzip();
    let created: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO shared_records (entity, entity_id) SELECT u.e, u.i FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS u(e, i, n) ORDER BY u.n
         ON CONFLICT (entity, entity_id) DO NOTHING RETURNING entity, entity_id",
    )
    .bind(&ke)
    .bind(&ki)
    .fetch_all(&mut *conn)
    .await?;
    let key_refs: Vec<(&str, &str)> = ke.iter().copied().zip(ki.iter().copied()).collect();
    let mut allowed = accessible(conn, station, &key_refs).await?;
    allowed.extend(created);
    let mut shared_ok: Vec<&Change> = Vec::with_capacity(shared.len());
    for c in shared {
        if allowed.contains(&(c.entity.clone(), c.entity_id.clone())) {
            shared_ok.push(c);
        } else {
            rejects.push(no_access(
                c,
                format!("{} {} is another station's and was never shared with this one: look it up at the head office first", c.entity, c.entity_id),
            ));
        }
    }
    let shared = shared_ok;
    keys.retain(|k| allowed.contains(k));
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let (ke, ki): (Vec<&str>, Vec<&str>) = keys.iter().map(|(e, i)| (e.as_str(), i.as_str())).unzip();
    type Row = (String, String, sqlx::types::Json<serde_json::Map<String, Value>>, sqlx::types::Json<BTreeMap<String, Hlc>>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.entity, s.entity_id, s.fields, s.field_hlcs, s.deleted_hlc FROM shared_records s
         JOIN UNNEST($1::text[], $2::text[]) AS u(e, i) ON s.entity = u.e AND s.entity_id = u.i
         ORDER BY s.entity, s.entity_id FOR UPDATE OF s",
    )
    .bind(&ke)
    .bind(&ki)
    .fetch_all(&mut *conn)
    .await?;
    let mut records: BTreeMap<(String, String), SharedRecord> = BTreeMap::new();
    for (e, i, fields, hlcs, deleted) in rows {
        let deleted_hlc = deleted.and_then(|d| d.parse().ok());
        records.insert((e, i), SharedRecord { fields: fields.0, field_hlcs: hlcs.0, deleted_hlc });
    }
    for c in &shared {
        let rec = records.entry((c.entity.clone(), c.entity_id.clone())).or_default();
        match c.op {
            Op::Delete => {
                rec.apply_delete(&c.hlc);
            }
            _ => {
                if let Some(obj) = c.payload.as_object() {
                    rec.apply_edit(obj, c.changed_fields.as_deref(), &c.hlc);
                }
            }
        }
    }
    let mut ue = Vec::new();
    let mut ui = Vec::new();
    let mut uf = Vec::new();
    let mut uh = Vec::new();
    let mut ud = Vec::new();
    let mut udel = Vec::new();
    for ((e, i), r) in &records {
        ue.push(e.as_str());
        ui.push(i.as_str());
        uf.push(Value::Object(r.fields.clone()).to_string());
        uh.push(serde_json::to_string(&r.field_hlcs).unwrap_or_else(|_| "{}".into()));
        ud.push(r.deleted_hlc.as_ref().map(|h| h.to_string()));
        udel.push(r.is_deleted());
    }
    sqlx::query(
        "UPDATE shared_records s SET fields = u.f::jsonb, field_hlcs = u.h::jsonb, deleted_hlc = u.d, deleted = u.del, updated_at = now()
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS u(e, i, f, h, d, del)
         WHERE s.entity = u.e AND s.entity_id = u.i",
    )
    .bind(&ue)
    .bind(&ui)
    .bind(&uf)
    .bind(&uh)
    .bind(&ud)
    .bind(&udel)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO shared_access (station_id, entity, entity_id) SELECT $1, u.e, u.i FROM UNNEST($2::text[], $3::text[]) AS u(e, i)
         ON CONFLICT DO NOTHING",
    )
    .bind(station.station_id)
    .bind(&ke)
    .bind(&ki)
    .execute(&mut *conn)
    .await?;
    // Every touched record goes back into the feed, also when this edit lost:
    // the station must learn the winning values to converge.
    Ok(keys)
}

/// A repair order shows in its vehicle's history at every station that knows
/// the vehicle (`feed::attach_history`), so an order of a vehicle the head
/// office knows is accepted only from a station with access to that vehicle:
/// no station can write visits into another station's car. (An order of a
/// vehicle the head office does not know appears in no one's history.)
async fn without_orders_of_foreign_vehicles<'a>(
    conn: &mut PgConnection,
    station: &AuthStation,
    owned: Vec<&'a Change>,
    rejects: &mut Vec<RejectRow<'a>>,
) -> sqlx::Result<Vec<&'a Change>> {
    let vehicle_of = |c: &Change| -> Option<String> {
        (c.entity == "repair_order" && c.op == Op::Upsert).then(|| c.payload.get("vehicle")?.get("id")?.as_str().map(str::to_string)).flatten()
    };
    let mut ids: Vec<String> = owned.iter().filter_map(|c| vehicle_of(c)).collect();
    if ids.is_empty() {
        return Ok(owned);
    }
    ids.sort_unstable();
    ids.dedup();
    let known: Vec<String> =
        sqlx::query_scalar("SELECT entity_id FROM shared_records WHERE entity = 'vehicle' AND entity_id = ANY($1)").bind(&ids).fetch_all(&mut *conn).await?;
    let keys: Vec<(&str, &str)> = known.iter().map(|i| ("vehicle", i.as_str())).collect();
    let allowed = accessible(conn, station, &keys).await?;
    let foreign = |id: &String| known.contains(id) && !allowed.contains(&("vehicle".to_string(), id.clone()));
    let mut kept = Vec::with_capacity(owned.len());
    for c in owned {
        match vehicle_of(c) {
            Some(v) if foreign(&v) => rejects.push(no_access(
                c,
                format!("repair order {} names vehicle {v}, which this station has no access to: its history is not this station's to write", c.entity_id),
            )),
            _ => kept.push(c),
        }
    }
    Ok(kept)
}

/// A merge entry gives the survivor and the moved vehicles to every station
/// that knew the loser (`merges.rs`), so it is followed only when the merging
/// station has access to everything it names; otherwise it is rejected, and
/// so is never followed.
async fn without_merges_of_foreign_customers<'a>(
    conn: &mut PgConnection,
    station: &AuthStation,
    once: Vec<(&'a Change, EntityKind)>,
    rejects: &mut Vec<RejectRow<'a>>,
) -> sqlx::Result<Vec<(&'a Change, EntityKind)>> {
    let mut kept = Vec::with_capacity(once.len());
    for (c, k) in once {
        let Some((survivor, loser, vehicles)) = super::merges::merge_of(c) else {
            kept.push((c, k));
            continue;
        };
        let mut named: Vec<(&str, &str)> = vec![("customer", survivor.as_str()), ("customer", loser.as_str())];
        named.extend(vehicles.iter().map(|v| ("vehicle", v.as_str())));
        let allowed = accessible(conn, station, &named).await?;
        match named.iter().find(|(e, i)| !allowed.contains(&(e.to_string(), i.to_string()))) {
            Some((e, i)) => rejects.push(no_access(c, format!("this merge names {e} {i}, which this station has no access to: the merge is not followed"))),
            None => kept.push((c, k)),
        }
    }
    Ok(kept)
}

/// A repair order's vehicle goes back into the feed when the order changes, so
/// the other stations that know the vehicle see its history (`feed::attach_history`) stay current.
async fn vehicles_with_changed_orders(conn: &mut PgConnection, owned: &[&Change]) -> sqlx::Result<Vec<(String, String)>> {
    let mut ids: Vec<&str> = owned.iter().filter(|c| c.entity == "repair_order").filter_map(|c| c.payload.get("vehicle")?.get("id")?.as_str()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ids.sort_unstable();
    ids.dedup();
    let known: Vec<String> =
        sqlx::query_scalar("SELECT entity_id FROM shared_records WHERE entity = 'vehicle' AND entity_id = ANY($1)").bind(&ids).fetch_all(conn).await?;
    Ok(known.into_iter().map(|i| ("vehicle".to_string(), i)).collect())
}

async fn insert_rejections(conn: &mut PgConnection, station: &AuthStation, rejects: &[RejectRow<'_>]) -> sqlx::Result<()> {
    if rejects.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = rejects.iter().map(|r| r.change.seq).collect();
    let ids: Vec<Uuid> = rejects.iter().map(|r| r.change.id).collect();
    let entities: Vec<&str> = rejects.iter().map(|r| r.change.entity.as_str()).collect();
    let entity_ids: Vec<&str> = rejects.iter().map(|r| r.change.entity_id.as_str()).collect();
    let codes: Vec<&str> = rejects.iter().map(|r| r.code).collect();
    let messages: Vec<&str> = rejects.iter().map(|r| r.message.as_str()).collect();
    let payloads: Vec<String> = rejects.iter().map(|r| r.change.payload.to_string()).collect();
    let flagged: Vec<bool> = rejects.iter().map(|r| r.flagged).collect();
    sqlx::query(
        "INSERT INTO rejections (station_id, token_id, seq, change_id, entity, entity_id, code, message, payload, flagged)
         SELECT $1, $2, u.seq, u.id, u.e, u.i, u.code, u.msg, u.p::jsonb, u.f
         FROM UNNEST($3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[]) WITH ORDINALITY AS u(seq, id, e, i, code, msg, p, f, n)
         ORDER BY u.n",
    )
    .bind(station.station_id)
    .bind(station.token_id)
    .bind(&seqs)
    .bind(&ids)
    .bind(&entities)
    .bind(&entity_ids)
    .bind(&codes)
    .bind(&messages)
    .bind(&payloads)
    .bind(&flagged)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn rejections(pool: &PgPool, station: &AuthStation, after: i64) -> Result<RejectionsPage, ApiError> {
    type Row = (i64, i64, Uuid, String, String, String, String, bool, chrono::DateTime<chrono::Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT rejection_id, seq, change_id, entity, entity_id, code, message, flagged, rejected_at FROM rejections
         WHERE station_id = $1 AND rejection_id > $2 ORDER BY rejection_id LIMIT 1000",
    )
    .bind(station.station_id)
    .bind(after)
    .fetch_all(pool)
    .await?;
    Ok(RejectionsPage {
        rejections: rows
            .into_iter()
            .map(|(id, seq, change_id, entity, entity_id, code, message, flagged, at)| Rejection {
                id,
                seq,
                change_id,
                entity,
                entity_id,
                code,
                message,
                flagged,
                rejected_at: at.to_rfc3339(),
            })
            .collect(),
    })
}
