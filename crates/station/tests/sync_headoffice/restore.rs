//! A reinstalled station restores itself from the head office: the same
//! station code, a new installation (new data directory, new local station
//! id), a new enrollment code for the existing station (`docs/sync.md`,
//! "Restore and re-enrollment").

use super::*;
use common::flow::Flow;

/// By phone: a signature that needs no file.
fn by_phone() -> Value {
    json!({"method": "by_phone", "phone_approved_by": "王芳", "phone_at": "2026-11-22T03:00:00Z"})
}

/// A 1×1 PNG, as signature_pad's `toDataURL()` would send a (very small) one.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// On screen: signature_pad's strokes and the PNG uploaded before.
fn on_screen(signer: &str, png_sha: &str) -> Value {
    json!({"method": "on_screen", "signer_name": signer, "png_sha256": png_sha, "strokes": [{"penColor": "black", "points": [
        {"x": 10.5, "y": 20, "time": 1_700_000_000_000_i64, "pressure": 0.5},
        {"x": 30, "y": 25.25, "time": 1_700_000_000_016_i64, "pressure": 0.5}
    ]}]})
}

async fn upload(t: &TestStation, token: &str, data_url: &str) -> String {
    t.ok(token, "upload_photo", json!({"data": data_url})).await["sha256"].as_str().unwrap().to_string()
}

/// A small JPEG, a "photo" of the car.
fn jpeg_data_url() -> String {
    use base64::Engine;
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(out.get_ref()))
}

/// Every row of `table` as JSON without the columns in `skip`, sorted: what a
/// restore must reproduce. (Column names come from the schema, in a test.)
/// JSON columns (a QC result list, say) compare as JSON: the head office keeps
/// payloads as `jsonb`, which does not keep the order of an object's keys.
/// Signed content and strokes are text in the payload and compare byte for byte.
pub(super) async fn rows(t: &TestStation, table: &str, skip: &[&str]) -> Vec<Value> {
    let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(table).fetch_all(t.station.pool()).await.unwrap();
    assert!(!cols.is_empty(), "no table {table}");
    let pairs: Vec<String> = cols.iter().filter(|c| !skip.contains(&c.as_str())).map(|c| format!("'{c}', \"{c}\"")).collect();
    let sql = format!("SELECT json_object({}) FROM \"{table}\"", pairs.join(", "));
    let mut out: Vec<Value> =
        sqlx::query_scalar::<_, String>(&sql).fetch_all(t.station.pool()).await.unwrap().iter().map(|s| serde_json::from_str(s).unwrap()).collect();
    for row in &mut out {
        for (k, v) in row.as_object_mut().unwrap() {
            let json = v.as_str().filter(|s| s.starts_with('{') || s.starts_with('[')).and_then(|s| serde_json::from_str::<Value>(s).ok());
            if let (Some(json), false) = (json, ["content", "strokes"].contains(&k.as_str())) {
                *v = json;
            }
        }
    }
    out.sort_by_key(|v| v.to_string());
    out
}

/// The tables a restore brings back, with the columns that legitimately
/// differ: the local station id, generated child ids, and times the payload
/// does not carry.
const RESTORED_TABLES: &[(&str, &[&str])] = &[
    ("customers", &["station_id"]),
    ("customer_phones", &["id", "station_id", "created_at", "updated_at"]),
    ("vehicles", &["station_id"]),
    ("vehicle_plates", &["id", "station_id", "created_at", "updated_at"]),
    ("repair_orders", &["station_id"]),
    ("ro_concerns", &["station_id"]),
    ("ro_damage_marks", &["station_id"]),
    ("ro_jobs", &["station_id", "created_at"]),
    ("ro_lines", &["station_id", "created_at"]),
    ("ro_findings", &["station_id"]),
    ("ro_status_events", &["station_id"]),
    ("ro_authorizations", &["station_id"]),
    ("ro_signatures", &["station_id"]),
    ("ro_signed_lines", &[]),
    ("ro_inspections", &["station_id"]),
    ("ro_payments", &["station_id"]),
    ("time_clocks", &["station_id"]),
    ("odometer_readings", &["station_id"]),
    ("ro_photos", &["station_id"]),
    ("ro_documents", &["station_id"]),
    ("files", &["station_id", "created_at", "updated_at"]),
    ("parts", &["station_id", "created_at"]),
    ("labor_operations", &["station_id"]),
    ("audit_log", &["station_id"]),
];

/// Station SH01's working day: a crew, a part in stock, one order taken
/// through its whole life (a removed line, a part issued and half returned, a
/// finding, the clock, the intake signed on screen by the customer and the
/// advisor and printed, a supplemental authorization signed on paper, QC,
/// payment, delivery and an acceptance signed by phone) and one order still
/// open, checked in with a photo. Returns (the delivered order, the open order).
pub(super) async fn working_day(t: &TestStation, crew: &common::flow::Crew) -> (String, String) {
    t.ok(&crew.manager, "update_workflow_settings", json!({"tax_rate_bp": 900, "repeat_repair_days": 45})).await;
    t.ok(
        &crew.manager,
        "save_labor_operation",
        json!({"code": "BRK-01", "description": "更换前刹车片", "standard_hours_milli": 1200, "rate": 18_000, "active": true}),
    )
    .await;
    let part = t.part("W712/75", 4_500, 10_000).await;
    let png = upload(t, &crew.advisor, PNG).await;
    let photo = upload(t, &crew.advisor, &jpeg_data_url()).await;
    let mut f = Flow::in_status(t, crew, "diagnosing").await;
    let (job0, job1) = (f.job(0), f.job(1));
    f.labor(0, 1500, 20_000).await;
    f.step(&crew.advisor, "add_line", json!({"job_id": job1, "kind": "part", "part_id": part, "quantity_milli": 2000})).await;
    f.step(&crew.advisor, "add_line", json!({"job_id": job1, "kind": "sublet", "description": "洗车", "unit_price": 2_000})).await;
    let extra = f.page["jobs"][1]["lines"][1]["id"].as_str().unwrap().to_string();
    f.step(&crew.advisor, "remove_line", json!({"line_id": extra})).await;
    f.step(&crew.tech, "add_finding", json!({"job_id": job0, "text": "刹车片磨损到限"})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    let jobs = json!([job0, job1]);
    let amount = f.page["totals"]["estimate"]["total"].clone();
    f.step(
        &crew.advisor,
        "record_authorization",
        json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount,
               "customer_signature": on_screen("王芳", &png), "advisor_signature": on_screen("", &png)}),
    )
    .await;
    let intake = f.page["authorizations"][0]["id"].clone();
    t.ok(&crew.advisor, "print_document", json!({"ro_id": f.ro, "authorization_id": intake})).await;
    f.move_to(&crew.tech, "in_repair").await;
    let part_line = f.page["jobs"][1]["lines"][0]["id"].as_str().unwrap().to_string();
    f.step(&crew.tech, "issue_part", json!({"line_id": part_line, "quantity_milli": 2000})).await;
    f.step(&crew.tech, "return_part", json!({"line_id": part_line, "quantity_milli": 1000})).await;
    t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    t.ok(&crew.tech, "stop_clock", json!({})).await;
    f.reload().await;
    // More work on the approved job: covered by a supplemental authorization, the second document of the chain.
    f.labor(0, 1000, 10_000).await;
    let more = f.page["totals"]["approved"]["total"].as_i64().unwrap() - f.page["totals"]["authorized"].as_i64().unwrap();
    f.step(
        &crew.advisor,
        "record_authorization",
        json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [], "amount": more,
               "customer_signature": {"method": "on_paper", "paper_scan_sha256": photo}}),
    )
    .await;
    f.complete_all().await;
    f.move_to(&crew.tech, "quality_check").await;
    f.qc(&crew.qc, true).await.unwrap();
    let balance = f.page["totals"]["balance"].clone();
    f.step(
        &crew.advisor,
        "deliver",
        json!({"odometer_out_km": 10_012, "payments": [{"method": "wechat", "amount": balance}], "acceptance_signature": by_phone()}),
    )
    .await;
    assert_eq!(f.page["authorizations"].as_array().unwrap().len(), 3, "intake, supplemental, acceptance");
    // The manager reworks the QC checklist: one default item off, one added.
    let items = t.ok(&crew.manager, "list_qc_items", json!({})).await;
    let first = &items["items"][0];
    t.ok(&crew.manager, "save_qc_item", json!({"id": first["id"], "label": first["label"], "position": first["position"], "active": false})).await;
    t.ok(&crew.manager, "save_qc_item", json!({"label": "轮胎气压已调整 / Tyre pressures set", "position": 9, "active": true})).await;

    let mut input = check_in_input(&crew.customer, &crew.vehicle, 10_100);
    input["photos"] = json!([{"sha256": photo, "caption": "左前门划痕"}]);
    let order = t.ok(&crew.advisor, "check_in", input).await;
    let ro = order["id"].as_str().unwrap().to_string();
    let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
    let mut open = Flow { t, crew, ro, page };
    open.move_to(&crew.tech, "diagnosing").await;
    open.labor(0, 500, 20_000).await;
    let clock_job = open.job(0);
    t.ok(&crew.tech, "start_clock", json!({"job_id": clock_job})).await;
    (f.ro.clone(), open.ro.clone())
}

async fn verify(t: &TestStation, ro: &str) -> Value {
    t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await
}

/// A second installation of station `code` on a new data directory, enrolled
/// with a new code for the existing station, after one sync pass.
pub(super) async fn reinstall(ho: &HeadOffice, code: &str, at: chrono::DateTime<Utc>) -> (TestStation, sync::SyncReport) {
    let fresh = TestStation::without_sync_worker(code, at).await;
    let enrolled = ho.enroll(&fresh, code).await;
    assert_eq!(enrolled["enrolled"], true);
    let report = sync_ok(&fresh).await;
    (fresh, report)
}

#[tokio::test]
async fn a_reinstalled_station_restores_its_customers_vehicles_and_orders_with_jobs_lines_events_and_signed_authorizations() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let crew = old.crew().await;
    let (delivered, open) = working_day(&old, &crew).await;
    ho.enroll(&old, "SH01").await;
    sync_ok(&old).await;
    assert_drained(&ho, &old, "SH01").await;
    assert_eq!(verify(&old, &delivered).await["status"], "intact");

    let at = *old.clock.lock().unwrap();
    let (new, report) = reinstall(&ho, "SH01", at).await;
    assert!(report.pull.restored > 0, "{:?}", report.pull);
    assert_eq!(report.files.missing, 0, "every file's bytes were at the head office: {:?}", report.files);
    assert_eq!(report.pull.parked, 0, "nothing waits for a parent: {:?}", report.pull);
    assert_eq!(new.count("SELECT COUNT(*) FROM sync_parked").await, 0);
    let new_id: String = sqlx::query_scalar("SELECT id FROM station").fetch_one(new.station.pool()).await.unwrap();
    let old_id: String = sqlx::query_scalar("SELECT id FROM station").fetch_one(old.station.pool()).await.unwrap();
    assert_ne!(new_id, old_id, "a new installation has its own local id");

    for (table, skip) in RESTORED_TABLES {
        let (was, is) = (rows(&old, table, skip).await, rows(&new, table, skip).await);
        assert!(!was.is_empty() || ["vehicle_plates"].contains(table), "the old station had {table}");
        assert_eq!(is, was, "{table} came back as it was");
    }
    // Every restored row belongs to this installation.
    for (table, _) in RESTORED_TABLES.iter().filter(|(t, _)| *t != "ro_signed_lines") {
        let foreign: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\" WHERE station_id <> ?")).bind(&new_id).fetch_one(new.station.pool()).await.unwrap();
        assert_eq!(foreign, 0, "{table} rows carry the new station id");
    }
    // The old staff are back (without their PINs, which never leave a station), beside the new manager.
    let staff = rows(&old, "staff", &["station_id", "pin_hash", "created_at", "updated_at"]).await;
    let restored = rows(&new, "staff", &["station_id", "pin_hash", "created_at", "updated_at"]).await;
    for s in &staff {
        assert!(restored.contains(s), "{s} is restored");
    }
    assert_eq!(new.count("SELECT COUNT(*) FROM staff WHERE pin_hash = ''").await, staff.len() as i64);
    let login = new.station.dispatch("login", None, json!({"staff_id": staff[0]["id"], "pin": "2222"})).await;
    assert!(login.is_err(), "a restored member logs in only after a manager sets a new PIN");

    // The signed chain survives the round trip, and the order pages read the same.
    let report = verify(&new, &delivered).await;
    assert_eq!(report["status"], "intact", "{report}");
    assert_eq!(report["documents"].as_array().unwrap().len(), 3);
    for ro in [&delivered, &open] {
        let was = clock_facts_only(old.ok(&old.manager, "get_order_detail", json!({"id": ro})).await);
        let is = clock_facts_only(new.ok(&new.manager, "get_order_detail", json!({"id": ro})).await);
        assert_eq!(is, was, "the page of order {ro} reads the same");
    }
    // The files came back byte for byte (with thumbnails for the images), so the printed PDF reads the same.
    assert_eq!(new.count("SELECT COUNT(*) FROM sync_files WHERE state = 'uploaded'").await, 3, "the signature, the photo and the PDF");
    for sha in sqlx::query_scalar::<_, String>("SELECT sha256 FROM files").fetch_all(old.station.pool()).await.unwrap() {
        let path = |t: &TestStation, dir: &str| t.dir.path().join(dir).join(&sha[..2]).join(&sha);
        assert_eq!(std::fs::read(path(&new, "files")).unwrap(), std::fs::read(path(&old, "files")).unwrap(), "file {sha}");
        let mime: String = sqlx::query_scalar("SELECT mime FROM files WHERE sha256 = ?").bind(&sha).fetch_one(new.station.pool()).await.unwrap();
        if mime.starts_with("image/") {
            assert!(path(&new, "thumbs").exists(), "a thumbnail of {sha}");
        }
    }
    let docs = new.ok(&new.manager, "list_order_documents", json!({"ro_id": delivered})).await;
    assert_eq!(docs, old.ok(&old.manager, "list_order_documents", json!({"ro_id": delivered})).await);
    let doc = docs["documents"][0]["id"].clone();
    assert_eq!(
        new.ok(&new.manager, "get_document", json!({"document_id": doc})).await,
        old.ok(&old.manager, "get_document", json!({"document_id": doc})).await,
        "the archived PDF is the same bytes"
    );
    // The settings and the QC checklist are the old station's, not a fresh station's defaults beside them.
    let settings = new.ok(&new.manager, "get_workflow_settings", json!({})).await;
    assert_eq!(settings, old.ok(&old.manager, "get_workflow_settings", json!({})).await);
    assert_eq!(settings["tax_rate_bp"], 900);
    let active = |v: Value| -> Vec<Value> { v["items"].as_array().unwrap().iter().filter(|i| i["active"] == true).cloned().collect() };
    let checklist = active(new.ok(&new.manager, "list_qc_items", json!({})).await);
    assert_eq!(checklist, active(old.ok(&old.manager, "list_qc_items", json!({})).await));
    assert_eq!(checklist.len(), 5, "four defaults and the added item");
    // Search finds the restored customer and vehicle; the running clock is still running.
    let found = new.ok(&new.manager, "search", json!({"q": "沪A12345"})).await;
    assert!(found.to_string().contains(&crew.vehicle), "{found}");
    assert_eq!(new.count("SELECT COUNT(*) FROM time_clocks WHERE stopped_at IS NULL").await, 1);
    // Nothing restored went into the outbox: the new installation's outbox holds its own setup
    // (station, manager, five default QC items) and the retirement of those five duplicates.
    // (Besides the access register's entries for the pages this test opened there.)
    let outbox: Vec<(String, i64)> = sqlx::query_as("SELECT entity, COUNT(*) FROM outbox WHERE entity <> 'access_entry' GROUP BY entity ORDER BY entity")
        .fetch_all(new.station.pool())
        .await
        .unwrap();
    assert_eq!(outbox, [("qc_item".to_string(), 10), ("staff".to_string(), 1), ("station".to_string(), 1)]);
    let openings = new.count("SELECT COUNT(*) FROM outbox WHERE entity = 'access_entry'").await;
    assert_eq!(status(&new).await["pending_changes"], 5 + openings, "the retirements (and the openings) go up with the next pass");
    sync_ok(&new).await;
    assert_eq!(status(&new).await["pending_changes"], 0);
}

/// The background worker restores a reinstalled station on a runtime whose
/// threads have 512 KB of stack: its whole path (the worker loop, push, pull,
/// restore with parking, the files' bytes and their thumbnails on the blocking
/// pool) fits in a quarter of Tokio's 2 MB, in a debug build (380 KB measured;
/// `tests/stack.rs` says why stack is worth checking). The head office and the
/// test's own calls run on the test's runtime.
#[tokio::test]
async fn the_background_worker_restores_a_reinstalled_station_on_512_kb_thread_stacks() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let crew = old.crew().await;
    working_day(&old, &crew).await;
    ho.enroll(&old, "SH01").await;
    sync_ok(&old).await;

    let small = tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_stack_size(512 * 1024).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(std::sync::Mutex::new(*old.clock.lock().unwrap()));
    let (c, path) = (clock.clone(), dir.path().to_path_buf());
    let options = sync::WorkerOptions { enabled: true, interval: Duration::from_secs(3600), ..Default::default() };
    // Opened there, so its worker is spawned there.
    let st = small.spawn(async move { station::Station::open_with(&path, Arc::new(move || *c.lock().unwrap()), options).await.unwrap() }).await.unwrap();
    let session = st
        .dispatch(
            "first_run_setup",
            None,
            json!({"station_code": "SH01", "station_name": "浦东服务站", "manager_name": "王经理", "manager_pin": "1111", "utc_offset_minutes": 480}),
        )
        .await
        .unwrap();
    let new = TestStation { station: st, dir, clock, manager: session["token"].as_str().unwrap().to_string(), succeeded: Default::default() };
    ho.enroll(&new, "SH01").await;
    super::wait_for(&new.station, &new.manager, "the restore", |s| s["last_success_at"].is_string() && s["running"] == false).await;
    for (table, skip) in RESTORED_TABLES {
        assert_eq!(rows(&new, table, skip).await, rows(&old, table, skip).await, "{table} came back as it was");
    }
    assert_eq!(new.count("SELECT COUNT(*) FROM sync_files WHERE state = 'uploaded'").await, 3, "the files' bytes came down");
    drop(new);
    small.shutdown_background();
}

#[tokio::test]
async fn a_restored_station_continues_the_order_and_customer_numbering_and_its_next_push_is_accepted() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let (c, v) = old.customer_with_vehicle(&old.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let mut numbers = Vec::new();
    for km in [12_000, 12_100] {
        let order = old.ok(&old.manager, "check_in", check_in_input(&c, &v, km)).await;
        numbers.push(order["number"].as_str().unwrap().to_string());
    }
    ho.enroll(&old, "SH01").await;
    sync_ok(&old).await;

    let at = *old.clock.lock().unwrap();
    let (new, _) = reinstall(&ho, "SH01", at).await;
    // The same day at the same station: the next number, not a reused one.
    let order = new.ok(&new.manager, "check_in", check_in_input(&c, &v, 12_200)).await;
    let number = order["number"].as_str().unwrap();
    assert!(numbers[1].ends_with("-0002") && number.ends_with("-0003"), "{numbers:?} then {number}");
    assert_eq!(&number[..number.len() - 4], &numbers[1][..numbers[1].len() - 4], "same station and day");
    assert!(order["archive_no"].as_str().unwrap().ends_with("-03"), "the customer's third order today: {}", order["archive_no"]);
    let customer = new.ok(&new.manager, "create_customer", json!({"name": "李雷", "phones": ["13900001111"], "language": "zh-CN"})).await;
    assert_eq!(customer["customer_no"], "SH01-000002", "after the restored SH01-000001");

    // Its next push is a new stream under the new token, accepted from seq 1: nothing refused, nothing skipped.
    let report = sync_ok(&new).await;
    assert!(report.push.batches >= 1);
    let st = status(&new).await;
    assert_eq!(st["pending_changes"], 0, "{st}");
    assert_eq!(st["rejection_count"], 0, "{st}");
    let ro = order["id"].as_str().unwrap();
    let at_ho: String = sqlx::query_scalar("SELECT payload->>'number' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
        .bind(ro)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(at_ho, number);
    assert_eq!(ho.scalar("SELECT count(*) FROM records WHERE entity = 'repair_order'").await, 3);
    let streams: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT t.acked_seq, (SELECT count(*) FROM received_changes r WHERE r.token_id = t.token_id) FROM station_tokens t ORDER BY t.created_at",
    )
    .fetch_all(&ho.pool)
    .await
    .unwrap();
    assert_eq!(streams.len(), 2, "one push stream per installation");
    assert_eq!(streams[1], (outbox_max(&new).await, outbox_max(&new).await), "the new stream holds every change of the new outbox once");
}

/// The client a sync pass would use, to pull without pushing first.
async fn client_of(t: &TestStation) -> sync::client::Client {
    let e = sync::state::enrollment(t.station.pool()).await.unwrap().unwrap();
    sync::client::Client::new(&e.head_office_url, Some(e.token.clone())).unwrap()
}

/// `sync_status` counts the restored rows parked for their parents. The
/// order changed after its jobs, line, events and odometer reading, so the feed
/// (compacted, in order of last change) carries it after them; pulled a few
/// entries a page, they wait in `sync_parked` until the page that ends the feed.
#[tokio::test]
async fn sync_status_counts_the_restored_rows_that_wait_for_their_parents_until_the_feed_is_complete() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let crew = old.crew().await;
    let mut f = Flow::in_status(&old, &crew, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    ho.enroll(&old, "SH01").await;
    sync_ok(&old).await;

    let at = *old.clock.lock().unwrap();
    let new = TestStation::without_sync_worker("SH01", at).await;
    ho.enroll(&new, "SH01").await;
    assert_eq!(status(&new).await["parked_records"], 0);
    let client = client_of(&new).await;
    let (mut cursor, mut out, mut most) = (None, sync::pull::PullOutcome::default(), 0);
    for n in 0.. {
        assert!(n < 100, "the feed ends");
        let page = client.changes(cursor.as_deref(), 3).await.unwrap();
        sync::pull::apply_page(&new.station, &page, &mut out).await.unwrap();
        let parked = status(&new).await["parked_records"].as_i64().unwrap();
        assert_eq!(parked, new.count("SELECT COUNT(*) FROM sync_parked").await);
        most = most.max(parked);
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    assert!(most >= 3, "the jobs, the line and the status events waited for their order: at most {most} parked");
    assert_eq!(status(&new).await["parked_records"], 0, "the last page wrote them all");
    assert_eq!(
        clock_facts_only(new.ok(&new.manager, "get_order_detail", json!({"id": f.ro})).await),
        clock_facts_only(old.ok(&old.manager, "get_order_detail", json!({"id": f.ro})).await)
    );
}

#[tokio::test]
async fn a_stations_own_echoes_do_not_overwrite_its_newer_local_rows() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    f.labor(1, 500, 20_000).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    // Newer here than at the head office: a status change, a removed line and an edited job, not pushed yet.
    let line = f.page["jobs"][0]["lines"][0]["id"].as_str().unwrap().to_string();
    f.step(&crew.advisor, "remove_line", json!({"line_id": line})).await;
    let job = f.job(1);
    f.step(&crew.tech, "update_job", json!({"job_id": job, "concern": "刹车异响", "cause": "刹车片磨损", "correction": "更换刹车片"})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    let before = t.ok(&t.manager, "get_order_detail", json!({"id": f.ro})).await;
    let pending = status(&t).await["pending_changes"].as_i64().unwrap();
    assert!(pending > 0);

    // The whole feed again from the start: every own row comes back as the head office holds it, older.
    sqlx::query("UPDATE sync_state SET cursor = NULL").execute(t.station.pool()).await.unwrap();
    let pulled = sync::pull::pull_all(&t.station, &client_of(&t).await).await.unwrap();
    assert!(pulled.own > 10, "the echoes came: {pulled:?}");
    assert_eq!(pulled.restored, 0, "none was written: {pulled:?}");
    let after = t.ok(&t.manager, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(after, before, "the order page is what the station wrote last");
    assert_eq!(after["order"]["status"], "estimate_ready");
    assert_eq!(t.count(&format!("SELECT COUNT(*) FROM ro_lines WHERE id = '{line}'")).await, 0, "the removed line stays removed");
    assert_eq!(status(&t).await["pending_changes"], pending, "nothing was queued or dropped");
    assert_eq!(t.count("SELECT COUNT(*) FROM sync_restored").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM sync_parked").await, 0);

    // And once pushed, the head office holds the station's version.
    sync_ok(&t).await;
    let at_ho: String = sqlx::query_scalar("SELECT payload->>'status' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
        .bind(&f.ro)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(at_ho, "estimate_ready");
}

#[tokio::test]
async fn a_station_restored_from_an_older_backup_takes_its_newer_rows_back_from_the_head_office() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    // Last night's backup, taken while the order was only checked in.
    let backup = tempfile::tempdir().unwrap();
    let file = backup.path().join("station.sqlite");
    sqlx::query("VACUUM INTO ?").bind(file.to_string_lossy().to_string()).execute(t.station.pool()).await.unwrap();
    // Today's work, synced.
    f.move_to(&crew.tech, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    f.step(&crew.tech, "add_finding", json!({"job_id": f.job(0), "text": "刹车片磨损到限"})).await;
    sync_ok(&t).await;
    let today = t.ok(&t.manager, "get_order_detail", json!({"id": f.ro})).await;

    // The disk fails; the station comes back from the backup and syncs.
    let clock = t.clock.clone();
    let c = clock.clone();
    let options = sync::WorkerOptions { enabled: false, ..Default::default() };
    let restored = station::Station::open_with(backup.path(), Arc::new(move || *c.lock().unwrap()), options).await.unwrap();
    let r = TestStation { station: restored, dir: backup, clock, manager: t.manager.clone(), succeeded: Default::default() };
    // Read from the table: opening the page would write an access-register entry, a change the backup's
    // outbox would number like one the head office already holds from before the failure.
    let status_then: String = sqlx::query_scalar("SELECT status FROM repair_orders WHERE id = ?").bind(&f.ro).fetch_one(r.station.pool()).await.unwrap();
    assert_eq!(status_then, "checked_in");
    let report = sync_ok(&r).await;
    assert_eq!(report.push.batches, 0, "the backup had nothing the head office lacked");
    assert!(report.pull.restored >= 4, "the order, its event, jobs, line and finding: {:?}", report.pull);
    assert_eq!(report.pull.parked, 0, "the order's status waited for its event, then went in: {:?}", report.pull);
    let back = r.ok(&r.manager, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(back, today, "the order is as it was before the disk failed");
}

/// An order page without its deadlines' readings, which are read "now" and so
/// differ by the seconds between the two reads; what each clock is (its name,
/// state, met and breached instants) must come back the same.
fn clock_facts_only(mut page: serde_json::Value) -> serde_json::Value {
    let clocks: Vec<serde_json::Value> = page["clocks"]
        .as_array()
        .expect("the order's clocks")
        .iter()
        .map(|c| json!([c["clock"], c["reading"]["state"], c["reading"]["met_at"], c["reading"]["breached_at"], c["reading"]["policy"]]))
        .collect();
    page["clocks"] = json!(clocks);
    page
}

#[tokio::test]
async fn a_reinstalled_station_restores_its_follow_ups_complaints_service_requests_time_limits_and_calendar_and_continues_complaint_numbering() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let crew = old.crew().await;
    let (delivered, _open) = working_day(&old, &crew).await;
    // The follow-up call scores 2: a complaint opens, which is handled and resolved.
    let order = old.ok(&old.manager, "get_order_detail", json!({"id": delivered})).await;
    let task = old.ok(&old.manager, "get_follow_up", json!({"id": order["follow_up_id"]})).await;
    let call = json!({"follow_up_id": task["follow_up"]["id"], "expected_version": task["follow_up"]["version"], "outcome": "reached",
                      "survey": {"overall": 2, "quality": 2, "timeliness": 3, "attitude": 4, "price": 3, "comment": "刹车还响"},
                      "complaint": {"description": "刹车还响", "category_id": "qual.repair.repeat", "severity": "normal"}});
    let call = old.ok(&old.manager, "record_call", call).await;
    let complaint = call["complaint_id"].as_str().unwrap().to_string();
    let mut c = old.ok(&old.manager, "get_complaint", json!({"id": complaint})).await;
    for step in [
        json!({"kind": "findings", "cause": "刹车片装配不到位", "corrective_action": "重新装配", "solution": "免费返修"}),
        json!({"kind": "compensate", "compensation": "voucher", "description": "保养券", "value": 20_000}),
        json!({"kind": "resolve", "told_by": "call", "answer": "accepted", "text": "客户接受"}),
    ] {
        c = old.ok(&old.manager, "complaint_step", json!({"complaint_id": complaint, "expected_version": c["complaint"]["version"], "step": step})).await;
    }
    assert_eq!(c["complaint"]["status"], "resolved");
    let asked = old.ok(&old.manager, "open_service_request", json!({"channel": "phone", "request": "想预约下周保养", "contact_name": "李雷"})).await;
    let step = json!({"request_id": asked["request"]["id"], "expected_version": asked["request"]["version"], "step": {"kind": "answer", "mode": "call", "text": "已约周二"}});
    old.ok(&old.manager, "service_request_step", step).await;
    old.ok(&old.manager, "update_time_limit", json!({"kind": "follow_up", "budget_minutes": 2880, "basis": "working"})).await;
    old.ok(&old.manager, "load_holidays", json!({"text": "2026-12-25,holiday,圣诞\n"})).await;
    ho.enroll(&old, "SH01").await;
    sync_ok(&old).await;

    let at = *old.clock.lock().unwrap();
    let (new, report) = reinstall(&ho, "SH01", at).await;
    assert_eq!(report.pull.parked, 0, "nothing waits for a parent: {:?}", report.pull);
    let skip = ["station_id", "created_at", "updated_at"];
    for table in [
        "follow_ups",
        "follow_up_events",
        "surveys",
        "complaints",
        "complaint_events",
        "complaint_compensations",
        "service_requests",
        "service_request_events",
        "item_clocks",
        "calendars",
    ] {
        let (was, is) = (rows(&old, table, &skip).await, rows(&new, table, &skip).await);
        assert!(!was.is_empty(), "the old station had {table}");
        assert_eq!(is, was, "{table} came back as it was");
    }
    let limits = new.ok(&new.manager, "get_time_limits", json!({})).await;
    let follow_up = limits["policies"].as_array().unwrap().iter().find(|p| p["kind"] == "follow_up").unwrap().clone();
    assert_eq!((follow_up["policy"]["budget_minutes"].as_i64(), follow_up["source"].as_str()), (Some(2880), Some("station")));
    assert_eq!(limits["calendar"]["holidays"], json!(["2026-12-25"]));
    // The complaint page reads the same, and its callback is due as it was.
    let (was, is) =
        (old.ok(&old.manager, "get_complaint", json!({"id": complaint})).await, new.ok(&new.manager, "get_complaint", json!({"id": complaint})).await);
    assert_eq!(is["timeline"], was["timeline"]);
    assert_eq!(is["compensations"], was["compensations"]);
    assert_eq!(is["complaint"], was["complaint"]);
    let due = |d: &Value| d["clocks"].as_array().unwrap().iter().map(|c| (c["clock"].clone(), c["reading"]["due_at"].clone())).collect::<Vec<_>>();
    assert_eq!(due(&is), due(&was));
    // The next complaint of the day takes the next number.
    let next = new
        .ok(
            &new.manager,
            "open_complaint",
            json!({"channel": "walk_in", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等候太久", "contact_name": "李雷"}),
        )
        .await;
    let (first, second) = (was["complaint"]["number"].as_str().unwrap(), next["complaint"]["number"].as_str().unwrap());
    assert!(first.ends_with("-001") && second.ends_with("-002"), "{first} then {second}");
}
