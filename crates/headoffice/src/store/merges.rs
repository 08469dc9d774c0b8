//! A station merged two customers (issue 11). The station sends the moved
//! records and the loser's tombstone (`merged_into`) as ordinary changes, and
//! the merge itself as its audit entry (`audit_log`, entity `customer`, action
//! `merge`, `after` = what moved). Applying that entry here makes the head
//! office's customer records follow: every station that knew the loser now
//! knows the survivor and the vehicles that moved to it, and receives them in
//! its next pull, so its own copy of the loser points at a record it has.

use serde_json::Value;
use sqlx::PgConnection;
use sync_protocol::{Change, EntityKind};

/// What a merge entry names: the survivor, the loser and the vehicles that moved.
pub(crate) fn merge_of(c: &Change) -> Option<(String, String, Vec<String>)> {
    let p = &c.payload;
    if c.entity != "audit_log" || p.get("entity")?.as_str()? != "customer" || p.get("action")?.as_str()? != "merge" {
        return None;
    }
    // The audit entry keeps `after` as JSON text, as the station stores it.
    let after: Value = match p.get("after")? {
        Value::String(text) => serde_json::from_str(text).ok()?,
        other => other.clone(),
    };
    let survivor = after.get("survivor_id")?.as_str()?.to_string();
    let loser = after.get("loser_id")?.as_str()?.to_string();
    let vehicles = after.get("vehicles").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
    Some((survivor, loser, vehicles))
}

/// Applies the merges among the audit entries this push inserted (`inserted`:
/// a resent entry was applied the first time). Returns the shared records to
/// put back into the feed.
pub(crate) async fn follow_customer_merges(
    conn: &mut PgConnection,
    once: &[(&Change, EntityKind)],
    inserted: &[(String, String)],
) -> sqlx::Result<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for (c, _) in once {
        if !inserted.iter().any(|(e, i)| e == &c.entity && i == &c.entity_id) {
            continue;
        }
        let Some((survivor, loser, vehicles)) = merge_of(c) else { continue };
        let mut entities = vec!["customer"];
        let mut ids = vec![survivor.as_str()];
        for v in &vehicles {
            entities.push("vehicle");
            ids.push(v.as_str());
        }
        let granted: Vec<(String, String)> = sqlx::query_as(
            "INSERT INTO shared_access (station_id, entity, entity_id)
             SELECT a.station_id, u.e, u.i FROM shared_access a CROSS JOIN UNNEST($2::text[], $3::text[]) AS u(e, i)
             WHERE a.entity = 'customer' AND a.entity_id = $1
               AND EXISTS (SELECT 1 FROM shared_records s WHERE s.entity = u.e AND s.entity_id = u.i)
             ON CONFLICT DO NOTHING RETURNING entity, entity_id",
        )
        .bind(&loser)
        .bind(&entities)
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        tracing::info!(survivor = %survivor, loser = %loser, stations_given = granted.len(), "a station merged two customers");
        keys.extend(granted);
        keys.push(("customer".to_string(), survivor));
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}
