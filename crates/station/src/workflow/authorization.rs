//! Customer authorizations: how the customer approved (in person, by phone, by
//! message), who approved, when, which jobs and what amount. The first one
//! moves the order from `estimate_ready` to `approved`; later ones are
//! supplemental and cover work added after approval.
//!
//! Each authorization decides every pending job: the listed ones are approved
//! (their parts are reserved), the rest are declined and stay on the order with
//! who declined and when. Repair cannot start, and work cannot go to the quality
//! check, unless the authorizations together cover the approved amount.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::jobs::{jobs_of_order, update_job_row, Approval};
use super::lines::order_totals;
use super::{field, inventory, refused, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::Result;
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum AuthorizationMethod {
    InPerson,
    Phone,
    Message,
}

impl AuthorizationMethod {
    fn as_str(self) -> &'static str {
        match self {
            AuthorizationMethod::InPerson => "in_person",
            AuthorizationMethod::Phone => "phone",
            AuthorizationMethod::Message => "message",
        }
    }
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Authorization {
    pub id: String,
    pub ro_id: String,
    /// Covers work added after the first approval.
    pub supplemental: bool,
    pub method: AuthorizationMethod,
    /// The customer (or their representative) who approved.
    pub approver_name: String,
    #[ts(type = "string")]
    pub approved_at: DateTime<Utc>,
    /// The amount the customer agreed to, tax included.
    #[sqlx(try_from = "i64")]
    pub amount: Money,
    /// The staff member who recorded it.
    pub recorded_by: String,
    pub note: String,
}

macro_rules! select_authorizations {
    () => {
        "SELECT id, ro_id, supplemental, method, approver_name, approved_at, amount_minor AS amount, recorded_by, note FROM ro_authorizations "
    };
}

pub(crate) async fn list(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<Authorization>> {
    Ok(sqlx::query_as::<_, Authorization>(concat!(select_authorizations!(), "WHERE ro_id = ? ORDER BY rowid")).bind(ro_id).fetch_all(conn).await?)
}

/// Repair may go on only while recorded authorizations cover the approved work.
pub(crate) async fn require_covered(conn: &mut SqliteConnection, ro_id: &str) -> Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
    let unauthorized: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ro_jobs WHERE ro_id = ? AND approval = 'approved' AND authorization_id IS NULL").bind(ro_id).fetch_one(&mut *conn).await?;
    if count == 0 || unauthorized > 0 {
        return Err(refused("transition.no_authorization", "no customer authorization covers this work; record the customer's approval first"));
    }
    let totals = order_totals(conn, ro_id).await?;
    if totals.approved.total > totals.authorized {
        return Err(refused(
            "transition.uncovered_amount",
            format!(
                "no customer authorization covers this amount: the approved work comes to {}, the customer authorized {}; record a supplemental authorization",
                totals.approved.total, totals.authorized
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordAuthorization {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub method: AuthorizationMethod,
    pub approver_name: String,
    /// The pending jobs the customer approved; every other pending job is declined.
    /// May be empty for a supplemental authorization that only raises the amount.
    pub approved_job_ids: Vec<String>,
    /// What the customer agreed to pay for them, tax included.
    pub amount: Money,
    #[serde(default)]
    pub note: String,
}

pub async fn record_authorization(station: &Station, caller: &Caller, input: RecordAuthorization) -> Result<OrderDetail> {
    let me = caller.require(Permission::RecordAuthorization)?;
    let approver = input.approver_name.trim().to_string();
    if approver.is_empty() || approver.chars().count() > 200 {
        return Err(field("approver_name", "authorization.approver_required", "name who approved (at most 200 characters)"));
    }
    if input.amount.is_negative() {
        return Err(field("amount", "authorization.amount_negative", "the authorized amount cannot be negative"));
    }
    if input.note.chars().count() > 1000 {
        return Err(field("note", "text.too_long", "at most 1000 characters"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    let supplemental = match w.status {
        RoStatus::EstimateReady => false,
        RoStatus::Approved | RoStatus::InRepair | RoStatus::WaitingParts => true,
        other => {
            return Err(refused("authorization.not_now", format!("an authorization is recorded once the estimate is ready, not in {}", other.as_str())));
        }
    };
    let jobs = jobs_of_order(w.conn(), &input.ro_id).await?;
    for (i, id) in input.approved_job_ids.iter().enumerate() {
        if !jobs.iter().any(|j| &j.id == id && j.approval == Approval::Pending) {
            return Err(field(format!("approved_job_ids.{i}"), "authorization.unknown_job", "this is not a job waiting for the customer's decision"));
        }
    }
    // A supplemental authorization may only raise the amount (the work grew); the first must approve something.
    if input.approved_job_ids.is_empty() && !supplemental {
        return Err(field("approved_job_ids", "authorization.nothing_approved", "the customer approved no job; cancel the order, or record what they approved"));
    }

    let ctx = w.ctx.clone();
    let now = ts(ctx.now);
    let id = new_id();
    sqlx::query(
        "INSERT INTO ro_authorizations (id, station_id, ro_id, supplemental, method, approver_name, approved_at, amount_minor, recorded_by, note, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(&input.ro_id)
    .bind(supplemental)
    .bind(input.method.as_str())
    .bind(&approver)
    .bind(&now)
    .bind(input.amount.minor())
    .bind(&me.id)
    .bind(input.note.trim())
    .bind(&now)
    .bind(&now)
    .execute(w.conn())
    .await?;
    let record = sqlx::query_as::<_, Authorization>(concat!(select_authorizations!(), "WHERE id = ?")).bind(&id).fetch_one(w.conn()).await?;
    outbox::append(w.conn(), &ctx.station_id, "ro_authorization", &id, outbox::Op::Upsert, &record, ctx.now).await?;

    for job in jobs.iter().filter(|j| j.approval == Approval::Pending) {
        let approved = input.approved_job_ids.contains(&job.id);
        let decision = if approved { "approved" } else { "declined" };
        let q = sqlx::query(
            "UPDATE ro_jobs SET approval = ?, authorization_id = ?, decided_by_name = ?, decided_recorded_by = ?, decided_at = ?, updated_at = ? WHERE id = ?",
        )
        .bind(decision)
        .bind(&id)
        .bind(&approver)
        .bind(&me.id)
        .bind(&now)
        .bind(&now)
        .bind(&job.id);
        update_job_row(w.conn(), &ctx, &job.id, if approved { "approve" } else { "decline" }, q).await?;
        let part_lines: Vec<String> =
            sqlx::query_scalar("SELECT id FROM ro_lines WHERE job_id = ? AND kind = 'part'").bind(&job.id).fetch_all(w.conn()).await?;
        for line in part_lines {
            if approved {
                inventory::reserve_line(w.conn(), &ctx, &line).await?;
            } else {
                inventory::release_line(w.conn(), &ctx, &line).await?;
            }
        }
    }
    if !supplemental {
        w.transition(RoStatus::Approved, input.note.trim()).await?;
    }
    w.finish().await
}
