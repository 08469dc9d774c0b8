//! The console's complaints across stations: the list of the caller's
//! stations' complaints (overdue first, as of the head office's clock), one
//! complaint, and the head-office notes and instructions a quality manager or
//! administrator adds, which go down to the complaint's station. Reading and
//! writing the records is `store::complaints`; decided here is who sees which
//! complaint (the session's scope: another region's is "not found") and who
//! may add a note (`can_add_note` on every row, from the role matrix).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use ts_rs::TS;
use uuid::Uuid;

use super::audit::{self, Target};
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action};
use super::sessions::ConsoleSession;
use crate::store::complaints::{
    self as store, Author, ComplaintDetail, ComplaintQuery, ComplaintSummary, ComplaintsError, HeadOfficeNote, NoteKind, StatusFilter,
};
use crate::store::kpis::inputs::DEFAULT_TZ;

impl From<ComplaintsError> for ConsoleError {
    fn from(e: ComplaintsError) -> Self {
        match e {
            // The store names its own inputs; the console's query names two of them differently.
            ComplaintsError::Invalid { field, code, message } => ConsoleError::field(
                match field {
                    "received_from" => "from",
                    "received_to" => "to",
                    other => other,
                },
                code,
                message,
            ),
            ComplaintsError::NotFound { what, .. } => ConsoleError::not_found(what),
            ComplaintsError::Db(e) => e.into(),
        }
    }
}

/// `GET …/complaints?status=open|all&overdue=true&station=&category=&from=&to=&offset=&limit=`:
/// taken as text and checked here, so a bad one is named.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ComplaintsQuery {
    /// `open` (default: every complaint not closed) or `all`.
    #[ts(optional, as = "Option<String>")]
    pub status: Option<String>,
    /// `true`: only the overdue ones.
    #[ts(optional, as = "Option<String>")]
    pub overdue: Option<String>,
    /// One station's id.
    #[ts(optional)]
    pub station: Option<String>,
    /// A category id at any level: the complaints filed under it or below it.
    #[ts(optional)]
    pub category: Option<String>,
    /// Received on or after this day, and on or before `to` (`YYYY-MM-DD`, China's days).
    #[ts(optional)]
    pub from: Option<String>,
    #[ts(optional)]
    pub to: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub offset: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub limit: Option<String>,
}

/// A row of the list: the complaint as its station synced it, its clocks as of
/// the head office's clock, and what the caller may do with it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ComplaintRow {
    #[serde(flatten)]
    pub summary: ComplaintSummary,
    pub can_add_note: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ComplaintPage {
    /// Overdue first (longest overdue first), then the newest received.
    pub complaints: Vec<ComplaintRow>,
    /// Matching the filters, on every page.
    #[ts(type = "number")]
    pub total: i64,
    /// Of those, overdue now.
    #[ts(type = "number")]
    pub overdue: i64,
    #[ts(type = "number")]
    pub limit: i64,
    #[ts(type = "number")]
    pub offset: i64,
}

/// One complaint: its station, customer, category path, timeline, clocks and
/// the head office's notes (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ComplaintView {
    #[serde(flatten)]
    pub detail: ComplaintDetail,
    pub can_add_note: bool,
}

/// `POST …/complaints/{station}/{id}/notes`.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewComplaintNote {
    pub kind: NoteKind,
    pub text: String,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn number(field: &'static str, raw: Option<&str>) -> ConsoleResult<Option<i64>> {
    raw.map(|r| r.parse::<i64>().map_err(|_| ConsoleError::field(field, format!("request.{field}"), format!("{field} must be a whole number, not {r:?}"))))
        .transpose()
}

/// The start of `raw`'s day in China's time (the stations' days), or of the day after.
fn day_start(field: &'static str, raw: &str, next: bool) -> ConsoleResult<DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ConsoleError::field(field, "complaint.date", format!("{field} must be a day as YYYY-MM-DD, not {raw:?}")))?;
    let day = if next { day.succ_opt().unwrap_or(day) } else { day };
    let local = DEFAULT_TZ.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN)).earliest();
    local.map(|t| t.with_timezone(&Utc)).ok_or_else(|| ConsoleError::field(field, "complaint.date", format!("{raw} has no start in China's time")))
}

fn store_query(q: &ComplaintsQuery) -> ConsoleResult<ComplaintQuery> {
    let status = match text(&q.status) {
        None | Some("open") => StatusFilter::Open,
        Some("all") => StatusFilter::All,
        Some(other) => return Err(ConsoleError::field("status", "complaint.status", format!("status {other:?} is not open or all"))),
    };
    let overdue_only = match text(&q.overdue) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ConsoleError::field("overdue", "complaint.overdue", format!("overdue {other:?} is not true or false"))),
    };
    // Another region's station needs no check of its own: the scope filters it out, so its list is empty.
    let station_id = text(&q.station)
        .map(|raw| Uuid::parse_str(raw).map_err(|_| ConsoleError::field("station", "complaint.station", format!("station {raw:?} is not a station's id"))))
        .transpose()?;
    let received_from = text(&q.from).map(|d| day_start("from", d, false)).transpose()?;
    let received_to = text(&q.to).map(|d| day_start("to", d, true)).transpose()?;
    Ok(ComplaintQuery {
        station_id,
        status,
        overdue_only,
        category_id: text(&q.category).map(str::to_string),
        received_from,
        received_to,
        limit: number("limit", text(&q.limit))?,
        offset: number("offset", text(&q.offset))?,
    })
}

/// The complaints of the caller's stations matching `q`, overdue first as of `now`.
pub async fn list(pool: &PgPool, session: &ConsoleSession, q: ComplaintsQuery, now: DateTime<Utc>) -> ConsoleResult<ComplaintPage> {
    require(session.user.role, Action::ViewComplaints)?;
    let can_add_note = session.user.role.may(Action::AddComplaintNotes);
    let list = store::list_complaints(pool, session.scope.station_ids(), &store_query(&q)?, now).await?;
    Ok(ComplaintPage {
        complaints: list.complaints.into_iter().map(|summary| ComplaintRow { summary, can_add_note }).collect(),
        total: list.total,
        overdue: list.overdue,
        limit: list.limit,
        offset: list.offset,
    })
}

/// The station `raw` names if the caller sees it; otherwise the complaint is "not found".
fn station(session: &ConsoleSession, raw: &str) -> ConsoleResult<Uuid> {
    Uuid::parse_str(raw.trim()).ok().filter(|id| session.scope.includes(*id)).ok_or_else(|| ConsoleError::not_found("complaint"))
}

/// One complaint of a station in the caller's scope.
pub async fn get(pool: &PgPool, session: &ConsoleSession, station_id: &str, complaint_id: &str, now: DateTime<Utc>) -> ConsoleResult<ComplaintView> {
    require(session.user.role, Action::ViewComplaints)?;
    let id = station(session, station_id)?;
    let detail = store::complaint_detail(pool, session.scope.station_ids(), id, complaint_id, now).await?;
    Ok(ComplaintView { detail, can_add_note: session.user.role.may(Action::AddComplaintNotes) })
}

/// Adds a head-office note or instruction to a complaint; the audit row is
/// written in the note's transaction. The station receives it on its next pull.
pub async fn add_note(
    pool: &PgPool,
    session: &ConsoleSession,
    station_id: &str,
    complaint_id: &str,
    input: NewComplaintNote,
    now: DateTime<Utc>,
) -> ConsoleResult<HeadOfficeNote> {
    require(session.user.role, Action::AddComplaintNotes)?;
    let id = station(session, station_id)?;
    let mut tx = pool.begin().await?;
    // The note carries the name the station shows, as the account reads now.
    let name: Option<String> =
        sqlx::query_scalar("SELECT display_name FROM console_users WHERE user_id = $1").bind(session.user.user_id).fetch_optional(&mut *tx).await?;
    let author = Author { user_id: session.user.user_id, display_name: name.unwrap_or_else(|| session.user.login.clone()) };
    let note = store::write_complaint_note(&mut tx, id, complaint_id, input.kind, &input.text, &author, now).await?;
    let after = serde_json::to_value(&note).map_err(|e| ConsoleError::internal(e.to_string()))?;
    audit::record(&mut tx, &session.actor(), now, "complaint.note", Target { kind: "complaint", id: format!("{id}/{complaint_id}") }, None, Some(after))
        .await?;
    tx.commit().await?;
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_midnight_in_chinas_time_and_the_last_day_counts_whole() {
        let from = day_start("from", "2026-12-01", false).ok();
        let to = day_start("to", "2026-12-01", true).ok();
        assert_eq!(from.map(|t| t.to_rfc3339()), Some("2026-11-30T16:00:00+00:00".to_string()));
        assert_eq!(to.map(|t| t.to_rfc3339()), Some("2026-12-01T16:00:00+00:00".to_string()));
        assert_eq!(day_start("to", "2026-13-01", true).err().and_then(|e| e.field), Some("to".to_string()));
    }
}
