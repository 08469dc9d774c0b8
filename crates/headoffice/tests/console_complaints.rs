//! The console's complaint routes against a real PostgreSQL and the real
//! server: stations push complaints and their clocks as their sync client
//! does; a quality manager lists them across stations overdue first, filters
//! them and adds a note that goes down to the station; a regional manager
//! sees only their region's and adds nothing.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::console::{admin, create_user, station_in, Browser};
use common::{spawn_app, StationSim, TestApp};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

const SLOW: [(&str, &str, &str); 3] =
    [("svc", "服务", "Service"), ("svc.attitude", "服务态度", "Attitude"), ("svc.attitude.slow", "接待不及时", "Not received promptly")];
const REPEAT: [(&str, &str, &str); 3] =
    [("qual", "质量", "Quality"), ("qual.repair", "维修质量", "Repair quality"), ("qual.repair.repeat", "同一故障返修", "Same fault came back")];

/// Pushes a complaint as the station's outbox sends it, with its resolution clock running and due at `due`.
async fn push_complaint(app: &TestApp, st: &mut StationSim, id: &str, category: &[(&str, &str, &str)], received: DateTime<Utc>, due: DateTime<Utc>) {
    let path: Vec<Value> = category.iter().map(|(id, zh, en)| json!({"id": id, "name_zh": zh, "name_en": en})).collect();
    let complaint = json!({
        "id": id, "number": format!("{}-TS-{id}", st.code), "status": "in_progress", "severity": "normal", "channel": "phone",
        "category_id": category.last().unwrap().0, "category_path": path, "description": "保养后发动机有异响",
        "customer_id": null, "vehicle_id": null, "ro_id": null, "contact_name": "王芳", "contact_phone": "13812345678",
        "received_by": "staff-1", "owner_id": "staff-1", "received_at": stamp(received), "cause": "", "corrective_action": "", "solution": "",
        "version": 1
    });
    let clock_id = format!("{id}-resolution");
    let clock = json!({
        "id": clock_id, "item_kind": "complaint", "item_id": id, "clock": "resolution", "policy_kind": "complaint_resolution",
        "policy": {"budget_minutes": 4320, "basis": "wall"}, "owner_id": "staff-1", "started_at": stamp(received),
        "state": "running", "late_at": stamp(due), "met_at": null, "breached_at": null, "stopped_at": null
    });
    let changes = vec![
        st.change("staff", "staff-1", json!({"id": "staff-1", "name": "李顾问", "role": "advisor", "active": true})),
        st.change("complaint", id, complaint),
        st.change("item_clock", &clock_id, clock),
    ];
    assert_eq!(app.push_ok(&st.token, &st.batch(changes)).await.rejected, 0);
}

/// SH01 (East) has one complaint on time and one overdue; BJ01 (West) one overdue longer.
struct Network {
    sh01: String,
    bj01: String,
    sh01_station: StationSim,
}

async fn network<'a>(app: &'a TestApp) -> (Browser<'a>, Network) {
    let root = admin(app).await;
    let (mut sh01, sh01_id) = station_in(app, &root, "SH01", "East").await;
    let (mut bj01, bj01_id) = station_in(app, &root, "BJ01", "West").await;
    let now = app.clock.now();
    push_complaint(app, &mut sh01, "sh-fresh", &SLOW, now - Duration::hours(1), now + Duration::hours(70)).await;
    push_complaint(app, &mut sh01, "sh-late", &REPEAT, now - Duration::hours(80), now - Duration::hours(8)).await;
    push_complaint(app, &mut bj01, "bj-late", &SLOW, now - Duration::hours(90), now - Duration::hours(18)).await;
    (root, Network { sh01: sh01_id, bj01: bj01_id, sh01_station: sh01 })
}

fn ids(page: &Value) -> Vec<&str> {
    page["complaints"].as_array().unwrap().iter().map(|c| c["complaint"]["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_quality_manager_lists_every_stations_complaints_overdue_first_and_filters_them_by_station_and_category() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;

    let page = qm.ok(Method::GET, "/console/api/complaints", None).await;
    assert_eq!(ids(&page), ["bj-late", "sh-late", "sh-fresh"], "the longest overdue first, then the newest");
    assert_eq!((page["total"].as_i64(), page["overdue"].as_i64()), (Some(3), Some(2)));
    let rows = page["complaints"].as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["overdue"].as_bool().unwrap()).collect::<Vec<_>>(), [true, true, false], "overdue decided by the head office");
    assert!(rows.iter().all(|r| r["can_add_note"] == true), "a quality manager may add notes to every row");
    assert_eq!(rows[0]["station"]["code"], "BJ01");

    let sh = qm.ok(Method::GET, &format!("/console/api/complaints?station={}", n.sh01), None).await;
    assert_eq!(ids(&sh), ["sh-late", "sh-fresh"]);
    let service = qm.ok(Method::GET, "/console/api/complaints?category=svc", None).await;
    assert_eq!(ids(&service), ["bj-late", "sh-fresh"], "a top-level category holds the complaints below it");
    let repeat = qm.ok(Method::GET, "/console/api/complaints?category=qual.repair.repeat", None).await;
    assert_eq!(ids(&repeat), ["sh-late"]);
    let overdue = qm.ok(Method::GET, "/console/api/complaints?overdue=true", None).await;
    assert_eq!(ids(&overdue), ["bj-late", "sh-late"]);

    let (status, err) = qm.get("/console/api/complaints?from=2026-02-30").await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("from")));
    let (status, err) = qm.get("/console/api/complaints?status=pending").await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("status")));

    let page = qm.ok(Method::GET, &format!("/console/api/complaints/{}/bj-late", n.bj01), None).await;
    assert_eq!((page["summary"]["station"]["code"].as_str(), page["summary"]["overdue"].as_bool()), (Some("BJ01"), Some(true)));
    assert_eq!(page["summary"]["complaint"]["category_path"][2]["name_en"], "Not received promptly");
    assert_eq!(page["can_add_note"], true);
}

#[tokio::test]
async fn a_regional_manager_sees_only_their_regions_complaints_and_cannot_add_a_note() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    create_user(&root, "east", "regional_manager", &["East"]).await;
    let east = Browser::logged_in(&app, "east", "east password").await;

    let page = east.ok(Method::GET, "/console/api/complaints", None).await;
    assert_eq!(ids(&page), ["sh-late", "sh-fresh"], "West's complaint is not in East's list");
    assert!(page["complaints"].as_array().unwrap().iter().all(|r| r["can_add_note"] == false));
    let other = east.ok(Method::GET, &format!("/console/api/complaints?station={}", n.bj01), None).await;
    assert_eq!(ids(&other), Vec::<&str>::new(), "asking for another region's station gives nothing");

    let (status, _) = east.get(&format!("/console/api/complaints/{}/bj-late", n.bj01)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another region's complaint is not found");
    let mine = east.ok(Method::GET, &format!("/console/api/complaints/{}/sh-late", n.sh01), None).await;
    assert_eq!(mine["can_add_note"], false);

    let body = json!({"kind": "note", "text": "请尽快处理"});
    let (status, err) = east.call(Method::POST, &format!("/console/api/complaints/{}/sh-late/notes", n.sh01), Some(body)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::FORBIDDEN, Some("console.forbidden")));
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM records WHERE entity = 'ho_complaint_note'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn a_quality_managers_note_goes_down_to_that_station_and_leaves_an_audit_row() {
    let app = spawn_app().await;
    let (root, mut n) = network(&app).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;
    let (_, cursor) = app.pull_all_from(&n.sh01_station.token, "").await;

    let path = format!("/console/api/complaints/{}/sh-late/notes", n.sh01);
    let (status, err) = qm.call(Method::POST, &path, Some(json!({"kind": "note", "text": "   "}))).await;
    assert_eq!((status, err["field"].as_str(), err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("text"), Some("text.required")));

    let note = qm.ok(Method::POST, &path, Some(json!({"kind": "instruction", "text": "请48小时内回访客户"}))).await;
    assert_eq!((note["kind"].as_str(), note["author_name"].as_str()), (Some("instruction"), Some("quality")));

    let (feed, _) = app.pull_all_from(&n.sh01_station.token, &cursor).await;
    assert_eq!(feed.len(), 1, "{feed:?}");
    assert_eq!((feed[0].entity.as_str(), feed[0].payload["text"].as_str()), ("ho_complaint_note", Some("请48小时内回访客户")));
    n.sh01_station.receive(&feed);

    let audit: Vec<(String, String, String)> =
        sqlx::query_as("SELECT actor, action, target_id FROM console_audit WHERE action = 'complaint.note'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(audit, [("quality".to_string(), "complaint.note".to_string(), format!("{}/sh-late", n.sh01))]);

    let page = qm.ok(Method::GET, &format!("/console/api/complaints/{}/sh-late", n.sh01), None).await;
    assert_eq!(page["head_office_notes"][0]["text"], "请48小时内回访客户");
    let (status, _) = qm.call(Method::POST, &format!("/console/api/complaints/{}/no-such/notes", n.sh01), Some(json!({"kind": "note", "text": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_complaint_about_a_destroyed_customer_says_so_instead_of_showing_the_placeholder_as_a_name() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    // The complaint names a shared customer a station has destroyed past retention.
    let c = json!({"id": "c1", "customer_no": "SH01-C000001", "name": "已销毁", "phones": []});
    sqlx::query("INSERT INTO shared_records (entity, entity_id, fields) VALUES ('customer', 'c1', $1)").bind(&c).execute(&app.pool).await.unwrap();
    sqlx::query("UPDATE records SET payload = payload || '{\"customer_id\": \"c1\"}' WHERE entity = 'complaint' AND entity_id = 'sh-late'")
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!("/console/api/complaints/{}/sh-late", n.sh01);
    let page = root.ok(Method::GET, &path, None).await;
    assert_eq!((page["customer_name"].as_str(), page["customer_destroyed"].as_bool()), (Some("已销毁"), Some(false)), "not destroyed yet");
    sqlx::query("INSERT INTO destroyed_shared (entity, entity_id, station_id, destruction_id) VALUES ('customer', 'c1', $1::uuid, 'd1')")
        .bind(&n.sh01)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = root.ok(Method::GET, &path, None).await;
    assert_eq!(page["customer_destroyed"], true, "{page}");
}

#[tokio::test]
async fn without_a_session_the_complaints_answer_401() {
    let app = spawn_app().await;
    let anon = Browser::anonymous(&app);
    for (method, path) in [(Method::GET, "/console/api/complaints"), (Method::GET, "/console/api/complaints/x/y")] {
        let (status, _) = anon.call(method, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, _) = anon.call(Method::POST, "/console/api/complaints/x/y/notes", Some(json!({"kind": "note", "text": "x"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_complaint_whose_station_destroyed_the_customer_says_so_while_the_head_office_keeps_the_customer_for_another_station() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    let c = json!({"id": "c1", "customer_no": "SH01-C000001", "name": "王芳", "phones": ["13812345678"]});
    sqlx::query("INSERT INTO shared_records (entity, entity_id, fields) VALUES ('customer', 'c1', $1)").bind(&c).execute(&app.pool).await.unwrap();
    let v = json!({"id": "v1", "customer_id": "c1", "plate": "沪A12345"});
    sqlx::query("INSERT INTO shared_records (entity, entity_id, fields) VALUES ('vehicle', 'v1', $1)").bind(&v).execute(&app.pool).await.unwrap();
    sqlx::query(
        "UPDATE records SET payload = payload || '{\"customer_id\": \"c1\", \"vehicle_id\": \"v1\"}' WHERE entity = 'complaint' AND entity_id = 'sh-late'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let path = format!("/console/api/complaints/{}/sh-late", n.sh01);
    let page = root.ok(Method::GET, &path, None).await;
    assert_eq!((page["customer_name"].as_str(), page["plate"].as_str(), page["customer_destroyed"].as_bool()), (Some("王芳"), Some("沪A12345"), Some(false)));
    // SH01's destruction lists the customer and the car; the head office kept both for another station.
    let d = json!({"id": "d1", "customers": ["c1"], "vehicles": ["v1"]});
    sqlx::query("INSERT INTO records (station_id, entity, entity_id, payload, hlc) VALUES ($1::uuid, 'destruction', 'd1', $2, '0')")
        .bind(&n.sh01)
        .bind(&d)
        .execute(&app.pool)
        .await
        .unwrap();
    let page = root.ok(Method::GET, &path, None).await;
    assert_eq!((&page["customer_name"], &page["plate"], &page["customer_destroyed"]), (&Value::Null, &Value::Null, &json!(true)), "{page}");
}
