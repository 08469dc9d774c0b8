//! A customer's personal data (issue 12), the consent/rights/backups slice:
//! consent recorded with its text version and an append-only history, and
//! honoured for contact; the export (right of access) as a ZIP; encrypted
//! backups, their rotation and `restore_backup`.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Cursor, Read};

use base64::Engine;
use chrono::Duration;
use common::flow::Flow;
use common::TestStation;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn fields(name: &str, marketing: bool, data: bool, follow_up: bool) -> Value {
    json!({"name": name, "phones": ["13812345678"], "language": "zh-CN", "consent_marketing": marketing, "consent_data": data, "consent_follow_up": follow_up})
}

fn rule<'a>(detail: &'a Value, purpose: &str) -> &'a Value {
    detail["contact"].as_array().unwrap().iter().find(|r| r["purpose"] == purpose).unwrap_or_else(|| panic!("no rule for {purpose}"))
}

fn current_version(detail: &Value, kind: &str) -> String {
    let state = detail["consents"].as_array().unwrap().iter().find(|c| c["kind"] == kind).unwrap();
    state["current"]["version"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn consent_is_recorded_with_the_text_version_and_every_giving_and_withdrawal_stays_in_an_append_only_history() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let created = t.ok(&advisor, "create_customer", fields("王芳", true, true, true)).await;
    let id = created["id"].as_str().unwrap().to_string();
    let detail = t.ok(&advisor, "get_customer", json!({"id": id})).await;
    let (data_v, marketing_v) = (current_version(&detail, "data"), current_version(&detail, "marketing"));
    assert_eq!(created["consent_data_version"], json!(data_v));
    assert_eq!(created["consent_marketing_version"], json!(marketing_v));
    assert_eq!(created["consent_marketing_at"], json!("2026-11-22T02:00:00Z"));
    let current = detail["consents"].as_array().unwrap().iter().find(|c| c["kind"] == "marketing").unwrap()["current"].clone();
    assert!(current["zh_cn"].as_str().unwrap().contains("随时撤回") && current["en"].as_str().unwrap().contains("withdraw"), "{current}");

    t.advance(Duration::hours(2));
    let withdrawn = t.ok(&advisor, "update_customer", json!({"id": id, "fields": fields("王芳", false, true, false)})).await;
    assert_eq!((withdrawn["consent_marketing"].clone(), withdrawn["consent_marketing_version"].clone()), (json!(false), Value::Null));
    assert_eq!(withdrawn["consent_data_version"], json!(data_v), "an untouched consent keeps the version it was given to");

    let detail = t.ok(&advisor, "get_customer", json!({"id": id})).await;
    let history: Vec<(String, bool, Value, String)> = detail["consent_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().to_string(), h["given"].as_bool().unwrap(), h["text_version"].clone(), h["at"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        history,
        vec![
            ("data".into(), true, json!(data_v), "2026-11-22T02:00:00.000Z".into()),
            ("marketing".into(), true, json!(marketing_v), "2026-11-22T02:00:00.000Z".into()),
            ("marketing".into(), false, json!(marketing_v), "2026-11-22T04:00:00.000Z".into()),
            ("follow_up".into(), false, json!("follow_up.1"), "2026-11-22T04:00:00.000Z".into()),
        ]
    );
    assert!(detail["consent_history"].as_array().unwrap().iter().all(|h| h["staff_name"] == "李顾问" && h["source"] == "station"));

    let refuses = t.ok(&advisor, "create_customer", json!({"name": "赵强", "phones": ["13900001111"], "language": "zh-CN", "consent_follow_up": false})).await;
    let refusal = t.ok(&advisor, "get_customer", json!({"id": refuses["id"]})).await;
    let lines: Vec<(Value, Value)> = refusal["consent_history"].as_array().unwrap().iter().map(|h| (h["kind"].clone(), h["given"].clone())).collect();
    assert_eq!(lines, vec![(json!("follow_up"), json!(false))], "refusing follow-up calls at the desk is recorded; nothing else was given");

    let edit = sqlx::query("UPDATE consent_history SET given = 1").execute(t.station.pool()).await;
    let delete = sqlx::query("DELETE FROM consent_history").execute(t.station.pool()).await;
    assert!(edit.unwrap_err().to_string().contains("append-only") && delete.unwrap_err().to_string().contains("append-only"));
    // The withdrawal goes to the head office with the customer.
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'customer' AND entity_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(&id)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!((payload["consent_marketing"].clone(), payload["consent_marketing_version"].clone()), (json!(false), Value::Null));
}

#[tokio::test]
async fn without_marketing_consent_only_service_contact_is_allowed_and_it_is_marked_service_necessary() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let id = t.ok(&advisor, "create_customer", fields("王芳", false, false, true)).await["id"].clone();
    let detail = t.ok(&advisor, "get_customer", json!({"id": id})).await;
    for purpose in ["marketing", "maintenance_reminder"] {
        let r = rule(&detail, purpose);
        assert_eq!((r["allowed"].clone(), r["service_necessary"].clone(), r["needs"].clone()), (json!(false), json!(false), json!("marketing")), "{purpose}");
    }
    for purpose in ["completion_notice", "complaint_callback", "service_request_answer", "recall_notice"] {
        let r = rule(&detail, purpose);
        assert_eq!((r["allowed"].clone(), r["service_necessary"].clone(), r["needs"].clone()), (json!(true), json!(true), Value::Null), "{purpose}");
    }
    assert_eq!(rule(&detail, "follow_up_survey")["allowed"], json!(true));

    t.ok(&advisor, "update_customer", json!({"id": id, "fields": fields("王芳", true, false, true)})).await;
    let detail = t.ok(&advisor, "get_customer", json!({"id": id})).await;
    assert_eq!(rule(&detail, "marketing")["allowed"], json!(true), "given: marketing may call");
}

#[tokio::test]
async fn a_customer_who_withdraws_follow_up_calls_after_delivery_is_not_called_and_the_order_closes() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "delivered").await;
    let id = f.page["follow_up_id"].clone();
    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 1, "the call is on today's list");
    let task = t.ok(&crew.advisor, "get_follow_up", json!({"id": id})).await;

    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields("王芳", false, false, false)})).await;
    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 0, "no call to make");
    assert_eq!(list["not_called"][0]["reason"], json!("no_consent"), "the list says why");
    let after = t.ok(&crew.advisor, "get_follow_up", json!({"id": id})).await;
    assert_eq!(after["follow_up"]["status"], json!("no_consent"));
    let survey = json!({"overall": 5, "quality": 5, "timeliness": 5, "attitude": 5, "price": 4, "comment": ""});
    let call = json!({"follow_up_id": id, "expected_version": after["follow_up"]["version"], "outcome": "reached", "survey": survey, "note": ""});
    assert_eq!(t.call(&crew.advisor, "record_call", call).await.unwrap_err().code, "follow_up.ended");
    assert_ne!(task["follow_up"]["version"], after["follow_up"]["version"]);
    f.reload().await;
    assert_eq!(f.status(), "closed", "nothing else would close the order");
}

// ---------------------------------------------------------------- export

/// A 1×1 PNG standing in for a check-in photo.
const PHOTO: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn signature_png_data_url() -> String {
    let mut img = image::RgbaImage::new(60, 20);
    for x in 5..55 {
        img.put_pixel(x, 10 + (x % 4), image::Rgba([20, 30, 70, 255]));
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(out))
}

fn on_screen(signer: &str, png_sha: &str) -> Value {
    let strokes = json!([{"penColor": "black", "points": [{"x": 10, "y": 20, "time": 1_700_000_000_000_i64, "pressure": 0.5}, {"x": 30, "y": 25, "time": 1_700_000_000_016_i64, "pressure": 0.5}]}]);
    json!({"method": "on_screen", "signer_name": signer, "strokes": strokes, "png_sha256": png_sha})
}

struct Unzipped {
    names: Vec<String>,
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
}

impl Unzipped {
    fn of(export: &Value) -> Unzipped {
        let url = export["data_url"].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD.decode(url.strip_prefix("data:application/zip;base64,").expect("a ZIP data URL")).unwrap();
        assert_eq!(format!("{:x}", Sha256::digest(&bytes)), export["sha256"].as_str().unwrap());
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        Unzipped { names, zip }
    }
    fn bytes(&mut self, name: &str) -> Vec<u8> {
        let mut f = self.zip.by_name(name).unwrap_or_else(|_| panic!("{name} is not in the export: {:?}", self.names));
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated, "{name}");
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        out
    }
    fn json(&mut self, name: &str) -> Value {
        serde_json::from_slice(&self.bytes(name)).unwrap()
    }
    fn named(&self, prefix: &str) -> Vec<String> {
        self.names.iter().filter(|n| n.starts_with(prefix)).cloned().collect()
    }
}

#[tokio::test]
async fn the_export_holds_the_customer_vehicles_orders_documents_complaints_scores_and_consents_and_is_audit_logged() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields("王芳", true, true, true)})).await;
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields("王芳", false, true, true)})).await;
    // An order with a check-in photo that is signed, printed, delivered and followed up with a score of 5.
    let photo = t.ok(&crew.advisor, "upload_photo", json!({"data": PHOTO})).await["sha256"].as_str().unwrap().to_string();
    let mut input = common::check_in_input(&crew.customer, &crew.vehicle, 10_000);
    input["concerns"] = json!([{"text": "常规保养"}, {"text": "刹车异响"}]);
    input["photos"] = json!([{"sha256": photo, "caption": "左前门划痕"}]);
    let ro = t.ok(&crew.advisor, "check_in", input).await["id"].as_str().unwrap().to_string();
    let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
    let mut f = Flow { t: &t, crew: &crew, ro, page };
    f.move_to(&crew.tech, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    let png = t.ok(&crew.advisor, "upload_photo", json!({"data": signature_png_data_url()})).await["sha256"].as_str().unwrap().to_string();
    let jobs: Vec<Value> = f.page["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect();
    let amount = f.page["totals"]["estimate"]["total"].clone();
    let advisor = crew.advisor.clone();
    f.step(
        &advisor,
        "record_authorization",
        json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount,
               "customer_signature": on_screen("王芳", &png), "advisor_signature": on_screen("", &png)}),
    )
    .await;
    let auth = f.page["authorizations"][0]["id"].clone();
    let printed = t.ok(&crew.advisor, "print_document", json!({"ro_id": f.ro, "authorization_id": auth})).await;
    f.drive_to("delivered").await;
    f.follow_up_reached(&crew.advisor).await;
    let complaint = t
        .ok(&crew.advisor, "open_complaint", json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.rude", "description": "前台态度差", "customer_id": crew.customer, "ro_id": f.ro}))
        .await;
    // Another customer's order, which must stay out.
    let (other, other_vehicle) = t.customer_with_vehicle(&crew.advisor, "赵强", "13900001111", "沪B99999", common::VIN_B).await;
    t.ok(&crew.advisor, "check_in", common::check_in_input(&other, &other_vehicle, 5_000)).await;

    let err = t.call(&crew.advisor, "export_customer", json!({"customer_id": crew.customer})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden", "an advisor may not export");
    let detail = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(detail["can_export"], json!(false));
    assert_eq!(t.ok(&crew.manager, "get_customer", json!({"id": crew.customer})).await["can_export"], json!(true));

    let export = t.ok(&crew.manager, "export_customer", json!({"customer_id": crew.customer})).await;
    let number = detail["customer"]["customer_no"].as_str().unwrap();
    assert_eq!(export["file_name"], json!(format!("customer-{number}-20261122.zip")));
    let mut z = Unzipped::of(&export);
    for part in [
        "customer.json",
        "vehicles.json",
        "orders.json",
        "documents.json",
        "complaints.json",
        "follow_ups.json",
        "service_requests.json",
        "consents.json",
        "access_register.json",
        "manifest.json",
    ] {
        assert!(z.names.contains(&part.to_string()), "{part} missing from {:?}", z.names);
    }
    let customer = z.json("customer.json");
    assert_eq!((customer["name"].clone(), customer["phones"].clone()), (json!("王芳"), json!(["13812345678"])));

    let vehicles = z.json("vehicles.json");
    assert_eq!(vehicles["vehicles"].as_array().unwrap().len(), 1);
    assert_eq!(vehicles["vehicles"][0]["vin"], json!(common::VIN_A));
    assert_eq!(vehicles["plates"][0]["plate"], json!("沪A12345"));

    let orders = z.json("orders.json");
    let orders = orders.as_array().unwrap();
    assert_eq!(orders.len(), 1, "only this customer's order");
    assert_eq!(orders[0]["order"]["id"], json!(f.ro));
    assert_eq!(orders[0]["order"]["status"], json!("closed"));
    assert_eq!(orders[0]["jobs"][0]["lines"][0]["kind"], json!("labor"), "jobs carry their lines");
    assert_eq!(orders[0]["concerns"].as_array().unwrap().len(), 2);
    assert_eq!(orders[0]["signatures"].as_array().unwrap().len(), 2);
    assert!(orders[0]["authorizations"].as_array().unwrap().iter().any(|a| a["id"] == auth), "the signed intake");

    let documents = z.json("documents.json");
    assert_eq!(documents.as_array().unwrap().len(), 1);
    let pdf_name = documents[0]["file"].as_str().unwrap().to_string();
    let pdf = z.bytes(&pdf_name);
    assert!(pdf.starts_with(b"%PDF"), "{pdf_name}");
    assert_eq!(format!("{:x}", Sha256::digest(&pdf)), printed["sha256"].as_str().unwrap(), "the archived PDF, byte for byte");
    assert_eq!(z.named("signatures/").len(), 2, "both signature images: {:?}", z.names);
    let photos = z.named("photos/");
    assert_eq!(photos.len(), 1, "the check-in photo: {:?}", z.names);
    assert_eq!(format!("{:x}", Sha256::digest(z.bytes(&photos[0]))), photo, "the photo, byte for byte");

    let complaints = z.json("complaints.json");
    assert_eq!(complaints["complaints"][0]["id"], complaint["complaint"]["id"]);
    assert_eq!(complaints["complaints"][0]["description"], json!("前台态度差"));
    assert!(!complaints["events"].as_array().unwrap().is_empty());

    let follow_ups = z.json("follow_ups.json");
    assert_eq!(follow_ups["surveys"][0]["overall"], json!(5));
    assert_eq!(follow_ups["follow_ups"][0]["status"], json!("reached"));

    let consents = z.json("consents.json");
    let kinds: Vec<(String, bool)> =
        consents["history"].as_array().unwrap().iter().map(|h| (h["kind"].as_str().unwrap().to_string(), h["given"].as_bool().unwrap())).collect();
    assert_eq!(kinds, vec![("data".into(), true), ("marketing".into(), true), ("marketing".into(), false)]);
    assert!(consents["current"].as_array().unwrap().iter().any(|c| c["kind"] == "data" && c["given"] == true));
    let agreed = consents["history"][1]["text_version"].clone();
    let words = consents["texts"].as_array().unwrap().iter().find(|x| x["version"] == agreed).expect("the text agreed to is in the export");
    assert!(words["zh_cn"].as_str().unwrap().contains("优惠"));

    let register = z.json("access_register.json");
    let opened: Vec<(&str, &str)> = register.as_array().unwrap().iter().map(|e| (e["staff_role"].as_str().unwrap(), e["kind"].as_str().unwrap())).collect();
    assert!(opened.contains(&("advisor", "customer")) && opened.contains(&("manager", "customer")), "who opened the customer: {opened:?}");
    assert!(register.as_array().unwrap().iter().all(|e| e["customer_id"] == json!(crew.customer)), "only this customer's openings");

    let manifest = z.json("manifest.json");
    assert_eq!((manifest["customer_no"].as_str(), manifest["exported_by"].as_str()), (Some(number), Some("王经理")));
    assert_eq!(manifest["missing_files"], json!([]));
    let everything: String = z.names.clone().into_iter().filter(|n| n.ends_with(".json")).map(|n| String::from_utf8(z.bytes(&n)).unwrap()).collect();
    assert!(!everything.contains("赵强") && !everything.contains("13900001111"), "nothing of another customer");

    let (action, entity_id, after): (String, String, String) =
        sqlx::query_as("SELECT action, entity_id, after FROM audit_log WHERE entity = 'customer' AND action = 'export'")
            .fetch_one(t.station.pool())
            .await
            .unwrap();
    assert_eq!((action.as_str(), entity_id.as_str()), ("export", crew.customer.as_str()));
    assert!(after.contains(export["sha256"].as_str().unwrap()));
    let err = t.call(&crew.manager, "export_customer", json!({"customer_id": "nobody"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("not_found", Some("customer_id")));
}

// ---------------------------------------------------------------- backups

async fn set_up_key(t: &TestStation) -> String {
    let key = t.ok(&t.manager, "set_backup_key", json!({})).await;
    assert!(key["recipient"].as_str().unwrap().starts_with("age1"));
    assert_eq!(key["status"]["configured"], json!(true));
    let secret = key["secret_key"].as_str().unwrap().to_string();
    assert!(secret.starts_with("AGE-SECRET-KEY-1"));
    secret
}

fn stored_files(dir: &std::path::Path) -> usize {
    walk(&dir.join("files")) + walk(&dir.join("thumbs"))
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum()
}

#[tokio::test]
async fn a_backup_brings_back_the_data_and_the_files_after_they_changed_and_a_wrong_key_fails_clearly() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    assert_eq!(t.call(&advisor, "set_backup_key", json!({})).await.unwrap_err().code, "auth.forbidden");
    let err = t.call(&t.manager, "run_backup_now", json!({})).await.unwrap_err();
    assert_eq!(err.code, "backup.no_key");
    let secret = set_up_key(&t).await;
    let id = t.ok(&advisor, "create_customer", fields("王芳", false, true, true)).await["id"].as_str().unwrap().to_string();
    let photo = t.ok(&advisor, "upload_photo", json!({"data": signature_png_data_url()})).await["sha256"].as_str().unwrap().to_string();
    let photo_path = t.dir.path().join("files").join(&photo[..2]).join(&photo);
    let status = t.ok(&t.manager, "run_backup_now", json!({})).await;
    let file = status["last_backup_file"].as_str().unwrap().to_string();
    assert_eq!(status["last_backup_at"], json!("2026-11-22T02:00:00.000Z"));
    assert_eq!(status["backups"].as_array().unwrap().len(), 1);
    assert_eq!(status["due"], json!(false), "today's backup is made");
    let backup = t.dir.path().join("backups").join(&file);
    let raw = std::fs::read(&backup).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1"), "an age file");
    assert!(!raw.windows(6).any(|w| w == "王芳".as_bytes()), "no customer data in the clear");

    // The data changes after the backup: a rename, a new customer, a lost file.
    t.ok(&advisor, "update_customer", json!({"id": id, "fields": fields("王芳芳", false, true, true)})).await;
    t.ok(&advisor, "create_customer", json!({"name": "赵强", "phones": ["13900001111"], "language": "zh-CN"})).await;
    std::fs::remove_file(&photo_path).unwrap();
    t.station.pool().close().await;

    // Another key: refused, and nothing is touched.
    let stranger = age::x25519::Identity::generate();
    let stranger = age::secrecy::ExposeSecret::expose_secret(&stranger.to_string()).to_string();
    let err = station::backup::restore_backup(t.dir.path(), &backup, &stranger, common::morning()).unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("backup.wrong_key", Some("key")));
    assert!(err.message.contains("another key"), "{}", err.message);
    let err = station::backup::restore_backup(t.dir.path(), &backup, "not a key", common::morning()).unwrap_err();
    assert_eq!(err.code, "backup.bad_key");
    assert!(!photo_path.exists(), "a failed restore changes nothing");

    let key_file = format!("# created: by StationDesk\n# public key: age1…\n{secret}\n");
    let report = station::backup::restore_backup(t.dir.path(), &backup, &key_file, common::morning() + Duration::hours(1)).unwrap();
    assert_eq!(report.files, stored_files(t.dir.path()));
    assert!(report.files >= 1);
    let aside = report.replaced_moved_to.unwrap();
    assert!(aside.join("station.sqlite").exists(), "the replaced database is kept aside");

    let reopened = common::open_at(t.dir.path(), t.clock.clone()).await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM customers ORDER BY name").fetch_all(reopened.pool()).await.unwrap();
    assert_eq!(names, vec!["王芳".to_string()], "the rename and the new customer are gone");
    assert!(photo_path.exists(), "the file is back");
    assert_eq!(format!("{:x}", Sha256::digest(std::fs::read(&photo_path).unwrap())), photo);
}

#[tokio::test]
async fn backups_run_once_per_station_day_on_its_clock_and_rotation_keeps_the_newest_n() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    assert!(station::backup::run_if_due(&t.station).await.unwrap().is_none(), "no key, no backup");
    // A manager's own key pair: the public half is pasted, the station never sees the secret.
    let identity = age::x25519::Identity::generate();
    let err = t.call(&t.manager, "set_backup_key", json!({"recipient": "age1nonsense"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("backup.bad_recipient", Some("recipient")));
    let key = t.ok(&t.manager, "set_backup_key", json!({"recipient": identity.to_public().to_string()})).await;
    assert_eq!(key["secret_key"], Value::Null);
    let err = t.call(&t.manager, "update_backup_settings", json!({"keep": 0})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("backup.keep_range", Some("keep")));
    assert_eq!(t.call(&advisor, "update_backup_settings", json!({"keep": 3})).await.unwrap_err().code, "auth.forbidden");
    t.ok(&t.manager, "update_backup_settings", json!({"keep": 3})).await;
    // The copy the migrations make is not a daily backup and rotation leaves it alone.
    let dir = t.dir.path().join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("station-v19-20261101T000000.sqlite"), b"pre-migration copy").unwrap();

    let first = station::backup::run_if_due(&t.station).await.unwrap().expect("the first backup is due");
    t.advance(Duration::hours(13)); // 23:00 in Shanghai: the same station day
    assert!(station::backup::run_if_due(&t.station).await.unwrap().is_none(), "one a day");
    let mut made = vec![first.name];
    for _ in 0..4 {
        t.advance(Duration::hours(2)); // past the station's midnight, then a day at a time
        made.push(station::backup::run_if_due(&t.station).await.unwrap().expect("a new day's backup").name);
        t.advance(Duration::hours(22));
    }
    let kept: Vec<String> = station::backup::list_backups(&dir).into_iter().map(|b| b.name).collect();
    made.reverse();
    assert_eq!(kept, made[..3].to_vec(), "the newest three");
    assert!(dir.join("station-v19-20261101T000000.sqlite").exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4, "no partial or plaintext file left behind");

    // The pasted key's secret half opens them.
    let mut decryptor =
        age::Decryptor::new(std::fs::File::open(dir.join(&kept[0])).unwrap()).unwrap().decrypt(std::iter::once(&identity as &dyn age::Identity)).unwrap();
    let mut plain = Vec::new();
    decryptor.read_to_end(&mut plain).unwrap();
    let zip = zip::ZipArchive::new(Cursor::new(plain)).unwrap();
    assert!(zip.file_names().any(|n| n.unwrap() == "station.sqlite"));
    let mut t = t;
    t.relogin_manager().await;
    let status = t.ok(&t.manager, "backup_status", json!({})).await;
    assert_eq!((status["keep"].clone(), status["backups"].as_array().unwrap().len()), (json!(3), 3));
}

#[tokio::test]
async fn the_station_makes_the_days_backup_by_itself_once_a_manager_sets_the_key() {
    // The background check every 100 ms instead of every 10 minutes; the sync worker idles (not enrolled).
    let dir = tempfile::tempdir().unwrap();
    let options = station::sync::WorkerOptions { backup_check: std::time::Duration::from_millis(100), ..Default::default() };
    let station = station::Station::open_with(dir.path(), std::sync::Arc::new(common::morning), options).await.unwrap();
    let setup = json!({"station_code": "SH01", "station_name": "浦东服务站", "manager_name": "王经理", "manager_pin": "1111", "utc_offset_minutes": 480});
    let manager = station.dispatch("first_run_setup", None, setup).await.unwrap()["token"].as_str().unwrap().to_string();
    let status = || async { station.dispatch("backup_status", Some(&manager), json!({})).await.unwrap() };

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(status().await["last_backup_file"], Value::Null, "no key, no backup");
    let identity = age::x25519::Identity::generate();
    station.dispatch("set_backup_key", Some(&manager), json!({"recipient": identity.to_public().to_string()})).await.unwrap();
    let mut made = Value::Null;
    for _ in 0..100 {
        made = status().await["last_backup_file"].clone();
        if !made.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let file = made.as_str().expect("the background check made the day's backup within 10 s");
    assert!(std::fs::read(dir.path().join("backups").join(file)).unwrap().starts_with(b"age-encryption.org/v1"));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(status().await["backups"].as_array().unwrap().len(), 1, "one a day, however often it checks");
}
