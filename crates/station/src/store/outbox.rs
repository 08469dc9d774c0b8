//! The sync outbox. Every write appends the new state of what it wrote, in the
//! same transaction, so the head office can never miss a change or see one
//! that was rolled back. Each row is stamped there with the station's hybrid
//! logical clock (`sync::clock`). The sync client drains it in `seq` order.

use serde::Serialize;
use sqlx::SqliteConnection;
use sync_protocol::Hlc;

use crate::error::{ApiError, Result};
use crate::station::{new_id, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Upsert,
    Delete,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// Appends a change to a record this station owns (or an append-only entry).
pub async fn append<T: Serialize>(
    conn: &mut SqliteConnection,
    station_id: &str,
    entity: &str,
    entity_id: &str,
    op: Op,
    payload: &T,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    write(conn, station_id, entity, entity_id, op, payload, None, now).await.map(|_| ())
}

/// Appends an edit of a shared record (customer, vehicle) with the fields it
/// changed: the head office merges only those, so an edit of one field does
/// not overwrite another station's newer edit of another (`docs/sync.md`).
#[allow(clippy::too_many_arguments)]
pub async fn append_shared<T: Serialize>(
    conn: &mut SqliteConnection,
    station_id: &str,
    entity: &str,
    entity_id: &str,
    payload: &T,
    changed_fields: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Hlc> {
    write(conn, station_id, entity, entity_id, Op::Upsert, payload, Some(changed_fields), now).await
}

#[allow(clippy::too_many_arguments)]
async fn write<T: Serialize>(
    conn: &mut SqliteConnection,
    station_id: &str,
    entity: &str,
    entity_id: &str,
    op: Op,
    payload: &T,
    changed_fields: Option<&[String]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Hlc> {
    let payload = serde_json::to_string(payload).map_err(|e| ApiError::internal(format!("cannot serialise {entity}: {e}")))?;
    let changed = changed_fields.map(|f| serde_json::to_string(f).unwrap_or_else(|_| "[]".into()));
    let hlc = crate::sync::clock::tick(conn, station_id, now).await?;
    sqlx::query("INSERT INTO outbox (id, station_id, entity, entity_id, op, payload, created_at, hlc, changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(new_id())
        .bind(station_id)
        .bind(entity)
        .bind(entity_id)
        .bind(op.as_str())
        .bind(payload)
        .bind(ts(now))
        .bind(hlc.to_string())
        .bind(changed)
        .execute(conn)
        .await?;
    Ok(hlc)
}

/// The fields whose values differ between two states of a record (both
/// serialised as JSON objects), for `append_shared`. A create passes `None`
/// as the old state: every field is listed.
pub fn changed_fields<T: Serialize>(before: Option<&T>, after: &T) -> Vec<String> {
    let as_map = |v: &T| match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let after = as_map(after);
    let Some(before) = before.map(as_map) else {
        return after.keys().cloned().collect();
    };
    let mut changed: Vec<String> = after.iter().filter(|(k, v)| before.get(*k) != Some(*v) && *k != "updated_at").map(|(k, _)| k.clone()).collect();
    // The edit's time travels with whatever it changed.
    if after.contains_key("updated_at") {
        changed.push("updated_at".into());
    }
    changed
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    pub payload: String,
    pub hlc: Option<String>,
    pub changed_fields: Option<String>,
}

pub async fn pending(conn: &mut SqliteConnection, after_seq: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as::<_, OutboxRow>("SELECT seq, id, entity, entity_id, op, payload, hlc, changed_fields FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?")
        .bind(after_seq)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}
