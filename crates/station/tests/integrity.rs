//! What must hold however operations interleave: optimistic concurrency gives
//! a conflict, never a lost update; stock never goes negative; every change
//! writes its outbox rows in its own transaction, and a failed one writes none.

mod common;

use std::collections::BTreeSet;

use common::flow::Flow;
use common::TestStation;
use serde_json::json;

#[tokio::test]
async fn two_concurrent_edits_of_one_order_give_one_success_and_one_conflict() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let (job, version) = (f.job(0), f.version());
    let edit = |token: String, cause: &'static str| {
        let station = t.station.clone();
        let job = job.clone();
        tokio::spawn(async move {
            station
                .dispatch(
                    "update_job",
                    Some(&token),
                    json!({"job_id": job, "expected_version": version, "concern": "常规保养", "cause": cause, "correction": ""}),
                )
                .await
        })
    };
    let (a, b) = (edit(crew.tech.clone(), "机油老化"), edit(crew.advisor.clone(), "到保养里程"));
    let results = [a.await.unwrap(), b.await.unwrap()];
    let wins: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let conflicts: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!((wins.len(), conflicts.len()), (1, 1), "{results:?}");
    assert_eq!(conflicts[0].code, "order.version_conflict");
    assert_eq!(conflicts[0].kind, station::ErrorKind::Conflict);
    assert!(conflicts[0].message.contains("reload"));

    f.reload().await;
    assert_eq!(f.version(), version + 1, "one change, one version");
    assert_eq!(f.page["jobs"][0]["cause"], wins[0]["jobs"][0]["cause"], "the stored cause is the winner's");

    // The loser reloads and saves again: both changes are kept, nothing is lost.
    let winner_cause = f.page["jobs"][0]["cause"].clone();
    f.step(&crew.tech, "update_job", json!({"job_id": job, "concern": "常规保养", "cause": winner_cause, "correction": "更换机油"})).await;
    assert_eq!((f.page["jobs"][0]["cause"].clone(), f.page["jobs"][0]["correction"].clone()), (winner_cause, json!("更换机油")));

    // A save based on an old read is refused even when nothing runs at the same time.
    let err =
        t.call(&crew.tech, "update_job", json!({"job_id": job, "expected_version": version, "concern": "x", "cause": "", "correction": ""})).await.unwrap_err();
    assert_eq!(err.code, "order.version_conflict");
}

#[tokio::test]
async fn stock_never_goes_negative_under_concurrent_issues() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("BP-0986", 32_000, 0).await;
    // Ten orders each need one unit of a part that is out of stock, so none holds a reservation.
    let mut orders = Vec::new();
    for _ in 0..10 {
        let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
        let job = f.job(0);
        f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 1000})).await;
        f.move_to(&crew.advisor, "estimate_ready").await;
        f.authorize_all().await;
        f.move_to(&crew.tech, "in_repair").await;
        assert_eq!(f.status(), "waiting_parts");
        let line = f.page["jobs"][0]["lines"][0]["id"].clone();
        orders.push((line, f.version()));
    }
    // Three arrive; ten technicians grab one each at the same moment.
    t.ok(&crew.advisor, "receive_stock", json!({"part_id": part, "quantity_milli": 3000})).await;
    let mut handles = Vec::new();
    for (line, version) in orders {
        let station = t.station.clone();
        let token = crew.tech.clone();
        handles.push(tokio::spawn(async move { station.dispatch("issue_part", Some(&token), json!({"line_id": line, "expected_version": version})).await }));
    }
    let mut issued = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => issued += 1,
            Err(e) => {
                assert_eq!(e.code, "stock.insufficient", "{e:?}");
                assert!(e.message.contains("BP-0986"), "{}", e.message);
            }
        }
    }
    assert_eq!(issued, 3, "exactly the stock on hand was issued");
    let (on_hand, reserved): (i64, i64) =
        sqlx::query_as("SELECT on_hand_milli, reserved_milli FROM parts WHERE id = ?").bind(&part).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!((on_hand, reserved), (0, 0));
    let issued_total: i64 =
        sqlx::query_scalar("SELECT SUM(issued_milli) FROM ro_lines WHERE part_id = ?").bind(&part).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(issued_total, 3000, "what left the shelf is what the lines say was issued");

    // And the schema itself refuses negative stock, whatever writes it.
    let err = sqlx::query("UPDATE parts SET on_hand_milli = on_hand_milli - 1 WHERE id = ?").bind(&part).execute(t.station.pool()).await.unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
    let err = sqlx::query("UPDATE parts SET reserved_milli = on_hand_milli + 1 WHERE id = ?").bind(&part).execute(t.station.pool()).await.unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
}

/// Tables this issue writes, and the outbox entity of their rows.
const SYNCED: [(&str, &str); 13] = [
    ("repair_orders", "repair_order"),
    ("ro_status_events", "ro_status_event"),
    ("ro_jobs", "ro_job"),
    ("ro_lines", "ro_line"),
    ("ro_authorizations", "ro_authorization"),
    ("ro_findings", "ro_finding"),
    ("ro_inspections", "ro_inspection"),
    ("ro_payments", "ro_payment"),
    ("time_clocks", "time_clock"),
    ("parts", "part"),
    ("labor_operations", "labor_operation"),
    ("qc_items", "qc_item"),
    ("audit_log", "audit_log"),
];

/// (entity, id) of every row of the synced tables last written at `at`.
async fn written_at(t: &TestStation, at: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (table, entity) in SYNCED {
        // Table names come from the constant above, never from input.
        let sql = format!("SELECT id FROM {table} WHERE updated_at = ?");
        let ids: Vec<String> = sqlx::query_scalar(&sql).bind(at).fetch_all(t.station.pool()).await.unwrap();
        out.extend(ids.into_iter().map(|id| (entity.to_string(), id)));
    }
    out
}

#[tokio::test]
async fn every_change_writes_an_outbox_row_for_each_record_it_wrote() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("W712/75", 4_500, 5000).await;
    let mut f = Flow::check_in(&t, &crew).await;
    let mut steps = 0;

    // Each step runs one second after the last, so a row's updated_at says which step wrote it.
    macro_rules! step {
        ($what:expr, $call:expr) => {{
            t.advance(chrono::Duration::seconds(1));
            let at = station::station::ts(t.station.now());
            let seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM outbox").fetch_one(t.station.pool()).await.unwrap();
            $call;
            let written = written_at(&t, &at).await;
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT entity, entity_id FROM outbox WHERE seq > ?").bind(seq).fetch_all(t.station.pool()).await.unwrap();
            let queued: BTreeSet<(String, String)> = rows.iter().cloned().collect();
            assert!(!written.is_empty(), "{}: wrote nothing", $what);
            let missing: Vec<_> = written.difference(&queued).collect();
            assert!(missing.is_empty(), "{}: written without an outbox row: {missing:?}", $what);
            assert!(
                written.iter().any(|(e, _)| e == "audit_log") || !["update_job", "add_line", "receive_stock", "issue_part"].contains(&$what),
                "{}: no audit entry",
                $what
            );
            steps += 1;
        }};
    }

    step!("move_order", f.move_to(&crew.tech, "diagnosing").await);
    let job = f.job(0);
    step!("update_job", f.step(&crew.tech, "update_job", json!({"job_id": job, "concern": "保养", "cause": "里程", "correction": "换油"})).await);
    step!("add_job", f.step(&crew.advisor, "add_job", json!({"concern": "洗车"})).await);
    step!("add_line", f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "part", "part_id": part, "quantity_milli": 2000})).await);
    step!("add_finding", f.step(&crew.tech, "add_finding", json!({"job_id": job, "text": "机油发黑"})).await);
    step!(
        "save_labor_operation",
        t.ok(&crew.manager, "save_labor_operation", json!({"code": "OIL-01", "description": "更换机油机滤", "standard_hours_milli": 500, "rate": 20_000}))
            .await
    );
    step!("add_line", f.step(&crew.advisor, "add_line", json!({"job_id": job, "kind": "labor", "labor_op_code": "OIL-01"})).await);
    step!("set_discount", f.step(&crew.manager, "set_discount", json!({"discount": 500})).await);
    step!("move_order", f.move_to(&crew.advisor, "estimate_ready").await);
    step!("record_authorization", f.authorize_all().await);
    step!("assign_technician", f.step(&crew.advisor, "assign_technician", json!({"job_id": job, "technician_id": crew.tech_id})).await);
    step!("move_order", f.move_to(&crew.tech, "in_repair").await);
    step!("start_clock", t.ok(&crew.tech, "start_clock", json!({"job_id": job})).await);
    step!("stop_clock", t.ok(&crew.tech, "stop_clock", json!({})).await);
    let line = f.page["jobs"][0]["lines"][0]["id"].clone();
    step!("issue_part", f.step(&crew.tech, "issue_part", json!({"line_id": line})).await);
    step!("return_part", f.step(&crew.tech, "return_part", json!({"line_id": line, "quantity_milli": 1000})).await);
    step!("receive_stock", t.ok(&crew.advisor, "receive_stock", json!({"part_id": part, "quantity_milli": 1000})).await);
    step!("record_payment", f.step(&crew.advisor, "record_payment", json!({"payment": {"method": "card", "amount": 1000}})).await);
    f.complete_all().await;
    step!("move_order", f.move_to(&crew.tech, "quality_check").await);
    step!("record_qc", f.qc(&crew.qc, false).await.unwrap());
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    step!("record_qc", f.qc(&crew.qc, true).await.unwrap());
    step!("record_completion_notice", f.step(&crew.advisor, "record_completion_notice", json!({})).await);
    step!("deliver", f.pay_and_deliver(&crew.advisor).await.unwrap());
    step!("record_call", f.follow_up_reached(&crew.advisor).await);
    step!("save_qc_item", t.ok(&crew.manager, "save_qc_item", json!({"label": "轮胎气压 / Tyre pressure", "position": 9, "active": true})).await);
    assert_eq!(steps, 25);
}

#[tokio::test]
async fn a_change_that_fails_halfway_leaves_no_outbox_row_and_no_version_bump() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    f.labor(0, 1000, 10_000).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    // Fail on the status event, after the authorization, the jobs' decisions and their audit entries are written.
    sqlx::query("CREATE TRIGGER fail_events BEFORE INSERT ON ro_status_events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        .execute(t.station.pool())
        .await
        .unwrap();
    let (outbox, audit, version) = (t.outbox_count().await, t.count("SELECT COUNT(*) FROM audit_log").await, f.version());
    let err = f.authorize_all_result().await.unwrap_err();
    assert_eq!(err.code, "internal");
    assert_eq!(t.outbox_count().await, outbox, "no outbox row is left behind");
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, audit, "no audit entry either");
    assert_eq!(t.count("SELECT COUNT(*) FROM ro_authorizations").await, 0);
    assert_eq!((f.version(), f.status()), (version, "estimate_ready".to_string()));
    assert!(f.page["jobs"].as_array().unwrap().iter().all(|j| j["approval"] == "pending"));
    sqlx::query("DROP TRIGGER fail_events").execute(t.station.pool()).await.unwrap();
    f.authorize_all().await;
    assert_eq!(f.status(), "approved");
}
