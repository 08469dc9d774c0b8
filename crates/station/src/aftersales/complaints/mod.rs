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

mod steps;
pub use steps::{complaint_step, ComplaintStep, Step};

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
    /// The customer was destroyed past retention: the name is a placeholder, so the page words it in the reader's language.
    pub customer_destroyed: bool,
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
    /// The caller may show the whole contact number written here (`reveal_written_contact`): its owner or a manager.
    pub may_reveal_contact: bool,
    /// The caller's role does not see how to reach the customer here (a technician's view):
    /// the page says the number is hidden rather than showing an empty one.
    pub contact_hidden: bool,
    /// When a destruction past retention blanked its words (`retention`): the
    /// page says so, and nothing more can be done with it.
    pub destroyed_at: Option<String>,
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
    let mut complaint = load(conn, id).await?;
    let may_reveal_contact = crate::privacy::contact::may_reveal_written(me, &complaint.owner_id, &complaint.contact_phone);
    // The page and the complaint record (an internal document) show the contact number masked;
    // a technician's, none (unless the complaint is theirs).
    let contact_hidden = !crate::privacy::contact::sees_item_contact(me, &complaint.owner_id);
    complaint.contact_phone =
        if !contact_hidden { crate::domain::MaskedPhone::of_text(&complaint.contact_phone).map(|m| m.to_string()).unwrap_or_default() } else { String::new() };
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
    let head_office_notes: Vec<HeadOfficeNote> =
        sqlx::query_as("SELECT id, kind, text, author_name, created_at FROM ho_complaint_notes WHERE complaint_id = ? ORDER BY created_at DESC, id DESC")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let name_of = |sid: &str| sqlx::query_scalar::<_, String>("SELECT name FROM staff WHERE id = ?").bind(sid.to_string());
    let owner_name = name_of(&complaint.owner_id).fetch_one(&mut *conn).await?;
    let received_by_name = name_of(&complaint.received_by).fetch_one(&mut *conn).await?;
    let (customer_name, customer_destroyed): (Option<String>, bool) = match &complaint.customer_id {
        Some(cid) => sqlx::query_as::<_, (String, bool)>("SELECT name, destroyed_at IS NOT NULL FROM customers WHERE id = ?")
            .bind(cid)
            .fetch_optional(&mut *conn)
            .await?
            .map_or((None, false), |(n, d)| (Some(n), d)),
        None => (None, false),
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
    let destroyed_at = crate::retention::destroyed_at(conn, "complaint", id).await?;
    let actions = if destroyed_at.is_some() { vec![] } else { actions_for(&complaint, me) };
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
        customer_destroyed,
        plate,
        ro_number,
        repeat_of_number,
        repeats,
        actions,
        assignable,
        approval_threshold: Money::from_minor(threshold),
        needs_manager_pin: me.role != Role::Manager,
        may_reveal_contact,
        contact_hidden,
        destroyed_at,
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
pub(crate) async fn send(conn: &mut SqliteConnection, station_id: &str, id: &str, now: DateTime<Utc>) -> Result<()> {
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

pub(crate) async fn load_for_print(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<ComplaintDetail> {
    detail(conn, id, me, now).await
}
