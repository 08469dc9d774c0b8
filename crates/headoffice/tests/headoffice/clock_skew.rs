use serde_json::json;
use sync_protocol::{FeedChange, Op};

use crate::common::{customer, spawn_app, StationSim, TestApp};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn edit(st: &mut StationSim, field: &str, value: &str) -> sync_protocol::Change {
    st.change_op("customer", "c1", Op::Upsert, json!({"id": "c1", field: value}), Some(vec![field.to_string()]))
}

async fn customer_seen_by(app: &TestApp, st: &mut StationSim) -> FeedChange {
    let feed = app.pull_all(&st.token).await;
    st.receive(&feed);
    feed.into_iter().find(|c| c.entity_id == "c1").unwrap()
}

/// The rule (docs/sync.md, "Clock skew"): per field, the greater HLC wins. An
/// edit made after pulling a value always beats it, whatever the wall clocks
/// say; between concurrent edits the greater stamp wins, so a fast clock wins
/// those until the other station has seen its value.
#[tokio::test]
async fn two_stations_editing_one_customer_converge_per_field_with_a_clock_24h_ahead() {
    let app = spawn_app().await;
    let mut ahead = app.station("SH01").await;
    ahead.clock_offset_ms = DAY_MS;
    let mut right = app.station("SH02").await;

    let created = right.change("customer", "c1", customer("c1", "王芳", "13900000001"));
    app.push_ok(&right.token, &right.batch(vec![created])).await;
    app.grant("SH01", "customer", "c1").await;

    // Concurrent edits: the fast station changes the phone, the right one the name and (later, in real time) the phone.
    let fast_phone = edit(&mut ahead, "phone", "13800000002");
    let name = edit(&mut right, "name", "王芳芳");
    let slow_phone = edit(&mut right, "phone", "13700000003");
    app.push_ok(&right.token, &right.batch(vec![name, slow_phone])).await;
    app.push_ok(&ahead.token, &ahead.batch(vec![fast_phone])).await;

    let seen_by_right = customer_seen_by(&app, &mut right).await;
    let seen_by_ahead = customer_seen_by(&app, &mut ahead).await;
    assert_eq!(seen_by_right.payload, seen_by_ahead.payload, "both stations see the same merge");
    assert_eq!(seen_by_right.payload["name"], "王芳芳", "different fields both survive");
    assert_eq!(seen_by_right.payload["phone"], "13800000002", "concurrent edits: the greater stamp (the fast clock) wins");

    // Having pulled it, the right station's next edit wins although its wall clock is a day behind.
    let fixed = edit(&mut right, "phone", "13600000004");
    assert!(fixed.hlc > *seen_by_right.field_hlcs.as_ref().unwrap().get("phone").unwrap());
    app.push_ok(&right.token, &right.batch(vec![fixed])).await;
    // A stale resend of the fast station's old edit changes nothing.
    let ahead_again = customer_seen_by(&app, &mut ahead).await;
    let seen_by_right = customer_seen_by(&app, &mut right).await;
    assert_eq!(ahead_again.payload, seen_by_right.payload);
    assert_eq!(ahead_again.payload["phone"], "13600000004", "an edit made after seeing the other value wins");
    assert_eq!(ahead_again.payload["email"], serde_json::Value::Null, "fields nobody set stay unset");
    assert_eq!(ahead_again.field_hlcs, seen_by_right.field_hlcs);
}
