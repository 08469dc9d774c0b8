//! KPI benchmarks at head-office scale (figures in docs/benchmarks.md):
//!
//! 1. Generated data: 200 stations × 2,000,000 orders over two years, with
//!    follow-ups, surveys, complaints and deadlines. Each order is counted by
//!    the `kpi` crate itself and the sums are loaded into `kpi_daily` and
//!    `kpi_monthly` with COPY (pushing 26 million changes would take hours and
//!    measure the push, not the queries). One more station pushes its orders
//!    through the real server, so the drill-down reads real contributions and
//!    records; rebuilding that station's sums from its records is timed too.
//! 2. The queries the console runs, p50/p95 over repeated runs.
//! 3. The push with the sums kept against the same push without (the switch
//!    `kpi_summaries`, which leaves exactly today's push), on two workloads: the
//!    sync bench's check-ins and a whole delivered order's life. The push only
//!    queues what it touched; the server's background drain counts it, and how
//!    long after the last acknowledgement the queue is empty is reported too.
//!
//! `cargo bench -p headoffice --bench kpis` (KPI_BENCH_STATIONS, KPI_BENCH_ORDERS, KPI_BENCH_RUNS,
//! KPI_BENCH_PUSH_CHANGES, KPI_BENCH_PUSH_ROUNDS to scale; KPI_BENCH_DRAIN_MS for the background drain's period;
//! KPI_BENCH_SAME=1 runs both head offices without the sums: the push rows then show the bench's noise).
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::records::{setup, shanghai, ts, Complaint, Deadline, Job, Line, Order, Station, Stretch};
use common::{batch, StationSim, TestApp, CLUSTER};
use headoffice::store::kpis::{self, Group};
use kpi::{complaint_contributions, deadline_contributions, order_contributions, Contribution, Dim, Rules, Tally};
use serde_json::json;
use sync_protocol::Change;
use uuid::Uuid;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// splitmix64: the same data on every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p` percent.
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

const NOW: &str = "2026-11-20T12:00:00Z";
const DAYS: i64 = 730;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().with_timezone(&Utc)
}

/// One station's records over the last `days` days: orders with jobs, lines, clocks, follow-ups and surveys; about 2
/// complaints per 100 orders; each order's initial-assessment deadline. `quality` (0–20) makes some stations worse than others.
fn station_records(prefix: &str, orders: usize, days: i64, quality: u64, seed: u64) -> Station {
    let mut r = Rng(seed);
    let start = now() - chrono::Duration::days(days);
    let mut out = Station { orders: Vec::with_capacity(orders), complaints: Vec::new(), deadlines: Vec::with_capacity(orders), rules: shanghai(30) };
    for k in 0..orders {
        let id = format!("{prefix}o{k}");
        let checked_in = start + chrono::Duration::minutes((k as i64 * days * 24 * 60) / orders.max(1) as i64 + r.below(600) as i64);
        let longest = if r.pct(80) { 30 } else { 200 };
        let cycle_h = 1 + r.below(longest) as i64;
        let delivered = checked_in + chrono::Duration::hours(cycle_h) + chrono::Duration::minutes(r.below(60) as i64);
        let mut o = Order {
            id: id.clone(),
            advisor: format!("{prefix}a{}", k % 4),
            status: "delivered",
            checked_in_at: checked_in,
            promised_at: r.pct(85).then(|| delivered + chrono::Duration::hours(r.below(6) as i64 - (quality as i64 / 4))),
            delivered_at: Some(delivered),
            repeat_of_delivered_at: r.pct(3 + quality / 4).then(|| checked_in - chrono::Duration::days(1 + r.below(45) as i64)),
            discount: if r.pct(10) { 5_000 } else { 0 },
            jobs: Vec::new(),
            lines: Vec::new(),
            stretches: Vec::new(),
            waited_for_parts: r.pct(8),
            follow_up: None,
            survey: None,
        };
        if delivered > now() {
            o.status = "in_repair";
            o.delivered_at = None;
        } else if r.pct(2) {
            o.status = "cancelled";
            o.delivered_at = None;
        }
        for j in 0..1 + r.below(3) {
            let job = format!("{id}-j{j}");
            let tech = format!("{prefix}t{}", r.below(6));
            let approval = if r.pct(90) { "approved" } else { "declined" };
            o.lines.push(Line {
                id: format!("{job}-l"),
                job: job.clone(),
                kind: "labor",
                quantity_milli: 500 + r.below(3000) as i64,
                unit_price: 12_000,
                issued_milli: 0,
            });
            if r.pct(60) {
                let qty = 1000 + r.below(3) as i64 * 1000;
                o.lines.push(Line {
                    id: format!("{job}-p"),
                    job: job.clone(),
                    kind: "part",
                    quantity_milli: qty,
                    unit_price: 2_000 + r.below(30_000) as i64,
                    issued_milli: qty,
                });
            }
            if approval == "approved" {
                o.stretches.push(Stretch { id: format!("{job}-c"), job: job.clone(), technician: tech.clone(), seconds: Some(1800 + r.below(14_400) as i64) });
            }
            o.jobs.push(Job { id: job, technician: Some(tech), approval });
        }
        if let Some(d) = o.delivered_at {
            let status = match r.below(100) {
                n if n < 80 - quality => "reached",
                n if n < 93 => "unreachable",
                n if n < 97 => "declined",
                _ => "no_consent",
            };
            let longest = if r.pct(90) { 70 } else { 140 };
            let ended = d + chrono::Duration::hours(2 + r.below(longest) as i64);
            o.follow_up = Some((status, (ended < now()).then_some(ended)));
            if status == "reached" && r.pct(75) {
                o.survey = Some(if r.pct(70 - quality * 2) { 5 } else { 3 + r.below(2) as i64 });
            }
            if r.pct(2 + quality / 5) {
                let received = d + chrono::Duration::hours(1 + r.below(150) as i64);
                let late = received + chrono::Duration::hours(72);
                let cid = format!("{id}-k");
                let resolution = Deadline {
                    id: format!("{cid}-res"),
                    item_kind: "complaint",
                    item_id: cid.clone(),
                    clock: "resolution",
                    policy_kind: "complaint_resolution",
                    state: if late < now() { "stopped" } else { "running" },
                    late_at: Some(late),
                    met_at: (late < now() && r.pct(88 - quality)).then(|| received + chrono::Duration::hours(r.below(72) as i64)),
                    breached_at: None,
                };
                let resolution = Deadline { breached_at: (resolution.state == "stopped" && resolution.met_at.is_none()).then_some(late), ..resolution };
                out.complaints.push(Complaint { id: cid, received_at: received, repeat_of: r.pct(10).then(|| "earlier".to_string()), resolution });
            }
        }
        let assessed = checked_in + chrono::Duration::minutes(5 + r.below(60) as i64);
        out.deadlines.push(Deadline {
            id: format!("{id}-ia"),
            item_kind: "repair_order",
            item_id: id.clone(),
            clock: "initial_assessment",
            policy_kind: "initial_assessment",
            state: "stopped",
            late_at: Some(checked_in + chrono::Duration::minutes(30)),
            met_at: (assessed <= checked_in + chrono::Duration::minutes(30)).then_some(assessed),
            breached_at: (assessed > checked_in + chrono::Duration::minutes(30)).then(|| checked_in + chrono::Duration::minutes(30)),
        });
        out.orders.push(o);
    }
    out
}

/// Sums a station's contributions by (day, dim) as the head office keeps them.
fn sums(st: &Station, rules: &Rules) -> HashMap<(NaiveDate, Dim), Vec<i64>> {
    let mut acc: HashMap<(NaiveDate, Dim), Vec<i64>> = HashMap::new();
    let mut add = |cs: Vec<Contribution>| {
        for (d, dim, t) in cs {
            let v = acc.entry((d, dim)).or_insert_with(|| vec![0; Tally::WIDTH]);
            for (a, b) in v.iter_mut().zip(t.to_vec()) {
                *a += b;
            }
        }
    };
    for o in &st.orders {
        add(order_contributions(&o.record(), rules));
    }
    for c in &st.complaints {
        add(complaint_contributions(&c.record(), rules, now()));
        add(deadline_contributions(&c.resolution.record(), rules, now()));
    }
    for d in &st.deadlines {
        add(deadline_contributions(&d.record(), rules, now()));
    }
    acc
}

fn copy_line(out: &mut String, station: Uuid, (d, dim): &(NaiveDate, Dim), v: &[i64]) {
    let (kind, id) = match dim {
        Dim::Station => ("station", ""),
        Dim::Advisor(a) => ("advisor", a.as_str()),
        Dim::Technician(t) => ("technician", t.as_str()),
    };
    let nums: Vec<String> = v.iter().map(i64::to_string).collect();
    out.push_str(&format!("{station}\t{kind}\t{id}\t{d}\t{{{}}}\n", nums.join(",")));
}

async fn copy(pool: &sqlx::PgPool, sql: &str, text: &str) {
    let mut conn = pool.acquire().await.unwrap();
    let mut copy = conn.copy_in_raw(sql).await.unwrap();
    copy.send(text.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
}

/// Loads one station's sums and its context row.
async fn load_station(pool: &sqlx::PgPool, station: Uuid, acc: &HashMap<(NaiveDate, Dim), Vec<i64>>) {
    let mut daily = String::new();
    let mut monthly: HashMap<(NaiveDate, Dim), Vec<i64>> = HashMap::new();
    for (key, v) in acc {
        copy_line(&mut daily, station, key, v);
        let m = monthly.entry((key.0.with_day(1).unwrap(), key.1.clone())).or_insert_with(|| vec![0; Tally::WIDTH]);
        for (a, b) in m.iter_mut().zip(v) {
            *a += b;
        }
    }
    let mut months = String::new();
    for (key, v) in &monthly {
        copy_line(&mut months, station, key, v);
    }
    copy(pool, "COPY kpi_daily (station_id, dim_kind, dim_id, day, tally) FROM STDIN", &daily).await;
    copy(pool, "COPY kpi_monthly (station_id, dim_kind, dim_id, month, tally) FROM STDIN", &months).await;
    sqlx::query("INSERT INTO kpi_stations (station_id, stock_value_minor, parts_short, technicians, rebuilt) VALUES ($1, 25000000, 12, 6, true)")
        .bind(station)
        .execute(pool)
        .await
        .unwrap();
}

/// A head office on `url` (several may serve one database).
async fn serve(url: &str, summaries: bool) -> TestApp {
    let app = common::serve(url.to_string(), |c| {
        c.kpi_summaries = summaries;
        c.kpi_sweep_secs = 0;
        c.kpi_drain_ms = drain_ms();
    })
    .await;
    app.clock.set(now());
    app
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn time_runs<F, Fut>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    (pct(&times, 0.5), pct(&times, 0.95))
}

/// The sync bench's outbox: check-ins (customer, vehicle, order, status event) and an order update, per order.
fn check_ins(st: &mut StationSim, n: usize) -> Vec<Change> {
    let node = st.code.clone();
    (0..n)
        .map(|i| {
            let k = i / 5;
            let (c, v, ro) = (format!("{node}-c{k}"), format!("{node}-v{k}"), format!("{node}-ro{k}"));
            match i % 5 {
                0 => st.change("customer", &c, json!({"id": c, "name": "王芳", "phone": "13900000000", "language": "zh-CN"})),
                1 => st.change("vehicle", &v, json!({"id": v, "customer_id": c, "vin": "LSVAM4187C2184851", "plate": "沪A12345", "make": "VW"})),
                2 => st.change(
                    "repair_order",
                    &ro,
                    json!({"id": ro, "number": format!("{node}-{k}"), "status": "checked_in", "odometer_in_km": 42000, "personal_items": ""}),
                ),
                3 => st.change(
                    "ro_status_event",
                    &format!("{node}-ev{k}"),
                    json!({"id": format!("{node}-ev{k}"), "ro_id": ro, "to_status": "checked_in", "note": ""}),
                ),
                _ => st.change(
                    "repair_order",
                    &ro,
                    json!({"id": ro, "number": format!("{node}-{k}"), "status": "in_progress", "odometer_in_km": 42000, "personal_items": ""}),
                ),
            }
        })
        .collect()
}

/// A delivered order's life as the outbox holds it: check-in (customer, vehicle, order, event), jobs and lines, the order in
/// repair, clocks, the order delivered and its event, follow-up, survey, deadlines, sometimes a complaint.
fn lifetimes(st: &mut StationSim, records: &Station, n: usize) -> Vec<Change> {
    let mut out = Vec::new();
    let mut complaints: HashMap<&str, &Complaint> = HashMap::new();
    for c in &records.complaints {
        complaints.insert(c.id.strip_suffix("-k").unwrap_or_default(), c);
    }
    for (o, d) in records.orders.iter().zip(&records.deadlines) {
        if out.len() >= n {
            break;
        }
        let c = format!("{}-cust", o.id);
        out.push(st.change("customer", &c, json!({"id": c, "name": "王芳", "phone": "13900000000"})));
        out.push(st.change("vehicle", &format!("v-{}", o.id), json!({"id": format!("v-{}", o.id), "customer_id": c, "vin": "LSVAM4187C2184851"})));
        for status in ["checked_in", "in_repair"] {
            let early = Order { status, delivered_at: None, follow_up: None, survey: None, ..o.clone() };
            out.push(st.change("repair_order", &o.id, early.head()));
            let ev = format!("{}-{status}", o.id);
            out.push(st.change("ro_status_event", &ev, json!({"id": ev, "ro_id": o.id, "seq": 1, "to_status": status, "note": "", "at": ts(o.checked_in_at)})));
        }
        out.extend(o.changes(st));
        out.push(d.change(st));
        if let Some(k) = complaints.get(o.id.as_str()) {
            out.extend(k.changes(st));
        }
    }
    out.truncate(n);
    out
}

async fn push_all(app: &TestApp, st: &StationSim, changes: &[Change], size: usize) -> f64 {
    let t = Instant::now();
    for chunk in changes.chunks(size) {
        app.push_ok(&st.token, &batch(chunk.to_vec())).await;
    }
    t.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let stations = env_usize("KPI_BENCH_STATIONS", 200);
    let orders = env_usize("KPI_BENCH_ORDERS", 2_000_000);
    let runs = env_usize("KPI_BENCH_RUNS", 30);
    let push_changes = env_usize("KPI_BENCH_PUSH_CHANGES", 10_000);
    let per_station = orders / stations.max(1);
    let url = CLUSTER.create_database("kpi_bench").await;
    // The machine's disk is small: keep the throwaway cluster's write-ahead log from growing to its 1 GB default.
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query("ALTER SYSTEM SET max_wal_size = '128MB'").execute(&admin).await.unwrap();
    sqlx::query("SELECT pg_reload_conf()").execute(&admin).await.unwrap();
    admin.close().await;
    // KPI_BENCH_SAME=1: the second head office runs without the sums too, so the push rows show the bench's own noise.
    // The loading, the drill-down station's push and the queries go through a third head office, so the two compared
    // did nothing else: when the one with the sums also did those, it pushed slower than the other with the sums off
    // in both (KPI_BENCH_SAME: +23 %, +36 % and +135 % on the three push rows at full scale).
    let loader = serve(&url, true).await;
    let on = serve(&url, std::env::var_os("KPI_BENCH_SAME").is_none()).await;
    let off = serve(&url, false).await;
    let pool = loader.pool.clone();
    println!("| step | result |\n| --- | --- |");

    // 1. The sums of `stations` stations, counted by the kpi crate, loaded with COPY.
    let started = Instant::now();
    let mut ids = Vec::with_capacity(stations);
    let (mut contributions_ms, mut rows) = (0.0, 0usize);
    for s in 0..stations {
        headoffice::admin::create_station(&pool, &format!("S{s:04}"), &format!("Station {s}"), 1).await.unwrap();
        let id: Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(format!("S{s:04}")).fetch_one(&pool).await.unwrap();
        let t = Instant::now();
        let records = station_records(&format!("s{s}"), per_station, DAYS, (s % 5) as u64 * 4, s as u64 + 1);
        let acc = sums(&records, &records.rules);
        contributions_ms += t.elapsed().as_secs_f64() * 1000.0;
        rows += acc.len();
        load_station(&pool, id, &acc).await;
        ids.push(id);
    }
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    let size: String = sqlx::query_scalar("SELECT pg_size_pretty(pg_total_relation_size('kpi_daily') + pg_total_relation_size('kpi_monthly'))")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "| {stations} stations × {per_station} orders over {DAYS} days counted by `kpi` and loaded | {:.1} s ({:.1} s counting), {rows} daily rows, {size} |",
        started.elapsed().as_secs_f64(),
        contributions_ms / 1000.0
    );

    // One more station pushes its orders through the server: real contributions and records for the drill-down.
    let mut drill = loader.station("D0001").await;
    let records = station_records("d", per_station, DAYS, 4, 999);
    let mut changes = setup(&mut drill, "Asia/Shanghai", 30, "2024-01-01T00:00:00.000Z");
    changes.extend(records.changes(&mut drill));
    let pushed_s = push_all(&loader, &drill, &changes, 1000).await;
    println!(
        "| the drill-down station pushes {per_station} orders ({} changes, batches of 1,000, sums kept) | {pushed_s:.1} s, **{:.0} changes/s** |",
        changes.len(),
        changes.len() as f64 / pushed_s
    );
    let drill_id: Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = 'D0001'").fetch_one(&pool).await.unwrap();
    // What the first push after the upgrade does for a station with two years of records (and `admin rebuild-kpis`).
    let started = Instant::now();
    kpis::rebuild_station(&pool, drill_id, now()).await.unwrap();
    println!("| rebuild that station's sums from its records ({per_station} orders) | {:.1} s |", started.elapsed().as_secs_f64());
    ids.push(drill_id);
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();

    // 2. The console's queries.
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let today = now().date_naive();
    let month_start = today.with_day(1).unwrap();
    let region: Vec<Uuid> = ids.iter().take(20).copied().collect();
    let (pool, all, region, one, advisor) = (&pool, &ids[..], &region[..], &ids[..1], &Dim::Advisor("s0a1".into()));
    let station = &Dim::Station;
    println!("\n| query ({runs} runs) | p50 ms | p95 ms |\n| --- | ---: | ---: |");
    let q = |label: &str, (p50, p95): (f64, f64)| println!("| {label} | {p50:.1} | {p95:.1} |");
    q(
        &format!("all {} stations, this month so far, by station", all.len()),
        time_runs(runs, || async move { kpis::kpi_for(pool, all, month_start, today, Group::Station, station).await.unwrap().len() }).await,
    );
    q(
        &format!("all {} stations, the last 12 months, by station", all.len()),
        time_runs(runs, || async move { kpis::kpi_for(pool, all, d("2025-11-21"), today, Group::Station, station).await.unwrap().len() }).await,
    );
    q(
        "one region (20 stations), by month over 2 years",
        time_runs(runs, || async move { kpis::kpi_for(pool, region, d("2024-12-01"), today, Group::Month, station).await.unwrap().len() }).await,
    );
    q(
        "one region (20 stations), by week over a quarter",
        time_runs(runs, || async move { kpis::kpi_for(pool, region, d("2026-08-22"), today, Group::Week, station).await.unwrap().len() }).await,
    );
    q(
        "one station, by day over a quarter",
        time_runs(runs, || async move { kpis::kpi_for(pool, one, d("2026-08-22"), today, Group::Day, station).await.unwrap().len() }).await,
    );
    q(
        "one advisor, by month over a year",
        time_runs(runs, || async move { kpis::kpi_for(pool, one, d("2025-12-01"), today, Group::Month, advisor).await.unwrap().len() }).await,
    );
    q(
        "drill-down: one station's orders behind on-time delivery, one month",
        time_runs(runs, || async move { kpis::kpi_orders(pool, drill_id, d("2026-10-01"), d("2026-10-31"), "on_time", station).await.unwrap().len() }).await,
    );
    let n = kpis::kpi_orders(pool, drill_id, d("2026-10-01"), d("2026-10-31"), "on_time", &Dim::Station).await.unwrap().len();
    println!("\n(the drill-down returns {n} orders)");

    // 3. The push: sums kept against today's push. Rounds alternate which goes first, each on fresh stations; the
    // machine is shared, so the figure is the median over rounds of each round's ratio.
    let rounds = env_usize("KPI_BENCH_PUSH_ROUNDS", 5);
    println!(
        "\n| push, median of {rounds} rounds | today's push | with the sums | slower by (median of the rounds' ratios) | counted within (median, max) |\n| --- | ---: | ---: | ---: | ---: |"
    );
    // A station's outbox after a while offline: its orders of the last weeks, 14 a day (2,000,000 / 200 / 730).
    let life_orders = push_changes / 10;
    let life = station_records("w", life_orders, (life_orders / 14).max(1) as i64, 4, 4242);
    let workloads = [
        ("check-ins (the sync bench's outbox), batches of 1,000", 0, push_changes, 1000),
        ("delivered orders' whole life, batches of 1,000 (back from offline)", 1, push_changes, 1000),
        ("delivered orders' whole life, batches of 20 (online)", 1, push_changes / 5, 20),
    ];
    for (n, (label, workload, count, size)) in workloads.into_iter().enumerate() {
        let (mut base, mut kept, mut ratios, mut lags) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let mut t = [0.0; 2];
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for k in order {
                let app = if k == 0 { &off } else { &on };
                let mut st = app.station(&format!("P{n}{round}{k}")).await;
                let warm = setup(&mut st, "Asia/Shanghai", 30, "2024-01-01T00:00:00.000Z");
                push_all(app, &st, &warm, 1000).await;
                let changes = if workload == 0 { check_ins(&mut st, count) } else { lifetimes(&mut st, &life, count) };
                t[k] = push_all(app, &st, &changes, size).await;
                if k == 1 {
                    // Each round starts with nothing left to count, as the push with the sums in it did.
                    lags.push(drained(pool, &st).await);
                }
            }
            eprintln!("{label}, round {round}: {:.3} s today, {:.3} s with the sums, counted within {:.3} s", t[0], t[1], lags[round]);
            base.push(t[0]);
            kept.push(t[1]);
            ratios.push(t[1] / t[0]);
        }
        let max_lag = lags.iter().copied().fold(0.0, f64::max);
        let (base, kept, ratio, lag) = (median(base), median(kept), median(ratios), median(lags));
        println!(
            "| {label}: {count} changes | {base:.2} s, {:.0} changes/s | {kept:.2} s, {:.0} changes/s | {:+.0} % | {lag:.2} s, {max_lag:.2} s |",
            count as f64 / base,
            count as f64 / kept,
            (ratio - 1.0) * 100.0
        );
    }
}

/// Seconds from now until nothing of the station's pushes waits in the KPI queue (the background drain counted it all).
async fn drained(pool: &sqlx::PgPool, st: &StationSim) -> f64 {
    let t = Instant::now();
    if drain_ms() == 0 {
        let id: Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(&st.code).fetch_one(pool).await.unwrap();
        kpis::drain(pool, &[id]).await.unwrap();
        return t.elapsed().as_secs_f64();
    }
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM kpi_queue q JOIN stations s ON s.station_id = q.station_id WHERE s.code = $1")
            .bind(&st.code)
            .fetch_one(pool)
            .await
            .unwrap();
        if waiting == 0 {
            return t.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The background drain's period (KPI_BENCH_DRAIN_MS; 0: none, the bench counts the queue as a read would).
fn drain_ms() -> u64 {
    env_usize("KPI_BENCH_DRAIN_MS", 1000) as u64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
