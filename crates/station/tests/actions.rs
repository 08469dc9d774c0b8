//! The actions an order page carries (`may` on the order, each job and each
//! line; `moves`) agree with what the operations do: in every state, for every
//! role, each action marked allowed is accepted by its operation and each one
//! marked not allowed is refused. The UI shows only these flags, so a flag
//! that disagrees with the core is a button that fails or one that is missing.

mod common;

use common::flow::{Crew, Flow, ROLES, STATES};
use common::TestStation;
use serde_json::{json, Value};
use station::ApiError;

/// An order in `state` with two approved jobs (labor and a part, half of it
/// issued once in repair) and a third job the customer declined; the 3 Cs are written.
async fn order_in<'a>(t: &'a TestStation, crew: &'a Crew, part: &str, state: &str) -> Flow<'a> {
    let mut f = Flow::check_in(t, crew).await;
    if state == "checked_in" {
        return f;
    }
    f.move_to(&crew.tech, "diagnosing").await;
    f.step(&crew.advisor, "add_job", json!({"concern": "雨刮更换"})).await;
    for i in 0..3 {
        let job = f.job(i);
        f.step(&crew.advisor, "update_job", json!({"job_id": job, "concern": format!("项目{i}"), "cause": "磨损", "correction": "更换"})).await;
    }
    f.labor(0, 1500, 20_000).await;
    let job0 = f.job(0);
    f.step(&crew.advisor, "add_line", json!({"job_id": job0, "kind": "part", "part_id": part, "quantity_milli": 2000})).await;
    let job2 = f.job(2);
    f.step(&crew.advisor, "add_line", json!({"job_id": job2, "kind": "sublet", "description": "外协", "unit_price": 5000})).await;
    if state == "diagnosing" {
        return f;
    }
    f.move_to(&crew.advisor, "estimate_ready").await;
    if state == "estimate_ready" {
        return f;
    }
    let (job0, job1) = (f.job(0), f.job(1));
    let amount = f.page["totals"]["estimate"]["total"].clone();
    f.step(&crew.advisor, "record_authorization", json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": [job0, job1], "amount": amount}))
        .await;
    if state == "approved" {
        return f;
    }
    f.move_to(&crew.tech, "in_repair").await;
    let line = f.page["jobs"][0]["lines"][1]["id"].clone();
    f.step(&crew.tech, "issue_part", json!({"line_id": line, "quantity_milli": 1000})).await;
    match state {
        "in_repair" => return f,
        "waiting_parts" => {
            f.step(&crew.tech, "move_order", json!({"to": "waiting_parts", "note": "等刹车片"})).await;
            return f;
        }
        "cancelled" => {
            f.step(&crew.advisor, "move_order", json!({"to": "cancelled", "note": "客户取消"})).await;
            return f;
        }
        _ => {}
    }
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    if state == "quality_check" {
        return f;
    }
    f.drive_to(state).await;
    f
}

fn flag(page: &Value, path: &[&str]) -> bool {
    let mut v = page;
    for p in path {
        v = &v[*p];
    }
    v.as_bool().unwrap_or_else(|| panic!("no flag {path:?}"))
}

/// The inputs an action is tried with: valid in themselves, so a refusal can only come from the rules.
async fn attempt(t: &TestStation, crew: &Crew, token: &str, page: &Value, action: &Action) -> Result<Value, ApiError> {
    let ro = page["order"]["id"].clone();
    let version = page["order"]["version"].clone();
    let pending: Vec<Value> = page["jobs"].as_array().into_iter().flatten().filter(|j| j["approval"] == "pending").map(|j| j["id"].clone()).collect();
    let qc_items = || async {
        let items = t.ok(token, "list_qc_items", json!({})).await;
        items["items"].as_array().into_iter().flatten().map(|i| json!({"item_id": i["id"], "passed": true, "note": ""})).collect::<Vec<_>>()
    };
    let (op, input) = match action {
        Action::Order(name) => match *name {
            "add_job" => ("add_job", json!({"ro_id": ro, "concern": "加装行车记录仪"})),
            "set_discount" => ("set_discount", json!({"ro_id": ro, "discount": 0})),
            "record_authorization" => {
                ("record_authorization", json!({"ro_id": ro, "method": "phone", "approver_name": "王芳", "approved_job_ids": pending, "amount": 100}))
            }
            "record_decline" => ("record_decline", json!({"ro_id": ro, "approver_name": "王芳", "method": "in_person", "declined_job_ids": pending})),
            "record_qc" => ("record_qc", json!({"ro_id": ro, "passed": true, "items": qc_items().await})),
            "record_payment" => ("record_payment", json!({"ro_id": ro, "payment": {"method": "wechat", "amount": 100}})),
            "record_completion_notice" => ("record_completion_notice", json!({"ro_id": ro})),
            "deliver" => {
                let balance = page["totals"]["balance"].as_i64().unwrap_or(0);
                let payments = if balance > 0 { json!([{"method": "wechat", "amount": balance}]) } else { json!([]) };
                ("deliver", json!({"ro_id": ro, "odometer_out_km": 10_020, "payments": payments}))
            }
            "override_balance" => ("deliver", json!({"ro_id": ro, "odometer_out_km": 10_020, "override_balance": true})),
            "cancel" => ("move_order", json!({"ro_id": ro, "to": "cancelled", "note": "客户取消"})),
            "verify_documents" => return t.call(token, "verify_order", json!({"ro_id": ro})).await,
            other => panic!("no attempt for {other}"),
        },
        Action::Job(i, name) => {
            let job = page["jobs"][*i]["id"].clone();
            match *name {
                "edit" => ("update_job", json!({"job_id": job, "concern": "项目", "cause": "老化", "correction": "更换"})),
                "assign" => ("assign_technician", json!({"job_id": job, "technician_id": crew.tech2_id})),
                "add_line" => ("add_line", json!({"job_id": job, "kind": "labor", "description": "检查", "quantity_milli": 500, "unit_price": 10_000})),
                // The warnings (no time clocked, parts not issued) are confirmed as the tablet's button does.
                "complete" => ("complete_job", json!({"job_id": job, "confirm": ["job.no_time_clocked", "job.parts_not_issued"]})),
                "clock" => {
                    let out = t.call(token, "start_clock", json!({"job_id": job})).await;
                    if out.is_ok() {
                        t.ok(token, "stop_clock", json!({})).await;
                    }
                    return out;
                }
                "decide" => {
                    let total = page["totals"]["estimate"]["total"].clone();
                    ("record_authorization", json!({"ro_id": ro, "method": "phone", "approver_name": "王芳", "approved_job_ids": [job], "amount": total}))
                }
                "rework" => {
                    let mut items = qc_items().await;
                    if let Some(first) = items.first_mut() {
                        first["passed"] = json!(false);
                    }
                    ("record_qc", json!({"ro_id": ro, "passed": false, "items": items, "notes": "异响仍在", "rework_job_ids": [job]}))
                }
                other => panic!("no attempt for job {other}"),
            }
        }
        Action::Line(i, k, name) => {
            let line = page["jobs"][*i]["lines"][*k]["id"].clone();
            match *name {
                "remove" => ("remove_line", json!({"line_id": line})),
                "issue" => ("issue_part", json!({"line_id": line})),
                "return_stock" => ("return_part", json!({"line_id": line})),
                other => panic!("no attempt for line {other}"),
            }
        }
    };
    let mut input = input;
    input["expected_version"] = version;
    t.call(token, op, input).await
}

#[derive(Debug, Clone)]
enum Action {
    Order(&'static str),
    Job(usize, &'static str),
    Line(usize, usize, &'static str),
}

impl Action {
    fn allowed(&self, page: &Value) -> bool {
        match self {
            Action::Order(name) => flag(page, &["may", name]),
            Action::Job(i, name) => page["jobs"][*i]["may"][*name].as_bool().unwrap_or_else(|| panic!("no job {i} flag {name}")),
            Action::Line(i, k, name) => page["jobs"][*i]["lines"][*k]["may"][*name].as_bool().unwrap_or_else(|| panic!("no line {i}.{k} flag {name}")),
        }
    }
}

const ORDER_ACTIONS: [&str; 11] = [
    "add_job",
    "set_discount",
    "record_authorization",
    "record_decline",
    "record_qc",
    "record_payment",
    "record_completion_notice",
    "deliver",
    "override_balance",
    "cancel",
    "verify_documents",
];
const JOB_ACTIONS: [&str; 7] = ["edit", "assign", "add_line", "complete", "clock", "decide", "rework"];
const LINE_ACTIONS: [&str; 3] = ["remove", "issue", "return_stock"];

fn actions_of(page: &Value) -> Vec<Action> {
    let mut out: Vec<Action> = ORDER_ACTIONS.iter().map(|a| Action::Order(a)).collect();
    for (i, job) in page["jobs"].as_array().into_iter().flatten().enumerate() {
        out.extend(JOB_ACTIONS.iter().map(|a| Action::Job(i, a)));
        for k in 0..job["lines"].as_array().map_or(0, Vec::len) {
            out.extend(LINE_ACTIONS.iter().map(|a| Action::Line(i, k, a)));
        }
    }
    out
}

#[tokio::test]
async fn every_action_an_order_page_offers_is_accepted_and_every_one_it_withholds_is_refused() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("BP-001", 12_000, 1_000_000).await;
    let (mut offered, mut withheld) = (0, 0);
    for state in STATES {
        // One order for the refusals (a refused write changes nothing); a fresh one for each acceptance.
        let shared = order_in(&t, &crew, &part, state).await;
        for role in ROLES {
            let token = crew.token(role);
            let page = t.ok(token, "get_order_detail", json!({"id": shared.ro})).await;
            for action in actions_of(&page) {
                if action.allowed(&page) {
                    offered += 1;
                    let fresh = order_in(&t, &crew, &part, state).await;
                    let page = t.ok(token, "get_order_detail", json!({"id": fresh.ro})).await;
                    if let Err(e) = attempt(&t, &crew, token, &page, &action).await {
                        panic!("{state}: a {role} was offered {action:?} but it was refused: {} {}", e.code, e.message);
                    }
                } else {
                    withheld += 1;
                    let before = t.ok(token, "get_order_detail", json!({"id": shared.ro})).await;
                    if attempt(&t, &crew, token, &before, &action).await.is_ok() {
                        panic!("{state}: a {role} was not offered {action:?} but the core accepted it");
                    }
                }
            }
        }
    }
    assert!(offered > 100 && withheld > 500, "the loop tried {offered} offered and {withheld} withheld actions");
}

#[tokio::test]
async fn every_move_on_the_page_is_one_the_machine_lets_the_role_make() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("BP-001", 12_000, 1_000_000).await;
    for state in STATES {
        let f = order_in(&t, &crew, &part, state).await;
        for role in ROLES {
            let page = t.ok(crew.token(role), "get_order_detail", json!({"id": f.ro})).await;
            let next: Vec<&str> = page["next"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for m in page["moves"].as_array().into_iter().flatten() {
                let to = m["to"].as_str().unwrap_or_default();
                assert!(next.contains(&to), "{state}: {role} is shown a move to {to} that `next` does not have");
                // A move made through a form is offered only with that form's action.
                let form_action = match m["by"].as_str() {
                    Some("authorization") => Some("record_authorization"),
                    Some("quality_check") => Some("record_qc"),
                    Some("delivery") => Some("deliver"),
                    _ => None,
                };
                if let Some(a) = form_action {
                    assert!(flag(&page, &["may", a]), "{state}: {role} is shown the {a} form's move without the action");
                }
            }
            assert_eq!(flag(&page, &["may", "cancel"]), next.contains(&"cancelled"), "{state}: {role}: cancel");
        }
    }
}

#[tokio::test]
async fn a_manager_is_offered_a_discount_in_the_quality_check_and_at_pickup_and_a_job_added_at_check_in_joins_the_concerns() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("BP-001", 12_000, 1_000_000).await;
    for state in ["quality_check", "ready_for_pickup"] {
        let f = order_in(&t, &crew, &part, state).await;
        let page = t.ok(&crew.manager, "get_order_detail", json!({"id": f.ro})).await;
        assert_eq!(page["may"]["set_discount"], true, "{state}");
        let after = t.ok(&crew.manager, "set_discount", json!({"ro_id": f.ro, "expected_version": page["order"]["version"], "discount": 1000})).await;
        assert_eq!(after["totals"]["approved"]["discount"], 1000, "{state}");
    }
    let f = order_in(&t, &crew, &part, "checked_in").await;
    let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(page["may"]["add_job"], true);
    let after = t.ok(&crew.advisor, "add_job", json!({"ro_id": f.ro, "expected_version": page["order"]["version"], "concern": "空调异味"})).await;
    assert_eq!(after["jobs"].as_array().map(Vec::len), Some(1));
    // Diagnosis still turns each concern stated at check-in into a job of its own.
    let diagnosing = t.ok(&crew.tech, "move_order", json!({"ro_id": f.ro, "expected_version": after["order"]["version"], "to": "diagnosing"})).await;
    let concerns: Vec<&str> = diagnosing["jobs"].as_array().into_iter().flatten().filter_map(|j| j["concern"].as_str()).collect();
    assert_eq!(concerns, ["空调异味", "常规保养", "刹车异响"]);
}

#[tokio::test]
async fn who_is_logged_in_says_what_they_may_do_at_the_desk() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let may = |me: Value| me["may"].clone();
    let advisor = may(t.ok(&crew.advisor, "me", json!({})).await);
    assert_eq!((advisor["check_in"].as_bool(), advisor["manage_staff"].as_bool(), advisor["receive_stock"].as_bool()), (Some(true), Some(false), Some(true)));
    let tech = may(t.ok(&crew.tech, "me", json!({})).await);
    assert_eq!((tech["check_in"].as_bool(), tech["my_jobs"].as_bool(), tech["qc_queue"].as_bool()), (Some(false), Some(true), Some(false)));
    let qc = may(t.ok(&crew.qc, "me", json!({})).await);
    assert_eq!((qc["qc_queue"].as_bool(), qc["edit_archive"].as_bool()), (Some(true), Some(false)));
    let manager = may(t.ok(&crew.manager, "me", json!({})).await);
    for f in ["check_in", "manage_staff", "configure_station", "view_kpis", "confirm_odometer_rollback", "edit_price_lists", "qc_queue"] {
        assert_eq!(manager[f], true, "a manager may {f}");
    }
    // The desk flags match the operations: a technician's check-in and a manager's staff list.
    let staff = t.ok(&crew.manager, "list_staff", json!({})).await;
    assert_eq!(staff["may_manage"], true);
    assert_eq!(t.ok(&crew.advisor, "list_staff", json!({})).await["may_manage"], false);
    let err = t.call(&crew.advisor, "create_staff", json!({"name": "新人", "role": "advisor", "pin": "9876"})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
}

#[tokio::test]
async fn the_authorization_quote_is_the_ticked_work_with_discount_and_tax_less_what_is_authorized() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("BP-001", 12_000, 1_000_000).await;
    let f = order_in(&t, &crew, &part, "estimate_ready").await;
    let (job0, job2) = (f.job(0), f.job(2));
    let quote = |ids: Value| {
        let ro = f.ro.clone();
        let t = &t;
        let token = crew.advisor.clone();
        async move { t.ok(&token, "quote_authorization", json!({"ro_id": ro, "approved_job_ids": ids})).await }
    };
    // Job 0: 1.5 h × 200.00 + 2 × 120.00 = 540.00; 13 % tax = 70.20.
    assert_eq!(quote(json!([job0])).await["amount"], 61_020);
    // Job 2 adds the 50.00 sublet: 590.00 + 76.70.
    assert_eq!(quote(json!([job0, job2])).await["amount"], 66_670);
    assert_eq!(quote(json!([])).await["amount"], 0);
    assert_eq!(f.page["totals"]["uncovered"], 0, "nothing is approved yet, so nothing is uncovered");
}
