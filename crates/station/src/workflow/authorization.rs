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

use std::collections::HashMap;

use super::jobs::{jobs_of_order, update_job_row, Approval};
use super::lines::order_totals;
use super::signing::{self, DocumentKind, NewDocument, Signature, SignatureInput, SignerRole};
use super::{field, inventory, refused, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::Result;
use crate::repair_orders::RoStatus;
use crate::station::{ts, Station};
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
    pub fn as_str(self) -> &'static str {
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
    /// Which signed document this is: intake, supplemental, decline or acceptance.
    pub kind: DocumentKind,
    /// The customer's language the document is in (`zh-CN`, `zh-TW` or `en`).
    pub language: Option<String>,
    pub terms_version: Option<String>,
    /// What was signed: canonical JSON text (`docs/workflow.md`, "Signed documents").
    /// `null` on records made before signed documents existed, and on the order page,
    /// which every role reads: the text holds the customer's whole number.
    pub content: Option<String>,
    /// SHA-256 (lowercase hex) of `content`'s bytes.
    pub hash: Option<String>,
    /// Recorded before signed documents existed: no content, no hash.
    pub legacy: bool,
    /// The customer signed (on screen, on paper or by phone); `false` = recorded unsigned.
    #[sqlx(skip)]
    pub signed: bool,
    /// The customer's signature, then the advisor's (intake).
    #[sqlx(skip)]
    pub signatures: Vec<Signature>,
}

macro_rules! select_authorizations {
    () => {
        "SELECT id, ro_id, supplemental, method, approver_name, approved_at, amount_minor AS amount, recorded_by, note,
                kind, language, terms_version, content, hash, legacy FROM ro_authorizations "
    };
}

async fn with_signatures(conn: &mut SqliteConnection, mut a: Authorization) -> Result<Authorization> {
    a.signatures = signing::signatures_of(conn, &a.id).await?;
    a.signed = a.signatures.iter().any(|s| s.role == SignerRole::Customer);
    Ok(a)
}

/// The order's signed documents, oldest first: the chain the order page shows.
pub(crate) async fn list(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<Authorization>> {
    let rows =
        sqlx::query_as::<_, Authorization>(concat!(select_authorizations!(), "WHERE ro_id = ? ORDER BY rowid")).bind(ro_id).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        out.push(with_signatures(&mut *conn, a).await?);
    }
    Ok(out)
}

/// Stores a signed document and appends its outbox row (`ro_authorization`,
/// carrying `content` and `hash`, which the head office verifies on receipt).
pub(crate) async fn sign_and_send(w: &mut OrderWrite, doc: NewDocument<'_>) -> Result<String> {
    let id = signing::sign(w, doc).await?;
    let record = sqlx::query_as::<_, Authorization>(concat!(select_authorizations!(), "WHERE id = ?")).bind(&id).fetch_one(w.conn()).await?;
    let record = with_signatures(w.conn(), record).await?;
    let ctx = w.ctx.clone();
    outbox::append(w.conn(), &ctx.station_id, "ro_authorization", &id, outbox::Op::Upsert, &record, ctx.now).await?;
    Ok(id)
}

/// Repair may go on only while recorded authorizations cover the approved work.
pub(crate) async fn require_covered(conn: &mut SqliteConnection, ro_id: &str) -> Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
    let unauthorized: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ro_jobs WHERE ro_id = ? AND approval = 'approved' AND authorization_id IS NULL")
        .bind(ro_id)
        .fetch_one(&mut *conn)
        .await?;
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
pub struct QuoteAuthorization {
    pub ro_id: String,
    /// The pending jobs the customer would approve.
    pub approved_job_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuthorizationQuote {
    /// The approved work with these jobs, after the discount and with tax.
    pub total: Money,
    /// What to ask the customer to authorize: the total less what is already authorized, never below zero.
    pub amount: Money,
}

/// The amount the authorization form suggests for the jobs ticked so far, by the money rule in `lines.rs`.
pub async fn quote_authorization(station: &Station, caller: &Caller, input: QuoteAuthorization) -> Result<AuthorizationQuote> {
    caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let jobs = jobs_of_order(&mut conn, &input.ro_id).await?;
    let (tax_rate_bp, discount): (i64, i64) =
        sqlx::query_as("SELECT s.tax_rate_bp, r.discount_minor FROM repair_orders r JOIN station s ON s.id = r.station_id WHERE r.id = ?")
            .bind(&input.ro_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| crate::error::ApiError::not_found("repair order").with_field("ro_id"))?;
    let counted = |job_id: &str| jobs.iter().any(|j| j.id == job_id && (j.approval == Approval::Approved || input.approved_job_ids.contains(&j.id)));
    let lines: Vec<(super::lines::LineKind, Money)> =
        super::lines::lines_of_order(&mut conn, &input.ro_id).await?.into_iter().filter(|l| counted(&l.job_id)).map(|l| (l.kind, l.amount)).collect();
    let total = super::lines::totals(&lines, Money::from_minor(discount), tax_rate_bp).ok_or_else(super::lines::out_of_range)?.total;
    let authorized = order_totals(&mut conn, &input.ro_id).await?.authorized;
    let amount = total.checked_sub(authorized).filter(|a| !a.is_negative()).unwrap_or(Money::ZERO);
    Ok(AuthorizationQuote { total, amount })
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
    /// The customer's signature. Optional for now: without it the document is
    /// still hashed, and recorded as unsigned (`signed: false`).
    #[serde(default)]
    #[ts(optional)]
    pub customer_signature: Option<SignatureInput>,
    /// The advisor's countersignature for the station: on the intake only.
    #[serde(default)]
    #[ts(optional)]
    pub advisor_signature: Option<SignatureInput>,
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
    // An order's authorizations add up to at most what its total may be (Money::MAX_ORDER).
    let authorized = order_totals(w.conn(), &input.ro_id).await?.authorized;
    if authorized.checked_add(input.amount).is_none_or(|total| total > Money::MAX_ORDER) {
        return Err(super::lines::amount_too_large("amount", "authorization.amount_too_large", Money::MAX_ORDER));
    }
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
        return Err(field(
            "approved_job_ids",
            "authorization.nothing_approved",
            "the customer approved no job; cancel the order, or record what they approved",
        ));
    }

    let kind = if supplemental { DocumentKind::Supplemental } else { DocumentKind::Intake };
    let mut signatures = Vec::new();
    if let Some(sig) = &input.customer_signature {
        signatures.push(signing::validate(w.conn(), sig, "customer_signature", SignerRole::Customer, &approver).await?);
    }
    if let Some(sig) = &input.advisor_signature {
        if kind != DocumentKind::Intake {
            return Err(field("advisor_signature", "signature.advisor_intake_only", "the advisor countersigns the intake authorization only"));
        }
        signatures.push(signing::validate(w.conn(), sig, "advisor_signature", SignerRole::Advisor, &me.name).await?);
    }
    let decisions: HashMap<String, &'static str> = jobs
        .iter()
        .filter(|j| j.approval == Approval::Pending)
        .map(|j| (j.id.clone(), if input.approved_job_ids.contains(&j.id) { "approved" } else { "declined" }))
        .collect();
    let note = input.note.trim().to_string();
    let doc =
        NewDocument { kind, supplemental, method: input.method.as_str(), approver_name: &approver, amount: input.amount, note: &note, decisions, signatures };
    let id = sign_and_send(&mut w, doc).await?;
    let ctx = w.ctx.clone();
    let now = ts(ctx.now);

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

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordDecline {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub method: AuthorizationMethod,
    /// The customer (or their representative) who declined.
    pub approver_name: String,
    /// The pending jobs (recommended work) the customer declines; other pending jobs stay pending.
    pub declined_job_ids: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// The customer's signature on the decline (optional for now, as on authorizations).
    #[serde(default)]
    #[ts(optional)]
    pub customer_signature: Option<SignatureInput>,
}

/// The customer declines recommended work: a signed decline document; the
/// jobs stay on the order as declined, with who and when.
pub async fn record_decline(station: &Station, caller: &Caller, input: RecordDecline) -> Result<OrderDetail> {
    let me = caller.require(Permission::RecordAuthorization)?;
    let approver = input.approver_name.trim().to_string();
    if approver.is_empty() || approver.chars().count() > 200 {
        return Err(field("approver_name", "authorization.approver_required", "name who declined (at most 200 characters)"));
    }
    if input.note.chars().count() > 1000 {
        return Err(field("note", "text.too_long", "at most 1000 characters"));
    }
    if input.declined_job_ids.is_empty() {
        return Err(field("declined_job_ids", "decline.nothing_declined", "choose the work the customer declines"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    let supplemental = match w.status {
        RoStatus::EstimateReady => false,
        RoStatus::Approved | RoStatus::InRepair | RoStatus::WaitingParts => true,
        other => return Err(refused("authorization.not_now", format!("work is declined once the estimate is ready, not in {}", other.as_str()))),
    };
    let jobs = jobs_of_order(w.conn(), &input.ro_id).await?;
    for (i, id) in input.declined_job_ids.iter().enumerate() {
        if !jobs.iter().any(|j| &j.id == id && j.approval == Approval::Pending) {
            return Err(field(format!("declined_job_ids.{i}"), "authorization.unknown_job", "this is not a job waiting for the customer's decision"));
        }
    }
    let mut signatures = Vec::new();
    if let Some(sig) = &input.customer_signature {
        signatures.push(signing::validate(w.conn(), sig, "customer_signature", SignerRole::Customer, &approver).await?);
    }
    let decisions: HashMap<String, &'static str> = input.declined_job_ids.iter().map(|id| (id.clone(), "declined")).collect();
    let note = input.note.trim().to_string();
    let doc = NewDocument {
        kind: DocumentKind::Decline,
        supplemental,
        method: input.method.as_str(),
        approver_name: &approver,
        amount: Money::ZERO,
        note: &note,
        decisions,
        signatures,
    };
    let id = sign_and_send(&mut w, doc).await?;
    let ctx = w.ctx.clone();
    let now = ts(ctx.now);
    for job_id in &input.declined_job_ids {
        let q = sqlx::query(
            "UPDATE ro_jobs SET approval = 'declined', authorization_id = ?, decided_by_name = ?, decided_recorded_by = ?, decided_at = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&id)
        .bind(&approver)
        .bind(&me.id)
        .bind(&now)
        .bind(&now)
        .bind(job_id);
        update_job_row(w.conn(), &ctx, job_id, "decline", q).await?;
        let part_lines: Vec<String> = sqlx::query_scalar("SELECT id FROM ro_lines WHERE job_id = ? AND kind = 'part'").bind(job_id).fetch_all(w.conn()).await?;
        for line in part_lines {
            inventory::release_line(w.conn(), &ctx, &line).await?;
        }
    }
    w.finish().await
}
