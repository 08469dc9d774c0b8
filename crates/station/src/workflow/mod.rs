//! The repair order's life after check-in (接单 → 诊断 → 维修 → 验收 → 交车):
//! the state machine — which states follow which, which permission moves each
//! edge (the roles behind a permission are in `auth/roles.rs`), and what each
//! edge requires — plus the one way every order-changing operation writes:
//! `OrderWrite` checks the version the caller read (optimistic concurrency),
//! and on `finish` appends the order's outbox row and audit entry in the same
//! transaction.
//!
//! The concepts live next door: `events` (status history), `jobs`, `lines`
//! (and the money rule), `authorization`, `inventory`, `time_clock`,
//! `quality`, `delivery`, `catalog`, `audit`, `settings`, `recalls` (campaigns performed).

pub mod actions;
pub mod audit;
pub mod authorization;
pub mod catalog;
pub mod delivery;
pub mod events;
pub mod inventory;
pub mod jobs;
pub mod lines;
pub mod quality;
pub mod recalls;
pub mod settings;
pub mod signed_content;
pub mod signing;
pub mod time_clock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use ts_rs::TS;

use crate::auth::roles::StaffRef;
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::{ApiError, Invalid, Result};
use crate::ops::IdInput;
use crate::privacy::access_register::{self, AccessKind, Subject};
use crate::repair_orders::{load_order, RepairOrder, RoStatus};
use crate::station::{ts, Station};
use crate::store::{db, outbox};

use RoStatus::*;

/// Every legal move and the permission it takes. Anything not listed is refused
/// with `transition.not_allowed`. Cancelling is legal from every open state (see `edge`).
pub const MACHINE: &[(RoStatus, RoStatus, Permission)] = &[
    (CheckedIn, Diagnosing, Permission::Diagnose),
    (Diagnosing, EstimateReady, Permission::PresentEstimate),
    (EstimateReady, Approved, Permission::RecordAuthorization),
    (Approved, InRepair, Permission::Repair),
    (InRepair, WaitingParts, Permission::Repair),
    (WaitingParts, InRepair, Permission::Repair),
    (InRepair, QualityCheck, Permission::Repair),
    (QualityCheck, ReadyForPickup, Permission::QualityDecision),
    (QualityCheck, InRepair, Permission::QualityDecision),
    (ReadyForPickup, Delivered, Permission::Deliver),
    (Delivered, Closed, Permission::CloseOrder),
];

/// The permission that moves `from` to `to`, or `None` when the machine has no such edge.
pub fn edge(from: RoStatus, to: RoStatus) -> Option<Permission> {
    if to == Cancelled && from.is_open() {
        return Some(Permission::CancelOrder);
    }
    MACHINE.iter().find(|(f, t, _)| *f == from && *t == to).map(|(_, _, p)| *p)
}

/// Every legal (from, to) pair, cancellations included.
pub fn legal_moves() -> Vec<(RoStatus, RoStatus)> {
    RoStatus::ALL.into_iter().flat_map(|f| RoStatus::ALL.into_iter().map(move |t| (f, t))).filter(|(f, t)| edge(*f, *t).is_some()).collect()
}

pub(crate) fn field(name: impl Into<String>, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::field(name, Invalid::new(code, message))
}

/// A transition whose requirement is not met: the message says what is missing.
pub(crate) fn refused(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::conflict(code, message)
}

/// Who writes and when: passed to every helper that writes a record, so each
/// record gets its station, its audit entry and its outbox row.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub station_id: String,
    pub staff_id: String,
    pub now: DateTime<Utc>,
}

/// The order's own columns, as the audit log shows them before and after a change.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub(crate) struct OrderHeader {
    pub id: String,
    pub station_id: String,
    pub status: RoStatus,
    pub version: i64,
    pub odometer_in_km: i64,
    pub odometer_out_km: Option<i64>,
    pub rework_count: i64,
    pub discount_minor: i64,
    pub cancel_reason: Option<String>,
    pub completion_notice_at: Option<String>,
    pub delivered_at: Option<String>,
    pub balance_override_by: Option<String>,
    pub promised_at: Option<String>,
}

pub(crate) async fn load_header(conn: &mut SqliteConnection, ro_id: &str) -> Result<OrderHeader> {
    sqlx::query_as::<_, OrderHeader>(
        "SELECT id, station_id, status, version, odometer_in_km, odometer_out_km, rework_count, discount_minor, cancel_reason,
                completion_notice_at, delivered_at, balance_override_by, promised_at
         FROM repair_orders WHERE id = ?",
    )
    .bind(ro_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ApiError::not_found("repair order"))
}

fn version_conflict() -> ApiError {
    ApiError::conflict("order.version_conflict", "someone else changed this order; reload")
}

/// One order-changing operation in progress: a `BEGIN IMMEDIATE` transaction
/// that has already claimed the next version of the order.
pub(crate) struct OrderWrite {
    pub tx: Transaction<'static, Sqlite>,
    pub ctx: Ctx,
    pub me: StaffRef,
    pub ro_id: String,
    /// The status now, as transitions move it.
    pub status: RoStatus,
    before: OrderHeader,
}

impl OrderWrite {
    /// Starts a change to order `ro_id` that the caller based on `expected_version`.
    /// A stale version is refused before anything is written, and the version
    /// bump happens inside the write lock, so of two saves from the same
    /// version exactly one wins and the other is told to reload.
    pub async fn begin(station: &Station, me: &StaffRef, ro_id: &str, expected_version: i64) -> Result<OrderWrite> {
        let now = station.now();
        let mut tx = db::write_tx(station.pool()).await?;
        let before = load_header(&mut tx, ro_id).await?;
        if before.version != expected_version {
            return Err(version_conflict());
        }
        let bumped = sqlx::query("UPDATE repair_orders SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?")
            .bind(ts(now))
            .bind(ro_id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?;
        if bumped.rows_affected() != 1 {
            return Err(version_conflict());
        }
        let ctx = Ctx { station_id: before.station_id.clone(), staff_id: me.id.clone(), now };
        Ok(OrderWrite { tx, ctx, me: me.clone(), ro_id: ro_id.to_string(), status: before.status, before })
    }

    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        Caller { staff: Some(self.me.clone()), token_hash: None, seat: Default::default() }.require(permission).map(|_| ())
    }

    /// Jobs and lines change only before the quality check; a delivered order
    /// is read-only except for follow-up.
    pub fn require_editable(&self) -> Result<()> {
        require_editable_in(self.status)
    }

    pub async fn header(&mut self) -> Result<OrderHeader> {
        let id = self.ro_id.clone();
        load_header(self.conn(), &id).await
    }

    /// Writes the order's audit entry and outbox row and commits; returns the order page.
    pub async fn finish(mut self) -> Result<OrderDetail> {
        let id = self.ro_id.clone();
        let after = load_header(&mut self.tx, &id).await?;
        audit::record(&mut self.tx, &self.ctx, Some(&id), "repair_order", &id, "update", Some(&self.before), Some(&after)).await?;
        let order = load_order(&mut self.tx, &id).await?;
        outbox::append(&mut self.tx, &self.ctx.station_id, "repair_order", &id, outbox::Op::Upsert, &order, self.ctx.now).await?;
        crate::aftersales::clocks::refresh_order(&mut self.tx, &self.ctx.station_id, &id, self.ctx.now).await?;
        let detail = detail_of(&mut self.tx, order, &self.me, self.ctx.now).await?;
        self.tx.commit().await?;
        Ok(detail)
    }

    /// Moves the order to `to`: the edge must exist, the caller's role must
    /// allow it, and its requirements must hold. Appends the status event.
    pub async fn transition(&mut self, to: RoStatus, note: &str) -> Result<()> {
        let from = self.status;
        let Some(permission) = edge(from, to) else {
            return Err(refused("transition.not_allowed", format!("a repair order cannot go from {} to {}", from.as_str(), to.as_str())));
        };
        self.require(permission)?;
        if (from, to) == (Delivered, Closed) {
            return Err(refused("transition.closed_by_follow_up", "an order closes when its follow-up call ends; record the call on the follow-up"));
        }
        let note = note.trim();
        if matches!((from, to), (Approved | WaitingParts, InRepair)) {
            // Stock may have arrived since approval: claim it before checking.
            inventory::reserve_short_lines(&mut self.tx, &self.ctx, &self.ro_id).await?;
        }
        self.check_requirements(from, to, note).await?;
        let now = ts(self.ctx.now);
        match (from, to) {
            (_, Cancelled) => {
                sqlx::query("UPDATE repair_orders SET cancel_reason = ? WHERE id = ?").bind(note).bind(&self.ro_id).execute(&mut *self.tx).await?;
                inventory::release_order(&mut self.tx, &self.ctx, &self.ro_id).await?;
                time_clock::stop_for_order(&mut self.tx, &self.ctx, &self.ro_id).await?;
            }
            (CheckedIn, Diagnosing) => {
                jobs::jobs_from_concerns(&mut self.tx, &self.ctx, &self.ro_id).await?;
                // Whoever starts diagnosing works on it: otherwise the order would drop out of their list.
                if Permission::TakeJob.allows(self.me.role) {
                    jobs::take_unassigned(&mut self.tx, &self.ctx, &self.ro_id).await?;
                }
            }
            (QualityCheck, InRepair) => {
                sqlx::query("UPDATE repair_orders SET rework_count = rework_count + 1 WHERE id = ?").bind(&self.ro_id).execute(&mut *self.tx).await?;
            }
            (ReadyForPickup, Delivered) => {
                sqlx::query("UPDATE repair_orders SET delivered_at = ?, completion_notice_at = COALESCE(completion_notice_at, ?) WHERE id = ?")
                    .bind(&now)
                    .bind(&now)
                    .bind(&self.ro_id)
                    .execute(&mut *self.tx)
                    .await?;
                time_clock::stop_for_order(&mut self.tx, &self.ctx, &self.ro_id).await?;
            }
            _ => {}
        }
        events::append(&mut self.tx, &self.ctx, &self.ro_id, Some(from), to, note).await?;
        if to == Cancelled {
            // The cancelled order's odometer no longer counts as the vehicle's last.
            let vehicle: String = sqlx::query_scalar("SELECT vehicle_id FROM repair_orders WHERE id = ?").bind(&self.ro_id).fetch_one(&mut *self.tx).await?;
            crate::check_in::refresh_last_odometer(&mut self.tx, &self.ctx.station_id, &vehicle, self.ctx.now).await?;
        }
        if to == Delivered {
            crate::aftersales::follow_ups::on_delivered(&mut self.tx, &self.ctx, &self.ro_id).await?;
        }
        self.status = to;
        if (from, to) == (Approved, InRepair) {
            // An approved part with no stock: the order waits, and says for what.
            let short = inventory::short_parts(&mut self.tx, &self.ro_id).await?;
            if !short.is_empty() {
                let names: Vec<String> = short.iter().map(|s| format!("{} {}", s.part_no, s.name)).collect();
                events::append(&mut self.tx, &self.ctx, &self.ro_id, Some(InRepair), WaitingParts, &format!("waiting for {}", names.join(", "))).await?;
                self.status = WaitingParts;
            }
        }
        Ok(())
    }

    async fn check_requirements(&mut self, from: RoStatus, to: RoStatus, note: &str) -> Result<()> {
        let id = self.ro_id.clone();
        let conn: &mut SqliteConnection = &mut self.tx;
        match (from, to) {
            (_, Cancelled) if note.is_empty() => Err(field("note", "transition.reason_required", "say why the order is cancelled")),
            (Diagnosing, EstimateReady) => {
                let lines: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM ro_lines l JOIN ro_jobs j ON j.id = l.job_id WHERE l.ro_id = ? AND j.approval <> 'declined'")
                        .bind(&id)
                        .fetch_one(&mut *conn)
                        .await?;
                if lines == 0 {
                    return Err(refused("transition.empty_estimate", "the estimate has no lines; add labor, parts or sublet work first"));
                }
                Ok(())
            }
            (EstimateReady, Approved) => {
                let approved: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM ro_jobs WHERE ro_id = ? AND approval = 'approved' AND authorization_id IS NOT NULL")
                        .bind(&id)
                        .fetch_one(&mut *conn)
                        .await?;
                if approved == 0 {
                    return Err(refused("transition.no_authorization", "no customer authorization is recorded; record the customer's approval first"));
                }
                Ok(())
            }
            (Approved, InRepair) => authorization::require_covered(conn, &id).await,
            (WaitingParts, InRepair) => {
                authorization::require_covered(&mut *conn, &id).await?;
                require_no_short_parts(conn, &id).await
            }
            (InRepair, WaitingParts) => {
                if note.is_empty() && inventory::short_parts(conn, &id).await?.is_empty() {
                    return Err(field("note", "transition.no_part_named", "say which part the order is waiting for"));
                }
                Ok(())
            }
            (InRepair, QualityCheck) => {
                let pending: Vec<String> = sqlx::query_scalar("SELECT concern FROM ro_jobs WHERE ro_id = ? AND approval = 'pending' ORDER BY position")
                    .bind(&id)
                    .fetch_all(&mut *conn)
                    .await?;
                if !pending.is_empty() {
                    return Err(refused(
                        "transition.unauthorized_work",
                        format!("work added after approval needs a supplemental authorization: {}", pending.join("; ")),
                    ));
                }
                authorization::require_covered(&mut *conn, &id).await?;
                let open: Vec<String> =
                    sqlx::query_scalar("SELECT concern FROM ro_jobs WHERE ro_id = ? AND approval = 'approved' AND done_at IS NULL ORDER BY position")
                        .bind(&id)
                        .fetch_all(&mut *conn)
                        .await?;
                if !open.is_empty() {
                    return Err(refused("transition.jobs_not_done", format!("not every job is done: {}", open.join("; "))));
                }
                require_no_short_parts(conn, &id).await
            }
            (QualityCheck, ReadyForPickup) => {
                if quality::current_result(conn, &id).await? != Some(true) {
                    return Err(refused("transition.no_qc_pass", "no passed quality check is recorded for this round of work"));
                }
                Ok(())
            }
            (QualityCheck, InRepair) => {
                if quality::current_result(conn, &id).await? != Some(false) {
                    return Err(refused("transition.no_qc_fail", "record the failed quality check first"));
                }
                Ok(())
            }
            (ReadyForPickup, Delivered) => {
                if quality::current_result(&mut *conn, &id).await? != Some(true) {
                    return Err(refused("transition.no_qc_pass", "no delivery without a passed quality check"));
                }
                let h = load_header(&mut *conn, &id).await?;
                let Some(out) = h.odometer_out_km else {
                    return Err(refused("transition.no_odometer_out", "record the odometer reading at delivery"));
                };
                if out < h.odometer_in_km {
                    return Err(field(
                        "odometer_out_km",
                        "delivery.odometer_below_in",
                        format!("the odometer out ({out} km) cannot be below the odometer in ({} km)", h.odometer_in_km),
                    ));
                }
                let totals = lines::order_totals(conn, &id).await?;
                if totals.balance != Money::ZERO && h.balance_override_by.is_none() {
                    let what = if totals.balance.is_negative() { "overpaid by" } else { "still to pay:" };
                    return Err(refused(
                        "transition.balance_not_zero",
                        format!(
                            "the balance must be zero before delivery ({what} {}); a manager may override",
                            Money::from_minor(totals.balance.minor().abs())
                        ),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Whether an order in `status` takes changes to its jobs and lines, and if not, why.
pub(crate) fn require_editable_in(status: RoStatus) -> Result<()> {
    match status {
        CheckedIn | Diagnosing | EstimateReady | Approved | InRepair | WaitingParts => Ok(()),
        QualityCheck | ReadyForPickup => {
            Err(refused("order.locked_for_qc", "the work is with the quality check; a failed inspection sends it back for changes"))
        }
        Delivered | Closed => Err(refused("order.read_only", "a delivered order is read-only except for follow-up")),
        Cancelled => Err(refused("order.read_only", "a cancelled order is read-only")),
    }
}

/// Closes a delivered order because its follow-up ended (reached, declined,
/// unreachable), in the follow-up's transaction: the one way `delivered → closed`
/// happens. An order already closed (or not delivered) is left as it is.
pub(crate) async fn close_after_follow_up(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str, note: &str) -> Result<()> {
    let before = load_header(&mut *conn, ro_id).await?;
    if before.status != Delivered {
        return Ok(());
    }
    sqlx::query("UPDATE repair_orders SET version = version + 1, updated_at = ? WHERE id = ?").bind(ts(ctx.now)).bind(ro_id).execute(&mut *conn).await?;
    events::append(&mut *conn, ctx, ro_id, Some(Delivered), Closed, note).await?;
    let after = load_header(&mut *conn, ro_id).await?;
    audit::record(&mut *conn, ctx, Some(ro_id), "repair_order", ro_id, "update", Some(&before), Some(&after)).await?;
    let order = load_order(&mut *conn, ro_id).await?;
    outbox::append(&mut *conn, &ctx.station_id, "repair_order", ro_id, outbox::Op::Upsert, &order, ctx.now).await?;
    crate::aftersales::clocks::refresh_order(conn, &ctx.station_id, ro_id, ctx.now).await?;
    Ok(())
}

async fn require_no_short_parts(conn: &mut SqliteConnection, ro_id: &str) -> Result<()> {
    let short = inventory::short_parts(conn, ro_id).await?;
    if let Some(s) = short.first() {
        return Err(refused(
            "transition.parts_short",
            format!("still waiting for part {} {} ({} short)", s.part_no, s.name, lines::show_quantity(s.short_milli)),
        ));
    }
    Ok(())
}

/// The order page: the order, its jobs with their lines, the money, the
/// authorizations, the status history, inspections, payments and what it waits for.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderDetail {
    pub order: RepairOrder,
    pub jobs: Vec<jobs::JobView>,
    pub totals: lines::OrderTotals,
    pub authorizations: Vec<authorization::Authorization>,
    pub events: Vec<events::StatusEvent>,
    pub inspections: Vec<quality::Inspection>,
    pub payments: Vec<delivery::Payment>,
    /// Approved parts the inventory cannot cover yet.
    pub waiting_for: Vec<inventory::ShortPart>,
    /// The states the caller's role may move this order to from here; each move still checks its requirements.
    pub next: Vec<RoStatus>,
    /// The same moves as the page makes them, with the form each goes through.
    pub moves: Vec<actions::Move>,
    /// What the caller may do to the order now; each job and line carries its own `may`.
    pub may: actions::OrderActions,
    /// Which sections the order page shows, as its state decides.
    pub shows: actions::OrderShows,
    /// Its deadlines: the initial assessment from check-in, the completion notice once the work passed QC.
    pub clocks: Vec<crate::aftersales::clocks::ClockView>,
    /// The follow-up call once delivered, and complaints about the order.
    pub follow_up_id: Option<String>,
    pub complaint_ids: Vec<String>,
    /// The head office's recall campaigns for the VIN, done or not, and whether the caller may mark each.
    pub recalls: Vec<recalls::OrderRecall>,
    /// When the order's personal data and signed documents were destroyed past retention (`retention/`).
    #[ts(type = "string | null")]
    pub destroyed_at: Option<String>,
}

pub(crate) async fn detail_of(conn: &mut SqliteConnection, mut order: RepairOrder, me: &StaffRef, now: DateTime<Utc>) -> Result<OrderDetail> {
    crate::repair_orders::show_customer(&mut *conn, &mut order, me).await?;
    let id = order.id.clone();
    let (status, role) = (order.status, me.role);
    // Closing is the follow-up's to do (`close_after_follow_up`), never a button.
    let next = RoStatus::ALL.into_iter().filter(|to| edge(status, *to).is_some_and(|p| p.allows(role)) && (status, *to) != (Delivered, Closed)).collect();
    let follow_up_id = sqlx::query_scalar("SELECT id FROM follow_ups WHERE ro_id = ?").bind(&id).fetch_optional(&mut *conn).await?;
    let complaint_ids = sqlx::query_scalar("SELECT id FROM complaints WHERE ro_id = ? ORDER BY received_at").bind(&id).fetch_all(&mut *conn).await?;
    let mut jobs = jobs::job_views(&mut *conn, &id, status, role).await?;
    let totals = lines::order_totals(&mut *conn, &id).await?;
    let inspections = quality::list(&mut *conn, &id).await?;
    let payments = delivery::list(&mut *conn, &id).await?;
    let waiting_for = inventory::short_parts(&mut *conn, &id).await?;
    let signed: Vec<String> =
        sqlx::query_scalar("SELECT s.line_id FROM ro_signed_lines s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = ?")
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?;
    let facts = actions::OrderFacts {
        pending_jobs: jobs.iter().any(|j| j.job.approval == jobs::Approval::Pending),
        caller_worked_on_it: status == QualityCheck && quality::worked_on_it(&mut *conn, &id, &me.id).await?,
        inspections: !inspections.is_empty(),
        payments: !payments.is_empty(),
        uncovered: totals.approved.total > totals.authorized,
    };
    for j in &mut jobs {
        j.may = actions::job_actions(status, role, j.job.approval, j.job.done_at.is_some());
        j.decision_shown = actions::decision_shown(status, j.job.approval);
        for l in &mut j.lines {
            l.may = actions::line_actions(status, role, &j.job, &l.line, signed.contains(&l.line.id));
        }
    }
    let approved = || jobs.iter().filter(|j| j.job.approval == jobs::Approval::Approved);
    let move_facts =
        actions::MoveFacts { short_parts: !waiting_for.is_empty(), work_done: approved().next().is_some() && approved().all(|j| j.job.done_at.is_some()) };
    Ok(OrderDetail {
        clocks: crate::aftersales::clocks::read_item(&mut *conn, crate::aftersales::clocks::ItemKind::RepairOrder, &id, now).await?,
        follow_up_id,
        complaint_ids,
        jobs,
        totals,
        // The signed text names the customer and their whole number: it stays out of the
        // page every role reads, and is read as the document (`get_document`, logged).
        // A paper scan is that document too: only for those who may open it.
        authorizations: authorization::list(&mut *conn, &id)
            .await?
            .into_iter()
            .map(|mut a| {
                if !Permission::OpenSignedDocuments.allows(role) {
                    a.signatures.iter_mut().for_each(|s| s.paper_scan_sha256 = None);
                }
                authorization::Authorization { content: None, ..a }
            })
            .collect(),
        events: events::list(&mut *conn, &id).await?,
        inspections,
        payments,
        recalls: recalls::order_recalls(&mut *conn, &order, role).await?,
        destroyed_at: crate::retention::destroyed_at(&mut *conn, "repair_order", &id).await?,
        moves: actions::moves(status, role, move_facts),
        may: actions::order_actions(status, role, facts),
        shows: actions::shows(status, facts),
        waiting_for,
        next,
        order,
    })
}

pub async fn get_order_detail(station: &Station, caller: &Caller, input: IdInput) -> Result<OrderDetail> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let order = load_order(&mut conn, &input.id).await?;
    let detail = detail_of(&mut conn, order, me, station.now()).await?;
    drop(conn);
    let order = &detail.order;
    let subject = Subject { kind: AccessKind::Order, subject_id: &order.id, customer_id: Some(&order.customer.id), ro_id: Some(&order.id) };
    access_register::opened(station, me, subject).await?;
    Ok(detail)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct MoveOrder {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub to: RoStatus,
    /// Shown in the history; required when cancelling (the reason) and when
    /// waiting for a part the inventory does not track.
    #[serde(default)]
    pub note: String,
}

/// Moves an order along the machine. Transitions that record something
/// (authorization, quality check, delivery) have their own operations, which
/// go through the same checks.
pub async fn move_order(station: &Station, caller: &Caller, input: MoveOrder) -> Result<OrderDetail> {
    let me = caller.staff()?;
    if input.note.chars().count() > 1000 {
        return Err(field("note", "text.too_long", "at most 1000 characters"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    w.transition(input.to, &input.note).await?;
    w.finish().await
}

/// The order a job belongs to; operations on jobs and lines begin with it.
pub(crate) async fn ro_of(station: &Station, table: &'static str, id: &str) -> Result<String> {
    let sql = match table {
        "ro_jobs" => "SELECT ro_id FROM ro_jobs WHERE id = ?",
        "ro_lines" => "SELECT ro_id FROM ro_lines WHERE id = ?",
        _ => return Err(ApiError::internal("unknown table")),
    };
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(station.pool())
        .await?
        .ok_or_else(|| ApiError::not_found(if table == "ro_jobs" { "job" } else { "line" }).with_field(if table == "ro_jobs" { "job_id" } else { "line_id" }))
}
