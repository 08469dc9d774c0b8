//! Status events: the append-only history of an order's status — who, when,
//! from, to, and a note. Appending an event is the only way an order's status
//! changes (a trigger in the schema refuses any other), so the status always
//! equals the last event's `to_status`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::Ctx;
use crate::error::Result;
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts};
use crate::store::outbox;

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct StatusEvent {
    pub id: String,
    pub ro_id: String,
    #[ts(type = "number")]
    pub seq: i64,
    /// `null` for the check-in that created the order.
    pub from_status: Option<RoStatus>,
    pub to_status: RoStatus,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    pub note: String,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

/// Appends the event and sets the order's status to match, in the caller's transaction.
pub(crate) async fn append(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str, from: Option<RoStatus>, to: RoStatus, note: &str) -> Result<()> {
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM ro_status_events WHERE ro_id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO ro_status_events (id, station_id, ro_id, seq, from_status, to_status, staff_id, note, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(ro_id)
    .bind(seq)
    .bind(from.map(RoStatus::as_str))
    .bind(to.as_str())
    .bind(&ctx.staff_id)
    .bind(note)
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE repair_orders SET status = ?, updated_at = ? WHERE id = ?").bind(to.as_str()).bind(ts(ctx.now)).bind(ro_id).execute(&mut *conn).await?;
    let event = load(conn, &id).await?;
    outbox::append(conn, &ctx.station_id, "ro_status_event", &id, outbox::Op::Upsert, &event, ctx.now).await
}

/// The check-in's event: from nothing to `checked_in`.
pub(crate) async fn checked_in(conn: &mut SqliteConnection, station_id: &str, staff_id: &str, ro_id: &str, now: DateTime<Utc>) -> Result<()> {
    let ctx = Ctx { station_id: station_id.to_string(), staff_id: staff_id.to_string(), now };
    append(conn, &ctx, ro_id, None, RoStatus::CheckedIn, "").await
}

// SQL is literal text only (no format!): the shared SELECT is spliced at compile time.
macro_rules! select_events {
    () => {
        "SELECT e.id, e.ro_id, e.seq, e.from_status, e.to_status, e.staff_id, s.name AS staff_name, e.note, e.at
         FROM ro_status_events e LEFT JOIN staff s ON s.id = e.staff_id "
    };
}

async fn load(conn: &mut SqliteConnection, id: &str) -> Result<StatusEvent> {
    Ok(sqlx::query_as::<_, StatusEvent>(concat!(select_events!(), "WHERE e.id = ?")).bind(id).fetch_one(conn).await?)
}

pub(crate) async fn list(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<StatusEvent>> {
    Ok(sqlx::query_as::<_, StatusEvent>(concat!(select_events!(), "WHERE e.ro_id = ? ORDER BY e.seq")).bind(ro_id).fetch_all(conn).await?)
}
