//! After-sales in tests: logging staff in again after the clock moved past a
//! shift, and `Ticket`, one complaint that tracks its own version so each step
//! sends the `expected_version` it read, as the complaint page does.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use station::ApiError;

use super::flow::{Crew, Flow};
use super::TestStation;

impl TestStation {
    /// Logs `name` in with `pin` and returns the new token. Sessions last a
    /// shift (12 h), so a test that moves the clock further logs people in again.
    pub async fn login_as(&self, name: &str, pin: &str) -> String {
        let status = self.station.dispatch("setup_status", None, json!({})).await.expect("status");
        let staff = status["staff"].as_array().expect("staff");
        let id = staff.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no staff member {name}"))["id"].clone();
        let session = self.station.dispatch("login", None, json!({"staff_id": id, "pin": pin})).await.expect("login");
        session["token"].as_str().expect("token").to_string()
    }

    /// The caller's staff id.
    pub async fn id_of(&self, token: &str) -> String {
        self.ok(token, "me", json!({})).await["staff"]["id"].as_str().expect("id").to_string()
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.clock.lock().expect("clock")
    }
}

/// `t` as the station writes instants (RFC 3339, milliseconds, `Z`).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An instant the API returned.
pub fn instant(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not an instant: {v}"));
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}")).with_timezone(&Utc)
}

/// The caller's top bar: (due within the hour, overdue).
pub async fn deadlines(t: &TestStation, token: &str) -> (i64, i64) {
    let d = t.ok(token, "my_deadlines", json!({})).await;
    (d["due_within_hour"].as_i64().expect("due"), d["overdue"].as_i64().expect("overdue"))
}

/// The error's code and the field it names, to compare in one assert.
pub fn code_field(e: &ApiError) -> (&str, Option<&str>) {
    (e.code.as_str(), e.field.as_deref())
}

/// A complaint about `customer` by phone: the customer's words and a third-level category.
pub fn complaint_input(customer: &str, category: &str, severity: &str) -> Value {
    json!({"channel": "phone", "severity": severity, "category_id": category, "description": "保养后发动机有异响", "customer_id": customer})
}

/// A clock of an item (`clocks` of a complaint page, or a follow-up's `clock`) by name.
pub fn clock<'v>(clocks: &'v Value, name: &str) -> &'v Value {
    clocks.as_array().expect("clocks").iter().find(|c| c["clock"] == name).unwrap_or_else(|| panic!("no {name} clock in {clocks}"))
}

/// One complaint and the latest complaint page the test has seen.
pub struct Ticket<'a> {
    pub t: &'a TestStation,
    pub page: Value,
}

impl<'a> Ticket<'a> {
    pub async fn open(t: &'a TestStation, token: &str, input: Value) -> Ticket<'a> {
        let page = t.ok(token, "open_complaint", input).await;
        Ticket { t, page }
    }

    pub async fn of(t: &'a TestStation, token: &str, id: &str) -> Ticket<'a> {
        let page = t.ok(token, "get_complaint", json!({"id": id})).await;
        Ticket { t, page }
    }

    pub fn id(&self) -> String {
        self.page["complaint"]["id"].as_str().expect("id").to_string()
    }

    pub fn status(&self) -> String {
        self.page["complaint"]["status"].as_str().expect("status").to_string()
    }

    /// The reading of one of its clocks (`first_response`, `resolution`, `callback`).
    pub fn reading(&self, name: &str) -> Value {
        clock(&self.page["clocks"], name)["reading"].clone()
    }

    pub fn actions(&self) -> Vec<String> {
        self.page["actions"].as_array().expect("actions").iter().map(|a| a.as_str().expect("action").to_string()).collect()
    }

    /// The page as `token` sees it now.
    pub async fn reload(&mut self, token: &str) {
        self.page = self.t.ok(token, "get_complaint", json!({"id": self.id()})).await;
    }

    /// One `complaint_step` with the version last seen; keeps the new page.
    pub async fn try_step(&mut self, token: &str, step: Value) -> Result<Value, ApiError> {
        let input = json!({"complaint_id": self.id(), "expected_version": self.page["complaint"]["version"], "step": step});
        let out = self.t.call(token, "complaint_step", input).await;
        match &out {
            Ok(page) => self.page = page.clone(),
            Err(_) => self.reload(token).await,
        }
        out
    }

    pub async fn step(&mut self, token: &str, step: Value) -> Value {
        let kind = step["kind"].clone();
        match self.try_step(token, step).await {
            Ok(v) => v,
            Err(e) => panic!("the {kind} step should have succeeded on a {} complaint but failed: {e:?}", self.status()),
        }
    }

    /// Findings with a solution, then the customer told by phone and accepting: resolved.
    pub async fn resolve_accepted(&mut self, token: &str) -> Value {
        self.step(token, json!({"kind": "findings", "cause": "机脚胶老化", "corrective_action": "更换机脚胶", "solution": "免费更换并赠送保养券"})).await;
        self.step(token, json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "客户接受方案"})).await
    }
}

/// Survey answers: `overall` as given, 4 on every other question.
pub fn survey(overall: i64) -> Value {
    json!({"overall": overall, "quality": 4, "timeliness": 4, "attitude": 4, "price": 4, "comment": "师傅很专业"})
}

impl TestStation {
    /// The follow-up page as `token` sees it.
    pub async fn follow_up(&self, token: &str, id: &str) -> Value {
        self.ok(token, "get_follow_up", json!({"id": id})).await
    }

    /// `record_call` on the follow-up of `page` (a follow-up page), at the version it shows; `call` adds the outcome and the rest.
    pub async fn record_call(&self, token: &str, page: &Value, mut call: Value) -> Result<Value, ApiError> {
        call["follow_up_id"] = page["follow_up"]["id"].clone();
        call["expected_version"] = page["follow_up"]["version"].clone();
        self.call(token, "record_call", call).await
    }
}

impl<'a> Flow<'a> {
    /// A fresh order of the crew's customer, delivered, and its follow-up page as the advisor sees it.
    pub async fn delivered(t: &'a TestStation, crew: &'a Crew) -> (Flow<'a>, Value) {
        let f = Flow::in_status(t, crew, "delivered").await;
        let id = f.page["follow_up_id"].as_str().expect("delivering creates a follow-up").to_string();
        let page = t.follow_up(&crew.advisor, &id).await;
        (f, page)
    }
}
