//! The time-limit policies (one per kind of item: 24 h to answer a complaint,
//! 3 days to call back after delivery, …) and the station's working calendar
//! (weekly hours, public holidays, make-up working days). A manager edits them
//! here; the head office can set a policy with a setting (`time_limit.<kind>`).
//! Items keep the policy and calendar version that were in force when they
//! opened (`clocks`), so an edit here never rewrites a past result.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use time_limits::{Basis, Calendar, Policy};
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

/// The kinds of item with a deadline, as the manuals list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// A service request answered (its first logged contact with the customer).
    ServiceRequest,
    /// Check-in to the estimate presented: the initial assessment done and the customer told.
    InitialAssessment,
    /// Work passed the quality check to the customer told it is ready.
    CompletionNotice,
    /// Delivery to the follow-up call reaching the customer.
    FollowUp,
    ComplaintFirstResponse,
    ComplaintResolution,
    /// A resolved complaint to the callback reaching the customer.
    ComplaintCallback,
    /// The first response to an urgent complaint.
    UrgentFirstResponse,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::ServiceRequest,
        PolicyKind::InitialAssessment,
        PolicyKind::CompletionNotice,
        PolicyKind::FollowUp,
        PolicyKind::ComplaintFirstResponse,
        PolicyKind::ComplaintResolution,
        PolicyKind::ComplaintCallback,
        PolicyKind::UrgentFirstResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::ServiceRequest => "service_request",
            PolicyKind::InitialAssessment => "initial_assessment",
            PolicyKind::CompletionNotice => "completion_notice",
            PolicyKind::FollowUp => "follow_up",
            PolicyKind::ComplaintFirstResponse => "complaint_first_response",
            PolicyKind::ComplaintResolution => "complaint_resolution",
            PolicyKind::ComplaintCallback => "complaint_callback",
            PolicyKind::UrgentFirstResponse => "urgent_first_response",
        }
    }

    pub fn parse(s: &str) -> Option<PolicyKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who set a policy last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum PolicySource {
    Default,
    Station,
    HeadOffice,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PolicyRow {
    pub kind: PolicyKind,
    pub policy: Policy,
    pub source: PolicySource,
    pub updated_at: String,
    pub updated_by_name: Option<String>,
}

/// The time-limit settings page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TimeLimits {
    pub policies: Vec<PolicyRow>,
    pub calendar: Calendar,
    /// `null` while the station works the built-in standard calendar.
    pub calendar_id: Option<String>,
    pub calendar_saved_at: Option<String>,
    /// Whether the caller may change any of it.
    pub can_edit: bool,
}

#[derive(sqlx::FromRow)]
struct PolicyDbRow {
    kind: String,
    budget_minutes: i64,
    basis: String,
    source: PolicySource,
    updated_at: String,
    updated_by_name: Option<String>,
}

pub(crate) fn basis_str(b: Basis) -> &'static str {
    match b {
        Basis::Wall => "wall",
        Basis::Working => "working",
    }
}

fn basis_of(s: &str) -> Basis {
    if s == "working" {
        Basis::Working
    } else {
        Basis::Wall
    }
}

fn to_policy(budget_minutes: i64, basis: &str) -> Result<Policy> {
    Policy::new(budget_minutes, basis_of(basis)).map_err(engine_error)
}

/// The engine's complaint about a value, as the API's field error.
pub(crate) fn engine_error(e: time_limits::Invalid) -> ApiError {
    ApiError::field(e.field.clone(), Invalid::new(e.code, e.message))
}

/// The policy in force now for `kind`.
pub(crate) async fn policy_in_force(conn: &mut SqliteConnection, kind: PolicyKind) -> Result<Policy> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT budget_minutes, basis FROM time_limit_policies WHERE kind = ?").bind(kind.as_str()).fetch_optional(&mut *conn).await?;
    let (minutes, basis) = row.ok_or_else(|| ApiError::internal(format!("no time-limit policy for {}", kind.as_str())))?;
    to_policy(minutes, &basis)
}

/// The calendar version in force now: its id (`None`: the built-in standard one) and body.
pub(crate) async fn calendar_in_force(conn: &mut SqliteConnection) -> Result<(Option<String>, Calendar)> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT id, body FROM calendars ORDER BY created_at DESC, id DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    match row {
        Some((id, body)) => Ok((Some(id), parse_calendar(&body)?)),
        None => Ok((None, Calendar::standard())),
    }
}

/// A calendar version by id (`None`: the standard one).
pub(crate) async fn calendar_by_id(conn: &mut SqliteConnection, id: Option<&str>) -> Result<Calendar> {
    let Some(id) = id else { return Ok(Calendar::standard()) };
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM calendars WHERE id = ?").bind(id).fetch_optional(&mut *conn).await?;
    match body {
        Some(b) => parse_calendar(&b),
        None => Ok(Calendar::standard()),
    }
}

fn parse_calendar(body: &str) -> Result<Calendar> {
    serde_json::from_str(body).map_err(|e| ApiError::internal(format!("a stored calendar cannot be read: {e}")))
}

async fn load(conn: &mut SqliteConnection, can_edit: bool) -> Result<TimeLimits> {
    let rows: Vec<PolicyDbRow> = sqlx::query_as(
        "SELECT p.kind, p.budget_minutes, p.basis, p.source, p.updated_at, s.name AS updated_by_name
         FROM time_limit_policies p LEFT JOIN staff s ON s.id = p.updated_by",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut policies = Vec::new();
    for kind in PolicyKind::ALL {
        if let Some(r) = rows.iter().find(|r| r.kind == kind.as_str()) {
            policies.push(PolicyRow {
                kind,
                policy: to_policy(r.budget_minutes, &r.basis)?,
                source: r.source,
                updated_at: r.updated_at.clone(),
                updated_by_name: r.updated_by_name.clone(),
            });
        }
    }
    let (calendar_id, calendar) = calendar_in_force(conn).await?;
    let calendar_saved_at = match &calendar_id {
        Some(id) => sqlx::query_scalar("SELECT created_at FROM calendars WHERE id = ?").bind(id).fetch_optional(&mut *conn).await?,
        None => None,
    };
    Ok(TimeLimits { policies, calendar, calendar_id, calendar_saved_at, can_edit })
}

pub async fn get_time_limits(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<TimeLimits> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    load(&mut conn, Permission::ConfigureStation.allows(me.role)).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct UpdateTimeLimit {
    pub kind: PolicyKind,
    #[ts(type = "number")]
    pub budget_minutes: i64,
    pub basis: Basis,
}

#[derive(Serialize)]
struct PolicyRecord<'a> {
    kind: &'a str,
    budget_minutes: i64,
    basis: &'a str,
    source: PolicySource,
    updated_by: Option<&'a str>,
    updated_at: String,
}

async fn write_policy(
    conn: &mut SqliteConnection,
    station_id: &str,
    kind: PolicyKind,
    policy: Policy,
    source: PolicySource,
    by: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let source_str = match source {
        PolicySource::Default => "default",
        PolicySource::Station => "station",
        PolicySource::HeadOffice => "head_office",
    };
    sqlx::query("UPDATE time_limit_policies SET budget_minutes = ?, basis = ?, source = ?, updated_by = ?, updated_at = ? WHERE kind = ?")
        .bind(policy.budget_minutes)
        .bind(basis_str(policy.basis))
        .bind(source_str)
        .bind(by)
        .bind(ts(now))
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    let record = PolicyRecord {
        kind: kind.as_str(),
        budget_minutes: policy.budget_minutes,
        basis: basis_str(policy.basis),
        source,
        updated_by: by,
        updated_at: ts(now),
    };
    outbox::append(conn, station_id, "time_limit_policy", kind.as_str(), outbox::Op::Upsert, &record, now).await
}

/// A manager changes one limit. Items already open keep the limit they opened with.
pub async fn update_time_limit(station: &Station, caller: &Caller, input: UpdateTimeLimit) -> Result<TimeLimits> {
    let me = caller.require(Permission::ConfigureStation)?;
    let policy = Policy::new(input.budget_minutes, input.basis).map_err(engine_error)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    write_policy(&mut tx, &me.station_id, input.kind, policy, PolicySource::Station, Some(&me.id), now).await?;
    let out = load(&mut tx, true).await?;
    tx.commit().await?;
    Ok(out)
}

/// Saves `calendar` as the new version in force.
async fn save_version(station: &Station, caller: &Caller, calendar: Calendar) -> Result<TimeLimits> {
    let me = caller.require(Permission::ConfigureStation)?;
    calendar.validate().map_err(engine_error)?;
    let now = station.now();
    let id = new_id();
    let body = serde_json::to_string(&calendar).map_err(|e| ApiError::internal(format!("cannot store the calendar: {e}")))?;
    let mut tx = db::write_tx(station.pool()).await?;
    sqlx::query("INSERT INTO calendars (id, station_id, body, created_by, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&me.station_id)
        .bind(&body)
        .bind(&me.id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    #[derive(Serialize)]
    struct CalendarRecord<'a> {
        id: &'a str,
        calendar: &'a Calendar,
        created_by: &'a str,
        created_at: String,
    }
    let record = CalendarRecord { id: &id, calendar: &calendar, created_by: &me.id, created_at: ts(now) };
    outbox::append(&mut tx, &me.station_id, "calendar", &id, outbox::Op::Upsert, &record, now).await?;
    let out = load(&mut tx, true).await?;
    tx.commit().await?;
    Ok(out)
}

/// A manager saves the working calendar: weekly hours, holidays, make-up days, time zone.
pub async fn save_calendar(station: &Station, caller: &Caller, input: Calendar) -> Result<TimeLimits> {
    save_version(station, caller, input).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct LoadHolidays {
    /// The file's text: `YYYY-MM-DD,holiday|workday[,name]` per line.
    pub text: String,
}

/// Merges a holiday file (public holidays and make-up working days) into the calendar in force.
pub async fn load_holidays(station: &Station, caller: &Caller, input: LoadHolidays) -> Result<TimeLimits> {
    caller.require(Permission::ConfigureStation)?;
    if input.text.len() > 200_000 {
        return Err(ApiError::field("text", Invalid::new("text.too_long", "a holiday file is at most 200 KB")));
    }
    // Shown beside the file, with the refused line's number (the engine names it `line.3`) for the screen to say which.
    let entries = Calendar::parse_day_file(&input.text).map_err(|e| {
        let line = e.field.strip_prefix("line.").unwrap_or("").to_string();
        ApiError::field("text", Invalid::new(e.code, e.message).with("line", line))
    })?;
    let mut conn = station.pool().acquire().await?;
    let (_, mut calendar) = calendar_in_force(&mut conn).await?;
    drop(conn);
    calendar.merge_days(&entries);
    save_version(station, caller, calendar).await
}

/// A head-office setting `time_limit.<kind>` = `{"budget_minutes": …, "basis": "wall"|"working"}`
/// sets that policy (the station may change it again afterwards). Other keys are not ours.
pub(crate) async fn apply_head_office_setting(
    conn: &mut SqliteConnection,
    station_id: &str,
    key: &str,
    value: &serde_json::Value,
    deleted: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let Some(kind) = key.strip_prefix("time_limit.").and_then(PolicyKind::parse) else { return Ok(()) };
    if deleted {
        return Ok(());
    }
    let minutes = value.get("budget_minutes").and_then(serde_json::Value::as_i64);
    let basis = value.get("basis").and_then(serde_json::Value::as_str).unwrap_or("wall");
    match minutes.map(|m| to_policy(m, basis)) {
        Some(Ok(policy)) => write_policy(conn, station_id, kind, policy, PolicySource::HeadOffice, None, now).await,
        _ => {
            tracing::warn!(key, "a head-office time limit that is not a valid policy was ignored");
            Ok(())
        }
    }
}
