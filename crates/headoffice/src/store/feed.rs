//! The pull feed for one station: global master data, its own rows, and the
//! shared records it has touched, in change-log order, each record once.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;
use sqlx::PgPool;
use sync_protocol::{ChangesPage, ErrorCode, FeedChange, Hlc, Op, Scope, Visit};

use super::push::now_ms;
use crate::auth::AuthStation;
use crate::error::ApiError;

/// The cursor is opaque to stations: `base64url("v1:<tx>:<change_id>")`.
pub fn encode_cursor(tx: i64, change_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{tx}:{change_id}"))
}

pub fn decode_cursor(cursor: &str) -> Result<(i64, i64), ApiError> {
    let bad = || ApiError::new(ErrorCode::InvalidRequest, "invalid cursor: pass back a next_cursor from /v1/changes, or none to start");
    if cursor.is_empty() {
        return Ok((0, 0));
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = text.split(':');
    match (parts.next(), parts.next().and_then(|p| p.parse().ok()), parts.next().and_then(|p| p.parse().ok()), parts.next()) {
        (Some("v1"), Some(tx), Some(id), None) => Ok((tx, id)),
        _ => Err(bad()),
    }
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<sqlx::types::Json<Value>>,
    Option<bool>,
    Option<sqlx::types::Json<BTreeMap<String, Hlc>>>,
    Option<String>,
    Option<String>,
);

/// Only rows of transactions older than every transaction that may still be
/// writing to this database are handed out (the horizon); transactions known to
/// run in other databases of the cluster do not hold the feed back.
pub async fn page(pool: &PgPool, station: &AuthStation, cursor: Option<&str>, limit: u32) -> Result<ChangesPage, ApiError> {
    let (after_tx, after_id) = decode_cursor(cursor.unwrap_or(""))?;
    let rows: Vec<Row> = sqlx::query_as(
        "WITH snap AS (SELECT pg_current_snapshot() AS s),
              elsewhere AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
                            WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()),
              horizon AS (SELECT LEAST(pg_snapshot_xmax(s)::text::bigint,
                                       (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x
                                        WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere))) AS h
                          FROM snap)
         SELECT c.tx, c.change_id, c.scope, c.entity, c.entity_id,
                COALESCE(r.payload, s.fields, m.payload),
                COALESCE(r.deleted, s.deleted, m.deleted),
                s.field_hlcs, s.deleted_hlc, r.hlc
         FROM change_log c
         LEFT JOIN records r ON c.scope = 'station' AND r.station_id = c.owner AND r.entity = c.entity AND r.entity_id = c.entity_id
         LEFT JOIN shared_records s ON c.scope = 'shared' AND s.entity = c.entity AND s.entity_id = c.entity_id
         LEFT JOIN master_records m ON c.scope = 'global' AND m.entity = c.entity AND m.entity_id = c.entity_id
         WHERE (c.tx, c.change_id) > ($2, $3)
           AND c.tx < (SELECT h FROM horizon)
           AND (c.scope = 'global'
                OR (c.scope = 'station' AND c.owner = $1)
                OR (c.scope = 'shared' AND EXISTS (SELECT 1 FROM shared_access a WHERE a.station_id = $1 AND a.entity = c.entity AND a.entity_id = c.entity_id)))
         ORDER BY c.tx, c.change_id
         LIMIT $4",
    )
    .bind(station.station_id)
    .bind(after_tx)
    .bind(after_id)
    .bind(limit as i64 + 1)
    .fetch_all(pool)
    .await?;
    let has_more = rows.len() > limit as usize;
    let mut next = (after_tx, after_id);
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (tx, id, scope, entity, entity_id, payload, deleted, field_hlcs, deleted_hlc, hlc) in rows.into_iter().take(limit as usize) {
        next = (tx, id);
        let Some(payload) = payload else { continue };
        let scope = match scope.as_str() {
            "global" => Scope::Global,
            "station" => Scope::Station,
            _ => Scope::Shared,
        };
        changes.push(FeedChange {
            scope,
            entity,
            entity_id,
            op: if deleted.unwrap_or(false) { Op::Delete } else { Op::Upsert },
            payload: payload.0,
            field_hlcs: field_hlcs.map(|h| h.0),
            deleted_hlc: deleted_hlc.and_then(|d| d.parse().ok()),
            hlc: hlc.and_then(|h| h.parse().ok()),
            history: None,
        });
    }
    attach_history(pool, station, &mut changes).await?;
    let next_cursor = if next == (0, 0) { String::new() } else { encode_cursor(next.0, next.1) };
    Ok(ChangesPage { changes, next_cursor, has_more, server_time_ms: now_ms() })
}

type VisitRow = (String, String, String, String, Option<String>, Option<String>, Option<String>, Option<i64>, Option<sqlx::types::Json<Value>>);

/// The orders at other stations of vehicles `$2`, as seen by station `$1`: `attach_history` (and `scripts/bench-shared-holders.sh`).
const VISITS: &str = "SELECT v.vehicle_id, v.entity_id, v.code, v.name, v.payload->>'number', v.payload->>'status', v.payload->>'checked_in_at',
                CASE WHEN jsonb_typeof(v.payload->'odometer_in_km') = 'number' THEN (v.payload->>'odometer_in_km')::bigint END,
                v.payload->'concerns'
         FROM (SELECT r.payload->'vehicle'->>'id' AS vehicle_id, r.entity_id, s.code, s.name, r.payload,
                      row_number() OVER (PARTITION BY r.payload->'vehicle'->>'id' ORDER BY r.payload->>'checked_in_at' DESC) AS n
               FROM records r JOIN stations s USING (station_id)
               WHERE r.entity = 'repair_order' AND NOT r.deleted AND r.station_id <> $1
                 AND r.payload->'vehicle'->>'id' = ANY($2)
                 AND NOT EXISTS (SELECT 1 FROM records d WHERE d.station_id = r.station_id AND d.entity = 'destruction'
                                   AND d.payload->'vehicles' @> jsonb_build_array(r.payload->'vehicle'->>'id'))) v
         WHERE v.n <= 50
         ORDER BY v.vehicle_id, v.payload->>'checked_in_at' DESC";

/// Shared vehicles in the page get their repair orders at other stations
/// (newest first, at most 50 each), so check-in can show where the car has been.
/// Not the orders of a station that destroyed the car past retention: that
/// station no longer holds it, and a visit in the history is what makes a
/// station keep a car when it destroys the owner (docs/sync.md, "Destruction").
pub(crate) async fn attach_history(pool: &PgPool, station: &AuthStation, changes: &mut [FeedChange]) -> Result<(), ApiError> {
    let vehicles: Vec<&str> = changes.iter().filter(|c| c.scope == Scope::Shared && c.entity == "vehicle").map(|c| c.entity_id.as_str()).collect();
    if vehicles.is_empty() {
        return Ok(());
    }
    let rows: Vec<VisitRow> = sqlx::query_as(VISITS).bind(station.station_id).bind(&vehicles).fetch_all(pool).await?;
    let mut by_vehicle: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
    for (vehicle_id, ro_id, station_code, station_name, number, status, checked_in_at, odometer_km, concerns) in rows {
        let concerns = concerns
            .and_then(|c| c.0.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| c.get("text").and_then(Value::as_str).map(str::to_string))
            .collect();
        by_vehicle.entry(vehicle_id).or_default().push(Visit {
            ro_id,
            station_code,
            station_name,
            number: number.unwrap_or_default(),
            status: status.unwrap_or_default(),
            checked_in_at: checked_in_at.unwrap_or_default(),
            odometer_km,
            concerns,
        });
    }
    for c in changes.iter_mut().filter(|c| c.scope == Scope::Shared && c.entity == "vehicle") {
        c.history = Some(by_vehicle.remove(&c.entity_id).unwrap_or_default());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42, 7)).unwrap(), (42, 7));
        assert_eq!(decode_cursor("").unwrap(), (0, 0));
        for bad in ["!!", "djE6eA", "djI6MTox"] {
            assert!(decode_cursor(bad).is_err(), "{bad} should be refused");
        }
    }
}
