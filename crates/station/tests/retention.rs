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
    // The destruction record keeps, per document, only its number, kind, hash and the date.
    let kept: Vec<(String, String, Option<String>, String)> =
        sqlx::query_as("SELECT number, kind, hash, destroyed_at FROM retention_destroyed_documents WHERE ro_id = ? ORDER BY number")
            .bind(&ro)
            .fetch_all(t.station.pool())
            .await
            .unwrap();
    let number = order["order"]["number"].as_str().unwrap();
    let expected: Vec<(String, String, Option<String>, String)> = hashes
        .iter()
        .enumerate()
        .map(|(i, kh)| {
            (
                format!("{number}/{}", i + 1),
                kh[0].as_str().unwrap().to_string(),
                kh[1].as_str().map(str::to_string),
                v["destroyed_at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(kept, expected, "number <order number>/<n>, kind, hash and date");
    // An order with ten or more signed documents lists them by their number's n, not as text (/10 after /9).
    let destruction: String = sqlx::query_scalar("SELECT destruction_id FROM retention_destroyed_documents WHERE ro_id = ? LIMIT 1")
        .bind(&ro)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    for n in hashes.len() + 1..=11 {
        let add = "INSERT INTO retention_destroyed_documents (authorization_id, destruction_id, ro_id, number, kind, hash, destroyed_at)
                   VALUES (?, ?, ?, ?, 'supplemental', NULL, ?)";
        let at = v["destroyed_at"].as_str().unwrap();
        sqlx::query(add)
            .bind(format!("later-{n}"))
            .bind(&destruction)
            .bind(&ro)
            .bind(format!("{number}/{n}"))
            .bind(at)
            .execute(t.station.pool())
            .await
            .unwrap();
    }
    let v = t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await;
    let places: Vec<(i64, String)> =
        v["documents"].as_array().unwrap().iter().map(|d| (d["seq"].as_i64().unwrap(), d["authorization_id"].as_str().unwrap().to_string())).collect();
    assert_eq!(places.iter().map(|p| p.0).collect::<Vec<_>>(), (1..=11).collect::<Vec<i64>>(), "{places:?}");
    assert_eq!(places[9].1, "later-10", "the tenth is the one numbered /10");

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
    for (key, value) in [("retention.repair_order_days", "1095"), ("retention.photo_days", "3"), ("retention.complaint_days", "3650")] {
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
    assert_eq!(
        days,
        [
            ("repair_order".into(), 1095, true),
            ("photos".into(), 730, false),
            ("customer_without_order".into(), 365, false),
            ("complaint".into(), 3650, true),
            ("follow_up".into(), 730, false),
            ("service_request".into(), 730, false)
        ]
    );
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
    let (due, listed) = due_now(&t).await;
    let follow_up: String = sqlx::query_scalar("SELECT id FROM follow_ups WHERE ro_id = ?").bind(&ro).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(listed, pairs(&[("photos", &ro), ("follow_up", &follow_up)]), "the photos, and the follow-up call on its own two years: {due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": [{"kind": "photos", "subject_id": ro}]})).await;
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

/// What is due now, as (kind, subject) pairs sorted, to compare whatever the list's order.
async fn due_now(t: &TestStation) -> (Value, Vec<(String, String)>) {
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let mut pairs: Vec<(String, String)> =
        due["items"].as_array().unwrap().iter().map(|i| (i["kind"].as_str().unwrap().to_string(), i["subject_id"].as_str().unwrap().to_string())).collect();
    pairs.sort();
    (due, pairs)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list.iter().map(|(k, s)| (k.to_string(), s.to_string())).collect();
    v.sort();
    v
}

/// Rows of the after-sales tables (and what was sent for them) that still hold any of `words`.
async fn words_left(t: &TestStation, words: &[&str]) -> Vec<String> {
    let mut left = Vec::new();
    for (what, sql) in [
        ("complaint", "SELECT description || contact_name || contact_phone || cause || corrective_action || solution FROM complaints"),
        ("complaint event", "SELECT text || data FROM complaint_events"),
        ("compensation", "SELECT description FROM complaint_compensations"),
        ("follow-up event", "SELECT note FROM follow_up_events"),
        ("survey", "SELECT comment FROM surveys"),
        ("service request", "SELECT request || contact_name || contact_phone FROM service_requests"),
        ("service request event", "SELECT text FROM service_request_events"),
        ("audit", "SELECT COALESCE(before, '') || COALESCE(after, '') FROM audit_log WHERE entity IN ('complaint', 'follow_up', 'service_request')"),
        (
            "sent",
            "SELECT o.payload FROM outbox o WHERE o.entity IN ('complaint', 'service_request', 'customer')
               AND o.seq = (SELECT MAX(seq) FROM outbox p WHERE p.entity = o.entity AND p.entity_id = o.entity_id)",
        ),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(t.station.pool()).await.unwrap();
        for row in rows {
            if let Some(w) = words.iter().find(|w| row.contains(**w)) {
                left.push(format!("{what} still says {w}: {row}"));
            }
        }
    }
    left
}

#[tokio::test]
async fn complaints_follow_up_calls_and_service_requests_lose_their_words_on_their_own_schedules_and_the_kpis_stay_the_same() {
    use common::aftersales::{complaint_input, survey, Ticket};
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    // A delivered order whose follow-up call reached the customer, with a note and a survey comment.
    let (f, page) = Flow::delivered(&t, &crew).await;
    let ro = f.ro.clone();
    let follow_up = page["follow_up"]["id"].as_str().unwrap().to_string();
    t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(4), "note": "王芳说孩子在车上"})).await.unwrap();
    // A complaint about it, with findings, a voucher and the callback that closes it.
    let mut input = complaint_input(&crew.customer, "qual.repair.repeat", "normal");
    input["ro_id"] = json!(ro);
    input["description"] = json!("王芳投诉异响没修好");
    let mut c = Ticket::open(&t, &crew.advisor, input).await;
    let complaint = c.id();
    c.step(&crew.advisor, json!({"kind": "compensate", "compensation": "voucher", "description": "送王芳保养券", "value": 10_000})).await;
    c.resolve_accepted(&crew.advisor).await;
    c.step(&crew.advisor, json!({"kind": "callback", "reached": true, "text": "王芳确认已解决"})).await;
    assert_eq!(c.status(), "closed");
    // A service request answered and closed.
    let req = t.ok(&crew.advisor, "open_service_request", json!({"channel": "phone", "request": "王芳想下周二来保养", "customer_id": crew.customer})).await;
    let request = req["request"]["id"].as_str().unwrap().to_string();
    let step = |page: &Value, step: Value| json!({"request_id": page["request"]["id"], "expected_version": page["request"]["version"], "step": step});
    let req = t.ok(&crew.advisor, "service_request_step", step(&req, json!({"kind": "answer", "mode": "call", "text": "已约王芳周二上午"}))).await;
    t.ok(&crew.advisor, "service_request_step", step(&req, json!({"kind": "close", "text": "王芳改约别家"}))).await;
    let words = ["王芳说孩子", "师傅很专业", "王芳投诉", "送王芳", "机脚胶", "免费更换", "王芳确认", "王芳想", "已约王芳", "王芳改约", "13812345678"];
    let there = words_left(&t, &words).await;
    assert!(["孩子", "王芳投诉", "王芳想"].iter().all(|w| there.iter().any(|l| l.contains(w))), "the words are there before: {there:#?}");
    let scores = "SELECT overall || quality || timeliness || attitude || price FROM surveys";
    let scored: String = sqlx::query_scalar(scores).fetch_one(t.station.pool()).await.unwrap();

    // Two years and two days later: the call and the request are due, the complaint and the order are not.
    t.set_now(morning() + Duration::days(2 * 365 + 2));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("follow_up", &follow_up), ("service_request", &request)]), "{due}");
    let policy = t.ok(&t.manager, "retention_policy", json!({})).await;
    let days: Vec<(String, i64)> =
        policy["periods"].as_array().unwrap().iter().map(|p| (p["kind"].as_str().unwrap().to_string(), p["days"].as_i64().unwrap())).collect();
    assert!(
        days.contains(&("complaint".into(), 1825)) && days.contains(&("follow_up".into(), 730)) && days.contains(&("service_request".into(), 730)),
        "{days:?}"
    );
    let before = kpis(&t).await;
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(kpis(&t).await, before, "the KPIs are the same after the call and the request lost their words");
    let left = words_left(&t, &words).await;
    assert!(left.iter().all(|l| !l.contains("孩子") && !l.contains("专业") && !l.contains("王芳想") && !l.contains("王芳改约")), "{left:#?}");
    assert!(left.iter().any(|l| l.contains("王芳投诉")), "the complaint is kept until its own period: {left:#?}");
    assert_eq!(sqlx::query_scalar::<_, String>(scores).fetch_one(t.station.pool()).await.unwrap(), scored, "the scores stay (CSI)");
    let page = t.ok(&t.manager, "get_service_request", json!({"id": request})).await;
    assert_eq!((page["request"]["status"].as_str(), page["request"]["request"].as_str()), (Some("closed"), Some("")));
    assert!(page["request"]["closed_at"].is_string() && page["request"]["answered_at"].is_string(), "the times stay: {}", page["request"]);
    assert!(page["destroyed_at"].is_string(), "the page says its words were destroyed");
    let call = t.ok(&t.manager, "get_follow_up", json!({"id": follow_up})).await;
    assert!(call["destroyed_at"].is_string() && call["survey"]["comment"] == "", "{call}");
    assert_eq!(t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "王芳", "the order keeps the customer");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND action = 'destroy'", &request).await, 1, "audited");
    let sent: String = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE entity = 'destruction' AND entity_id = (SELECT id FROM retention_destructions WHERE subject_id = ?)",
    )
    .bind(&follow_up)
    .fetch_one(t.station.pool())
    .await
    .unwrap();
    let sent: Value = serde_json::from_str(&sent).unwrap();
    let patched: Vec<&str> = sent["patch"].as_array().unwrap().iter().map(|p| p["entity"].as_str().unwrap()).collect();
    assert!(patched.contains(&"follow_up_event") && patched.contains(&"survey"), "the head office is told which copies to blank: {sent}");
    // Only a destruction writes the append-only history.
    for sql in [
        "UPDATE complaint_events SET text = 'x'",
        "UPDATE complaint_compensations SET description = 'x'",
        "UPDATE surveys SET comment = 'x'",
        "UPDATE follow_up_events SET note = 'x'",
        "UPDATE service_request_events SET text = 'x'",
    ] {
        let e = sqlx::query(sql).execute(t.station.pool()).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }

    // Five years and two days: the order and the complaint; nothing of the customer is kept any more.
    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("complaint", &complaint), ("repair_order", &ro)]), "the destroyed call is not listed again: {due}");
    let before = kpis(&t).await;
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(kpis(&t).await, before, "the complaint KPIs are the same after the complaint lost its words");
    assert_eq!(words_left(&t, &words).await, Vec::<String>::new());
    let c = t.ok(&t.manager, "get_complaint", json!({"id": complaint})).await;
    assert_eq!((c["complaint"]["status"].as_str(), c["complaint"]["description"].as_str()), (Some("closed"), Some("")));
    assert_eq!(c["compensations"][0]["value"], json!(10_000), "the amount stays");
    assert!(c["clocks"].as_array().unwrap().iter().all(|k| k["reading"]["state"] == "stopped"), "the clocks stay: {}", c["clocks"]);
    assert!(c["destroyed_at"].is_string() && c["actions"] == json!([]), "the page says so and offers nothing: {}", c["actions"]);
    let reopen = json!({"complaint_id": complaint, "expected_version": c["complaint"]["version"], "step": {"kind": "reopen", "text": "客户又来电"}});
    let e = t.call(&t.manager, "complaint_step", reopen).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("complaint.destroyed", Some("complaint_id")), "a destroyed complaint is not reopened");
    let customer = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(customer["customer"]["destroyed"], true, "the last kept thing of the customer is gone, so is the customer");
    assert_eq!(t.ok(&t.manager, "retention_due", json!({})).await["items"], json!([]));
}

#[tokio::test]
async fn a_customer_kept_only_by_a_complaint_and_a_request_is_anonymised_once_both_are_destroyed_and_an_open_one_is_never_due() {
    use common::aftersales::{complaint_input, Ticket};
    let mut t = TestStation::new().await;
    let (id, _) = t.customer_with_vehicle(&t.manager, "孙丽", "13900001111", "沪C11111", common::VIN_A).await;
    let mut c = Ticket::open(&t, &t.manager, complaint_input(&id, "svc.attitude.slow", "normal")).await;
    let complaint = c.id();
    c.resolve_accepted(&t.manager).await;
    c.step(&t.manager, json!({"kind": "callback", "reached": true, "text": "孙丽满意"})).await;
    let req = t.ok(&t.manager, "open_service_request", json!({"channel": "phone", "request": "孙丽想换轮胎", "customer_id": id})).await;
    let request = req["request"]["id"].as_str().unwrap().to_string();

    // Six years on the request is still open: never due, and it keeps the customer.
    t.set_now(morning() + Duration::days(6 * 365));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("complaint", &complaint)]), "{due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    let kept = t.ok(&t.manager, "get_customer", json!({"id": id})).await;
    assert_eq!((kept["customer"]["name"].as_str(), &kept["customer"]["destroyed"]), (Some("孙丽"), &json!(false)), "the open request keeps them");
    let page = t.ok(&t.manager, "get_service_request", json!({"id": request})).await;
    let close = json!({"request_id": request, "expected_version": page["request"]["version"], "step": {"kind": "close", "text": "不需要了"}});
    t.ok(&t.manager, "service_request_step", close).await;

    // Two years after it closed, the request goes, and the customer with it.
    t.set_now(morning() + Duration::days(8 * 365 + 2));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("service_request", &request)]), "a customer with a kept request is not listed on their own: {due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    let gone = t.ok(&t.manager, "get_customer", json!({"id": id})).await["customer"].clone();
    assert_eq!((gone["name"].as_str(), &gone["phones"], &gone["destroyed"]), (Some("已销毁"), &json!([]), &json!(true)));
    assert_eq!(t.ok(&t.manager, "search", json!({"q": "13900001111"})).await["hits"], json!([]));
    assert_eq!(t.ok(&t.manager, "retention_due", json!({})).await["items"], json!([]), "nothing of theirs is listed again");
}

#[tokio::test]
async fn a_car_nothing_kept_names_goes_with_its_last_owner_keeping_make_model_year_and_energy_unless_another_stations_visit_names_it() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, ..) = closed_signed_order(&t, &crew, 70).await;
    let car = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["vehicles"][0].clone();
    assert_eq!((car["vin"].as_str(), car["plate"].as_str(), &car["destroyed"]), (Some(common::VIN_A), Some("沪A12345"), &json!(false)));
    // Another customer's car was seen at another station: its visit is in the pulled history.
    let (other, other_car) = t.customer_with_vehicle(&t.manager, "孙丽", "13900001111", "沪C11111", common::VIN_B).await;
    sqlx::query(
        "INSERT INTO ho_vehicle_history (ro_id, vehicle_id, station_code, station_name, number, status, checked_in_at, odometer_km, summary, payload)
         VALUES ('elsewhere', ?, 'SH09', '九号店', 'SH09-20261001-001', 'delivered', '2026-10-01T00:00:00.000Z', 9000, '保养', '{}')",
    )
    .bind(&other_car)
    .execute(t.station.pool())
    .await
    .unwrap();

    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let before = kpis(&t).await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("repair_order", &ro), ("customer_without_order", &other)]), "{due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(kpis(&t).await, before, "the KPIs are the same");

    let page = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await;
    let gone = &page["vehicles"][0];
    assert_eq!((&gone["vin"], &gone["plate"], &gone["plate_history"], gone["color"].as_str()), (&Value::Null, &Value::Null, &json!([]), Some("")));
    assert_eq!(gone["destroyed"], true, "the view says so, for screens to word it in their language");
    assert!(gone["destroyed_at"].is_string());
    for kept in ["make", "model", "model_year", "energy"] {
        assert_eq!(gone[kept], car[kept], "{kept} stays for the fleet figures");
    }
    for q in ["沪A12345", common::VIN_A] {
        assert_eq!(t.ok(&t.manager, "search", json!({"q": q})).await["hits"], json!([]), "{q} finds nothing");
    }
    let order = t.ok(&t.manager, "get_order_detail", json!({"id": ro})).await;
    assert_eq!(order["order"]["status"], "closed", "the order still reads");
    assert_eq!(
        (&order["order"]["vehicle"]["destroyed"], &page["orders"][0]["vehicle_destroyed"]),
        (&json!(true), &json!(true)),
        "the order and the service history say so"
    );
    let fields = json!({"vin": common::VIN_A, "plate": "沪A12345", "make": "Toyota", "model": "Camry"});
    let e = t.call(&t.manager, "update_vehicle", json!({"id": crew.vehicle, "fields": fields})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("vehicle.destroyed", Some("id")), "a destroyed car is not filled in again");
    let sent: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'vehicle' AND entity_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(&crew.vehicle)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    assert!(!sent.contains(common::VIN_A) && !sent.contains("沪A12345"), "the state sent to the head office: {sent}");
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM outbox WHERE entity = 'destruction' AND payload LIKE '%\"vehicles\":[\"' || ? || '\"]%'", &crew.vehicle).await,
        1
    );

    // The car another station's history names keeps its identity, though its owner is anonymised.
    let kept = t.ok(&t.manager, "get_customer", json!({"id": other})).await;
    assert_eq!(kept["customer"]["destroyed"], true);
    assert_eq!((kept["vehicles"][0]["plate"].as_str(), &kept["vehicles"][0]["destroyed"]), (Some("沪C11111"), &json!(false)));
}

#[tokio::test]
async fn a_car_kept_for_an_order_after_its_current_owner_was_destroyed_goes_with_that_order() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, ..) = closed_signed_order(&t, &crew, 80).await;
    // Another station merged the order's customer into 孙丽, who now owns the car;
    // the pull leaves this station's order in the merged customer's name.
    let (owner, own_car) = t.customer_with_vehicle(&t.manager, "孙丽", "13900001111", "沪C11111", common::VIN_B).await;
    sqlx::query("UPDATE vehicles SET customer_id = ? WHERE id = ?").bind(&owner).bind(&crew.vehicle).execute(t.station.pool()).await.unwrap();
    sqlx::query("UPDATE customers SET merged_into = ? WHERE id = ?").bind(&owner).bind(&crew.customer).execute(t.station.pool()).await.unwrap();
    let car = |t: &TestStation| {
        let id = crew.vehicle.clone();
        let pool = t.station.pool().clone();
        async move {
            let plate: (Option<String>, Option<String>) =
                sqlx::query_as("SELECT plate, destroyed_at FROM vehicles WHERE id = ?").bind(&id).fetch_one(&pool).await.unwrap();
            (plate.0, plate.1.is_some())
        }
    };

    // A year on, the new owner never ordered anything here: they go, with their own
    // car, but the car the order names stays as it is.
    t.set_now(morning() + Duration::days(366));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("customer_without_order", &owner)]), "{due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(count(&t, "SELECT COUNT(*) FROM vehicles WHERE id = ? AND destroyed_at IS NOT NULL", &own_car).await, 1);
    assert_eq!(car(&t).await, (Some("沪A12345".to_string()), false), "the order still names it");

    // When the order goes, nothing kept here names the car: it goes with it.
    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let (due, listed) = due_now(&t).await;
    assert_eq!(listed, pairs(&[("repair_order", &ro)]), "{due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;
    assert_eq!(car(&t).await, (None, true));
    assert_eq!(t.ok(&t.manager, "search", json!({"q": "沪A12345"})).await["hits"], json!([]));
    let sent: String =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'destruction' ORDER BY seq DESC LIMIT 1").fetch_one(t.station.pool()).await.unwrap();
    let sent: Value = serde_json::from_str(&sent).unwrap();
    assert_eq!((&sent["subject_id"], &sent["vehicles"]), (&json!(ro), &json!([crew.vehicle])), "the order's destruction tells the head office");
}

#[tokio::test]
async fn lists_that_name_a_destroyed_customer_flag_it_so_screens_word_it_instead_of_showing_the_placeholder() {
    let mut t = TestStation::new().await;
    let crew = t.crew().await;
    let (ro, ..) = closed_signed_order(&t, &crew, 80).await;
    let follow_up: String = sqlx::query_scalar("SELECT id FROM follow_ups WHERE ro_id = ?").bind(&ro).fetch_one(t.station.pool()).await.unwrap();
    t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await;
    let drill = json!({"from": "2026-11-01", "to": "2026-11-30", "code": "repeat_rate"});
    let row = |r: &Value| r["rows"].as_array().unwrap().iter().find(|x| x["id"] == json!(ro)).cloned().unwrap_or_else(|| panic!("no row of the order: {r}"));
    assert_eq!(row(&t.ok(&t.manager, "kpi_orders", drill.clone()).await)["customer_destroyed"], false);

    t.set_now(morning() + Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": due_refs(&due)})).await;

    let kpi = row(&t.ok(&t.manager, "kpi_orders", drill).await);
    assert_eq!((kpi["customer_name"].as_str(), &kpi["customer_destroyed"]), (Some("已销毁"), &json!(true)), "the KPI drill-down row");
    let call = t.ok(&t.manager, "get_follow_up", json!({"id": follow_up})).await;
    assert_eq!(call["follow_up"]["customer_destroyed"], true, "the follow-up");
    let register = t.ok(&t.manager, "list_access_register", json!({"customer_id": crew.customer})).await;
    let entries = register["entries"].as_array().unwrap();
    assert!(!entries.is_empty() && entries.iter().all(|e| e["customer_destroyed"] == true), "the access register: {register}");

    // A customer destroyed at another station reaches this one by the pull while a car of theirs is in the workshop here.
    let (other, car) = t.customer_with_vehicle(&t.manager, "孙丽", "13900001111", "沪C11111", common::VIN_B).await;
    t.ok(&t.manager, "check_in", check_in_input(&other, &car, 30_000)).await;
    let open = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久", "customer_id": other});
    let complaint = t.ok(&t.manager, "open_complaint", open).await["complaint"]["id"].as_str().unwrap().to_string();
    let card = |b: &Value| b["cards"].as_array().unwrap().iter().find(|c| c["customer_name"] == "孙丽" || c["customer_name"] == "已销毁").cloned().unwrap();
    assert_eq!(card(&t.ok(&t.manager, "board", json!({})).await)["customer_destroyed"], false);
    sqlx::query("UPDATE customers SET name = '已销毁', destroyed_at = '2031-11-01T00:00:00.000Z' WHERE id = ?")
        .bind(&other)
        .execute(t.station.pool())
        .await
        .unwrap();
    assert_eq!(card(&t.ok(&t.manager, "board", json!({})).await)["customer_destroyed"], true, "the board card");
    assert_eq!(t.ok(&t.manager, "get_complaint", json!({"id": complaint})).await["customer_destroyed"], true, "the complaint page");
}
