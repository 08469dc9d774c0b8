//! A destruction run: a manager's PIN, then each due record destroyed in one
//! transaction of its own with its outbox rows.
//!
//! What goes and what stays (docs/privacy.md): personal fields and free text
//! are overwritten (names, phones, e-mail, company, notes, concerns, the 3 Cs,
//! findings, captions, event and audit texts); signed documents, their
//! signatures and printed copies are deleted, leaving their number, kind, hash
//! and the date in `retention_destroyed_documents`; files lose their bytes and
//! their rows are marked. Dates, amounts, states, scores, staff and ids stay,
//! so the KPIs come out the same.
//!
//! The head office is told by one `destruction` record per subject: which of
//! its records to erase (signed documents, archived PDFs), which to patch
//! (append-only entries it would otherwise refuse to change), which file
//! bytes to drop and which customers to close to later edits. The order
//! itself, its jobs and the customer go up as ordinary new states.
//!
//! The same code re-runs a destruction that arrives in the pull feed on a
//! station restored from an older backup (`apply_pulled`), without outbox rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{aftersales, due, not_due, policy, DueItem, DueRef, RetentionKind};
use crate::auth::lockout::{self, Purpose};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};
use crate::workflow::{audit, Ctx};

/// What a destroyed customer's name becomes (the column may not be empty).
pub const DESTROYED_NAME: &str = "已销毁";

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RunDestruction {
    /// The approving manager's own PIN, checked again as at login.
    pub pin: String,
    /// What the manager saw listed and approves; anything no longer due is left alone.
    pub items: Vec<DueRef>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DestructionReport {
    pub run_id: String,
    pub destroyed: Vec<DueItem>,
    /// Approved items that were not due any more (already destroyed, reopened).
    #[ts(type = "number")]
    pub skipped: i64,
    #[ts(type = "number")]
    pub files_deleted: i64,
}

/// Whether the run writes outbox rows (a local run) or not (re-applied from the feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Emit {
    Outbox,
    None,
}

/// What one subject's destruction sends to the head office, and keeps here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Destruction {
    pub id: String,
    pub run_id: String,
    pub kind: String,
    pub subject_id: String,
    pub number: String,
    pub destroyed_at: String,
    pub destroyed_by: Option<String>,
    /// Signed documents: `{authorization_id, number, kind, hash}`.
    pub documents: Vec<Value>,
    /// Records the head office deletes: `{entity, entity_id}`.
    pub erase: Vec<Value>,
    /// Records whose fields the head office overwrites: `{entity, entity_id, set}`.
    pub patch: Vec<Value>,
    /// File bytes the head office deletes.
    pub files: Vec<String>,
    /// Customers anonymised: the head office refuses later edits of them.
    pub customers: Vec<String>,
    /// Vehicles anonymised with their last owner: closed to later edits the same way.
    #[serde(default)]
    pub vehicles: Vec<String>,
}

impl Destruction {
    fn erase(&mut self, entity: &str, id: &str) {
        self.erase.push(json!({"entity": entity, "entity_id": id}));
    }
    pub(super) fn patch(&mut self, entity: &str, id: &str, set: Value) {
        self.patch.push(json!({"entity": entity, "entity_id": id, "set": set}));
    }
}

fn wrong_pin() -> ApiError {
    ApiError::field("pin", Invalid::new("auth.bad_pin", "that is not your PIN"))
}

/// Checks the caller's own PIN with argon2, counting wrong ones as the login does.
async fn verify_own_pin(station: &Station, staff_id: &str, pin: &str) -> Result<()> {
    lockout::check(station, staff_id, Purpose::ManagerPin, "pin").await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT pin_hash FROM staff WHERE id = ? AND active = 1").bind(staff_id).fetch_optional(station.pool()).await?;
    let given = pin.to_string();
    let ok = match stored {
        Some(hash) => tokio::task::spawn_blocking(move || crate::auth::pin::verify(&given, &hash)).await.map_err(|e| ApiError::internal(e.to_string()))?,
        None => false,
    };
    if !ok {
        return Err(lockout::failed(station, staff_id, Purpose::ManagerPin, wrong_pin()).await);
    }
    lockout::succeeded(station, staff_id, Purpose::ManagerPin).await
}

/// A manager approves a run with their PIN: every approved item still due is destroyed.
pub async fn run_destruction(station: &Station, caller: &Caller, input: RunDestruction) -> Result<DestructionReport> {
    let me = caller.require(Permission::DestroyRecords)?.clone();
    if input.items.is_empty() {
        return Err(ApiError::field("items", Invalid::new("retention.nothing_approved", "approve at least one item of the list")));
    }
    let now = station.now();
    let due_now = {
        let mut conn = station.pool().acquire().await?;
        let policy = policy(&mut conn).await?;
        due(&mut conn, &policy, now).await?
    };
    let approved: Vec<DueItem> = due_now.into_iter().filter(|d| input.items.iter().any(|a| a.kind == d.kind && a.subject_id == d.subject_id)).collect();
    // Before the PIN: a correct PIN clears its failure count (a write), and a refused run writes nothing.
    if approved.is_empty() {
        return Err(not_due("items"));
    }
    verify_own_pin(station, &me.id, &input.pin).await?;
    let mut files_deleted = sweep_destroyed_files(station).await?;
    let skipped = input.items.len() as i64 - approved.len() as i64;
    let run_id = new_id();
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    for item in &approved {
        let mut tx = db::write_tx(station.pool()).await?;
        let files = match item.kind {
            RetentionKind::RepairOrder => destroy_order(&mut tx, &ctx, &run_id, &item.subject_id, None, Emit::Outbox).await?,
            RetentionKind::Photos => destroy_photos(&mut tx, &ctx, &run_id, &item.subject_id, None, Emit::Outbox).await?,
            RetentionKind::CustomerWithoutOrder => destroy_lone_customer(&mut tx, &ctx, &run_id, &item.subject_id, None, Emit::Outbox).await?,
            RetentionKind::Complaint | RetentionKind::FollowUp | RetentionKind::ServiceRequest => {
                aftersales::destroy(&mut tx, &ctx, &run_id, item.kind.destruction_kind(), &item.subject_id, None, Emit::Outbox)
                    .await?
                    .ok_or_else(|| ApiError::not_found(item.kind.destruction_kind()).with_field("items"))?
            }
        };
        tx.commit().await?;
        // After the commit: a rollback must not have lost the bytes. A crash in between leaves them to the next run's sweep.
        files_deleted += delete_bytes(station, &files);
    }
    tracing::info!(run = %run_id, destroyed = approved.len(), skipped, files_deleted, "destruction run");
    Ok(DestructionReport { run_id, destroyed: approved, skipped, files_deleted })
}

/// Deletes the bytes and thumbnails of `files`; returns how many were on disk.
fn delete_bytes(station: &Station, files: &[String]) -> i64 {
    let mut n = 0;
    for sha in files {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if std::fs::remove_file(crate::photos::file_path(station, sha, false)).is_ok() {
            n += 1;
        }
        let _ = std::fs::remove_file(crate::photos::file_path(station, sha, true));
    }
    n
}

/// Files marked destroyed whose bytes are still on disk (a crash after the commit).
pub(crate) async fn sweep_destroyed_files(station: &Station) -> Result<i64> {
    let marked: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM files WHERE destroyed_at IS NOT NULL").fetch_all(station.pool()).await?;
    Ok(delete_bytes(station, &marked))
}

/// The files of order `ro_id` that no other order still keeps.
async fn files_of_order(conn: &mut SqliteConnection, ro_id: &str, photos_only: bool) -> Result<Vec<String>> {
    let all: Vec<String> = if photos_only {
        sqlx::query_scalar(
            "SELECT DISTINCT p.sha256 FROM ro_photos p JOIN files f ON f.sha256 = p.sha256 WHERE p.ro_id = ? AND f.destroyed_at IS NULL ORDER BY p.sha256",
        )
        .bind(ro_id)
        .fetch_all(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar(
            "SELECT f.sha256 FROM files f WHERE f.destroyed_at IS NULL AND f.sha256 IN (
                SELECT sha256 FROM ro_photos WHERE ro_id = ?1 UNION SELECT sha256 FROM ro_documents WHERE ro_id = ?1
                UNION SELECT s.png_sha256 FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = ?1
                UNION SELECT s.paper_scan_sha256 FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = ?1)
             ORDER BY f.sha256",
        )
        .bind(ro_id)
        .fetch_all(&mut *conn)
        .await?
    };
    let mut mine = Vec::new();
    for sha in all {
        // Content-addressed: the same picture on another, kept order stays.
        let elsewhere: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM ro_photos WHERE sha256 = ?1 AND ro_id <> ?2)
                 OR EXISTS (SELECT 1 FROM ro_documents WHERE sha256 = ?1 AND ro_id <> ?2)
                 OR EXISTS (SELECT 1 FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id
                            WHERE a.ro_id <> ?2 AND (s.png_sha256 = ?1 OR s.paper_scan_sha256 = ?1))",
        )
        .bind(&sha)
        .bind(ro_id)
        .fetch_one(&mut *conn)
        .await?;
        if !elsewhere {
            mine.push(sha);
        }
    }
    Ok(mine)
}

async fn mark_files(conn: &mut SqliteConnection, d: &mut Destruction, files: &[String], now: DateTime<Utc>) -> Result<()> {
    for sha in files {
        sqlx::query("UPDATE files SET destroyed_at = ?, updated_at = ? WHERE sha256 = ?").bind(ts(now)).bind(ts(now)).bind(sha).execute(&mut *conn).await?;
        d.patch("file", sha, json!({"destroyed_at": ts(now)}));
    }
    d.files.extend(files.iter().cloned());
    Ok(())
}

pub(super) fn new_destruction(ctx: &Ctx, run_id: &str, kind: &str, subject_id: &str, number: String, from: Option<&Destruction>) -> Destruction {
    match from {
        // Re-applied from the feed: the same id and date as where it happened.
        Some(f) => Destruction {
            id: f.id.clone(),
            run_id: f.run_id.clone(),
            destroyed_at: f.destroyed_at.clone(),
            destroyed_by: f.destroyed_by.clone(),
            ..Default::default()
        },
        None => {
            Destruction { id: new_id(), run_id: run_id.to_string(), destroyed_at: ts(ctx.now), destroyed_by: Some(ctx.staff_id.clone()), ..Default::default() }
        }
    }
    .with(kind, subject_id, number)
}

impl Destruction {
    fn with(mut self, kind: &str, subject_id: &str, number: String) -> Destruction {
        self.kind = kind.to_string();
        self.subject_id = subject_id.to_string();
        self.number = number;
        self
    }
}

/// Keeps the destruction here and, for a local run, sends it with the audit entry.
pub(super) async fn finish(conn: &mut SqliteConnection, ctx: &Ctx, d: &Destruction, ro_id: Option<&str>, emit: Emit) -> Result<()> {
    let payload = serde_json::to_string(d).map_err(|e| ApiError::internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO retention_destructions (id, station_id, run_id, kind, subject_id, number, destroyed_at, destroyed_by, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&d.id)
    .bind(&ctx.station_id)
    .bind(&d.run_id)
    .bind(&d.kind)
    .bind(&d.subject_id)
    .bind(&d.number)
    .bind(&d.destroyed_at)
    .bind(&d.destroyed_by)
    .bind(&payload)
    .bind(ts(ctx.now))
    .execute(&mut *conn)
    .await?;
    keep_documents(conn, d).await?;
    if emit == Emit::Outbox {
        outbox::append(&mut *conn, &ctx.station_id, "destruction", &d.id, outbox::Op::Upsert, &json!(d), ctx.now).await?;
        let summary = json!({"destruction_id": d.id, "run_id": d.run_id, "kind": d.kind, "number": d.number,
            "documents": d.documents.len(), "files": d.files.len(), "customers": d.customers, "vehicles": d.vehicles});
        let entity = match d.kind.as_str() {
            "customer" | "complaint" | "follow_up" | "service_request" | "vehicle" => d.kind.as_str(),
            _ => "repair_order",
        };
        audit::record(&mut *conn, ctx, ro_id, entity, &d.subject_id, "destroy", None::<&Value>, Some(&summary)).await?;
    }
    Ok(())
}

/// What is left of destroyed signed documents: number, kind, hash, date.
async fn keep_documents(conn: &mut SqliteConnection, d: &Destruction) -> Result<()> {
    for doc in &d.documents {
        sqlx::query(
            "INSERT OR IGNORE INTO retention_destroyed_documents (authorization_id, destruction_id, ro_id, number, kind, hash, destroyed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(doc["authorization_id"].as_str())
        .bind(&d.id)
        .bind(&d.subject_id)
        .bind(doc["number"].as_str())
        .bind(doc["kind"].as_str())
        .bind(doc["hash"].as_str())
        .bind(&d.destroyed_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Lets the immutability triggers through for `subject` within this transaction only.
pub(super) async fn open_gate(conn: &mut SqliteConnection, subject: &str) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO retention_gate (subject_id) VALUES (?)").bind(subject).execute(&mut *conn).await?;
    Ok(())
}

pub(super) async fn close_gate(conn: &mut SqliteConnection, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM retention_gate WHERE subject_id = ?").bind(subject).execute(&mut *conn).await?;
    Ok(())
}

/// The audit entries about `subject` keep who did what when, not the before and after.
pub(super) async fn blank_audit(conn: &mut SqliteConnection, d: &mut Destruction, ro_id: Option<&str>, entity_id: &str) -> Result<()> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM audit_log WHERE (ro_id = ?1 OR entity_id = ?2) AND (before IS NOT NULL OR after IS NOT NULL)")
        .bind(ro_id)
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query("UPDATE audit_log SET before = NULL, after = NULL WHERE (ro_id = ?1 OR entity_id = ?2) AND (before IS NOT NULL OR after IS NOT NULL)")
        .bind(ro_id)
        .bind(entity_id)
        .execute(&mut *conn)
        .await?;
    for id in ids {
        d.patch("audit_log", &id, json!({"before": null, "after": null}));
    }
    Ok(())
}

/// A finished order past its retention: see the module comment. Returns the files whose bytes go.
pub(crate) async fn destroy_order(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    run_id: &str,
    ro_id: &str,
    from: Option<&Destruction>,
    emit: Emit,
) -> Result<Vec<String>> {
    let (number, customer_id, vehicle_id): (String, String, String) = sqlx::query_as("SELECT number, customer_id, vehicle_id FROM repair_orders WHERE id = ?")
        .bind(ro_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("repair order").with_field("items"))?;
    let mut d = new_destruction(ctx, run_id, "repair_order", ro_id, number.clone(), from);
    open_gate(conn, ro_id).await?;
    let files = files_of_order(conn, ro_id, false).await?;

    let docs: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, kind, hash FROM ro_authorizations WHERE ro_id = ? ORDER BY rowid").bind(ro_id).fetch_all(&mut *conn).await?;
    let archived: Vec<String> = sqlx::query_scalar("SELECT id FROM ro_documents WHERE ro_id = ?").bind(ro_id).fetch_all(&mut *conn).await?;
    let jobs: Vec<String> = sqlx::query_scalar("SELECT id FROM ro_jobs WHERE ro_id = ? ORDER BY position").bind(ro_id).fetch_all(&mut *conn).await?;
    sqlx::query("UPDATE ro_jobs SET authorization_id = NULL, decided_by_name = NULL, concern = '', cause = '', correction = '' WHERE ro_id = ?")
        .bind(ro_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM ro_documents WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM ro_signed_lines WHERE authorization_id IN (SELECT id FROM ro_authorizations WHERE ro_id = ?)")
        .bind(ro_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM ro_signatures WHERE authorization_id IN (SELECT id FROM ro_authorizations WHERE ro_id = ?)")
        .bind(ro_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM ro_authorizations WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    for id in &archived {
        d.erase("ro_document", id);
    }
    for (i, (id, kind, hash)) in docs.iter().enumerate() {
        d.erase("ro_authorization", id);
        d.documents.push(json!({"authorization_id": id, "number": format!("{number}/{}", i + 1), "kind": kind, "hash": hash}));
    }

    sqlx::query("UPDATE repair_orders SET personal_items = '', cancel_reason = CASE WHEN cancel_reason IS NULL THEN NULL ELSE '' END WHERE id = ?")
        .bind(ro_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE ro_concerns SET text = '' WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE ro_damage_marks SET note = '' WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE ro_photos SET caption = '' WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    for (entity, select, update, set) in [
        ("ro_finding", "SELECT id FROM ro_findings WHERE ro_id = ?", "UPDATE ro_findings SET text = '' WHERE ro_id = ?", json!({"text": ""})),
        ("ro_inspection", "SELECT id FROM ro_inspections WHERE ro_id = ?", "UPDATE ro_inspections SET notes = '' WHERE ro_id = ?", json!({"notes": ""})),
        (
            "ro_status_event",
            "SELECT id FROM ro_status_events WHERE ro_id = ? AND note <> ''",
            "UPDATE ro_status_events SET note = '' WHERE ro_id = ? AND note <> ''",
            json!({"note": ""}),
        ),
    ] {
        let ids: Vec<String> = sqlx::query_scalar(select).bind(ro_id).fetch_all(&mut *conn).await?;
        sqlx::query(update).bind(ro_id).execute(&mut *conn).await?;
        for id in ids {
            d.patch(entity, &id, set.clone());
        }
    }
    blank_audit(conn, &mut d, Some(ro_id), ro_id).await?;
    mark_files(conn, &mut d, &files, ctx.now).await?;
    close_gate(conn, ro_id).await?;
    // Its follow-up call goes with it (an order due whole is never listed with its follow-up).
    let follow_up: Option<String> = sqlx::query_scalar(
        "SELECT f.id FROM follow_ups f WHERE f.ro_id = ? AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'follow_up' AND d.subject_id = f.id)",
    )
    .bind(ro_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(f) = follow_up {
        super::aftersales::blank_follow_up(conn, &mut d, &f).await?;
    }

    let customer_gone = customer_has_nothing_kept(conn, &customer_id, ro_id).await?;
    if customer_gone {
        anonymise_customer(conn, ctx, &mut d, &customer_id, ro_id, emit).await?;
    }
    car_of_destroyed_owner(conn, ctx, &mut d, &vehicle_id, ro_id, emit).await?;
    if emit == Emit::Outbox {
        for id in &jobs {
            let job = crate::workflow::jobs::load_job(conn, id).await?;
            outbox::append(&mut *conn, &ctx.station_id, "ro_job", id, outbox::Op::Upsert, &job, ctx.now).await?;
        }
        // The order's state as the head office keeps it, with the customer it names blanked.
        let mut order = serde_json::to_value(crate::repair_orders::load_order(conn, ro_id).await?).map_err(|e| ApiError::internal(e.to_string()))?;
        blank_customer_json(&mut order["customer"]);
        outbox::append(&mut *conn, &ctx.station_id, "repair_order", ro_id, outbox::Op::Upsert, &order, ctx.now).await?;
    }
    finish(conn, ctx, &d, Some(ro_id), emit).await?;
    Ok(files)
}

fn blank_customer_json(c: &mut Value) {
    if let Some(o) = c.as_object_mut() {
        o.insert("name".into(), json!(DESTROYED_NAME));
        o.insert("phones".into(), json!([]));
        o.insert("email".into(), Value::Null);
        o.insert("company".into(), Value::Null);
        o.insert("notes".into(), json!(""));
        o.insert("destroyed".into(), json!(true));
    }
}

/// Whether nothing of customer `id` is kept here once `except` (an order, a
/// complaint or a service request) is gone: no other order, complaint or
/// service request still kept, and no visit
/// of their cars to another station within the order period (the pulled
/// history: the head office keeps the customer for those stations).
pub(super) async fn customer_has_nothing_kept(conn: &mut SqliteConnection, id: &str, except: &str) -> Result<bool> {
    let kept: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM repair_orders r WHERE r.customer_id = ?1 AND r.id <> ?2
                         AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'repair_order' AND d.subject_id = r.id))
             OR EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = ?1 AND k.id <> ?2
                         AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'complaint' AND d.subject_id = k.id))
             OR EXISTS (SELECT 1 FROM service_requests s WHERE s.customer_id = ?1 AND s.id <> ?2
                         AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'service_request' AND d.subject_id = s.id))
             OR EXISTS (SELECT 1 FROM ho_vehicle_history h JOIN vehicles v ON v.id = h.vehicle_id WHERE v.customer_id = ?1)
             OR EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'customer' AND d.subject_id = ?1)",
    )
    .bind(id)
    .bind(except)
    .fetch_one(&mut *conn)
    .await?;
    Ok(!kept)
}

/// Overwrites the customer's personal fields and phones; the number, consents
/// and dates stay. Their cars go with them (`anonymise_vehicles`); `except` is
/// the order, complaint or request being destroyed with them.
pub(super) async fn anonymise_customer(conn: &mut SqliteConnection, ctx: &Ctx, d: &mut Destruction, id: &str, except: &str, emit: Emit) -> Result<()> {
    let before = crate::customers::load_customer(conn, id).await?;
    open_gate(conn, id).await?;
    sqlx::query(
        "UPDATE customers SET name = ?, email = NULL, company = NULL, notes = '', destroyed_at = COALESCE(destroyed_at, ?), updated_at = ? WHERE id = ?",
    )
    .bind(DESTROYED_NAME)
    .bind(&d.destroyed_at)
    .bind(ts(ctx.now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM customer_phones WHERE customer_id = ?").bind(id).execute(&mut *conn).await?;
    blank_audit(conn, d, None, id).await?;
    close_gate(conn, id).await?;
    d.customers.push(id.to_string());
    if emit == Emit::Outbox {
        crate::customers::finish_write(conn, &ctx.station_id, id, Some(&before), ctx.now).await?;
    } else {
        crate::search::index_customer(conn, id).await?;
    }
    anonymise_vehicles(conn, ctx, d, id, except, emit).await
}

/// The customer's cars that nothing kept here names any more (no order,
/// complaint or service request but `except`, and no other station's visit in
/// the pulled history) lose their VIN, plates, colour and search entry; make,
/// model, year and energy stay for the fleet figures.
async fn anonymise_vehicles(conn: &mut SqliteConnection, ctx: &Ctx, d: &mut Destruction, customer: &str, except: &str, emit: Emit) -> Result<()> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT v.id FROM vehicles v WHERE v.customer_id = ?1 AND v.destroyed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM repair_orders r WHERE r.vehicle_id = v.id AND r.id <> ?2
                           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'repair_order' AND d.subject_id = r.id))
           AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.vehicle_id = v.id AND k.id <> ?2
                           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'complaint' AND d.subject_id = k.id))
           AND NOT EXISTS (SELECT 1 FROM service_requests s WHERE s.vehicle_id = v.id AND s.id <> ?2
                           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'service_request' AND d.subject_id = s.id))
           AND NOT EXISTS (SELECT 1 FROM ho_vehicle_history h WHERE h.vehicle_id = v.id)
         ORDER BY v.id",
    )
    .bind(customer)
    .bind(except)
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        anonymise_vehicle(conn, ctx, d, &id, emit).await?;
    }
    Ok(())
}

/// Car `vehicle` if its owner was destroyed before and it was kept for
/// `except` (an order from its previous owner, a complaint or service request
/// about it): it goes now, with the owner's other cars nothing kept here names
/// any more, by `anonymise_vehicles`'s rule. Left, it would keep its VIN and
/// plate with nothing to keep them for.
pub(super) async fn car_of_destroyed_owner(conn: &mut SqliteConnection, ctx: &Ctx, d: &mut Destruction, vehicle: &str, except: &str, emit: Emit) -> Result<()> {
    let owner: Option<String> = sqlx::query_scalar(
        "SELECT v.customer_id FROM vehicles v JOIN customers c ON c.id = v.customer_id WHERE v.id = ? AND v.destroyed_at IS NULL AND c.destroyed_at IS NOT NULL",
    )
    .bind(vehicle)
    .fetch_optional(&mut *conn)
    .await?;
    match owner {
        Some(owner) => anonymise_vehicles(conn, ctx, d, &owner, except, emit).await,
        None => Ok(()),
    }
}

async fn anonymise_vehicle(conn: &mut SqliteConnection, ctx: &Ctx, d: &mut Destruction, id: &str, emit: Emit) -> Result<()> {
    let before = crate::vehicles::load_vehicle(conn, id).await?;
    open_gate(conn, id).await?;
    sqlx::query("UPDATE vehicles SET vin = NULL, plate = NULL, color = '', destroyed_at = COALESCE(destroyed_at, ?), updated_at = ? WHERE id = ?")
        .bind(&d.destroyed_at)
        .bind(ts(ctx.now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM vehicle_plates WHERE vehicle_id = ?").bind(id).execute(&mut *conn).await?;
    blank_audit(conn, d, None, id).await?;
    close_gate(conn, id).await?;
    d.vehicles.push(id.to_string());
    if emit == Emit::Outbox {
        crate::vehicles::finish_write(conn, &ctx.station_id, id, Some(&before), ctx.now).await.map(|_| ())
    } else {
        crate::search::index_vehicle(conn, id).await
    }
}

/// The photos of an order past the photo period; the order stays.
pub(crate) async fn destroy_photos(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    run_id: &str,
    ro_id: &str,
    from: Option<&Destruction>,
    emit: Emit,
) -> Result<Vec<String>> {
    let number: String = sqlx::query_scalar("SELECT number FROM repair_orders WHERE id = ?")
        .bind(ro_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("repair order").with_field("items"))?;
    let mut d = new_destruction(ctx, run_id, "photos", ro_id, number, from);
    let files = files_of_order(conn, ro_id, true).await?;
    sqlx::query("UPDATE ro_photos SET caption = '' WHERE ro_id = ?").bind(ro_id).execute(&mut *conn).await?;
    mark_files(conn, &mut d, &files, ctx.now).await?;
    if emit == Emit::Outbox {
        let order = crate::repair_orders::load_order(conn, ro_id).await?;
        outbox::append(&mut *conn, &ctx.station_id, "repair_order", ro_id, outbox::Op::Upsert, &order, ctx.now).await?;
    }
    finish(conn, ctx, &d, Some(ro_id), emit).await?;
    Ok(files)
}

/// A customer who never had an order, past their period.
pub(crate) async fn destroy_lone_customer(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    run_id: &str,
    id: &str,
    from: Option<&Destruction>,
    emit: Emit,
) -> Result<Vec<String>> {
    let number: String = sqlx::query_scalar("SELECT customer_no FROM customers WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("customer").with_field("items"))?;
    let mut d = new_destruction(ctx, run_id, "customer", id, number, from);
    anonymise_customer(conn, ctx, &mut d, id, "", emit).await?;
    finish(conn, ctx, &d, None, emit).await?;
    Ok(Vec::new())
}

/// A destruction from the pull feed (this station's own, made by an earlier
/// installation or after the backup this one was restored from): done again
/// here unless it already was, without outbox rows. Returns whether it was new here.
pub(crate) async fn apply_pulled(conn: &mut SqliteConnection, station_id: &str, payload: &Value, now: DateTime<Utc>) -> Result<bool> {
    let d: Destruction = serde_json::from_value(payload.clone()).map_err(|e| ApiError::invalid("payload.malformed", format!("destruction: {e}")))?;
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM retention_destructions WHERE id = ?)").bind(&d.id).fetch_one(&mut *conn).await?;
    if done {
        return Ok(false);
    }
    let ctx = Ctx { station_id: station_id.to_string(), staff_id: d.destroyed_by.clone().unwrap_or_default(), now };
    // The bytes of the files go in the next sync pass's sweep (`sync::files`), after this pull commits.
    match d.kind.as_str() {
        "repair_order" | "photos" => {
            let here: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM repair_orders WHERE id = ?)").bind(&d.subject_id).fetch_one(&mut *conn).await?;
            if !here {
                // Restored later by its own feed entry, already anonymised: keep the record of the destruction.
                finish(conn, &ctx, &d, None, Emit::None).await?;
                return Ok(true);
            }
            if d.kind == "photos" {
                destroy_photos(conn, &ctx, &d.run_id, &d.subject_id, Some(&d), Emit::None).await?
            } else {
                destroy_order(conn, &ctx, &d.run_id, &d.subject_id, Some(&d), Emit::None).await?
            }
        }
        "customer" => {
            let here: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)").bind(&d.subject_id).fetch_one(&mut *conn).await?;
            if here {
                destroy_lone_customer(conn, &ctx, &d.run_id, &d.subject_id, Some(&d), Emit::None).await?
            } else {
                finish(conn, &ctx, &d, None, Emit::None).await?;
                Vec::new()
            }
        }
        "complaint" | "follow_up" | "service_request" => {
            if aftersales::destroy(conn, &ctx, &d.run_id, &d.kind, &d.subject_id, Some(&d), Emit::None).await?.is_none() {
                finish(conn, &ctx, &d, None, Emit::None).await?;
                return Ok(true);
            }
            Vec::new()
        }
        other => {
            tracing::warn!(kind = other, "a destruction of a kind this station does not know; skipped");
            Vec::new()
        }
    };
    // The customers and cars it names are destroyed here whatever this installation
    // restored of them: the head office may keep them, in full, for another station.
    let mut again = d.clone();
    for id in &d.customers {
        let live: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ? AND destroyed_at IS NULL)").bind(id).fetch_one(&mut *conn).await?;
        if live {
            anonymise_customer(conn, &ctx, &mut again, id, "", Emit::None).await?;
        }
    }
    for id in &d.vehicles {
        let live: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM vehicles WHERE id = ? AND destroyed_at IS NULL)").bind(id).fetch_one(&mut *conn).await?;
        if live {
            anonymise_vehicle(conn, &ctx, &mut again, id, Emit::None).await?;
        }
    }
    // What is left of the signed documents, as the feed names them (this installation may never have held them).
    keep_documents(conn, &d).await?;
    // Files the feed names that this installation also holds.
    for sha in &d.files {
        sqlx::query("UPDATE files SET destroyed_at = COALESCE(destroyed_at, ?) WHERE sha256 = ?").bind(&d.destroyed_at).bind(sha).execute(&mut *conn).await?;
    }
    Ok(true)
}
