use reqwest::StatusCode;
use serde_json::json;
use sync_protocol::push::rejection_codes;
use sync_protocol::{ErrorCode, Op, Scope};

use crate::common::{batch, customer, spawn_app};

/// What a check-in writes: customer, vehicle, repair order, its first status event.
fn check_in(st: &mut crate::common::StationSim, n: usize) -> Vec<sync_protocol::Change> {
    let (c, v, ro) = (format!("c{n}"), format!("v{n}"), format!("ro{n}"));
    vec![
        st.change("customer", &c, customer(&c, "王芳", "13900000000")),
        st.change("vehicle", &v, json!({"id": v, "customer_id": c, "vin": "LSVAM4187C2184851", "plate": "沪A12345"})),
        st.change("repair_order", &ro, json!({"id": ro, "number": format!("SH01-{n}"), "status": "checked_in", "vehicle_id": v})),
        st.change("ro_status_event", &format!("ev{n}"), json!({"id": format!("ev{n}"), "ro_id": ro, "to_status": "checked_in"})),
    ]
}

#[tokio::test]
async fn a_check_in_pushed_by_a_station_is_stored_and_acknowledged() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let changes = check_in(&mut st, 1);
    let ack = app.push_ok(&st.token, &st.batch(changes)).await;
    assert_eq!((ack.acked_seq, ack.rejected), (4, 0));
    assert_eq!(app.count("received_changes").await, 4);
    assert_eq!(app.count("records").await, 2, "the order and its event");
    assert_eq!(app.count("shared_records").await, 2, "the customer and the vehicle");
    let feed = app.pull_all(&st.token).await;
    assert_eq!(feed.len(), 4, "the station gets its own rows and the shared records back");
    let ro = feed.iter().find(|c| c.entity == "repair_order").unwrap();
    assert_eq!((ro.scope, ro.payload["number"].as_str()), (Scope::Station, Some("SH01-1")));
}

#[tokio::test]
async fn a_lost_acknowledgement_is_harmless_when_the_batch_is_resent() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let batch = batch(check_in(&mut st, 1));
    app.faults.lose_next_push_acks(1);
    assert_eq!(app.try_push(&st.token, &batch).await, None, "the acknowledgement should be lost on the way");
    assert_eq!(app.count("received_changes").await, 4, "the server committed before the connection was cut");
    let ack = app.push_ok(&st.token, &batch).await;
    assert_eq!(ack.acked_seq, 4);
    assert_eq!(app.count("received_changes").await, 4, "the resend adds nothing");
    assert_eq!(app.count("records").await, 2);
}

#[tokio::test]
async fn a_duplicated_batch_is_acknowledged_again_without_duplicates() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let batch = batch(check_in(&mut st, 1));
    app.push_ok(&st.token, &batch).await;
    let before: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT entity_id, fields FROM shared_records ORDER BY 1").fetch_all(&app.pool).await.unwrap();
    let ack = app.push_ok(&st.token, &batch).await;
    assert_eq!((ack.acked_seq, ack.rejected), (4, 0));
    let after: Vec<(String, serde_json::Value)> = sqlx::query_as("SELECT entity_id, fields FROM shared_records ORDER BY 1").fetch_all(&app.pool).await.unwrap();
    assert_eq!(before, after);
    assert_eq!(app.count("received_changes").await, 4);
    assert_eq!(app.count("rejections").await, 0, "a duplicate is not an error");
}

#[tokio::test]
async fn reordered_batches_are_refused_until_the_missing_one_arrives_then_converge() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let first = batch(check_in(&mut st, 1));
    let second = batch(check_in(&mut st, 2));
    let err = app.push_err(&st.token, &second, StatusCode::CONFLICT).await;
    assert_eq!((err.code, err.expected_seq), (ErrorCode::PushGap, Some(1)));
    assert_eq!(app.count("received_changes").await, 0, "nothing of a refused batch is applied");
    assert_eq!(app.push_ok(&st.token, &first).await.acked_seq, 4);
    assert_eq!(app.push_ok(&st.token, &second).await.acked_seq, 8);
    assert_eq!(app.count("records").await, 4);
}

#[tokio::test]
async fn a_batch_that_leaves_a_gap_is_refused_with_the_expected_sequence() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let first = batch(check_in(&mut st, 1));
    app.push_ok(&st.token, &first).await;
    st.next_seq = 10;
    let gapped = batch(check_in(&mut st, 2));
    let err = app.push_err(&st.token, &gapped, StatusCode::CONFLICT).await;
    assert_eq!((err.code, err.expected_seq), (ErrorCode::PushGap, Some(5)));
    assert!(err.message.contains("expects 5"), "{}", err.message);
}

#[tokio::test]
async fn an_overlapping_batch_applies_only_its_new_changes() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let mut changes = check_in(&mut st, 1);
    app.push_ok(&st.token, &st.batch(changes[..2].to_vec())).await;
    changes.extend(check_in(&mut st, 2));
    let ack = app.push_ok(&st.token, &st.batch(changes)).await;
    assert_eq!(ack.acked_seq, 8);
    assert_eq!(app.count("received_changes").await, 8);
}

#[tokio::test]
async fn a_different_change_reusing_an_acknowledged_sequence_is_refused() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let first = batch(check_in(&mut st, 1));
    app.push_ok(&st.token, &first).await;
    st.next_seq = 1; // an outbox restored from an old backup
    let reused = batch(check_in(&mut st, 9));
    let err = app.push_err(&st.token, &reused, StatusCode::CONFLICT).await;
    assert_eq!(err.code, ErrorCode::PushSeqConflict);
}

#[tokio::test]
async fn invalid_changes_are_rejected_listed_and_acknowledged_without_blocking_the_queue() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let changes = vec![
        st.change("spaceship", "x1", json!({"id": "x1"})),
        st.change("repair_order", "ro1", json!(["not", "an", "object"])),
        st.change("repair_order", "ro2", json!({"number": "no id"})),
        st.change("parts_catalog", "P1", json!({"part_no": "P1"})),
        st.change("repair_order", "ro3", json!({"id": "ro3", "number": "fine"})),
    ];
    let ack = app.push_ok(&st.token, &st.batch(changes)).await;
    assert_eq!((ack.acked_seq, ack.rejected), (5, 4));
    let codes: Vec<String> = app.rejections(&st.token).await.rejections.into_iter().map(|r| r.code).collect();
    assert_eq!(codes, [rejection_codes::UNKNOWN_ENTITY, rejection_codes::PAYLOAD_NOT_OBJECT, rejection_codes::ID_MISMATCH, rejection_codes::MASTER_DATA]);
    assert_eq!(app.count("records").await, 1, "the valid change behind them went through");
    let next = st.change("repair_order", "ro4", json!({"id": "ro4"}));
    assert_eq!(app.push_ok(&st.token, &st.batch(vec![next])).await.acked_seq, 6, "the queue moves on");
}

#[tokio::test]
async fn an_amount_no_station_could_write_is_rejected_and_flagged_so_the_network_sums_never_saturate() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let changes = vec![
        st.change("ro_line", "l1", json!({"id": "l1", "ro_id": "ro1", "quantity_milli": 1000, "unit_price_minor": 9_000_000_000_000_000_000_i64, "amount_minor": 9_000_000_000_000_000_000_i64})),
        st.change("ro_payment", "p1", json!({"id": "p1", "ro_id": "ro1", "amount_minor": 10_000_000_001_i64})),
        st.change("ro_line", "l2", json!({"id": "l2", "ro_id": "ro1", "quantity_milli": 1_500_000_000, "unit_price_minor": 100, "amount_minor": 150_000_000})),
        st.change("ro_payment", "p2", json!({"id": "p2", "ro_id": "ro1", "amount_minor": 10_000_000_000_i64})),
    ];
    let ack = app.push_ok(&st.token, &st.batch(changes)).await;
    assert_eq!((ack.acked_seq, ack.rejected), (4, 3), "the queue moves on past them");
    let rejected = app.rejections(&st.token).await.rejections;
    let seen: Vec<(&str, &str, bool)> = rejected.iter().map(|r| (r.entity_id.as_str(), r.code.as_str(), r.flagged)).collect();
    let code = rejection_codes::OUT_OF_RANGE;
    assert_eq!(seen, [("l1", code, true), ("p1", code, true), ("l2", code, true)]);
    assert!(rejected[0].message.starts_with("payload.unit_price_minor") || rejected[0].message.starts_with("payload.amount_minor"), "{}", rejected[0].message);
    assert!(rejected[2].message.starts_with("payload.quantity_milli"), "{}", rejected[2].message);
    assert_eq!(app.count("records").await, 1, "only the payment at the limit is stored");
}

#[tokio::test]
async fn append_only_entries_are_written_once_and_a_changed_copy_is_rejected() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let pay = json!({"id": "pay1", "ro_id": "ro1", "amount_minor": 10000});
    let a = st.change("ro_payment", "pay1", pay.clone());
    let same = st.change("ro_payment", "pay1", pay);
    let changed = st.change("ro_payment", "pay1", json!({"id": "pay1", "ro_id": "ro1", "amount_minor": 1}));
    let del = st.change_op("ro_payment", "pay1", Op::Delete, json!({"id": "pay1"}), None);
    let ack = app.push_ok(&st.token, &st.batch(vec![a, same, changed, del])).await;
    assert_eq!(ack.rejected, 2, "the changed copy and the delete");
    let stored: serde_json::Value = sqlx::query_scalar("SELECT payload FROM records WHERE entity_id = 'pay1'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored["amount_minor"], 10000);
}

#[tokio::test]
async fn a_delete_is_a_tombstone_that_reaches_the_feed() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let line = st.change("ro_line", "l1", json!({"id": "l1", "description": "oil"}));
    app.push_ok(&st.token, &st.batch(vec![line])).await;
    let del = st.change_op("ro_line", "l1", Op::Delete, json!({"id": "l1"}), None);
    app.push_ok(&st.token, &st.batch(vec![del])).await;
    let feed = app.pull_all(&st.token).await;
    let l1 = feed.iter().find(|c| c.entity_id == "l1").unwrap();
    assert_eq!(l1.op, Op::Delete);
    assert_eq!(l1.payload["description"], "oil", "the tombstone keeps the last known state");
    assert_eq!(feed.iter().filter(|c| c.entity_id == "l1").count(), 1);
}

#[tokio::test]
async fn ten_thousand_changes_queued_offline_drain_in_batches() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let mut outbox = Vec::new();
    for n in 0..2_500 {
        outbox.extend(check_in(&mut st, n));
    }
    assert_eq!(outbox.len(), 10_000);
    let mut acked = 0;
    for chunk in outbox.chunks(1_000) {
        let ack = app.push_ok(&st.token, &st.batch(chunk.to_vec())).await;
        assert_eq!(ack.acked_seq, acked + chunk.len() as i64);
        acked = ack.acked_seq;
    }
    assert_eq!(app.count("received_changes").await, 10_000);
    assert_eq!(app.count("records").await, 5_000);
    assert_eq!(app.count("shared_records").await, 5_000);
    assert_eq!(app.pull_all(&st.token).await.len(), 10_000, "the station can restore everything from the feed");
}
