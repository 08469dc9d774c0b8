use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;
use sync_protocol::{ErrorCode, Scope};

use crate::common::{expect_error, spawn_app};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test]
async fn master_data_loaded_by_an_admin_reaches_every_station_once() {
    let app = spawn_app().await;
    let a = app.station("SH01").await;
    let b = app.station("SH02").await;
    let dir = tempfile::tempdir().unwrap();
    let labor = write(&dir, "labor.csv", "code,description,standard_hours_milli,rate_minor\nOIL,Oil change,500,12000\nBRK,Brake pads,1500,15000\n");
    let parts = write(&dir, "parts.csv", "part_no,name,unit_price_minor,brand\nP-1,Oil filter,3500,Mann\nP-2,Brake pad set,28000,Bosch\n");
    let recalls = write(
        &dir,
        "recalls.csv",
        "campaign_id,title,vins,vin_from,vin_to\nR2025-01,Airbag inflator,LSVAM4187C2184851;LSVAM4187C2184852,,\nR2025-02,Fuel pump,,LSVAM4187C2100000,LSVAM4187C2199999\n",
    );
    let admin = &app.pool;
    assert_eq!(headoffice::admin::load_labor(admin, &labor).await.unwrap(), 2);
    assert_eq!(headoffice::admin::load_parts(admin, &parts).await.unwrap(), 2);
    assert_eq!(headoffice::admin::load_recalls(admin, &recalls).await.unwrap(), 2);
    headoffice::admin::set_setting(admin, "tax_rate_bp", "1300").await.unwrap();

    for st in [&a, &b] {
        let (feed, _) = app.pull_all_from(&st.token, "").await;
        assert_eq!(feed.len(), 7, "two labor operations, two parts, two campaigns, one setting");
        assert!(feed.iter().all(|c| c.scope == Scope::Global));
        let part = feed.iter().find(|c| c.entity == "parts_catalog" && c.entity_id == "P-2").unwrap();
        assert_eq!((part.payload["unit_price_minor"].as_i64(), part.payload["brand"].as_str()), (Some(28000), Some("Bosch")));
        let fuel = feed.iter().find(|c| c.entity_id == "R2025-02").unwrap();
        assert_eq!(fuel.payload["vin_ranges"][0]["to"], "LSVAM4187C2199999");
        let tax = feed.iter().find(|c| c.entity == "setting").unwrap();
        assert_eq!(tax.payload, json!({"key": "tax_rate_bp", "value": 1300}));
    }

    let (_, cursor) = app.pull_all_from(&a.token, "").await;
    assert_eq!(headoffice::admin::load_parts(admin, &parts).await.unwrap(), 0, "reloading the same file changes nothing");
    let repriced = write(&dir, "parts2.csv", "part_no,name,unit_price_minor,brand\nP-1,Oil filter,3900,Mann\nP-2,Brake pad set,28000,Bosch\n");
    assert_eq!(headoffice::admin::load_parts(admin, &repriced).await.unwrap(), 1);
    let (next, _) = app.pull_all_from(&a.token, &cursor).await;
    assert_eq!(next.len(), 1, "only the repriced part comes again");
    assert_eq!(next[0].payload["unit_price_minor"], 3900);
}

#[tokio::test]
async fn a_bad_csv_line_is_named_and_nothing_is_loaded() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let parts = write(&dir, "parts.csv", "part_no,name,unit_price_minor\nP-1,Oil filter,3500\nP-2,Pads,12.50\n");
    let err = headoffice::admin::load_parts(&app.pool, &parts).await.unwrap_err().to_string();
    assert!(err.contains("line 3"), "{err}");
    let recalls = write(&dir, "r.csv", "campaign_id,title,vins\nR1,x,NOTAVIN\n");
    assert!(headoffice::admin::load_recalls(&app.pool, &recalls).await.unwrap_err().to_string().contains("not a VIN"));
    assert_eq!(app.count("master_records").await, 0);
}

#[tokio::test]
async fn a_reinstalled_station_restores_its_own_rows_from_the_feed() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let changes = (0..30).map(|n| st.change("repair_order", &format!("ro{n}"), json!({"id": format!("ro{n}"), "n": n}))).collect();
    app.push_ok(&st.token, &st.batch(changes)).await;
    let code = headoffice::admin::new_enrollment_code(&app.pool, "SH01", 1).await.unwrap();
    let fresh = app.enroll(&code).await;
    let restored = app.pull_all(&fresh.token).await;
    assert_eq!(restored.len(), 30);
    assert!(restored.iter().all(|c| c.scope == Scope::Station && c.entity == "repair_order"));
}

#[tokio::test]
async fn a_record_changed_many_times_appears_once_at_its_latest_state() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    for status in ["checked_in", "in_progress", "done"] {
        let c = st.change("repair_order", "ro1", json!({"id": "ro1", "status": status}));
        app.push_ok(&st.token, &st.batch(vec![c])).await;
    }
    let feed = app.pull_all(&st.token).await;
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0].payload["status"], "done");
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("part_no,name,unit_price_minor\n");
    for n in 0..2_500 {
        csv.push_str(&format!("P{n:05},Part {n},{}\n", 100 + n));
    }
    headoffice::admin::load_parts(&app.pool, &write(&dir, "p.csv", &csv)).await.unwrap();
    let mut cursor = String::new();
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let page = app.pull(&st.token, &cursor, 1000).await;
        pages += 1;
        for c in &page.changes {
            assert!(seen.insert(c.entity_id.clone()), "{} came twice", c.entity_id);
        }
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!((seen.len(), pages), (2_500, 3));
    assert!(app.pull(&st.token, &cursor, 1000).await.changes.is_empty(), "a caught-up cursor gets an empty page");
}

#[tokio::test]
async fn a_change_that_commits_late_is_not_skipped_by_a_cursor() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    // A slow writer starts first…
    let mut slow = app.pool.begin().await.unwrap();
    sqlx::query("INSERT INTO master_records (entity, entity_id, payload) VALUES ('setting', 'slow', '{\"key\":\"slow\",\"value\":1}')")
        .execute(&mut *slow)
        .await
        .unwrap();
    headoffice::store::changelog::log(&mut slow, "global", uuid::Uuid::nil(), &[("setting".into(), "slow".into())]).await.unwrap();
    // …a fast one commits after it.
    headoffice::admin::set_setting(&app.pool, "fast", "2").await.unwrap();
    let page = app.pull(&st.token, "", 100).await;
    assert!(page.changes.is_empty(), "nothing behind a running transaction may be handed out yet");
    slow.commit().await.unwrap();
    let page = app.pull(&st.token, &page.next_cursor, 100).await;
    let ids: Vec<&str> = page.changes.iter().map(|c| c.entity_id.as_str()).collect();
    assert_eq!(ids, ["slow", "fast"]);
}

#[tokio::test]
async fn an_invalid_cursor_or_limit_is_refused() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    for q in ["/v1/changes?cursor=garbage!", "/v1/changes?limit=0", "/v1/changes?limit=100000"] {
        let err = expect_error(app.get(&st.token, q).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(err.code, ErrorCode::InvalidRequest, "{q}");
    }
}

#[tokio::test]
async fn a_shared_vehicle_carries_its_orders_at_other_stations_and_comes_again_when_one_changes() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let mut b = app.station("SH02").await;
    let vehicle = json!({"id": "v1", "plate": "沪A12345"});
    let va = a.change("vehicle", "v1", vehicle.clone());
    app.push_ok(&a.token, &a.batch(vec![va])).await;
    // The car came to SH02 too, which found it at the head office (a lookup's grant).
    app.grant("SH02", "vehicle", "v1").await;
    let vb = b.change("vehicle", "v1", vehicle);
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![vb])).await.rejected, 0);
    let (_, cursor) = app.pull_all_from(&b.token, "").await;

    let mut order = json!({
        "id": "r1", "number": "SH01-M-20261101-0001", "status": "checked_in", "checked_in_at": "2026-11-01T08:00:00.000Z",
        "odometer_in_km": 12000, "vehicle": {"id": "v1"}, "concerns": [{"id": "k1", "text": "常规保养", "fault_codes": []}]
    });
    let ro = a.change("repair_order", "r1", order.clone());
    app.push_ok(&a.token, &a.batch(vec![ro])).await;
    let (feed, cursor) = app.pull_all_from(&b.token, &cursor).await;
    let v = feed.iter().find(|c| c.entity == "vehicle").expect("the vehicle comes again when another station's order of it changes");
    let history = v.history.as_ref().expect("a shared vehicle carries its history");
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].station_code.as_str(), history[0].number.as_str(), history[0].status.as_str()), ("SH01", "SH01-M-20261101-0001", "checked_in"));
    assert_eq!((history[0].odometer_km, history[0].concerns.clone()), (Some(12000), vec!["常规保养".to_string()]));

    order["status"] = json!("delivered");
    let moved = a.change("repair_order", "r1", order);
    app.push_ok(&a.token, &a.batch(vec![moved])).await;
    let (feed, _) = app.pull_all_from(&b.token, &cursor).await;
    let v = feed.iter().find(|c| c.entity == "vehicle").expect("and again when the order moves on");
    assert_eq!(v.history.as_ref().unwrap()[0].status, "delivered");

    let own = app.pull_all(&a.token).await;
    let v = own.iter().find(|c| c.entity == "vehicle").unwrap();
    assert_eq!(v.history.as_deref(), Some(&[][..]), "a station's own orders are not history from elsewhere");
}
