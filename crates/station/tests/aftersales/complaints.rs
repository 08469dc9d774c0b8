//! The complaint ledger: intake and its checks, numbers, ownership, the
//! first-response, resolution and callback clocks, compensation and its
//! approval, resolve/escalate/callback/reopen, repeats, what each caller may
//! do, the ledger's filters, the customer page and the printed record.

use std::process::Command;

use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::common::aftersales::{code_field, complaint_input, instant, stamp, survey, Ticket};
use crate::common::flow::{Crew, Flow};
use crate::common::{morning, TestStation};

const RUDE: &str = "svc.attitude.rude";

fn numbers(page: &Value) -> Vec<String> {
    page["complaints"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_string()).collect()
}

async fn open<'a>(t: &'a TestStation, token: &str, crew: &Crew, category: &str, severity: &str) -> Ticket<'a> {
    Ticket::open(t, token, complaint_input(&crew.customer, category, severity)).await
}

#[tokio::test]
async fn opening_a_complaint_names_the_field_that_is_wrong_and_writes_nothing() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let before = t.outbox_count().await;
    let with = |key: &str, value: Value| {
        let mut input = complaint_input(&crew.customer, RUDE, "normal");
        input[key] = value;
        input
    };
    let cases = [
        (with("category_id", json!("svc.nope")), "complaint.category_unknown", "category_id"),
        (with("category_id", json!("svc.attitude")), "complaint.category_level", "category_id"),
        (with("description", json!("   ")), "text.required", "description"),
        (with("description", json!("长".repeat(10 * 1024))), "text.too_long", "description"),
    ];
    for (input, code, field) in cases {
        let e = t.call(&crew.advisor, "open_complaint", input).await.unwrap_err();
        assert_eq!(code_field(&e), (code, Some(field)));
    }
    let nobody = json!({"channel": "walk_in", "severity": "normal", "category_id": RUDE, "description": "前台无人接待"});
    let e = t.call(&crew.advisor, "open_complaint", nobody.clone()).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("contact_name"), "someone must be complaining: {e:?}");
    assert_eq!((t.count("SELECT COUNT(*) FROM complaints").await, t.outbox_count().await), (0, before));

    // A name is enough without a customer record; the refused attempts used no number.
    let mut named = nobody;
    named["contact_name"] = json!("路过的张先生");
    let c = Ticket::open(&t, &crew.advisor, named).await;
    assert_eq!(c.page["complaint"]["number"], "SH01-TS-20261122-001");
}

#[tokio::test]
async fn complaints_are_numbered_per_station_day_and_owned_by_whoever_received_them() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let advisor_id = t.id_of(&crew.advisor).await;
    let first = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    let second = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    assert_eq!(first.page["complaint"]["number"], "SH01-TS-20261122-001");
    assert_eq!(second.page["complaint"]["number"], "SH01-TS-20261122-002");
    let c = &first.page["complaint"];
    assert_eq!((c["received_by"].as_str(), c["owner_id"].as_str()), (Some(advisor_id.as_str()), Some(advisor_id.as_str())));
    assert_eq!((first.page["owner_name"].as_str(), first.page["customer_name"].as_str()), (Some("李顾问"), Some("王芳")));
    assert_eq!((c["status"].as_str(), c["contact_name"].as_str()), (Some("open"), Some("王芳")), "the customer's name is the contact's");
    let path: Vec<&str> = first.page["category"].as_array().unwrap().iter().map(|k| k["name_zh"].as_str().unwrap()).collect();
    assert_eq!(path, ["服务", "服务态度", "态度生硬"]);

    // 00:30 on the 23rd in Shanghai is still the 22nd in UTC: the station's day counts, from 001.
    t.set_now(Utc.with_ymd_and_hms(2026, 11, 22, 16, 30, 0).unwrap());
    let advisor = t.login_as("李顾问", "2222").await;
    let next_day = open(&t, &advisor, &crew, RUDE, "normal").await;
    assert_eq!(next_day.page["complaint"]["number"], "SH01-TS-20261123-001");
}

#[tokio::test]
async fn an_internal_note_is_not_a_response_but_a_logged_contact_stops_the_first_response_clock() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    let first = c.reading("first_response");
    assert_eq!((first["state"].as_str(), first["budget_secs"].as_i64()), (Some("running"), Some(24 * 3600)));
    assert_eq!(instant(&first["due_at"]), morning() + Duration::hours(24));

    t.advance(Duration::hours(1));
    c.step(&crew.advisor, json!({"kind": "note", "text": "等技师确认后再回复客户"})).await;
    let first = c.reading("first_response");
    assert_eq!((first["state"].as_str(), first["met_at"].clone()), (Some("running"), Value::Null), "a note is no response: {first}");
    assert_eq!((c.status().as_str(), c.page["complaint"]["first_response_at"].clone()), ("open", Value::Null));

    t.advance(Duration::hours(1));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "已致电客户致歉"})).await;
    let first = c.reading("first_response");
    assert_eq!((first["state"].as_str(), first["elapsed_secs"].as_i64()), (Some("stopped"), Some(7200)));
    assert_eq!(instant(&first["met_at"]), morning() + Duration::hours(2));
    assert_eq!(c.page["complaint"]["first_response_at"], stamp(morning() + Duration::hours(2)));
    assert_eq!(c.status(), "in_progress");
    assert_eq!(c.reading("resolution")["state"], "running", "answering is not resolving");

    t.advance(Duration::hours(1));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "message", "text": "微信告知进展"})).await;
    assert_eq!(instant(&c.reading("first_response")["met_at"]), morning() + Duration::hours(2), "only the first contact is the first response");
}

#[tokio::test]
async fn an_urgent_complaint_must_be_answered_within_thirty_minutes() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut urgent = open(&t, &crew.advisor, &crew, "qual.repair.damage", "urgent").await;
    // A normal complaint received at the same time is not late.
    open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    let first = urgent.reading("first_response");
    assert_eq!((first["budget_secs"].as_i64(), instant(&first["due_at"])), (Some(1800), morning() + Duration::minutes(30)));
    assert_eq!(crate::common::aftersales::clock(&urgent.page["clocks"], "first_response")["policy_kind"], "urgent_first_response");

    t.advance(Duration::minutes(31));
    urgent.reload(&crew.advisor).await;
    let first = urgent.reading("first_response");
    assert_eq!((first["overdue"].as_bool(), instant(&first["breached_at"])), (Some(true), morning() + Duration::minutes(30)));
    let overdue = t.ok(&crew.advisor, "list_complaints", json!({"overdue_only": true})).await;
    assert_eq!(numbers(&overdue), [urgent.page["complaint"]["number"].as_str().unwrap()], "only the urgent one is late");
    assert_eq!(overdue["complaints"][0]["overdue"], true);
}

#[tokio::test]
async fn reclassifying_to_urgent_after_forty_minutes_breaches_the_first_response_at_that_instant() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, "svc.attitude.slow", "normal").await;
    t.advance(Duration::minutes(40));
    c.step(&crew.advisor, json!({"kind": "reclassify", "category_id": RUDE, "severity": "urgent"})).await;
    assert_eq!((c.page["complaint"]["severity"].as_str(), c.page["complaint"]["category_id"].as_str()), (Some("urgent"), Some(RUDE)));
    let view = crate::common::aftersales::clock(&c.page["clocks"], "first_response").clone();
    assert_eq!(view["policy_kind"], "urgent_first_response");
    let first = &view["reading"];
    assert_eq!((first["elapsed_secs"].as_i64(), first["budget_secs"].as_i64()), (Some(2400), Some(1800)), "the 40 minutes carry over to the 30-minute limit");
    assert_eq!(instant(&first["breached_at"]), morning() + Duration::minutes(40), "breached when reclassified, not back-dated");
    assert_eq!(first["overdue"], true);
    assert_eq!(c.reading("resolution")["budget_secs"], 72 * 3600, "the resolution limit is not the severity's");

    let e = c.try_step(&crew.advisor, json!({"kind": "reclassify", "category_id": RUDE, "severity": "urgent"})).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.unchanged", Some("step.category_id")));
    let e = c.try_step(&crew.advisor, json!({"kind": "reclassify", "category_id": "svc", "severity": "normal"})).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.category_level", Some("step.category_id")));
}

#[tokio::test]
async fn waiting_for_the_customer_or_for_parts_pauses_the_resolution_clock_until_resumed() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, "svc.time.parts", "normal").await;
    t.advance(Duration::hours(1));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "约客户到店检查"})).await;
    c.step(&crew.advisor, json!({"kind": "wait", "waiting_for": "customer", "text": "客户下周到店"})).await;
    assert_eq!(c.status(), "waiting_customer");
    assert!(c.actions().contains(&"resume".to_string()), "{:?}", c.actions());

    t.advance(Duration::hours(5));
    c.reload(&crew.advisor).await;
    let resolution = c.reading("resolution");
    assert_eq!((resolution["state"].as_str(), resolution["elapsed_secs"].as_i64()), (Some("paused"), Some(3600)), "five hours waiting do not count");
    let e = c.try_step(&crew.advisor, json!({"kind": "wait", "waiting_for": "customer", "text": ""})).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.already_waiting", Some("step.waiting_for")));
    // From waiting for the customer to waiting for parts: still one pause, counted once.
    c.step(&crew.advisor, json!({"kind": "wait", "waiting_for": "parts", "text": "客户同意更换配件"})).await;
    assert_eq!(c.status(), "waiting_parts");
    t.advance(Duration::hours(1));
    c.reload(&crew.advisor).await;
    assert_eq!(c.reading("resolution")["elapsed_secs"], 3600, "six hours in two waiting states do not count");

    c.step(&crew.advisor, json!({"kind": "resume", "text": "客户已到店"})).await;
    let resolution = c.reading("resolution");
    assert_eq!((resolution["state"].as_str(), resolution["elapsed_secs"].as_i64()), (Some("running"), Some(3600)));
    assert_eq!(instant(&resolution["due_at"]), morning() + Duration::hours(72 + 6), "the deadline moved by the time waited");
    assert_eq!(c.status(), "in_progress");

    t.advance(Duration::hours(1));
    c.step(&crew.advisor, json!({"kind": "wait", "waiting_for": "parts", "text": "等配件"})).await;
    assert_eq!(c.status(), "waiting_parts");
    t.advance(Duration::hours(3));
    c.reload(&crew.advisor).await;
    assert_eq!(c.reading("resolution")["elapsed_secs"], 7200, "waiting for parts does not count either");
}

#[tokio::test]
async fn compensation_above_the_threshold_needs_a_managers_pin() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, "qual.repair.damage", "normal").await;
    let voucher =
        |value: i64, pin: Option<&str>| json!({"kind": "compensate", "compensation": "voucher", "description": "保养券", "value": value, "manager_pin": pin});
    assert_eq!((c.page["approval_threshold"].as_i64(), c.page["needs_manager_pin"].as_bool()), (Some(50_000), Some(true)));

    let e = c.try_step(&crew.advisor, voucher(-100, None)).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.compensation_value", Some("step.value")));
    let e = c.try_step(&crew.advisor, json!({"kind": "compensate", "compensation": "courtesy_car", "value": 30_000})).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.courtesy_days", Some("step.days")));
    let e = c.try_step(&crew.advisor, voucher(60_000, None)).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.needs_approval", Some("step.manager_pin")));
    let e = c.try_step(&crew.advisor, voucher(60_000, Some("9999"))).await.unwrap_err();
    assert_eq!(code_field(&e), ("auth.bad_manager_pin", Some("step.manager_pin")));
    assert_eq!(c.page["compensations"], json!([]), "nothing was granted");

    c.step(&crew.advisor, voucher(60_000, Some("1111"))).await;
    c.step(&crew.advisor, voucher(50_000, None)).await;
    c.step(&crew.advisor, json!({"kind": "compensate", "compensation": "courtesy_car", "value": 30_000, "days": 3})).await;
    c.step(&crew.manager, json!({"kind": "compensate", "compensation": "refund", "value": 80_000})).await;
    let granted: Vec<(i64, Option<i64>, Option<&str>, &str)> = c.page["compensations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["value"].as_i64().unwrap(), x["days"].as_i64(), x["approved_by_name"].as_str(), x["staff_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        granted,
        [(60_000, None, Some("王经理"), "李顾问"), (50_000, None, None, "李顾问"), (30_000, Some(3), None, "李顾问"), (80_000, None, Some("王经理"), "王经理")],
        "above ¥500.00 the manager approved; at or below it nobody had to"
    );
    assert_eq!(c.page["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "compensation").count(), 4);
}

#[tokio::test]
async fn resolving_needs_a_solution_and_an_accepted_one_starts_the_callback_under_the_limit_then_in_force_that_closes_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, "qual.repair.repeat", "normal").await;
    let resolve = json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "客户接受"});
    let e = c.try_step(&crew.advisor, resolve.clone()).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.no_solution", Some("step.text")));
    c.step(&crew.advisor, json!({"kind": "findings", "cause": "点火线圈故障", "corrective_action": "", "solution": ""})).await;
    let e = c.try_step(&crew.advisor, resolve.clone()).await.unwrap_err();
    assert_eq!(e.code, "complaint.no_solution", "a cause is not a solution offered");

    assert!(c.page["clocks"].as_array().unwrap().iter().all(|k| k["clock"] != "callback"), "no callback clock before it is resolved");
    // The limit in force when the callback starts is the one it runs under.
    t.ok(&crew.manager, "update_time_limit", json!({"kind": "complaint_callback", "budget_minutes": 1440, "basis": "wall"})).await;

    t.advance(Duration::hours(5));
    c.resolve_accepted(&crew.advisor).await;
    assert_eq!((c.status().as_str(), c.page["complaint"]["customer_answer"].as_str()), ("resolved", Some("accepted")));
    let resolution = c.reading("resolution");
    assert_eq!((resolution["state"].as_str(), instant(&resolution["met_at"])), (Some("stopped"), morning() + Duration::hours(5)));
    assert_eq!(c.reading("first_response")["state"], "stopped", "telling the customer the result is a contact");
    let callback = c.reading("callback");
    assert_eq!(
        (callback["state"].as_str(), callback["budget_secs"].as_i64()),
        (Some("running"), Some(24 * 3600)),
        "the callback limit edited after intake applies"
    );
    assert_eq!(instant(&callback["due_at"]), morning() + Duration::hours(5 + 24));
    let mut offered = c.actions();
    offered.sort();
    assert_eq!(offered, ["callback", "note", "print", "reopen"]);

    t.advance(Duration::hours(20));
    let advisor = t.login_as("李顾问", "2222").await;
    c.step(&advisor, json!({"kind": "callback", "reached": false, "text": "未接通"})).await;
    assert_eq!((c.status().as_str(), c.reading("callback")["state"].as_str()), ("resolved", Some("running")), "a missed callback is still due");
    c.step(&advisor, json!({"kind": "callback", "reached": true, "text": "客户确认问题已解决"})).await;
    assert_eq!(c.status(), "closed");
    assert!(c.page["complaint"]["closed_at"].is_string());
    let callback = c.reading("callback");
    assert_eq!((callback["state"].as_str(), callback["elapsed_secs"].as_i64()), (Some("stopped"), Some(20 * 3600)));
    assert!(callback["met_at"].is_string(), "called back within the 24 h in force when it was resolved");
}

#[tokio::test]
async fn a_solution_the_customer_does_not_accept_escalates_the_complaint_to_the_manager() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let manager_id = t.id_of(&crew.manager).await;
    let mut c = open(&t, &crew.advisor, &crew, "price.charge.high", "normal").await;
    c.step(&crew.advisor, json!({"kind": "findings", "cause": "工时计算有误", "corrective_action": "复核工时", "solution": "退还多收的工时费"})).await;
    c.step(&crew.advisor, json!({"kind": "resolve", "told_by": "visit", "answer": "not_accepted", "text": "客户要求全额退款"})).await;
    assert_eq!(c.status(), "escalated");
    assert_eq!(c.page["complaint"]["owner_id"], manager_id.as_str(), "the manager owns it now");
    assert_eq!(c.actions(), ["print"], "the advisor can no longer resolve it");
    let e = c.try_step(&crew.advisor, json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "x"})).await.unwrap_err();
    assert_eq!(e.code, "complaint.not_owner");
    assert!(c.page["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "escalated"));
    assert_eq!(c.reading("resolution")["state"], "running", "not resolved while escalated");

    c.reload(&crew.manager).await;
    assert!(c.actions().contains(&"resolve".to_string()), "{:?}", c.actions());
    c.step(&crew.manager, json!({"kind": "resolve", "told_by": "visit", "answer": "accepted", "text": "店长面谈后客户接受"})).await;
    assert_eq!(c.status(), "resolved");
}

#[tokio::test]
async fn a_reopened_complaint_continues_its_clocks_from_where_they_stopped() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, "qual.repair.repeat", "normal").await;
    t.advance(Duration::hours(10));
    c.resolve_accepted(&crew.advisor).await;
    assert_eq!(c.reading("resolution")["elapsed_secs"], 36_000);
    t.advance(Duration::hours(3));
    let advisor = t.login_as("李顾问", "2222").await;
    c.step(&advisor, json!({"kind": "callback", "reached": true, "text": "客户满意"})).await;
    assert_eq!(c.status(), "closed");

    t.advance(Duration::days(2));
    let advisor = t.login_as("李顾问", "2222").await;
    c.step(&advisor, json!({"kind": "reopen", "text": "异响再次出现"})).await;
    assert_eq!(c.status(), "in_progress");
    let resolution = c.reading("resolution");
    assert_eq!((resolution["state"].as_str(), resolution["elapsed_secs"].as_i64()), (Some("running"), Some(36_000)), "two days closed do not count");
    assert!(resolution["met_at"].is_string(), "the earlier result is kept");
    assert_eq!(c.page["complaint"]["resolved_at"], Value::Null);

    t.advance(Duration::hours(1));
    c.reload(&advisor).await;
    assert_eq!(c.reading("resolution")["elapsed_secs"], 39_600);
    c.step(&advisor, json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "再次处理后客户接受"})).await;
    let callback = c.reading("callback");
    assert_eq!((callback["state"].as_str(), callback["elapsed_secs"].as_i64()), (Some("running"), Some(3 * 3600)), "the callback clock continues too");
}

#[tokio::test]
async fn a_complaint_within_90_days_of_the_customers_last_is_a_repeat_and_one_after_91_days_is_not() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let first = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    assert_eq!(first.page["complaint"]["repeat_of_id"], Value::Null);

    t.advance(Duration::days(89));
    let manager = t.login_as("王经理", "1111").await;
    let second = Ticket::open(&t, &manager, complaint_input(&crew.customer, "svc.time.late", "normal")).await;
    assert_eq!(second.page["complaint"]["repeat_of_id"], first.page["complaint"]["id"]);
    assert_eq!(second.page["repeat_of_number"], first.page["complaint"]["number"]);
    let again = Ticket::of(&t, &manager, &first.id()).await;
    assert_eq!(again.page["repeats"], json!([second.page["complaint"]["number"]]), "linked both ways");

    t.advance(Duration::days(91));
    let manager = t.login_as("王经理", "1111").await;
    let third = Ticket::open(&t, &manager, complaint_input(&crew.customer, RUDE, "normal")).await;
    assert_eq!(third.page["complaint"]["repeat_of_id"], Value::Null, "91 days after the last one");
}

#[tokio::test]
async fn what_a_caller_may_do_depends_on_owning_the_complaint_and_on_their_role() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (other, other_id) = t.staff_with_id("陈顾问", "advisor", "2323").await;
    let mut c = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    let mut offered = c.actions();
    offered.sort();
    assert_eq!(offered, ["compensate", "contact", "findings", "hand_over", "note", "print", "reclassify", "resolve", "wait"]);

    for token in [&other, &crew.tech] {
        c.reload(token).await;
        assert_eq!(c.actions(), ["print"], "someone else's complaint can only be printed");
        let e = c.try_step(token, json!({"kind": "note", "text": "我来看看"})).await.unwrap_err();
        assert_eq!(e.code, "complaint.not_owner");
    }
    c.reload(&crew.manager).await;
    assert!(c.actions().contains(&"hand_over".to_string()), "a manager may act on anyone's: {:?}", c.actions());

    let e = c.try_step(&crew.advisor, json!({"kind": "hand_over", "to_staff_id": other_id, "reason": ""})).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.required", Some("step.reason")));
    c.step(&crew.advisor, json!({"kind": "hand_over", "to_staff_id": other_id, "reason": "客户指定陈顾问"})).await;
    assert_eq!(c.actions(), ["print"], "handed over: the old owner only prints");
    c.reload(&other).await;
    assert!(c.actions().contains(&"contact".to_string()));
    let handed = c.page["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "handed_over").expect("the hand-over is in the timeline").clone();
    assert_eq!((handed["text"].as_str(), handed["staff_name"].as_str()), (Some("客户指定陈顾问"), Some("李顾问")));
}

#[tokio::test]
async fn a_step_taken_on_a_stale_version_is_refused() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let c = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    let step = json!({"complaint_id": c.id(), "expected_version": c.page["complaint"]["version"], "step": {"kind": "note", "text": "第一条"}});
    t.ok(&crew.advisor, "complaint_step", step.clone()).await;
    let e = t.call(&crew.manager, "complaint_step", step).await.unwrap_err();
    assert_eq!(e.code, "complaint.version_conflict");
    let now = Ticket::of(&t, &crew.advisor, &c.id()).await;
    assert_eq!(now.page["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "note").count(), 1);
}

#[tokio::test]
async fn the_ledger_filters_by_status_category_owner_and_overdue() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (other, other_id) = t.staff_with_id("陈顾问", "advisor", "2323").await;
    let repair = open(&t, &crew.advisor, &crew, "qual.repair.repeat", "normal").await;
    let rude = open(&t, &other, &crew, RUDE, "urgent").await;
    let mut price = open(&t, &crew.advisor, &crew, "price.charge.high", "normal").await;
    price.resolve_accepted(&crew.advisor).await;
    price.step(&crew.advisor, json!({"kind": "callback", "reached": true, "text": "客户满意"})).await;
    let no = |c: &Ticket| c.page["complaint"]["number"].as_str().unwrap().to_string();
    let (station, manager) = (&t, crew.manager.as_str());
    let list = move |q: Value| station.ok(manager, "list_complaints", q);

    assert_eq!(numbers(&list(json!({})).await), [no(&rude), no(&repair)], "newest first, closed ones left out");
    assert_eq!(numbers(&list(json!({"include_closed": true})).await).len(), 3);
    assert_eq!(numbers(&list(json!({"status": "closed"})).await), [no(&price)]);
    assert_eq!(numbers(&list(json!({"status": "open"})).await), [no(&rude), no(&repair)]);
    assert_eq!(numbers(&list(json!({"category_id": "qual"})).await), [no(&repair)], "a top-level category matches its third-level entries");
    assert_eq!(numbers(&list(json!({"category_id": "svc.attitude"})).await), [no(&rude)]);
    assert_eq!(numbers(&list(json!({"category_id": "price", "include_closed": true})).await), [no(&price)]);
    assert_eq!(numbers(&list(json!({"owner_id": other_id})).await), [no(&rude)]);
    assert_eq!(list(json!({"overdue_only": true})).await["total"], 0);
    t.advance(Duration::minutes(31));
    let late = list(json!({"overdue_only": true})).await;
    assert_eq!((numbers(&late), late["total"].as_i64()), (vec![no(&rude)], Some(1)), "the urgent one missed its 30 minutes");
    assert_eq!(late["complaints"][0]["category_zh"], "服务 › 服务态度 › 态度生硬");
}

#[tokio::test]
async fn the_customer_page_lists_their_complaints_and_survey_scores() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;
    let mut answers = survey(4);
    answers["comment"] = json!("等待时间有点长");
    t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": answers})).await.unwrap();
    f.reload().await;
    let c = open(&t, &crew.advisor, &crew, "svc.time.late", "normal").await;

    let customer = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(numbers(&customer), [c.page["complaint"]["number"].as_str().unwrap()]);
    let scores = &customer["surveys"][0];
    assert_eq!((scores["overall"].as_i64(), scores["comment"].as_str()), (Some(4), Some("等待时间有点长")));
    assert_eq!(scores["ro_number"], f.page["order"]["number"]);
}

#[tokio::test]
async fn the_complaint_record_prints_as_a_pdf_carrying_its_number() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = open(&t, &crew.advisor, &crew, RUDE, "normal").await;
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "已致电客户致歉"})).await;
    let number = c.page["complaint"]["number"].as_str().unwrap().to_string();
    for language in ["zh-CN", "en"] {
        let printed = t.ok(&crew.tech, "print_complaint", json!({"complaint_id": c.id(), "language": language})).await;
        let url = printed["data_url"].as_str().unwrap();
        let b64 = url.strip_prefix("data:application/pdf;base64,").expect("a PDF data URL");
        let pdf = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{language}: not a PDF");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("complaint.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let Ok(out) = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output() else {
            eprintln!("pdftotext is not installed: the text of the record is not checked");
            return;
        };
        let text: String = String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&number), "{language}: the number {number} should be printed: {text}");
    }
}

#[tokio::test]
async fn a_category_name_too_long_is_refused_naming_the_name_that_is_too_long() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let add = |zh: String, en: String| json!({"parent_id": "svc.attitude", "name_zh": zh, "name_en": en});
    let e = t.call(&crew.manager, "add_complaint_category", add("长".repeat(41), "Long".into())).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.too_long", Some("name_zh")));
    let e = t.call(&crew.manager, "add_complaint_category", add("太长".into(), "x".repeat(61))).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.too_long", Some("name_en")), "the English name is the one too long");
}
