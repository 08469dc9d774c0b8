//! Service requests (服务申请 / 预约), the first step of the manuals' flow: a
//! customer asks for service by phone, online, by e-mail or at the desk.
//! Whoever receives it owns it (首问负责制) and must answer it, a logged contact
//! with the customer, within the service-request limit (24 h); a note is not
//! an answer. It closes when the car is checked in for it (the order is
//! linked) or when nothing more is to be done. Each request carries the steps
//! the caller may take now (`actions`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::clocks::{self, ClockName, ClockView, ItemKind};
use super::complaints::ContactMode;
use super::policies::PolicyKind;
use super::{text, who, Who};
use crate::auth::{Caller, Permission, Role, StaffRef};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RequestChannel {
    Phone,
    WalkIn,
    Online,
    Email,
}

impl RequestChannel {
    fn as_str(self) -> &'static str {
        match self {
            RequestChannel::Phone => "phone",
            RequestChannel::WalkIn => "walk_in",
            RequestChannel::Online => "online",
            RequestChannel::Email => "email",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Not answered yet: the clock runs.
    Open,
    Answered,
    Closed,
}

/// What the caller may do to a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestAction {
    Answer,
    Note,
    Close,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct ServiceRequest {
    pub id: String,
    pub channel: RequestChannel,
    pub customer_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub plate: Option<String>,
    pub contact_name: String,
    /// Masked (`138****5678`).
    #[sqlx(skip)]
    pub contact_phone: Option<crate::domain::MaskedPhone>,
    /// The whole number, read to mask it; never sent.
    #[serde(skip)]
    #[ts(skip)]
    #[sqlx(rename = "contact_phone")]
    stored_contact_phone: String,
    /// What the customer asks for, in their words.
    pub request: String,
    /// When the customer would like to come, if they said.
    pub preferred_at: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub received_at: String,
    pub status: RequestStatus,
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
    pub ro_id: Option<String>,
    pub ro_number: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    #[sqlx(skip)]
    pub clock: Option<ClockView>,
    #[sqlx(skip)]
    pub actions: Vec<RequestAction>,
    /// The caller may show the whole number written here (`reveal_written_contact`): its owner or a manager.
    #[sqlx(skip)]
    pub may_reveal_contact: bool,
    /// The caller's role does not see how to reach the customer here (a technician's view):
    /// the page says the number is hidden rather than showing an empty one.
    #[sqlx(skip)]
    pub contact_hidden: bool,
}

macro_rules! select_requests {
    () => {
        "SELECT q.id, q.channel, q.customer_id, q.vehicle_id, (SELECT plate FROM vehicles v WHERE v.id = q.vehicle_id) AS plate, q.contact_name,
                q.contact_phone, q.request, q.preferred_at, q.owner_id, s.name AS owner_name, q.received_at, q.status, q.answered_at, q.closed_at,
                q.ro_id, (SELECT number FROM repair_orders r WHERE r.id = q.ro_id) AS ro_number, q.version
         FROM service_requests q JOIN staff s ON s.id = q.owner_id "
    };
}

fn actions(r: &ServiceRequest, me: &StaffRef) -> Vec<RequestAction> {
    if r.status == RequestStatus::Closed || (r.owner_id != me.id && me.role != Role::Manager) {
        return vec![];
    }
    let mut out = vec![RequestAction::Note, RequestAction::Close];
    if r.status == RequestStatus::Open {
        out.insert(0, RequestAction::Answer);
    }
    out
}

async fn finish(conn: &mut SqliteConnection, rows: &mut [ServiceRequest], me: &StaffRef, now: DateTime<Utc>) -> Result<()> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut clocks = clocks::read_many(conn, ItemKind::ServiceRequest, &ids, now).await?;
    for r in rows.iter_mut() {
        r.clock = clocks.remove(&r.id).and_then(|v| v.into_iter().next());
        r.actions = actions(r, me);
        r.contact_hidden = !crate::privacy::contact::sees_item_contact(me, &r.owner_id);
        r.contact_phone = if r.contact_hidden { None } else { crate::domain::MaskedPhone::of_text(&r.stored_contact_phone) };
        r.may_reveal_contact = crate::privacy::contact::may_reveal_written(me, &r.owner_id, &r.stored_contact_phone);
    }
    Ok(())
}

async fn load(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<ServiceRequest> {
    let row = sqlx::query_as::<_, ServiceRequest>(concat!(select_requests!(), "WHERE q.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("service request").with_field("request_id"))?;
    let mut rows = [row];
    finish(conn, &mut rows, me, now).await?;
    let [row] = rows;
    Ok(row)
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct RequestEvent {
    pub id: String,
    /// received, contact_call, contact_visit, contact_message, note, closed.
    pub kind: String,
    pub text: String,
    pub staff_name: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ServiceRequestDetail {
    pub request: ServiceRequest,
    pub events: Vec<RequestEvent>,
    /// The orders closing may link: the linked customer's open ones and any
    /// checked in since the request came (empty when closed or no customer).
    pub linkable_orders: Vec<crate::repair_orders::OrderSummary>,
    /// When a destruction past retention blanked its words (`retention`): the
    /// page says so, and nothing more can be done with it.
    pub destroyed_at: Option<String>,
}

/// See `ServiceRequestDetail::linkable_orders`.
async fn linkable_orders(conn: &mut SqliteConnection, r: &ServiceRequest) -> Result<Vec<crate::repair_orders::OrderSummary>> {
    let Some(customer) = r.customer_id.as_deref().filter(|_| r.status != RequestStatus::Closed) else { return Ok(vec![]) };
    let received = DateTime::parse_from_rfc3339(&r.received_at).map(|d| d.with_timezone(&Utc)).ok();
    let orders = crate::repair_orders::orders_for_customer(conn, customer).await?;
    Ok(orders
        .into_iter()
        .filter(|o| !matches!(o.status.as_str(), "delivered" | "closed" | "cancelled") || received.is_some_and(|at| o.checked_in_at >= at))
        .collect())
}

async fn detail(conn: &mut SqliteConnection, id: &str, me: &StaffRef, now: DateTime<Utc>) -> Result<ServiceRequestDetail> {
    let request = load(conn, id, me, now).await?;
    let events = sqlx::query_as(
        "SELECT e.id, e.kind, e.text, s.name AS staff_name, e.at FROM service_request_events e LEFT JOIN staff s ON s.id = e.staff_id
         WHERE e.request_id = ? ORDER BY e.at, e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let linkable_orders = linkable_orders(conn, &request).await?;
    let destroyed_at = crate::retention::destroyed_at(conn, "service_request", &request.id).await?;
    Ok(ServiceRequestDetail { request, events, linkable_orders, destroyed_at })
}

async fn event(conn: &mut SqliteConnection, me: &StaffRef, request_id: &str, kind: &str, text: &str, now: DateTime<Utc>) -> Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO service_request_events (id, station_id, request_id, kind, text, staff_id, at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(request_id)
    .bind(kind)
    .bind(text)
    .bind(&me.id)
    .bind(ts(now))
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    let record = serde_json::json!({"id": id, "request_id": request_id, "kind": kind, "text": text, "staff_id": me.id, "at": ts(now)});
    outbox::append(conn, &me.station_id, "service_request_event", &id, outbox::Op::Upsert, &record, now).await
}

/// The request's row as it syncs, then its clock re-read.
pub(crate) async fn send(conn: &mut SqliteConnection, station_id: &str, id: &str, now: DateTime<Utc>) -> Result<()> {
    #[derive(Serialize, sqlx::FromRow)]
    struct Record {
        id: String,
        channel: String,
        customer_id: Option<String>,
        vehicle_id: Option<String>,
        contact_name: String,
        contact_phone: String,
        request: String,
        preferred_at: Option<String>,
        owner_id: String,
        received_at: String,
        status: String,
        answered_at: Option<String>,
        closed_at: Option<String>,
        ro_id: Option<String>,
        version: i64,
    }
    let record: Record = sqlx::query_as(
        "SELECT id, channel, customer_id, vehicle_id, contact_name, contact_phone, request, preferred_at, owner_id, received_at, status, answered_at,
                closed_at, ro_id, version FROM service_requests WHERE id = ?",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    outbox::append(conn, station_id, "service_request", id, outbox::Op::Upsert, &record, now).await?;
    clocks::refresh(conn, ItemKind::ServiceRequest, id, now).await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewServiceRequest {
    pub channel: RequestChannel,
    /// What the customer asks for.
    pub request: String,
    #[serde(default)]
    #[ts(optional)]
    pub customer_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub vehicle_id: Option<String>,
    /// Who asked, when no customer record is linked.
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// When they would like to come (RFC 3339), if they said.
    #[serde(default)]
    #[ts(optional)]
    pub preferred_at: Option<String>,
}

/// Receives a request; the one receiving it owns it.
pub async fn open_service_request(station: &Station, caller: &Caller, input: NewServiceRequest) -> Result<ServiceRequestDetail> {
    let me = caller.require(Permission::Read)?;
    let request = text("request", &input.request, true)?;
    let contact_name = text("contact_name", &input.contact_name, false)?;
    let contact_phone = text("contact_phone", &input.contact_phone, false)?;
    let preferred_at = match input.preferred_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map(|d| ts(d.with_timezone(&Utc)))
                .map_err(|_| ApiError::field("preferred_at", Invalid::new("service_request.preferred_at", "a date and time")))?,
        ),
        None => None,
    };
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let nobody = Invalid::new("service_request.who", "who is asking? link the customer or write their name");
    let Who { customer_id, vehicle_id, contact_name } = who(&mut tx, input.customer_id.clone(), input.vehicle_id.clone(), contact_name, nobody).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO service_requests (id, station_id, channel, customer_id, vehicle_id, contact_name, contact_phone, request, preferred_at, owner_id,
                                       received_at, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(input.channel.as_str())
    .bind(&customer_id)
    .bind(&vehicle_id)
    .bind(&contact_name)
    .bind(&contact_phone)
    .bind(&request)
    .bind(&preferred_at)
    .bind(&me.id)
    .bind(ts(now))
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    clocks::start(&mut tx, &me.station_id, ItemKind::ServiceRequest, &id, ClockName::Response, PolicyKind::ServiceRequest, Some(&me.id), now).await?;
    event(&mut tx, me, &id, "received", &request, now).await?;
    // A request made at the desk is answered there and then.
    if input.channel == RequestChannel::WalkIn {
        event(&mut tx, me, &id, "contact_visit", "", now).await?;
        sqlx::query("UPDATE service_requests SET status = 'answered', answered_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
    }
    send(&mut tx, &me.station_id, &id, now).await?;
    let out = detail(&mut tx, &id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RequestQuery {
    /// Closed ones too (newest first); otherwise the open and answered ones, oldest first.
    #[serde(default)]
    pub include_closed: bool,
    #[serde(default)]
    #[ts(type = "number")]
    pub page: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RequestPage {
    pub requests: Vec<ServiceRequest>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub page: i64,
    #[ts(type = "number")]
    pub page_size: i64,
}

pub async fn list_service_requests(station: &Station, caller: &Caller, input: RequestQuery) -> Result<RequestPage> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    let size = 50;
    let (page, offset) = super::page_offset(input.page, size)?;
    let mut conn = station.pool().acquire().await?;
    let mut requests: Vec<ServiceRequest> = sqlx::query_as(concat!(
        select_requests!(),
        "WHERE (?1 OR q.status <> 'closed') ORDER BY CASE WHEN ?1 THEN 0 ELSE julianday(q.received_at) END, q.received_at DESC LIMIT ?2 OFFSET ?3"
    ))
    .bind(input.include_closed)
    .bind(size)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_requests q WHERE (?1 OR q.status <> 'closed')")
        .bind(input.include_closed)
        .fetch_one(&mut *conn)
        .await?;
    finish(&mut conn, &mut requests, me, now).await?;
    Ok(RequestPage { requests, total, page, page_size: size })
}

pub async fn get_service_request(station: &Station, caller: &Caller, input: crate::ops::IdInput) -> Result<ServiceRequestDetail> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    detail(&mut conn, &input.id, me, station.now()).await
}

/// One change to a request; its `kind` is also what `actions` lists.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestStep {
    /// A logged contact with the customer: the answer that stops the clock.
    Answer { mode: ContactMode, text: String },
    /// Internal only; never an answer.
    Note { text: String },
    /// Done: the car was checked in for it (`ro_id`), or nothing more is to be done (`text` says why).
    Close {
        text: String,
        #[serde(default)]
        #[ts(optional)]
        ro_id: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ServiceRequestStep {
    pub request_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub step: RequestStep,
}

pub async fn service_request_step(station: &Station, caller: &Caller, input: ServiceRequestStep) -> Result<ServiceRequestDetail> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let r = load(&mut tx, &input.request_id, me, now).await?;
    if r.version != input.expected_version {
        return Err(ApiError::conflict("service_request.version_conflict", "someone else changed this request; reload"));
    }
    let wanted = match &input.step {
        RequestStep::Answer { .. } => RequestAction::Answer,
        RequestStep::Note { .. } => RequestAction::Note,
        RequestStep::Close { .. } => RequestAction::Close,
    };
    if !r.actions.contains(&wanted) {
        return Err(if r.owner_id != me.id && me.role != Role::Manager {
            ApiError::forbidden("service_request.not_owner", "only the request's owner or a manager can do this")
        } else {
            ApiError::conflict("service_request.not_now", "this request cannot do that now")
        });
    }
    match input.step {
        RequestStep::Answer { mode, text: t } => {
            let t = text("step.text", &t, true)?;
            let kind = match mode {
                ContactMode::Call => "contact_call",
                ContactMode::Visit => "contact_visit",
                ContactMode::Message => "contact_message",
            };
            event(&mut tx, me, &r.id, kind, &t, now).await?;
            sqlx::query("UPDATE service_requests SET status = 'answered', answered_at = ? WHERE id = ?").bind(ts(now)).bind(&r.id).execute(&mut *tx).await?;
        }
        RequestStep::Note { text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &r.id, "note", &t, now).await?;
        }
        RequestStep::Close { text: t, ro_id } => {
            let ro_id = ro_id.filter(|s| !s.is_empty());
            let t = text("step.text", &t, ro_id.is_none())?;
            if let Some(ro) = &ro_id {
                let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM repair_orders WHERE id = ?)").bind(ro).fetch_one(&mut *tx).await?;
                if !known {
                    return Err(ApiError::not_found("repair order").with_field("step.ro_id"));
                }
                // A request of a known customer closes with one of their orders, never someone else's.
                if r.customer_id.is_some() && !linkable_orders(&mut tx, &r).await?.iter().any(|o| &o.id == ro) {
                    return Err(ApiError::field(
                        "step.ro_id",
                        Invalid::new("service_request.order_not_theirs", "choose one of this customer's orders checked in for the request"),
                    ));
                }
            }
            event(&mut tx, me, &r.id, "closed", &t, now).await?;
            sqlx::query("UPDATE service_requests SET status = 'closed', closed_at = ?, ro_id = ? WHERE id = ?")
                .bind(ts(now))
                .bind(&ro_id)
                .bind(&r.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query("UPDATE service_requests SET version = version + 1, updated_at = ? WHERE id = ?").bind(ts(now)).bind(&r.id).execute(&mut *tx).await?;
    send(&mut tx, &me.station_id, &r.id, now).await?;
    let out = detail(&mut tx, &r.id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}
