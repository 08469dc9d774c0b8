//! The complaint ledger as a list (投诉处理台账): a page of complaints, newest
//! first, filtered by status, category (any level), owner, customer or
//! overdue, each row with its clocks read now; and a customer's complaints for
//! their page. Built to stay fast at 100,000 complaints (docs/benchmarks.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::clocks::{self, ClockView, ItemKind};
use super::complaints::{ComplaintChannel, ComplaintSeverity, ComplaintStatus};
use crate::auth::{Caller, Permission};
use crate::error::Result;
use crate::station::{ts, Station};

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct ComplaintRow {
    pub id: String,
    pub number: String,
    pub status: ComplaintStatus,
    pub severity: ComplaintSeverity,
    pub channel: ComplaintChannel,
    pub category_id: String,
    pub category_zh: String,
    pub category_en: String,
    pub customer_id: Option<String>,
    pub contact_name: String,
    pub plate: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub received_at: String,
    pub repeat_of_id: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    /// First response, resolution and (once resolved) callback, read now.
    #[sqlx(skip)]
    pub clocks: Vec<ClockView>,
    #[sqlx(skip)]
    pub overdue: bool,
}

// The category shown is the whole path, "服务 › 服务态度 › 接待不及时".
macro_rules! select_rows {
    () => {
        "SELECT c.id, c.number, c.status, c.severity, c.channel, c.category_id,
                COALESCE(g.name_zh || ' › ', '') || COALESCE(p.name_zh || ' › ', '') || k.name_zh AS category_zh,
                COALESCE(g.name_en || ' › ', '') || COALESCE(p.name_en || ' › ', '') || k.name_en AS category_en,
                c.customer_id, c.contact_name, (SELECT plate FROM vehicles v WHERE v.id = c.vehicle_id) AS plate,
                c.owner_id, s.name AS owner_name, c.received_at, c.repeat_of_id, c.version
         FROM complaints c JOIN staff s ON s.id = c.owner_id
              JOIN complaint_categories k ON k.id = c.category_id
              LEFT JOIN complaint_categories p ON p.id = k.parent_id
              LEFT JOIN complaint_categories g ON g.id = p.parent_id "
    };
}

async fn with_clocks(conn: &mut SqliteConnection, rows: &mut [ComplaintRow], now: DateTime<Utc>) -> Result<()> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut clocks = clocks::read_many(conn, ItemKind::Complaint, &ids, now).await?;
    for r in rows.iter_mut() {
        r.clocks = clocks.remove(&r.id).unwrap_or_default();
        r.overdue = r.clocks.iter().any(|c| c.reading.overdue);
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ComplaintQuery {
    /// One status; nothing: every status but closed.
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<ComplaintStatus>,
    #[serde(default)]
    pub include_closed: bool,
    /// A category at any level: it and everything under it.
    #[serde(default)]
    #[ts(optional)]
    pub category_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub overdue_only: bool,
    #[serde(default)]
    #[ts(optional)]
    pub customer_id: Option<String>,
    #[serde(default)]
    #[ts(type = "number")]
    pub page: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ComplaintPage {
    pub complaints: Vec<ComplaintRow>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub page: i64,
    #[ts(type = "number")]
    pub page_size: i64,
    pub statuses: Vec<ComplaintStatus>,
    /// People complaints can be owned by, for the owner filter.
    pub owners: Vec<crate::auth::staff::StaffInfo>,
}

pub const PAGE_SIZE: i64 = 50;

// Every filter is a bound value, and the statements are fixed text. SQLite
// cannot use an index for a filter written `(?n IS NULL OR col = ?n)`, so each
// statement below is driven by one indexed condition, the filter the caller
// gave that narrows most, and checks the others on the rows it yields. The page
// picks its 50 rows by rowid first, so skipped rows cost no joins.
macro_rules! ledger_rest {
    () => {
        " AND (?1 IS NULL OR c.status = ?1) AND (?1 IS NOT NULL OR ?2 OR c.status <> 'closed')
          AND (?3 IS NULL OR c.category_id IN (SELECT id FROM complaint_categories WHERE id = ?3 OR parent_id = ?3
                                              OR parent_id IN (SELECT id FROM complaint_categories WHERE parent_id = ?3)))
          AND (?4 IS NULL OR c.owner_id = ?4) AND (?5 IS NULL OR c.customer_id = ?5)
          AND (NOT ?6 OR c.id IN (SELECT item_id FROM item_clocks WHERE item_kind = 'complaint' AND state <> 'stopped' AND late_at <= ?7)) "
    };
}

macro_rules! ledger {
    ($driver:literal) => {
        (
            concat!(
                select_rows!(),
                "WHERE c.rowid IN (SELECT c.rowid FROM complaints c WHERE ",
                $driver,
                ledger_rest!(),
                "ORDER BY c.received_at DESC, c.rowid DESC LIMIT ?8 OFFSET ?9) ORDER BY c.received_at DESC, c.rowid DESC"
            ),
            concat!("SELECT COUNT(*) FROM complaints c WHERE ", $driver, ledger_rest!()),
        )
    };
}

/// The statements (page, count) for a query, by the condition that drives it:
/// the one that leaves the fewest rows in a ledger of years, where the
/// complaints not closed are a few thousand.
fn ledger_statements(q: &ComplaintQuery) -> (&'static str, &'static str) {
    if q.customer_id.is_some() {
        ledger!("c.customer_id = ?5")
    } else if q.overdue_only {
        ledger!("c.id IN (SELECT item_id FROM item_clocks WHERE item_kind = 'complaint' AND state <> 'stopped' AND late_at <= ?7)")
    } else if q.status.is_some() {
        ledger!("c.status = ?1")
    } else if !q.include_closed {
        ledger!("c.status IN ('open', 'in_progress', 'waiting_customer', 'waiting_parts', 'escalated', 'resolved')")
    } else if q.owner_id.is_some() {
        ledger!("c.owner_id = ?4")
    } else if q.category_id.is_some() {
        ledger!(
            "c.category_id IN (SELECT id FROM complaint_categories WHERE id = ?3 OR parent_id = ?3
                               OR parent_id IN (SELECT id FROM complaint_categories WHERE parent_id = ?3))"
        )
    } else {
        // The whole ledger: the count needs no row, only every bound value (all are constants here).
        let (page, _) = ledger!("1");
        (page, "SELECT COUNT(*) FROM complaints c WHERE ?1 IS NULL AND ?2 AND ?3 IS NULL AND ?4 IS NULL AND ?5 IS NULL AND NOT ?6 AND ?7 IS NOT NULL")
    }
}

/// The ledger, newest first, filtered, a page at a time.
pub async fn list_complaints(station: &Station, caller: &Caller, input: ComplaintQuery) -> Result<ComplaintPage> {
    caller.require(Permission::Read)?;
    let now = station.now();
    let (page, offset) = super::page_offset(input.page, PAGE_SIZE)?;
    let mut conn = station.pool().acquire().await?;
    let status = input.status.map(ComplaintStatus::as_str);
    let (page_sql, count_sql) = ledger_statements(&input);
    let mut complaints: Vec<ComplaintRow> = sqlx::query_as(page_sql)
        .bind(status)
        .bind(input.include_closed)
        .bind(&input.category_id)
        .bind(&input.owner_id)
        .bind(&input.customer_id)
        .bind(input.overdue_only)
        .bind(ts(now))
        .bind(PAGE_SIZE)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    let total: i64 = sqlx::query_scalar(count_sql)
        .bind(status)
        .bind(input.include_closed)
        .bind(&input.category_id)
        .bind(&input.owner_id)
        .bind(&input.customer_id)
        .bind(input.overdue_only)
        .bind(ts(now))
        .fetch_one(&mut *conn)
        .await?;
    with_clocks(&mut conn, &mut complaints, now).await?;
    let owners = crate::auth::staff::active_desk_staff(&mut conn).await?;
    Ok(ComplaintPage { complaints, total, page, page_size: PAGE_SIZE, statuses: ComplaintStatus::ALL.to_vec(), owners })
}

/// A customer's complaints, newest first, for their page.
pub(crate) async fn complaints_of_customer(conn: &mut SqliteConnection, customer_id: &str, now: DateTime<Utc>) -> Result<Vec<ComplaintRow>> {
    let mut rows: Vec<ComplaintRow> =
        sqlx::query_as(concat!(select_rows!(), "WHERE c.customer_id = ? ORDER BY c.received_at DESC LIMIT 50")).bind(customer_id).fetch_all(&mut *conn).await?;
    with_clocks(conn, &mut rows, now).await?;
    Ok(rows)
}
