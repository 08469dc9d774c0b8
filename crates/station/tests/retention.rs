//! Retention and destruction (issue 12): what is due when, the manager's PIN,
//! what a run destroys and what it keeps (the KPIs' figures), and verify's
//! "destroyed" instead of "tampered". The head office's side is in
//! `sync_headoffice/retention.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::flow::{Crew, Flow};
use common::{check_in_input, morning, TestStation};
use serde_json::{json, Value};

/// A 1×1 PNG, as signature_pad's `toDataURL()` would send a (very small) one.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// A small JPEG, a "photo" of the car (`shade` makes each one a different file).
fn jpeg(shade: u8) -> String {
    use base64::Engine;
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(out.get_ref()))
}

async fn upload(t: &TestStation, token: &str, data_url: &str) -> String {
    t.ok(token, "upload_photo", json!({"data": data_url})).await["sha256"].as_str().unwrap().to_string()
}

fn on_screen(signer: &str, png_sha: &str) -> Value {
    json!({"method": "on_screen", "signer_name": signer, "png_sha256": png_sha, "strokes": [{"penColor": "black", "points": [
        {"x": 10.5, "y": 20, "time": 1_700_000_000_000_i64, "pressure": 0.5},
        {"x": 30, "y": 25.25, "time": 1_700_000_000_016_i64, "pressure": 0.5}
    ]}]})
}

/// An order checked in with a photo and personal text, signed on screen,
/// printed, delivered and closed by its follow-up call this morning.
/// Returns (order id, photo sha, signature sha, PDF sha).
async fn closed_signed_order(t: &TestStation, crew: &Crew, shade: u8) -> (String, String, String, String) {
    let png = upload(t, &crew.advisor, PNG).await;
    let photo = upload(t, &crew.advisor, &jpeg(shade)).await;
    let mut input = check_in_input(&crew.customer, &crew.vehicle, 10_000);
    input["concerns"] = json!([{"text": "常规保养"}, {"text": "刹车异响，车主王芳说孩子在车上"}]);
    input["photos"] = json!([{"sha256": photo, "caption": "王芳的车左前门划痕"}]);
    let order = t.ok(&crew.advisor, "check_in", input).await;
    let ro = order["id"].as_str().unwrap().to_string();
    let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
    let mut f = Flow { t, crew, ro: ro.clone(), page };
    f.move_to(&crew.tech, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    let jobs: Vec<Value> = f.page["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect();
    let amount = f.page["totals"]["estimate"]["total"].clone();
    f.step(
        &crew.advisor,
        "record_authorization",
        json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount,
               "customer_signature": on_screen("王芳", &png), "advisor_signature": on_screen("", &png)}),
    )
    .await;
    let intake = f.page["authorizations"][0]["id"].clone();
    let pdf = t.ok(&crew.advisor, "print_document", json!({"ro_id": ro, "authorization_id": intake})).await;
    f.drive_to("closed").await;
    let pdf_sha: String = sqlx::query_scalar("SELECT sha256 FROM ro_documents WHERE ro_id = ?").bind(&ro).fetch_one(t.station.pool()).await.unwrap();
    assert!(pdf["data_url"].as_str().is_some_and(|d| d.starts_with("data:application/pdf")), "printed: {pdf}");
    (ro, photo, png, pdf_sha)
}

fn on_disk(t: &TestStation, sha: &str) -> bool {
    t.dir.path().join("files").join(&sha[..2]).join(sha).exists()
}

/// The station's figures for November 2026, without the time they were computed.
async fn kpis(t: &TestStation) -> Value {
    let r = t.ok(&t.manager, "kpi_report", json!({"from": "2026-11-01", "to": "2026-11-30", "granularity": "day"})).await;
    json!([r["figures"], r["trend"], r["advisors"], r["technicians"]])
}

fn due_refs(due: &Value) -> Value {
    json!(due["items"].as_array().unwrap().iter().map(|i| json!({"kind": i["kind"], "subject_id": i["subject_id"]})).collect::<Vec<_>>())
}

async fn count(t: &TestStation, sql: &str, id: &str) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(t.station.pool()).await.unwrap()
}

#[tokio::test]
async fn a_closed_order_past_its_retention_is_anonymised_its_documents_and_files_deleted_and_the_kpis_stay_the_same() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, photo, png, pdf) = closed_signed_order(&t, &crew, 90).await;
    let signed = t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await;
    assert_eq!(signed["status"], "intact");
    let hashes: Vec<Value> = signed["documents"].as_array().unwrap().iter().map(|d| json!([d["kind"], d["hash"]])).collect();
    assert_eq!(hashes.len(), 2, "intake and acceptance");

    // Five years and two days after delivery: past the default five years.
    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let before = kpis(&t).await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let items = due["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the order, its photos with it: {due}");
    assert_eq!((items[0]["kind"].as_str(), items[0]["subject_id"].as_str()), (Some("repair_order"), Some(ro.as_str())));
    assert_eq!((items[0]["documents"].as_i64(), items[0]["files"].as_i64()), (Some(2), Some(3)), "two signed documents; photo, signature, PDF");
    assert_eq!(due["may_destroy"], true);

    let report = t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(report["destroyed"].as_array().unwrap().len(), 1);
    assert_eq!(report["files_deleted"], 3);

    // Personal fields and free text are gone, here and in what went to the head office.
    let customer = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(customer["customer"]["name"], "已销毁");
    assert_eq!(customer["customer"]["phones"], json!([]));
    assert_eq!(customer["customer"]["may"]["reveal_contact"], json!(false), "no number left to show, so no button to show it");
    assert_eq!(customer["customer"]["destroyed"], true);
    let order = t.ok(&t.manager, "get_order_detail", json!({"id": ro})).await;
    assert_eq!(order["order"]["personal_items"], "");
    assert_eq!(order["order"]["customer"]["destroyed"], true, "the order names a destroyed customer as such");
    assert!(order["order"]["concerns"].as_array().unwrap().iter().all(|c| c["text"] == ""), "{}", order["order"]["concerns"]);
    assert!(order["jobs"].as_array().unwrap().iter().all(|j| j["concern"] == "" && j["cause"] == "" && j["correction"] == ""));
    assert_eq!(order["order"]["photos"][0]["caption"], "");
    let found = t.ok(&t.manager, "search", json!({"q": "13812345678"})).await;
    assert_eq!(found["hits"], json!([]), "the phone finds nobody: {found}");
    for table in ["ro_authorizations", "ro_signatures", "ro_documents"] {
        let sql = match table {
            "ro_signatures" => "SELECT COUNT(*) FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = ?",
            "ro_authorizations" => "SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?",
            _ => "SELECT COUNT(*) FROM ro_documents WHERE ro_id = ?",
        };
        assert_eq!(count(&t, sql, &ro).await, 0, "{table} deleted");
    }
    for sha in [&photo, &png, &pdf] {
        assert!(!on_disk(&t, sha), "the bytes of {sha} are deleted");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM files WHERE sha256 = ? AND destroyed_at IS NOT NULL", sha).await, 1, "its row is marked");
    }
    let mut sent = vec![("repair_order", ro.clone()), ("customer", crew.customer.clone())];
    sent.extend(order["jobs"].as_array().unwrap().iter().map(|j| ("ro_job", j["id"].as_str().unwrap().to_string())));
    for (entity, id) in sent {
        let latest: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1")
            .bind(entity)
            .bind(&id)
            .fetch_one(t.station.pool())
            .await
            .unwrap();
        for text in ["王芳", "13812345678", "孩子", "雨伞"] {
            assert!(!latest.contains(text), "the {entity} state sent to the head office still says {text}: {latest}");
        }
    }
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE ro_id = ? AND (before LIKE '%王芳%' OR after LIKE '%王芳%' OR before LIKE '%孩子%' OR after LIKE '%孩子%')",
            &ro
        )
        .await,
        0
    );
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND action = 'destroy'", &ro).await, 1, "the destruction is audited");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM outbox WHERE entity = 'destruction' AND payload LIKE '%' || ? || '%'", &ro).await, 1);

    // What the KPIs need stayed: the same figures, computed at the same moment.
    assert_eq!(kpis(&t).await, before, "the KPIs are the same before and after");
    assert_eq!(order["order"]["status"], "closed");

    // Verify says destroyed, with what is left of each document.
    let v = t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await;
    assert_eq!(v["status"], "destroyed", "{v}");
    assert_eq!(v["intact"], true, "not tampered");
    assert!(v["destroyed_at"].as_str().is_some_and(|d| d.starts_with("2031-11")), "{v}");
    let left: Vec<Value> = v["documents"].as_array().unwrap().iter().map(|d| json!([d["kind"], d["hash"]])).collect();
    assert_eq!(left, hashes, "the number, kind and hash of each document are kept");
    assert!(v["documents"].as_array().unwrap().iter().all(|d| d["status"] == "destroyed"));

    // Nothing is due any more; approving the same list again destroys nothing.
    assert_eq!(t.ok(&t.manager, "retention_due", json!({})).await["items"], json!([]));
    let again = t.call(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await.unwrap_err();
    assert_eq!((again.code.as_str(), again.field.as_deref()), ("retention.not_due", Some("items")));
}

#[tokio::test]
async fn a_wrong_pin_writes_nothing_and_only_a_manager_lists_or_runs_a_destruction() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, photo, ..) = closed_signed_order(&t, &crew, 60).await;
    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let advisor = t.staff("钱顾问", "advisor", "5555").await;
    for op in ["retention_due", "retention_policy"] {
        let e = t.call(&advisor, op, json!({})).await.unwrap_err();
        assert_eq!(e.code, "auth.forbidden", "{op}: {e:?}");
    }
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let e = t.call(&advisor, "run_destruction", json!({"pin": "5555", "items": due_refs(&due)})).await.unwrap_err();
    assert_eq!(e.code, "auth.forbidden");

    let outbox = t.outbox_count().await;
    let e = t.call(&t.manager, "run_destruction", json!({"pin": "9999", "items": due_refs(&due)})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("auth.bad_pin", Some("pin")));
    let e = t.call(&t.manager, "run_destruction", json!({"pin": "1111", "items": []})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("retention.nothing_approved", Some("items")));
    assert_eq!(t.outbox_count().await, outbox, "nothing was written");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?", &ro).await, 2);
    assert!(on_disk(&t, &photo));
    assert_eq!(t.count("SELECT COUNT(*) FROM retention_destructions").await, 0);
    assert_eq!(t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "王芳");
}

#[tokio::test]
async fn an_order_is_due_only_after_its_period_and_the_head_offices_period_replaces_the_default() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, ..) = closed_signed_order(&t, &crew, 30).await;
    t.set_now(morning() + Duration::days(5 * 365 - 1));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    assert!(due["items"].as_array().unwrap().iter().all(|i| i["kind"] != "repair_order"), "not yet: {due}");
    let policy = t.ok(&t.manager, "retention_policy", json!({})).await;
    let order_period = policy["periods"].as_array().unwrap().iter().find(|p| p["kind"] == "repair_order").unwrap().clone();
    assert_eq!(order_period, json!({"kind": "repair_order", "days": 1825, "default_days": 1825, "from_head_office": false}));

    // The head office keeps orders for three years (a setting pulled as master data); a nonsense value is ignored.
    for (key, value) in [("retention.repair_order_days", "1095"), ("retention.photo_days", "3")] {
        sqlx::query("INSERT INTO ho_settings (key, value, deleted, updated_at) VALUES (?, ?, 0, '2026-11-22T00:00:00.000Z')")
            .bind(key)
            .bind(value)
            .execute(t.station.pool())
            .await
            .unwrap();
    }
    let policy = t.ok(&t.manager, "retention_policy", json!({})).await;
    let days: Vec<(String, i64, bool)> = policy["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["kind"].as_str().unwrap().to_string(), p["days"].as_i64().unwrap(), p["from_head_office"].as_bool().unwrap()))
        .collect();
    assert_eq!(days, [("repair_order".into(), 1095, true), ("photos".into(), 730, false), ("customer_without_order".into(), 365, false)]);
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    assert!(due["items"].as_array().unwrap().iter().any(|i| i["kind"] == "repair_order" && i["subject_id"] == json!(ro)), "{due}");
}

#[tokio::test]
async fn photos_past_the_photo_period_lose_their_bytes_while_the_order_and_its_signed_documents_stay() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, photo, png, _) = closed_signed_order(&t, &crew, 120).await;
    let listed = t.ok(&t.manager, "get_order_detail", json!({"id": ro})).await["order"]["photos"].clone();
    assert_eq!((listed[0]["sha256"].as_str(), &listed[0]["destroyed_at"]), (Some(photo.as_str()), &Value::Null));
    t.set_now(morning() + Duration::days(2 * 365 + 1));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    assert_eq!(due_refs(&due), json!([{"kind": "photos", "subject_id": ro}]));
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert!(!on_disk(&t, &photo), "the photo is gone");
    assert!(on_disk(&t, &png), "the signature stays with its document");
    let v = t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await;
    assert_eq!(v["status"], "intact", "the signed documents are untouched: {v}");
    assert_eq!(t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "王芳");
    let e = t.call(&t.manager, "get_file", json!({"sha256": photo})).await.unwrap_err();
    assert!(e.code.starts_with("file.") || e.code == "not_found", "{e:?}");
    // The order lists the photo as destroyed, with the date, so no screen asks for an image that is gone.
    let order = t.ok(&t.manager, "get_order_detail", json!({"id": ro})).await;
    let photos = order["order"]["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1);
    let when = photos[0]["destroyed_at"].as_str().unwrap_or_default();
    assert!(when.starts_with(&(morning() + Duration::days(2 * 365 + 1)).format("%Y-%m-%d").to_string()), "{}", photos[0]);
}

#[tokio::test]
async fn a_destroyed_customer_is_not_checked_in_or_given_new_requests_or_complaints_and_their_page_offers_none() {
    let mut t = TestStation::new().await;
    let (id, vehicle) = t.customer_with_vehicle(&t.manager, "孙丽", "13900001111", "沪C11111", common::VIN_A).await;
    let live = t.ok(&t.manager, "get_customer", json!({"id": id})).await;
    assert_eq!((&live["can_check_in"], &live["can_open_items"], &live["can_merge"]), (&json!(true), &json!(true), &json!(true)));
    t.set_now(morning() + Duration::days(366));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    assert_eq!(due_refs(&due), json!([{"kind": "customer_without_order", "subject_id": id}]));
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;

    let page = t.ok(&t.manager, "get_customer", json!({"id": id})).await;
    assert_eq!((&page["can_check_in"], &page["can_open_items"], &page["can_merge"]), (&json!(false), &json!(false), &json!(false)));
    let orders = t.count("SELECT COUNT(*) FROM repair_orders").await;
    let e = t.call(&t.manager, "check_in", check_in_input(&id, &vehicle, 42_000)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("customer.destroyed", Some("customer_id")));
    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, orders, "no order for a destroyed customer");
    let request = json!({"channel": "phone", "request": "想预约保养", "customer_id": id});
    let e = t.call(&t.manager, "open_service_request", request).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("customer.destroyed", Some("customer_id")));
    let complaint = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久", "customer_id": id});
    let e = t.call(&t.manager, "open_complaint", complaint).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("customer.destroyed", Some("customer_id")));
}

#[tokio::test]
async fn a_customer_who_never_ordered_is_anonymised_after_a_year_and_drops_out_of_search() {
    let mut t = TestStation::new().await;
    let lone = t.ok(&t.manager, "create_customer", json!({"name": "孙丽", "phones": ["13900001111"], "language": "zh-CN", "notes": "只问了价格"})).await;
    let id = lone["id"].as_str().unwrap().to_string();
    let kept = t.ok(&t.manager, "get_customer", json!({"id": id})).await;
    assert_eq!((&kept["customer"]["destroyed"], &kept["customer"]["destroyed_at"]), (&json!(false), &Value::Null));
    t.set_now(morning() + Duration::days(300));
    t.relogin_manager().await;
    assert_eq!(t.ok(&t.manager, "retention_due", json!({})).await["items"], json!([]));
    t.set_now(morning() + Duration::days(366));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    assert_eq!(due_refs(&due), json!([{"kind": "customer_without_order", "subject_id": id}]));
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    let c = t.ok(&t.manager, "get_customer", json!({"id": id})).await["customer"].clone();
    assert_eq!((c["name"].as_str(), &c["phones"], c["notes"].as_str()), (Some("已销毁"), &json!([]), Some("")));
    assert_eq!(c["customer_no"], lone["customer_no"], "the archive number stays");
    assert_eq!(c["destroyed"], true, "the record says it was destroyed, for screens to word in their language");
    assert!(c["destroyed_at"].as_str().is_some_and(|at| at.starts_with(&(morning() + Duration::days(366)).format("%Y-%m-%d").to_string())), "{c}");
    let refill = json!({"id": id, "fields": {"name": "孙丽", "phones": ["13900001111"], "language": "zh-CN"}});
    let e = t.call(&t.manager, "update_customer", refill).await.unwrap_err();
    assert_eq!(e.code, "customer.destroyed", "a destroyed customer is not filled in again");
    let found = t.ok(&t.manager, "search", json!({"q": "孙丽"})).await;
    assert_eq!(found["hits"], json!([]));
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM outbox WHERE entity = 'customer' AND payload LIKE '%孙丽%' AND seq = (SELECT MAX(seq) FROM outbox WHERE entity = 'customer')"
        )
        .await,
        0
    );
}
