//! What the station writes for the sync client, without a head office: every
//! outbox row carries an HLC stamped when it was written, customer and vehicle
//! edits say which fields they changed, every entity name is one the protocol
//! knows, and a station that never enrolls works as before.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::flow::Flow;
use common::{check_in_input, TestStation, VIN_A};
use serde_json::{json, Value};
use sync_protocol::entity::kind_of;
use sync_protocol::Hlc;

/// Every string literal passed as the entity to `outbox::append`,
/// `outbox::append_shared` or `audit::wrote` in the station's source.
fn entities_in_source() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut sources = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut sources);
    let mut found = BTreeSet::new();
    for src in &sources {
        for call in ["outbox::append(", "outbox::append_shared(", "audit::wrote("] {
            for (at, _) in src.match_indices(call) {
                let rest = &src[at + call.len()..];
                let args = &rest[..rest.find(';').unwrap_or(rest.len())];
                // The first string literal among the arguments is the entity (the others are ids or actions, later).
                if let Some(start) = args.find('"') {
                    let name: String = args[start + 1..].chars().take_while(|c| *c != '"').collect();
                    found.insert(name);
                }
            }
        }
    }
    found
}

#[test]
fn every_entity_the_station_writes_to_the_outbox_is_known_to_the_protocol() {
    let names = entities_in_source();
    assert!(names.len() >= 15, "the scan should find the outbox writers: {names:?}");
    for required in ["customer", "vehicle", "repair_order", "ro_status_event", "odometer_reading"] {
        assert!(names.contains(required), "{required} should be among {names:?}");
    }
    let unknown: Vec<_> = names.iter().filter(|n| kind_of(n).is_none()).collect();
    assert!(unknown.is_empty(), "entities the head office would reject (add them to sync_protocol::entity::ENTITIES): {unknown:?}");
}

#[tokio::test]
async fn an_order_driven_to_closed_queues_only_known_entities_each_with_a_growing_hlc() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    f.drive_to("closed").await;
    t.ok(&crew.manager, "update_workflow_settings", json!({"tax_rate_bp": 1300, "repeat_repair_days": 30})).await;

    let rows: Vec<(i64, String, Option<String>, String)> =
        sqlx::query_as("SELECT seq, entity, hlc, station_id FROM outbox ORDER BY seq").fetch_all(t.station.pool()).await.unwrap();
    let entities: BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let unknown: Vec<_> = entities.iter().filter(|e| kind_of(e).is_none()).collect();
    assert!(unknown.is_empty(), "unknown entities queued: {unknown:?} (of {entities:?})");
    let hlcs: Vec<Hlc> = rows.iter().map(|r| r.2.as_deref().expect("every row has an HLC").parse().expect("a valid HLC")).collect();
    assert!(hlcs.windows(2).all(|w| w[0] < w[1]), "HLCs strictly grow with seq");
    assert!(hlcs.iter().zip(&rows).all(|(h, r)| h.node() == r.3), "the node is the station's id");
    // The test clock stands still, so the counter carries the order.
    assert_eq!(hlcs[0].physical_ms(), common::morning().timestamp_millis() as u64);
    let saved: String = sqlx::query_scalar("SELECT clock FROM sync_state").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(saved.parse::<Hlc>().unwrap(), *hlcs.last().unwrap(), "the clock is saved with the last stamp");
}

async fn last_changed(t: &TestStation, entity: &str) -> Option<Vec<String>> {
    let raw: Option<String> = sqlx::query_scalar("SELECT changed_fields FROM outbox WHERE entity = ? ORDER BY seq DESC LIMIT 1")
        .bind(entity)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    raw.map(|r| serde_json::from_str(&r).unwrap())
}

#[tokio::test]
async fn customer_and_vehicle_edits_name_the_fields_they_changed_and_creates_name_them_all() {
    let t = TestStation::new().await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
    let created = last_changed(&t, "customer").await.expect("a create lists its fields");
    for f in ["name", "phones", "email", "company", "language", "notes", "customer_no", "consent_marketing"] {
        assert!(created.contains(&f.to_string()), "{f} missing from {created:?}");
    }
    t.ok(&t.manager, "update_customer", json!({"id": c["id"], "fields": {"name": "王芳", "phones": ["13900000000"], "language": "zh-CN"}})).await;
    assert_eq!(last_changed(&t, "customer").await.unwrap(), ["phones", "updated_at"]);

    let v = t.ok(&t.manager, "create_vehicle", json!({"customer_id": c["id"], "fields": {"plate": "沪A12345", "vin": VIN_A, "model": "朗逸"}})).await;
    assert!(last_changed(&t, "vehicle").await.unwrap().contains(&"vin".to_string()));
    t.ok(&t.manager, "update_vehicle", json!({"id": v["id"], "fields": {"plate": "沪A12345", "vin": VIN_A, "model": "朗逸", "color": "白"}})).await;
    assert_eq!(last_changed(&t, "vehicle").await.unwrap(), ["color", "updated_at"]);
    t.ok(&t.manager, "check_in", check_in_input(c["id"].as_str().unwrap(), v["id"].as_str().unwrap(), 12_000)).await;
    assert_eq!(last_changed(&t, "vehicle").await.unwrap(), ["last_odometer_km", "updated_at"], "a check-in changes only the odometer");
    let owned: Option<String> =
        sqlx::query_scalar("SELECT changed_fields FROM outbox WHERE entity = 'repair_order'").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(owned, None, "owned records carry their full state");
}

#[tokio::test]
async fn a_station_that_never_enrolls_works_as_before_and_says_so() {
    let t = TestStation::new().await;
    let status = t.ok(&t.manager, "sync_status", json!({})).await;
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["update_required"], false);
    assert_eq!(status["last_error"], Value::Null);
    assert!(status["pending_changes"].as_i64().unwrap() > 0, "changes are queued all the same, for a later enrollment");
    let err = t.call(&t.manager, "sync_now", json!({})).await.unwrap_err();
    assert_eq!(err.code, "sync.not_enrolled");
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 1000)).await;
    assert!(order.get("recalls").is_none(), "no campaigns pulled, nothing flagged");
    let alerts = t.ok(&t.manager, "vehicle_alerts", json!({"vehicle_id": v})).await;
    assert_eq!(alerts, json!({"vin": VIN_A, "recalls": [], "other_stations": [], "has_head_office_data": false}));
}

#[tokio::test]
async fn only_a_manager_enrolls_and_a_bad_url_or_an_unreachable_head_office_is_a_clear_field_error() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let err = t.call(&advisor, "enroll_station", json!({"head_office_url": "http://127.0.0.1:9", "enrollment_code": "enr_x"})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
    let err = t.call(&t.manager, "enroll_station", json!({"head_office_url": "ftp://x", "enrollment_code": "enr_x"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("sync.url", Some("head_office_url")));
    let err = t.call(&t.manager, "enroll_station", json!({"head_office_url": "http://127.0.0.1:9", "enrollment_code": " "})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("enrollment_code"));
    // Port 9 (discard) refuses connections: the head office is unreachable, and nothing is stored.
    let err = t.call(&t.manager, "enroll_station", json!({"head_office_url": "http://127.0.0.1:9", "enrollment_code": "enr_x"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("sync.unreachable", Some("head_office_url")), "{err:?}");
    assert_eq!(t.ok(&t.manager, "sync_status", json!({})).await["enrolled"], false);
}
