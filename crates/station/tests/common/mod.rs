//! Test helpers: a real station on a real SQLite file in a temp dir, a clock
//! the test can move, and logged-in callers, all through `Station::dispatch`
//! exactly as the transports call it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use station::{ApiError, Station};

pub struct TestStation {
    pub station: Station,
    pub dir: tempfile::TempDir,
    pub clock: Arc<Mutex<DateTime<Utc>>>,
    /// Session token of the manager created at setup.
    pub manager: String,
    /// (operation, token, input) of every call through `call`/`ok` that succeeded: the fuzz
    /// test replays and mutates them, so its inputs start from ones known to be valid.
    pub succeeded: Arc<Mutex<Vec<(String, String, Value)>>>,
}

/// 2026-11-22 10:00 in Shanghai (UTC+8).
pub fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).single().expect("valid time")
}

pub async fn open_at(dir: &std::path::Path, clock: Arc<Mutex<DateTime<Utc>>>) -> Station {
    let c = clock.clone();
    Station::open_with_clock(dir, Arc::new(move || *c.lock().expect("clock"))).await.expect("open station")
}

impl TestStation {
    /// A station SH01 set up with manager 王经理 (PIN 1111), clock at `morning()`.
    pub async fn new() -> TestStation {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(Mutex::new(morning()));
        let station = open_at(dir.path(), clock.clone()).await;
        Self::set_up(station, dir, clock, "SH01").await
    }

    /// A station `code` whose clock starts at `at`, with the background sync
    /// worker off (sync tests drive passes with `station::sync::sync_once`).
    pub async fn without_sync_worker(code: &str, at: DateTime<Utc>) -> TestStation {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(Mutex::new(at));
        let c = clock.clone();
        let options = station::sync::WorkerOptions { enabled: false, ..Default::default() };
        let station = Station::open_with(dir.path(), Arc::new(move || *c.lock().expect("clock")), options).await.expect("open station");
        Self::set_up(station, dir, clock, code).await
    }

    async fn set_up(station: Station, dir: tempfile::TempDir, clock: Arc<Mutex<DateTime<Utc>>>, code: &str) -> TestStation {
        let session = station
            .dispatch(
                "first_run_setup",
                None,
                json!({"station_code": code, "station_name": "浦东服务站", "manager_name": "王经理", "manager_pin": "1111", "utc_offset_minutes": 480}),
            )
            .await
            .expect("first-run setup");
        let manager = session["token"].as_str().expect("token").to_string();
        TestStation { station, dir, clock, manager, succeeded: Default::default() }
    }

    /// Sessions last a shift; after moving the clock a day, log the manager in again.
    pub async fn relogin_manager(&mut self) {
        let status = self.station.dispatch("setup_status", None, json!({})).await.expect("status");
        let id = status["staff"].as_array().expect("staff").iter().find(|s| s["role"] == "manager").expect("a manager")["id"].clone();
        let session = self.station.dispatch("login", None, json!({"staff_id": id, "pin": "1111"})).await.expect("login");
        self.manager = session["token"].as_str().expect("token").to_string();
    }

    pub fn set_now(&self, at: DateTime<Utc>) {
        *self.clock.lock().expect("clock") = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut c = self.clock.lock().expect("clock");
        *c += by;
    }

    pub async fn call(&self, token: &str, op: &str, input: Value) -> Result<Value, ApiError> {
        let out = self.station.dispatch(op, Some(token), input.clone()).await;
        if out.is_ok() {
            self.succeeded.lock().expect("succeeded calls").push((op.to_string(), token.to_string(), input));
        }
        out
    }

    pub async fn ok(&self, token: &str, op: &str, input: Value) -> Value {
        match self.call(token, op, input).await {
            Ok(v) => v,
            Err(e) => panic!("{op} should have succeeded but failed: {e:?}"),
        }
    }

    /// Adds a staff member and returns their session token.
    pub async fn staff(&self, name: &str, role: &str, pin: &str) -> String {
        let s = self.ok(&self.manager, "create_staff", json!({"name": name, "role": role, "pin": pin})).await;
        let session = self.station.dispatch("login", None, json!({"staff_id": s["id"], "pin": pin})).await.expect("login");
        session["token"].as_str().expect("token").to_string()
    }

    /// A customer 王芳 with one vehicle 沪A12345; returns (customer id, vehicle id).
    pub async fn customer_with_vehicle(&self, token: &str, name: &str, phone: &str, plate: &str, vin: &str) -> (String, String) {
        let c = self.ok(token, "create_customer", json!({"name": name, "phones": [phone], "language": "zh-CN"})).await;
        let v = self.ok(token, "create_vehicle", json!({"customer_id": c["id"], "fields": {"plate": plate, "vin": vin, "model": "朗逸"}})).await;
        (c["id"].as_str().expect("id").to_string(), v["id"].as_str().expect("id").to_string())
    }

    /// Outbox rows of changes: the access register's entries, which every
    /// opening of an order or a customer writes (`privacy::access_register`), aside.
    pub async fn outbox_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE entity <> 'access_entry'").fetch_one(self.station.pool()).await.expect("count outbox")
    }

    pub async fn count(&self, table_query: &str) -> i64 {
        sqlx::query_scalar(table_query).fetch_one(self.station.pool()).await.expect("count")
    }
}

/// A check-in of `vehicle` at `km`. Tests check one car in again and again,
/// so a second open order is confirmed here (`check_in.open_order`);
/// `tests/duplicates.rs` takes the confirmation out to test the warning.
pub fn check_in_input(customer: &str, vehicle: &str, km: i64) -> Value {
    json!({
        "customer_id": customer,
        "vehicle_id": vehicle,
        "service_type": "maintenance",
        "odometer_km": km,
        "fuel_eighths": 4,
        "damage_marks": [{"x": 200, "y": 300, "kind": "scratch", "note": "左前门"}],
        "personal_items": "雨伞",
        "concerns": [{"text": "常规保养", "fault_codes": ["p0300"]}],
        "priority": "normal",
        "confirm": ["check_in.open_order"]
    })
}

/// Real VINs with correct check digits (checked by `Vin::check_digit_ok` in the domain tests).
pub const VIN_A: &str = "1M8GDM9AXKP042788";
pub const VIN_B: &str = "11111111111111111";

pub mod aftersales;
pub mod flow;
