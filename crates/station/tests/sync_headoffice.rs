//! The station's real sync client against the real head office (`crates/headoffice`
//! on a throwaway PostgreSQL, port 0): round trip, lost acknowledgements,
//! restarts of either side, long offline, clock skew, revocation, old versions;
//! master data put to work (`master_data.rs`), restoring a station (`restore.rs`),
//! after-sales records and settings both ways (`aftersales.rs`), the head
//! office's notes on a station's complaints (`head_office_notes.rs`) and the
//! head office's KPI sums from the station's records (`kpis.rs`), and the
//! complaint category tree saved in the console (`categories.rs`), two
//! customers merged at one station reaching the head office and another (`merges.rs`),
//! the access register, append-only at both ends (`access_register.rs`),
//! customers shared between stations: access, history, lookup (`shared.rs`),
//! a destruction past retention reaching the head office for good (`retention.rs`),
//! stations made by earlier releases upgraded, their old outbox draining (`upgrades.rs`),
//! and the station's version at the head office, and a head office of the previous protocol (`versions.rs`).
//! Needs the PostgreSQL server binaries (`scripts/setup-system.sh`).
#![allow(clippy::unwrap_used)]

mod common;

#[path = "../../headoffice/tests/common/pg.rs"]
mod pg;

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{check_in_input, TestStation, VIN_A, VIN_B};
use headoffice::faults::Faults;
use headoffice::{Application, Config};
use serde_json::{json, Value};
use sqlx::PgPool;
use station::sync::{self, client::SyncError};

#[path = "sync_headoffice/access_register.rs"]
mod access_register;
#[path = "sync_headoffice/aftersales.rs"]
mod aftersales;
#[path = "sync_headoffice/categories.rs"]
mod categories;
#[path = "sync_headoffice/consent.rs"]
mod consent;
#[path = "sync_headoffice/head_office_notes.rs"]
mod head_office_notes;
#[path = "sync_headoffice/kpis.rs"]
mod kpis;
#[path = "sync_headoffice/master_data.rs"]
mod master_data;
#[path = "sync_headoffice/merges.rs"]
mod merges;
#[path = "sync_headoffice/recalls.rs"]
mod recalls;
#[path = "sync_headoffice/restore.rs"]
mod restore;
#[path = "sync_headoffice/retention.rs"]
mod retention;
#[path = "sync_headoffice/shared.rs"]
mod shared;
#[path = "sync_headoffice/upgrades.rs"]
mod upgrades;
#[path = "sync_headoffice/versions.rs"]
mod versions;

static CLUSTER: LazyLock<pg::PgCluster> = LazyLock::new(pg::PgCluster::start);

struct HeadOffice {
    url: String,
    db_url: String,
    port: u16,
    pool: PgPool,
    faults: Arc<Faults>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    min_schema_version: u32,
}

impl HeadOffice {
    async fn start() -> HeadOffice {
        Self::start_with(0).await
    }

    async fn start_with(min_schema_version: u32) -> HeadOffice {
        let name = format!("s_{}", uuid::Uuid::now_v7().simple());
        let db_url = CLUSTER.create_database(&name).await;
        Self::start_on(db_url, "127.0.0.1:0".into(), min_schema_version, 0).await
    }

    async fn start_on(db_url: String, listen: String, min_schema_version: u32, lose_acks: u32) -> HeadOffice {
        let mut config = Config::for_database(db_url.clone());
        config.listen = listen;
        config.min_schema_version = min_schema_version;
        let app = Application::build(config).await.expect("the head office starts");
        let port = app.port();
        let (pool, faults) = (app.pool(), app.faults());
        faults.lose_next_push_acks(lose_acks);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        HeadOffice { url: format!("http://127.0.0.1:{port}"), db_url, port, pool, faults, stop: Some(tx), task: Some(task), min_schema_version }
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    /// Stops the server and starts a new one on the same port and database.
    async fn restart(&mut self) {
        self.restart_losing_acks(0).await;
    }

    /// The same, and the new server's first `n` pushes commit but lose their answer.
    async fn restart_losing_acks(&mut self, n: u32) {
        self.stop().await;
        let next = Self::start_on(self.db_url.clone(), format!("127.0.0.1:{}", self.port), self.min_schema_version, n).await;
        *self = next;
    }

    async fn enrollment_code(&self, code: &str) -> String {
        match headoffice::admin::create_station(&self.pool, code, &format!("Station {code}"), 1).await {
            Ok(c) => c,
            Err(_) => headoffice::admin::new_enrollment_code(&self.pool, code, 1).await.unwrap(),
        }
    }

    async fn enroll(&self, t: &TestStation, code: &str) -> Value {
        let enrollment = self.enrollment_code(code).await;
        t.ok(&t.manager, "enroll_station", json!({"head_office_url": self.url, "enrollment_code": enrollment})).await
    }

    async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Changes received from `code`, and how many distinct (stream, seq) among them.
    async fn received(&self, code: &str) -> (i64, i64) {
        sqlx::query_as("SELECT count(*), count(DISTINCT (r.token_id, r.seq)) FROM received_changes r JOIN stations s USING (station_id) WHERE s.code = $1")
            .bind(code)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn load_csv(&self, kind: &str, body: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("load.csv");
        std::fs::write(&path, body).unwrap();
        match kind {
            "labor" => headoffice::admin::load_labor(&self.pool, &path).await.map(|_| ()),
            "parts" => headoffice::admin::load_parts(&self.pool, &path).await.map(|_| ()),
            "recalls" => headoffice::admin::load_recalls(&self.pool, &path).await.map(|_| ()),
            other => panic!("no load {other}"),
        }
        .unwrap();
    }
}

async fn station(code: &str) -> TestStation {
    TestStation::without_sync_worker(code, Utc::now()).await
}

async fn sync_ok(t: &TestStation) -> sync::SyncReport {
    match sync::sync_once(&t.station).await {
        Ok(r) => r,
        Err(e) => panic!("sync should succeed: {} ({e:?})", e.code()),
    }
}

async fn outbox_max(t: &TestStation) -> i64 {
    t.count("SELECT COALESCE(MAX(seq), 0) FROM outbox").await
}

async fn status(t: &TestStation) -> Value {
    t.ok(&t.manager, "sync_status", json!({})).await
}

/// `n` changes queued straight through the outbox (append-only audit entries), in one transaction.
async fn queue_changes(t: &TestStation, n: usize) {
    let info = t.station.require_info().await.unwrap();
    let mut tx = station::store::db::write_tx(t.station.pool()).await.unwrap();
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        let payload = json!({"id": id, "action": "test", "n": i, "note": "queued while offline"});
        station::store::outbox::append(&mut tx, &info.id, "audit_log", &id, station::store::outbox::Op::Upsert, &payload, t.station.now()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Everything the station queued reached the head office once: the stream is
/// acknowledged up to the last seq, and no seq was received twice.
async fn assert_drained(ho: &HeadOffice, t: &TestStation, code: &str) {
    let max = outbox_max(t).await;
    let st = status(t).await;
    assert_eq!(st["pending_changes"], 0, "nothing waits: {st}");
    let (received, distinct) = ho.received(code).await;
    assert_eq!(received, distinct, "no change was received twice");
    assert_eq!(received, max, "every change was received");
    let acked: i64 = sqlx::query_scalar("SELECT max(t.acked_seq) FROM station_tokens t JOIN stations s USING (station_id) WHERE s.code = $1")
        .bind(code)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(acked, max);
}

#[tokio::test]
async fn round_trip_check_ins_and_order_changes_go_up_master_data_and_recalls_come_down_and_a_recall_is_flagged() {
    let ho = HeadOffice::start().await;
    ho.load_csv("labor", "code,description,standard_hours_milli,rate_minor\nOIL-01,更换机油,500,20000\nBRK-01,刹车片,1500,20000\n").await;
    ho.load_csv("parts", "part_no,name,unit_price_minor,brand\nP-1,机油滤清器,4500,博世\nP-2,刹车片,32000,\n").await;
    ho.load_csv(
        "recalls",
        &format!("campaign_id,title,vins,vin_from,vin_to\nRC-1,安全气囊召回,{VIN_A},,\nRC-2,燃油泵召回,,11111111111111100,11111111111111199\n"),
    )
    .await;
    headoffice::admin::set_setting(&ho.pool, "tax_rate_bp", "1300").await.unwrap();

    let t = station("SH01").await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 12_000)).await;
    let ro = order["id"].as_str().unwrap().to_string();
    t.ok(&t.manager, "move_order", json!({"ro_id": ro, "expected_version": 1, "to": "diagnosing"})).await;

    let enrolled = ho.enroll(&t, "SH01").await;
    assert_eq!(enrolled["enrolled"], true);
    assert_eq!(enrolled["head_office_station"], "SH01 Station SH01");
    let report = sync_ok(&t).await;
    assert!(report.push.batches >= 1 && report.pull.pages >= 1);
    // The pull put the labor catalog into the station's operations; those rows go up on the next pass.
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;

    // Up: the order at its latest status, the customer and vehicle as shared records.
    let status_at_ho: String = sqlx::query_scalar("SELECT payload->>'status' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
        .bind(&ro)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(status_at_ho, "diagnosing");
    let name: String = sqlx::query_scalar("SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1")
        .bind(&c)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(name, "王芳");
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0, "nothing the station wrote was rejected");

    // Down: master data in its tables.
    assert_eq!(t.count("SELECT COUNT(*) FROM ho_labor_catalog WHERE deleted = 0").await, 2);
    assert_eq!(t.count("SELECT unit_price_minor FROM ho_parts_catalog WHERE part_no = 'P-2'").await, 32000);
    assert_eq!(t.count("SELECT COUNT(*) FROM ho_settings WHERE key = 'tax_rate_bp' AND value = '1300'").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM ho_recall_campaigns").await, 2);

    // A recall is flagged at check-in, by exact VIN and by range, and in the wizard's alert call.
    let alerts = t.ok(&t.manager, "vehicle_alerts", json!({"vehicle_id": v})).await;
    assert_eq!(alerts["recalls"], json!([{"campaign_id": "RC-1", "title": "安全气囊召回"}]));
    assert_eq!(alerts["has_head_office_data"], true);
    let (c2, v2) = t.customer_with_vehicle(&t.manager, "李雷", "13912345678", "沪B54321", VIN_B).await;
    let order2 = t.ok(&t.manager, "check_in", check_in_input(&c2, &v2, 30_000)).await;
    assert_eq!(order2["recalls"], json!([{"campaign_id": "RC-2", "title": "燃油泵召回"}]), "the VIN is inside RC-2's range");
    let by_vin = t.ok(&t.manager, "vehicle_alerts", json!({"vin": VIN_B.to_lowercase()})).await;
    assert_eq!(by_vin["recalls"][0]["campaign_id"], "RC-2");

    // A campaign the head office closes (deletes) stops being flagged after the next pull.
    sqlx::query("UPDATE master_records SET deleted = true WHERE entity = 'recall_campaign' AND entity_id = 'RC-1'").execute(&ho.pool).await.unwrap();
    sqlx::query(
        "UPDATE change_log SET tx = pg_current_xact_id()::text::bigint, change_id = nextval('change_log_ids') WHERE entity = 'recall_campaign' AND entity_id = 'RC-1'",
    )
    .execute(&ho.pool)
    .await
    .unwrap();
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
    assert_eq!(t.ok(&t.manager, "vehicle_alerts", json!({"vehicle_id": v})).await["recalls"], json!([]));
    let st = status(&t).await;
    assert!(st["last_success_at"].is_string() && st["last_error"].is_null(), "{st}");
}

#[tokio::test]
async fn a_lost_acknowledgement_is_resent_and_applied_once() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    ho.enroll(&t, "SH01").await;
    ho.faults.lose_next_push_acks(1);
    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert!(matches!(err, SyncError::Unreachable(_)), "the answer was cut off: {err:?}");
    let st = status(&t).await;
    assert_eq!(st["last_error"]["code"], "sync.unreachable");
    assert!(st["pending_changes"].as_i64().unwrap() > 0, "not acknowledged, so still waiting");
    let (received, _) = ho.received("SH01").await;
    assert_eq!(received, outbox_max(&t).await, "the head office did commit the batch");

    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0, "a resend is not a rejection");
    assert_eq!(ho.scalar("SELECT count(*) FROM shared_records WHERE entity = 'customer'").await, 1);
}

#[tokio::test]
async fn ten_thousand_changes_queued_offline_drain_when_the_head_office_is_back() {
    let mut ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    ho.stop().await;

    let started = Instant::now();
    queue_changes(&t, 10_000).await;
    eprintln!("queued 10,000 outbox rows (HLC stamped) in {:.2} s", started.elapsed().as_secs_f64());
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let st = status(&t).await;
    assert_eq!(st["last_error"]["code"], "sync.unreachable");
    assert!(st["pending_changes"].as_i64().unwrap() >= 10_002);
    // Local work does not wait for the head office.
    let started = Instant::now();
    t.ok(&t.manager, "check_in", check_in_input(&c, &v, 1_000)).await;
    assert!(started.elapsed() < Duration::from_secs(2));

    ho.restart().await;
    let started = Instant::now();
    let report = sync_ok(&t).await;
    let secs = started.elapsed().as_secs_f64();
    let pushed = report.push.acked_seq;
    eprintln!("drained {} batches, {pushed} changes acknowledged, in {secs:.2} s", report.push.batches);
    assert!(report.push.batches >= 10, "batches of at most 1,000");
    assert_drained(&ho, &t, "SH01").await;
}

#[tokio::test]
async fn a_head_office_restart_in_the_middle_of_a_push_loses_and_doubles_nothing() {
    let mut ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    queue_changes(&t, 8_000).await;
    let total = outbox_max(&t).await;
    let station = t.station.clone();
    let pass = tokio::spawn(async move { sync::sync_once(&station).await });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !is_halfway(&ho, &t, Halfway::Push { total }).await {
        assert!(Instant::now() < deadline, "the push should start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // The batch in flight when the server goes down commits but its answer is lost (whether it
    // reached the old server or, after the restart, the new one).
    ho.faults.lose_next_push_acks(1);
    ho.restart_losing_acks(1).await;
    let first = pass.await.unwrap();
    ho.faults.lose_next_push_acks(0);
    let acked_then = ho.scalar("SELECT max(acked_seq) FROM station_tokens").await;
    eprintln!("pass across the restart: {:?}; the head office holds {acked_then} of {total}", first.as_ref().map(|r| r.push.acked_seq).map_err(|e| e.code()));
    assert!(first.is_err(), "the pass that lost its answer fails, to be retried");
    assert!(status(&t).await["pending_changes"].as_i64().unwrap() > 0);
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
}

/// When to kill the sync child: some of its push acknowledged but not all, or some of its pull applied but not all.
#[derive(Clone, Copy)]
enum Halfway {
    Push { total: i64 },
    Pull { total: i64 },
}

async fn is_halfway(ho: &HeadOffice, t: &TestStation, when: Halfway) -> bool {
    match when {
        Halfway::Push { total } => {
            let acked = ho.scalar("SELECT max(acked_seq) FROM station_tokens").await;
            acked > 0 && acked < total
        }
        Halfway::Pull { total } => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ho_parts_catalog").fetch_one(t.station.pool()).await.unwrap_or(0);
            n > 0 && n < total
        }
    }
}

/// Runs the `station-sync` child on the station's data directory and kills it
/// with SIGKILL once it is `when`. Returns whether it was caught halfway.
async fn kill_child_when(ho: &HeadOffice, t: &TestStation, when: Halfway) -> bool {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_station-sync"))
        .arg(t.dir.path())
        .env("STATION_SYNC_BATCH", "100")
        .env("STATION_SYNC_PAGE", "200")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let caught = loop {
        if is_halfway(ho, t, when).await {
            child.kill().unwrap(); // SIGKILL
            break true;
        }
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let _ = child.wait();
    caught
}

#[tokio::test]
async fn a_station_process_killed_mid_push_and_mid_pull_converges_after_reopening() {
    let ho = HeadOffice::start().await;
    let mut parts = String::from("part_no,name,unit_price_minor\n");
    for i in 0..20_000 {
        parts.push_str(&format!("P-{i:05},零件{i},{}\n", 100 + i));
    }
    ho.load_csv("parts", &parts).await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    queue_changes(&t, 5_000).await;
    let total = outbox_max(&t).await;

    // Mid-push: some batches acknowledged, not all.
    let caught_push = kill_child_when(&ho, &t, Halfway::Push { total }).await;
    assert!(caught_push, "the child should be killed halfway through its push");
    let (received, distinct) = ho.received("SH01").await;
    assert!(received < total && received == distinct, "halfway: {received} of {total}");

    // Mid-pull: the child pushes the rest, then is killed while pulling 20,000 parts in pages of 200.
    let caught_pull = kill_child_when(&ho, &t, Halfway::Pull { total: 20_000 }).await;
    assert!(caught_pull, "the child should be killed halfway through its pull");
    let pulled = t.count("SELECT COUNT(*) FROM ho_parts_catalog").await;
    assert!(pulled < 20_000 && pulled % 200 == 0, "whole pages only, each with its cursor: {pulled}");

    // Reopen (a new process would do the same) and sync: everything, once.
    let reopened = station::Station::open_with(t.dir.path(), Arc::new(Utc::now), sync::WorkerOptions { enabled: false, ..Default::default() }).await.unwrap();
    sync::sync_once(&reopened).await.unwrap();
    assert_drained(&ho, &t, "SH01").await;
    assert_eq!(t.count("SELECT COUNT(*) FROM ho_parts_catalog").await, 20_000);
    assert_eq!(t.count("SELECT unit_price_minor FROM ho_parts_catalog WHERE part_no = 'P-19999'").await, 100 + 19_999);
}

/// Lets station `code` see a shared record, as a lookup at the head office does
/// (`shared.rs` goes through the lookup itself), and puts it back into the feed.
async fn share_with(ho: &HeadOffice, code: &str, entity: &str, id: &str) {
    let station_id: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(&ho.pool).await.unwrap();
    sqlx::query("INSERT INTO shared_access (station_id, entity, entity_id) VALUES ($1, $2, $3)")
        .bind(station_id)
        .bind(entity)
        .bind(id)
        .execute(&ho.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE change_log SET tx = pg_current_xact_id()::text::bigint, change_id = nextval('change_log_ids') WHERE entity = $1 AND entity_id = $2")
        .bind(entity)
        .bind(id)
        .execute(&ho.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn check_in_shows_the_vehicles_visits_to_other_stations_as_the_feed_carries_them() {
    let ho = HeadOffice::start().await;
    let a = station("SH01").await;
    let b = station("SH02").await;
    ho.enroll(&a, "SH01").await;
    ho.enroll(&b, "SH02").await;
    let (c, v) = a.customer_with_vehicle(&a.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = a.ok(&a.manager, "check_in", check_in_input(&c, &v, 12_000)).await;
    sync_ok(&a).await;
    share_with(&ho, "SH02", "customer", &c).await;
    share_with(&ho, "SH02", "vehicle", &v).await;
    sync_ok(&b).await;

    let alerts = b.ok(&b.manager, "vehicle_alerts", json!({"vehicle_id": v})).await;
    let visits = alerts["other_stations"].as_array().unwrap();
    assert_eq!(visits.len(), 1, "{alerts}");
    assert_eq!((visits[0]["station_code"].as_str(), visits[0]["number"].clone()), (Some("SH01"), order["number"].clone()));
    assert_eq!(
        (visits[0]["status"].as_str(), visits[0]["odometer_km"].as_i64(), visits[0]["summary"].as_str()),
        (Some("checked_in"), Some(12_000), Some("常规保养"))
    );
    assert_eq!(b.ok(&b.manager, "vehicle_alerts", json!({"vin": VIN_A})).await["other_stations"], alerts["other_stations"], "by VIN too");

    // The order moves on at SH01: SH02 sees it after both sync.
    a.ok(&a.manager, "move_order", json!({"ro_id": order["id"], "expected_version": 1, "to": "diagnosing"})).await;
    sync_ok(&a).await;
    sync_ok(&b).await;
    assert_eq!(b.ok(&b.manager, "vehicle_alerts", json!({"vehicle_id": v})).await["other_stations"][0]["status"], "diagnosing");

    // SH02 checks the car in itself: its own order is not "another station's", and SH01 now sees SH02's.
    b.ok(&b.manager, "check_in", check_in_input(&c, &v, 12_500)).await;
    sync_ok(&b).await;
    sync_ok(&a).await;
    assert_eq!(b.ok(&b.manager, "vehicle_alerts", json!({"vehicle_id": v})).await["other_stations"].as_array().unwrap().len(), 1);
    let at_a = a.ok(&a.manager, "vehicle_alerts", json!({"vehicle_id": v})).await;
    assert_eq!(at_a["other_stations"][0]["station_code"], "SH02", "{at_a}");
    // And the odometer both stations recorded converged on the vehicle.
    let sql = format!("SELECT last_odometer_km FROM vehicles WHERE id = '{v}'");
    assert_eq!((a.count(&sql).await, b.count(&sql).await), (12_500, 12_500));
}

#[tokio::test]
async fn two_stations_one_24h_ahead_editing_one_customer_converge_by_the_hlc_rule() {
    let ho = HeadOffice::start().await;
    let now = Utc::now();
    let a = TestStation::without_sync_worker("SH01", now).await;
    let b = TestStation::without_sync_worker("SH02", now + chrono::Duration::hours(24)).await;
    ho.enroll(&a, "SH01").await;
    ho.enroll(&b, "SH02").await;
    let c = a.ok(&a.manager, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN", "notes": "老客户"})).await;
    let id = c["id"].as_str().unwrap().to_string();
    sync_ok(&a).await;
    share_with(&ho, "SH02", "customer", &id).await;
    sync_ok(&b).await;
    let at_b = b.ok(&b.manager, "get_customer", json!({"id": id})).await;
    assert_eq!(at_b["customer"]["name"], "王芳", "the shared customer reached SH02");
    assert_eq!(b.count("SELECT COUNT(*) FROM outbox WHERE entity = 'customer'").await, 0, "applying a pull queues nothing");

    // Concurrent edits: A renames and changes the phone; B (a day ahead) changes the phone and the notes.
    a.ok(&a.manager, "update_customer", json!({"id": id, "fields": {"name": "王芳芳", "phones": ["13700000001"], "language": "zh-CN", "notes": "老客户"}}))
        .await;
    b.ok(&b.manager, "update_customer", json!({"id": id, "fields": {"name": "王芳", "phones": ["13900000002"], "language": "zh-CN", "notes": "VIP"}})).await;
    for s in [&a, &b, &a] {
        sync_ok(s).await;
    }
    let (ca, cb) = (a.ok(&a.manager, "get_customer", json!({"id": id})).await, b.ok(&b.manager, "get_customer", json!({"id": id})).await);
    for field in ["name", "phones", "notes"] {
        assert_eq!(ca["customer"][field], cb["customer"][field], "{field} converged");
    }
    assert_eq!(ca["customer"]["name"], "王芳芳", "a field only A changed keeps A's edit");
    assert_eq!(ca["customer"]["notes"], "VIP", "a field only B changed keeps B's edit");
    let phones = |t: &TestStation| {
        let pool = t.station.pool().clone();
        let id = id.clone();
        async move { sqlx::query_scalar::<_, String>("SELECT phone FROM customer_phones WHERE customer_id = ?").bind(id).fetch_all(&pool).await.unwrap() }
    };
    assert_eq!(phones(&a).await, phones(&b).await, "the phones converged");
    assert_eq!(phones(&a).await, ["13900000002"], "the same field changed concurrently: the greater HLC (B's, a day ahead) wins");

    // Having pulled B's value, A's next edit wins although A's wall clock is a day behind B's.
    a.ok(&a.manager, "update_customer", json!({"id": id, "fields": {"name": "王芳芳", "phones": ["13600000003"], "language": "zh-CN", "notes": "VIP"}})).await;
    for s in [&a, &b] {
        sync_ok(s).await;
    }
    assert_eq!(phones(&a).await, ["13600000003"]);
    assert_eq!(phones(&b).await, ["13600000003"], "an edit made after seeing the other value wins everywhere");
    let hits = b.ok(&b.manager, "search", json!({"q": "13600000003"})).await;
    assert_eq!(hits["hits"][0]["customer"]["id"], id.as_str(), "the pulled value is in the search index");
    let ho_phones: Value = sqlx::query_scalar("SELECT fields->'phones' FROM shared_records WHERE entity_id = $1").bind(&id).fetch_one(&ho.pool).await.unwrap();
    assert_eq!(ho_phones, json!(["13600000003"]));
}

#[tokio::test]
async fn a_revoked_token_is_a_clear_error_until_the_station_enrolls_again() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    headoffice::admin::revoke(&ho.pool, "SH01").await.unwrap();
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert!(err.needs_enrollment() && !err.is_retryable(), "{err:?}");
    let st = status(&t).await;
    assert_eq!(st["last_error"]["code"], "auth.revoked");
    assert!(st["last_error"]["message"].as_str().unwrap().contains("revoked"), "{st}");
    assert_eq!(st["needs_enrollment"], true);
    assert_eq!(st["pending_changes"], 2, "the customer and vehicle wait");

    ho.enroll(&t, "SH01").await;
    let st = status(&t).await;
    assert_eq!((st["needs_enrollment"].clone(), st["last_error"].clone()), (json!(false), Value::Null));
    sync_ok(&t).await;
    assert_eq!(status(&t).await["pending_changes"], 0, "the new stream starts where the old one stopped");
    assert_eq!(ho.scalar("SELECT count(*) FROM shared_records").await, 2);
}

#[tokio::test]
async fn an_old_station_is_told_update_required_and_it_shows_in_sync_status() {
    let ho = HeadOffice::start_with(99).await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert!(err.update_required(), "{err:?}");
    let st = status(&t).await;
    assert_eq!(st["update_required"], true);
    assert_eq!(st["last_error"]["code"], "protocol.update_required");
    assert!(st["last_error"]["message"].as_str().unwrap().contains("update required"), "{st}");
    // Local work goes on.
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
}

/// Polls `sync_status` until `ok` holds (30 s at most).
async fn wait_for(st: &station::Station, token: &str, what: &str, ok: fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = st.dispatch("sync_status", Some(token), json!({})).await.unwrap();
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_background_worker_syncs_after_enrollment_and_on_sync_now_and_backs_off_while_the_head_office_is_down() {
    let mut ho = HeadOffice::start().await;
    let dir = tempfile::tempdir().unwrap();
    let options = sync::WorkerOptions {
        enabled: true,
        interval: Duration::from_secs(3600),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        ..Default::default()
    };
    let st = station::Station::open_with(dir.path(), Arc::new(Utc::now), options).await.unwrap();
    let session = st
        .dispatch(
            "first_run_setup",
            None,
            json!({"station_code": "SH01", "station_name": "浦东", "manager_name": "王经理", "manager_pin": "1111", "utc_offset_minutes": 480}),
        )
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let code = ho.enrollment_code("SH01").await;
    st.dispatch("enroll_station", Some(&token), json!({"head_office_url": ho.url, "enrollment_code": code})).await.unwrap();
    wait_for(&st, &token, "the first sync", |s| s["pending_changes"] == 0 && s["last_success_at"].is_string()).await;

    st.dispatch("create_customer", Some(&token), json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await.unwrap();
    st.dispatch("sync_now", Some(&token), json!({})).await.unwrap();
    wait_for(&st, &token, "sync now", |s| s["pending_changes"] == 0).await;
    assert_eq!(ho.scalar("SELECT count(*) FROM shared_records").await, 1);

    ho.stop().await;
    st.dispatch("create_customer", Some(&token), json!({"name": "李雷", "phones": ["13912345678"], "language": "zh-CN"})).await.unwrap();
    st.dispatch("sync_now", Some(&token), json!({})).await.unwrap();
    let down = wait_for(&st, &token, "the failure", |s| s["last_error"]["code"] == "sync.unreachable" && s["next_attempt_at"].is_string()).await;
    assert_eq!(down["pending_changes"], 1);
    ho.restart().await;
    // No "sync now": the backoff timer retries on its own.
    wait_for(&st, &token, "the retry after backoff", |s| s["pending_changes"] == 0 && s["last_error"].is_null()).await;
    assert_eq!(ho.scalar("SELECT count(*) FROM shared_records").await, 2);
}
