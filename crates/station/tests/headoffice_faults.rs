//! The head office under load and faults. Fifty real station cores (each its
//! own SQLite file in its own directory, its own background sync worker, its
//! own desk writing check-ins and order moves) push to one head office process
//! (this test binary run again as `the_head_office_process_of_the_fault_tests`:
//! `Application::build` and `run_until`, as `headoffice serve` does) on a
//! throwaway PostgreSQL, while:
//!
//! 1. PostgreSQL is restarted (`pg_ctl restart -m fast`), then stopped as by a
//!    crash (`-m immediate`) and started again a few seconds later;
//! 2. the head office process is killed with SIGKILL while a push transaction
//!    is open in PostgreSQL (seen in `pg_stat_activity`), and started again.
//!
//! Nobody calls "sync now" or does anything at a station: each worker must
//! find its way back by itself. Afterwards every station's outbox is drained,
//! the head office received every change exactly once (no seq twice, none
//! missing), holds every order at the station's version, and rejected nothing.
//!
//! `HO_FAULTS_STATIONS` (default 50) and `HO_FAULTS_ROUNDS` (default 1: one of
//! each fault; more rounds repeat them) scale it; `HO_FAULTS_SEED` replays the
//! random pauses. Docs: docs/release.md, "Robustness".
#![allow(clippy::unwrap_used)]

#[path = "../../headoffice/tests/common/pg.rs"]
mod pg;
mod robustness;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use robustness::Rng;
use serde_json::{json, Value};
use sqlx::PgPool;
use station::Station;

static CLUSTER: LazyLock<pg::PgCluster> = LazyLock::new(pg::PgCluster::start);

const CHILD: &str = "the_head_office_process_of_the_fault_tests";

/// The head office process, started by `HeadOfficeProcess::start`.
#[test]
#[ignore = "a child process of the head-office fault test; runs only when that test starts it"]
fn the_head_office_process_of_the_fault_tests() {
    robustness::run_child(["HO_FAULTS_DB", "HO_FAULTS_LISTEN"], |db, listen| async move {
        let mut config = headoffice::Config::for_database(db);
        config.listen = listen;
        let app = headoffice::Application::build(config).await.expect("the head office starts");
        app.run_until_stopped().await.unwrap();
    });
}

struct HeadOfficeProcess {
    child: std::process::Child,
    db: String,
    port: u16,
    log: std::path::PathBuf,
}

impl HeadOfficeProcess {
    async fn start(db: &str, port: u16, log: &Path) -> HeadOfficeProcess {
        let child = robustness::spawn_self(CHILD, &[("HO_FAULTS_DB", db.to_string()), ("HO_FAULTS_LISTEN", format!("127.0.0.1:{port}"))], log);
        let ho = HeadOfficeProcess { child, db: db.into(), port, log: log.into() };
        ho.wait_ready().await;
        ho
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self) {
        let http = robustness::http_client();
        let ready = self.url() + "/ready";
        robustness::wait_until("the head office is ready", Duration::from_secs(60), || {
            let (http, ready) = (http.clone(), ready.clone());
            async move { http.get(&ready).send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
    }

    async fn kill_and_restart(&mut self, down: Duration) {
        robustness::kill9(&mut self.child);
        tokio::time::sleep(down).await;
        *self = HeadOfficeProcess::start(&self.db.clone(), self.port, &self.log.clone()).await;
    }
}

/// One station: its core, its manager's session, and how many orders its desk wrote.
struct Desk {
    code: String,
    station: Station,
    token: String,
    _dir: tempfile::TempDir,
    written: AtomicI64,
}

async fn ok(desk: &Desk, op: &str, input: Value) -> Value {
    match desk.station.dispatch(op, Some(&desk.token), input).await {
        Ok(v) => v,
        Err(e) => panic!("{} {op}: {e:?}", desk.code),
    }
}

/// A station set up, enrolled, with a background worker that retries quickly
/// (the defaults are 30 s between passes and up to 5 min of backoff; the
/// behaviour is the same, the test just does not wait that long).
async fn open_desk(i: usize, ho: &HeadOfficeProcess, ho_pool: &PgPool) -> Desk {
    let code = format!("S{i:03}");
    let dir = tempfile::tempdir().unwrap();
    let options = station::sync::WorkerOptions {
        enabled: true,
        interval: Duration::from_millis(800),
        backoff_base: Duration::from_millis(200),
        backoff_max: Duration::from_secs(3),
        ..Default::default()
    };
    let station = Station::open_with(dir.path(), Arc::new(chrono::Utc::now), options).await.unwrap();
    let setup = json!({"station_code": code, "station_name": format!("站{i}"), "manager_name": "王经理", "manager_pin": "1111", "utc_offset_minutes": 480});
    let session = station.dispatch("first_run_setup", None, setup).await.unwrap();
    let desk = Desk { code: code.clone(), station, token: session["token"].as_str().unwrap().into(), _dir: dir, written: AtomicI64::new(0) };
    let enrollment = headoffice::admin::create_station(ho_pool, &code, &format!("Station {code}"), 1).await.unwrap();
    ok(&desk, "enroll_station", json!({"head_office_url": ho.url(), "enrollment_code": enrollment})).await;
    desk
}

/// The desk's day: a customer and a car, then check-ins and moves, until told to stop.
async fn work(desk: Arc<Desk>, seed: u64, stop: Arc<AtomicBool>) {
    let mut rng = Rng::new(seed);
    let c = ok(&desk, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
    let v = ok(&desk, "create_vehicle", json!({"customer_id": c["id"], "fields": {"plate": "沪A12345", "model": "朗逸"}})).await;
    let mut open: Vec<(String, i64)> = vec![];
    let mut km = 10_000;
    while !stop.load(Ordering::SeqCst) {
        if open.is_empty() || rng.chance(50) {
            km += 10;
            let input = json!({"customer_id": c["id"], "vehicle_id": v["id"], "service_type": "maintenance", "odometer_km": km, "fuel_eighths": 4,
                               "damage_marks": [], "personal_items": "", "concerns": [{"text": "常规保养"}], "priority": "normal",
                               "confirm": ["check_in.open_order"]});
            let order = ok(&desk, "check_in", input).await;
            desk.written.fetch_add(1, Ordering::SeqCst);
            open.push((order["id"].as_str().unwrap().into(), order["version"].as_i64().unwrap()));
        } else {
            let (ro, version) = open.swap_remove(rng.range(0, open.len() as u64 - 1) as usize);
            ok(&desk, "move_order", json!({"ro_id": ro, "expected_version": version, "to": "diagnosing", "note": ""})).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.range(100, 400))).await;
    }
}

/// Head-office connections inside a statement or a transaction right now.
async fn busy_backends(admin: &PgPool, db: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
           AND state IN ('active', 'idle in transaction')",
    )
    .bind(db)
    .fetch_one(admin)
    .await
    .unwrap_or(0)
}

/// Push batches half applied right now: transactions holding a lock on
/// `received_changes`, which only a push writes, and only inside its one transaction.
async fn pushes_in_flight(ho: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(DISTINCT pid) FROM pg_locks WHERE relation = 'received_changes'::regclass AND granted AND pid <> pg_backend_pid()")
        .fetch_one(ho)
        .await
        .unwrap_or(0)
}

/// Everything the station wrote reached the head office exactly once.
async fn check_desk(desk: &Desk, ho: &PgPool) -> Result<i64, String> {
    let mut db = desk.station.pool().acquire().await.unwrap();
    let (changes, _) = robustness::head_office_has_it_all(&mut db, ho, &desk.code).await?;
    let (written, held): (i64, i64) =
        (desk.written.load(Ordering::SeqCst), sqlx::query_scalar("SELECT COUNT(*) FROM repair_orders").fetch_one(&mut *db).await.unwrap());
    if written != held {
        return Err(format!("{}: the desk checked in {written} orders, the station holds {held}", desk.code));
    }
    Ok(changes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_stations_pushing_through_postgresql_restarts_and_a_killed_head_office_lose_and_double_nothing_and_resume_by_themselves() {
    let stations = robustness::env_count("HO_FAULTS_STATIONS", 50);
    let rounds = robustness::env_count("HO_FAULTS_ROUNDS", 1);
    let seed = robustness::seed("HO_FAULTS_SEED");
    eprintln!("head office under faults: {stations} stations, {rounds} round(s), seed {seed} (replay: HO_FAULTS_SEED={seed})");
    let started = Instant::now();
    let mut rng = Rng::new(seed);

    let db_name = format!("f_{}", uuid::Uuid::now_v7().simple());
    let db = CLUSTER.create_database(&db_name).await;
    let logs = tempfile::tempdir().unwrap();
    let mut ho = HeadOfficeProcess::start(&db, robustness::free_port(), &logs.path().join("headoffice.log")).await;
    // The test's own view of the database; sqlx replaces its connections after each restart.
    let ho_pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&db).await.unwrap();
    let admin = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&CLUSTER.url("postgres")).await.unwrap();

    let mut desks = vec![];
    for i in 0..stations {
        desks.push(Arc::new(open_desk(i, &ho, &ho_pool).await));
    }
    eprintln!("{stations} stations set up and enrolled in {:.1} s", started.elapsed().as_secs_f64());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = desks.iter().enumerate().map(|(i, d)| tokio::spawn(work(d.clone(), seed.wrapping_add(i as u64 + 1), stop.clone()))).collect();
    // What the stations went through: each one's sync errors, as its status shows them.
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (desks, watching) = (desks.clone(), watching.clone());
        tokio::spawn(async move {
            let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            while watching.load(Ordering::SeqCst) {
                for d in &desks {
                    let status = ok(d, "sync_status", json!({})).await;
                    if let Some(code) = status["last_error"]["code"].as_str() {
                        seen.entry(code.to_string()).or_default().insert(d.code.clone());
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut busy_at_kill = vec![];
    for round in 1..=rounds {
        // 1. PostgreSQL restarted by an administrator while the stations push.
        let busy = busy_backends(&admin, &db_name).await;
        tokio::task::spawn_blocking(|| CLUSTER.restart()).await.unwrap();
        eprintln!("round {round}: PostgreSQL restarted ({busy} head-office connections busy just before)");
        tokio::time::sleep(Duration::from_millis(rng.range(1500, 4000))).await;

        // ... and stopped as by a crash, down for a few seconds.
        tokio::task::spawn_blocking(|| CLUSTER.stop_immediately()).await.unwrap();
        let down = rng.range(2000, 5000);
        tokio::time::sleep(Duration::from_millis(down)).await;
        tokio::task::spawn_blocking(|| CLUSTER.start_again()).await.unwrap();
        eprintln!("round {round}: PostgreSQL crashed (-m immediate) and was down {down} ms");
        tokio::time::sleep(Duration::from_millis(rng.range(1500, 4000))).await;

        // 2. The head office killed while push batches are half applied, twice.
        for _ in 0..2 {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut pushing = 0;
            while Instant::now() < deadline {
                pushing = pushes_in_flight(&ho_pool).await;
                if pushing > 0 {
                    break;
                }
            }
            ho.kill_and_restart(Duration::from_millis(rng.range(200, 2000))).await;
            busy_at_kill.push(pushing);
            eprintln!("round {round}: head office killed with {pushing} push transactions half applied, and restarted");
            tokio::time::sleep(Duration::from_millis(rng.range(1000, 3000))).await;
        }
    }

    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    let faults_over = Instant::now();
    watching.store(false, Ordering::SeqCst);
    let seen = watcher.await.unwrap();
    let hit: BTreeSet<&String> = seen.values().flatten().collect();
    eprintln!(
        "stations that saw their sync fail: {} of {stations}; errors: {:?}",
        hit.len(),
        seen.iter().map(|(code, s)| (code.as_str(), s.len())).collect::<BTreeMap<_, _>>()
    );
    assert!(hit.len() >= stations / 2, "the faults reached the stations: {} of {stations} saw an error", hit.len());
    assert!(busy_at_kill.iter().any(|&b| b > 0), "at least one kill came while a push batch was half applied: {busy_at_kill:?}");

    // Nobody touches a station now: each worker finds its way back on its own.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut last = String::new();
    loop {
        let mut pending = 0;
        let mut changes = 0;
        for d in &desks {
            match check_desk(d, &ho_pool).await {
                Ok(n) => changes += n,
                Err(e) => {
                    pending += 1;
                    last = e;
                }
            }
        }
        if pending == 0 {
            eprintln!(
                "all {stations} stations drained by themselves {:.1} s after the last fault: {changes} changes, each received once; {:.0} s in all",
                faults_over.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            break;
        }
        assert!(Instant::now() < deadline, "{pending} stations did not resume by themselves within 180 s; e.g. {last}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for d in &desks {
        let status = ok(d, "sync_status", json!({})).await;
        assert_eq!(status["pending_changes"], 0, "{}: {status}", d.code);
        assert!(!status["update_required"].as_bool().unwrap() && !status["needs_enrollment"].as_bool().unwrap(), "{}: stopped for good: {status}", d.code);
    }
    robustness::kill9(&mut ho.child);
}
