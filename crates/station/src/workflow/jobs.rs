//! Jobs: one per customer concern, plus jobs added later. Each records the
//! 3 Cs (concern, cause, correction), its technician, whether the customer
//! approved or declined it, findings with photos, and when it was done.
//! Also the technician's "my jobs" view, and taking an unassigned job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::actions::JobActions;
use super::lines::{lines_of_order, LineKind, LineRecord, LineView};
use super::{audit, field, refused, require_editable_in, ro_of, time_clock, Ctx, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission, Role, StaffRef};
use crate::domain::Money;
use crate::error::{ApiError, Result};
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum Approval {
    /// Not yet decided by the customer.
    Pending,
    Approved,
    /// The customer said no; the job stays on the order, with who and when.
    Declined,
}

/// A job as stored and synced.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct JobRecord {
    pub id: String,
    pub ro_id: String,
    #[ts(type = "number")]
    pub position: i64,
    pub concern_id: Option<String>,
    pub concern: String,
    pub cause: String,
    pub correction: String,
    pub technician_id: Option<String>,
    pub approval: Approval,
    /// The authorization that approved or declined it.
    pub authorization_id: Option<String>,
    /// Who approved or declined, as the customer side named them.
    pub decided_by_name: Option<String>,
    /// The staff member who recorded the decision.
    pub decided_recorded_by: Option<String>,
    #[ts(type = "string | null")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Added after the first approval: needs a supplemental authorization.
    pub added_after_approval: bool,
    #[ts(type = "string | null")]
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

macro_rules! select_jobs {
    () => {
        "SELECT id, ro_id, position, concern_id, concern, cause, correction, technician_id, approval, authorization_id, decided_by_name,
                decided_recorded_by, decided_at, added_after_approval, done_at, done_by, updated_at FROM ro_jobs "
    };
}

pub(crate) async fn load_job(conn: &mut SqliteConnection, id: &str) -> Result<JobRecord> {
    sqlx::query_as::<_, JobRecord>(concat!(select_jobs!(), "WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("job").with_field("job_id"))
}

pub(crate) async fn jobs_of_order(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<JobRecord>> {
    Ok(sqlx::query_as::<_, JobRecord>(concat!(select_jobs!(), "WHERE ro_id = ? ORDER BY position")).bind(ro_id).fetch_all(conn).await?)
}

/// Runs `change` (an UPDATE of job `id`) and records it: audit before/after and the outbox row.
pub(crate) async fn update_job_row<'q>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    id: &str,
    action: &str,
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<()> {
    let before = load_job(&mut *conn, id).await?;
    query.execute(&mut *conn).await?;
    let after = load_job(&mut *conn, id).await?;
    audit::wrote(conn, ctx, Some(&after.ro_id), "ro_job", id, action, Some(&before), &after).await
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Finding {
    pub id: String,
    pub text: String,
    pub photos: Vec<String>,
    pub staff_id: String,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
}

/// A job on the order page: the record plus its lines, findings and hours.
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub job: JobRecord,
    pub technician_name: Option<String>,
    pub lines: Vec<LineView>,
    pub findings: Vec<Finding>,
    /// The sum of its lines, before discount and tax.
    pub amount: Money,
    /// Standard hours of its labor lines, in thousandths.
    #[ts(type = "number")]
    pub standard_hours_milli: i64,
    /// Time clocked on it, in seconds, over stopped clocks (a running clock counts when it stops).
    #[ts(type = "number")]
    pub clocked_seconds: i64,
    /// More time clocked than the catalog's standard hours.
    pub over_standard: bool,
    /// The customer's decision is worth showing: made, or awaited since the estimate.
    pub decision_shown: bool,
    /// What the caller may do to it now (`actions.rs`).
    pub may: JobActions,
    /// The caller may take this unassigned job (`take_job`) and become its technician.
    pub may_take: bool,
    /// What marking it done now would have to be confirmed for (`needs_confirmation`
    /// errors, codes `job.no_time_clocked`, `job.parts_not_issued`): `complete_job`
    /// refuses until each code is in its `confirm`.
    pub completion_warnings: Vec<ApiError>,
}

/// Whether a job is open for a technician to take: unassigned, not declined, not done, on an order that takes changes.
fn takeable(status: RoStatus, approval: Approval, done: bool, assigned: bool) -> bool {
    require_editable_in(status).is_ok() && approval != Approval::Declined && !done && !assigned
}

/// The warnings of marking `job` done: no time on the clock (`clocked` says
/// whether there is), parts lines of which nothing was issued. Each is confirmable,
/// not a refusal: a quick check may take no clocked time, a part may prove unneeded.
fn completion_warnings(job: &JobRecord, lines: &[LineRecord], clocked: bool) -> Vec<ApiError> {
    let mut out = Vec::new();
    if job.approval != Approval::Approved || job.done_at.is_some() {
        return out;
    }
    if !clocked {
        out.push(ApiError::confirm("confirm", "job.no_time_clocked", "no time is clocked on this job; mark it done anyway?"));
    }
    let unissued: Vec<&str> =
        lines.iter().filter(|l| l.kind == LineKind::Part && l.quantity_milli > 0 && l.issued_milli == 0).map(|l| l.description.as_str()).collect();
    if !unissued.is_empty() {
        let parts = unissued.join(", ");
        out.push(
            ApiError::confirm("confirm", "job.parts_not_issued", format!("nothing was issued for {parts}; mark the job done anyway?")).with("parts", parts),
        );
    }
    out
}

/// The jobs of order `ro_id` (in `status`) as `role` sees them.
pub(crate) async fn job_views(conn: &mut SqliteConnection, ro_id: &str, status: RoStatus, role: Role) -> Result<Vec<JobView>> {
    let jobs = jobs_of_order(&mut *conn, ro_id).await?;
    let lines = lines_of_order(&mut *conn, ro_id).await?;
    let mut out = Vec::new();
    for job in jobs {
        let technician_name: Option<String> = match &job.technician_id {
            Some(t) => sqlx::query_scalar("SELECT name FROM staff WHERE id = ?").bind(t).fetch_optional(&mut *conn).await?,
            None => None,
        };
        let findings: Vec<(String, String, String, String, DateTime<Utc>)> =
            sqlx::query_as("SELECT id, text, photos, staff_id, created_at FROM ro_findings WHERE job_id = ? ORDER BY rowid")
                .bind(&job.id)
                .fetch_all(&mut *conn)
                .await?;
        let job_lines: Vec<LineRecord> = lines.iter().filter(|l| l.job_id == job.id).cloned().collect();
        let amount = Money::from_minor(job_lines.iter().map(|l| l.amount.minor()).sum());
        let standard_hours_milli = job_lines.iter().filter(|l| l.kind == LineKind::Labor && l.labor_op_code.is_some()).map(|l| l.quantity_milli).sum();
        let clocked_seconds = time_clock::clocked_seconds(&mut *conn, &job.id).await?;
        // A running clock counts: completing the job stops it.
        let clocked = clocked_seconds > 0 || time_clock::runs_on(&mut *conn, &job.id).await?;
        out.push(JobView {
            may_take: Permission::TakeJob.allows(role) && takeable(status, job.approval, job.done_at.is_some(), job.technician_id.is_some()),
            completion_warnings: completion_warnings(&job, &job_lines, clocked),
            technician_name,
            lines: job_lines.into_iter().map(|line| LineView { line, may: Default::default() }).collect(),
            findings: findings
                .into_iter()
                .map(|(id, text, photos, staff_id, created_at)| Finding {
                    id,
                    text,
                    photos: serde_json::from_str(&photos).unwrap_or_default(),
                    staff_id,
                    created_at,
                })
                .collect(),
            amount,
            standard_hours_milli,
            over_standard: standard_hours_milli > 0 && i128::from(clocked_seconds) * 1000 > i128::from(standard_hours_milli) * 3600,
            clocked_seconds,
            decision_shown: false,
            may: JobActions::default(),
            job,
        });
    }
    Ok(out)
}

async fn insert_job(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    ro_id: &str,
    concern_id: Option<&str>,
    concern: &str,
    technician: Option<&str>,
    after_approval: bool,
) -> Result<String> {
    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM ro_jobs WHERE ro_id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO ro_jobs (id, station_id, ro_id, position, concern_id, concern, technician_id, added_after_approval, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(ro_id)
    .bind(position)
    .bind(concern_id)
    .bind(concern)
    .bind(technician)
    .bind(after_approval)
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .execute(&mut *conn)
    .await?;
    let job = load_job(&mut *conn, &id).await?;
    audit::wrote(conn, ctx, Some(ro_id), "ro_job", &id, "add", None::<&JobRecord>, &job).await?;
    Ok(id)
}

/// The staff member starting diagnosis becomes the technician of the order's jobs nobody has yet.
pub(crate) async fn take_unassigned(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    let open: Vec<String> = sqlx::query_scalar("SELECT id FROM ro_jobs WHERE ro_id = ? AND technician_id IS NULL AND approval <> 'declined' ORDER BY position")
        .bind(ro_id)
        .fetch_all(&mut *conn)
        .await?;
    for id in open {
        let q = sqlx::query("UPDATE ro_jobs SET technician_id = ?, updated_at = ? WHERE id = ?").bind(&ctx.staff_id).bind(ts(ctx.now)).bind(&id);
        update_job_row(conn, ctx, &id, "take", q).await?;
    }
    Ok(())
}

/// Diagnosis starts with one job per concern the customer stated at check-in;
/// a job added before diagnosis (at the desk, at check-in) comes on top of them.
pub(crate) async fn jobs_from_concerns(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    let concerns: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.id, c.text FROM ro_concerns c WHERE c.ro_id = ? AND NOT EXISTS (SELECT 1 FROM ro_jobs j WHERE j.concern_id = c.id) ORDER BY c.position",
    )
    .bind(ro_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, text) in concerns {
        insert_job(conn, ctx, ro_id, Some(&id), &text, None, false).await?;
    }
    Ok(())
}

fn text(value: &str, name: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(field(name, "text.too_long", format!("at most {max} characters")));
    }
    Ok(v.to_string())
}

/// A declined job stays on the order as the customer left it; new work goes on a new job.
async fn require_not_declined(conn: &mut SqliteConnection, job_id: &str) -> Result<()> {
    if load_job(conn, job_id).await?.approval == Approval::Declined {
        return Err(field("job_id", "job.declined", "the customer declined this job; add a new job instead"));
    }
    Ok(())
}

async fn require_technician(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE id = ? AND active = 1").bind(id).fetch_optional(conn).await?;
    match role.as_deref().and_then(crate::auth::Role::parse) {
        Some(r) if r.takes_jobs() => Ok(()),
        _ => Err(field("technician_id", "job.not_a_technician", "choose an active technician")),
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddJob {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub concern: String,
    #[ts(optional)]
    pub technician_id: Option<String>,
}

/// A job beyond the check-in concerns (a finding, an upsell). After approval it needs a supplemental authorization.
pub async fn add_job(station: &Station, caller: &Caller, input: AddJob) -> Result<OrderDetail> {
    let me = caller.require(Permission::EditJobs)?;
    let concern = text(&input.concern, "concern", 2000)?;
    if concern.is_empty() {
        return Err(field("concern", "job.concern_required", "say what the job is for"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    w.require_editable()?;
    let technician = input.technician_id.filter(|t| !t.is_empty());
    if let Some(t) = &technician {
        w.require(Permission::AssignTechnician)?;
        require_technician(w.conn(), t).await?;
    }
    let after_approval = super::actions::after_approval(w.status);
    let ctx = w.ctx.clone();
    insert_job(w.conn(), &ctx, &input.ro_id, None, &concern, technician.as_deref(), after_approval).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct UpdateJob {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub concern: String,
    pub cause: String,
    pub correction: String,
}

/// Writes the 3 Cs.
pub async fn update_job(station: &Station, caller: &Caller, input: UpdateJob) -> Result<OrderDetail> {
    let me = caller.require(Permission::EditJobs)?;
    let (concern, cause, correction) =
        (text(&input.concern, "concern", 2000)?, text(&input.cause, "cause", 2000)?, text(&input.correction, "correction", 2000)?);
    if concern.is_empty() {
        return Err(field("concern", "job.concern_required", "say what the job is for"));
    }
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    require_not_declined(w.conn(), &input.job_id).await?;
    let ctx = w.ctx.clone();
    let q = sqlx::query("UPDATE ro_jobs SET concern = ?, cause = ?, correction = ?, updated_at = ? WHERE id = ?")
        .bind(concern)
        .bind(cause)
        .bind(correction)
        .bind(ts(ctx.now))
        .bind(&input.job_id);
    update_job_row(w.conn(), &ctx, &input.job_id, "update", q).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AssignTechnician {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    /// `null` takes the job off its technician.
    pub technician_id: Option<String>,
}

pub async fn assign_technician(station: &Station, caller: &Caller, input: AssignTechnician) -> Result<OrderDetail> {
    let me = caller.require(Permission::AssignTechnician)?;
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    require_not_declined(w.conn(), &input.job_id).await?;
    let technician = input.technician_id.filter(|t| !t.is_empty());
    if let Some(t) = &technician {
        require_technician(w.conn(), t).await?;
    }
    let ctx = w.ctx.clone();
    let q = sqlx::query("UPDATE ro_jobs SET technician_id = ?, updated_at = ? WHERE id = ?").bind(technician).bind(ts(ctx.now)).bind(&input.job_id);
    update_job_row(w.conn(), &ctx, &input.job_id, "assign", q).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct JobRef {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
}

/// A technician takes an unassigned job: they become its technician, and it joins their list.
pub async fn take_job(station: &Station, caller: &Caller, input: JobRef) -> Result<OrderDetail> {
    let me = caller.require(Permission::TakeJob)?;
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    let job = load_job(w.conn(), &input.job_id).await?;
    if let Some(holder) = &job.technician_id {
        let name: String = sqlx::query_scalar("SELECT name FROM staff WHERE id = ?").bind(holder).fetch_one(w.conn()).await?;
        return Err(refused("job.already_assigned", format!("{name} already has this job")).with("name", name));
    }
    if !takeable(w.status, job.approval, job.done_at.is_some(), false) {
        return Err(refused("job.not_takeable", "a declined or finished job cannot be taken"));
    }
    let ctx = w.ctx.clone();
    let q = sqlx::query("UPDATE ro_jobs SET technician_id = ?, updated_at = ? WHERE id = ?").bind(&me.id).bind(ts(ctx.now)).bind(&input.job_id);
    update_job_row(w.conn(), &ctx, &input.job_id, "take", q).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CompleteJob {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    /// Warning codes the technician confirmed: `job.no_time_clocked`, `job.parts_not_issued`.
    #[serde(default)]
    pub confirm: Vec<String>,
}

/// The technician marks a job done; its running clocks stop. The 3 Cs must be
/// written; no clocked time, or parts of which nothing was issued, must be confirmed.
pub async fn complete_job(station: &Station, caller: &Caller, input: CompleteJob) -> Result<OrderDetail> {
    let me = caller.require(Permission::Repair)?;
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    if w.status != RoStatus::InRepair {
        return Err(refused("job.order_not_in_repair", "jobs are marked done while the order is in repair"));
    }
    let job = load_job(w.conn(), &input.job_id).await?;
    if job.approval != Approval::Approved {
        return Err(refused("job.not_approved", "the customer has not approved this job"));
    }
    if job.done_at.is_some() {
        return Err(refused("job.already_done", "this job is already done"));
    }
    // The 3C record is the job's account to the customer and to QC: no blanks.
    for (name, value, code, what) in [
        ("concern", &job.concern, "job.concern_required", "say what the job is for"),
        ("cause", &job.cause, "job.cause_required", "write the cause before marking the job done"),
        ("correction", &job.correction, "job.correction_required", "write the correction before marking the job done"),
    ] {
        if value.trim().is_empty() {
            return Err(field(name, code, what));
        }
    }
    let ctx = w.ctx.clone();
    time_clock::stop_for_job(w.conn(), &ctx, &input.job_id).await?;
    let clocked = time_clock::clocked_seconds(w.conn(), &input.job_id).await? > 0;
    let lines: Vec<LineRecord> = lines_of_order(w.conn(), &ro_id).await?.into_iter().filter(|l| l.job_id == job.id).collect();
    if let Some(unconfirmed) = completion_warnings(&job, &lines, clocked).into_iter().find(|warning| !input.confirm.contains(&warning.code)) {
        return Err(unconfirmed);
    }
    let q = sqlx::query("UPDATE ro_jobs SET done_at = ?, done_by = ?, updated_at = ? WHERE id = ?")
        .bind(ts(ctx.now))
        .bind(&me.id)
        .bind(ts(ctx.now))
        .bind(&input.job_id);
    update_job_row(w.conn(), &ctx, &input.job_id, "done", q).await?;
    w.finish().await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddFinding {
    pub job_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub text: String,
    /// SHA-256 of photos uploaded with `upload_photo`.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// What the technician found, with photos.
pub async fn add_finding(station: &Station, caller: &Caller, input: AddFinding) -> Result<OrderDetail> {
    let me = caller.require(Permission::EditJobs)?;
    let body = text(&input.text, "text", 2000)?;
    if body.is_empty() && input.photos.is_empty() {
        return Err(field("text", "finding.empty", "describe the finding or add a photo"));
    }
    let ro_id = ro_of(station, "ro_jobs", &input.job_id).await?;
    let mut w = OrderWrite::begin(station, me, &ro_id, input.expected_version).await?;
    w.require_editable()?;
    require_not_declined(w.conn(), &input.job_id).await?;
    for (i, sha) in input.photos.iter().enumerate() {
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)").bind(sha).fetch_one(w.conn()).await?;
        if !known {
            return Err(field(format!("photos.{i}"), "photo.unknown", "this photo was not uploaded; add it again"));
        }
    }
    let ctx = w.ctx.clone();
    let id = new_id();
    let photos = serde_json::to_string(&input.photos).unwrap_or_else(|_| "[]".into());
    sqlx::query("INSERT INTO ro_findings (id, station_id, ro_id, job_id, text, photos, staff_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&ctx.station_id)
        .bind(&ro_id)
        .bind(&input.job_id)
        .bind(&body)
        .bind(&photos)
        .bind(&me.id)
        .bind(ts(ctx.now))
        .bind(ts(ctx.now))
        .execute(w.conn())
        .await?;
    let payload = serde_json::json!({"id": id, "ro_id": ro_id, "job_id": input.job_id, "text": body, "photos": input.photos, "staff_id": me.id, "created_at": ts(ctx.now)});
    outbox::append(w.conn(), &ctx.station_id, "ro_finding", &id, outbox::Op::Upsert, &payload, ctx.now).await?;
    w.finish().await
}

/// A job on the technician's list.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct MyJob {
    pub job_id: String,
    pub ro_id: String,
    pub number: String,
    pub ro_status: RoStatus,
    #[ts(type = "number")]
    pub ro_version: i64,
    pub plate: Option<String>,
    pub make: String,
    pub model: String,
    pub concern: String,
    pub cause: String,
    pub correction: String,
    pub approval: Approval,
    #[ts(type = "string | null")]
    pub done_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub promised_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    #[ts(type = "number")]
    pub clocked_seconds: i64,
    #[sqlx(skip)]
    pub clock_running: bool,
    /// The customer's decision is worth showing (see `actions::decision_shown`).
    #[sqlx(skip)]
    pub decision_shown: bool,
    /// What the caller may do to it now.
    #[sqlx(skip)]
    pub may: JobActions,
    /// The caller may take it (`take_job`): an unassigned job in `open_jobs`.
    #[sqlx(skip)]
    pub may_take: bool,
}

/// The clock the caller just stopped: what `stop_clock` says it did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoppedClock {
    pub job_id: String,
    pub number: String,
    pub concern: String,
    /// This stretch, in seconds.
    #[ts(type = "number")]
    pub seconds: i64,
    /// All time clocked on the job now, in seconds.
    #[ts(type = "number")]
    pub total_seconds: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MyJobs {
    #[ts(type = "string")]
    pub now: DateTime<Utc>,
    pub jobs: Vec<MyJob>,
    /// The job the caller's clock runs on, if any.
    pub running_job_id: Option<String>,
    /// Unassigned jobs on orders being worked on, which the caller may take; empty for roles that take no jobs.
    pub open_jobs: Vec<MyJob>,
    /// Set by `stop_clock`: the clock it stopped.
    pub stopped: Option<StoppedClock>,
}

macro_rules! select_my_jobs {
    () => {
        "SELECT j.id AS job_id, r.id AS ro_id, r.number, r.status AS ro_status, r.version AS ro_version, v.plate, v.make, v.model,
                j.concern, j.cause, j.correction, j.approval, j.done_at, r.promised_at
         FROM ro_jobs j JOIN repair_orders r ON r.id = j.ro_id JOIN vehicles v ON v.id = r.vehicle_id "
    };
}

pub(crate) async fn my_jobs_of(conn: &mut SqliteConnection, me: &StaffRef, now: DateTime<Utc>) -> Result<MyJobs> {
    let staff_id = me.id.as_str();
    let mut jobs = sqlx::query_as::<_, MyJob>(concat!(
        select_my_jobs!(),
        "WHERE j.technician_id = ? AND j.approval <> 'declined' AND r.status NOT IN ('delivered', 'closed', 'cancelled')
         ORDER BY j.done_at IS NOT NULL, r.promised_at IS NULL, r.promised_at, r.checked_in_at, j.position"
    ))
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?;
    let running_job_id = time_clock::running_job(&mut *conn, staff_id).await?;
    let role: String = sqlx::query_scalar("SELECT role FROM staff WHERE id = ?").bind(staff_id).fetch_one(&mut *conn).await?;
    let role = crate::auth::Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    for j in &mut jobs {
        j.may = super::actions::job_actions(j.ro_status, role, j.approval, j.done_at.is_some());
        j.decision_shown = super::actions::decision_shown(j.ro_status, j.approval);
        j.clocked_seconds = time_clock::clocked_seconds(&mut *conn, &j.job_id).await?;
        j.clock_running = running_job_id.as_deref() == Some(j.job_id.as_str());
    }
    let mut open_jobs = Vec::new();
    if Permission::TakeJob.allows(me.role) {
        open_jobs = sqlx::query_as::<_, MyJob>(concat!(
            select_my_jobs!(),
            "WHERE j.technician_id IS NULL AND j.approval <> 'declined' AND j.done_at IS NULL AND r.status NOT IN ('delivered', 'closed', 'cancelled')
             ORDER BY r.promised_at IS NULL, r.promised_at, r.checked_in_at, j.position"
        ))
        .fetch_all(&mut *conn)
        .await?;
        // Checked-in orders are listed to be diagnosed instead: starting diagnosis takes their jobs.
        open_jobs.retain(|j| j.ro_status != RoStatus::CheckedIn && takeable(j.ro_status, j.approval, false, false));
        for j in &mut open_jobs {
            j.clocked_seconds = time_clock::clocked_seconds(&mut *conn, &j.job_id).await?;
            j.may_take = true;
        }
    }
    Ok(MyJobs { now, jobs, running_job_id, open_jobs, stopped: None })
}

/// The technician's tablet view: their jobs on open orders, undone first, soonest promised first.
pub async fn my_jobs(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<MyJobs> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    my_jobs_of(&mut conn, me, station.now()).await
}
