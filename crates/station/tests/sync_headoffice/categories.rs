//! The complaint category tree edited in the head-office console (its tree
//! editor, over HTTP as a browser sends it) reaches a real station on its next
//! pull: renamed entries renamed, new ones offered, a deactivated one no longer
//! offered while the complaint already filed under it keeps its path.

use super::*;
use common::aftersales::{complaint_input, Ticket};

const TREE: &str = "/console/api/master/complaint-categories";

/// An administrator logged in to the console: the session cookie.
pub(crate) async fn console_login(ho: &HeadOffice, http: &reqwest::Client) -> String {
    headoffice::admin::create_admin(&ho.pool, "root", "Head Office Admin", "admin password 1", Utc::now()).await.unwrap();
    let res = http.post(format!("{}/console/api/login", ho.url)).json(&json!({"login": "root", "password": "admin password 1"})).send().await.unwrap();
    assert!(res.status().is_success(), "the administrator logs in");
    res.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string()
}

/// The editor's answer sent back as its input: the same nodes without `level`.
fn as_input(nodes: &Value) -> Value {
    Value::Array(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| json!({"id": n["id"], "name_zh": n["name_zh"], "name_en": n["name_en"], "active": n["active"], "children": as_input(&n["children"])}))
            .collect(),
    )
}

fn entry<'v>(list: &'v Value, id: &str) -> &'v Value {
    list["categories"].as_array().unwrap().iter().find(|k| k["id"] == id).unwrap_or_else(|| panic!("no {id} at the station"))
}

#[tokio::test]
async fn a_tree_saved_in_the_console_is_applied_by_the_station_and_a_deactivated_entry_keeps_its_complaints() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    let mut filed = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await;
    sync_ok(&t).await;

    let http = reqwest::Client::new();
    let cookie = console_login(&ho, &http).await;
    let start: Value = http.get(format!("{}{TREE}", ho.url)).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(start["source"], "built_in");
    // The console starts from the tree the station ships with, entry for entry.
    let at_station = t.ok(&crew.advisor, "list_complaint_categories", json!({})).await;
    let mut shipped: Vec<(String, String, String)> = at_station["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].as_str().unwrap().into(), k["name_zh"].as_str().unwrap().into(), k["name_en"].as_str().unwrap().into()))
        .collect();
    let mut offered = Vec::new();
    let mut stack: Vec<&Value> = start["categories"].as_array().unwrap().iter().collect();
    while let Some(n) = stack.pop() {
        offered.push((n["id"].as_str().unwrap().to_string(), n["name_zh"].as_str().unwrap().to_string(), n["name_en"].as_str().unwrap().to_string()));
        stack.extend(n["children"].as_array().unwrap());
    }
    shipped.sort();
    offered.sort();
    assert_eq!(offered, shipped);

    let mut tree = as_input(&start["categories"]);
    let attitude = &mut tree[0]["children"][0];
    attitude["children"][0]["name_zh"] = json!("前台接待等待过久");
    attitude["children"][1]["active"] = json!(false);
    attitude["children"].as_array_mut().unwrap().push(json!({"id": null, "name_zh": "着装不整", "name_en": "Untidy staff", "active": true, "children": []}));
    let res = http.put(format!("{}{TREE}", ho.url)).header("cookie", &cookie).json(&json!({"categories": tree})).send().await.unwrap();
    assert!(res.status().is_success());
    let saved: Value = res.json().await.unwrap();
    let new_id = saved["categories"][0]["children"][0]["children"][2]["id"].as_str().unwrap().to_string();

    sync_ok(&t).await;
    let list = t.ok(&crew.advisor, "list_complaint_categories", json!({})).await;
    assert_eq!(entry(&list, "svc.attitude.slow")["name_zh"], "前台接待等待过久");
    let added = entry(&list, &new_id);
    assert_eq!((added["level"].as_i64(), added["parent_id"].as_str(), added["active"].as_bool()), (Some(3), Some("svc.attitude"), Some(true)));
    assert_eq!(entry(&list, "svc.attitude.rude")["active"], false);
    assert_eq!(entry(&list, "qual.repair.repeat")["source"], "head_office", "the entries kept became the head office's");

    let c = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, &new_id, "normal")).await;
    let path: Vec<&str> = c.page["category"].as_array().unwrap().iter().map(|k| k["name_zh"].as_str().unwrap()).collect();
    assert_eq!(path, ["服务", "服务态度", "着装不整"]);
    let e = t.call(&crew.advisor, "open_complaint", complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("complaint.category_retired", Some("category_id")));
    filed.reload(&crew.advisor).await;
    let path: Vec<&str> = filed.page["category"].as_array().unwrap().iter().map(|k| k["name_zh"].as_str().unwrap()).collect();
    assert_eq!(path, ["服务", "服务态度", "态度生硬"], "the complaint filed before keeps its category");
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0);
}
