//! Keeping the sums current. The push only queues what it touched
//! (`queue_batch`, one row in `kpi_queue`, in the push transaction); the
//! counting happens under the station's lock (its `kpi_stations` row), in the
//! server's background drain (`drain_all`) or in the first KPI read of the
//! station (`drain`), whichever comes first: each order, complaint and deadline
//! touched is read again, its contribution computed by the `kpi` crate and
//! compared with the one stored; the difference goes into the day and month
//! sums. The sweep does the same for deadlines that became late with no write,
//! and a rebuild starts a station over from its records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use kpi::{complaint_contributions, deadline_contributions, order_contributions, Contribution, DeadlineRecord, Dim, Rules, Tally};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use sync_protocol::Change;
use uuid::Uuid;

use super::inputs::{self, Key, Read, Sources, StationFacts, Touched, COMPLAINT, DEADLINE, ORDER};

/// Sources read per statement in a rebuild or a drain.
const REBUILD_CHUNK: usize = 2000;

/// Queued pushes counted per transaction: a backlog is drained in steps, so
/// the station's lock is never held for long (a push holds up to 1,000 changes).
const DRAIN_PUSHES: i64 = 50;

/// The station's KPI row, locked for this transaction.
struct StationRow {
    tz: String,
    repeat_window_days: i32,
    calendar: Option<Json<Value>>,
    rebuilt: bool,
}

impl StationRow {
    fn rules(&self) -> Rules {
        Rules { tz: self.tz.parse::<Tz>().unwrap_or(inputs::DEFAULT_TZ), repeat_window_days: i64::from(self.repeat_window_days) }
    }
}

/// Locks the station's row, creating it if need be. With `wait` false, a row
/// another transaction holds is skipped (None): that one is counting already.
async fn lock_station(conn: &mut PgConnection, station: Uuid, wait: bool) -> sqlx::Result<Option<StationRow>> {
    type Row = (String, i32, Option<Json<Value>>, bool);
    loop {
        let row: Option<Row> = if wait {
            sqlx::query_as("SELECT tz, repeat_window_days, calendar, rebuilt FROM kpi_stations WHERE station_id = $1 FOR UPDATE")
                .bind(station)
                .fetch_optional(&mut *conn)
                .await?
        } else {
            sqlx::query_as("SELECT tz, repeat_window_days, calendar, rebuilt FROM kpi_stations WHERE station_id = $1 FOR UPDATE SKIP LOCKED")
                .bind(station)
                .fetch_optional(&mut *conn)
                .await?
        };
        if let Some((tz, repeat_window_days, calendar, rebuilt)) = row {
            return Ok(Some(StationRow { tz, repeat_window_days, calendar, rebuilt }));
        }
        let created: Option<Uuid> = sqlx::query_scalar("INSERT INTO kpi_stations (station_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING station_id")
            .bind(station)
            .fetch_optional(&mut *conn)
            .await?;
        if created.is_none() && !wait {
            return Ok(None);
        }
    }
}

async fn lock_station_waiting(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<StationRow> {
    match lock_station(conn, station, true).await? {
        Some(row) => Ok(row),
        None => Err(sqlx::Error::RowNotFound),
    }
}

/// Called by the push transaction with the changes it applied: notes what they
/// touched in `kpi_queue`, one row, counted later (`drain`, `drain_all`).
/// The push takes no KPI lock, so pushes never wait for the counting.
pub async fn queue_batch(conn: &mut PgConnection, station: Uuid, changes: &[&Change], now: DateTime<Utc>) -> sqlx::Result<()> {
    let touched = Touched::of(changes);
    if !touched.matters() {
        return Ok(());
    }
    let (sources, ids): (Vec<String>, Vec<String>) = touched.keys().into_iter().unzip();
    let (lookups, lookup_ids): (Vec<&str>, Vec<&str>) = touched.lookups().iter().map(|(e, i)| (e.as_str(), i.as_str())).unzip();
    sqlx::query(
        "INSERT INTO kpi_queue (station_id, at, sources, source_ids, lookups, lookup_ids, rules, context)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(station)
    .bind(now)
    .bind(&sources)
    .bind(&ids)
    .bind(&lookups)
    .bind(&lookup_ids)
    .bind(touched.rules)
    .bind(touched.context)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes up to `DRAIN_PUSHES` queued pushes of the station out of the queue
/// (deleted in this transaction, so they come back if it fails): what they
/// touched, the latest of their clocks, and whether more are waiting. The
/// delete's snapshot is taken before the records are read, so every push taken
/// here is visible to the reads that count it.
async fn take_queued(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<Option<(Touched, DateTime<Utc>, usize)>> {
    type Row = (DateTime<Utc>, Vec<String>, Vec<String>, Vec<String>, Vec<String>, bool, bool);
    let rows: Vec<Row> = sqlx::query_as(
        "DELETE FROM kpi_queue WHERE station_id = $1 AND id IN (SELECT id FROM kpi_queue WHERE station_id = $1 ORDER BY id LIMIT $2)
         RETURNING at, sources, source_ids, lookups, lookup_ids, rules, context",
    )
    .bind(station)
    .bind(DRAIN_PUSHES)
    .fetch_all(&mut *conn)
    .await?;
    let taken = rows.len();
    let mut touched = Touched::default();
    let mut latest = None;
    for (at, sources, ids, lookups, lookup_ids, rules, context) in rows {
        latest = latest.max(Some(at));
        touched.add_queued(sources, ids, lookups, lookup_ids, rules, context);
    }
    Ok(latest.map(|at| (touched, at, taken)))
}

/// Counts one step of the station's queue; the station's row is locked.
/// Running deadlines are counted as of the latest push taken (or `at_least`,
/// the sweep's clock, when later). Returns how many pushes were taken and whether more wait.
async fn drain_locked(conn: &mut PgConnection, station: Uuid, row: &StationRow, at_least: Option<DateTime<Utc>>) -> sqlx::Result<(usize, bool)> {
    let Some((touched, at, taken)) = take_queued(conn, station).await? else {
        return Ok((0, false));
    };
    count(conn, station, row, touched, at_least.map_or(at, |t| t.max(at))).await?;
    Ok((taken, taken as i64 == DRAIN_PUSHES))
}

/// Counts what the queued pushes touched: the rules first (a new time zone or
/// repeat window, or a station never counted, starts it over), the context,
/// then each source read again and its difference added to the sums.
async fn count(conn: &mut PgConnection, station: Uuid, row: &StationRow, mut touched: Touched, now: DateTime<Utc>) -> sqlx::Result<()> {
    let mut rules = row.rules();
    if !row.rebuilt || touched.rules {
        let facts = inputs::read_facts(conn, station).await?;
        if !row.rebuilt || facts.rules().tz != rules.tz || facts.repeat_window_days != rules.repeat_window_days {
            return rebuild_locked(conn, station, &facts, now).await;
        }
        rules = facts.rules();
        if facts.calendar != row.calendar.as_ref().map(|c| c.0.clone()) {
            sqlx::query("UPDATE kpi_stations SET calendar = $2, updated_at = now() WHERE station_id = $1")
                .bind(station)
                .bind(facts.calendar.map(Json))
                .execute(&mut *conn)
                .await?;
        }
    }
    if touched.context {
        refresh_context(conn, station).await?;
    }
    touched.resolve(conn, station).await?;
    for chunk in touched.keys().chunks(REBUILD_CHUNK) {
        recompute(conn, station, &rules, now, &Sources::of(chunk)).await?;
    }
    Ok(())
}

/// Counts every push queued for `stations` before this call, waiting for a
/// drain that holds a station: the KPI reads call it first, so a report
/// includes every acknowledged push. One transaction per step of a station.
/// Returns how many queued pushes were counted here.
pub async fn drain(pool: &PgPool, stations: &[Uuid]) -> sqlx::Result<usize> {
    let pending: Vec<Uuid> = sqlx::query_scalar("SELECT s FROM UNNEST($1::uuid[]) AS s WHERE EXISTS (SELECT 1 FROM kpi_queue q WHERE q.station_id = s)")
        .bind(stations)
        .fetch_all(pool)
        .await?;
    drain_stations(pool, &pending, true).await
}

/// The server's background drain: every station with queued pushes, skipping
/// a station another drain (a read, the other head office) is counting now.
/// Returns how many queued pushes were counted here.
pub async fn drain_all(pool: &PgPool) -> sqlx::Result<usize> {
    let pending: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT station_id FROM kpi_queue").fetch_all(pool).await?;
    drain_stations(pool, &pending, false).await
}

/// Drains each station's queue step by step, one transaction per step;
/// without `wait`, a station whose lock is held is left to its holder.
async fn drain_stations(pool: &PgPool, stations: &[Uuid], wait: bool) -> sqlx::Result<usize> {
    let mut counted = 0;
    for &station in stations {
        loop {
            let mut tx = pool.begin().await?;
            let Some(row) = lock_station(&mut tx, station, wait).await? else { break };
            let (n, more) = drain_locked(&mut tx, station, &row, None).await?;
            tx.commit().await?;
            counted += n;
            if !more {
                break;
            }
        }
    }
    Ok(counted)
}

async fn refresh_context(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<()> {
    let (stock, short, technicians) = inputs::read_context(conn, station).await?;
    sqlx::query("UPDATE kpi_stations SET stock_value_minor = $2, parts_short = $3, technicians = $4, updated_at = now() WHERE station_id = $1")
        .bind(station)
        .bind(stock)
        .bind(i32::try_from(short).unwrap_or(i32::MAX))
        .bind(i32::try_from(technicians).unwrap_or(i32::MAX))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a source adds now, and when that could change without a write.
#[derive(Debug, Default)]
struct Made {
    contributions: Vec<Contribution>,
    recheck_at: Option<DateTime<Utc>>,
}

/// A deadline that can still be met: it turns breached at `late_at` if nobody writes before.
fn recheck_at(d: &DeadlineRecord, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match (d.outcome(now), d.state.as_str()) {
        (None, "running") => d.late_at,
        _ => None,
    }
}

/// Every requested source's contribution now. A source with no record left makes none.
fn compute(read: Read, ids: &Sources, rules: &Rules, now: DateTime<Utc>) -> BTreeMap<Key, Made> {
    let mut made: BTreeMap<Key, Made> = ids.keys().map(|k| (k, Made::default())).collect();
    for o in read.orders {
        let m = Made { contributions: order_contributions(&o, rules), recheck_at: None };
        made.insert((ORDER.to_string(), o.id), m);
    }
    for c in read.complaints {
        let m = Made { contributions: complaint_contributions(&c, rules, now), recheck_at: c.resolution.as_ref().and_then(|d| recheck_at(d, now)) };
        made.insert((COMPLAINT.to_string(), c.id), m);
    }
    for d in read.deadlines {
        let m = Made { contributions: deadline_contributions(&d, rules, now), recheck_at: recheck_at(&d, now) };
        made.insert((DEADLINE.to_string(), d.id), m);
    }
    made
}

/// Reads the sources again and moves the sums by what changed: one statement to read, one to write.
async fn recompute(conn: &mut PgConnection, station: Uuid, rules: &Rules, now: DateTime<Utc>, ids: &Sources) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut read = inputs::read(conn, station, ids).await?;
    let stored = std::mem::take(&mut read.stored);
    let made = compute(read, ids, rules, now);
    write(conn, station, &changes(made, &stored)).await
}

/// A contribution as stored: the tally as (index, value) pairs of its
/// non-zero counters in `Tally::to_vec`'s layout (an order has about 15 of 45).
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    d: NaiveDate,
    k: String,
    #[serde(default)]
    i: String,
    t: Vec<i64>,
}

pub(super) fn dim_key(dim: &Dim) -> (&'static str, &str) {
    match dim {
        Dim::Station => ("station", ""),
        Dim::Advisor(id) => ("advisor", id),
        Dim::Technician(id) => ("technician", id),
    }
}

pub(super) fn dim_of(kind: &str, id: &str) -> Option<Dim> {
    match kind {
        "station" => Some(Dim::Station),
        "advisor" => Some(Dim::Advisor(id.to_string())),
        "technician" => Some(Dim::Technician(id.to_string())),
        _ => None,
    }
}

/// The counters as PostgreSQL keeps them in the sums: trailing zeros trimmed (`Tally::from_vec` reads them back).
pub(super) fn trimmed(t: &Tally) -> Vec<i64> {
    let mut v = t.to_vec();
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

fn encode(contributions: &[Contribution]) -> Value {
    let stored: Vec<Stored> = contributions
        .iter()
        .map(|(d, dim, t)| {
            let (k, i) = dim_key(dim);
            let pairs = t.to_vec().into_iter().enumerate().filter(|(_, v)| *v != 0).flat_map(|(n, v)| [n as i64, v]).collect();
            Stored { d: *d, k: k.to_string(), i: i.to_string(), t: pairs }
        })
        .collect();
    serde_json::to_value(stored).unwrap_or(Value::Null)
}

pub(super) fn decode(v: &Value) -> Vec<Contribution> {
    let stored: Vec<Stored> = serde_json::from_value(v.clone()).unwrap_or_default();
    stored
        .into_iter()
        .filter_map(|s| {
            let mut dense = vec![0i64; Tally::WIDTH];
            for pair in s.t.chunks_exact(2) {
                if let Some(slot) = usize::try_from(pair[0]).ok().and_then(|n| dense.get_mut(n)) {
                    *slot = pair[1];
                }
            }
            Some((s.d, dim_of(&s.k, &s.i)?, Tally::from_vec(&dense)))
        })
        .collect()
}

/// What one batch writes: contributions to store or drop, and the sums' deltas.
#[derive(Default)]
struct Changes {
    put: Vec<Row>,
    gone: Vec<Key>,
    daily: BTreeMap<(NaiveDate, Dim), Tally>,
    monthly: BTreeMap<(NaiveDate, Dim), Tally>,
}

/// A `kpi_contributions` row to write.
struct Row {
    key: Key,
    day: Option<NaiveDate>,
    contributions: Value,
    recheck_at: Option<DateTime<Utc>>,
}

/// New minus old, for the sources whose contribution (or recheck time) changed.
fn changes(made: BTreeMap<Key, Made>, stored: &HashMap<Key, (Value, Option<DateTime<Utc>>)>) -> Changes {
    let mut out = Changes::default();
    for (key, m) in made {
        let encoded = encode(&m.contributions);
        let before = stored.get(&key);
        if before.is_some_and(|(c, r)| *c == encoded && *r == m.recheck_at) {
            continue;
        }
        if let Some((c, _)) = before {
            for (d, dim, t) in decode(c) {
                out.daily.entry((d, dim)).or_insert_with(Tally::zero).subtract(&t);
            }
        }
        let day = m.contributions.iter().map(|(d, _, _)| *d).min();
        for (d, dim, t) in m.contributions {
            out.daily.entry((d, dim)).or_insert_with(Tally::zero).add(&t);
        }
        if day.is_some() || m.recheck_at.is_some() {
            out.put.push(Row { key, day, contributions: encoded, recheck_at: m.recheck_at });
        } else if before.is_some() {
            out.gone.push(key);
        }
    }
    out.daily.retain(|_, t| !t.is_zero());
    for ((d, dim), t) in &out.daily {
        out.monthly.entry((month_of(*d), dim.clone())).or_insert_with(Tally::zero).add(t);
    }
    out.monthly.retain(|_, t| !t.is_zero());
    out
}

pub(super) fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The sums' rows as columns, in key order: the order every writer locks them in.
fn sum_columns(rows: &BTreeMap<(NaiveDate, Dim), Tally>) -> (Vec<&'static str>, Vec<String>, Vec<NaiveDate>, Vec<String>) {
    let mut sorted: Vec<(&'static str, &str, NaiveDate, &Tally)> = rows.iter().map(|((d, dim), t)| (dim_key(dim).0, dim_key(dim).1, *d, t)).collect();
    sorted.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let ks = sorted.iter().map(|r| r.0).collect();
    let is = sorted.iter().map(|r| r.1.to_string()).collect();
    let ds = sorted.iter().map(|r| r.2).collect();
    let ts = sorted.iter().map(|r| pg_array(&trimmed(r.3))).collect();
    (ks, is, ds, ts)
}

/// Stores and drops contributions and adds the deltas to the day and month sums, in one statement.
async fn write(conn: &mut PgConnection, station: Uuid, c: &Changes) -> sqlx::Result<()> {
    if c.put.is_empty() && c.gone.is_empty() && c.daily.is_empty() && c.monthly.is_empty() {
        return Ok(());
    }
    let (gs, gi): (Vec<&str>, Vec<&str>) = c.gone.iter().map(|(s, i)| (s.as_str(), i.as_str())).unzip();
    let ps: Vec<&str> = c.put.iter().map(|r| r.key.0.as_str()).collect();
    let pi: Vec<&str> = c.put.iter().map(|r| r.key.1.as_str()).collect();
    let pd: Vec<Option<NaiveDate>> = c.put.iter().map(|r| r.day).collect();
    let pc: Vec<String> = c.put.iter().map(|r| r.contributions.to_string()).collect();
    let pr: Vec<Option<DateTime<Utc>>> = c.put.iter().map(|r| r.recheck_at).collect();
    let (dk, di, dd, dt) = sum_columns(&c.daily);
    let (mk, mi, md, mt) = sum_columns(&c.monthly);
    sqlx::query(
        "WITH gone AS (
             DELETE FROM kpi_contributions c USING UNNEST($2::text[], $3::text[]) AS u(s, i)
             WHERE c.station_id = $1 AND c.source = u.s AND c.source_id = u.i
         ), put AS (
             INSERT INTO kpi_contributions (station_id, source, source_id, day, contributions, recheck_at)
             SELECT $1, u.s, u.i, u.d, u.c::jsonb, u.r FROM UNNEST($4::text[], $5::text[], $6::date[], $7::text[], $8::timestamptz[]) AS u(s, i, d, c, r)
             ON CONFLICT (station_id, source, source_id) DO UPDATE
             SET day = excluded.day, contributions = excluded.contributions, recheck_at = excluded.recheck_at
         ), daily AS (
             INSERT INTO kpi_daily (station_id, dim_kind, dim_id, day, tally)
             SELECT $1, u.k, u.i, u.d, u.t::bigint[] FROM UNNEST($9::text[], $10::text[], $11::date[], $12::text[]) AS u(k, i, d, t)
             ON CONFLICT (station_id, dim_kind, dim_id, day) DO UPDATE SET tally = kpi_add(kpi_daily.tally, excluded.tally)
         )
         INSERT INTO kpi_monthly (station_id, dim_kind, dim_id, month, tally)
         SELECT $1, u.k, u.i, u.d, u.t::bigint[] FROM UNNEST($13::text[], $14::text[], $15::date[], $16::text[]) AS u(k, i, d, t)
         ON CONFLICT (station_id, dim_kind, dim_id, month) DO UPDATE SET tally = kpi_add(kpi_monthly.tally, excluded.tally)",
    )
    .bind(station)
    .bind(&gs)
    .bind(&gi)
    .bind(&ps)
    .bind(&pi)
    .bind(&pd)
    .bind(&pc)
    .bind(&pr)
    .bind(&dk)
    .bind(&di)
    .bind(&dd)
    .bind(&dt)
    .bind(&mk)
    .bind(&mi)
    .bind(&md)
    .bind(&mt)
    .execute(conn)
    .await?;
    Ok(())
}

/// PostgreSQL's array literal for a list of numbers: `{1,0,-2}`.
pub(super) fn pg_array(v: &[i64]) -> String {
    let inner: Vec<String> = v.iter().map(i64::to_string).collect();
    format!("{{{}}}", inner.join(","))
}

/// Starts a station over: its sums and contributions from all its records,
/// under the rules its records give now. The station's row is locked.
async fn rebuild_locked(conn: &mut PgConnection, station: Uuid, facts: &StationFacts, now: DateTime<Utc>) -> sqlx::Result<()> {
    // The queue first: every push queued before this statement is visible to the reads below, so it is counted.
    for sql in [
        "DELETE FROM kpi_queue WHERE station_id = $1",
        "DELETE FROM kpi_daily WHERE station_id = $1",
        "DELETE FROM kpi_monthly WHERE station_id = $1",
        "DELETE FROM kpi_contributions WHERE station_id = $1",
    ] {
        sqlx::query(sql).bind(station).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE kpi_stations SET tz = $2, repeat_window_days = $3, calendar = $4, rebuilt = true, updated_at = now() WHERE station_id = $1")
        .bind(station)
        .bind(facts.tz.name())
        .bind(i32::try_from(facts.repeat_window_days).unwrap_or(i32::MAX))
        .bind(facts.calendar.clone().map(Json))
        .execute(&mut *conn)
        .await?;
    refresh_context(conn, station).await?;
    let rules = facts.rules();
    let sources = inputs::all_sources(conn, station).await?;
    for chunk in sources.chunks(REBUILD_CHUNK) {
        recompute(conn, station, &rules, now, &Sources::of(chunk)).await?;
    }
    Ok(())
}

/// Rebuilds one station's KPIs from its records, in its own transaction
/// (`headoffice admin rebuild-kpis`; also what the first drain after an upgrade does).
pub async fn rebuild_station(pool: &PgPool, station: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    lock_station_waiting(&mut tx, station).await?;
    let facts = inputs::read_facts(&mut tx, station).await?;
    rebuild_locked(&mut tx, station, &facts, now).await?;
    tx.commit().await
}

/// Re-reads the deadlines and complaints whose running clock passed its
/// `late_at` since they were last read, so a breach counts without a write.
/// One transaction per station. Returns how many sources were re-read.
pub async fn sweep_overdue(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<usize> {
    let stations: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT station_id FROM kpi_contributions WHERE recheck_at <= $1").bind(now).fetch_all(pool).await?;
    let mut swept = 0;
    for station in stations {
        let mut tx = pool.begin().await?;
        // What pushes queued first, counted as of now, so a deadline they touched is not counted as running after this.
        let mut row = lock_station_waiting(&mut tx, station).await?;
        loop {
            let (_, more) = drain_locked(&mut tx, station, &row, Some(now)).await?;
            // A step may have rebuilt the station: read its rules again.
            row = lock_station_waiting(&mut tx, station).await?;
            if !more {
                break;
            }
        }
        let due: Vec<(String, String)> =
            sqlx::query_as("SELECT source, source_id FROM kpi_contributions WHERE station_id = $1 AND recheck_at <= $2 ORDER BY source, source_id")
                .bind(station)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
        recompute(&mut tx, station, &row.rules(), now, &Sources::of(&due)).await?;
        tx.commit().await?;
        swept += due.len();
    }
    Ok(swept)
}
