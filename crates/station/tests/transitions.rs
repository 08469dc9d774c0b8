//! The state machine's edges: every move it does not have is refused, every
//! requirement names what is missing, and the role matrix holds for every
//! transition and every operation that changes money.

mod common;

use common::flow::{Crew, Flow, ROLES, STATES};
use common::TestStation;
use serde_json::json;
use station::ApiError;

const OPEN: [&str; 8] = ["checked_in", "diagnosing", "estimate_ready", "approved", "in_repair", "waiting_parts", "quality_check", "ready_for_pickup"];

/// The machine as issue 3 states it, written independently of the code.
fn legal(from: &str, to: &str) -> bool {
    if to == "cancelled" {
        return OPEN.contains(&from);
    }
    matches!(
        (from, to),
        ("checked_in", "diagnosing")
            | ("diagnosing", "estimate_ready")
            | ("estimate_ready", "approved")
            | ("approved", "in_repair")
            | ("in_repair", "waiting_parts")
            | ("waiting_parts", "in_repair")
            | ("in_repair", "quality_check")
            | ("quality_check", "ready_for_pickup")
            | ("quality_check", "in_repair")
            | ("ready_for_pickup", "delivered")
            | ("delivered", "closed")
    )
}

/// Who may move each edge: advisors the estimate, authorization, delivery,
/// closing and cancelling; technicians diagnosis and repair; QC inspectors
/// pass/fail; managers everything.
fn allowed(role: &str, from: &str, to: &str) -> bool {
    if role == "manager" {
        return true;
    }
    let needs = match (from, to) {
        (_, "cancelled") | ("diagnosing", "estimate_ready") | ("estimate_ready", "approved") | ("ready_for_pickup", "delivered") | ("delivered", "closed") => {
            "advisor"
        }
        ("quality_check", _) => "qc_inspector",
        _ => "technician",
    };
    role == needs
}

async fn order_in<'a>(t: &'a TestStation, crew: &'a Crew, status: &str) -> Flow<'a> {
    if status == "waiting_parts" {
        let mut f = Flow::in_status(t, crew, "in_repair").await;
        f.try_move(&crew.tech, "waiting_parts", "等配件：刹车片").await.expect("wait for parts");
        return f;
    }
    Flow::in_status(t, crew, status).await
}

/// An order in `from` that meets the requirements of moving to `to`.
async fn ready_for<'a>(t: &'a TestStation, crew: &'a Crew, from: &str, to: &str) -> Flow<'a> {
    let mut f = order_in(t, crew, from).await;
    match (from, to) {
        ("in_repair", "quality_check") => f.complete_all().await,
        ("diagnosing", "estimate_ready") => {
            f.labor(0, 1000, 10_000).await;
        }
        _ => {}
    }
    f
}

/// Tries the edge with the operation that performs it.
async fn attempt(f: &mut Flow<'_>, token: &str, from: &str, to: &str) -> Result<serde_json::Value, ApiError> {
    match (from, to) {
        ("estimate_ready", "approved") => {
            let jobs: Vec<_> = f.page["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect();
            let amount = f.page["totals"]["estimate"]["total"].clone();
            f.try_step(token, "record_authorization", json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount})).await
        }
        ("quality_check", "ready_for_pickup") => f.qc(token, true).await,
        ("quality_check", "in_repair") => f.qc(token, false).await,
        ("ready_for_pickup", "delivered") => f.pay_and_deliver(token).await,
        // Closing is the follow-up call reaching the customer.
        ("delivered", "closed") => {
            let id = f.page["follow_up_id"].clone();
            let task = f.t.ok(&f.crew.manager, "get_follow_up", json!({"id": id})).await;
            let survey = json!({"overall": 5, "quality": 5, "timeliness": 5, "attitude": 5, "price": 5});
            let call = json!({"follow_up_id": id, "expected_version": task["follow_up"]["version"], "outcome": "reached", "survey": survey});
            let out = f.t.call(token, "record_call", call).await;
            f.reload().await;
            out
        }
        ("in_repair", "waiting_parts") => f.try_move(token, to, "等配件").await,
        (_, "cancelled") => f.try_move(token, to, "客户取消").await,
        _ => f.try_move(token, to, "").await,
    }
}

#[tokio::test]
async fn every_move_the_machine_does_not_have_is_refused_and_changes_nothing() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut refused = 0;
    for from in STATES {
        let mut f = order_in(&t, &crew, from).await;
        let (version, events) = (f.version(), f.page["events"].as_array().unwrap().len());
        for to in STATES {
            if legal(from, to) {
                continue;
            }
            // The manager may make every legal move, so a refusal here is the machine's.
            let err = f.try_move(&crew.manager, to, "试一下").await.expect_err(&format!("{from} → {to} must be refused"));
            assert_eq!(err.code, "transition.not_allowed", "{from} → {to}: {err:?}");
            assert!(err.message.contains(from) && err.message.contains(to), "the message names both states: {}", err.message);
            assert_eq!((f.status().as_str(), f.version()), (from, version), "{from} → {to} changed the order");
            assert_eq!(f.page["events"].as_array().unwrap().len(), events);
            refused += 1;
        }
    }
    assert_eq!(refused, 11 * 11 - 19, "every pair but the 19 legal moves was tried");
}

#[tokio::test]
async fn every_role_may_make_exactly_its_own_transitions() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut edges: Vec<(&str, &str)> = STATES.iter().flat_map(|f| STATES.iter().map(move |to| (*f, *to))).filter(|(f, to)| legal(f, to)).collect();
    edges.sort();
    assert_eq!(edges.len(), 19);
    for (from, to) in edges {
        // The forbidden roles try on one order; each allowed role succeeds on a fresh one.
        let mut f = ready_for(&t, &crew, from, to).await;
        for role in ROLES.iter().filter(|r| !allowed(r, from, to)) {
            let err = attempt(&mut f, crew.token(role), from, to).await.expect_err(&format!("a {role} must not move {from} → {to}"));
            assert_eq!(err.code, "auth.forbidden", "{role}: {from} → {to}: {err:?}");
            assert_eq!(f.status(), from);
        }
        for role in ROLES.iter().filter(|r| allowed(r, from, to)) {
            let mut f = ready_for(&t, &crew, from, to).await;
            attempt(&mut f, crew.token(role), from, to).await.unwrap_or_else(|e| panic!("a {role} may move {from} → {to}: {e:?}"));
            assert_eq!(f.status(), to, "{role}: {from} → {to}");
        }
    }
}

#[tokio::test]
async fn every_money_changing_operation_checks_the_role() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("W712/75", 4_500, 100_000).await;
    // (operation, roles allowed)
    let mut checked = Vec::new();
    for role in ROLES {
        let token = crew.token(role);
        let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
        let job = f.job(0);
        let may = |op: &str| match op {
            "add_line" | "remove_line" | "issue_part" | "return_part" => role != "qc_inspector",
            "record_payment" | "receive_stock" | "record_authorization" | "deliver" => matches!(role, "advisor" | "manager"),
            _ => role == "manager", // set_discount, lower price, override balance, price lists, tax rate
        };
        let mut check = |op: &'static str, result: Result<serde_json::Value, ApiError>| {
            match (&result, may(op)) {
                (Ok(_), true) => {}
                (Err(e), false) => assert_eq!(e.code, "auth.forbidden", "{role} {op}: {e:?}"),
                (r, should) => panic!("{role} {op}: allowed = {should}, got {r:?}"),
            }
            checked.push((role, op));
        };
        let r =
            f.try_step(token, "add_line", json!({"job_id": job, "kind": "labor", "description": "工时", "quantity_milli": 1000, "unit_price": 20_000})).await;
        check("add_line", r);
        // Everyone below adds what they need through the manager, so each check is independent.
        f.step(&crew.manager, "add_line", json!({"job_id": job, "kind": "sublet", "description": "外协", "unit_price": 5_000})).await;
        let line = f.page["jobs"][0]["lines"].as_array().unwrap().last().unwrap()["id"].clone();
        let r = f.try_step(token, "remove_line", json!({"line_id": line})).await;
        check("remove_line", r);
        let r = f.try_step(token, "set_discount", json!({"discount": 1_000})).await;
        check("set_discount", r);
        let r = f.try_step(token, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 1000, "unit_price": 4_000})).await;
        check("lower_price", r);
        let r = t.call(token, "save_part", json!({"part_no": format!("P-{role}"), "name": "x", "unit_price": 100})).await;
        check("save_part", r);
        let r =
            t.call(token, "save_labor_operation", json!({"code": format!("L-{role}"), "description": "x", "standard_hours_milli": 1000, "rate": 100})).await;
        check("save_labor_operation", r);
        let r = t.call(token, "receive_stock", json!({"part_id": part, "quantity_milli": 1000})).await;
        check("receive_stock", r);
        let r = t.call(token, "update_workflow_settings", json!({"tax_rate_bp": 1300, "repeat_repair_days": 30})).await;
        check("update_workflow_settings", r);

        f.step(&crew.manager, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 2000})).await;
        f.move_to(&crew.manager, "estimate_ready").await;
        let jobs: Vec<_> = f.page["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect();
        let amount = f.page["totals"]["estimate"]["total"].clone();
        let r =
            f.try_step(token, "record_authorization", json!({"method": "message", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount})).await;
        check("record_authorization", r);
        if f.status() == "estimate_ready" {
            f.authorize_all().await;
        }
        f.move_to(&crew.manager, "in_repair").await;
        let part_line = f.page["jobs"][0]["lines"].as_array().unwrap().iter().find(|l| l["kind"] == "part").unwrap()["id"].clone();
        let r = f.try_step(token, "issue_part", json!({"line_id": part_line, "quantity_milli": 1000})).await;
        check("issue_part", r);
        if f.page["jobs"][0]["lines"].as_array().unwrap().iter().all(|l| l["issued_milli"] == 0) {
            f.step(&crew.manager, "issue_part", json!({"line_id": part_line, "quantity_milli": 1000})).await;
        }
        let r = f.try_step(token, "return_part", json!({"line_id": part_line, "quantity_milli": 1000})).await;
        check("return_part", r);
        let r = f.try_step(token, "record_payment", json!({"payment": {"method": "cash", "amount": 100}})).await;
        check("record_payment", r);
        f.complete_all().await;
        f.move_to(&crew.tech, "quality_check").await;
        f.qc(&crew.qc, true).await.unwrap();
        let r = f.try_step(token, "deliver", json!({"odometer_out_km": 10_001, "override_balance": true})).await;
        check("override_balance", r);
        let r = f.pay_and_deliver(token).await;
        if f.status() != "delivered" {
            check("deliver", r);
        } else {
            check("deliver", Ok(json!({})));
        }
    }
    assert_eq!(checked.len(), 4 * 14);
}

#[tokio::test]
async fn approval_is_refused_until_an_authorization_is_recorded() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "estimate_ready").await;
    let err = f.try_move(&crew.advisor, "approved", "").await.unwrap_err();
    assert_eq!(err.code, "transition.no_authorization");
    assert!(err.message.contains("no customer authorization"), "{}", err.message);
}

#[tokio::test]
async fn repair_cannot_start_until_the_authorizations_cover_the_amount() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "estimate_ready").await;
    let total = f.page["totals"]["estimate"]["total"].as_i64().unwrap();
    let (job0, job1) = (f.job(0), f.job(1));
    f.step(&crew.advisor, "record_authorization", json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [job0, job1], "amount": total - 1}))
        .await;
    let err = f.try_move(&crew.tech, "in_repair", "").await.unwrap_err();
    assert_eq!(err.code, "transition.uncovered_amount");
    assert!(err.message.contains("no customer authorization covers this amount"), "{}", err.message);
    // A supplemental authorization for the difference lets work start.
    f.step(&crew.advisor, "record_authorization", json!({"method": "message", "approver_name": "王芳", "approved_job_ids": [], "amount": 1})).await;
    assert_eq!(f.page["authorizations"][1]["supplemental"], true);
    f.move_to(&crew.tech, "in_repair").await;
}

#[tokio::test]
async fn work_added_after_approval_needs_a_supplemental_authorization() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "in_repair").await;
    f.step(&crew.tech, "add_job", json!({"concern": "发现左前刹车片磨损到限"})).await;
    let added = f.page["jobs"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((added["approval"].as_str(), added["added_after_approval"].as_bool()), (Some("pending"), Some(true)));
    f.step(&crew.tech, "add_line", json!({"job_id": added["id"], "kind": "sublet", "description": "刹车片更换", "unit_price": 30_000})).await;
    f.complete_all().await;
    let err = f.try_move(&crew.tech, "quality_check", "").await.unwrap_err();
    assert_eq!(err.code, "transition.unauthorized_work");
    assert!(err.message.contains("刹车片"), "the message names the job: {}", err.message);

    // Adding to an approved job raises the bill beyond what was authorized.
    let job0 = f.job(0);
    f.step(&crew.advisor, "record_authorization", json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [added["id"]], "amount": 33_900}))
        .await;
    f.step(&crew.tech, "add_line", json!({"job_id": job0, "kind": "sublet", "description": "四轮定位", "unit_price": 10_000})).await;
    f.complete_all().await;
    let err = f.try_move(&crew.tech, "quality_check", "").await.unwrap_err();
    assert_eq!(err.code, "transition.uncovered_amount");
    f.step(&crew.advisor, "record_authorization", json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [], "amount": 11_300})).await;
    f.move_to(&crew.tech, "quality_check").await;
}

#[tokio::test]
async fn the_quality_check_waits_until_every_approved_job_is_done() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "in_repair").await;
    let job0 = f.job(0);
    f.complete(&crew.tech, &job0).await;
    let err = f.try_move(&crew.tech, "quality_check", "").await.unwrap_err();
    assert_eq!(err.code, "transition.jobs_not_done");
    assert!(err.message.contains("刹车异响"), "names the open job: {}", err.message);
}

#[tokio::test]
async fn there_is_no_pickup_or_delivery_without_a_qc_pass() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "quality_check").await;
    let err = f.try_move(&crew.qc, "ready_for_pickup", "").await.unwrap_err();
    assert_eq!(err.code, "transition.no_qc_pass");
    let err = f.try_move(&crew.qc, "in_repair", "").await.unwrap_err();
    assert_eq!(err.code, "transition.no_qc_fail", "a failure is recorded with record_qc");
    let err = f.try_step(&crew.advisor, "deliver", json!({"odometer_out_km": 10_100})).await.unwrap_err();
    assert_eq!(err.code, "transition.not_allowed");
}

#[tokio::test]
async fn delivery_needs_a_zero_balance_unless_a_manager_overrides() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "ready_for_pickup").await;
    let balance = f.page["totals"]["balance"].as_i64().unwrap();
    let err =
        f.try_step(&crew.advisor, "deliver", json!({"odometer_out_km": 10_100, "payments": [{"method": "cash", "amount": balance - 1}]})).await.unwrap_err();
    assert_eq!(err.code, "transition.balance_not_zero");
    assert!(err.message.contains("0.01"), "says what is left: {}", err.message);
    assert_eq!(f.page["payments"].as_array().unwrap().len(), 0, "the refused delivery recorded no payment");
    let err =
        f.try_step(&crew.advisor, "deliver", json!({"odometer_out_km": 10_100, "payments": [{"method": "cash", "amount": balance + 1}]})).await.unwrap_err();
    assert!(err.message.contains("overpaid"), "{}", err.message);
    let err = f.try_step(&crew.advisor, "deliver", json!({"odometer_out_km": 10_100, "override_balance": true})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
    f.step(&crew.manager, "deliver", json!({"odometer_out_km": 10_100, "override_balance": true})).await;
    assert_eq!(f.status(), "delivered");
    assert_eq!(f.page["totals"]["balance"], balance);
}

#[tokio::test]
async fn the_odometer_out_cannot_be_below_the_odometer_in() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "ready_for_pickup").await;
    let err = f.try_step(&crew.advisor, "deliver", json!({"odometer_out_km": 9_999})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("delivery.odometer_below_in", Some("odometer_out_km")));
    assert!(err.message.contains("10000"), "{}", err.message);
}

#[tokio::test]
async fn an_estimate_needs_lines_and_a_cancellation_needs_a_reason() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let err = f.try_move(&crew.advisor, "estimate_ready", "").await.unwrap_err();
    assert_eq!(err.code, "transition.empty_estimate");
    let err = f.try_move(&crew.advisor, "cancelled", "  ").await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("transition.reason_required", Some("note")));
    f.try_move(&crew.advisor, "cancelled", "客户决定不修").await.unwrap();
    assert_eq!(f.page["order"]["cancel_reason"], "客户决定不修");
}

#[tokio::test]
async fn cancelling_gives_reserved_parts_back() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("W712/75", 4_500, 2000).await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job = f.job(0);
    f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 2000})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    f.authorize_all().await;
    assert_eq!(t.ok(&crew.advisor, "list_parts", json!({})).await["parts"][0]["reserved_milli"], 2000);
    f.try_move(&crew.advisor, "cancelled", "客户取消").await.unwrap();
    assert_eq!(t.ok(&crew.advisor, "list_parts", json!({})).await["parts"][0]["reserved_milli"], 0);
}

#[tokio::test]
async fn a_delivered_order_is_read_only_except_for_follow_up() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "delivered").await;
    let job = f.job(0);
    let err = f.try_step(&crew.advisor, "add_job", json!({"concern": "再看看"})).await.unwrap_err();
    assert_eq!(err.code, "order.read_only");
    let err = f.try_step(&crew.tech, "update_job", json!({"job_id": job, "concern": "x", "cause": "y", "correction": "z"})).await.unwrap_err();
    assert_eq!(err.code, "order.read_only");
    let err = f.try_step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "sublet", "description": "x", "unit_price": 1})).await.unwrap_err();
    assert_eq!(err.code, "order.read_only");
    let err = f.try_step(&crew.advisor, "record_payment", json!({"payment": {"method": "cash", "amount": 1}})).await.unwrap_err();
    assert_eq!(err.code, "order.read_only");
}

#[tokio::test]
async fn the_inspector_cannot_be_the_technician_who_did_the_work_unless_a_manager() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    // A technician who also inspects: the second technician, promoted to QC for the test.
    let (qc_tech, qc_tech_id) = t.staff_with_id("孙技师", "qc_inspector", "5555").await;
    let mut f = Flow::in_status(&t, &crew, "approved").await;
    let job = f.job(0);
    f.step(&crew.advisor, "assign_technician", json!({"job_id": job, "technician_id": crew.tech_id})).await;
    // Assignment needs a technician.
    let err = f.try_step(&crew.advisor, "assign_technician", json!({"job_id": job, "technician_id": qc_tech_id})).await.unwrap_err();
    assert_eq!(err.code, "job.not_a_technician");
    f.move_to(&crew.tech, "in_repair").await;
    // The QC inspector clocked on the job: they worked on it.
    sqlx::query("UPDATE staff SET role = 'technician' WHERE id = ?").bind(&qc_tech_id).execute(t.station.pool()).await.unwrap();
    let qc_as_tech = t.station.dispatch("login", None, json!({"staff_id": qc_tech_id, "pin": "5555"})).await.unwrap()["token"].as_str().unwrap().to_string();
    t.ok(&qc_as_tech, "start_clock", json!({"job_id": job})).await;
    t.ok(&qc_as_tech, "stop_clock", json!({})).await;
    sqlx::query("UPDATE staff SET role = 'qc_inspector' WHERE id = ?").bind(&qc_tech_id).execute(t.station.pool()).await.unwrap();
    let qc_again = t.station.dispatch("login", None, json!({"staff_id": qc_tech_id, "pin": "5555"})).await.unwrap()["token"].as_str().unwrap().to_string();
    let _ = qc_tech;
    f.reload().await;
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    let err = f.qc(&qc_again, true).await.unwrap_err();
    assert_eq!(err.code, "qc.own_work");
    f.qc(&crew.qc, true).await.unwrap();

    // A manager who did the work may inspect it.
    let mut g = Flow::in_status(&t, &crew, "in_repair").await;
    let job = g.job(0);
    g.complete(&crew.manager, &job).await;
    g.complete_all().await;
    g.move_to(&crew.tech, "quality_check").await;
    g.qc(&crew.manager, true).await.unwrap();
}
