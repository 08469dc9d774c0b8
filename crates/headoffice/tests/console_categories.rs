//! The complaint category tree (三级分类) edited as a tree in the console,
//! against a real PostgreSQL and the real server: saved as the setting
//! `complaint_categories` that stations pull, refused whole when a field is
//! wrong (named by its path), guarded the same way in the raw setting editor,
//! and open to administrators and quality managers only.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use common::console::{admin, create_user, Browser};
use common::spawn_app;

const TREE: &str = "/console/api/master/complaint-categories";

/// The tree as the editor sends it back: every node with its id, names, `active` and children (no `level`).
fn as_input(tree: &Value) -> Value {
    fn node(n: &Value) -> Value {
        json!({"id": n["id"], "name_zh": n["name_zh"], "name_en": n["name_en"], "active": n["active"], "children": nodes(&n["children"])})
    }
    fn nodes(list: &Value) -> Vec<Value> {
        list.as_array().unwrap().iter().map(node).collect()
    }
    json!({"categories": nodes(&tree["categories"])})
}

fn flat(value: &Value) -> Vec<(String, Option<String>, String, bool)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().into(),
                e["parent_id"].as_str().map(str::to_string),
                e["name_en"].as_str().unwrap().into(),
                e["active"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_administrator_saves_the_tree_and_a_stations_pull_carries_it_as_the_setting() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let station = app.station("SH01").await;

    let start = root.ok(Method::GET, TREE, None).await;
    assert_eq!(start["source"], "built_in", "nothing saved yet: the stations' own tree");
    assert_eq!(start["categories"][0]["children"][0]["children"][0]["id"], "svc.attitude.slow");

    let mut body = as_input(&start);
    body["categories"][0]["children"][0]["children"][0]["name_en"] = json!("Kept waiting at reception");
    body["categories"][1]["children"].as_array_mut().unwrap().push(json!({
        "id": null, "name_zh": "交车", "name_en": "Handover", "active": true,
        "children": [{"id": null, "name_zh": "车辆不洁", "name_en": "Car returned dirty", "active": true, "children": []}]
    }));
    body["categories"][3]["active"] = json!(false);
    let saved = root.ok(Method::PUT, TREE, Some(body.clone())).await;
    assert_eq!(saved["source"], "head_office");
    let handover = &saved["categories"][1]["children"][2];
    let (handover_id, dirty_id) = (handover["id"].as_str().unwrap(), handover["children"][0]["id"].as_str().unwrap());
    assert!(handover_id.starts_with("qual.") && dirty_id.starts_with(&format!("{handover_id}.")), "new ids under their parent: {handover_id}, {dirty_id}");
    assert_eq!(handover["children"][0]["level"], 3);
    assert_eq!(root.ok(Method::GET, TREE, None).await["categories"], saved["categories"], "served as saved");

    let feed = app.pull_all(&station.token).await;
    let setting = feed.iter().find(|c| c.entity == "setting" && c.entity_id == "complaint_categories").expect("the tree in the feed");
    let entries = flat(&setting.payload["value"]);
    assert_eq!(entries.len(), 25);
    assert!(entries.contains(&("svc.attitude.slow".into(), Some("svc.attitude".into()), "Kept waiting at reception".into(), true)));
    assert!(entries.contains(&(dirty_id.into(), Some(handover_id.into()), "Car returned dirty".into(), true)));
    assert!(entries.contains(&("consult".into(), None, "Consultation".into(), false)), "deactivated, still listed");
    let parent_first = entries.iter().position(|e| e.0 == handover_id) < entries.iter().position(|e| e.0 == dirty_id);
    assert!(parent_first, "parents before children, as stations apply them");

    // Saving the same tree again changes nothing: no new feed row, no audit row.
    let resent = as_input(&saved);
    root.ok(Method::PUT, TREE, Some(resent)).await;
    let audit = root.ok(Method::GET, "/console/api/audit", None).await;
    let rows: Vec<&Value> = audit["entries"].as_array().unwrap().iter().filter(|e| e["target_id"] == "complaint_categories").collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["action"], "master.setting.create");
    assert_eq!(rows[0]["after"]["value"].as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn an_invalid_tree_is_refused_naming_the_field_path_and_nothing_is_saved() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let start = as_input(&root.ok(Method::GET, TREE, None).await);
    let refused = |edit: fn(&mut Value)| {
        let mut body = start.clone();
        edit(&mut body);
        body
    };
    let cases: [(Value, &str, &str); 5] = [
        (refused(|b| b["categories"][2]["children"][0]["name_en"] = json!("  ")), "categories[2].children[0].name_en", "category.name_required"),
        (refused(|b| b["categories"][0]["name_zh"] = json!("服".repeat(41))), "categories[0].name_zh", "category.name_too_long"),
        (
            refused(|b| {
                b["categories"][0]["children"][0]["children"][0]["children"] =
                    json!([{"id": null, "name_zh": "四级", "name_en": "Fourth", "active": true, "children": []}])
            }),
            "categories[0].children[0].children[0].children",
            "category.too_deep",
        ),
        (refused(|b| b["categories"][1]["children"][1]["children"][0]["active"] = json!(false)), "categories[1].children[1].children", "category.empty_branch"),
        (refused(|b| b["categories"][0]["children"].as_array_mut().unwrap().truncate(1)), "categories", "category.removed"),
    ];
    for (body, field, code) in cases {
        let (status, err) = root.call(Method::PUT, TREE, Some(body)).await;
        assert_eq!((status, err["field"].as_str(), err["code"].as_str()), (StatusCode::BAD_REQUEST, Some(field), Some(code)), "{err}");
    }
    assert_eq!(root.ok(Method::GET, TREE, None).await["source"], "built_in", "nothing was saved");

    // The raw setting editor refuses a broken tree too, and the tree cannot be deleted from it.
    let raw = json!([{"id": "d", "name_zh": "交车", "name_en": "Delivery"}, {"id": "d.c", "parent_id": "d", "name_zh": "清洁", "name_en": "Cleanliness"}]);
    let (status, err) =
        root.call(Method::POST, "/console/api/master/setting", Some(json!({"fields": {"key": "complaint_categories", "value": raw.to_string()}}))).await;
    assert_eq!((status, err["field"].as_str(), err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("value"), Some("category.empty_branch")), "{err}");
    assert_eq!(err["params"]["path"], "categories[0].children[0].children");
    root.ok(Method::PUT, TREE, Some(start.clone())).await;
    let (status, err) = root.call(Method::DELETE, "/console/api/master/setting/records/complaint_categories", None).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("category.setting_delete")));
    // Once saved, the raw editor may not drop an entry either.
    let fine = json!([
        {"id": "d", "name_zh": "交车", "name_en": "Delivery"},
        {"id": "d.c", "parent_id": "d", "name_zh": "清洁", "name_en": "Cleanliness"},
        {"id": "d.c.i", "parent_id": "d.c", "name_zh": "车内不洁", "name_en": "Interior not clean"}
    ]);
    let (status, err) =
        root.call(Method::POST, "/console/api/master/setting", Some(json!({"fields": {"key": "complaint_categories", "value": fine.to_string()}}))).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("category.removed")), "{err}");
}

#[tokio::test]
async fn a_quality_manager_edits_the_tree_and_a_regional_manager_is_refused() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    create_user(&root, "zhang", "regional_manager", &["East"]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;
    let rm = Browser::logged_in(&app, "zhang", "zhang password").await;

    let me = qm.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!((me["can"]["manage_complaint_categories"].as_bool(), me["can"]["manage_master_data"].as_bool()), (Some(true), Some(false)));
    let mut body = as_input(&qm.ok(Method::GET, TREE, None).await);
    body["categories"][2]["name_en"] = json!("Pricing");
    let saved = qm.ok(Method::PUT, TREE, Some(body.clone())).await;
    assert_eq!(saved["categories"][2]["name_en"], "Pricing");

    for (method, body) in [(Method::GET, None), (Method::PUT, Some(body))] {
        let (status, err) = rm.call(method, TREE, body).await;
        assert_eq!((status, err["code"].as_str()), (StatusCode::FORBIDDEN, Some("console.forbidden")));
    }
    let rm_me = rm.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!(rm_me["can"]["manage_complaint_categories"], false);
    assert_eq!(root.ok(Method::GET, TREE, None).await["categories"][2]["name_en"], "Pricing", "the regional manager changed nothing");
}
