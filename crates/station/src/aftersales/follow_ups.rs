//! Follow-up calls (回访). Every delivered order gets a task, due within the
//! follow-up limit (3 days), owned by the order's advisor (first-contact
//! responsibility); a manager may hand it to someone else with a reason. Each
//! call records its outcome; an unreached customer is retried until the
//! station's give-up day, when the task ends as unreachable. Reaching the
//! customer records the 1–5 survey, and a low score (1–2) or a complaint
//! raised on the call opens a complaint in the same step. However the task
//! ends, it closes the order (`delivered → closed`). Customers who refused
//! follow-up calls get no call; the list says why.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::clocks::{self, ClockName, ClockView, ItemKind};
use super::complaints::{self, ComplaintSeverity, NewComplaintIn};
use super::policies::PolicyKind;
use super::text;
use crate::auth::{Caller, Permission, Role, StaffRef};
use crate::domain::MaskedPhone;
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};
use crate::workflow::{self, Ctx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum FollowUpStatus {
    /// Not called yet.
    Due,
    /// Called, not reached: call again.
    Retry,
    Reached,
    /// Not reached by the give-up day, or a wrong number.
    Unreachable,
    /// Reached, and the customer declined the survey.
    Declined,
    /// The customer refused follow-up calls: nobody calls.
    NoConsent,
}

impl FollowUpStatus {
    fn is_open(self) -> bool {
        matches!(self, FollowUpStatus::Due | FollowUpStatus::Retry)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum CallOutcome {
    Reached,
    NoAnswer,
    /// The customer asked to be called back at a time.
    CallBack,
    WrongNumber,
    /// Reached, but the customer declined the survey.
    Declined,
}

impl CallOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::CallBack => "call_back",
            CallOutcome::WrongNumber => "wrong_number",
            CallOutcome::Declined => "declined",
        }
    }
}

/// What the caller may do to a follow-up now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpAction {
    RecordCall,
    Reassign,
}

/// Where a task stands on today's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallSection {
    Overdue,
    Due,
    Retry,
    /// Called back later than today, or ended.
    Later,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct FollowUp {
    pub id: String,
    pub ro_id: String,
    pub ro_number: String,
    pub customer_id: String,
    pub customer_name: String,
    /// The customer was destroyed past retention: the name is a placeholder, so screens word it in the reader's language.
    pub customer_destroyed: bool,
    /// The customer's first phone, masked; `reveal_contact` shows it whole for the call.
    #[sqlx(skip)]
    pub phone: Option<MaskedPhone>,
    /// The caller may show the whole number (`reveal_contact`, reason `call_customer`).
    #[sqlx(skip)]
    pub reveal_contact: bool,
    /// The caller's role does not see how to reach the customer here (a technician's view):
    /// the page says the number is hidden rather than showing an empty one.
    #[sqlx(skip)]
    pub contact_hidden: bool,
    /// The whole number, read to mask it; never sent.
    #[serde(skip)]
    #[ts(skip)]
    #[sqlx(rename = "phone")]
    stored_phone: Option<String>,
    pub plate: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub status: FollowUpStatus,
    #[ts(type = "number")]
    pub attempts: i64,
    pub next_call_at: String,
    pub delivered_at: String,
    pub give_up_at: String,
    pub ended_at: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    #[sqlx(skip)]
    pub section: Option<CallSection>,
    #[sqlx(skip)]
    pub clock: Option<ClockView>,
    #[sqlx(skip)]
    pub actions: Vec<FollowUpAction>,
}

macro_rules! select_follow_ups {
    () => {
        "SELECT f.id, f.ro_id, r.number AS ro_number, f.customer_id, c.name AS customer_name, c.destroyed_at IS NOT NULL AS customer_destroyed,
                (SELECT phone FROM customer_phones p WHERE p.customer_id = f.customer_id ORDER BY position LIMIT 1) AS phone,
                (SELECT plate FROM vehicles v WHERE v.id = r.vehicle_id) AS plate,
                f.owner_id, s.name AS owner_name, f.status, f.attempts, f.next_call_at, f.delivered_at, f.give_up_at, f.ended_at, f.version
         FROM follow_ups f JOIN repair_orders r ON r.id = f.ro_id JOIN customers c ON c.id = f.customer_id JOIN staff s ON s.id = f.owner_id "
    };
}

fn actions(f: &FollowUp, me: &StaffRef) -> Vec<FollowUpAction> {
    let mut out = Vec::new();
    if f.status.is_open() && (f.owner_id == me.id || me.role == Role::Manager) && Permission::Deliver.allows(me.role) {
        out.push(FollowUpAction::RecordCall);
    }
    if f.status.is_open() && me.role == Role::Manager {
        out.push(FollowUpAction::Reassign);
    }
    out
}

fn section(f: &FollowUp, end_of_today: &str) -> CallSection {
    let overdue = f.clock.as_ref().is_some_and(|c| c.reading.overdue);
    if !f.status.is_open() || f.next_call_at.as_str() > end_of_today {
        CallSection::Later
    } else if overdue {
        CallSection::Overdue
    } else if f.status == FollowUpStatus::Retry {
        CallSection::Retry
    } else {
        CallSection::Due
    }
}

async fn finish_rows(conn: &mut SqliteConnection, rows: &mut [FollowUp], me: &StaffRef, now: DateTime<Utc>, end_of_today: &str) -> Result<()> {
    let ids: Vec<String> = rows.iter().map(|f| f.id.clone()).collect();
    let mut clocks = clocks::read_many(conn, ItemKind::FollowUp, &ids, now).await?;
    for f in rows.iter_mut() {
        f.clock = clocks.remove(&f.id).and_then(|v| v.into_iter().next());
        f.section = Some(section(f, end_of_today));
        f.actions = actions(f, me);
        f.contact_hidden = !crate::privacy::contact::sees_item_contact(me, &f.owner_id);
        f.phone = if !f.contact_hidden { f.stored_phone.as_deref().and_then(|p| crate::privacy::contact::mask_phones(&[p.to_string()]).pop()) } else { None };
        f.reveal_contact = f.phone.is_some() && crate::privacy::contact::may_reveal(conn, me, &f.customer_id).await?;
    }
    Ok(())
}

/// The station's end of today, as stored text, for "due today".
async fn end_of_today(conn: &mut SqliteConnection, now: DateTime<Utc>) -> Result<String> {
    let offset: i64 = sqlx::query_scalar("SELECT utc_offset_minutes FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or(480);
    let local = now + Duration::minutes(offset);
    let next_midnight = local.date_naive().succ_opt().unwrap_or(local.date_naive()).and_hms_opt(0, 0, 0).map(|d| d.and_utc() - Duration::minutes(offset));
    Ok(ts(next_midnight.unwrap_or(now)))
}

/// A follow-up task for an order just delivered, in the delivery's transaction.
pub(crate) async fn on_delivered(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    let (customer_id, advisor_id, consent): (String, String, bool) =
        sqlx::query_as("SELECT r.customer_id, r.advisor_id, c.consent_follow_up FROM repair_orders r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?")
            .bind(ro_id)
            .fetch_one(&mut *conn)
            .await?;
    let give_up_days: i64 = sqlx::query_scalar("SELECT follow_up_give_up_days FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or(15);
    let id = new_id();
    let status = if consent { "due" } else { "no_consent" };
    let now = ts(ctx.now);
    sqlx::query(
        "INSERT INTO follow_ups (id, station_id, ro_id, customer_id, owner_id, status, next_call_at, give_up_at, delivered_at, ended_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ro_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(ro_id)
    .bind(&customer_id)
    .bind(&advisor_id)
    .bind(status)
    .bind(&now)
    .bind(ts(ctx.now + Duration::days(give_up_days)))
    .bind(&now)
    .bind(if consent { None } else { Some(&now) })
    .bind(&now)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    if consent {
        clocks::start(conn, &ctx.station_id, ItemKind::FollowUp, &id, ClockName::FollowUp, PolicyKind::FollowUp, Some(&advisor_id), ctx.now).await?;
        clocks::refresh(conn, ItemKind::FollowUp, &id, ctx.now).await?;
    }
    send(conn, &ctx.station_id, &id, ctx.now).await?;
    if !consent {
        // Nobody will call, so the task has ended; nothing else may close the order.
        workflow::close_after_follow_up(conn, ctx, ro_id, "no follow-up: the customer refused follow-up calls").await?;
    }
    Ok(())
}

#[derive(Serialize, sqlx::FromRow)]
struct FollowUpRecord {
    id: String,
    ro_id: String,
    customer_id: String,
    owner_id: String,
    status: String,
    attempts: i64,
    next_call_at: String,
    give_up_at: String,
    delivered_at: String,
    ended_at: Option<String>,
    version: i64,
}

pub(crate) async fn send(conn: &mut SqliteConnection, station_id: &str, id: &str, now: DateTime<Utc>) -> Result<()> {
    let record: FollowUpRecord = sqlx::query_as(
        "SELECT id, ro_id, customer_id, owner_id, status, attempts, next_call_at, give_up_at, delivered_at, ended_at, version FROM follow_ups WHERE id = ?",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    outbox::append(conn, station_id, "follow_up", id, outbox::Op::Upsert, &record, now).await
}

/// Ends the open tasks whose give-up day has passed, as unreachable, and closes their orders.
pub(crate) async fn give_up_expired(station: &Station, now: DateTime<Utc>) -> Result<()> {
    let expired: Vec<(String, String)> =
        sqlx::query_as("SELECT id, ro_id FROM follow_ups WHERE ended_at IS NULL AND status IN ('due', 'retry') AND give_up_at <= ? LIMIT 500")
            .bind(ts(now))
            .fetch_all(station.pool())
            .await?;
    if expired.is_empty() {
        return Ok(());
    }
    let mut tx = db::write_tx(station.pool()).await?;
    for (id, ro_id) in expired {
        let (station_id, owner): (String, String) =
            sqlx::query_as("SELECT station_id, owner_id FROM follow_ups WHERE id = ?").bind(&id).fetch_one(&mut *tx).await?;
        let ctx = Ctx { station_id, staff_id: owner, now };
        let changed =
            sqlx::query("UPDATE follow_ups SET status = 'unreachable', ended_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND ended_at IS NULL")
                .bind(ts(now))
                .bind(ts(now))
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        if changed.rows_affected() == 0 {
            continue;
        }
        event(&mut tx, &ctx, &id, "gave_up", None, None, None, "not reached by the give-up day").await?;
        clocks::refresh(&mut tx, ItemKind::FollowUp, &id, now).await?;
        send(&mut tx, &ctx.station_id, &id, now).await?;
        workflow::close_after_follow_up(&mut tx, &ctx, &ro_id, "follow-up ended: not reached").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A customer withdrew consent to follow-up calls (here or at another
/// station): their open calls end as `no_consent`, as if refused at delivery,
/// and their orders close. In the caller's transaction; the consent history
/// says why.
pub(crate) async fn end_on_withdrawal(conn: &mut SqliteConnection, customer_id: &str, now: DateTime<Utc>) -> Result<()> {
    let open: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, ro_id, station_id, owner_id FROM follow_ups WHERE customer_id = ? AND ended_at IS NULL AND status IN ('due', 'retry')")
            .bind(customer_id)
            .fetch_all(&mut *conn)
            .await?;
    for (id, ro_id, station_id, owner) in open {
        let ctx = Ctx { station_id, staff_id: owner, now };
        sqlx::query("UPDATE follow_ups SET status = 'no_consent', ended_at = ?, version = version + 1, updated_at = ? WHERE id = ?")
            .bind(ts(now))
            .bind(ts(now))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        clocks::refresh(conn, ItemKind::FollowUp, &id, now).await?;
        send(conn, &ctx.station_id, &id, now).await?;
        workflow::close_after_follow_up(conn, &ctx, &ro_id, "no follow-up: the customer withdrew consent to follow-up calls").await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn event(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    follow_up_id: &str,
    kind: &str,
    outcome: Option<CallOutcome>,
    call_back_at: Option<&str>,
    to_staff: Option<&str>,
    note: &str,
) -> Result<()> {
    let id = new_id();
    let now = ts(ctx.now);
    sqlx::query(
        "INSERT INTO follow_up_events (id, station_id, follow_up_id, kind, outcome, call_back_at, to_staff_id, note, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(follow_up_id)
    .bind(kind)
    .bind(outcome.map(CallOutcome::as_str))
    .bind(call_back_at)
    .bind(to_staff)
    .bind(note)
    .bind(&ctx.staff_id)
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    let record = FollowUpEvent {
        id: id.clone(),
        kind: kind.to_string(),
        outcome,
        call_back_at: call_back_at.map(str::to_string),
        to_staff_id: to_staff.map(str::to_string),
        to_staff_name: None,
        note: note.to_string(),
        staff_id: Some(ctx.staff_id.clone()),
        staff_name: None,
        at: now,
    };
    #[derive(Serialize)]
    struct Wire<'a> {
        follow_up_id: &'a str,
        #[serde(flatten)]
        event: &'a FollowUpEvent,
    }
    outbox::append(conn, &ctx.station_id, "follow_up_event", &id, outbox::Op::Upsert, &Wire { follow_up_id, event: &record }, ctx.now).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CallListInput {
    /// Everyone's calls (a manager's view) rather than the caller's own.
    #[serde(default)]
    pub everyone: bool,
    #[serde(default)]
    #[ts(type = "number")]
    pub page: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct NotCalled {
    pub follow_up: FollowUp,
    /// Why nobody calls: `no_consent` (the customer refused follow-up calls) or `no_phone`.
    pub reason: String,
}

/// Today's calls: overdue, due and retries, oldest first, a page at a time.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CallList {
    pub calls: Vec<FollowUp>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub page: i64,
    #[ts(type = "number")]
    pub page_size: i64,
    /// Delivered in the last give-up window and not called, with the reason.
    pub not_called: Vec<NotCalled>,
    pub everyone: bool,
    /// Whether the caller may see everyone's list.
    pub can_see_everyone: bool,
}

pub const PAGE_SIZE: i64 = 50;

/// An overall score at or below this opens a complaint (the manuals' 1–2 of 5).
pub const LOW_SCORE_MAX: i64 = 2;

pub async fn call_list(station: &Station, caller: &Caller, input: CallListInput) -> Result<CallList> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    give_up_expired(station, now).await?;
    let everyone = input.everyone && me.role == Role::Manager;
    let owner = if everyone { None } else { Some(me.id.clone()) };
    let (page, offset) = super::page_offset(input.page, PAGE_SIZE)?;
    let mut conn = station.pool().acquire().await?;
    let eod = end_of_today(&mut conn, now).await?;
    let mut calls: Vec<FollowUp> = sqlx::query_as(concat!(
        select_follow_ups!(),
        // The page's rows are picked by rowid first, so skipped rows cost no joins.
        "WHERE f.rowid IN (SELECT f.rowid FROM follow_ups f WHERE f.ended_at IS NULL AND f.next_call_at <= ?1 AND (?2 IS NULL OR f.owner_id = ?2)
                            ORDER BY f.next_call_at, f.rowid LIMIT ?3 OFFSET ?4)
         ORDER BY f.next_call_at, f.rowid"
    ))
    .bind(&eod)
    .bind(&owner)
    .bind(PAGE_SIZE)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM follow_ups f WHERE f.ended_at IS NULL AND f.next_call_at <= ?1 AND (?2 IS NULL OR f.owner_id = ?2)")
            .bind(&eod)
            .bind(&owner)
            .fetch_one(&mut *conn)
            .await?;
    finish_rows(&mut conn, &mut calls, me, now, &eod).await?;
    // Those delivered within the give-up window: the ones a call would still be due for.
    let give_up_days: i64 = sqlx::query_scalar("SELECT follow_up_give_up_days FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or(15);
    let since = ts(now - Duration::days(give_up_days));
    let mut skipped: Vec<FollowUp> = sqlx::query_as(concat!(
        select_follow_ups!(),
        "WHERE f.status = 'no_consent' AND f.delivered_at >= ?1 AND (?2 IS NULL OR f.owner_id = ?2) ORDER BY f.delivered_at DESC LIMIT 20"
    ))
    .bind(&since)
    .bind(&owner)
    .fetch_all(&mut *conn)
    .await?;
    finish_rows(&mut conn, &mut skipped, me, now, &eod).await?;
    let mut not_called: Vec<NotCalled> = skipped.into_iter().map(|f| NotCalled { follow_up: f, reason: "no_consent".into() }).collect();
    // A task nobody can call: no number on file. It stays listed (someone should find one).
    for f in &calls {
        if f.stored_phone.is_none() {
            not_called.push(NotCalled { follow_up: f.clone(), reason: "no_phone".into() });
        }
    }
    Ok(CallList { calls, total, page, page_size: PAGE_SIZE, not_called, everyone, can_see_everyone: me.role == Role::Manager })
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct FollowUpEvent {
    pub id: String,
    /// `attempt`, `reassigned` or `gave_up`.
    pub kind: String,
    pub outcome: Option<CallOutcome>,
    pub call_back_at: Option<String>,
    pub to_staff_id: Option<String>,
    pub to_staff_name: Option<String>,
    pub note: String,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, sqlx::FromRow)]
pub struct Survey {
    #[ts(type = "number")]
    pub overall: i64,
    #[ts(type = "number")]
    pub quality: i64,
    #[ts(type = "number")]
    pub timeliness: i64,
    #[ts(type = "number")]
    pub attitude: i64,
    #[ts(type = "number")]
    pub price: i64,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FollowUpDetail {
    pub follow_up: FollowUp,
    pub events: Vec<FollowUpEvent>,
    pub survey: Option<Survey>,
    /// The complaint opened on this call, if any.
    pub complaint_id: Option<String>,
    pub customer_language: String,
    /// Everyone a manager may hand the task to (empty unless the caller may reassign).
    pub assignable: Vec<crate::auth::staff::StaffInfo>,
    /// An overall score at or below this opens a complaint with the call.
    #[ts(type = "number")]
    pub low_score_max: i64,
    /// When a destruction past retention blanked its call notes and survey
    /// comment (its own, or its order's, which takes the call with it).
    pub destroyed_at: Option<String>,
}

async fn load_row(conn: &mut SqliteConnection, id: &str) -> Result<FollowUp> {
    sqlx::query_as::<_, FollowUp>(concat!(select_follow_ups!(), "WHERE f.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("follow-up").with_field("follow_up_id"))
}

async fn detail(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<FollowUpDetail> {
    let eod = end_of_today(conn, now).await?;
    let mut rows = vec![load_row(conn, id).await?];
    finish_rows(conn, &mut rows, me, now, &eod).await?;
    let follow_up = rows.remove(0);
    let events: Vec<FollowUpEvent> = sqlx::query_as(
        "SELECT e.id, e.kind, e.outcome, e.call_back_at, e.to_staff_id, t.name AS to_staff_name, e.note, e.staff_id, s.name AS staff_name, e.at
         FROM follow_up_events e LEFT JOIN staff s ON s.id = e.staff_id LEFT JOIN staff t ON t.id = e.to_staff_id WHERE e.follow_up_id = ? ORDER BY e.at, e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let survey: Option<Survey> = sqlx::query_as("SELECT overall, quality, timeliness, attitude, price, comment FROM surveys WHERE follow_up_id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let complaint_id: Option<String> =
        sqlx::query_scalar("SELECT id FROM complaints WHERE follow_up_id = ? ORDER BY received_at LIMIT 1").bind(id).fetch_optional(&mut *conn).await?;
    let customer_language: String =
        sqlx::query_scalar("SELECT language FROM customers WHERE id = ?").bind(&follow_up.customer_id).fetch_one(&mut *conn).await?;
    let assignable = if follow_up.actions.contains(&FollowUpAction::Reassign) { crate::auth::staff::active_desk_staff(conn).await? } else { vec![] };
    let destroyed_at = match crate::retention::destroyed_at(conn, "follow_up", id).await? {
        Some(at) => Some(at),
        None => crate::retention::destroyed_at(conn, "repair_order", &follow_up.ro_id).await?,
    };
    Ok(FollowUpDetail { follow_up, events, survey, complaint_id, customer_language, assignable, low_score_max: LOW_SCORE_MAX, destroyed_at })
}

pub async fn get_follow_up(station: &Station, caller: &Caller, input: crate::ops::IdInput) -> Result<FollowUpDetail> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    give_up_expired(station, now).await?;
    let mut conn = station.pool().acquire().await?;
    detail(&mut conn, &input.id, me, now).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ComplaintOnCall {
    pub description: String,
    pub category_id: String,
    pub severity: ComplaintSeverity,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordCall {
    pub follow_up_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub outcome: CallOutcome,
    /// When the customer asked to be called back (`call_back` only), RFC 3339.
    #[serde(default)]
    #[ts(optional)]
    pub call_back_at: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Required when the customer was reached.
    #[serde(default)]
    #[ts(optional)]
    pub survey: Option<Survey>,
    /// A complaint the customer raised on the call; required when the survey
    /// scores 1 or 2 overall, which always opens one.
    #[serde(default)]
    #[ts(optional)]
    pub complaint: Option<ComplaintOnCall>,
}

fn score(field: &str, v: i64) -> Result<()> {
    if (1..=5).contains(&v) {
        Ok(())
    } else {
        Err(ApiError::field(format!("survey.{field}"), Invalid::new("survey.score", "a score is from 1 to 5")))
    }
}

fn validate_survey(s: &Survey) -> Result<Survey> {
    score("overall", s.overall)?;
    score("quality", s.quality)?;
    score("timeliness", s.timeliness)?;
    score("attitude", s.attitude)?;
    score("price", s.price)?;
    Ok(Survey { comment: text("survey.comment", &s.comment, false)?, ..s.clone() })
}

/// Records one call and what came of it (see the module comment).
pub async fn record_call(station: &Station, caller: &Caller, input: RecordCall) -> Result<FollowUpDetail> {
    let me = caller.require(Permission::Deliver)?;
    let note = text("note", &input.note, false)?;
    let reached = input.outcome == CallOutcome::Reached;
    let survey = match (&input.survey, reached) {
        (Some(s), true) => Some(validate_survey(s)?),
        (None, true) => return Err(ApiError::field("survey", Invalid::new("survey.required", "record the customer's answers when they were reached"))),
        (_, false) => None,
    };
    let call_back_at = match (input.outcome, input.call_back_at.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (CallOutcome::CallBack, Some(s)) => Some(
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| ApiError::field("call_back_at", Invalid::new("follow_up.call_back_at", "a date and time to call back")))?,
        ),
        (CallOutcome::CallBack, None) => return Err(ApiError::field("call_back_at", Invalid::new("follow_up.call_back_at", "when should we call back?"))),
        _ => None,
    };
    let low = survey.as_ref().is_some_and(|s| s.overall <= LOW_SCORE_MAX);
    let complaint_in = match &input.complaint {
        // The complaint opens with this call as its first response: nobody answered, so nobody raised one.
        Some(_) if matches!(input.outcome, CallOutcome::NoAnswer | CallOutcome::WrongNumber) => {
            return Err(ApiError::field(
                "complaint",
                Invalid::new("follow_up.complaint_not_reached", "nobody was reached on this call, so no complaint can be raised on it"),
            ))
        }
        Some(c) => {
            Some(NewComplaintIn { description: text("complaint.description", &c.description, true)?, category_id: c.category_id.clone(), severity: c.severity })
        }
        None if low => {
            return Err(ApiError::field(
                "complaint.description",
                Invalid::new("follow_up.low_score_needs_complaint", "a score of 1 or 2 opens a complaint: write what the customer is unhappy about"),
            ))
        }
        None => None,
    };
    let now = station.now();
    if call_back_at.is_some_and(|t| t <= now) {
        return Err(ApiError::field("call_back_at", Invalid::new("follow_up.call_back_past", "the call-back time is in the past")));
    }
    let mut tx = db::write_tx(station.pool()).await?;
    let f = load_row(&mut tx, &input.follow_up_id).await?;
    if f.version != input.expected_version {
        return Err(ApiError::conflict("follow_up.version_conflict", "someone else changed this follow-up; reload"));
    }
    if !f.status.is_open() {
        return Err(ApiError::conflict("follow_up.ended", "this follow-up has ended"));
    }
    if f.owner_id != me.id && me.role != Role::Manager {
        return Err(ApiError::forbidden("follow_up.not_owner", format!("this call is {}'s; a manager can hand it over", f.owner_name)));
    }
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    event(&mut tx, &ctx, &f.id, "attempt", Some(input.outcome), call_back_at.map(ts).as_deref(), None, &note).await?;
    let (status, ends, next) = match input.outcome {
        CallOutcome::Reached => ("reached", true, now),
        CallOutcome::Declined => ("declined", true, now),
        CallOutcome::WrongNumber => ("unreachable", true, now),
        CallOutcome::CallBack => ("retry", false, call_back_at.unwrap_or(now)),
        // Back on the list two hours later: not again in the same breath, still the same day.
        CallOutcome::NoAnswer => ("retry", false, now + Duration::hours(2)),
    };
    sqlx::query(
        "UPDATE follow_ups SET status = ?, attempts = attempts + 1, next_call_at = ?, ended_at = CASE WHEN ? THEN ? ELSE ended_at END,
                version = version + 1, updated_at = ? WHERE id = ?",
    )
    .bind(status)
    .bind(ts(next))
    .bind(ends)
    .bind(ts(now))
    .bind(ts(now))
    .bind(&f.id)
    .execute(&mut *tx)
    .await?;
    if let Some(s) = &survey {
        let id = new_id();
        let customer_id = f.customer_id.clone();
        sqlx::query(
            "INSERT INTO surveys (id, station_id, follow_up_id, ro_id, customer_id, overall, quality, timeliness, attitude, price, comment, staff_id, at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&ctx.station_id)
        .bind(&f.id)
        .bind(&f.ro_id)
        .bind(&customer_id)
        .bind(s.overall)
        .bind(s.quality)
        .bind(s.timeliness)
        .bind(s.attitude)
        .bind(s.price)
        .bind(&s.comment)
        .bind(&me.id)
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        #[derive(Serialize)]
        struct SurveyRecord<'a> {
            id: &'a str,
            follow_up_id: &'a str,
            ro_id: &'a str,
            customer_id: &'a str,
            #[serde(flatten)]
            answers: &'a Survey,
            staff_id: &'a str,
            at: String,
        }
        let record = SurveyRecord { id: &id, follow_up_id: &f.id, ro_id: &f.ro_id, customer_id: &customer_id, answers: s, staff_id: &me.id, at: ts(now) };
        outbox::append(&mut tx, &ctx.station_id, "survey", &id, outbox::Op::Upsert, &record, now).await?;
    }
    clocks::refresh(&mut tx, ItemKind::FollowUp, &f.id, now).await?;
    send(&mut tx, &ctx.station_id, &f.id, now).await?;
    if let Some(c) = complaint_in {
        complaints::open_from_follow_up(&mut tx, me, &f.id, &f.ro_id, c, now).await?;
    }
    if ends {
        let why = match input.outcome {
            CallOutcome::Reached => "follow-up done",
            CallOutcome::Declined => "follow-up: the customer declined the survey",
            _ => "follow-up ended: wrong number",
        };
        workflow::close_after_follow_up(&mut tx, &ctx, &f.ro_id, why).await?;
    }
    let out = detail(&mut tx, &f.id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReassignFollowUp {
    pub follow_up_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub to_staff_id: String,
    pub reason: String,
}

/// A manager hands a call to someone else; the reason stays in its history.
pub async fn reassign_follow_up(station: &Station, caller: &Caller, input: ReassignFollowUp) -> Result<FollowUpDetail> {
    let me = caller.require(Permission::ManageStaff)?;
    let reason = text("reason", &input.reason, true)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let f = load_row(&mut tx, &input.follow_up_id).await?;
    if f.version != input.expected_version {
        return Err(ApiError::conflict("follow_up.version_conflict", "someone else changed this follow-up; reload"));
    }
    if !f.status.is_open() {
        return Err(ApiError::conflict("follow_up.ended", "this follow-up has ended"));
    }
    crate::auth::staff::require_desk_staff(&mut tx, &input.to_staff_id, "to_staff_id").await?;
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    event(&mut tx, &ctx, &f.id, "reassigned", None, None, Some(&input.to_staff_id), &reason).await?;
    sqlx::query("UPDATE follow_ups SET owner_id = ?, version = version + 1, updated_at = ? WHERE id = ?")
        .bind(&input.to_staff_id)
        .bind(ts(now))
        .bind(&f.id)
        .execute(&mut *tx)
        .await?;
    clocks::set_owner(&mut tx, ItemKind::FollowUp, &f.id, &input.to_staff_id, now).await?;
    send(&mut tx, &ctx.station_id, &f.id, now).await?;
    let out = detail(&mut tx, &f.id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// A customer's survey answers, newest first, for their page.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct SurveyRow {
    pub ro_id: String,
    pub ro_number: String,
    #[ts(type = "number")]
    pub overall: i64,
    pub comment: String,
    pub at: String,
}

/// By the order's customer, not the survey's: a survey is append-only and keeps
/// the customer it was taken from, while a merge moves the order to the survivor.
pub(crate) async fn surveys_of_customer(conn: &mut SqliteConnection, customer_id: &str) -> Result<Vec<SurveyRow>> {
    Ok(sqlx::query_as(
        "SELECT s.ro_id, r.number AS ro_number, s.overall, s.comment, s.at FROM surveys s JOIN repair_orders r ON r.id = s.ro_id
         WHERE r.customer_id = ? ORDER BY s.at DESC LIMIT 50",
    )
    .bind(customer_id)
    .fetch_all(conn)
    .await?)
}
