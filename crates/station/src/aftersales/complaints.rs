//! The complaint ledger (投诉处理台账). A complaint is received (channel, the
//! customer's words, customer/vehicle/order where known, severity, a
//! third-level category) and owned by whoever received it (首问负责制) until
//! handed over with a reason. Its timeline holds contacts with the customer
//! and internal notes; only a contact is a response. It runs two clocks from
//! the start, first response and resolution (waiting for the customer or for
//! parts pauses resolution), and a third, the callback, once resolved.
//! Resolving needs the customer told and their answer: accepted → resolved
//! (callback due), not accepted → escalated to the manager. The callback
//! closes it; a closed complaint can be reopened and its clocks continue.
//! Every change is one `complaint_step`; each complaint read carries the steps
//! the caller may take now (`actions`). The ledger's list is `ledger.rs`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::categories::{self, Category};
use super::clocks::{self, ClockName, ClockView, ItemKind};
use super::policies::PolicyKind;
use super::{text, who, Who};
use crate::auth::{Caller, Permission, Role, StaffRef};
use crate::domain::Money;
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

/// A new complaint from the same customer or vehicle within this many days is a repeat.
pub const REPEAT_WINDOW_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ComplaintChannel {
    Phone,
    WalkIn,
    Online,
    Email,
    HeadOffice,
    /// 12315, the consumer association.
    ConsumerAssociation,
}

impl ComplaintChannel {
    fn as_str(self) -> &'static str {
        match self {
            ComplaintChannel::Phone => "phone",
            ComplaintChannel::WalkIn => "walk_in",
            ComplaintChannel::Online => "online",
            ComplaintChannel::Email => "email",
            ComplaintChannel::HeadOffice => "head_office",
            ComplaintChannel::ConsumerAssociation => "consumer_association",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ComplaintSeverity {
    Normal,
    Urgent,
}

impl ComplaintSeverity {
    fn as_str(self) -> &'static str {
        match self {
            ComplaintSeverity::Normal => "normal",
            ComplaintSeverity::Urgent => "urgent",
        }
    }

    fn first_response_policy(self) -> PolicyKind {
        match self {
            ComplaintSeverity::Normal => PolicyKind::ComplaintFirstResponse,
            ComplaintSeverity::Urgent => PolicyKind::UrgentFirstResponse,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Received, nobody has contacted the customer yet.
    Open,
    InProgress,
    WaitingCustomer,
    WaitingParts,
    /// The customer did not accept the solution: the manager's now.
    Escalated,
    /// Accepted; the callback is due.
    Resolved,
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 7] = [
        ComplaintStatus::Open,
        ComplaintStatus::InProgress,
        ComplaintStatus::WaitingCustomer,
        ComplaintStatus::WaitingParts,
        ComplaintStatus::Escalated,
        ComplaintStatus::Resolved,
        ComplaintStatus::Closed,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Open => "open",
            ComplaintStatus::InProgress => "in_progress",
            ComplaintStatus::WaitingCustomer => "waiting_customer",
            ComplaintStatus::WaitingParts => "waiting_parts",
            ComplaintStatus::Escalated => "escalated",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Closed => "closed",
        }
    }

    fn waiting(self) -> bool {
        matches!(self, ComplaintStatus::WaitingCustomer | ComplaintStatus::WaitingParts)
    }

    /// Still being handled: contacts, findings and compensation can be added.
    fn handling(self) -> bool {
        matches!(self, ComplaintStatus::Open | ComplaintStatus::InProgress | ComplaintStatus::Escalated) || self.waiting()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactMode {
    /// A call that reached the customer.
    Call,
    Visit,
    /// A message sent (SMS, WeChat, e-mail).
    Message,
}

impl ContactMode {
    fn event_kind(self) -> &'static str {
        match self {
            ContactMode::Call => "contact_call",
            ContactMode::Visit => "contact_visit",
            ContactMode::Message => "contact_message",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum CompensationKind {
    /// 代步车, valued and counted in days.
    CourtesyCar,
    /// 服务券.
    Voucher,
    Refund,
    FreeRepair,
    GoodwillParts,
}

impl CompensationKind {
    fn as_str(self) -> &'static str {
        match self {
            CompensationKind::CourtesyCar => "courtesy_car",
            CompensationKind::Voucher => "voucher",
            CompensationKind::Refund => "refund",
            CompensationKind::FreeRepair => "free_repair",
            CompensationKind::GoodwillParts => "goodwill_parts",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WaitingFor {
    Customer,
    Parts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum CustomerAnswer {
    Accepted,
    NotAccepted,
}

/// One change to a complaint. Its `kind` is also what `actions` lists.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A logged contact with the customer: the first one is the first response.
    Contact {
        mode: ContactMode,
        text: String,
    },
    /// An internal note: never a response.
    Note {
        text: String,
    },
    /// The cause found, the corrective action, the solution offered.
    Findings {
        cause: String,
        corrective_action: String,
        solution: String,
    },
    /// A new category or severity; elapsed time carries over to the new limit.
    Reclassify {
        category_id: String,
        severity: ComplaintSeverity,
    },
    HandOver {
        to_staff_id: String,
        reason: String,
    },
    /// Waiting for the customer or for parts: resolution time stops counting.
    Wait {
        waiting_for: WaitingFor,
        text: String,
    },
    Resume {
        text: String,
    },
    Compensate {
        compensation: CompensationKind,
        #[serde(default)]
        description: String,
        value: Money,
        /// Courtesy car only.
        #[serde(default)]
        #[ts(optional, type = "number")]
        days: Option<i64>,
        /// Above the station's threshold a manager approves with their PIN (a manager's own entry needs none).
        #[serde(default)]
        #[ts(optional)]
        manager_pin: Option<String>,
    },
    /// The customer told of the result, and their answer.
    Resolve {
        told_by: ContactMode,
        answer: CustomerAnswer,
        text: String,
    },
    /// The callback after resolution: reached closes the complaint.
    Callback {
        reached: bool,
        text: String,
    },
    Reopen {
        text: String,
    },
}

/// What the caller may do to a complaint now (a `Step`'s kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintAction {
    Contact,
    Note,
    Findings,
    Reclassify,
    HandOver,
    Wait,
    Resume,
    Compensate,
    Resolve,
    Callback,
    Reopen,
    Print,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Complaint {
    pub id: String,
    pub number: String,
    pub status: ComplaintStatus,
    pub severity: ComplaintSeverity,
    pub channel: ComplaintChannel,
    pub category_id: String,
    pub description: String,
    pub customer_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub ro_id: Option<String>,
    pub follow_up_id: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub received_by: String,
    pub owner_id: String,
    pub received_at: String,
    pub repeat_of_id: Option<String>,
    pub cause: String,
    pub corrective_action: String,
    pub solution: String,
    pub customer_answer: Option<CustomerAnswer>,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

const SELECT_COMPLAINT: &str = "SELECT id, number, status, severity, channel, category_id, description, customer_id, vehicle_id, ro_id, follow_up_id,
        contact_name, contact_phone, received_by, owner_id, received_at, repeat_of_id, cause, corrective_action, solution, customer_answer,
        first_response_at, resolved_at, closed_at, version FROM complaints WHERE id = ?";

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct TimelineEntry {
    pub id: String,
    /// received, contact_call, contact_visit, contact_message, note, findings, reclassified, handed_over,
    /// waiting, resumed, compensation, escalated, resolved, callback, callback_missed, reopened.
    pub kind: String,
    pub text: String,
    pub staff_name: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Compensation {
    pub id: String,
    pub kind: CompensationKind,
    pub description: String,
    #[sqlx(try_from = "i64")]
    pub value: Money,
    #[ts(type = "number | null")]
    pub days: Option<i64>,
    pub approved_by_name: Option<String>,
    pub staff_name: String,
    pub at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum HeadOfficeNoteKind {
    /// For information.
    Note,
    /// Something the station is asked to do.
    Instruction,
}

/// A note or instruction the head office (its quality manager) wrote on the
/// complaint (总部意见). It came with the pull and is read-only here: it is not
/// part of the station's timeline, and nothing the station does changes it.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct HeadOfficeNote {
    pub id: String,
    pub kind: HeadOfficeNoteKind,
    pub text: String,
    pub author_name: String,
    /// When the head office wrote it.
    pub created_at: String,
}

/// The complaint's page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComplaintDetail {
    pub complaint: Complaint,
    /// Top level first.
    pub category: Vec<Category>,
    pub clocks: Vec<ClockView>,
    pub timeline: Vec<TimelineEntry>,
    pub compensations: Vec<Compensation>,
    /// From the head office, newest first.
    pub head_office_notes: Vec<HeadOfficeNote>,
    pub owner_name: String,
    pub received_by_name: String,
    pub customer_name: Option<String>,
    pub plate: Option<String>,
    pub ro_number: Option<String>,
    pub repeat_of_number: Option<String>,
    /// Later complaints that are repeats of this one.
    pub repeats: Vec<String>,
    /// What the caller may do now.
    pub actions: Vec<ComplaintAction>,
    /// People it can be handed to (empty unless the caller may hand it over).
    pub assignable: Vec<crate::auth::staff::StaffInfo>,
    /// Compensation above this needs a manager's PIN (unless the caller is a manager).
    pub approval_threshold: Money,
    pub needs_manager_pin: bool,
}

async fn load(conn: &mut SqliteConnection, id: &str) -> Result<Complaint> {
    sqlx::query_as::<_, Complaint>(SELECT_COMPLAINT)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("complaint").with_field("complaint_id"))
}

fn actions_for(c: &Complaint, me: &StaffRef) -> Vec<ComplaintAction> {
    use ComplaintAction::*;
    let manager = me.role == Role::Manager;
    let mine = c.owner_id == me.id || manager;
    let mut out = vec![Print];
    if !mine {
        return out;
    }
    let s = c.status;
    // An escalated complaint is the manager's to settle; the owner still keeps notes.
    let acts = s.handling() && (s != ComplaintStatus::Escalated || manager);
    if acts {
        out.extend([Contact, Findings, Reclassify, HandOver, Compensate, Resolve]);
        // Waiting for the customer can turn into waiting for parts: the clock stays paused, counted once.
        out.push(Wait);
        if s.waiting() {
            out.push(Resume);
        }
    }
    out.push(Note);
    match s {
        ComplaintStatus::Resolved => out.extend([Callback, Reopen]),
        ComplaintStatus::Closed => out.push(Reopen),
        _ => {}
    }
    out
}

async fn detail(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<ComplaintDetail> {
    let complaint = load(conn, id).await?;
    // Its path as filed, retired entries included: deactivating a category must not blank the complaints under it.
    let category = categories::chain(conn, &complaint.category_id).await?.unwrap_or_default();
    let clocks = clocks::read_item(conn, ItemKind::Complaint, id, now).await?;
    let timeline: Vec<TimelineEntry> = sqlx::query_as(
        "SELECT e.id, e.kind, e.text, s.name AS staff_name, e.at FROM complaint_events e LEFT JOIN staff s ON s.id = e.staff_id
         WHERE e.complaint_id = ? ORDER BY e.at, e.seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let compensations: Vec<Compensation> = sqlx::query_as(
        "SELECT x.id, x.kind, x.description, x.value_minor AS value, x.days, a.name AS approved_by_name, s.name AS staff_name, x.at
         FROM complaint_compensations x JOIN staff s ON s.id = x.staff_id LEFT JOIN staff a ON a.id = x.approved_by WHERE x.complaint_id = ? ORDER BY x.at, x.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let head_office_notes: Vec<HeadOfficeNote> = sqlx::query_as(
        "SELECT id, kind, text, author_name, created_at FROM ho_complaint_notes WHERE complaint_id = ? ORDER BY created_at DESC, id DESC",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let name_of = |sid: &str| sqlx::query_scalar::<_, String>("SELECT name FROM staff WHERE id = ?").bind(sid.to_string());
    let owner_name = name_of(&complaint.owner_id).fetch_one(&mut *conn).await?;
    let received_by_name = name_of(&complaint.received_by).fetch_one(&mut *conn).await?;
    let customer_name: Option<String> = match &complaint.customer_id {
        Some(cid) => sqlx::query_scalar("SELECT name FROM customers WHERE id = ?").bind(cid).fetch_optional(&mut *conn).await?,
        None => None,
    };
    let plate: Option<String> = match &complaint.vehicle_id {
        Some(v) => sqlx::query_scalar("SELECT plate FROM vehicles WHERE id = ?").bind(v).fetch_optional(&mut *conn).await?.flatten(),
        None => None,
    };
    let ro_number: Option<String> = match &complaint.ro_id {
        Some(r) => sqlx::query_scalar("SELECT number FROM repair_orders WHERE id = ?").bind(r).fetch_optional(&mut *conn).await?,
        None => None,
    };
    let repeat_of_number: Option<String> = match &complaint.repeat_of_id {
        Some(r) => sqlx::query_scalar("SELECT number FROM complaints WHERE id = ?").bind(r).fetch_optional(&mut *conn).await?,
        None => None,
    };
    let repeats: Vec<String> =
        sqlx::query_scalar("SELECT number FROM complaints WHERE repeat_of_id = ? ORDER BY received_at").bind(id).fetch_all(&mut *conn).await?;
    let actions = actions_for(&complaint, me);
    let assignable = if actions.contains(&ComplaintAction::HandOver) { crate::auth::staff::active_desk_staff(conn).await? } else { vec![] };
    let threshold: i64 = sqlx::query_scalar("SELECT compensation_approval_minor FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or(50_000);
    Ok(ComplaintDetail {
        complaint,
        category,
        clocks,
        timeline,
        compensations,
        head_office_notes,
        owner_name,
        received_by_name,
        customer_name,
        plate,
        ro_number,
        repeat_of_number,
        repeats,
        actions,
        assignable,
        approval_threshold: Money::from_minor(threshold),
        needs_manager_pin: me.role != Role::Manager,
    })
}

pub async fn get_complaint(station: &Station, caller: &Caller, input: crate::ops::IdInput) -> Result<ComplaintDetail> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    detail(&mut conn, &input.id, me, station.now()).await
}

/// Appends a timeline event (in the caller's transaction) with its outbox row.
async fn event(
    conn: &mut SqliteConnection,
    me: &StaffRef,
    complaint_id: &str,
    kind: &str,
    text: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM complaint_events WHERE complaint_id = ?").bind(complaint_id).fetch_one(&mut *conn).await?;
    let id = new_id();
    let data_text = data.to_string();
    sqlx::query(
        "INSERT INTO complaint_events (id, station_id, complaint_id, seq, kind, text, data, staff_id, at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(complaint_id)
    .bind(seq)
    .bind(kind)
    .bind(text)
    .bind(&data_text)
    .bind(&me.id)
    .bind(ts(now))
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    let record = json!({"id": id, "complaint_id": complaint_id, "seq": seq, "kind": kind, "text": text, "data": data, "staff_id": me.id, "at": ts(now)});
    outbox::append(conn, &me.station_id, "complaint_event", &id, outbox::Op::Upsert, &record, now).await
}

/// A category of a synced complaint's path.
#[derive(Serialize)]
struct CategoryName {
    id: String,
    name_zh: String,
    name_en: String,
}

/// The complaint as it syncs: its row, and its category's path with the
/// names, so the head office can show and filter complaints by category at
/// any level without this station's tree (its own entries are only here).
#[derive(Serialize)]
struct ComplaintRecord {
    #[serde(flatten)]
    complaint: Complaint,
    category_path: Vec<CategoryName>,
}

/// The complaint row as it syncs, then its clocks re-read.
async fn send(conn: &mut SqliteConnection, station_id: &str, id: &str, now: DateTime<Utc>) -> Result<()> {
    let complaint = load(conn, id).await?;
    let path = categories::chain(conn, &complaint.category_id).await?.unwrap_or_default();
    let category_path = path.into_iter().map(|k| CategoryName { id: k.id, name_zh: k.name_zh, name_en: k.name_en }).collect();
    let record = ComplaintRecord { complaint, category_path };
    outbox::append(conn, station_id, "complaint", id, outbox::Op::Upsert, &record, now).await?;
    clocks::refresh(conn, ItemKind::Complaint, id, now).await?;
    Ok(())
}

async fn next_number(conn: &mut SqliteConnection, now: DateTime<Utc>) -> Result<String> {
    let (code, offset): (String, i64) = sqlx::query_as("SELECT code, utc_offset_minutes FROM station LIMIT 1").fetch_one(&mut *conn).await?;
    let day = (now + Duration::minutes(offset)).format("%Y%m%d").to_string();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO complaint_sequences (day, last_seq) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
    )
    .bind(&day)
    .fetch_one(&mut *conn)
    .await?;
    Ok(format!("{code}-TS-{day}-{seq:03}"))
}

/// What opening a complaint needs, however it arrives (intake or a follow-up call).
#[derive(Debug, Clone)]
pub(crate) struct NewComplaintIn {
    pub description: String,
    pub category_id: String,
    pub severity: ComplaintSeverity,
}

struct Opening<'a> {
    input: NewComplaintIn,
    channel: ComplaintChannel,
    customer_id: Option<String>,
    vehicle_id: Option<String>,
    ro_id: Option<String>,
    follow_up_id: Option<&'a str>,
    contact_name: String,
    contact_phone: String,
}

async fn insert(conn: &mut SqliteConnection, me: &StaffRef, o: Opening<'_>, now: DateTime<Utc>) -> Result<String> {
    categories::path_of(conn, &o.input.category_id, "category_id").await?;
    let number = next_number(conn, now).await?;
    let since = ts(now - Duration::days(REPEAT_WINDOW_DAYS));
    let repeat_of: Option<String> = sqlx::query_scalar(
        "SELECT id FROM complaints WHERE received_at >= ?1 AND ((?2 IS NOT NULL AND customer_id = ?2) OR (?3 IS NOT NULL AND vehicle_id = ?3))
         ORDER BY received_at DESC LIMIT 1",
    )
    .bind(&since)
    .bind(&o.customer_id)
    .bind(&o.vehicle_id)
    .fetch_optional(&mut *conn)
    .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO complaints (id, station_id, number, channel, severity, category_id, status, description, customer_id, vehicle_id, ro_id, follow_up_id,
                                 contact_name, contact_phone, received_by, owner_id, received_at, repeat_of_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(&number)
    .bind(o.channel.as_str())
    .bind(o.input.severity.as_str())
    .bind(&o.input.category_id)
    .bind(&o.input.description)
    .bind(&o.customer_id)
    .bind(&o.vehicle_id)
    .bind(&o.ro_id)
    .bind(o.follow_up_id)
    .bind(&o.contact_name)
    .bind(&o.contact_phone)
    .bind(&me.id)
    .bind(&me.id)
    .bind(ts(now))
    .bind(&repeat_of)
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    let kind = o.input.severity.first_response_policy();
    clocks::start(conn, &me.station_id, ItemKind::Complaint, &id, ClockName::FirstResponse, kind, Some(&me.id), now).await?;
    clocks::start(conn, &me.station_id, ItemKind::Complaint, &id, ClockName::Resolution, PolicyKind::ComplaintResolution, Some(&me.id), now).await?;
    event(conn, me, &id, "received", &o.input.description, json!({"channel": o.channel.as_str(), "repeat_of_id": repeat_of}), now).await?;
    clocks::queue_new(conn, ItemKind::Complaint, &id, now).await?;
    send(conn, &me.station_id, &id, now).await?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewComplaint {
    pub channel: ComplaintChannel,
    pub severity: ComplaintSeverity,
    pub category_id: String,
    /// The customer's words.
    pub description: String,
    #[serde(default)]
    #[ts(optional)]
    pub customer_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub vehicle_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub ro_id: Option<String>,
    /// Who complained, when no customer record is linked (or someone on their behalf).
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// Receives a complaint: the one receiving it owns it (首问负责制).
pub async fn open_complaint(station: &Station, caller: &Caller, input: NewComplaint) -> Result<ComplaintDetail> {
    let me = caller.require(Permission::Read)?;
    let description = text("description", &input.description, true)?;
    let contact_name = text("contact_name", &input.contact_name, false)?;
    let contact_phone = text("contact_phone", &input.contact_phone, false)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let (mut customer_id, mut vehicle_id) = (input.customer_id.clone().filter(|s| !s.is_empty()), input.vehicle_id.clone().filter(|s| !s.is_empty()));
    let ro_id = input.ro_id.clone().filter(|s| !s.is_empty());
    if let Some(ro) = &ro_id {
        let (c, v): (String, String) = sqlx::query_as("SELECT customer_id, vehicle_id FROM repair_orders WHERE id = ?")
            .bind(ro)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| ApiError::not_found("repair order").with_field("ro_id"))?;
        customer_id.get_or_insert(c);
        vehicle_id.get_or_insert(v);
    }
    let nobody = Invalid::new("complaint.who", "who is complaining? link the customer or write their name");
    let Who { customer_id, vehicle_id, contact_name } = who(&mut tx, customer_id, vehicle_id, contact_name, nobody).await?;
    let opening = Opening {
        input: NewComplaintIn { description, category_id: input.category_id.clone(), severity: input.severity },
        channel: input.channel,
        customer_id,
        vehicle_id,
        ro_id,
        follow_up_id: None,
        contact_name,
        contact_phone,
    };
    let id = insert(&mut tx, me, opening, now).await?;
    let out = detail(&mut tx, &id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// A complaint raised on a follow-up call (or its low score), in the call's transaction.
pub(crate) async fn open_from_follow_up(
    conn: &mut SqliteConnection,
    me: &StaffRef,
    follow_up_id: &str,
    ro_id: &str,
    input: NewComplaintIn,
    now: DateTime<Utc>,
) -> Result<String> {
    // Named as the call form names it (`insert` would say `category_id`, a field the form does not have).
    categories::path_of(conn, &input.category_id, "complaint.category_id").await?;
    let (customer_id, vehicle_id, name): (String, String, String) =
        sqlx::query_as("SELECT r.customer_id, r.vehicle_id, c.name FROM repair_orders r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?")
            .bind(ro_id)
            .fetch_one(&mut *conn)
            .await?;
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position LIMIT 1")
        .bind(&customer_id)
        .fetch_optional(&mut *conn)
        .await?;
    let opening = Opening {
        input: NewComplaintIn { category_id: input.category_id.clone(), ..input },
        channel: ComplaintChannel::Phone,
        customer_id: Some(customer_id),
        vehicle_id: Some(vehicle_id),
        ro_id: Some(ro_id.to_string()),
        follow_up_id: Some(follow_up_id),
        contact_name: name,
        contact_phone: phone.unwrap_or_default(),
    };
    let id = insert(conn, me, opening, now).await?;
    // The follow-up call itself reached the customer: that is the first response.
    event(conn, me, &id, "contact_call", "", json!({"via": "follow_up", "follow_up_id": follow_up_id}), now).await?;
    set_status(conn, &id, ComplaintStatus::InProgress, now).await?;
    sqlx::query("UPDATE complaints SET first_response_at = COALESCE(first_response_at, ?) WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *conn).await?;
    send(conn, &me.station_id, &id, now).await?;
    Ok(id)
}

async fn set_status(conn: &mut SqliteConnection, id: &str, status: ComplaintStatus, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?").bind(status.as_str()).bind(ts(now)).bind(id).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ComplaintStep {
    pub complaint_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub step: Step,
}

fn step_action(step: &Step) -> ComplaintAction {
    match step {
        Step::Contact { .. } => ComplaintAction::Contact,
        Step::Note { .. } => ComplaintAction::Note,
        Step::Findings { .. } => ComplaintAction::Findings,
        Step::Reclassify { .. } => ComplaintAction::Reclassify,
        Step::HandOver { .. } => ComplaintAction::HandOver,
        Step::Wait { .. } => ComplaintAction::Wait,
        Step::Resume { .. } => ComplaintAction::Resume,
        Step::Compensate { .. } => ComplaintAction::Compensate,
        Step::Resolve { .. } => ComplaintAction::Resolve,
        Step::Callback { .. } => ComplaintAction::Callback,
        Step::Reopen { .. } => ComplaintAction::Reopen,
    }
}

/// Refused unless the step is among the complaint's `actions` for `me`: not the owner, or not now.
fn may_take(c: &Complaint, me: &StaffRef, step: &Step) -> Result<()> {
    let action = step_action(step);
    if !actions_for(c, me).contains(&action) {
        let why = if c.owner_id != me.id && me.role != Role::Manager {
            ApiError::forbidden("complaint.not_owner", "only the complaint's owner or a manager can do this")
        } else {
            ApiError::conflict("complaint.not_now", format!("a {} complaint cannot do that now", c.status.as_str().replace('_', " ")))
        };
        return Err(why);
    }
    Ok(())
}

/// Takes one step on a complaint (see [`Step`]); the caller must be offered it in `actions`.
pub async fn complaint_step(station: &Station, caller: &Caller, input: ComplaintStep) -> Result<ComplaintDetail> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    // Who may take the step is checked before a manager's PIN, so a refused step costs no PIN attempt;
    // the PIN before the write lock, since argon2 is slow and a wrong PIN writes nothing.
    may_take(&load(&mut *station.pool().acquire().await?, &input.complaint_id).await?, me, &input.step)?;
    let approver = match &input.step {
        Step::Compensate { value, manager_pin, .. } if me.role != Role::Manager => {
            let threshold: i64 = sqlx::query_scalar("SELECT compensation_approval_minor FROM station LIMIT 1").fetch_one(station.pool()).await?;
            match manager_pin.as_deref().filter(|p| !p.is_empty()) {
                _ if value.minor() <= threshold => None,
                Some(pin) => Some(crate::auth::lockout::manager_by_pin(station, me, pin, "step.manager_pin").await?),
                None => {
                    return Err(ApiError::field(
                        "step.manager_pin",
                        Invalid::new("complaint.needs_approval", format!("compensation above {} needs a manager's PIN", Money::from_minor(threshold))),
                    ))
                }
            }
        }
        Step::Compensate { .. } => Some(me.id.clone()),
        _ => None,
    };
    let mut tx = db::write_tx(station.pool()).await?;
    let c = load(&mut tx, &input.complaint_id).await?;
    if c.version != input.expected_version {
        return Err(ApiError::conflict("complaint.version_conflict", "someone else changed this complaint; reload"));
    }
    may_take(&c, me, &input.step)?;
    let id = c.id.clone();
    match input.step {
        Step::Contact { mode, text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, mode.event_kind(), &t, json!({}), now).await?;
            if c.first_response_at.is_none() {
                sqlx::query("UPDATE complaints SET first_response_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
            }
            if c.status == ComplaintStatus::Open {
                set_status(&mut tx, &id, ComplaintStatus::InProgress, now).await?;
            }
        }
        Step::Note { text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, "note", &t, json!({}), now).await?;
        }
        Step::Findings { cause, corrective_action, solution } => {
            let cause = text("step.cause", &cause, false)?;
            let corrective = text("step.corrective_action", &corrective_action, false)?;
            let solution = text("step.solution", &solution, false)?;
            if cause.is_empty() && corrective.is_empty() && solution.is_empty() {
                return Err(ApiError::field("step.cause", Invalid::new("text.required", "write the cause, the corrective action or the solution")));
            }
            sqlx::query("UPDATE complaints SET cause = ?, corrective_action = ?, solution = ? WHERE id = ?")
                .bind(&cause)
                .bind(&corrective)
                .bind(&solution)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let summary = [cause.as_str(), corrective.as_str(), solution.as_str()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" / ");
            event(&mut tx, me, &id, "findings", &summary, json!({"cause": cause, "corrective_action": corrective, "solution": solution}), now).await?;
        }
        Step::Reclassify { category_id, severity } => {
            categories::path_of(&mut tx, &category_id, "step.category_id").await?;
            if category_id == c.category_id && severity == c.severity {
                return Err(ApiError::field("step.category_id", Invalid::new("complaint.unchanged", "choose a different category or severity")));
            }
            let kind = severity.first_response_policy();
            let policy = clocks::policy_for(&mut tx, kind).await?;
            sqlx::query("UPDATE complaints SET category_id = ?, severity = ? WHERE id = ?")
                .bind(&category_id)
                .bind(severity.as_str())
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let data = json!({"from_category_id": c.category_id, "category_id": category_id, "from_severity": c.severity.as_str(), "severity": severity.as_str(),
                              "first_response_policy": policy, "first_response_policy_kind": kind.as_str()});
            event(&mut tx, me, &id, "reclassified", "", data, now).await?;
        }
        Step::HandOver { to_staff_id, reason } => {
            let reason = text("step.reason", &reason, true)?;
            crate::auth::staff::require_desk_staff(&mut tx, &to_staff_id, "step.to_staff_id").await?;
            if to_staff_id == c.owner_id {
                return Err(ApiError::field("step.to_staff_id", Invalid::new("complaint.same_owner", "they already own it")));
            }
            sqlx::query("UPDATE complaints SET owner_id = ? WHERE id = ?").bind(&to_staff_id).bind(&id).execute(&mut *tx).await?;
            clocks::set_owner(&mut tx, ItemKind::Complaint, &id, &to_staff_id, now).await?;
            event(&mut tx, me, &id, "handed_over", &reason, json!({"from_staff_id": c.owner_id, "to_staff_id": to_staff_id}), now).await?;
        }
        Step::Wait { waiting_for, text: t } => {
            let t = text("step.text", &t, false)?;
            let status = match waiting_for {
                WaitingFor::Customer => ComplaintStatus::WaitingCustomer,
                WaitingFor::Parts => ComplaintStatus::WaitingParts,
            };
            if status == c.status {
                return Err(ApiError::field("step.waiting_for", Invalid::new("complaint.already_waiting", "it is already waiting for that")));
            }
            event(&mut tx, me, &id, "waiting", &t, json!({"waiting_for": status.as_str()}), now).await?;
            set_status(&mut tx, &id, status, now).await?;
        }
        Step::Resume { text: t } => {
            let t = text("step.text", &t, false)?;
            event(&mut tx, me, &id, "resumed", &t, json!({}), now).await?;
            let back = if c.first_response_at.is_some() { ComplaintStatus::InProgress } else { ComplaintStatus::Open };
            set_status(&mut tx, &id, back, now).await?;
        }
        Step::Compensate { compensation, description, value, days, .. } => {
            let description = text("step.description", &description, false)?;
            if value.is_negative() {
                return Err(ApiError::field("step.value", Invalid::new("complaint.compensation_value", "a compensation is worth zero or more")));
            }
            let days = match (compensation, days) {
                (CompensationKind::CourtesyCar, Some(d)) if (1..=365).contains(&d) => Some(d),
                (CompensationKind::CourtesyCar, _) => {
                    return Err(ApiError::field("step.days", Invalid::new("complaint.courtesy_days", "how many days of courtesy car (1–365)?")))
                }
                _ => None,
            };
            let cid = new_id();
            sqlx::query(
                "INSERT INTO complaint_compensations (id, station_id, complaint_id, kind, description, value_minor, days, approved_by, staff_id, at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&cid)
            .bind(&me.station_id)
            .bind(&id)
            .bind(compensation.as_str())
            .bind(&description)
            .bind(value.minor())
            .bind(days)
            .bind(&approver)
            .bind(&me.id)
            .bind(ts(now))
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let record = json!({"id": cid, "complaint_id": id, "kind": compensation.as_str(), "description": description, "value_minor": value.minor(),
                                "days": days, "approved_by": approver, "staff_id": me.id, "at": ts(now)});
            outbox::append(&mut tx, &me.station_id, "complaint_compensation", &cid, outbox::Op::Upsert, &record, now).await?;
            event(
                &mut tx,
                me,
                &id,
                "compensation",
                &description,
                json!({"compensation_id": cid, "kind": compensation.as_str(), "value_minor": value.minor(), "days": days}),
                now,
            )
            .await?;
        }
        Step::Resolve { told_by, answer, text: t } => {
            let t = text("step.text", &t, true)?;
            if c.solution.trim().is_empty() {
                return Err(ApiError::field(
                    "step.text",
                    Invalid::new("complaint.no_solution", "record the solution offered (findings) before telling the customer"),
                ));
            }
            // Telling the customer is a contact, and may be the first response.
            event(&mut tx, me, &id, told_by.event_kind(), &t, json!({"told_result": true}), now).await?;
            if c.first_response_at.is_none() {
                sqlx::query("UPDATE complaints SET first_response_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
            }
            let answer_str = match answer {
                CustomerAnswer::Accepted => "accepted",
                CustomerAnswer::NotAccepted => "not_accepted",
            };
            sqlx::query("UPDATE complaints SET customer_answer = ? WHERE id = ?").bind(answer_str).bind(&id).execute(&mut *tx).await?;
            match answer {
                CustomerAnswer::Accepted => {
                    // The callback's clock starts now, under the limit in force now (a reopened
                    // complaint resolved again keeps the clock it had).
                    clocks::start(
                        &mut tx,
                        &me.station_id,
                        ItemKind::Complaint,
                        &id,
                        ClockName::Callback,
                        PolicyKind::ComplaintCallback,
                        Some(&c.owner_id),
                        now,
                    )
                    .await?;
                    event(&mut tx, me, &id, "resolved", "", json!({"answer": answer_str}), now).await?;
                    sqlx::query("UPDATE complaints SET resolved_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
                    set_status(&mut tx, &id, ComplaintStatus::Resolved, now).await?;
                }
                CustomerAnswer::NotAccepted => {
                    // The manager takes it over: the complaint is on their list from now on.
                    let manager: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE role = 'manager' AND active = 1 ORDER BY created_at LIMIT 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                    let to = if me.role == Role::Manager { Some(me.id.clone()) } else { manager };
                    if let Some(m) = &to {
                        if *m != c.owner_id {
                            sqlx::query("UPDATE complaints SET owner_id = ? WHERE id = ?").bind(m).bind(&id).execute(&mut *tx).await?;
                            clocks::set_owner(&mut tx, ItemKind::Complaint, &id, m, now).await?;
                        }
                    }
                    event(&mut tx, me, &id, "escalated", "", json!({"answer": answer_str, "to_staff_id": to}), now).await?;
                    set_status(&mut tx, &id, ComplaintStatus::Escalated, now).await?;
                }
            }
        }
        Step::Callback { reached, text: t } => {
            let t = text("step.text", &t, true)?;
            if reached {
                event(&mut tx, me, &id, "callback", &t, json!({}), now).await?;
                sqlx::query("UPDATE complaints SET closed_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
                set_status(&mut tx, &id, ComplaintStatus::Closed, now).await?;
            } else {
                event(&mut tx, me, &id, "callback_missed", &t, json!({}), now).await?;
            }
        }
        Step::Reopen { text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, "reopened", &t, json!({}), now).await?;
            sqlx::query("UPDATE complaints SET closed_at = NULL, resolved_at = NULL, customer_answer = NULL WHERE id = ?").bind(&id).execute(&mut *tx).await?;
            set_status(&mut tx, &id, ComplaintStatus::InProgress, now).await?;
        }
    }
    sqlx::query("UPDATE complaints SET version = version + 1, updated_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
    send(&mut tx, &me.station_id, &id, now).await?;
    let out = detail(&mut tx, &id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn load_for_print(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<ComplaintDetail> {
    detail(conn, id, me, now).await
}
