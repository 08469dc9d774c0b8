//! The audit log: who changed what, when, and the record before and after,
//! for every change to orders, jobs, lines and stock (and the price lists).
//! Append-only — triggers in the schema refuse updates and deletes — and
//! shown on the order's page through `get_order_audit`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::Ctx;
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::ops::IdInput;
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

fn json<T: Serialize>(v: Option<&T>) -> Result<Option<String>> {
    v.map(|v| serde_json::to_string(v).map_err(|e| ApiError::internal(format!("cannot serialise an audit record: {e}")))).transpose()
}

/// Appends one audit entry (and its outbox row) in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record<B: Serialize, A: Serialize>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    ro_id: Option<&str>,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let id = new_id();
    let (before, after) = (json(before)?, json(after)?);
    sqlx::query(
        "INSERT INTO audit_log (id, station_id, ro_id, entity, entity_id, action, staff_id, at, before, after, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(ro_id)
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(&ctx.staff_id)
    .bind(ts(ctx.now))
    .bind(&before)
    .bind(&after)
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .execute(&mut *conn)
    .await?;
    let payload = serde_json::json!({
        "id": id, "ro_id": ro_id, "entity": entity, "entity_id": entity_id, "action": action, "staff_id": ctx.staff_id,
        "at": ts(ctx.now), "before": before, "after": after,
    });
    outbox::append(conn, &ctx.station_id, "audit_log", &id, outbox::Op::Upsert, &payload, ctx.now).await
}

/// A record was written: its outbox row (the new state) and its audit entry, together.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn wrote<B: Serialize, A: Serialize>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    ro_id: Option<&str>,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&B>,
    after: &A,
) -> Result<()> {
    outbox::append(&mut *conn, &ctx.station_id, entity, entity_id, outbox::Op::Upsert, after, ctx.now).await?;
    record(conn, ctx, ro_id, entity, entity_id, action, before, Some(after)).await
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditEntry {
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

type AuditRow = (String, String, String, String, Option<String>, Option<String>, DateTime<Utc>, Option<String>, Option<String>);

/// The order's audit log, oldest first: the order itself, its jobs and lines,
/// and the stock movements made for it.
pub async fn get_order_audit(station: &Station, caller: &Caller, input: IdInput) -> Result<AuditLog> {
    caller.require(Permission::Read)?;
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT a.id, a.entity, a.entity_id, a.action, a.staff_id, s.name, a.at, a.before, a.after
         FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id WHERE a.ro_id = ? ORDER BY a.rowid",
    )
    .bind(&input.id)
    .fetch_all(station.pool())
    .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(AuditLog {
        entries: rows
            .into_iter()
            .map(|(id, entity, entity_id, action, staff_id, staff_name, at, before, after)| AuditEntry {
                id,
                entity,
                entity_id,
                action,
                staff_id,
                staff_name,
                at,
                before: parse(before),
                after: parse(after),
            })
            .collect(),
    })
}
