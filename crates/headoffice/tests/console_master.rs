//! Master data from the console against a real PostgreSQL and the real server:
//! an administrator edits, uploads and deletes labor operations and parts
//! prices; stations pull what changed; every change leaves its audit row;
//! nobody else may touch it.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sync_protocol::Op;

use common::console::{admin, create_user, Browser};
use common::spawn_app;

async fn audit_actions(root: &Browser<'_>) -> Vec<(String, String)> {
    let page = root.ok(Method::GET, "/console/api/audit", None).await;
    page["entries"].as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap().to_string(), e["target_id"].as_str().unwrap().to_string())).collect()
}

#[tokio::test]
async fn an_administrator_edits_a_labor_operation_and_a_stations_pull_carries_it() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let station = app.station("SH01").await;
    let op = |rate: &str| json!({"fields": {"code": "OIL", "description": "更换机油", "standard_hours_milli": "500", "rate_minor": rate}});
    root.ok(Method::POST, "/console/api/master/labor_catalog", Some(op("12000"))).await;
    let saved = root.ok(Method::POST, "/console/api/master/labor_catalog", Some(op("15000"))).await;
    assert_eq!(saved["payload"]["rate_minor"], 15000);

    let feed = app.pull_all(&station.token).await;
    let oil: Vec<_> = feed.iter().filter(|c| c.entity == "labor_catalog" && c.entity_id == "OIL").collect();
    assert_eq!(oil.len(), 1, "the feed carries the operation's latest state once");
    assert_eq!(oil[0].payload["rate_minor"], 15000);
    assert_eq!(oil[0].op, Op::Upsert);

    let listed = root.ok(Method::GET, "/console/api/master/labor_catalog?q=机油", None).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["records"][0]["id"], "OIL");

    root.ok(Method::DELETE, "/console/api/master/labor_catalog/records/OIL", None).await;
    let feed = app.pull_all(&station.token).await;
    let oil = feed.iter().find(|c| c.entity == "labor_catalog" && c.entity_id == "OIL").unwrap();
    assert_eq!(oil.op, Op::Delete, "stations get the delete");
    let listed = root.ok(Method::GET, "/console/api/master/labor_catalog", None).await;
    assert_eq!(listed["total"], 0);

    let actions = audit_actions(&root).await;
    for verb in ["create", "update", "delete"] {
        assert!(actions.contains(&(format!("master.labor_catalog.{verb}"), "OIL".into())), "{verb} audited: {actions:?}");
    }
}

#[tokio::test]
async fn a_bad_field_in_a_form_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let body = json!({"fields": {"part_no": "P-1", "name": "机滤", "unit_price_minor": "12.50"}});
    let (status, err) = root.call(Method::POST, "/console/api/master/parts_catalog", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "unit_price_minor");
    assert_eq!(err["code"], "master.whole_number");
    let listed = root.ok(Method::GET, "/console/api/master/parts_catalog", None).await;
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn a_csv_upload_applies_the_good_rows_and_names_the_refused_rows_line_and_field() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let station = app.station("SH01").await;
    let csv = "part_no,name,unit_price_minor,brand\nP-1,机油滤清器,4500,Bosch\nP-2,,800,\nP-3,空气滤清器,abc,\nP-4,火花塞,3000,NGK\n";
    let result = root.ok(Method::POST, "/console/api/master/parts_catalog/upload", Some(json!({"csv": csv}))).await;
    assert_eq!(result["applied"], 2);
    assert_eq!(result["changed"], 2);
    let refused: Vec<(u64, &str, &str)> = result["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["field"].as_str().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, vec![(3, "name", "master.required"), (4, "unit_price_minor", "master.whole_number")]);

    let feed = app.pull_all(&station.token).await;
    let mut parts: Vec<(&str, Option<i64>)> =
        feed.iter().filter(|c| c.entity == "parts_catalog").map(|c| (c.entity_id.as_str(), c.payload["unit_price_minor"].as_i64())).collect();
    parts.sort();
    assert_eq!(parts, vec![("P-1", Some(4500)), ("P-4", Some(3000))]);
    assert!(audit_actions(&root).await.contains(&("master.parts_catalog.upload".into(), "csv".into())));

    // The same file again changes nothing: no record re-enters the feed.
    let again = root.ok(Method::POST, "/console/api/master/parts_catalog/upload", Some(json!({"csv": csv}))).await;
    assert_eq!((again["applied"].as_u64(), again["changed"].as_u64()), (Some(2), Some(0)));
}

#[tokio::test]
async fn a_quality_manager_may_not_see_or_change_master_data() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;
    let body = json!({"fields": {"part_no": "P-1", "name": "机滤", "unit_price_minor": "100"}});
    for (method, path, body) in [
        (Method::GET, "/console/api/master/parts_catalog", None),
        (Method::POST, "/console/api/master/parts_catalog", Some(body)),
        (Method::POST, "/console/api/master/parts_catalog/upload", Some(json!({"csv": "part_no,name,unit_price_minor\nP-1,x,1\n"}))),
        (Method::DELETE, "/console/api/master/parts_catalog/records/P-1", None),
    ] {
        let (status, err) = qm.call(method, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(err["code"], "console.forbidden");
    }
    let listed = root.ok(Method::GET, "/console/api/master/parts_catalog", None).await;
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn a_setting_set_from_the_console_reaches_the_stations_as_json() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let station = app.station("SH01").await;
    root.ok(Method::POST, "/console/api/master/setting", Some(json!({"fields": {"key": "tax_rate_bp", "value": "1300"}}))).await;
    let (status, err) = root.call(Method::POST, "/console/api/master/setting", Some(json!({"fields": {"key": "tax rate", "value": "1"}}))).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("key")));
    let feed = app.pull_all(&station.token).await;
    let tax = feed.iter().find(|c| c.entity == "setting" && c.entity_id == "tax_rate_bp").unwrap();
    assert_eq!(tax.payload["value"], 1300);
}
