//! The access register: who opened which customer, order or archived
//! document, when, and why where a reason was asked (showing a whole phone
//! number). Each entry is written in a transaction of its own with its outbox
//! row (`access_entry`, append-only at the head office too); triggers in
//! migration 0021 refuse to change or remove one. A read that cannot be
//! logged is not served.
//!
//! A page that refreshes itself (the order page polls, the technician's list
//! reloads) reads the same record again and again: the same person opening
//! the same record within `SAME_OPENING` is one opening, logged once.
//! Showing a whole number is logged every time.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::reveal::RevealReason;
use crate::auth::{Caller, Permission, Role, StaffRef};
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

/// Reads of the same record by the same person closer together than this are one opening.
pub const SAME_OPENING: Duration = Duration::minutes(30);

/// What was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// The customer's archive (客户档案): their page, vehicles, orders, complaints.
    Customer,
    /// An order page.
    Order,
    /// A printed document from an order's archive.
    Document,
    /// The customer's whole phone numbers and e-mail (`reveal_contact`).
    Contact,
}

impl AccessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::Customer => "customer",
            AccessKind::Order => "order",
            AccessKind::Document => "document",
            AccessKind::Contact => "contact",
        }
    }

    fn parse(s: &str) -> Option<AccessKind> {
        [AccessKind::Customer, AccessKind::Order, AccessKind::Document, AccessKind::Contact].into_iter().find(|k| k.as_str() == s)
    }
}

/// One opening, as the register and the customer's data export show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccessEntry {
    pub id: String,
    pub staff_id: String,
    pub staff_name: String,
    /// The role they had when they looked.
    pub staff_role: Role,
    pub kind: AccessKind,
    pub customer_id: Option<String>,
    pub customer_no: Option<String>,
    pub customer_name: Option<String>,
    /// The customer was destroyed past retention: the name is a placeholder, so screens word it in the reader's language.
    pub customer_destroyed: bool,
    pub ro_id: Option<String>,
    pub ro_number: Option<String>,
    /// The record opened: the customer, the order or the document; for a
    /// contact, what it was shown on (the customer, a complaint, a service request).
    pub subject_id: String,
    /// The whole number was the one written on this complaint (its number).
    pub complaint_number: Option<String>,
    /// The whole number was the one written on a service request from this person.
    pub request_contact_name: Option<String>,
    /// Why, where a reason was asked (showing a whole number).
    pub reason: Option<RevealReason>,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

/// What one entry says, as it is synced (ids only: no personal data of its own).
#[derive(Debug, Clone, Serialize)]
struct EntryRecord<'a> {
    id: &'a str,
    staff_id: &'a str,
    staff_role: &'a str,
    kind: &'a str,
    customer_id: Option<&'a str>,
    ro_id: Option<&'a str>,
    subject_id: &'a str,
    reason: Option<RevealReason>,
    at: String,
}

/// The record an entry is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub kind: AccessKind,
    pub subject_id: &'a str,
    pub customer_id: Option<&'a str>,
    pub ro_id: Option<&'a str>,
}

/// Appends one entry and its outbox row in the caller's transaction.
pub(crate) async fn append(conn: &mut SqliteConnection, me: &StaffRef, subject: Subject<'_>, reason: Option<RevealReason>, now: DateTime<Utc>) -> Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO access_register (id, station_id, staff_id, staff_role, kind, customer_id, ro_id, subject_id, reason, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(&me.id)
    .bind(me.role.as_str())
    .bind(subject.kind.as_str())
    .bind(subject.customer_id)
    .bind(subject.ro_id)
    .bind(subject.subject_id)
    .bind(reason.map(RevealReason::as_str))
    .bind(ts(now))
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    let record = EntryRecord {
        id: &id,
        staff_id: &me.id,
        staff_role: me.role.as_str(),
        kind: subject.kind.as_str(),
        customer_id: subject.customer_id,
        ro_id: subject.ro_id,
        subject_id: subject.subject_id,
        reason,
        at: ts(now),
    };
    outbox::append(conn, &me.station_id, "access_entry", &id, outbox::Op::Upsert, &record, now).await
}

/// Logs that `me` opened `subject`, unless they already did within
/// `SAME_OPENING`. Call it before answering with the record.
pub(crate) async fn opened(station: &Station, me: &StaffRef, subject: Subject<'_>) -> Result<()> {
    let now = station.now();
    let since = ts(now - SAME_OPENING);
    let recent = "SELECT EXISTS (SELECT 1 FROM access_register WHERE staff_id = ? AND subject_id = ? AND kind = ? AND reason IS NULL AND at > ?)";
    let seen: bool =
        sqlx::query_scalar(recent).bind(&me.id).bind(subject.subject_id).bind(subject.kind.as_str()).bind(&since).fetch_one(station.pool()).await?;
    if seen {
        return Ok(());
    }
    let mut tx = db::write_tx(station.pool()).await?;
    // Checked again under the write lock: two tabs opening the page at once log it once.
    let seen: bool = sqlx::query_scalar(recent).bind(&me.id).bind(subject.subject_id).bind(subject.kind.as_str()).bind(&since).fetch_one(&mut *tx).await?;
    if !seen {
        append(&mut tx, me, subject, None, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    staff_id: String,
    staff_name: Option<String>,
    staff_role: String,
    kind: String,
    customer_id: Option<String>,
    customer_no: Option<String>,
    customer_name: Option<String>,
    customer_destroyed: bool,
    ro_id: Option<String>,
    ro_number: Option<String>,
    subject_id: String,
    complaint_number: Option<String>,
    request_contact_name: Option<String>,
    reason: Option<String>,
    at: DateTime<Utc>,
}

impl EntryRow {
    fn into_entry(self) -> Result<AccessEntry> {
        let bad = |what: &str| ApiError::internal(format!("unexpected {what} in the access register"));
        Ok(AccessEntry {
            staff_role: Role::parse(&self.staff_role).ok_or_else(|| bad("role"))?,
            kind: AccessKind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            reason: self.reason.as_deref().map(|r| RevealReason::parse(r).ok_or_else(|| bad("reason"))).transpose()?,
            id: self.id,
            staff_name: self.staff_name.unwrap_or_else(|| self.staff_id.clone()),
            staff_id: self.staff_id,
            customer_id: self.customer_id,
            customer_no: self.customer_no,
            customer_name: self.customer_name,
            customer_destroyed: self.customer_destroyed,
            ro_id: self.ro_id,
            ro_number: self.ro_number,
            subject_id: self.subject_id,
            complaint_number: self.complaint_number,
            request_contact_name: self.request_contact_name,
            at: self.at,
        })
    }
}

macro_rules! select_entries {
    () => {
        "SELECT a.id, a.staff_id, s.name AS staff_name, a.staff_role, a.kind, a.customer_id, c.customer_no, c.name AS customer_name,
                c.destroyed_at IS NOT NULL AS customer_destroyed, a.ro_id, r.number AS ro_number, a.subject_id, k.number AS complaint_number, q.contact_name AS request_contact_name, a.reason, a.at
         FROM access_register a
         LEFT JOIN staff s ON s.id = a.staff_id
         LEFT JOIN customers c ON c.id = a.customer_id
         LEFT JOIN repair_orders r ON r.id = a.ro_id
         LEFT JOIN complaints k ON a.kind = 'contact' AND k.id = a.subject_id
         LEFT JOIN service_requests q ON a.kind = 'contact' AND q.id = a.subject_id "
    };
}

/// Every opening of `customer_id`'s records, oldest first, including those of
/// customers merged into it. For the customer's data export (right of access).
pub async fn for_customer(conn: &mut SqliteConnection, customer_id: &str) -> Result<Vec<AccessEntry>> {
    let rows = sqlx::query_as::<_, EntryRow>(concat!(
        select_entries!(),
        "WHERE a.customer_id = ?1 OR a.customer_id IN (SELECT id FROM customers WHERE merged_into = ?1) ORDER BY a.at, a.id"
    ))
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(EntryRow::into_entry).collect()
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AccessRegisterQuery {
    /// Only this staff member's openings.
    #[ts(optional)]
    pub staff_id: Option<String>,
    /// Only openings of this customer's records (and of customers merged into it).
    #[ts(optional)]
    pub customer_id: Option<String>,
    /// Entries before this one (the last `id` of the previous page): newest first, paged.
    #[ts(optional)]
    pub before_id: Option<String>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AccessRegister {
    /// Newest first.
    pub entries: Vec<AccessEntry>,
    /// There are older entries: ask again with `before_id` = the last entry's id.
    pub more: bool,
    /// Everyone on the staff list, for the filter.
    pub staff: Vec<crate::repair_orders::StaffName>,
    /// The filtered customer's number and name, when filtering by customer.
    pub customer: Option<crate::search::CustomerSummary>,
}

/// A manager reads the register, filtered by staff and by customer.
pub async fn list_access_register(station: &Station, caller: &Caller, input: AccessRegisterQuery) -> Result<AccessRegister> {
    caller.require(Permission::ReadAccessRegister)?;
    let limit = input.limit.unwrap_or(100).clamp(1, 500) as i64;
    let mut conn = station.pool().acquire().await?;
    let staff_id = input.staff_id.filter(|s| !s.is_empty());
    let customer_id = input.customer_id.filter(|s| !s.is_empty());
    // Ids are UUIDv7, so they sort by time as the entries do.
    let rows = sqlx::query_as::<_, EntryRow>(concat!(
        select_entries!(),
        "WHERE (?1 IS NULL OR a.staff_id = ?1)
           AND (?2 IS NULL OR a.customer_id = ?2 OR a.customer_id IN (SELECT id FROM customers WHERE merged_into = ?2))
           AND (?3 IS NULL OR a.id < ?3)
         ORDER BY a.id DESC LIMIT ?4"
    ))
    .bind(&staff_id)
    .bind(&customer_id)
    .bind(input.before_id.filter(|s| !s.is_empty()))
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() as i64 > limit;
    let entries = rows.into_iter().take(limit as usize).map(EntryRow::into_entry).collect::<Result<Vec<_>>>()?;
    let staff = sqlx::query_as::<_, crate::repair_orders::StaffName>("SELECT id, name FROM staff ORDER BY name").fetch_all(&mut *conn).await?;
    let customer = match &customer_id {
        Some(id) => crate::search::customer_summary(&mut conn, id).await?,
        None => None,
    };
    Ok(AccessRegister { entries, more, staff, customer })
}
