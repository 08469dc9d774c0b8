//! The sync outbox. Every write appends the new state of what it wrote, in the
//! same transaction, so the head office can never miss a change or see one
//! that was rolled back. The sync client drains it in `seq` order.

use serde::Serialize;
use sqlx::SqliteConnection;

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

pub async fn append<T: Serialize>(
    conn: &mut SqliteConnection,
    station_id: &str,
    entity: &str,
    entity_id: &str,
    op: Op,
    payload: &T,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let payload = serde_json::to_string(payload).map_err(|e| ApiError::internal(format!("cannot serialise {entity}: {e}")))?;
    sqlx::query("INSERT INTO outbox (id, station_id, entity, entity_id, op, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(new_id())
        .bind(station_id)
        .bind(entity)
        .bind(entity_id)
        .bind(op.as_str())
        .bind(payload)
        .bind(ts(now))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    pub payload: String,
}

pub async fn pending(conn: &mut SqliteConnection, after_seq: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as::<_, OutboxRow>("SELECT seq, entity, entity_id, op, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?")
        .bind(after_seq)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}
