//! What after-sales writes queue for the head office: each write's records
//! in its own transaction, every one an entity the protocol knows, and
//! nothing at all from a write that is refused, even halfway through.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sync_protocol::entity::kind_of;

use crate::common::aftersales::{code_field, survey, Ticket};
use crate::common::flow::Flow;
use crate::common::TestStation;

async fn last_seq(t: &TestStation) -> i64 {
    t.count("SELECT COALESCE(MAX(seq), 0) FROM outbox").await
}

/// The outbox rows after `seq`: how many of each entity, and the payloads.
async fn queued_since(t: &TestStation, seq: i64) -> (BTreeMap<String, usize>, Vec<(String, Value)>) {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT entity, payload FROM outbox WHERE seq > ? ORDER BY seq").bind(seq).fetch_all(t.station.pool()).await.unwrap();
    let mut counts = BTreeMap::new();
    for (entity, _) in &rows {
        *counts.entry(entity.clone()).or_insert(0) += 1;
    }
    let unknown: Vec<&String> = counts.keys().filter(|e| kind_of(e).is_none()).collect();
    assert!(unknown.is_empty(), "entities the head office would reject: {unknown:?}");
    (counts, rows.into_iter().map(|(e, p)| (e, serde_json::from_str(&p).unwrap())).collect())
}

fn has(counts: &BTreeMap<String, usize>, entities: &[&str]) {
    for e in entities {
        assert!(counts.contains_key(*e), "a {e} row should be queued: {counts:?}");
    }
}

#[tokio::test]
async fn every_after_sales_write_queues_its_records_for_the_head_office() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "ready_for_pickup").await;

    let seq = last_seq(&t).await;
    f.pay_and_deliver(&crew.advisor).await.unwrap();
    let follow_up_id = f.page["follow_up_id"].as_str().unwrap().to_string();
    let (counts, rows) = queued_since(&t, seq).await;
    has(&counts, &["follow_up", "item_clock", "repair_order", "ro_status_event"]);
    assert!(
        rows.iter().any(|(e, p)| e == "item_clock" && p["item_id"] == follow_up_id.as_str() && p["state"] == "running"),
        "the follow-up's clock goes up with its reading"
    );

    let seq = last_seq(&t).await;
    let page = t.follow_up(&crew.advisor, &follow_up_id).await;
    let complaint = json!({"description": "交车时车内不干净", "category_id": "svc.attitude.rude", "severity": "normal"});
    let out = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(2), "complaint": complaint})).await.unwrap();
    let (counts, rows) = queued_since(&t, seq).await;
    has(&counts, &["follow_up_event", "survey", "follow_up", "complaint", "complaint_event", "item_clock", "repair_order", "ro_status_event"]);
    let complaint_id = out["complaint_id"].as_str().unwrap();
    let events = rows.iter().filter(|(e, p)| e == "complaint_event" && p["complaint_id"] == complaint_id).count();
    assert_eq!(events as i64, t.count(&format!("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = '{complaint_id}'")).await, "one row per event");
    let survey_row = rows.iter().find(|(e, _)| e == "survey").unwrap();
    assert_eq!((survey_row.1["overall"].as_i64(), survey_row.1["follow_up_id"].as_str()), (Some(2), Some(follow_up_id.as_str())));
    let last_complaint = rows.iter().rev().find(|(e, _)| e == "complaint").unwrap();
    assert_eq!(last_complaint.1["status"], "in_progress", "the complaint's latest state is queued last");
    let path: Vec<&str> = last_complaint.1["category_path"].as_array().unwrap().iter().map(|k| k["name_en"].as_str().unwrap()).collect();
    assert_eq!(path, ["Service", "Attitude", "Impolite staff"], "with its category's names, for the head office");

    let mut c = Ticket::of(&t, &crew.advisor, complaint_id).await;
    let seq = last_seq(&t).await;
    c.step(&crew.advisor, json!({"kind": "compensate", "compensation": "voucher", "description": "洗车券", "value": 5_000})).await;
    let (counts, rows) = queued_since(&t, seq).await;
    has(&counts, &["complaint_compensation", "complaint_event", "complaint"]);
    let x = rows.iter().find(|(e, _)| e == "complaint_compensation").unwrap();
    assert_eq!((x.1["value_minor"].as_i64(), x.1["complaint_id"].as_str()), (Some(5_000), Some(complaint_id)));

    let seq = last_seq(&t).await;
    t.ok(&crew.manager, "update_time_limit", json!({"kind": "complaint_callback", "budget_minutes": 1440, "basis": "wall"})).await;
    let (counts, _) = queued_since(&t, seq).await;
    has(&counts, &["time_limit_policy"]);
}

#[tokio::test]
async fn a_refused_after_sales_write_leaves_the_outbox_and_the_records_as_they_were() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;
    let before = t.outbox_count().await;

    // Refused after the call, the survey and the follow-up were already written in the transaction.
    let complaint = json!({"description": "交车时车内不干净", "category_id": "svc.no.such", "severity": "normal"});
    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(1), "complaint": complaint})).await.unwrap_err();
    assert_eq!(code_field(&e), ("complaint.category_unknown", Some("complaint.category_id")), "named where the call form shows it");
    assert_eq!(t.outbox_count().await, before, "nothing queued");
    let after = t.follow_up(&crew.advisor, page["follow_up"]["id"].as_str().unwrap()).await;
    assert_eq!((after["follow_up"]["attempts"].as_i64(), after["events"].clone(), after["survey"].clone()), (Some(0), json!([]), Value::Null));
    assert_eq!((t.count("SELECT COUNT(*) FROM surveys").await, t.count("SELECT COUNT(*) FROM complaints").await), (0, 0));
    f.reload().await;
    assert_eq!(f.status(), "delivered", "the order did not close");

    let mut c = Ticket::open(&t, &crew.advisor, crate::common::aftersales::complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await;
    let before = t.outbox_count().await;
    let refused = [
        json!({"kind": "compensate", "compensation": "refund", "value": -1}),
        json!({"kind": "compensate", "compensation": "refund", "value": 90_000}),
        json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "客户接受"}),
        json!({"kind": "reclassify", "category_id": "svc.attitude.rude", "severity": "normal"}),
        json!({"kind": "note", "text": ""}),
        json!({"kind": "callback", "reached": true, "text": "不该此时回访"}),
    ];
    for step in refused {
        let kind = step["kind"].clone();
        assert!(c.try_step(&crew.advisor, step).await.is_err(), "{kind} should be refused");
        assert_eq!(t.outbox_count().await, before, "a refused {kind} queues nothing");
    }
    assert_eq!(c.page["timeline"].as_array().unwrap().len(), 1, "only the receipt: {}", c.page["timeline"]);
}

#[tokio::test]
async fn every_clock_row_of_a_complaint_is_queued_for_the_head_office_as_soon_as_it_exists() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut c = Ticket::open(&t, &crew.advisor, crate::common::aftersales::complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await;
    let id = c.page["complaint"]["id"].as_str().unwrap().to_string();
    let unsent = format!(
        "SELECT COUNT(*) FROM item_clocks k WHERE k.item_id = '{id}' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity = 'item_clock' AND o.entity_id = k.id)"
    );
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM item_clocks WHERE item_id = '{id}'")).await,
        2,
        "first response and resolution; the callback starts when resolved"
    );
    assert_eq!(t.count(&unsent).await, 0, "a clock row the head office never gets is lost on a restore, and its clock with it");
    c.resolve_accepted(&crew.advisor).await;
    assert_eq!(t.count(&format!("SELECT COUNT(*) FROM item_clocks WHERE item_id = '{id}'")).await, 3);
    assert_eq!(t.count(&unsent).await, 0, "the callback's row too");
}
