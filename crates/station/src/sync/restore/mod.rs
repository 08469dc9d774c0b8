//! Restoring this station's own rows from the head office: the `scope:
//! station` entries of the pull feed (`docs/sync.md`, "Restore and
//! re-enrollment"). The same entries carry what the head office wrote for this
//! station alone (its notes on the station's complaints, `EntityKind::HeadOffice`),
//! written by the same rules into their own tables.
//!
//! - **Newer only.** Each entry carries the HLC of the record's last change at
//!   the head office. The station's own version of a record is the greatest
//!   HLC of its outbox rows for it (its own writes) or of an earlier restore
//!   (`sync_restored`). An entry is written when the station has no such row,
//!   or only an older version of it: its own echoes never overwrite what it
//!   wrote since, and a reinstalled station, which has nothing, gets it all.
//! - **Fixed statements.** One writer per entity (`writers.rs`), with its tables and
//!   columns spelled out; the payload only supplies bound values. Restored rows
//!   take this station's id, whichever installation of it wrote them.
//! - **No outbox row.** A restored row is the head office's already.
//! - **Parents first.** An entry whose parent row is not here yet, or that a
//!   trigger refuses for now (an order's status before its event), is parked
//!   in `sync_parked` and retried in foreign-key order (`rank`) when a pull
//!   reaches the end of the feed: the feed is compacted, so a parent that
//!   changed after its children comes after them.
//! - **Numbering.** A restored order raises its day's RO sequence to its
//!   number, so the next check-in continues the day without reusing one.

use chrono::{DateTime, Utc};
use sqlx::{Connection, SqliteConnection};
use sync_protocol::{FeedChange, Hlc, Op};

use crate::error::{ApiError, Result};
use crate::station::ts;

mod aftersales;
mod writers;

pub(crate) use writers::raise_customer_sequence;
use writers::{write, Fail};

/// This installation: its `station` row.
pub(crate) struct Local<'a> {
    pub id: &'a str,
    pub code: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Written,
    /// Already here (an echo, or older than what the station holds), or nothing to restore.
    Skipped,
    /// Cannot be written yet; kept in `sync_parked`.
    Parked,
}

/// Every entity this station restores, the statement that says whether its row
/// is here, and whether it is written once (append-only, signed, a file).
const RESTORED: &[(&str, &str, bool)] = &[
    // One per station: written onto this installation's row (see `apply`).
    ("station_settings", "SELECT EXISTS (SELECT 1 FROM station WHERE id = ?)", false),
    ("staff", "SELECT EXISTS (SELECT 1 FROM staff WHERE id = ?)", false),
    ("file", "SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)", true),
    ("qc_item", "SELECT EXISTS (SELECT 1 FROM qc_items WHERE id = ?)", false),
    ("labor_operation", "SELECT EXISTS (SELECT 1 FROM labor_operations WHERE id = ?)", false),
    ("part", "SELECT EXISTS (SELECT 1 FROM parts WHERE id = ?)", false),
    ("repair_order", "SELECT EXISTS (SELECT 1 FROM repair_orders WHERE id = ?)", false),
    ("ro_authorization", "SELECT EXISTS (SELECT 1 FROM ro_authorizations WHERE id = ?)", true),
    ("ro_job", "SELECT EXISTS (SELECT 1 FROM ro_jobs WHERE id = ?)", false),
    ("ro_line", "SELECT EXISTS (SELECT 1 FROM ro_lines WHERE id = ?)", false),
    ("ro_finding", "SELECT EXISTS (SELECT 1 FROM ro_findings WHERE id = ?)", true),
    ("ro_inspection", "SELECT EXISTS (SELECT 1 FROM ro_inspections WHERE id = ?)", true),
    ("time_clock", "SELECT EXISTS (SELECT 1 FROM time_clocks WHERE id = ?)", false),
    ("ro_status_event", "SELECT EXISTS (SELECT 1 FROM ro_status_events WHERE id = ?)", true),
    ("ro_payment", "SELECT EXISTS (SELECT 1 FROM ro_payments WHERE id = ?)", true),
    ("odometer_reading", "SELECT EXISTS (SELECT 1 FROM odometer_readings WHERE id = ?)", true),
    ("ro_document", "SELECT EXISTS (SELECT 1 FROM ro_documents WHERE id = ?)", true),
    ("ro_recall", "SELECT EXISTS (SELECT 1 FROM ro_recalls WHERE id = ?)", true),
    ("audit_log", "SELECT EXISTS (SELECT 1 FROM audit_log WHERE id = ?)", true),
    ("access_entry", "SELECT EXISTS (SELECT 1 FROM access_register WHERE id = ?)", true),
    // After-sales (`aftersales.rs`).
    ("time_limit_policy", "SELECT EXISTS (SELECT 1 FROM time_limit_policies WHERE kind = ?)", false),
    ("calendar", "SELECT EXISTS (SELECT 1 FROM calendars WHERE id = ?)", true),
    ("complaint_category", "SELECT EXISTS (SELECT 1 FROM complaint_categories WHERE id = ?)", false),
    ("follow_up", "SELECT EXISTS (SELECT 1 FROM follow_ups WHERE id = ?)", false),
    ("follow_up_event", "SELECT EXISTS (SELECT 1 FROM follow_up_events WHERE id = ?)", true),
    ("survey", "SELECT EXISTS (SELECT 1 FROM surveys WHERE id = ?)", true),
    ("complaint", "SELECT EXISTS (SELECT 1 FROM complaints WHERE id = ?)", false),
    ("complaint_event", "SELECT EXISTS (SELECT 1 FROM complaint_events WHERE id = ?)", true),
    ("complaint_compensation", "SELECT EXISTS (SELECT 1 FROM complaint_compensations WHERE id = ?)", true),
    ("item_clock", "SELECT EXISTS (SELECT 1 FROM item_clocks WHERE id = ?)", false),
    ("service_request", "SELECT EXISTS (SELECT 1 FROM service_requests WHERE id = ?)", false),
    ("service_request_event", "SELECT EXISTS (SELECT 1 FROM service_request_events WHERE id = ?)", true),
    // Written by the head office for this station, not restored: the same rules
    // bring it (once, after its complaint) to a running and a reinstalled station alike.
    ("ho_complaint_note", "SELECT EXISTS (SELECT 1 FROM ho_complaint_notes WHERE id = ?)", true),
];

/// Foreign-key order: a row's parents have a smaller rank.
pub(crate) fn rank(entity: &str) -> u8 {
    match entity {
        "station" | "station_settings" | "staff" | "file" | "qc_item" | "labor_operation" | "part" | "time_limit_policy" | "calendar" => 0,
        "complaint_category" => 0,
        "repair_order" => 1,
        "follow_up" | "service_request" => 2,
        "complaint" => 3,
        // After its complaint; nothing points at it.
        "ho_complaint_note" => 5,
        "ro_authorization" => 2,
        "ro_job" => 3,
        "ro_line" => 4,
        "audit_log" | "access_entry" => 6,
        // After the order and its documents it destroys.
        "destruction" => 7,
        _ => 5,
    }
}

/// Applies one `scope: station` entry of the feed (see the module comment).
pub(crate) async fn apply(conn: &mut SqliteConnection, local: &Local<'_>, c: &FeedChange, now: DateTime<Utc>) -> Result<Outcome> {
    let settings = c.entity == "station_settings";
    // Rows every installation seeds (the default time limits): a reinstalled station's copy says nothing, the restored one wins.
    let seeded = c.entity == "time_limit_policy";
    if c.entity == "destruction" {
        // A destruction wins over older states this installation may hold (a
        // restored backup): it is done again here (`retention::destroy`).
        let new = crate::retention::destroy::apply_pulled(conn, local.id, &c.payload, now).await?;
        unpark(conn, c).await?;
        return Ok(if new { Outcome::Written } else { Outcome::Skipped });
    }
    let Some(&(_, exists_sql, write_once)) = RESTORED.iter().find(|(e, _, _)| *e == c.entity) else {
        // `station`: the station row is this installation's own (its code must match);
        // anything else is not a table of this station.
        unpark(conn, c).await?;
        return Ok(Outcome::Skipped);
    };
    // The settings are one record per station, whichever installation wrote them.
    let key = if settings { local.id } else { c.entity_id.as_str() };
    let mine = local_version(conn, &c.entity, key).await?;
    if let (Some(mine), Some(theirs)) = (&mine, &c.hlc) {
        if mine >= theirs {
            unpark(conn, c).await?;
            return Ok(Outcome::Skipped);
        }
    }
    let exists = settings || sqlx::query_scalar::<_, bool>(exists_sql).bind(&c.entity_id).fetch_one(&mut *conn).await?;
    // A row here whose age is unknown (written before the outbox had clocks), or one written once, stays.
    let keep = exists && (write_once || c.hlc.is_none() || (mine.is_none() && !settings && !seeded));
    if keep || (!exists && c.op == Op::Delete) {
        if !exists {
            remember(conn, c, key, now).await?;
        }
        unpark(conn, c).await?;
        return Ok(Outcome::Skipped);
    }
    let mut sp = conn.begin().await?;
    match write(&mut sp, local, c, now).await {
        Ok(()) => {
            remember(&mut sp, c, key, now).await?;
            sp.commit().await?;
            unpark(conn, c).await?;
            Ok(Outcome::Written)
        }
        Err(Fail::NotYet(why)) => {
            sp.rollback().await?;
            park(conn, c, &why, now).await?;
            Ok(Outcome::Parked)
        }
        Err(Fail::Bad(why)) => {
            sp.rollback().await?;
            tracing::warn!(entity = %c.entity, id = %c.entity_id, "the head office's copy of an own record cannot be restored: {why}");
            unpark(conn, c).await?;
            Ok(Outcome::Skipped)
        }
        Err(Fail::Local(e)) => Err(e),
    }
}

/// The newest version of a record this station holds: its own writes, or an earlier restore.
async fn local_version(conn: &mut SqliteConnection, entity: &str, id: &str) -> Result<Option<Hlc>> {
    let hlc: Option<String> = sqlx::query_scalar(
        "SELECT MAX(h) FROM (SELECT MAX(hlc) AS h FROM outbox WHERE entity = ?1 AND entity_id = ?2
                             UNION ALL SELECT hlc FROM sync_restored WHERE entity = ?1 AND entity_id = ?2)",
    )
    .bind(entity)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(hlc.and_then(|h| h.parse().ok()))
}

async fn remember(conn: &mut SqliteConnection, c: &FeedChange, key: &str, now: DateTime<Utc>) -> Result<()> {
    if let Some(hlc) = &c.hlc {
        sqlx::query(
            "INSERT INTO sync_restored (entity, entity_id, hlc, restored_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (entity, entity_id) DO UPDATE SET hlc = excluded.hlc, restored_at = excluded.restored_at",
        )
        .bind(&c.entity)
        .bind(key)
        .bind(hlc.to_string())
        .bind(ts(now))
        .execute(conn)
        .await?;
    }
    Ok(())
}

pub(crate) fn scope_name(c: &FeedChange) -> &'static str {
    match c.scope {
        sync_protocol::Scope::Global => "global",
        sync_protocol::Scope::Station => "station",
        sync_protocol::Scope::Shared => "shared",
    }
}

/// Keeps an entry to retry later (replacing an older one of the same record).
pub(crate) async fn park(conn: &mut SqliteConnection, c: &FeedChange, why: &str, now: DateTime<Utc>) -> Result<()> {
    let change = serde_json::to_string(c).map_err(|e| ApiError::internal(format!("cannot keep a feed entry: {e}")))?;
    tracing::debug!(entity = %c.entity, id = %c.entity_id, "parked until its parents are here: {why}");
    sqlx::query(
        "INSERT INTO sync_parked (scope, entity, entity_id, change, reason, parked_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, entity, entity_id) DO UPDATE SET change = excluded.change, reason = excluded.reason, parked_at = excluded.parked_at",
    )
    .bind(scope_name(c))
    .bind(&c.entity)
    .bind(&c.entity_id)
    .bind(change)
    .bind(why)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn unpark(conn: &mut SqliteConnection, c: &FeedChange) -> Result<()> {
    sqlx::query("DELETE FROM sync_parked WHERE scope = ? AND entity = ? AND entity_id = ?")
        .bind(scope_name(c))
        .bind(&c.entity)
        .bind(&c.entity_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Everything parked, parents first.
pub(crate) async fn parked(conn: &mut SqliteConnection) -> Result<Vec<FeedChange>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT change FROM sync_parked ORDER BY parked_at, entity, entity_id").fetch_all(conn).await?;
    let mut out: Vec<FeedChange> = rows.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
    out.sort_by_key(|c| (c.scope != sync_protocol::Scope::Shared || c.entity != "customer", c.scope != sync_protocol::Scope::Shared, rank(&c.entity)));
    Ok(out)
}

pub(crate) async fn parked_count(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sync_parked").fetch_one(conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_protocol::entity::{EntityKind, ENTITIES};

    /// Restoring nothing of a synced entity must be a decision, not an oversight.
    const NOT_RESTORED: [(&str, &str); 3] = [
        ("station", "the station row is the installation's own; its code must match the head office's"),
        ("authorization", "no table writes it: signed documents are ro_authorization"),
        ("destruction", "not written back as a row: `apply` destroys again what it names (retention::destroy::apply_pulled)"),
    ];

    #[test]
    fn every_entity_a_station_owns_is_restored_or_deliberately_not() {
        for (name, kind, _) in ENTITIES {
            if matches!(kind, EntityKind::Shared | EntityKind::Master) {
                continue;
            }
            let restored = RESTORED.iter().any(|(e, _, _)| e == name);
            let skipped = NOT_RESTORED.iter().any(|(e, _)| e == name);
            assert!(restored != skipped, "{name}: restore it (RESTORED) or say why not (NOT_RESTORED)");
        }
        for (name, _, _) in RESTORED {
            assert!(ENTITIES.iter().any(|(e, _, _)| e == name), "{name} is not a synced entity");
            assert!(rank(name) < 7);
        }
    }
}
