//! Reading what the KPIs count from SQLite, for a range of instants: the
//! orders delivered (or cancelled, by check-in) in it with their jobs, lines,
//! stopped job clocks, follow-up, survey and parts waits; the complaints
//! received in it with their resolution deadline; and the deadlines decided in
//! it. One query per kind of record, never one per order: a month of a busy
//! station is a few thousand orders. The records are `kpi` crate types, so the
//! station counts exactly as the head office does.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::SqliteConnection;
use time_limits::Calendar;

use crate::aftersales::policies;
use crate::error::Result;
use crate::station::ts;
use crate::workflow::inventory;

/// The orders a range counts: delivered in it, or cancelled and checked in in
/// it (a cancelled order counts on its check-in day). `?1`/`?2` bound the range.
macro_rules! orders_in_range {
    () => {
        "SELECT id FROM repair_orders
         WHERE (delivered_at >= ?1 AND delivered_at < ?2 AND status <> 'cancelled')
            OR (status = 'cancelled' AND checked_in_at >= ?1 AND checked_in_at < ?2)"
    };
}

/// An order's record and what a drill-down row shows of it.
#[derive(Debug, Clone)]
pub struct OrderItem {
    pub record: kpi::OrderRecord,
    pub number: String,
    pub plate: Option<String>,
    pub customer_name: String,
    pub customer_destroyed: bool,
    pub advisor_name: String,
}

#[derive(Debug, Clone)]
pub struct ComplaintItem {
    pub record: kpi::ComplaintRecord,
    pub number: String,
    pub plate: Option<String>,
    pub customer_name: String,
    pub customer_destroyed: bool,
    pub owner_name: String,
}

/// A deadline and the item it belongs to.
#[derive(Debug, Clone)]
pub struct DeadlineItem {
    pub record: kpi::DeadlineRecord,
    /// `repair_order`, `follow_up`, `complaint` or `service_request`.
    pub item_kind: String,
    pub item_id: String,
    /// The order's number (also for a follow-up), the complaint's; empty for a service request.
    pub number: String,
    pub plate: Option<String>,
    pub customer_name: Option<String>,
    pub customer_destroyed: bool,
    pub owner_name: Option<String>,
}

/// The station's state a report reads besides the records.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: kpi::Rules,
    pub time_zone: String,
    pub calendar: Calendar,
    pub station_code: String,
    pub active_technicians: i64,
    pub stock_value_minor: i64,
    pub parts_short: i64,
    /// Every staff member's name by id, for the breakdowns.
    pub names: HashMap<String, String>,
}

/// The records of one range.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub orders: Vec<OrderItem>,
    pub complaints: Vec<ComplaintItem>,
    pub deadlines: Vec<DeadlineItem>,
}

pub async fn settings(conn: &mut SqliteConnection) -> Result<Settings> {
    let (code, repeat_days): (String, i64) =
        sqlx::query_as("SELECT code, repeat_repair_days FROM station LIMIT 1").fetch_optional(&mut *conn).await?.unwrap_or_else(|| (String::new(), 30));
    let (_, calendar) = policies::calendar_in_force(conn).await?;
    // A stored calendar is validated when saved; the fallback only guards an old or hand-edited row.
    let tz: Tz = calendar.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let active_technicians: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE role = 'technician' AND active = 1").fetch_one(&mut *conn).await?;
    // Summed before dividing, so a thousandth of a part is not rounded away per part.
    // In Rust and in i128: SQLite's SUM of such products fails with "integer overflow" beyond 2^63.
    let stock: Vec<(i64, i64)> = sqlx::query_as("SELECT on_hand_milli, unit_price_minor FROM parts").fetch_all(&mut *conn).await?;
    let stock_value_minor = stock
        .iter()
        .try_fold(0i128, |sum, &(milli, price)| sum.checked_add(i128::from(milli) * i128::from(price)))
        .and_then(|sum| i64::try_from(sum / 1000).ok())
        .ok_or_else(|| crate::error::ApiError::internal("the stock is worth more than the station counts"))?;
    let parts_short = inventory::count_low(conn).await?;
    let names: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM staff").fetch_all(&mut *conn).await?;
    Ok(Settings {
        rules: kpi::Rules { tz, repeat_window_days: repeat_days },
        time_zone: tz.name().to_string(),
        calendar,
        station_code: code,
        active_technicians,
        stock_value_minor,
        parts_short,
        names: names.into_iter().collect(),
    })
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    number: String,
    advisor_id: String,
    status: String,
    checked_in_at: DateTime<Utc>,
    promised_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    repeat_of_delivered_at: Option<DateTime<Utc>>,
    discount_minor: i64,
    plate: Option<String>,
    customer_name: String,
    customer_destroyed: bool,
    advisor_name: String,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    ro_id: String,
    id: String,
    technician_id: Option<String>,
    approval: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    ro_id: String,
    job_id: String,
    kind: String,
    quantity_milli: i64,
    unit_price_minor: i64,
    amount_minor: i64,
    issued_milli: i64,
}

#[derive(sqlx::FromRow)]
struct ClockRow {
    ro_id: String,
    job_id: String,
    technician_id: String,
    seconds: i64,
}

#[derive(sqlx::FromRow)]
struct FollowUpRow {
    ro_id: String,
    status: String,
    ended_at: Option<DateTime<Utc>>,
    overall: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ComplaintRow {
    id: String,
    number: String,
    received_at: DateTime<Utc>,
    repeat: bool,
    plate: Option<String>,
    customer_name: String,
    customer_destroyed: bool,
    owner_name: String,
    clock_id: Option<String>,
    policy_kind: Option<String>,
    state: Option<String>,
    late_at: Option<DateTime<Utc>>,
    met_at: Option<DateTime<Utc>>,
    breached_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DeadlineRow {
    id: String,
    item_kind: String,
    item_id: String,
    policy_kind: String,
    state: String,
    late_at: Option<DateTime<Utc>>,
    met_at: Option<DateTime<Utc>>,
    breached_at: Option<DateTime<Utc>>,
    number: Option<String>,
    plate: Option<String>,
    customer_name: Option<String>,
    customer_destroyed: bool,
    owner_name: Option<String>,
}

/// Rows of `sql`, a query over the orders of `[?1, ?2)` (`orders_in_range!`).
async fn of_orders<T>(conn: &mut SqliteConnection, sql: &'static str, start: &str, end: &str) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    Ok(sqlx::query_as(sql).bind(start).bind(end).fetch_all(conn).await?)
}

/// The records of `[start, end)`, read as of `now` (a running deadline past due is breached).
pub async fn records(conn: &mut SqliteConnection, start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> Result<Records> {
    let (start, end, now) = (ts(start), ts(end), ts(now));
    let rows: Vec<OrderRow> = of_orders(
        conn,
        concat!(
            "SELECT r.id, r.number, r.advisor_id, r.status, r.checked_in_at, r.promised_at, r.delivered_at,
                p.delivered_at AS repeat_of_delivered_at, r.discount_minor, v.plate, c.name AS customer_name,
                c.destroyed_at IS NOT NULL AS customer_destroyed, s.name AS advisor_name
         FROM repair_orders r
         LEFT JOIN repair_orders p ON p.id = r.repeat_of_ro_id
         JOIN vehicles v ON v.id = r.vehicle_id
         JOIN customers c ON c.id = r.customer_id
         JOIN staff s ON s.id = r.advisor_id
         WHERE r.id IN (",
            orders_in_range!(),
            ") ORDER BY COALESCE(r.delivered_at, r.checked_in_at), r.number"
        ),
        &start,
        &end,
    )
    .await?;
    let jobs: Vec<JobRow> = of_orders(
        conn,
        concat!("SELECT ro_id, id, technician_id, approval FROM ro_jobs WHERE ro_id IN (", orders_in_range!(), ") ORDER BY ro_id, position"),
        &start,
        &end,
    )
    .await?;
    let lines: Vec<LineRow> = of_orders(
        conn,
        concat!(
            "SELECT ro_id, job_id, kind, quantity_milli, unit_price_minor, amount_minor, issued_milli FROM ro_lines WHERE ro_id IN (",
            orders_in_range!(),
            ") ORDER BY ro_id, created_at, id"
        ),
        &start,
        &end,
    )
    .await?;
    let clocks: Vec<ClockRow> = of_orders(
        conn,
        concat!(
            "SELECT ro_id, job_id, technician_id, seconds FROM time_clocks WHERE stopped_at IS NOT NULL AND seconds IS NOT NULL AND ro_id IN (",
            orders_in_range!(),
            ") ORDER BY ro_id, started_at"
        ),
        &start,
        &end,
    )
    .await?;
    let follow_ups: Vec<FollowUpRow> = of_orders(
        conn,
        concat!(
            "SELECT f.ro_id, f.status, f.ended_at, s.overall FROM follow_ups f LEFT JOIN surveys s ON s.follow_up_id = f.id WHERE f.ro_id IN (",
            orders_in_range!(),
            ")"
        ),
        &start,
        &end,
    )
    .await?;
    let waited: Vec<(String,)> = of_orders(
        conn,
        concat!("SELECT DISTINCT ro_id FROM ro_status_events WHERE to_status = 'waiting_parts' AND ro_id IN (", orders_in_range!(), ")"),
        &start,
        &end,
    )
    .await?;

    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut orders: Vec<OrderItem> = Vec::with_capacity(rows.len());
    for r in rows {
        by_id.insert(r.id.clone(), orders.len());
        orders.push(OrderItem {
            record: kpi::OrderRecord {
                id: r.id,
                advisor_id: r.advisor_id,
                status: r.status,
                checked_in_at: r.checked_in_at,
                promised_at: r.promised_at,
                delivered_at: r.delivered_at,
                repeat_of_delivered_at: r.repeat_of_delivered_at,
                discount_minor: r.discount_minor,
                jobs: Vec::new(),
                lines: Vec::new(),
                clock_entries: Vec::new(),
                waited_for_parts: false,
                follow_up: None,
                survey_overall: None,
            },
            number: r.number,
            plate: r.plate,
            customer_name: r.customer_name,
            customer_destroyed: r.customer_destroyed,
            advisor_name: r.advisor_name,
        });
    }
    let of = |ro_id: &str| by_id.get(ro_id).copied();
    for j in jobs {
        if let Some(i) = of(&j.ro_id) {
            orders[i].record.jobs.push(kpi::JobRecord { id: j.id, technician_id: j.technician_id, approval: j.approval });
        }
    }
    for l in lines {
        if let Some(i) = of(&l.ro_id) {
            orders[i].record.lines.push(kpi::LineRecord {
                job_id: l.job_id,
                kind: l.kind,
                quantity_milli: l.quantity_milli,
                unit_price_minor: l.unit_price_minor,
                amount_minor: l.amount_minor,
                issued_milli: l.issued_milli,
            });
        }
    }
    for c in clocks {
        if let Some(i) = of(&c.ro_id) {
            orders[i].record.clock_entries.push(kpi::ClockEntry { job_id: c.job_id, technician_id: c.technician_id, seconds: c.seconds });
        }
    }
    for f in follow_ups {
        if let Some(i) = of(&f.ro_id) {
            orders[i].record.follow_up = Some(kpi::FollowUpRecord { status: f.status, ended_at: f.ended_at });
            orders[i].record.survey_overall = f.overall;
        }
    }
    for (ro_id,) in waited {
        if let Some(i) = of(&ro_id) {
            orders[i].record.waited_for_parts = true;
        }
    }

    let complaints: Vec<ComplaintRow> = sqlx::query_as(
        "SELECT c.id, c.number, c.received_at, c.repeat_of_id IS NOT NULL AS repeat, v.plate, COALESCE(cu.name, c.contact_name) AS customer_name,
                CASE WHEN cu.id IS NULL
                     THEN EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'complaint' AND d.subject_id = c.id)
                     ELSE cu.destroyed_at IS NOT NULL END AS customer_destroyed,
                o.name AS owner_name, k.id AS clock_id, k.policy_kind, k.state, k.late_at, k.met_at, k.breached_at
         FROM complaints c
         LEFT JOIN item_clocks k ON k.item_id = c.id AND k.clock = 'resolution'
         LEFT JOIN vehicles v ON v.id = c.vehicle_id
         LEFT JOIN customers cu ON cu.id = c.customer_id
         JOIN staff o ON o.id = c.owner_id
         WHERE c.received_at >= ?1 AND c.received_at < ?2
         ORDER BY c.received_at, c.number",
    )
    .bind(&start)
    .bind(&end)
    .fetch_all(&mut *conn)
    .await?;
    let complaints = complaints
        .into_iter()
        .map(|c| {
            let resolution = match (c.clock_id, c.policy_kind, c.state) {
                (Some(id), Some(policy_kind), Some(state)) => {
                    Some(kpi::DeadlineRecord { id, policy_kind, state, late_at: c.late_at, met_at: c.met_at, breached_at: c.breached_at })
                }
                _ => None,
            };
            ComplaintItem {
                record: kpi::ComplaintRecord { id: c.id, received_at: c.received_at, repeat: c.repeat, resolution },
                number: c.number,
                plate: c.plate,
                customer_name: c.customer_name,
                customer_destroyed: c.customer_destroyed,
                owner_name: c.owner_name,
            }
        })
        .collect();

    // Decided in the range: met or breached in it, or still running past a due
    // time in it that has already passed (breached as of now, kpi::DeadlineRecord::outcome).
    let deadlines: Vec<DeadlineRow> = sqlx::query_as(
        "SELECT k.id, k.item_kind, k.item_id, k.policy_kind, k.state, k.late_at, k.met_at, k.breached_at,
                COALESCE(r.number, c.number) AS number, v.plate, COALESCE(cu.name, c.contact_name, sr.contact_name) AS customer_name,
                CASE WHEN cu.id IS NULL
                     THEN EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind IN ('complaint', 'service_request') AND d.subject_id = k.item_id)
                     ELSE cu.destroyed_at IS NOT NULL END AS customer_destroyed,
                o.name AS owner_name
         FROM item_clocks k
         LEFT JOIN follow_ups f ON k.item_kind = 'follow_up' AND f.id = k.item_id
         LEFT JOIN repair_orders r ON r.id = CASE k.item_kind WHEN 'repair_order' THEN k.item_id WHEN 'follow_up' THEN f.ro_id END
         LEFT JOIN complaints c ON k.item_kind = 'complaint' AND c.id = k.item_id
         LEFT JOIN service_requests sr ON k.item_kind = 'service_request' AND sr.id = k.item_id
         LEFT JOIN vehicles v ON v.id = COALESCE(r.vehicle_id, c.vehicle_id, sr.vehicle_id)
         LEFT JOIN customers cu ON cu.id = COALESCE(r.customer_id, c.customer_id, sr.customer_id)
         LEFT JOIN staff o ON o.id = k.owner_id
         WHERE (k.met_at >= ?1 AND k.met_at < ?2)
            OR (k.breached_at >= ?1 AND k.breached_at < ?2)
            OR (k.state = 'running' AND k.met_at IS NULL AND k.breached_at IS NULL AND k.late_at >= ?1 AND k.late_at < ?2 AND k.late_at <= ?3)
         ORDER BY COALESCE(k.breached_at, k.met_at, k.late_at), k.id",
    )
    .bind(&start)
    .bind(&end)
    .bind(&now)
    .fetch_all(&mut *conn)
    .await?;
    let deadlines = deadlines
        .into_iter()
        .map(|d| DeadlineItem {
            record: kpi::DeadlineRecord {
                id: d.id,
                policy_kind: d.policy_kind,
                state: d.state,
                late_at: d.late_at,
                met_at: d.met_at,
                breached_at: d.breached_at,
            },
            item_kind: d.item_kind,
            item_id: d.item_id,
            number: d.number.unwrap_or_default(),
            plate: d.plate,
            customer_name: d.customer_name,
            customer_destroyed: d.customer_destroyed,
            owner_name: d.owner_name,
        })
        .collect();

    Ok(Records { orders, complaints, deadlines })
}
