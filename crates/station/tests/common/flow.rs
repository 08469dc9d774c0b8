//! Driving repair orders through their life in tests: a crew with one member
//! of each role, and `Flow`, one order that tracks its own version so each
//! step sends the `expected_version` it read, as the UI does.

use serde_json::{json, Value};
use station::ApiError;

use super::{check_in_input, TestStation, VIN_A};

/// One logged-in member of each role, plus a second technician.
#[derive(Clone)]
pub struct Crew {
    pub manager: String,
    pub advisor: String,
    pub tech: String,
    pub tech_id: String,
    pub tech2: String,
    pub tech2_id: String,
    pub qc: String,
    pub customer: String,
    pub vehicle: String,
}

impl Crew {
    pub fn token(&self, role: &str) -> &str {
        match role {
            "manager" => &self.manager,
            "advisor" => &self.advisor,
            "technician" => &self.tech,
            "qc_inspector" => &self.qc,
            other => panic!("no such role {other}"),
        }
    }
}

pub const ROLES: [&str; 4] = ["advisor", "technician", "qc_inspector", "manager"];

/// Every state of a repair order.
pub const STATES: [&str; 11] = [
    "checked_in",
    "diagnosing",
    "estimate_ready",
    "approved",
    "in_repair",
    "waiting_parts",
    "quality_check",
    "ready_for_pickup",
    "delivered",
    "closed",
    "cancelled",
];

impl TestStation {
    /// Adds a staff member; returns (token, id).
    pub async fn staff_with_id(&self, name: &str, role: &str, pin: &str) -> (String, String) {
        let s = self.ok(&self.manager, "create_staff", json!({"name": name, "role": role, "pin": pin})).await;
        let session = self.station.dispatch("login", None, json!({"staff_id": s["id"], "pin": pin})).await.expect("login");
        (session["token"].as_str().expect("token").to_string(), s["id"].as_str().expect("id").to_string())
    }

    pub async fn crew(&self) -> Crew {
        let advisor = self.staff("李顾问", "advisor", "2222").await;
        let (tech, tech_id) = self.staff_with_id("张技师", "technician", "3333").await;
        let (tech2, tech2_id) = self.staff_with_id("刘技师", "technician", "3434").await;
        let qc = self.staff("赵质检", "qc_inspector", "4444").await;
        let (customer, vehicle) = self.customer_with_vehicle(&advisor, "王芳", "13812345678", "沪A12345", VIN_A).await;
        Crew { manager: self.manager.clone(), advisor, tech, tech_id, tech2, tech2_id, qc, customer, vehicle }
    }

    /// A part in stock: returns its id.
    pub async fn part(&self, part_no: &str, price_minor: i64, on_hand_milli: i64) -> String {
        let p = self
            .ok(
                &self.manager,
                "save_part",
                json!({"part_no": part_no, "name": "机油滤清器", "bin": "A-01", "unit_price": price_minor, "reorder_point_milli": 1000}),
            )
            .await;
        let id = p["id"].as_str().expect("part id").to_string();
        if on_hand_milli > 0 {
            self.ok(&self.manager, "receive_stock", json!({"part_id": id, "quantity_milli": on_hand_milli})).await;
        }
        id
    }
}

/// One repair order and the latest order page the test has seen.
pub struct Flow<'a> {
    pub t: &'a TestStation,
    pub crew: &'a Crew,
    pub ro: String,
    pub page: Value,
}

impl<'a> Flow<'a> {
    /// Checks a car in (two concerns, so there are two jobs).
    pub async fn check_in(t: &'a TestStation, crew: &'a Crew) -> Flow<'a> {
        let mut input = check_in_input(&crew.customer, &crew.vehicle, 10_000);
        input["concerns"] = json!([{"text": "常规保养"}, {"text": "刹车异响"}]);
        let order = t.ok(&crew.advisor, "check_in", input).await;
        let ro = order["id"].as_str().expect("id").to_string();
        let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
        Flow { t, crew, ro, page }
    }

    pub fn version(&self) -> i64 {
        self.page["order"]["version"].as_i64().expect("version")
    }

    pub fn status(&self) -> String {
        self.page["order"]["status"].as_str().expect("status").to_string()
    }

    pub fn job(&self, i: usize) -> String {
        self.page["jobs"][i]["id"].as_str().unwrap_or_else(|| panic!("no job {i}")).to_string()
    }

    pub async fn reload(&mut self) {
        self.page = self.t.ok(&self.crew.manager, "get_order_detail", json!({"id": self.ro})).await;
    }

    /// Calls `op` adding `ro_id` (unless a job or line is named) and `expected_version`; keeps the new page.
    pub async fn try_step(&mut self, token: &str, op: &str, mut input: Value) -> Result<Value, ApiError> {
        if input.get("job_id").is_none() && input.get("line_id").is_none() {
            input["ro_id"] = json!(self.ro);
        }
        input["expected_version"] = json!(self.version());
        let out = self.t.call(token, op, input).await;
        match &out {
            Ok(page) => self.page = page.clone(),
            Err(_) => self.reload().await,
        }
        out
    }

    pub async fn step(&mut self, token: &str, op: &str, input: Value) -> Value {
        match self.try_step(token, op, input).await {
            Ok(v) => v,
            Err(e) => panic!("{op} should have succeeded in {} but failed: {e:?}", self.status()),
        }
    }

    pub async fn try_move(&mut self, token: &str, to: &str, note: &str) -> Result<Value, ApiError> {
        self.try_step(token, "move_order", json!({"to": to, "note": note})).await
    }

    pub async fn move_to(&mut self, token: &str, to: &str) -> Value {
        self.step(token, "move_order", json!({"to": to, "note": ""})).await
    }

    /// Adds a custom labor line of `hours_milli` at `rate` to job `i`.
    pub async fn labor(&mut self, i: usize, hours_milli: i64, rate: i64) -> Value {
        let job = self.job(i);
        let advisor = self.crew.advisor.clone();
        self.step(&advisor, "add_line", json!({"job_id": job, "kind": "labor", "description": "工时", "quantity_milli": hours_milli, "unit_price": rate})).await
    }

    /// The customer approves every pending job for the estimate's total.
    pub async fn authorize_all(&mut self) -> Value {
        match self.authorize_all_result().await {
            Ok(v) => v,
            Err(e) => panic!("authorizing failed: {e:?}"),
        }
    }

    pub async fn authorize_all_result(&mut self) -> Result<Value, ApiError> {
        let jobs: Vec<Value> = self.page["jobs"].as_array().expect("jobs").iter().filter(|j| j["approval"] == "pending").map(|j| j["id"].clone()).collect();
        let amount = self.page["totals"]["estimate"]["total"].clone();
        let advisor = self.crew.advisor.clone();
        self.try_step(&advisor, "record_authorization", json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount}))
            .await
    }

    /// Marks every approved job done (see `complete`).
    pub async fn complete_all(&mut self) {
        let open: Vec<String> = self.page["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .filter(|j| j["approval"] == "approved" && j["done_at"].is_null())
            .map(|j| j["id"].as_str().expect("id").to_string())
            .collect();
        let tech = self.crew.tech.clone();
        for job in open {
            self.complete(&tech, &job).await;
        }
    }

    /// Marks a job done as `token`: writes the 3 Cs where blank and confirms
    /// whatever the job warns of (no clocked time, parts not issued).
    pub async fn complete(&mut self, token: &str, job_id: &str) -> Value {
        let job = self.page["jobs"].as_array().expect("jobs").iter().find(|j| j["id"] == job_id).expect("the job is on the order").clone();
        if job["cause"] == "" || job["correction"] == "" {
            self.step(token, "update_job", json!({"job_id": job_id, "concern": job["concern"], "cause": "检查确认", "correction": "已修复"})).await;
        }
        self.step(token, "complete_job", json!({"job_id": job_id, "confirm": ["job.no_time_clocked", "job.parts_not_issued"]})).await
    }

    pub async fn qc(&mut self, token: &str, passed: bool) -> Result<Value, ApiError> {
        let items = self.t.ok(token, "list_qc_items", json!({})).await;
        let results: Vec<Value> = items["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| json!({"item_id": i["id"], "passed": passed, "note": if passed { "" } else { "异响仍在" }}))
            .collect();
        self.try_step(token, "record_qc", json!({"passed": passed, "items": results, "notes": if passed { "" } else { "返工" }})).await
    }

    pub async fn pay_and_deliver(&mut self, token: &str) -> Result<Value, ApiError> {
        let balance = self.page["totals"]["balance"].clone();
        let payments = if balance.as_i64().unwrap_or(0) > 0 { json!([{"method": "wechat", "amount": balance}]) } else { json!([]) };
        self.try_step(token, "deliver", json!({"odometer_out_km": 10_012, "payments": payments})).await
    }

    /// The follow-up call reaches the customer, who scores 5: the order closes.
    pub async fn follow_up_reached(&mut self, token: &str) -> Value {
        let id = self.page["follow_up_id"].clone();
        let task = self.t.ok(token, "get_follow_up", json!({"id": id})).await;
        let survey = json!({"overall": 5, "quality": 5, "timeliness": 5, "attitude": 5, "price": 4, "comment": ""});
        let input = json!({"follow_up_id": id, "expected_version": task["follow_up"]["version"], "outcome": "reached", "survey": survey, "note": "已回访"});
        let out = self.t.ok(token, "record_call", input).await;
        self.reload().await;
        out
    }

    /// One step along the happy path, done by the role whose job it is.
    pub async fn advance(&mut self) {
        let c = self.crew;
        match self.status().as_str() {
            "checked_in" => {
                self.move_to(&c.tech, "diagnosing").await;
            }
            "diagnosing" => {
                if self.page["jobs"][0]["lines"].as_array().map_or(true, |l| l.is_empty()) {
                    self.labor(0, 1500, 20_000).await;
                }
                self.move_to(&c.advisor, "estimate_ready").await;
            }
            "estimate_ready" => {
                self.authorize_all().await;
            }
            "approved" | "waiting_parts" => {
                self.move_to(&c.tech, "in_repair").await;
            }
            "in_repair" => {
                self.complete_all().await;
                self.move_to(&c.tech, "quality_check").await;
            }
            "quality_check" => {
                self.qc(&c.qc, true).await.expect("qc pass");
            }
            "ready_for_pickup" => {
                self.pay_and_deliver(&c.advisor).await.expect("deliver");
            }
            "delivered" => {
                self.follow_up_reached(&c.advisor).await;
            }
            other => panic!("cannot advance from {other}"),
        }
    }

    pub async fn drive_to(&mut self, target: &str) {
        if target == "cancelled" {
            let advisor = self.crew.advisor.clone();
            self.try_move(&advisor, "cancelled", "客户取消").await.expect("cancel");
            return;
        }
        let mut guard = 0;
        while self.status() != target {
            self.advance().await;
            guard += 1;
            assert!(guard < 20, "could not reach {target}");
        }
    }

    /// A fresh order already in `status`.
    pub async fn in_status(t: &'a TestStation, crew: &'a Crew, status: &str) -> Flow<'a> {
        let mut f = Flow::check_in(t, crew).await;
        f.drive_to(status).await;
        f
    }

    /// A fresh approved order and its signed authorization printed by the advisor (`print_document`'s answer).
    pub async fn approved_and_printed(t: &'a TestStation, crew: &'a Crew) -> (Flow<'a>, Value) {
        let f = Flow::in_status(t, crew, "approved").await;
        let auth = f.page["authorizations"][0]["id"].clone();
        let printed = t.ok(&crew.advisor, "print_document", json!({"ro_id": f.ro, "authorization_id": auth})).await;
        (f, printed)
    }
}
