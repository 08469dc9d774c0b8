//! The deadlines items count down: a repair order's initial assessment and
//! completion notice, a follow-up call, a complaint's first response,
//! resolution and callback. Each clock is a row in `item_clocks` holding the
//! policy and calendar version in force when it started; its reading is always
//! computed by the `time-limits` engine from the item's own event log, so the
//! station and the head office, holding the same events, give the same answer.
//!
//! The row also caches the latest reading (`state`, `late_at`, …), refreshed by
//! every write to the item, so lists can filter overdue items and the top bar
//! can count them in SQL. `late_at` is the instant the clock is or was
//! breached if nothing pauses it; a running clock's `late_at` stays right as
//! time passes, because only events (writes) move it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use time_limits::{ClockEvent, ClockState, Mark, Policy, Reading};
use ts_rs::TS;

use super::policies::{self, PolicyKind};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station};
use crate::store::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClockName {
    InitialAssessment,
    CompletionNotice,
    FollowUp,
    FirstResponse,
    Resolution,
    Callback,
    /// A service request answered.
    Response,
}

impl ClockName {
    const ALL: [ClockName; 7] = [
        ClockName::InitialAssessment,
        ClockName::CompletionNotice,
        ClockName::FollowUp,
        ClockName::FirstResponse,
        ClockName::Resolution,
        ClockName::Callback,
        ClockName::Response,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClockName::InitialAssessment => "initial_assessment",
            ClockName::CompletionNotice => "completion_notice",
            ClockName::FollowUp => "follow_up",
            ClockName::FirstResponse => "first_response",
            ClockName::Resolution => "resolution",
            ClockName::Callback => "callback",
            ClockName::Response => "response",
        }
    }

    fn parse(s: &str) -> Option<ClockName> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    RepairOrder,
    FollowUp,
    Complaint,
    ServiceRequest,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::RepairOrder => "repair_order",
            ItemKind::FollowUp => "follow_up",
            ItemKind::Complaint => "complaint",
            ItemKind::ServiceRequest => "service_request",
        }
    }
}

/// One deadline of an item, read now.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClockView {
    pub clock: ClockName,
    /// The policy it runs under now (an urgent complaint's first response runs under `urgent_first_response`).
    pub policy_kind: PolicyKind,
    pub reading: Reading,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ClockRow {
    id: String,
    station_id: String,
    item_kind: String,
    item_id: String,
    clock: String,
    policy_kind: String,
    policy: String,
    calendar_id: Option<String>,
    owner_id: Option<String>,
    started_at: String,
    state: String,
    late_at: Option<String>,
    met_at: Option<String>,
    breached_at: Option<String>,
    stopped_at: Option<String>,
}

/// What a clock's events say besides start/stop: the policy it runs under now.
struct Derived {
    events: Vec<ClockEvent>,
    /// The last Rebudget's kind, when the item changed policy (severity).
    policy_kind: Option<PolicyKind>,
}

/// Starts clock `clock` of an item under the policy and calendar in force now.
/// A clock that already exists is left alone (its policy is the one it opened with).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn start(
    conn: &mut SqliteConnection,
    station_id: &str,
    item_kind: ItemKind,
    item_id: &str,
    clock: ClockName,
    policy_kind: PolicyKind,
    owner_id: Option<&str>,
    started_at: DateTime<Utc>,
) -> Result<()> {
    let policy = policies::policy_in_force(conn, policy_kind).await?;
    let (calendar_id, _) = policies::calendar_in_force(conn).await?;
    let policy_json = serde_json::to_string(&policy).map_err(|e| ApiError::internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO item_clocks (id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'not_started', ?, ?) ON CONFLICT (item_id, clock) DO NOTHING",
    )
    .bind(new_id())
    .bind(station_id)
    .bind(item_kind.as_str())
    .bind(item_id)
    .bind(clock.as_str())
    .bind(policy_kind.as_str())
    .bind(policy_json)
    .bind(calendar_id)
    .bind(owner_id)
    .bind(ts(started_at))
    .bind(ts(started_at))
    .bind(ts(started_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The policy a clock's item would run under for `kind` now, for a Rebudget
/// event to carry (kept in the event, so a later policy edit changes nothing).
pub(crate) async fn policy_for(conn: &mut SqliteConnection, kind: PolicyKind) -> Result<Policy> {
    policies::policy_in_force(conn, kind).await
}

/// Who answers for the item's clocks (the top bar counts them as theirs); the
/// rows go up again, so the head office sees the new owner too.
pub(crate) async fn set_owner(conn: &mut SqliteConnection, kind: ItemKind, item_id: &str, owner_id: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE item_clocks SET owner_id = ?, updated_at = ? WHERE item_id = ?").bind(owner_id).bind(ts(now)).bind(item_id).execute(&mut *conn).await?;
    write_readings(conn, kind, item_id, now, true).await.map(|_| ())
}

async fn rows_of(conn: &mut SqliteConnection, ids: &[String]) -> Result<Vec<ClockRow>> {
    let ids = serde_json::to_string(ids).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(sqlx::query_as::<_, ClockRow>(
        "SELECT id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state, late_at, met_at, breached_at, stopped_at
         FROM item_clocks WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, created_at, id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

fn ev(at_: DateTime<Utc>, key: impl Into<String>, mark: Mark) -> ClockEvent {
    ClockEvent { at: at_, key: key.into(), mark }
}

/// The engine's events for every clock of the given items, from their own logs.
async fn derive(conn: &mut SqliteConnection, kind: ItemKind, ids: &[String]) -> Result<HashMap<(String, ClockName), Derived>> {
    let json = serde_json::to_string(ids).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut out: HashMap<(String, ClockName), Derived> = HashMap::new();
    let mut rebudgeted: HashMap<String, PolicyKind> = HashMap::new();
    let mut push = |item: &str, clock: ClockName, e: ClockEvent| {
        out.entry((item.to_string(), clock)).or_insert_with(|| Derived { events: vec![], policy_kind: None }).events.push(e);
    };
    match kind {
        ItemKind::RepairOrder => {
            let events: Vec<(String, String, String, String)> =
                sqlx::query_as("SELECT ro_id, id, to_status, at FROM ro_status_events WHERE ro_id IN (SELECT value FROM json_each(?)) ORDER BY ro_id, at, id")
                    .bind(&json)
                    .fetch_all(&mut *conn)
                    .await?;
            let notices: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT id, completion_notice_at FROM repair_orders WHERE id IN (SELECT value FROM json_each(?))")
                    .bind(&json)
                    .fetch_all(&mut *conn)
                    .await?;
            for (ro, id, to, when) in &events {
                let Some(t) = at(when) else { continue };
                match to.as_str() {
                    "checked_in" => push(ro, ClockName::InitialAssessment, ev(t, id, Mark::Start)),
                    "diagnosing" => {}
                    // The estimate presented (or anything past it) is the assessment told to the customer.
                    _ => push(ro, ClockName::InitialAssessment, ev(t, id, Mark::Stop)),
                }
                match to.as_str() {
                    "ready_for_pickup" => push(ro, ClockName::CompletionNotice, ev(t, id, Mark::Start)),
                    "delivered" | "cancelled" => push(ro, ClockName::CompletionNotice, ev(t, id, Mark::Stop)),
                    _ => {}
                }
            }
            for (ro, notice) in notices {
                if let Some(t) = notice.as_deref().and_then(at) {
                    push(&ro, ClockName::CompletionNotice, ev(t, "notice", Mark::Stop));
                }
            }
        }
        ItemKind::FollowUp => {
            let starts: Vec<(String, String)> = sqlx::query_as("SELECT id, delivered_at FROM follow_ups WHERE id IN (SELECT value FROM json_each(?))")
                .bind(&json)
                .fetch_all(&mut *conn)
                .await?;
            for (id, delivered) in starts {
                if let Some(t) = at(&delivered) {
                    // Keyed by the task's id, which sorts before its events' ids (UUIDv7, made
                    // later): a call in the same millisecond as the delivery still stops the clock.
                    push(&id, ClockName::FollowUp, ev(t, &id, Mark::Start));
                }
            }
            let events: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
                "SELECT follow_up_id, id, kind, outcome, at FROM follow_up_events WHERE follow_up_id IN (SELECT value FROM json_each(?)) ORDER BY follow_up_id, at, id",
            )
            .bind(&json)
            .fetch_all(&mut *conn)
            .await?;
            for (fu, id, kind, outcome, when) in events {
                let Some(t) = at(&when) else { continue };
                let ends = kind == "gave_up" || matches!(outcome.as_deref(), Some("reached" | "declined" | "wrong_number"));
                if ends {
                    push(&fu, ClockName::FollowUp, ev(t, id, Mark::Stop));
                }
            }
        }
        ItemKind::ServiceRequest => {
            let events: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT request_id, id, kind, at FROM service_request_events WHERE request_id IN (SELECT value FROM json_each(?)) ORDER BY request_id, at, id",
            )
            .bind(&json)
            .fetch_all(&mut *conn)
            .await?;
            for (r, id, kind, when) in events {
                let Some(t) = at(&when) else { continue };
                match kind.as_str() {
                    "received" => push(&r, ClockName::Response, ev(t, &id, Mark::Start)),
                    // An answer is a contact; closing ends the wait for one too (the engine ignores a second stop).
                    "contact_call" | "contact_visit" | "contact_message" | "closed" => push(&r, ClockName::Response, ev(t, &id, Mark::Stop)),
                    _ => {}
                }
            }
        }
        ItemKind::Complaint => {
            let events: Vec<(String, String, String, String, String)> = sqlx::query_as(
                "SELECT complaint_id, id, kind, data, at FROM complaint_events WHERE complaint_id IN (SELECT value FROM json_each(?)) ORDER BY complaint_id, at, id",
            )
            .bind(&json)
            .fetch_all(&mut *conn)
            .await?;
            let mut responded: HashMap<String, bool> = HashMap::new();
            // The callback clock: not started, running, paused (the complaint reopened) or stopped.
            let mut callback: HashMap<String, ClockState> = HashMap::new();
            for (c, id, kind, data, when) in events {
                let Some(t) = at(&when) else { continue };
                match kind.as_str() {
                    "received" => {
                        push(&c, ClockName::FirstResponse, ev(t, &id, Mark::Start));
                        push(&c, ClockName::Resolution, ev(t, &id, Mark::Start));
                    }
                    // Only a logged contact with the customer is a response, never an internal note.
                    "contact_call" | "contact_visit" | "contact_message" if !responded.insert(c.clone(), true).unwrap_or(false) => {
                        push(&c, ClockName::FirstResponse, ev(t, &id, Mark::Stop));
                    }
                    "reclassified" => {
                        let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
                        if let (Some(policy), Some(kind)) = (
                            data.get("first_response_policy").and_then(|p| serde_json::from_value::<Policy>(p.clone()).ok()),
                            data.get("first_response_policy_kind").and_then(|k| k.as_str()).and_then(PolicyKind::parse),
                        ) {
                            push(&c, ClockName::FirstResponse, ev(t, &id, Mark::Rebudget(policy)));
                            rebudgeted.insert(c.clone(), kind);
                        }
                    }
                    "waiting" => push(&c, ClockName::Resolution, ev(t, &id, Mark::Pause)),
                    "resumed" => push(&c, ClockName::Resolution, ev(t, &id, Mark::Resume)),
                    "resolved" => {
                        push(&c, ClockName::Resolution, ev(t, &id, Mark::Stop));
                        let state = callback.get(&c).copied().unwrap_or(ClockState::NotStarted);
                        let mark = match state {
                            ClockState::NotStarted => Mark::Start,
                            ClockState::Paused => Mark::Resume,
                            ClockState::Stopped => Mark::Reopen,
                            ClockState::Running => continue,
                        };
                        push(&c, ClockName::Callback, ev(t, &id, mark));
                        callback.insert(c.clone(), ClockState::Running);
                    }
                    "reopened" => {
                        push(&c, ClockName::Resolution, ev(t, &id, Mark::Reopen));
                        // While the complaint is worked again there is nothing to call back about.
                        if callback.get(&c) == Some(&ClockState::Running) {
                            push(&c, ClockName::Callback, ev(t, &id, Mark::Pause));
                            callback.insert(c.clone(), ClockState::Paused);
                        }
                    }
                    "callback" if callback.get(&c) == Some(&ClockState::Running) => {
                        push(&c, ClockName::Callback, ev(t, &id, Mark::Stop));
                        callback.insert(c.clone(), ClockState::Stopped);
                    }
                    _ => {}
                }
            }
        }
    }
    for (item, kind) in rebudgeted {
        if let Some(d) = out.get_mut(&(item, ClockName::FirstResponse)) {
            d.policy_kind = Some(kind);
        }
    }
    Ok(out)
}

fn view(row: &ClockRow, derived: Option<&Derived>, calendar: &time_limits::Calendar, now: DateTime<Utc>) -> Result<Option<ClockView>> {
    let Some(clock) = ClockName::parse(&row.clock) else { return Ok(None) };
    let policy: Policy = serde_json::from_str(&row.policy).map_err(|e| ApiError::internal(format!("a stored policy cannot be read: {e}")))?;
    let events = derived.map(|d| d.events.as_slice()).unwrap_or(&[]);
    let reading = time_limits::read(&policy, calendar, events, now);
    let policy_kind = derived.and_then(|d| d.policy_kind).or_else(|| PolicyKind::parse(&row.policy_kind)).unwrap_or(PolicyKind::ServiceRequest);
    Ok(Some(ClockView { clock, policy_kind, reading }))
}

/// Reads the clocks of the given items now, by item id (clocks in the order they started).
pub(crate) async fn read_many(conn: &mut SqliteConnection, kind: ItemKind, ids: &[String], now: DateTime<Utc>) -> Result<HashMap<String, Vec<ClockView>>> {
    let mut out: HashMap<String, Vec<ClockView>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = rows_of(conn, ids).await?;
    let derived = derive(conn, kind, ids).await?;
    let mut calendars: HashMap<Option<String>, time_limits::Calendar> = HashMap::new();
    for row in &rows {
        if !calendars.contains_key(&row.calendar_id) {
            let cal = policies::calendar_by_id(conn, row.calendar_id.as_deref()).await?;
            calendars.insert(row.calendar_id.clone(), cal);
        }
        let cal = &calendars[&row.calendar_id];
        let d = ClockName::parse(&row.clock).and_then(|c| derived.get(&(row.item_id.clone(), c)));
        if let Some(v) = view(row, d, cal, now)? {
            out.entry(row.item_id.clone()).or_default().push(v);
        }
    }
    Ok(out)
}

pub(crate) async fn read_item(conn: &mut SqliteConnection, kind: ItemKind, id: &str, now: DateTime<Utc>) -> Result<Vec<ClockView>> {
    Ok(read_many(conn, kind, &[id.to_string()], now).await?.remove(id).unwrap_or_default())
}

fn state_str(s: ClockState) -> &'static str {
    match s {
        ClockState::NotStarted => "not_started",
        ClockState::Running => "running",
        ClockState::Paused => "paused",
        ClockState::Stopped => "stopped",
    }
}

/// What syncs of a clock: the row with its latest reading.
#[derive(Serialize)]
struct ClockRecord<'a> {
    id: &'a str,
    item_kind: &'a str,
    item_id: &'a str,
    clock: &'a str,
    policy_kind: &'a str,
    policy: serde_json::Value,
    calendar_id: Option<&'a str>,
    owner_id: Option<&'a str>,
    started_at: &'a str,
    state: &'a str,
    late_at: Option<String>,
    met_at: Option<String>,
    breached_at: Option<String>,
    stopped_at: Option<String>,
}

/// Re-reads an item's clocks after a write to it and stores what changed in
/// the cache (with the clock's outbox row), in the caller's transaction.
pub(crate) async fn refresh(conn: &mut SqliteConnection, kind: ItemKind, id: &str, now: DateTime<Utc>) -> Result<Vec<ClockView>> {
    write_readings(conn, kind, id, now, false).await
}

/// Re-reads a new item's clocks and queues every row, changed or not: a clock
/// with no start yet (a complaint's callback) reads the same as its new row, so
/// `refresh` would never send it, and the head office (and a restore) would lack it.
pub(crate) async fn queue_new(conn: &mut SqliteConnection, kind: ItemKind, id: &str, now: DateTime<Utc>) -> Result<()> {
    write_readings(conn, kind, id, now, true).await.map(|_| ())
}

/// Stores each clock's reading in its row and queues the row; unchanged rows
/// are skipped unless `every` (the row changed otherwise, e.g. its owner).
async fn write_readings(conn: &mut SqliteConnection, kind: ItemKind, id: &str, now: DateTime<Utc>, every: bool) -> Result<Vec<ClockView>> {
    let rows = rows_of(conn, &[id.to_string()]).await?;
    let views = read_item(conn, kind, id, now).await?;
    for row in &rows {
        let Some(v) = views.iter().find(|v| v.clock.as_str() == row.clock) else { continue };
        let r = &v.reading;
        let late = r.breached_at.or(if r.state == ClockState::Running { r.due_at } else { None }).map(ts);
        let (state, met, breached, stopped) = (state_str(r.state), r.met_at.map(ts), r.breached_at.map(ts), r.stopped_at.map(ts));
        let same = row.state == state && row.late_at == late && row.met_at == met && row.breached_at == breached && row.stopped_at == stopped;
        if same && !every {
            continue;
        }
        if !same {
            sqlx::query("UPDATE item_clocks SET state = ?, late_at = ?, met_at = ?, breached_at = ?, stopped_at = ?, updated_at = ? WHERE id = ?")
                .bind(state)
                .bind(&late)
                .bind(&met)
                .bind(&breached)
                .bind(&stopped)
                .bind(ts(now))
                .bind(&row.id)
                .execute(&mut *conn)
                .await?;
        }
        let record = ClockRecord {
            id: &row.id,
            item_kind: &row.item_kind,
            item_id: &row.item_id,
            clock: &row.clock,
            policy_kind: v.policy_kind.as_str(),
            policy: serde_json::from_str(&row.policy).unwrap_or_default(),
            calendar_id: row.calendar_id.as_deref(),
            owner_id: row.owner_id.as_deref(),
            started_at: &row.started_at,
            state,
            late_at: late,
            met_at: met,
            breached_at: breached,
            stopped_at: stopped,
        };
        outbox::append(conn, &row.station_id, "item_clock", &row.id, outbox::Op::Upsert, &record, now).await?;
    }
    Ok(views)
}

/// Keeps an order's clocks in step with its status: the initial assessment
/// runs from check-in, the completion notice from the passed quality check.
pub(crate) async fn refresh_order(conn: &mut SqliteConnection, station_id: &str, ro_id: &str, now: DateTime<Utc>) -> Result<Vec<ClockView>> {
    let (advisor, checked_in_at): (String, String) =
        sqlx::query_as("SELECT advisor_id, checked_in_at FROM repair_orders WHERE id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
    if let Some(t) = at(&checked_in_at) {
        start(conn, station_id, ItemKind::RepairOrder, ro_id, ClockName::InitialAssessment, PolicyKind::InitialAssessment, Some(&advisor), t).await?;
    }
    let passed: Option<String> =
        sqlx::query_scalar("SELECT MIN(at) FROM ro_status_events WHERE ro_id = ? AND to_status = 'ready_for_pickup'").bind(ro_id).fetch_one(&mut *conn).await?;
    if let Some(t) = passed.as_deref().and_then(at) {
        start(conn, station_id, ItemKind::RepairOrder, ro_id, ClockName::CompletionNotice, PolicyKind::CompletionNotice, Some(&advisor), t).await?;
    }
    refresh(conn, ItemKind::RepairOrder, ro_id, now).await
}

/// The caller's own deadlines for the top bar.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MyDeadlines {
    /// Running and due within the next hour.
    #[ts(type = "number")]
    pub due_within_hour: i64,
    #[ts(type = "number")]
    pub overdue: i64,
}

pub async fn my_deadlines(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<MyDeadlines> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    // Every screen asks for these each minute: calls past their give-up day end here, not only when the list is opened.
    super::follow_ups::give_up_expired(station, now).await?;
    let (soon, overdue): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(late_at > ?1 AND late_at <= ?2), 0), COALESCE(SUM(late_at <= ?1), 0)
         FROM item_clocks WHERE owner_id = ?3 AND state <> 'stopped' AND late_at IS NOT NULL",
    )
    .bind(ts(now))
    .bind(ts(now + chrono::Duration::hours(1)))
    .bind(&me.id)
    .fetch_one(station.pool())
    .await?;
    Ok(MyDeadlines { due_within_hour: soon, overdue })
}
