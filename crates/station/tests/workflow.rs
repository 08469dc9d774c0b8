//! A repair order's whole life through the operation list: diagnosis,
//! estimate, authorization (partial and supplemental), repair, waiting for
//! parts, the quality check and rework, delivery and closing.

mod common;

use common::flow::Flow;
use common::TestStation;
use serde_json::{json, Value};

/// The order's status always equals its last event's `to_status`, and the events chain.
fn assert_history_matches(page: &Value) {
    let events = page["events"].as_array().expect("events");
    assert_eq!(events.last().expect("an event")["to_status"], page["order"]["status"], "status equals the last event");
    for pair in events.windows(2) {
        assert_eq!(pair[1]["from_status"], pair[0]["to_status"], "each event starts where the last ended");
    }
}

fn path(page: &Value) -> Vec<String> {
    page["events"].as_array().expect("events").iter().map(|e| e["to_status"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn an_order_lives_from_check_in_to_closed_with_a_partial_approval() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    f.move_to(&crew.tech, "diagnosing").await;
    assert_eq!(f.page["jobs"].as_array().unwrap().len(), 2, "one job per concern");
    assert_eq!(f.page["jobs"][1]["concern"], "刹车异响");

    // The technician writes the 3 Cs; the advisor prices both jobs.
    let job0 = f.job(0);
    f.step(&crew.tech, "update_job", json!({"job_id": job0, "concern": "常规保养", "cause": "到保养里程", "correction": "更换机油机滤"})).await;
    f.labor(0, 1000, 15_000).await;
    f.labor(1, 2000, 20_000).await;
    assert_eq!(f.page["totals"]["estimate"]["subtotal"], 55_000);
    f.move_to(&crew.advisor, "estimate_ready").await;

    // The customer approves only the service (150.00 + 13 % = 169.50) by phone.
    let job1 = f.job(1);
    f.step(&crew.advisor, "record_authorization", json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [job0], "amount": 16_950})).await;
    assert_eq!(f.status(), "approved");
    assert_eq!(f.page["jobs"][0]["approval"], "approved");
    let declined = &f.page["jobs"][1];
    assert_eq!(declined["approval"], "declined", "the declined job stays on the order");
    assert_eq!(declined["decided_by_name"], "王芳");
    assert!(declined["decided_at"].is_string() && declined["decided_recorded_by"].is_string(), "with who declined and when: {declined}");
    assert_eq!(f.page["totals"]["approved"]["total"], 16_950);
    assert_eq!(f.page["authorizations"][0]["method"], "phone");

    // Declined work cannot be clocked or billed.
    let err = t
        .call(&crew.advisor, "add_line", json!({"job_id": job1, "expected_version": f.version(), "kind": "sublet", "description": "x", "unit_price": 100}))
        .await
        .unwrap_err();
    assert_eq!(err.code, "line.job_declined");

    f.step(&crew.advisor, "assign_technician", json!({"job_id": job0, "technician_id": crew.tech_id})).await;
    f.move_to(&crew.tech, "in_repair").await;
    t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    t.advance(chrono::Duration::minutes(54));
    let mine = t.ok(&crew.tech, "stop_clock", json!({})).await;
    assert_eq!(mine["jobs"][0]["clocked_seconds"], 54 * 60);
    f.reload().await;
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    f.qc(&crew.qc, true).await.unwrap();
    assert_eq!(f.status(), "ready_for_pickup");
    f.step(&crew.advisor, "record_completion_notice", json!({})).await;
    assert!(f.page["order"]["completion_notice_at"].is_string());
    f.pay_and_deliver(&crew.advisor).await.unwrap();
    assert_eq!(f.status(), "delivered");
    assert_eq!(f.page["order"]["odometer_out_km"], 10_012);
    assert_eq!(f.page["totals"]["balance"], 0);
    f.follow_up_reached(&crew.advisor).await;

    assert_eq!(
        path(&f.page),
        ["checked_in", "diagnosing", "estimate_ready", "approved", "in_repair", "quality_check", "ready_for_pickup", "delivered", "closed"]
    );
    assert_history_matches(&f.page);
    let audit = t.ok(&crew.manager, "get_order_audit", json!({"id": f.ro})).await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["entity"] == "ro_job" && e["action"] == "decline"), "the decline is in the audit log");
    assert!(entries.iter().any(|e| e["entity"] == "ro_line" && e["action"] == "add" && e["before"].is_null() && e["after"]["amount"] == 15_000));
    assert!(entries.iter().all(|e| e["staff_name"].is_string() && e["at"].is_string()), "every entry says who and when");
}

#[tokio::test]
async fn a_qc_checklist_item_has_a_chinese_and_an_english_text_and_an_inspection_keeps_both() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let items = t.ok(&crew.qc, "list_qc_items", json!({})).await["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 5);
    for i in &items {
        let (zh, en) = (i["label"].as_str().unwrap(), i["label_en"].as_str().unwrap());
        assert!(!zh.contains(" / ") && !zh.chars().any(|c| c.is_ascii_alphabetic()), "the Chinese text alone: {zh}");
        assert!(!en.is_empty() && en.is_ascii(), "the English text alone: {en}");
    }
    // A rename that does not mention the English text keeps it; "" clears it.
    let first = &items[0];
    let renamed = t.ok(&t.manager, "save_qc_item", json!({"id": first["id"], "label": "故障已排除并路试确认", "position": 0, "active": true})).await;
    assert_eq!((renamed["items"][0]["label"].as_str(), renamed["items"][0]["label_en"].as_str()), (Some("故障已排除并路试确认"), first["label_en"].as_str()));
    let added = t.ok(&t.manager, "save_qc_item", json!({"label": "轮胎气压已校准", "label_en": "", "position": 9, "active": true})).await;
    assert_eq!(added["items"].as_array().unwrap().last().unwrap()["label_en"], "");

    let mut f = Flow::in_status(&t, &crew, "quality_check").await;
    f.qc(&crew.qc, true).await.unwrap();
    let result = &f.page["inspections"][0]["results"][0];
    assert_eq!((result["label"].as_str(), result["label_en"].as_str()), (Some("故障已排除并路试确认"), first["label_en"].as_str()));
}

#[tokio::test]
async fn an_order_lives_from_check_in_to_closed_through_a_qc_failure_and_rework() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "quality_check").await;
    assert_eq!(f.page["order"]["rework_count"], 0);

    // Passing with a failed item is refused; failing needs a note.
    let items = t.ok(&crew.qc, "list_qc_items", json!({})).await;
    let first = items["items"][0]["id"].clone();
    let mixed: Vec<Value> = items["items"].as_array().unwrap().iter().map(|i| json!({"item_id": i["id"], "passed": i["id"] != first})).collect();
    let err = f.try_step(&crew.qc, "record_qc", json!({"passed": true, "items": mixed})).await.unwrap_err();
    assert_eq!(err.code, "qc.failed_item");

    f.qc(&crew.qc, false).await.unwrap();
    assert_eq!(f.status(), "in_repair", "a failure sends the work back");
    assert_eq!(f.page["order"]["rework_count"], 1, "and counts a rework");
    assert!(f.page["jobs"].as_array().unwrap().iter().all(|j| j["done_at"].is_null()), "the jobs are open again");
    assert_eq!(f.page["inspections"][0]["passed"], false);

    // The old pass cannot be reused: the order must go through QC again.
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    let err = f.try_move(&crew.qc, "ready_for_pickup", "").await.unwrap_err();
    assert_eq!(err.code, "transition.no_qc_pass");
    f.qc(&crew.qc, true).await.unwrap();
    f.drive_to("closed").await;
    assert_eq!(
        path(&f.page),
        [
            "checked_in",
            "diagnosing",
            "estimate_ready",
            "approved",
            "in_repair",
            "quality_check",
            "in_repair",
            "quality_check",
            "ready_for_pickup",
            "delivered",
            "closed"
        ]
    );
    assert_eq!(f.page["order"]["rework_count"], 1);
    assert_history_matches(&f.page);
}

#[tokio::test]
async fn an_order_lives_from_check_in_to_closed_through_a_wait_for_parts() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let filter = t.part("W712/75", 4_500, 1000).await;
    let pads = t.part("BP-0986", 32_000, 0).await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let (job0, job1) = (f.job(0), f.job(1));
    f.labor(0, 500, 20_000).await;
    f.step(&crew.advisor, "add_line", json!({"job_id": job0, "kind": "part", "part_id": filter, "quantity_milli": 1000})).await;
    f.step(&crew.advisor, "add_line", json!({"job_id": job1, "kind": "part", "part_id": pads, "quantity_milli": 2000})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    f.authorize_all().await;

    let stock = t.ok(&crew.manager, "list_parts", json!({})).await;
    let filter_row = stock["parts"].as_array().unwrap().iter().find(|p| p["id"] == filter).unwrap().clone();
    assert_eq!((filter_row["on_hand_milli"].as_i64(), filter_row["reserved_milli"].as_i64()), (Some(1000), Some(1000)), "approval reserves the part");
    assert_eq!(f.page["waiting_for"][0]["part_no"], "BP-0986", "the order shows which part it lacks");

    // Starting repair with a part short lands the order in waiting_parts, saying for what.
    f.move_to(&crew.tech, "in_repair").await;
    assert_eq!(f.status(), "waiting_parts");
    let last = f.page["events"].as_array().unwrap().last().unwrap().clone();
    assert!(last["note"].as_str().unwrap().contains("BP-0986"), "{last}");
    let low = t.ok(&crew.advisor, "list_parts", json!({"low_only": true})).await;
    assert!(low["parts"].as_array().unwrap().iter().any(|p| p["part_no"] == "BP-0986" && p["short_for_orders_milli"] == 2000), "{low}");

    let err = f.try_move(&crew.tech, "in_repair", "").await.unwrap_err();
    assert_eq!(err.code, "transition.parts_short");
    assert!(err.message.contains("BP-0986"), "{}", err.message);
    let board = t.ok(&crew.advisor, "board", json!({})).await;
    assert_eq!(board["cards"][0]["waiting_for"], json!(["BP-0986 机油滤清器"]), "the board card says which part the order waits for");

    t.ok(&crew.advisor, "receive_stock", json!({"part_id": pads, "quantity_milli": 4000})).await;
    f.move_to(&crew.tech, "in_repair").await;
    assert_eq!(f.status(), "in_repair");
    assert!(f.page["waiting_for"].as_array().unwrap().is_empty());

    // Parts are issued when used, and an unused one goes back.
    let lines: Vec<Value> =
        f.page["jobs"].as_array().unwrap().iter().flat_map(|j| j["lines"].as_array().unwrap().clone()).filter(|l| l["kind"] == "part").collect();
    for l in &lines {
        f.step(&crew.tech, "issue_part", json!({"line_id": l["id"]})).await;
    }
    let pads_line = lines.iter().find(|l| l["part_id"] == pads).unwrap()["id"].clone();
    f.step(&crew.tech, "return_part", json!({"line_id": pads_line, "quantity_milli": 1000})).await;
    let pads_row = t.ok(&crew.manager, "list_parts", json!({"q": "BP-0986"})).await["parts"][0].clone();
    assert_eq!((pads_row["on_hand_milli"].as_i64(), pads_row["reserved_milli"].as_i64()), (Some(3000), Some(0)), "4 received, 2 issued, 1 returned");

    f.drive_to("closed").await;
    assert_eq!(
        path(&f.page),
        [
            "checked_in",
            "diagnosing",
            "estimate_ready",
            "approved",
            "in_repair",
            "waiting_parts",
            "in_repair",
            "quality_check",
            "ready_for_pickup",
            "delivered",
            "closed"
        ]
    );
    assert_history_matches(&f.page);
    // 100.00 labor + 45.00 filter + 1 × 320.00 pads (one returned) = 465.00, + 13 % = 525.45
    assert_eq!(f.page["totals"]["approved"]["total"], 52_545);
    assert_eq!(f.page["totals"]["paid"], 52_545);
}

#[tokio::test]
async fn money_rounds_per_line_then_taxes_the_total_once() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("SP-3333", 3_333, 10_000).await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job = f.job(0);
    // 3 × 33.33 = 99.99; 13 % tax = 12.9987 → 13.00; total 112.99.
    f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 3000})).await;
    let totals = &f.page["totals"]["estimate"];
    assert_eq!((totals["parts"].as_i64(), totals["tax"].as_i64(), totals["total"].as_i64()), (Some(9_999), Some(1_300), Some(11_299)));
    // 1.5 h × 133.33 = 199.995 → 200.00 on the line, before tax.
    f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "labor", "description": "诊断", "quantity_milli": 1500, "unit_price": 13_333})).await;
    assert_eq!(f.page["jobs"][0]["lines"][1]["amount"], 20_000);
    // 299.99 − a 0.99 discount = 299.00; tax 38.87; total 337.87.
    f.step(&crew.manager, "set_discount", json!({"discount": 99})).await;
    let totals = &f.page["totals"]["estimate"];
    assert_eq!(
        (totals["subtotal"].as_i64(), totals["discount"].as_i64(), totals["tax"].as_i64(), totals["total"].as_i64()),
        (Some(29_999), Some(99), Some(3_887), Some(33_787))
    );
    let err = f.try_step(&crew.manager, "set_discount", json!({"discount": 30_000})).await.unwrap_err();
    assert_eq!(err.code, "discount.too_large");
    // The tax rate is a station setting.
    t.ok(&crew.manager, "update_workflow_settings", json!({"tax_rate_bp": 600, "repeat_repair_days": 30})).await;
    f.reload().await;
    assert_eq!(f.page["totals"]["estimate"]["tax"], 1_794, "6 % of 299.00");
}

#[tokio::test]
async fn catalog_labor_takes_its_hours_and_rate_and_a_lower_price_needs_a_manager() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    t.ok(&crew.manager, "save_labor_operation", json!({"code": "brk-01", "description": "更换前刹车片", "standard_hours_milli": 1200, "rate": 18_000})).await;
    let catalog = t.ok(&crew.tech, "list_labor_operations", json!({})).await;
    assert_eq!(catalog["operations"][0]["code"], "BRK-01");
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job = f.job(1);
    f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "labor", "labor_op_code": "BRK-01"})).await;
    let line = &f.page["jobs"][1]["lines"][0];
    assert_eq!((line["description"].as_str(), line["quantity_milli"].as_i64(), line["amount"].as_i64()), (Some("更换前刹车片"), Some(1200), Some(21_600)));
    assert_eq!(f.page["jobs"][1]["standard_hours_milli"], 1200);
    let err =
        f.try_step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "labor", "labor_op_code": "BRK-01", "unit_price": 10_000})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
    f.step(&crew.manager, "add_line", json!({"job_id": job, "kind": "labor", "labor_op_code": "BRK-01", "unit_price": 10_000})).await;
    let err = f.try_step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "labor", "labor_op_code": "NOPE"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("line.unknown_labor_op", Some("labor_op_code")));
}

#[tokio::test]
async fn a_check_in_soon_after_a_delivery_is_flagged_as_a_repeat_repair() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut first = Flow::in_status(&t, &crew, "delivered").await;
    first.reload().await;
    t.advance(chrono::Duration::days(29));
    let crew_later = relogin(&t, &crew).await;
    let again = t.ok(&crew_later.advisor, "check_in", common::check_in_input(&crew.customer, &crew.vehicle, 10_500)).await;
    assert_eq!(again["repeat_of"]["id"], first.page["order"]["id"], "linked to the earlier order");
    assert_eq!(again["repeat_of"]["number"], first.page["order"]["number"]);

    t.advance(chrono::Duration::days(2));
    let crew_later = relogin(&t, &crew).await;
    let later = t.ok(&crew_later.advisor, "check_in", common::check_in_input(&crew.customer, &crew.vehicle, 11_000)).await;
    assert!(later["repeat_of"].is_null(), "31 days after delivery is outside the 30-day window");
    t.ok(&crew_later.manager, "update_workflow_settings", json!({"tax_rate_bp": 1300, "repeat_repair_days": 60})).await;
    let wider = t.ok(&crew_later.advisor, "check_in", common::check_in_input(&crew.customer, &crew.vehicle, 11_000)).await;
    assert_eq!(wider["repeat_of"]["id"], first.page["order"]["id"], "the window is a station setting");
}

/// Sessions last a shift: after moving the clock days ahead, log the crew in again.
async fn relogin(t: &TestStation, crew: &common::flow::Crew) -> common::flow::Crew {
    let staff = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    let login = |name: &str, pin: &str| {
        let id = staff["staff"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["id"].clone();
        let station = t.station.clone();
        let pin = pin.to_string();
        async move { station.dispatch("login", None, json!({"staff_id": id, "pin": pin})).await.unwrap()["token"].as_str().unwrap().to_string() }
    };
    common::flow::Crew {
        manager: login("王经理", "1111").await,
        advisor: login("李顾问", "2222").await,
        tech: login("张技师", "3333").await,
        tech_id: crew.tech_id.clone(),
        tech2: login("刘技师", "3434").await,
        tech2_id: crew.tech2_id.clone(),
        qc: login("赵质检", "4444").await,
        customer: crew.customer.clone(),
        vehicle: crew.vehicle.clone(),
    }
}

#[tokio::test]
async fn the_board_filters_by_technician_and_my_jobs_lists_the_technicians_work() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    // 张技师 starts the first order's diagnosis, so its jobs are his; 刘技师 starts the second's.
    let mine = Flow::in_status(&t, &crew, "approved").await;
    let mut other = Flow::check_in(&t, &crew).await;
    other.move_to(&crew.tech2, "diagnosing").await;

    let all = t.ok(&crew.advisor, "board", json!({})).await;
    assert_eq!(all["cards"].as_array().unwrap().len(), 2, "without a filter the board shows every open order");
    let board = t.ok(&crew.advisor, "board", json!({"technician_id": crew.tech_id})).await;
    let ids: Vec<_> = board["cards"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids, [json!(mine.ro)], "only orders with a job of that technician");
    assert_eq!(board["cards"][0]["technicians"], json!(["张技师"]), "the card names the technician");
    assert!(!ids.contains(&json!(other.ro)));
    let theirs = t.ok(&crew.advisor, "board", json!({"technician_id": crew.tech2_id})).await;
    assert_eq!(theirs["cards"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), [json!(other.ro)]);

    let jobs = t.ok(&crew.tech, "my_jobs", json!({})).await;
    let listed: Vec<_> = jobs["jobs"].as_array().unwrap().iter().map(|j| j["job_id"].clone()).collect();
    assert_eq!(listed, [json!(mine.job(0)), json!(mine.job(1))], "both jobs of his order, none of the other");
    assert_eq!(jobs["jobs"][0]["plate"], "沪A12345");
}

#[tokio::test]
async fn a_technician_runs_at_most_one_clock_and_clocked_hours_sit_beside_standard_hours() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "in_repair").await;
    let (job0, job1) = (f.job(0), f.job(1));
    let err = t.call(&crew.tech, "stop_clock", json!({})).await.unwrap_err();
    assert_eq!(err.code, "clock.not_running");
    t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    let err = t.call(&crew.tech, "start_clock", json!({"job_id": job1})).await.unwrap_err();
    assert_eq!(err.code, "clock.already_running");
    assert!(err.message.contains("SH01-"), "names the order it runs on: {}", err.message);
    t.ok(&crew.tech2, "start_clock", json!({"job_id": job1})).await;
    t.advance(chrono::Duration::minutes(30));
    // Marking the job done stops its clock.
    f.complete(&crew.tech, &job0).await;
    assert_eq!(f.page["jobs"][0]["clocked_seconds"], 1800);
    let err = t.call(&crew.tech, "start_clock", json!({"job_id": job0})).await.unwrap_err();
    assert_eq!(err.code, "clock.not_workable", "a done job takes no more time");
    let err = t.call(&crew.qc, "start_clock", json!({"job_id": job1})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
    let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM time_clocks WHERE stopped_at IS NULL").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(running, 1, "only the second technician's clock still runs");
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let f = Flow::in_status(&t, &crew, "estimate_ready").await;
    let audit = t.ok(&crew.advisor, "get_order_audit", json!({"id": f.ro})).await;
    let first = &audit["entries"][0];
    assert!(first["staff_name"].is_string() && first["at"].is_string());
    let changed = audit["entries"].as_array().unwrap().iter().find(|e| e["entity"] == "repair_order").unwrap();
    assert_ne!(changed["before"]["version"], changed["after"]["version"], "before and after are both kept");
    for sql in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "UPDATE ro_status_events SET note = 'x'", "DELETE FROM ro_status_events"] {
        let err = sqlx::query(sql).execute(t.station.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let err = sqlx::query("UPDATE repair_orders SET status = 'delivered'").execute(t.station.pool()).await.unwrap_err();
    assert!(err.to_string().contains("status event"), "the status changes only through an event: {err}");
}
