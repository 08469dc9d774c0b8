//! Head-office sync benchmarks against a throwaway PostgreSQL cluster and the
//! real server over HTTP (figures in docs/benchmarks.md):
//!
//! 1. push throughput: 10,000 changes from one station in batches of 1,000;
//! 2. the same rows written with COPY, the database's own limit;
//! 3. initial pull of a 200,000-row parts catalog;
//! 4. 200 stations pushing at once: throughput and p50/p99 latency.
//!
//! `cargo bench -p headoffice --bench sync` (BENCH_STATIONS, BENCH_PARTS to scale).
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/pg.rs"]
mod pg;

use std::time::{Duration, Instant};

use headoffice::{Application, Config};
use serde_json::json;
use sync_protocol::{framing, Change, ChangesPage, EnrollRequest, EnrollResponse, Hlc, Op, PushAck, PushBatch, PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER};
use uuid::Uuid;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Bench {
    base: String,
    pool: sqlx::PgPool,
    http: reqwest::Client,
}

impl Bench {
    async fn station(&self, code: &str) -> String {
        let enrollment = headoffice::admin::create_station(&self.pool, code, code, 1).await.unwrap();
        let req = EnrollRequest { protocol_version: PROTOCOL_VERSION, enrollment_code: enrollment, station_code: None, next_seq: 1, local_station_id: None };
        let res = self.http.post(format!("{}/v1/enroll", self.base)).header(PROTOCOL_VERSION_HEADER, "1").json(&req).send().await.unwrap();
        res.json::<EnrollResponse>().await.unwrap().token
    }

    async fn push(&self, token: &str, batch: &PushBatch) -> PushAck {
        let res = self
            .http
            .post(format!("{}/v1/push", self.base))
            .bearer_auth(token)
            .header(PROTOCOL_VERSION_HEADER, "1")
            .header("content-encoding", "gzip")
            .body(framing::gzip_json(batch).unwrap())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "push failed: {}", res.text().await.unwrap());
        res.json().await.unwrap()
    }
}

/// A station's outbox: check-ins (customer, vehicle, order, status event) and order updates.
fn outbox(node: &str, first_seq: i64, n: usize) -> Vec<Change> {
    let mut hlc = Hlc::new(node).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    (0..n)
        .map(|i| {
            let k = i / 5;
            let (entity, id, payload) = match i % 5 {
                0 => ("customer", format!("{node}-c{k}"), json!({"id": format!("{node}-c{k}"), "name": "王芳", "phone": "13900000000", "language": "zh-CN"})),
                1 => ("vehicle", format!("{node}-v{k}"), json!({"id": format!("{node}-v{k}"), "customer_id": format!("{node}-c{k}"), "vin": "LSVAM4187C2184851", "plate": "沪A12345", "make": "VW"})),
                2 => ("repair_order", format!("{node}-ro{k}"), json!({"id": format!("{node}-ro{k}"), "number": format!("{node}-{k}"), "status": "checked_in", "odometer_in_km": 42000, "personal_items": ""})),
                3 => ("ro_status_event", format!("{node}-ev{k}"), json!({"id": format!("{node}-ev{k}"), "ro_id": format!("{node}-ro{k}"), "to_status": "checked_in", "note": ""})),
                _ => ("repair_order", format!("{node}-ro{k}"), json!({"id": format!("{node}-ro{k}"), "number": format!("{node}-{k}"), "status": "in_progress", "odometer_in_km": 42000, "personal_items": ""})),
            };
            Change { seq: first_seq + i as i64, id: Uuid::now_v7(), entity: entity.into(), entity_id: id, op: Op::Upsert, payload, hlc: hlc.tick(now).unwrap(), changed_fields: None }
        })
        .collect()
}

fn batch(changes: Vec<Change>) -> PushBatch {
    PushBatch { protocol_version: PROTOCOL_VERSION, schema_version: 3, station_code: None, first_seq: changes[0].seq, changes }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let stations = env_usize("BENCH_STATIONS", 200);
    let parts = env_usize("BENCH_PARTS", 200_000);
    let cluster = pg::PgCluster::start();
    let url = cluster.create_database("bench").await;
    let app = Application::build(Config::for_database(url)).await.unwrap();
    let bench = Bench { base: format!("http://127.0.0.1:{}", app.port()), pool: app.pool(), http: http_client() };
    tokio::spawn(app.run_until_stopped());
    println!("| measurement | result |\n| --- | --- |");

    // 1. Push throughput.
    let token = bench.station("B0001").await;
    let changes = outbox("B0001", 1, 10_000);
    let started = Instant::now();
    for chunk in changes.chunks(1_000) {
        bench.push(&token, &batch(chunk.to_vec())).await;
    }
    let push_s = started.elapsed().as_secs_f64();
    println!("| push 10,000 changes, batches of 1,000, one station | {:.2} s, **{:.0} changes/s** |", push_s, 10_000.0 / push_s);

    // 2. The same rows with COPY into a table shaped like received_changes.
    sqlx::query("CREATE TABLE copy_target (LIKE received_changes INCLUDING ALL)").execute(&bench.pool).await.unwrap();
    let station = Uuid::now_v7();
    let mut text = String::new();
    for c in &changes {
        let payload = c.payload.to_string().replace('\\', "\\\\");
        text.push_str(&format!("{station}\t{station}\t{}\t{}\t{}\t{}\tupsert\t{}\t{}\n", c.seq, c.id, c.entity, c.entity_id, c.hlc, payload));
    }
    let started = Instant::now();
    let mut conn = bench.pool.acquire().await.unwrap();
    let mut copy = conn.copy_in_raw("COPY copy_target (station_id, token_id, seq, change_id, entity, entity_id, op, hlc, payload) FROM STDIN").await.unwrap();
    copy.send(text.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    drop(conn);
    let copy_s = started.elapsed().as_secs_f64();
    println!(
        "| COPY the same 10,000 rows into one table | {:.3} s, **{:.0} rows/s** (sync reaches {:.0} % of it) |",
        copy_s,
        10_000.0 / copy_s,
        100.0 * copy_s / push_s
    );

    // 3. Initial pull of a parts catalog.
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("parts.csv");
    let mut csv = String::from("part_no,name,unit_price_minor,brand\n");
    for n in 0..parts {
        csv.push_str(&format!("P{n:07},机油滤清器 Oil filter {n},{},Mann\n", 1000 + n % 50_000));
    }
    std::fs::write(&csv_path, csv).unwrap();
    let started = Instant::now();
    headoffice::admin::load_parts(&bench.pool, &csv_path).await.unwrap();
    println!("| load a {parts}-row parts catalog (admin load-parts) | {:.2} s |", started.elapsed().as_secs_f64());
    let reader = bench.station("B0002").await;
    let started = Instant::now();
    let (mut cursor, mut rows, mut bytes, mut pages) = (String::new(), 0usize, 0usize, 0);
    loop {
        let res = bench
            .http
            .get(format!("{}/v1/changes?limit=5000&cursor={cursor}", bench.base))
            .bearer_auth(&reader)
            .header(PROTOCOL_VERSION_HEADER, "1")
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        let body = res.bytes().await.unwrap();
        bytes += body.len();
        let page: ChangesPage = framing::gunzip_json(&body, 1 << 30).unwrap();
        rows += page.changes.len();
        pages += 1;
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let pull_s = started.elapsed().as_secs_f64();
    assert!(rows >= parts);
    println!(
        "| initial pull of the catalog ({rows} rows, {pages} pages of 5,000, gzip) | {:.2} s, **{:.0} rows/s**, {:.1} MB on the wire |",
        pull_s,
        rows as f64 / pull_s,
        bytes as f64 / 1e6
    );

    // 4. Many stations at once.
    let mut tokens = Vec::new();
    for n in 0..stations {
        tokens.push(bench.station(&format!("S{n:04}")).await);
    }
    let per_station = 5;
    let batch_size = 100;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let http = bench.http.clone();
        let base = bench.base.clone();
        tasks.push(tokio::spawn(async move {
            let b = Bench { base, pool: sqlx::PgPool::connect_lazy("postgres://unused").unwrap(), http };
            let all = outbox(&format!("S{n:04}"), 1, per_station * batch_size);
            let mut latencies = Vec::new();
            for chunk in all.chunks(batch_size) {
                let t = Instant::now();
                b.push(&token, &batch(chunk.to_vec())).await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let total_s = started.elapsed().as_secs_f64();
    latencies.sort();
    let total_changes = stations * per_station * batch_size;
    println!(
        "| {stations} stations pushing at once ({per_station} batches of {batch_size} each, {total_changes} changes) | {:.2} s, **{:.0} changes/s**, batch latency p50 {:.0} ms, p99 {:.0} ms |",
        total_s,
        total_changes as f64 / total_s,
        pct(&latencies, 0.50),
        pct(&latencies, 0.99)
    );
}

/// See `tests/common/mod.rs`: with the station crate in the same build, reqwest needs a crypto provider installed.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
