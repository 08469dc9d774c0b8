//! Complaints across stations, for the head office's console: the list (open
//! ones, overdue first, filtered by station, category and time), one
//! complaint with its timeline, and head-office notes and instructions, which
//! go down to the complaint's station in its pull feed.
//!
//! The complaints, their events, compensations and clocks are the stations'
//! own records (`records`, pushed); this module only reads them. A note is a
//! record of its own (`ho_complaint_note`, kind `HeadOffice` in
//! `sync_protocol::entity`) kept under the complaint's station, so its feed
//! carries it (`scope: station`) and no other station's does; a station
//! cannot push one, so nothing a station writes overwrites it, and it never
//! touches the station's complaint or timeline.
//!
//! Overdue is decided here, as of the `now` the caller passes, from each
//! clock's row as the station last synced it: a clock not stopped whose
//! `late_at` (the instant it is or was breached) has passed. The station keeps
//! `late_at` right as time passes (only events move it), so the head office
//! needs no engine to read it. A closed complaint is never overdue (closing
//! stops its clocks), which lets the list skip its clocks.
//!
//! The console's complaint routes (`console::complaints`) call these with the
//! caller's scope (the stations they may see) and author, and the clock as `now`.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use sync_protocol::Hlc;
use ts_rs::TS;
use uuid::Uuid;

use super::changelog;

/// The entity a head-office note syncs as (`sync_protocol::entity::ENTITIES`).
pub const NOTE_ENTITY: &str = "ho_complaint_note";
/// A note is free text like the station's own notes: a page at most.
pub const MAX_NOTE_CHARS: usize = 4000;
/// The most complaints one list page holds.
pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;
/// The node of the HLCs the head office stamps its own records with.
const HLC_NODE: &str = "headoffice";

#[derive(Debug, thiserror::Error)]
pub enum ComplaintsError {
    /// Bad input in `field`.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, code: &'static str, message: String },
    /// Not there, or not among the stations the caller may see; `field` names the input.
    #[error("no such {what}")]
    NotFound { what: &'static str, field: &'static str },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl ComplaintsError {
    fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, code, message: message.into() }
    }

    /// The stable, dotted code (`text.required`, `complaint.not_found`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { code, .. } => code,
            Self::NotFound { what: "station", .. } => "station.not_found",
            Self::NotFound { .. } => "complaint.not_found",
            Self::Db(_) => "server.internal",
        }
    }

    /// The input the error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } | Self::NotFound { field, .. } => Some(field),
            Self::Db(_) => None,
        }
    }
}

type Result<T> = std::result::Result<T, ComplaintsError>;

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

mod notes;
pub use notes::{add_complaint_note, write_complaint_note, Author, HeadOfficeNote, NoteKind};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Every complaint not closed (received, in progress, waiting, escalated, resolved awaiting its callback).
    #[default]
    Open,
    All,
}

/// The list's filters, as the console's query string gives them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplaintQuery {
    /// One station (within the caller's scope).
    pub station_id: Option<Uuid>,
    pub status: StatusFilter,
    pub overdue_only: bool,
    /// A category at any of the three levels: the complaints filed under it or below it.
    pub category_id: Option<String>,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before.
    pub received_to: Option<DateTime<Utc>>,
    /// 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when absent.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A category of the complaint's path, as the station synced it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CategoryName {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A complaint as its station synced it (the station's `complaint` record),
/// read leniently: a field an older station did not send is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ComplaintRecord {
    pub id: String,
    /// `{station}-TS-{yyyymmdd}-{seq}`.
    pub number: String,
    /// open, in_progress, waiting_customer, waiting_parts, escalated, resolved, closed.
    pub status: String,
    /// normal, urgent.
    pub severity: String,
    pub channel: String,
    pub category_id: String,
    /// Top level first; empty when the station's version did not send it.
    pub category_path: Vec<CategoryName>,
    /// The customer's words.
    pub description: String,
    pub customer_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub ro_id: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub received_by: String,
    pub owner_id: String,
    pub received_at: String,
    pub repeat_of_id: Option<String>,
    pub cause: String,
    pub corrective_action: String,
    pub solution: String,
    pub customer_answer: Option<String>,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
}

/// One of a complaint's clocks (first response, resolution, callback) as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ClockDue {
    /// first_response, resolution, callback.
    pub clock: String,
    pub policy_kind: String,
    /// not_started, running, paused, stopped.
    pub state: String,
    /// When it is (or was) breached if nothing pauses it; none while paused within its budget or once stopped.
    pub due_at: Option<String>,
    pub met_at: Option<String>,
    pub breached_at: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "ComplaintStation")]
pub struct StationRef {
    #[ts(type = "string")]
    pub station_id: Uuid,
    pub code: String,
    pub name: String,
}

/// A row of the list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ComplaintSummary {
    pub station: StationRef,
    pub complaint: ComplaintRecord,
    pub owner_name: Option<String>,
    pub clocks: Vec<ClockDue>,
    /// The earliest deadline among the clocks still counting.
    pub due_at: Option<String>,
    pub overdue: bool,
    #[ts(type = "number")]
    pub head_office_notes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintList {
    /// Overdue first (longest overdue first), then the newest received.
    pub complaints: Vec<ComplaintSummary>,
    /// Matching the filters, on every page.
    pub total: i64,
    /// Of those, overdue now.
    pub overdue: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TimelineEntry {
    pub id: String,
    /// received, contact_call, note, findings, … (the station's event kinds).
    pub kind: String,
    pub text: String,
    pub staff_name: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CompensationEntry {
    pub id: String,
    pub kind: String,
    pub description: String,
    #[ts(type = "number")]
    pub value_minor: i64,
    #[ts(type = "number | null")]
    pub days: Option<i64>,
    pub staff_name: Option<String>,
    pub at: String,
}

/// One complaint for the console's complaint page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ComplaintDetail {
    pub summary: ComplaintSummary,
    pub customer_name: Option<String>,
    /// The customer was destroyed past retention, everywhere or by this
    /// complaint's station: `customer_name` is left out, so screens say so in
    /// the reader's language.
    pub customer_destroyed: bool,
    pub plate: Option<String>,
    /// Oldest first, as at the station.
    pub timeline: Vec<TimelineEntry>,
    pub compensations: Vec<CompensationEntry>,
    /// Newest first.
    pub head_office_notes: Vec<HeadOfficeNote>,
}

/// The filters once checked; instants in the stations' text form, which sorts like time.
struct Checked {
    station: Option<Uuid>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: i64,
    offset: i64,
}

fn check(q: &ComplaintQuery) -> Result<Checked> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ComplaintsError::invalid("limit", "request.limit", format!("a page holds 1 to {MAX_LIMIT} complaints")));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ComplaintsError::invalid("offset", "request.offset", "the offset is 0 or more"));
    }
    if let (Some(from), Some(to)) = (q.received_from, q.received_to) {
        if to <= from {
            return Err(ComplaintsError::invalid("received_to", "request.range", "the end of the range comes after its start"));
        }
    }
    let category = q.category_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    Ok(Checked { station: q.station_id, category, from: q.received_from.map(stamp), to: q.received_to.map(stamp), limit, offset })
}

// The list's statement, with the status condition spelled out in each variant
// so PostgreSQL can use the partial indexes of migration 0006 (a condition
// chosen by a bound parameter would hide them from a generic plan). The
// earliest deadline is looked up only for complaints not closed.
macro_rules! list_sql {
    ($status:literal) => {
        concat!(
            "WITH c AS MATERIALIZED (
               SELECT r.station_id, r.entity_id AS id, r.payload, r.payload->>'received_at' AS received_at,
                      CASE WHEN r.payload->>'status' <> 'closed' THEN
                        (SELECT min(k.payload->>'late_at') FROM records k
                         WHERE k.station_id = r.station_id AND k.entity = 'item_clock' AND k.payload->>'item_id' = r.entity_id
                           AND NOT k.deleted AND k.payload->>'state' <> 'stopped')
                      END AS due_at
               FROM records r
               WHERE r.entity = 'complaint' AND NOT r.deleted AND ",
            $status,
            "
                 AND ($1::uuid[] IS NULL OR r.station_id = ANY($1))
                 AND ($2::uuid IS NULL OR r.station_id = $2)
                 AND ($3::text IS NULL OR r.payload->>'category_id' = $3 OR starts_with(r.payload->>'category_id', $3 || '.')
                      OR r.payload->'category_path' @> jsonb_build_array(jsonb_build_object('id', $3::text)))
                 AND ($4::text IS NULL OR r.payload->>'received_at' >= $4)
                 AND ($5::text IS NULL OR r.payload->>'received_at' < $5)
             ),
             d AS (SELECT c.*, COALESCE(c.due_at <= $6, false) AS overdue FROM c),
             f AS (SELECT * FROM d WHERE NOT $7 OR d.overdue),
             t AS (SELECT count(*) AS total, count(*) FILTER (WHERE overdue) AS overdue_total FROM f),
             p AS (SELECT * FROM f ORDER BY overdue DESC, CASE WHEN overdue THEN due_at END, received_at DESC, id LIMIT $8 OFFSET $9)
             SELECT t.total, t.overdue_total, p.station_id, s.code, s.name, p.payload
             FROM t LEFT JOIN (p JOIN stations s USING (station_id)) ON true
             ORDER BY p.overdue DESC, CASE WHEN p.overdue THEN p.due_at END, p.received_at DESC, p.id"
        )
    };
}

const LIST_OPEN: &str = list_sql!("r.payload->>'status' <> 'closed'");
const LIST_ALL: &str = list_sql!("true");

type ListRow = (i64, i64, Option<Uuid>, Option<String>, Option<String>, Option<Json<Value>>);

/// The complaints of the stations in `scope` (`None`: every station) that
/// match `q`: overdue first, then the newest. The console's complaints page
/// calls it with the caller's scope (`console::Scope::station_ids`).
pub async fn list_complaints(pool: &PgPool, scope: Option<&[Uuid]>, q: &ComplaintQuery, now: DateTime<Utc>) -> Result<ComplaintList> {
    let f = check(q)?;
    let sql = match q.status {
        StatusFilter::Open => LIST_OPEN,
        StatusFilter::All => LIST_ALL,
    };
    // The plan is cheap in fact but estimated dear (the payload's fields have
    // no statistics of their own), which would make PostgreSQL compile it with
    // JIT first: most of a second spent before the first row.
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL jit = off").execute(&mut *tx).await?;
    let rows: Vec<ListRow> = sqlx::query_as(sql)
        .bind(scope)
        .bind(f.station)
        .bind(&f.category)
        .bind(&f.from)
        .bind(&f.to)
        .bind(stamp(now))
        .bind(q.overdue_only)
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let (total, overdue) = rows.first().map(|r| (r.0, r.1)).unwrap_or((0, 0));
    let base: Vec<Base> = rows
        .into_iter()
        .filter_map(|(_, _, station_id, code, name, payload)| {
            Some(Base { station: StationRef { station_id: station_id?, code: code?, name: name? }, payload: payload?.0 })
        })
        .collect();
    let complaints = summaries(pool, base, now).await?;
    Ok(ComplaintList { complaints, total, overdue, limit: f.limit, offset: f.offset })
}

/// One complaint of `station_id` with its timeline, compensations and
/// head-office notes; not found outside `scope`. The console's complaint page calls it.
pub async fn complaint_detail(pool: &PgPool, scope: Option<&[Uuid]>, station_id: Uuid, complaint_id: &str, now: DateTime<Utc>) -> Result<ComplaintDetail> {
    let row: Option<(String, String, Json<Value>)> = sqlx::query_as(
        "SELECT s.code, s.name, r.payload FROM records r JOIN stations s USING (station_id)
         WHERE r.station_id = $1 AND r.entity = 'complaint' AND r.entity_id = $2 AND NOT r.deleted AND ($3::uuid[] IS NULL OR r.station_id = ANY($3))",
    )
    .bind(station_id)
    .bind(complaint_id)
    .bind(scope)
    .fetch_optional(pool)
    .await?;
    let Some((code, name, payload)) = row else {
        return Err(ComplaintsError::NotFound { what: "complaint", field: "complaint_id" });
    };
    let base = Base { station: StationRef { station_id, code, name }, payload: payload.0 };
    let summary = summaries(pool, vec![base], now).await?.pop().ok_or(ComplaintsError::NotFound { what: "complaint", field: "complaint_id" })?;
    let c = &summary.complaint;
    // Destroyed everywhere, or by this complaint's station while the head office
    // keeps the record for another station: either way not this station's to show.
    let names: Option<(Option<String>, Option<String>, bool, bool)> = sqlx::query_as(
        "SELECT (SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1),
                (SELECT fields->>'plate' FROM shared_records WHERE entity = 'vehicle' AND entity_id = $2),
                EXISTS (SELECT 1 FROM destroyed_shared WHERE entity = 'customer' AND entity_id = $1)
                OR EXISTS (SELECT 1 FROM records x WHERE x.station_id = $3 AND x.entity = 'destruction'
                             AND x.payload->'customers' @> jsonb_build_array($1::text)),
                EXISTS (SELECT 1 FROM records x WHERE x.station_id = $3 AND x.entity = 'destruction'
                          AND x.payload->'vehicles' @> jsonb_build_array($2::text))",
    )
    .bind(&c.customer_id)
    .bind(&c.vehicle_id)
    .bind(station_id)
    .fetch_optional(pool)
    .await?;
    let (customer_name, plate, customer_destroyed, vehicle_destroyed) = names.unwrap_or_default();
    let customer_name = customer_name.filter(|_| !customer_destroyed);
    let plate = plate.filter(|_| !vehicle_destroyed);
    let children: Vec<(String, String, Json<Value>, Option<String>)> = sqlx::query_as(
        "SELECT r.entity, r.entity_id, r.payload, st.payload->>'name' FROM records r
         LEFT JOIN records st ON st.station_id = r.station_id AND st.entity = 'staff' AND st.entity_id = r.payload->>'staff_id'
         WHERE r.station_id = $1 AND r.entity IN ('complaint_event', 'complaint_compensation', 'ho_complaint_note')
           AND r.payload->>'complaint_id' = $2 AND NOT r.deleted",
    )
    .bind(station_id)
    .bind(complaint_id)
    .fetch_all(pool)
    .await?;
    let text = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (mut timeline, mut compensations, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let mut event_seq: HashMap<String, i64> = HashMap::new();
    for (entity, id, Json(p), staff_name) in children {
        match entity.as_str() {
            "complaint_event" => {
                event_seq.insert(id.clone(), p.get("seq").and_then(Value::as_i64).unwrap_or(0));
                timeline.push(TimelineEntry { kind: text(&p, "kind"), text: text(&p, "text"), at: text(&p, "at"), id, staff_name });
            }
            "complaint_compensation" => compensations.push(CompensationEntry {
                kind: text(&p, "kind"),
                description: text(&p, "description"),
                value_minor: p.get("value_minor").and_then(Value::as_i64).unwrap_or(0),
                days: p.get("days").and_then(Value::as_i64),
                at: text(&p, "at"),
                id,
                staff_name,
            }),
            _ => match serde_json::from_value::<HeadOfficeNote>(p) {
                Ok(n) => notes.push(n),
                Err(e) => tracing::warn!(note = %id, "a head-office note that does not read: {e}"),
            },
        }
    }
    // The station's order: by time, then its sequence.
    timeline.sort_by(|a, b| (&a.at, event_seq.get(&a.id)).cmp(&(&b.at, event_seq.get(&b.id))));
    compensations.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
    notes.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    Ok(ComplaintDetail { summary, customer_name, customer_destroyed, plate, timeline, compensations, head_office_notes: notes })
}

/// A complaint record and its station, before its clocks, owner and notes are read.
struct Base {
    station: StationRef,
    payload: Value,
}

type ClockRow = (Uuid, String, Json<Value>);

/// The rows with their clocks (as of `now`), owner's name and note count, in
/// three statements for the whole page.
async fn summaries(pool: &PgPool, base: Vec<Base>, now: DateTime<Utc>) -> Result<Vec<ComplaintSummary>> {
    if base.is_empty() {
        return Ok(Vec::new());
    }
    let records: Vec<ComplaintRecord> = base
        .iter()
        .map(|b| {
            serde_json::from_value(b.payload.clone()).unwrap_or_else(|e| {
                tracing::warn!(station = %b.station.code, "a complaint record that does not read: {e}");
                ComplaintRecord { id: b.payload.get("id").and_then(Value::as_str).unwrap_or_default().to_string(), ..Default::default() }
            })
        })
        .collect();
    let stations: Vec<Uuid> = base.iter().map(|b| b.station.station_id).collect();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let owners: Vec<&str> = records.iter().map(|r| r.owner_id.as_str()).collect();
    let clock_rows: Vec<ClockRow> = sqlx::query_as(
        "SELECT k.station_id, k.payload->>'item_id', k.payload FROM records k
         JOIN UNNEST($1::uuid[], $2::text[]) AS u(s, i) ON k.station_id = u.s AND k.payload->>'item_id' = u.i
         WHERE k.entity = 'item_clock' AND NOT k.deleted",
    )
    .bind(&stations)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let extra: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT (SELECT st.payload->>'name' FROM records st WHERE st.station_id = u.s AND st.entity = 'staff' AND st.entity_id = u.o),
                (SELECT count(*) FROM records n WHERE n.station_id = u.s AND n.entity = 'ho_complaint_note' AND n.payload->>'complaint_id' = u.i)
         FROM UNNEST($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS u(s, i, o, n) ORDER BY u.n",
    )
    .bind(&stations)
    .bind(&ids)
    .bind(&owners)
    .fetch_all(pool)
    .await?;
    let mut clocks: HashMap<(Uuid, String), Vec<ClockDue>> = HashMap::new();
    for (station, item, Json(p)) in clock_rows {
        clocks.entry((station, item)).or_default().push(clock_due(&p, now));
    }
    let out = base
        .into_iter()
        .zip(records)
        .zip(extra)
        .map(|((b, complaint), (owner_name, notes))| {
            let mut clocks = clocks.remove(&(b.station.station_id, complaint.id.clone())).unwrap_or_default();
            clocks.sort_by_key(|c| clock_order(&c.clock));
            let open = complaint.status != "closed";
            let due_at = if open { clocks.iter().filter(|c| c.state != "stopped").filter_map(|c| c.due_at.clone()).min() } else { None };
            let overdue = open && clocks.iter().any(|c| c.overdue);
            ComplaintSummary { station: b.station, complaint, owner_name, clocks, due_at, overdue, head_office_notes: notes }
        })
        .collect();
    Ok(out)
}

fn clock_order(name: &str) -> u8 {
    match name {
        "first_response" => 0,
        "resolution" => 1,
        "callback" => 2,
        _ => 3,
    }
}

/// A clock's row as the station synced it, read as of `now`.
fn clock_due(p: &Value, now: DateTime<Utc>) -> ClockDue {
    let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let state = s("state").unwrap_or_default();
    let counting = state != "stopped";
    let due_at = s("late_at").filter(|_| counting);
    let past = |t: &str| DateTime::parse_from_rfc3339(t).is_ok_and(|t| t <= now);
    ClockDue {
        clock: s("clock").unwrap_or_default(),
        policy_kind: s("policy_kind").unwrap_or_default(),
        overdue: due_at.as_deref().is_some_and(past),
        due_at,
        met_at: s("met_at"),
        breached_at: s("breached_at"),
        state,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_clock_is_overdue_once_its_due_time_has_passed_unless_it_has_stopped() {
        let now = at("2026-12-05T10:00:00Z");
        let running = json!({"clock": "resolution", "state": "running", "late_at": "2026-12-05T09:59:59.000Z"});
        assert!(clock_due(&running, now).overdue);
        let later = json!({"clock": "resolution", "state": "running", "late_at": "2026-12-05T10:00:01.000Z"});
        assert!(!clock_due(&later, now).overdue);
        let paused_late = json!({"clock": "resolution", "state": "paused", "late_at": "2026-12-04T09:00:00.000Z", "breached_at": "2026-12-04T09:00:00.000Z"});
        assert!(clock_due(&paused_late, now).overdue, "breached and still not done");
        let stopped = json!({"clock": "first_response", "state": "stopped", "late_at": "2026-12-04T09:00:00.000Z", "breached_at": "2026-12-04T09:00:00.000Z"});
        let read = clock_due(&stopped, now);
        assert!(!read.overdue && read.due_at.is_none(), "done late is late, not overdue: {read:?}");
    }

    #[test]
    fn bad_filters_name_their_field() {
        let q = ComplaintQuery { limit: Some(0), ..Default::default() };
        assert_eq!(check(&q).err().and_then(|e| e.field()), Some("limit"));
        let q = ComplaintQuery { offset: Some(-1), ..Default::default() };
        assert_eq!(check(&q).err().and_then(|e| e.field()), Some("offset"));
        let q = ComplaintQuery { received_from: Some(at("2026-12-05T00:00:00Z")), received_to: Some(at("2026-12-01T00:00:00Z")), ..Default::default() };
        assert_eq!(check(&q).err().and_then(|e| e.field()), Some("received_to"));
        let q = ComplaintQuery { category_id: Some("  ".into()), ..Default::default() };
        assert_eq!(check(&q).unwrap().category, None, "an empty category is no filter");
    }
}
