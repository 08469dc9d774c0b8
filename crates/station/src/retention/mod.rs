//! Retention periods and destruction runs (issue 12; docs/privacy.md,
//! "Retention and destruction").
//!
//! Each kind of record is kept for a period: the head office sets it as a
//! master-data setting (`retention.<kind>_days`, pushed down like the other
//! settings), else the station's default below applies. `retention_due` lists
//! what is past its period at the station's clock; a manager approves a run
//! with their PIN (`run_destruction`), and `destroy.rs` destroys each record
//! in a transaction of its own, with the outbox rows that make the head office
//! destroy its copies too.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::ops::NoInput;
use crate::station::{ts, Station};

mod aftersales;
pub(crate) mod destroy;

pub use destroy::{run_destruction, DestructionReport, RunDestruction};

/// The kinds of record a destruction run handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RetentionKind {
    /// A finished (delivered, closed or cancelled) repair order with its signed
    /// documents, printed PDFs, signature images and photos; counted from delivery.
    RepairOrder,
    /// The photos of an order, counted from check-in (shorter than the order).
    Photos,
    /// A customer with no order, complaint or service request, counted from the last change.
    CustomerWithoutOrder,
    /// A closed complaint, counted from closing; an open one is never due.
    Complaint,
    /// An ended follow-up call with its survey, counted from the call's last change.
    FollowUp,
    /// A closed service request, counted from closing.
    ServiceRequest,
}

impl RetentionKind {
    pub const ALL: [RetentionKind; 6] = [
        RetentionKind::RepairOrder,
        RetentionKind::Photos,
        RetentionKind::CustomerWithoutOrder,
        RetentionKind::Complaint,
        RetentionKind::FollowUp,
        RetentionKind::ServiceRequest,
    ];

    /// The head-office setting that overrides the default.
    pub fn setting_key(self) -> &'static str {
        match self {
            RetentionKind::RepairOrder => "retention.repair_order_days",
            RetentionKind::Photos => "retention.photo_days",
            RetentionKind::CustomerWithoutOrder => "retention.customer_without_order_days",
            RetentionKind::Complaint => "retention.complaint_days",
            RetentionKind::FollowUp => "retention.follow_up_days",
            RetentionKind::ServiceRequest => "retention.service_request_days",
        }
    }

    /// What `retention_destructions.kind` calls a destruction of this kind.
    pub(crate) fn destruction_kind(self) -> &'static str {
        match self {
            RetentionKind::RepairOrder => "repair_order",
            RetentionKind::Photos => "photos",
            RetentionKind::CustomerWithoutOrder => "customer",
            RetentionKind::Complaint => "complaint",
            RetentionKind::FollowUp => "follow_up",
            RetentionKind::ServiceRequest => "service_request",
        }
    }

    /// The station's default, in days (reasoning in docs/privacy.md).
    pub fn default_days(self) -> i64 {
        match self {
            // Three years of the civil limitation period (民法典 art. 188) after the
            // last visit, plus two for claims under the car's warranty and 三包 rules.
            RetentionKind::RepairOrder => 5 * 365,
            // Check-in photos settle disputes about the car's condition, which come within weeks.
            RetentionKind::Photos => 2 * 365,
            // No purpose left once nothing was ordered for a year (PIPL art. 19, 47).
            RetentionKind::CustomerWithoutOrder => 365,
            // A complaint is a claim about the work: kept as long as the order it is about.
            RetentionKind::Complaint => 5 * 365,
            // Nothing a claim needs once the next service has passed (the photos' reasoning).
            RetentionKind::FollowUp | RetentionKind::ServiceRequest => 2 * 365,
        }
    }
}

/// Shorter than 30 days would destroy an order before its follow-up call ends;
/// longer than a century is a typo.
pub const MIN_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 36_500;

#[derive(Debug, Clone, Serialize, TS)]
pub struct RetentionPeriod {
    pub kind: RetentionKind,
    #[ts(type = "number")]
    pub days: i64,
    #[ts(type = "number")]
    pub default_days: i64,
    /// Set by the head office (else the station's default).
    pub from_head_office: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RetentionPolicy {
    pub periods: Vec<RetentionPeriod>,
}

impl RetentionPolicy {
    pub fn days(&self, kind: RetentionKind) -> i64 {
        self.periods.iter().find(|p| p.kind == kind).map_or(kind.default_days(), |p| p.days)
    }
}

/// The periods in force: the head office's where it set one that is valid.
pub(crate) async fn policy(conn: &mut SqliteConnection) -> Result<RetentionPolicy> {
    let mut periods = Vec::new();
    for kind in RetentionKind::ALL {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM ho_settings WHERE key = ? AND deleted = 0").bind(kind.setting_key()).fetch_optional(&mut *conn).await?;
        let set = value.and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok()).and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()));
        let valid = set.filter(|d| (MIN_DAYS..=MAX_DAYS).contains(d));
        if set.is_some() && valid.is_none() {
            tracing::warn!(key = kind.setting_key(), "the head office's retention period is out of range; the default applies");
        }
        periods.push(RetentionPeriod {
            kind,
            days: valid.unwrap_or(kind.default_days()),
            default_days: kind.default_days(),
            from_head_office: valid.is_some(),
        });
    }
    Ok(RetentionPolicy { periods })
}

/// One record past its retention period.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Eq)]
pub struct DueRef {
    pub kind: RetentionKind,
    pub subject_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DueItem {
    pub kind: RetentionKind,
    pub subject_id: String,
    /// The order's, the customer's or the complaint's number; a follow-up's
    /// order's; a service request's order's if it led to one, else empty.
    pub number: String,
    /// When its retention period started (delivery, check-in, last change).
    #[ts(type = "string")]
    pub since: DateTime<Utc>,
    #[ts(type = "string")]
    pub due_at: DateTime<Utc>,
    /// Signed documents that will be deleted.
    #[ts(type = "number")]
    pub documents: i64,
    /// Files (photos, signature images, scans, PDFs) whose bytes will be deleted.
    #[ts(type = "number")]
    pub files: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DueList {
    pub policy: RetentionPolicy,
    pub items: Vec<DueItem>,
    /// Whether the caller may approve a run (a manager).
    pub may_destroy: bool,
}

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

/// Everything due at `now`, oldest first.
pub(crate) async fn due(conn: &mut SqliteConnection, policy: &RetentionPolicy, now: DateTime<Utc>) -> Result<Vec<DueItem>> {
    let cutoff = |kind: RetentionKind| ts(now - Duration::days(policy.days(kind)));
    let mut items = Vec::new();
    let orders: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.number, COALESCE(r.delivered_at, r.updated_at) AS since,
                (SELECT COUNT(*) FROM ro_authorizations a WHERE a.ro_id = r.id),
                (SELECT COUNT(*) FROM files f WHERE f.destroyed_at IS NULL AND f.sha256 IN (
                    SELECT sha256 FROM ro_photos WHERE ro_id = r.id UNION SELECT sha256 FROM ro_documents WHERE ro_id = r.id
                    UNION SELECT s.png_sha256 FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = r.id
                    UNION SELECT s.paper_scan_sha256 FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = r.id))
         FROM repair_orders r
         WHERE r.status IN ('delivered', 'closed', 'cancelled') AND COALESCE(r.delivered_at, r.updated_at) <= ?
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'repair_order' AND d.subject_id = r.id)
           AND NOT EXISTS (SELECT 1 FROM complaints c WHERE c.ro_id = r.id AND c.status <> 'closed')
         ORDER BY since, r.number",
    )
    .bind(cutoff(RetentionKind::RepairOrder))
    .fetch_all(&mut *conn)
    .await?;
    for (id, number, since, documents, files) in orders {
        let since = parse_ts(&since);
        items.push(DueItem {
            kind: RetentionKind::RepairOrder,
            subject_id: id,
            number,
            since,
            due_at: since + Duration::days(policy.days(RetentionKind::RepairOrder)),
            documents,
            files,
        });
    }
    let photos: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT r.id, r.number, r.checked_in_at,
                (SELECT COUNT(DISTINCT p.sha256) FROM ro_photos p JOIN files f ON f.sha256 = p.sha256 WHERE p.ro_id = r.id AND f.destroyed_at IS NULL)
         FROM repair_orders r
         WHERE r.status IN ('delivered', 'closed', 'cancelled') AND r.checked_in_at <= ?
           AND EXISTS (SELECT 1 FROM ro_photos p JOIN files f ON f.sha256 = p.sha256 WHERE p.ro_id = r.id AND f.destroyed_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'repair_order' AND d.subject_id = r.id)
         ORDER BY r.checked_in_at, r.number",
    )
    .bind(cutoff(RetentionKind::Photos))
    .fetch_all(&mut *conn)
    .await?;
    for (id, number, since, files) in photos {
        // An order that is due whole takes its photos with it.
        if items.iter().any(|i| i.subject_id == id) {
            continue;
        }
        let since = parse_ts(&since);
        items.push(DueItem {
            kind: RetentionKind::Photos,
            subject_id: id,
            number,
            since,
            due_at: since + Duration::days(policy.days(RetentionKind::Photos)),
            documents: 0,
            files,
        });
    }
    items.extend(aftersales::due(conn, policy, now).await?);
    let customers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.customer_no, c.updated_at FROM customers c
         WHERE c.updated_at <= ? AND c.merged_into IS NULL
           AND NOT EXISTS (SELECT 1 FROM repair_orders r WHERE r.customer_id = c.id)
           AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = c.id
                           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'complaint' AND d.subject_id = k.id))
           AND NOT EXISTS (SELECT 1 FROM service_requests s WHERE s.customer_id = c.id
                           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'service_request' AND d.subject_id = s.id))
           AND c.destroyed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'customer' AND d.subject_id = c.id)
         ORDER BY c.updated_at, c.customer_no",
    )
    .bind(cutoff(RetentionKind::CustomerWithoutOrder))
    .fetch_all(&mut *conn)
    .await?;
    for (id, number, since) in customers {
        let since = parse_ts(&since);
        items.push(DueItem {
            kind: RetentionKind::CustomerWithoutOrder,
            subject_id: id,
            number,
            since,
            due_at: since + Duration::days(policy.days(RetentionKind::CustomerWithoutOrder)),
            documents: 0,
            files: 0,
        });
    }
    Ok(items)
}

/// The retention periods in force (a manager).
pub async fn retention_policy(station: &Station, caller: &Caller, _input: NoInput) -> Result<RetentionPolicy> {
    caller.require(Permission::DestroyRecords)?;
    let mut conn = station.pool().acquire().await?;
    policy(&mut conn).await
}

/// What a destruction run would destroy now (a manager).
pub async fn retention_due(station: &Station, caller: &Caller, _input: NoInput) -> Result<DueList> {
    let me = caller.require(Permission::DestroyRecords)?;
    let mut conn = station.pool().acquire().await?;
    let policy = policy(&mut conn).await?;
    let items = due(&mut conn, &policy, station.now()).await?;
    Ok(DueList { policy, items, may_destroy: Permission::DestroyRecords.allows(me.role) })
}

/// When `subject` (of destruction kind `kind`) was destroyed, if it was.
pub(crate) async fn destroyed_at(conn: &mut SqliteConnection, kind: &str, subject: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT destroyed_at FROM retention_destructions WHERE kind = ? AND subject_id = ?")
        .bind(kind)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Whether customer `id` was anonymised by a destruction here (on its own or with its last order).
pub(crate) async fn customer_destroyed(conn: &mut SqliteConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM retention_destructions d, json_each(d.payload, '$.customers') j WHERE j.value = ?)")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Whether a destruction made here (or pulled) named the car: its identity is not filled in again.
pub(crate) async fn vehicle_destroyed(conn: &mut SqliteConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM retention_destructions d, json_each(d.payload, '$.vehicles') j WHERE j.value = ?)")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// A destroyed customer is not filled in again (the head office would refuse
/// it, `change.destroyed`): a returning customer is registered anew.
pub(crate) async fn refuse_destroyed_customer(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    if customer_destroyed(conn, id).await? {
        return Err(ApiError::conflict("customer.destroyed", "this customer's data was destroyed past its retention period; register the customer anew"));
    }
    Ok(())
}

pub(crate) fn not_due(field: &str) -> ApiError {
    ApiError::invalid("retention.not_due", "nothing of what was approved is due any more: list what is due again").with_field(field)
}
