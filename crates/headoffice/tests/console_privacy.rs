//! The console's privacy pages over its HTTP API against a real PostgreSQL and
//! the real server: the access registers stations push (`access_entry`) read
//! newest first, filtered by station, staff member and customer, paged; the
//! grants head-office lookups gave, with station, record, time and staff
//! member. A regional manager sees only their region's stations in both.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::console::{admin, create_user, station_in, Browser};
use common::{spawn_app, StationSim, TestApp};

fn customer(id: &str, no: &str, name: &str, phone: &str) -> Value {
    json!({"id": id, "customer_no": no, "name": name, "phones": [phone], "consent_data": true, "merged_into": null})
}

fn entry(id: &str, staff: &str, kind: &str, customer: &str, ro: Option<&str>, reason: Option<&str>, at: &str) -> Value {
    json!({"id": id, "staff_id": staff, "staff_role": "advisor", "kind": kind, "customer_id": customer, "ro_id": ro,
           "subject_id": ro.unwrap_or(customer), "reason": reason, "at": at})
}

/// SH01 (East): advisors 李顾问 and 张顾问 opened 王芳's archive and order and 李 showed her whole number;
/// BJ01 (West): 赵顾问 opened 刘强's archive. Returns the stations' ids.
async fn network(app: &TestApp, root: &Browser<'_>) -> (StationSim, String, StationSim, String) {
    let (mut sh, sh_id) = station_in(app, root, "SH01", "East").await;
    let (mut bj, bj_id) = station_in(app, root, "BJ01", "West").await;
    let changes = vec![
        sh.change("staff", "li", json!({"id": "li", "name": "李顾问", "role": "advisor", "active": true})),
        sh.change("staff", "zhang", json!({"id": "zhang", "name": "张顾问", "role": "advisor", "active": true})),
        sh.change("customer", "c-wang", customer("c-wang", "SH01-C-000001", "王芳", "13812345678")),
        sh.change("customer", "c-sun", customer("c-sun", "SH01-C-000002", "孙丽", "13812340000")),
        sh.change("repair_order", "ro1", json!({"id": "ro1", "number": "SH01-RO-20261201-001", "status": "checked_in"})),
        sh.change("access_entry", "a1", entry("a1", "li", "customer", "c-wang", None, None, "2026-12-01T01:00:00.000Z")),
        sh.change("access_entry", "a2", entry("a2", "li", "order", "c-wang", Some("ro1"), None, "2026-12-01T02:00:00.000Z")),
        sh.change("access_entry", "a3", entry("a3", "li", "contact", "c-wang", Some("ro1"), Some("calling_customer"), "2026-12-01T03:00:00.000Z")),
        sh.change("access_entry", "a4", entry("a4", "zhang", "customer", "c-sun", None, None, "2026-12-01T04:00:00.000Z")),
    ];
    assert_eq!(app.push_ok(&sh.token, &sh.batch(changes)).await.rejected, 0);
    let changes = vec![
        bj.change("staff", "zhao", json!({"id": "zhao", "name": "赵顾问", "role": "advisor", "active": true})),
        bj.change("customer", "c-liu", customer("c-liu", "BJ01-C-000001", "刘强", "13900001111")),
        bj.change("access_entry", "b1", entry("b1", "zhao", "customer", "c-liu", None, None, "2026-12-01T05:00:00.000Z")),
    ];
    assert_eq!(app.push_ok(&bj.token, &bj.batch(changes)).await.rejected, 0);
    (sh, sh_id, bj, bj_id)
}

fn ids<'a>(page: &'a Value, list: &str) -> Vec<&'a str> {
    page[list].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_quality_manager_reads_every_stations_access_register_newest_first_filtered_by_station_staff_and_customer() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (_sh, sh_id, _bj, _) = network(&app, &root).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;

    let page = qm.ok(Method::GET, "/console/api/access-register", None).await;
    assert_eq!(ids(&page, "entries"), ["b1", "a4", "a3", "a2", "a1"], "newest first, every station");
    assert_eq!(page["total"], 5);
    let shown = &page["entries"][2];
    assert_eq!((shown["station"]["code"].as_str(), shown["staff_name"].as_str(), shown["kind"].as_str()), (Some("SH01"), Some("李顾问"), Some("contact")));
    assert_eq!((shown["reason"].as_str(), shown["ro_number"].as_str()), (Some("calling_customer"), Some("SH01-RO-20261201-001")));
    assert_eq!((shown["customer_no"].as_str(), shown["customer_name"].as_str()), (Some("SH01-C-000001"), Some("王*")), "the name is masked");
    assert!(!page.to_string().contains("13812345678") && !page.to_string().contains("王芳"), "no phone number and no whole name");
    assert_eq!(page["staff_choices"], json!([]), "no staff to choose before a station is chosen");

    let sh = qm.ok(Method::GET, &format!("/console/api/access-register?station={sh_id}"), None).await;
    assert_eq!(ids(&sh, "entries"), ["a4", "a3", "a2", "a1"]);
    let names: Vec<&str> = sh["staff_choices"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "SH01's two advisors: {names:?}");
    let li = qm.ok(Method::GET, &format!("/console/api/access-register?station={sh_id}&staff=li"), None).await;
    assert_eq!(ids(&li, "entries"), ["a3", "a2", "a1"]);
    let by_number = qm.ok(Method::GET, "/console/api/access-register?customer=SH01-C-000002", None).await;
    assert_eq!(ids(&by_number, "entries"), ["a4"], "a customer found by their number");
    let by_id = qm.ok(Method::GET, "/console/api/access-register?customer=c-wang&staff=li", None).await;
    assert_eq!(ids(&by_id, "entries"), ["a3", "a2", "a1"]);

    let first = qm.ok(Method::GET, "/console/api/access-register?limit=2", None).await;
    let second = qm.ok(Method::GET, "/console/api/access-register?limit=2&offset=2", None).await;
    let past = qm.ok(Method::GET, "/console/api/access-register?limit=2&offset=10", None).await;
    assert_eq!((ids(&first, "entries"), ids(&second, "entries")), (vec!["b1", "a4"], vec!["a3", "a2"]));
    assert_eq!((second["total"].as_i64(), past["total"].as_i64(), past["entries"].as_array().map(Vec::len)), (Some(5), Some(5), Some(0)));

    let (status, err) = qm.get("/console/api/access-register?station=SH01").await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("station")));
    let (status, err) = qm.get("/console/api/access-register?limit=0").await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));
    let (status, _) = Browser::anonymous(&app).get("/console/api/access-register").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_regional_manager_reads_only_their_regions_access_register_and_lookup_grants() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (sh, sh_id, _bj, bj_id) = network(&app, &root).await;
    let (sh2, _) = station_in(&app, &root, "SH02", "West").await;
    // SH01 (East) looks BJ01's customer up by phone and uses the result.
    let body = json!({"kind": "phone", "value": "13900001111", "entity": "customer", "entity_id": "c-liu", "staff_id": "li", "staff_name": "李顾问"});
    let res = app.post_json(&sh.token, "/v1/lookup/adopt", &body).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    // SH02 (West) is given 王芳's record by a lookup of its own.
    let body = json!({"kind": "phone", "value": "13812345678", "entity": "customer", "entity_id": "c-wang", "staff_id": "wu", "staff_name": "吴顾问"});
    let res = app.post_json(&sh2.token, "/v1/lookup/adopt", &body).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());

    create_user(&root, "east", "regional_manager", &["East"]).await;
    let east = Browser::logged_in(&app, "east", "east password").await;
    let me = east.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!(me["can"]["view_access_register"], true);

    let page = east.ok(Method::GET, "/console/api/access-register", None).await;
    assert_eq!(ids(&page, "entries"), ["a4", "a3", "a2", "a1"], "West's register is not in East's");
    let other = east.ok(Method::GET, &format!("/console/api/access-register?station={bj_id}"), None).await;
    assert_eq!((other["total"].as_i64(), other["staff_choices"].as_array().map(Vec::len)), (Some(0), Some(0)), "another region's station gives nothing");
    let theirs = east.ok(Method::GET, "/console/api/access-register?customer=BJ01-C-000001", None).await;
    assert_eq!(theirs["total"], 0, "nor does another region's customer");

    let grants = east.ok(Method::GET, "/console/api/lookup-grants", None).await;
    let rows = grants["grants"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the grant to East's station: {grants}");
    let g = &rows[0];
    assert_eq!((g["station"]["code"].as_str(), g["entity"].as_str(), g["entity_id"].as_str()), (Some("SH01"), Some("customer"), Some("c-liu")));
    assert_eq!((g["staff_id"].as_str(), g["staff_name"].as_str(), g["lookup_kind"].as_str()), (Some("li"), Some("李顾问"), Some("phone")));
    assert_eq!((g["customer_no"].as_str(), g["customer_name"].as_str()), (Some("BJ01-C-000001"), Some("刘*")));
    assert!(g["granted_at"].as_str().is_some());
    let none = east.ok(Method::GET, &format!("/console/api/lookup-grants?station={bj_id}"), None).await;
    assert_eq!(none["total"], 0);

    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;
    let all = qm.ok(Method::GET, "/console/api/lookup-grants", None).await;
    let codes: Vec<&str> = all["grants"].as_array().unwrap().iter().map(|g| g["station"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SH02", "SH01"], "every station's, newest first");
    let sh_only = qm.ok(Method::GET, &format!("/console/api/lookup-grants?station={sh_id}"), None).await;
    assert_eq!(sh_only["total"], 1);
}

/// What a station sends when it destroys `customer` past retention: the destruction, then the anonymised fields.
fn destroy(st: &mut StationSim, id: &str, customer: &str) -> Vec<sync_protocol::Change> {
    let d = json!({"id": id, "run_id": "run", "kind": "customer", "subject_id": customer, "number": "N", "destroyed_at": "2031-12-01T00:00:00.000Z",
                   "documents": [], "erase": [], "patch": [], "files": [], "customers": [customer], "vehicles": []});
    let fields = json!({"id": customer, "name": "已销毁", "phones": []});
    vec![st.change("destruction", id, d), st.change_op("customer", customer, sync_protocol::Op::Upsert, fields, Some(vec!["name".into(), "phones".into()]))]
}

fn register_names(page: &Value) -> Vec<(String, Value, Value)> {
    let rows = page["entries"].as_array().unwrap();
    rows.iter().map(|e| (e["id"].as_str().unwrap().to_string(), e["customer_name"].clone(), e["customer_destroyed"].clone())).collect()
}

#[tokio::test]
async fn a_customer_a_station_destroyed_shows_as_destroyed_in_its_register_and_grants_while_the_head_office_keeps_it_for_another_station() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (mut sh, sh_id, mut bj, bj_id) = network(&app, &root).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;
    // BJ01 adopts 王芳 by a lookup, and later opens her archive.
    let body = json!({"kind": "phone", "value": "13812345678", "entity": "customer", "entity_id": "c-wang", "staff_id": "zhao", "staff_name": "赵顾问"});
    let res = app.post_json(&bj.token, "/v1/lookup/adopt", &body).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let opened = bj.change("access_entry", "b2", entry("b2", "zhao", "customer", "c-wang", None, None, "2026-12-02T01:00:00.000Z"));
    assert_eq!(app.push_ok(&bj.token, &bj.batch(vec![opened])).await.rejected, 0);

    // SH01's retention runs out: it destroys her; the head office keeps her for BJ01.
    let destroyed = destroy(&mut sh, "d-sh", "c-wang");
    assert_eq!(app.push_ok(&sh.token, &sh.batch(destroyed)).await.rejected, 0);
    let name: String =
        sqlx::query_scalar("SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = 'c-wang'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(name, "王芳", "kept for BJ01");
    let hers = qm.ok(Method::GET, "/console/api/access-register?customer=c-wang", None).await;
    let destroyed_at_sh = |id: &str| (id.to_string(), Value::Null, json!(true));
    let wang = |id: &str| (id.to_string(), json!("王*"), json!(false));
    assert_eq!(register_names(&hers), [wang("b2"), destroyed_at_sh("a3"), destroyed_at_sh("a2"), destroyed_at_sh("a1")]);
    let grant = qm.ok(Method::GET, &format!("/console/api/lookup-grants?station={bj_id}"), None).await["grants"][0].clone();
    assert_eq!((&grant["customer_name"], &grant["destroyed"]), (&json!("王*"), &json!(false)), "BJ01 still holds her: {grant}");
    let sun = qm.ok(Method::GET, &format!("/console/api/access-register?station={sh_id}&customer=c-sun"), None).await;
    assert_eq!(register_names(&sun), [("a4".to_string(), json!("孙*"), json!(false))], "SH01's other customer is untouched");

    // BJ01's retention runs out too: nobody holds her, every row says destroyed and none names her.
    let destroyed = destroy(&mut bj, "d-bj", "c-wang");
    assert_eq!(app.push_ok(&bj.token, &bj.batch(destroyed)).await.rejected, 0);
    let hers = qm.ok(Method::GET, "/console/api/access-register?customer=c-wang", None).await;
    assert_eq!(register_names(&hers), ["b2", "a3", "a2", "a1"].map(destroyed_at_sh));
    let grant = qm.ok(Method::GET, &format!("/console/api/lookup-grants?station={bj_id}"), None).await["grants"][0].clone();
    assert_eq!((&grant["customer_name"], &grant["destroyed"]), (&Value::Null, &json!(true)), "{grant}");
    assert!(!hers.to_string().contains("已销毁"), "the placeholder is never sent as a name: {hers}");
}
