//! A destruction run past retention (issue 12) against the real head office:
//! its copies are erased and anonymised too unless another station still
//! holds the customer (access, or a record naming it), and neither a later
//! pull nor a reinstalled station's restore brings anything back.

use super::*;
use common::flow::Flow;

async fn ho_count(ho: &HeadOffice, sql: &str, ids: &[&str]) -> i64 {
    sqlx::query_scalar(sql).bind(ids).fetch_one(&ho.pool).await.unwrap()
}

async fn name_at_ho(ho: &HeadOffice, customer: &str) -> String {
    sqlx::query_scalar("SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1")
        .bind(customer)
        .fetch_one(&ho.pool)
        .await
        .unwrap()
}

/// The document kinds and hashes verify reports for `ro`, and its status.
async fn documents(t: &TestStation, ro: &str) -> (String, Vec<Value>) {
    let v = t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await;
    let docs = v["documents"].as_array().unwrap().iter().map(|d| json!([d["kind"], d["hash"]])).collect();
    (v["status"].as_str().unwrap().to_string(), docs)
}

/// What the station holds of the customer and the orders' signed documents.
async fn left_at_station(t: &TestStation, customer: &str, orders: &[&str]) -> (String, i64, i64) {
    let c = t.ok(&t.manager, "get_customer", json!({"id": customer})).await;
    let name = c["customer"]["name"].as_str().unwrap().to_string();
    let phones = c["customer"]["phones"].as_array().unwrap().len() as i64;
    let mut docs = 0;
    for ro in orders {
        docs += t.count(&format!("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = '{ro}'")).await;
    }
    (name, phones, docs)
}

/// `restore::working_day`, with its second order given up: the clock stopped,
/// cancelled with a note naming the customer. Returns (delivered, cancelled).
async fn finished_day(t: &TestStation, crew: &common::flow::Crew) -> (String, String) {
    let (delivered, open) = super::restore::working_day(t, crew).await;
    t.ok(&crew.tech, "stop_clock", json!({})).await;
    let page = t.ok(&crew.advisor, "get_order_detail", json!({"id": open})).await;
    let mut f = Flow { t, crew, ro: open.clone(), page };
    f.try_move(&crew.advisor, "cancelled", "王芳改天再来").await.unwrap();
    (delivered, open)
}

#[tokio::test]
async fn a_destruction_reaches_the_head_office_and_neither_a_later_pull_nor_a_restore_brings_anything_back() {
    let ho = HeadOffice::start().await;
    let mut t = station("SH01").await;
    let crew = t.crew().await;
    let (delivered, open) = finished_day(&t, &crew).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    // The head office's KPI sums for the station, as its console reads them.
    let sh01: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = 'SH01'").fetch_one(&ho.pool).await.unwrap();
    let today = Utc::now().date_naive();
    let (from, to) = (today - chrono::Days::new(7), today + chrono::Days::new(1));
    let ho_kpis = || async {
        use headoffice::store::kpis::{kpi_for, Dim, Group};
        kpi_for(&ho.pool, &[sh01], from, to, Group::Total, &Dim::Station).await.unwrap().remove(0).tally
    };
    let kpis_before = ho_kpis().await;
    assert_eq!((kpis_before.delivered, kpis_before.cancelled), (1, 1), "the day's orders are counted: {kpis_before:?}");
    // Another station of the network never had the customer: nothing keeps it at the head office.
    let b = station("SH02").await;
    ho.enroll(&b, "SH02").await;
    sync_ok(&b).await;

    let orders = [delivered.as_str(), open.as_str()];
    let (status, signed) = documents(&t, &delivered).await;
    assert_eq!((status.as_str(), signed.len()), ("intact", 3));
    let signed_at_ho = "SELECT count(*) FROM records WHERE entity IN ('ro_authorization', 'ro_document') AND payload->>'ro_id' = ANY($1)";
    assert_eq!(ho_count(&ho, signed_at_ho, &orders).await, 4, "three signed documents and a printed PDF");
    let blobs = ho.scalar("SELECT count(*) FROM file_blobs").await;
    assert_eq!(blobs, 3, "the signature, the photo (also a paper scan) and the PDF");

    // Five years and two days later the manager runs the destruction.
    t.set_now(Utc::now() + chrono::Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let items: Vec<Value> = due["items"].as_array().unwrap().iter().map(|i| json!({"kind": i["kind"], "subject_id": i["subject_id"]})).collect();
    assert_eq!(items.len(), 2, "both orders: {due}");
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": items})).await;
    let report = sync_ok(&t).await;
    assert!(report.push.batches > 0 && report.push.rejected == 0, "{:?}", report.push);
    assert_eq!(ho_kpis().await, kpis_before, "the head office's KPIs are the same before and after");

    // The head office's copies: signed documents and PDFs erased, file bytes deleted, personal fields anonymised.
    assert_eq!(ho_count(&ho, signed_at_ho, &orders).await, 0, "no signed document or PDF is left at the head office");
    assert_eq!(ho.scalar("SELECT count(*) FROM change_log WHERE entity IN ('ro_authorization', 'ro_document')").await, 0, "nor in its feed");
    assert_eq!(ho.scalar("SELECT count(*) FROM file_blobs").await, 0, "no file bytes");
    let (name, phones): (String, Value) =
        sqlx::query_as("SELECT fields->>'name', fields->'phones' FROM shared_records WHERE entity = 'customer' AND entity_id = $1")
            .bind(&crew.customer)
            .fetch_one(&ho.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), phones), ("已销毁", json!([])));
    let text_left = "SELECT count(*) FROM records WHERE station_id = (SELECT station_id FROM stations WHERE code = 'SH01')
                     AND (payload::text LIKE '%王芳%' OR payload::text LIKE '%13812345678%' OR payload::text LIKE '%左前门%' OR payload::text LIKE '%雨伞%')
                     AND (payload->>'ro_id' = ANY($1) OR payload->>'id' = ANY($1))";
    assert_eq!(ho_count(&ho, text_left, &orders).await, 0, "no record of the orders at the head office names the customer or holds their text");
    let marked = ho.scalar("SELECT count(*) FROM records WHERE entity = 'file' AND payload->>'destroyed_at' IS NOT NULL").await;
    assert_eq!(marked, 3, "the file rows are marked destroyed");

    let cars: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT fields->>'plate', fields->>'vin' FROM shared_records WHERE entity = 'vehicle'").fetch_all(&ho.pool).await.unwrap();
    assert_eq!(cars, [(None, None)], "nor the car");
    assert_eq!(ho.scalar("SELECT count(*) FROM destroyed_shared").await, 2, "both are closed to later edits");
    sync_ok(&b).await;
    assert_eq!(b.count("SELECT COUNT(*) FROM customers").await, 0, "the other station pulled nothing of them");

    // A later pull at the station brings nothing back.
    let again = sync_ok(&t).await;
    assert_eq!(left_at_station(&t, &crew.customer, &orders).await, ("已销毁".to_string(), 0, 0), "{:?}", again.pull);
    let (status, left) = documents(&t, &delivered).await;
    assert_eq!((status.as_str(), &left), ("destroyed", &signed));

    // Nor does a reinstalled station restoring from the head office.
    let (fresh, report) = super::restore::reinstall(&ho, "SH01", t.station.now()).await;
    assert_eq!(report.pull.parked, 0, "{:?}", report.pull);
    assert_eq!(left_at_station(&fresh, &crew.customer, &orders).await, ("已销毁".to_string(), 0, 0));
    let (status, left) = documents(&fresh, &delivered).await;
    assert_eq!((status.as_str(), &left), ("destroyed", &signed), "the restored station says destroyed, with the same numbers and hashes");
    assert_eq!(fresh.count("SELECT COUNT(*) FROM files WHERE destroyed_at IS NULL").await, 0, "the files come back as marked rows");
    assert_eq!((report.files.fetched, report.files.missing), (0, 0), "and no bytes are asked for");
    let order = fresh.ok(&fresh.manager, "get_order_detail", json!({"id": delivered})).await;
    assert_eq!(order["order"]["personal_items"], "");
    assert_eq!(order["order"]["status"], "delivered");
    assert!(fresh.ok(&fresh.manager, "retention_due", json!({})).await["items"].as_array().unwrap().is_empty(), "nothing to destroy twice");
}

/// Copies `from` into `to`, recursively (the station's files folder, for a backup; a fixture in `upgrades.rs`).
pub(super) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_station_restored_from_a_backup_older_than_a_destruction_destroys_again_what_the_feed_says_was_destroyed() {
    let ho = HeadOffice::start().await;
    let mut t = station("SH01").await;
    let crew = t.crew().await;
    let (delivered, open) = super::restore::working_day(&t, &crew).await;
    t.ok(&crew.tech, "stop_clock", json!({})).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    let (_, signed) = documents(&t, &delivered).await;
    // Last night's backup, with the files folder, taken before the destruction.
    let backup = tempfile::tempdir().unwrap();
    let file = backup.path().join("station.sqlite");
    sqlx::query("VACUUM INTO ?").bind(file.to_string_lossy().to_string()).execute(t.station.pool()).await.unwrap();
    copy_dir(&t.dir.path().join("files"), &backup.path().join("files"));

    t.set_now(Utc::now() + chrono::Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": [{"kind": "repair_order", "subject_id": delivered}]})).await;
    sync_ok(&t).await;

    // The disk fails; the station comes back from the backup, which still holds the documents and files.
    let clock = t.clock.clone();
    let c = clock.clone();
    let options = sync::WorkerOptions { enabled: false, ..Default::default() };
    let restored = station::Station::open_with(backup.path(), Arc::new(move || *c.lock().unwrap()), options).await.unwrap();
    let mut r = TestStation { station: restored, dir: backup, clock, manager: t.manager.clone(), succeeded: Default::default() };
    r.relogin_manager().await;
    assert_eq!(r.count(&format!("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = '{delivered}'")).await, 3);
    let report = sync_ok(&r).await;
    assert_eq!(report.push.batches, 0, "the backup had nothing the head office lacked");
    assert_eq!(r.count(&format!("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = '{delivered}'")).await, 0, "the pulled destruction deleted them again");
    let (status, left) = documents(&r, &delivered).await;
    assert_eq!((status.as_str(), &left), ("destroyed", &signed));
    let order = r.ok(&r.manager, "get_order_detail", json!({"id": delivered})).await;
    assert_eq!(order["order"]["personal_items"], "");
    let gone: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM files WHERE destroyed_at IS NOT NULL").fetch_all(r.station.pool()).await.unwrap();
    assert_eq!(gone.len(), 2, "the signature and the PDF; the photo stays with the open order: {gone:?}");
    for sha in &gone {
        assert!(!r.dir.path().join("files").join(&sha[..2]).join(sha).exists(), "the bytes of {sha} left the restored disk");
    }
    // The open order keeps its customer: not anonymised.
    assert_eq!(r.ok(&r.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "王芳");
    assert_eq!(r.ok(&r.manager, "get_order_detail", json!({"id": open})).await["order"]["status"], "diagnosing");
}

/// The station's records at the head office (and its notes there) that still hold any of `words`.
async fn words_at_ho(ho: &HeadOffice, code: &str, words: &[&str]) -> Vec<String> {
    let patterns: Vec<String> = words.iter().map(|w| format!("%{w}%")).collect();
    sqlx::query_scalar(
        "SELECT entity || ' ' || payload::text FROM records
         WHERE station_id = (SELECT station_id FROM stations WHERE code = $1) AND payload::text LIKE ANY($2)
           AND entity IN ('complaint', 'complaint_event', 'complaint_compensation', 'ho_complaint_note', 'follow_up', 'follow_up_event', 'survey',
                          'service_request', 'service_request_event', 'audit_log')",
    )
    .bind(code)
    .bind(&patterns)
    .fetch_all(&ho.pool)
    .await
    .unwrap()
}

/// The station's after-sales rows that still hold any of `words`.
async fn words_at_station(t: &TestStation, words: &[&str]) -> Vec<String> {
    let mut left = Vec::new();
    for sql in [
        "SELECT description || contact_name || contact_phone || cause || corrective_action || solution FROM complaints",
        "SELECT text || data FROM complaint_events",
        "SELECT description FROM complaint_compensations",
        "SELECT text FROM ho_complaint_notes",
        "SELECT note FROM follow_up_events",
        "SELECT comment FROM surveys",
        "SELECT request || contact_name || contact_phone FROM service_requests",
        "SELECT text FROM service_request_events",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(t.station.pool()).await.unwrap();
        left.extend(rows.into_iter().filter(|r| words.iter().any(|w| r.contains(w))));
    }
    left
}

#[tokio::test]
async fn destroyed_complaints_calls_and_requests_are_blanked_at_the_head_office_and_neither_a_pull_nor_a_restore_brings_their_words_back() {
    use common::aftersales::{complaint_input, survey, Ticket};
    use headoffice::store::complaints::{self as ho_complaints, Author, NoteKind};
    let ho = HeadOffice::start().await;
    let mut t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    let (f, page) = Flow::delivered(&t, &crew).await;
    let ro = f.ro.clone();
    t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(4), "note": "王芳说孩子在车上"})).await.unwrap();
    let mut input = complaint_input(&crew.customer, "qual.repair.repeat", "normal");
    input["ro_id"] = json!(ro);
    input["description"] = json!("王芳投诉异响没修好");
    let mut c = Ticket::open(&t, &crew.advisor, input).await;
    c.step(&crew.advisor, json!({"kind": "compensate", "compensation": "voucher", "description": "送王芳保养券", "value": 10_000})).await;
    sync_ok(&t).await;
    let sh01: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = 'SH01'").fetch_one(&ho.pool).await.unwrap();
    let quality = Author { user_id: uuid::Uuid::now_v7(), display_name: "质量经理 周敏".into() };
    ho_complaints::add_complaint_note(&ho.pool, sh01, &c.id(), NoteKind::Note, "王芳打了12345热线", &quality, t.now()).await.unwrap();
    sync_ok(&t).await;
    c.resolve_accepted(&crew.advisor).await;
    c.step(&crew.advisor, json!({"kind": "callback", "reached": true, "text": "王芳确认已解决"})).await;
    let req = t.ok(&crew.advisor, "open_service_request", json!({"channel": "phone", "request": "王芳想下周二来保养", "customer_id": crew.customer})).await;
    let close = json!({"request_id": req["request"]["id"], "expected_version": req["request"]["version"], "step": {"kind": "close", "text": "王芳改约别家"}});
    t.ok(&crew.advisor, "service_request_step", close).await;
    sync_ok(&t).await;
    let words = ["孩子", "师傅很专业", "王芳投诉", "送王芳", "12345热线", "机脚胶", "王芳确认", "王芳想", "王芳改约"];
    assert!(words_at_ho(&ho, "SH01", &words).await.len() >= 8, "the head office holds the words before");
    assert_eq!(ho.scalar("SELECT count(*) FROM records WHERE entity = 'ho_complaint_note'").await, 1);

    let car_before = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["vehicles"][0].clone();
    assert!(car_before["vin"].is_string() && car_before["make"].is_string());

    // Five years and two days later: the order (with its call), the complaint and the request.
    t.set_now(Utc::now() + chrono::Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let mut kinds: Vec<&str> = due["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(kinds, ["complaint", "repair_order", "service_request"], "{due}");
    let items: Vec<Value> = due["items"].as_array().unwrap().iter().map(|i| json!({"kind": i["kind"], "subject_id": i["subject_id"]})).collect();
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": items})).await;
    let report = sync_ok(&t).await;
    assert!(report.push.batches > 0 && report.push.rejected == 0, "{:?}", report.push);

    assert_eq!(words_at_ho(&ho, "SH01", &words).await, Vec::<String>::new(), "no copy at the head office holds their words");
    let (status, scores): (String, i64) = sqlx::query_as(
        "SELECT (SELECT payload->>'status' FROM records WHERE entity = 'complaint' AND station_id = $1),
                (SELECT (payload->>'overall')::bigint FROM records WHERE entity = 'survey' AND station_id = $1)",
    )
    .bind(sh01)
    .fetch_one(&ho.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), scores), ("closed", 4), "the state and the score stay for the head office's KPIs");
    // The customer's last kept things are gone, so are the customer and the car nothing else names.
    let (vin, plate, make): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as("SELECT fields->>'vin', fields->>'plate', fields->>'make' FROM shared_records WHERE entity = 'vehicle' AND entity_id = $1")
            .bind(&crew.vehicle)
            .fetch_one(&ho.pool)
            .await
            .unwrap();
    assert_eq!((vin, plate), (None, None), "the head office's copy of the car has neither VIN nor plate");
    assert_eq!(make.as_deref(), car_before["make"].as_str(), "its make stays");
    let closed = "SELECT count(*) FROM destroyed_shared WHERE (entity = 'vehicle' AND entity_id = $1) OR (entity = 'customer' AND entity_id = $2)";
    let closed: i64 = sqlx::query_scalar(closed).bind(&crew.vehicle).bind(&crew.customer).fetch_one(&ho.pool).await.unwrap();
    assert_eq!(closed, 2, "the customer and the car are closed to later edits");

    // A later pull brings nothing back, nor does a reinstalled station's restore.
    sync_ok(&t).await;
    assert_eq!(words_at_station(&t, &words).await, Vec::<String>::new());
    let (fresh, report) = super::restore::reinstall(&ho, "SH01", t.station.now()).await;
    assert_eq!(report.pull.parked, 0, "{:?}", report.pull);
    assert_eq!(fresh.count("SELECT COUNT(*) FROM complaints").await, 1, "the complaint is restored");
    assert_eq!(words_at_station(&fresh, &words).await, Vec::<String>::new(), "without its words");
    let car = fresh.ok(&fresh.manager, "get_customer", json!({"id": crew.customer})).await["vehicles"][0].clone();
    assert_eq!((&car["vin"], &car["plate"], &car["destroyed"]), (&Value::Null, &Value::Null, &json!(true)), "the car comes back destroyed: {car}");
    assert!(fresh.ok(&fresh.manager, "retention_due", json!({})).await["items"].as_array().unwrap().is_empty(), "nothing to destroy twice");
}

#[tokio::test]
async fn a_customer_whose_car_has_orders_at_another_station_is_kept_at_the_head_office_for_it_and_stays_destroyed_at_the_station_that_destroyed_it() {
    let ho = HeadOffice::start().await;
    let mut t = station("SH01").await;
    let crew = t.crew().await;
    finished_day(&t, &crew).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    // Station B services the same car; station A does not pull before its destruction run,
    // so the history it judges from has no visit elsewhere.
    let b = station("SH02").await;
    ho.enroll(&b, "SH02").await;
    share_with(&ho, "SH02", "customer", &crew.customer).await;
    share_with(&ho, "SH02", "vehicle", &crew.vehicle).await;
    sync_ok(&b).await;
    b.ok(&b.manager, "check_in", common::check_in_input(&crew.customer, &crew.vehicle, 60_000)).await;
    sync_ok(&b).await;

    t.set_now(Utc::now() + chrono::Duration::days(5 * 365 + 2));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let items: Vec<Value> = due["items"].as_array().unwrap().iter().map(|i| json!({"kind": i["kind"], "subject_id": i["subject_id"]})).collect();
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": items})).await;
    let mine = t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(mine["customer"]["destroyed"], true, "station A destroyed its copy: {}", mine["customer"]);
    let report = sync_ok(&t).await;
    assert_eq!(report.push.rejected, 0, "{:?}", report.push);

    // The head office kept the customer and the car for station B, unchanged and open to its edits.
    let kept: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT entity, COALESCE(fields->>'name', fields->>'plate') FROM shared_records WHERE entity_id = ANY($1) ORDER BY entity")
            .bind([crew.customer.as_str(), crew.vehicle.as_str()])
            .fetch_all(&ho.pool)
            .await
            .unwrap();
    assert_eq!(kept, [("customer".to_string(), Some("王芳".to_string())), ("vehicle".to_string(), Some("沪A12345".to_string()))]);
    assert_eq!(ho.scalar("SELECT count(*) FROM destroyed_shared").await, 0, "neither is closed to edits");
    b.ok(
        &b.manager,
        "update_customer",
        json!({"id": crew.customer, "fields": {"name": "王芳", "phones": ["13812345678", "13900000000"], "language": "zh-CN"}}),
    )
    .await;
    let at_b = sync_ok(&b).await;
    assert_eq!(at_b.push.rejected, 0, "station B still edits its customer: {:?}", at_b.push);
    let there = b.ok(&b.manager, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!((there["customer"]["name"].as_str(), there["customer"]["destroyed"].as_bool()), (Some("王芳"), Some(false)));

    // Station A's copies stay destroyed: its destruction wins over what it pulls, B's edits included.
    let car = b.ok(&b.manager, "get_customer", json!({"id": crew.customer})).await["vehicles"][0].clone();
    b.ok(
        &b.manager,
        "update_vehicle",
        json!({"id": crew.vehicle, "fields": {"plate": "沪B99999", "vin": car["vin"], "model": car["model"], "energy": car["energy"]}}),
    )
    .await;
    assert_eq!(sync_ok(&b).await.push.rejected, 0);
    let plate: Option<String> = sqlx::query_scalar("SELECT fields->>'plate' FROM shared_records WHERE entity = 'vehicle' AND entity_id = $1")
        .bind(&crew.vehicle)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(plate.as_deref(), Some("沪B99999"), "station B's new plate is at the head office");
    sync_ok(&t).await;
    let destroyed_at_a = |page: &Value| {
        let car = &page["vehicles"][0];
        (page["customer"]["name"].clone(), page["customer"]["phones"].clone(), car["destroyed"].clone(), car["plate"].clone(), car["vin"].clone())
    };
    let gone = (json!("已销毁"), json!([]), json!(true), Value::Null, Value::Null);
    assert_eq!(destroyed_at_a(&t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await), gone);

    // And a reinstalled station A restores its (anonymised) orders and destroys the customer and the car again.
    let (fresh, report) = super::restore::reinstall(&ho, "SH01", t.station.now()).await;
    assert_eq!(report.pull.parked, 0, "{:?}", report.pull);
    assert_eq!(fresh.count("SELECT COUNT(*) FROM repair_orders").await, 2);
    assert_eq!(destroyed_at_a(&fresh.ok(&fresh.manager, "get_customer", json!({"id": crew.customer})).await), gone);
}

/// Station A (SH01) with `finished_day`'s customer 王芳, consenting to sharing, enrolled and synced;
/// station B (SH02) enrolled, whose desk found her at the head office by phone and adopted her.
/// Returns (A, A's crew, B, B's staff member who adopted).
async fn served_at_a_and_adopted_at_b(ho: &HeadOffice) -> (TestStation, common::flow::Crew, TestStation, String) {
    let t = station("SH01").await;
    let crew = t.crew().await;
    let consenting = json!({"id": crew.customer, "fields": {"name": "王芳", "phones": ["13812345678"], "language": "zh-CN", "consent_data": true}});
    t.ok(&t.manager, "update_customer", consenting).await;
    finished_day(&t, &crew).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    let b = station("SH02").await;
    ho.enroll(&b, "SH02").await;
    let advisor = b.staff("陈顾问", "advisor", "2222").await;
    let found = b.ok(&advisor, "head_office_lookup", json!({"q": "13812345678"})).await;
    b.ok(&advisor, "adopt_head_office_record", json!({"q": "13812345678", "target": found["customers"][0]["adopt"]})).await;
    (t, crew, b, advisor)
}

/// `days` later the station's manager destroys everything due; returns the kinds destroyed, sorted.
async fn run_all_due(t: &mut TestStation, days: i64) -> Vec<String> {
    t.set_now(Utc::now() + chrono::Duration::days(days));
    t.relogin_manager().await;
    let due = t.ok(&t.manager, "retention_due", json!({})).await;
    let items: Vec<Value> = due["items"].as_array().unwrap().iter().map(|i| json!({"kind": i["kind"], "subject_id": i["subject_id"]})).collect();
    t.ok(&t.manager, "run_destruction", json!({"pin": "1111", "items": items})).await;
    let mut kinds: Vec<String> = due["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap().to_string()).collect();
    kinds.sort();
    kinds
}

/// `run_all_due`, then a sync that the head office takes without rejecting anything.
async fn destroy_all_due(t: &mut TestStation, days: i64) -> Vec<String> {
    let kinds = run_all_due(t, days).await;
    let report = sync_ok(t).await;
    assert_eq!(report.push.rejected, 0, "{:?}", report.push);
    kinds
}

/// After station A destroyed its orders and 王芳: the head office kept her and the car, B still has them whole.
async fn kept_for_b(ho: &HeadOffice, b: &TestStation, crew: &common::flow::Crew) {
    assert_eq!(name_at_ho(ho, &crew.customer).await, "王芳", "kept for station B");
    assert_eq!(ho.scalar("SELECT count(*) FROM destroyed_shared").await, 0);
    sync_ok(b).await;
    let at_b = b.ok(&b.manager, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!((at_b["customer"]["name"].as_str(), at_b["vehicles"][0]["plate"].as_str()), (Some("王芳"), Some("沪A12345")), "B's customer is not wiped");
}

/// Once the last station holding 王芳 destroyed her: the head office's customer and car are anonymised and closed.
async fn gone_at_the_head_office(ho: &HeadOffice, crew: &common::flow::Crew) {
    assert_eq!(name_at_ho(ho, &crew.customer).await, "已销毁", "no station holds her any more: the head office anonymised its copy");
    let car: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT fields->>'plate', fields->>'vin' FROM shared_records WHERE entity = 'vehicle'").fetch_one(&ho.pool).await.unwrap();
    assert_eq!(car, (None, None), "the head office's copy of the car has neither plate nor VIN");
    assert_eq!(ho.scalar("SELECT count(*) FROM destroyed_shared").await, 2, "both are closed to later edits");
}

#[tokio::test]
async fn a_customer_another_station_adopted_by_a_lookup_is_kept_at_the_head_office_until_that_station_destroys_it_too() {
    let ho = HeadOffice::start().await;
    let (mut t, crew, mut b, _) = served_at_a_and_adopted_at_b(&ho).await;
    let granted = ho.scalar("SELECT count(*) FROM shared_grants g JOIN stations s USING (station_id) WHERE s.code = 'SH02'").await;
    assert_eq!(granted, 2, "the customer and the car, logged");

    // Five years on, station A destroys its orders and the customer; the head office keeps them for B.
    assert_eq!(destroy_all_due(&mut t, 5 * 365 + 2).await, ["repair_order", "repair_order"]);
    kept_for_b(&ho, &b, &crew).await;
    assert_eq!(b.count("SELECT COUNT(*) FROM ho_vehicle_history").await, 0, "nor does B see A's destroyed visits any more");
    sync_ok(&t).await;
    assert_eq!(t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "已销毁", "A's stays destroyed");

    // A year after B last touched them, B's own period for a customer without orders runs out: the last holder destroys them,
    // and the car goes with them: A's visits left B's history when A destroyed the car, so B kept it for nobody.
    assert_eq!(destroy_all_due(&mut b, 366).await, ["customer_without_order"]);
    gone_at_the_head_office(&ho, &crew).await;
    sync_ok(&t).await;
    assert_eq!(t.ok(&t.manager, "get_customer", json!({"id": crew.customer})).await["customer"]["name"], "已销毁");
}

#[tokio::test]
async fn a_customer_with_a_complaint_and_a_service_request_at_another_station_is_kept_at_the_head_office_until_that_station_destroys_them_too() {
    use common::aftersales::{complaint_input, Ticket};
    let ho = HeadOffice::start().await;
    let (mut t, crew, mut b, advisor) = served_at_a_and_adopted_at_b(&ho).await;
    // At station B she complains about the car and asks for a visit; both are dealt with and closed.
    let mut input = complaint_input(&crew.customer, "qual.repair.repeat", "normal");
    input["vehicle_id"] = json!(crew.vehicle);
    let mut c = Ticket::open(&b, &advisor, input).await;
    c.resolve_accepted(&advisor).await;
    c.step(&advisor, json!({"kind": "callback", "reached": true, "text": "已解决"})).await;
    let req = b.ok(&advisor, "open_service_request", json!({"channel": "phone", "request": "想来保养", "customer_id": crew.customer})).await;
    let close = json!({"request_id": req["request"]["id"], "expected_version": req["request"]["version"], "step": {"kind": "close", "text": "已约"}});
    b.ok(&advisor, "service_request_step", close).await;
    sync_ok(&b).await;

    // Station A's orders run out first: the head office keeps her and the car for B.
    destroy_all_due(&mut t, 5 * 365 + 2).await;
    kept_for_b(&ho, &b, &crew).await;

    // Then B's: its complaint and request go, and with them the customer and the car, at B and at the head office.
    assert_eq!(destroy_all_due(&mut b, 5 * 365 + 2).await, ["complaint", "service_request"]);
    gone_at_the_head_office(&ho, &crew).await;
}

#[tokio::test]
async fn an_anonymised_customer_pushed_a_batch_before_its_destruction_is_still_kept_at_the_head_office_for_the_station_holding_it() {
    let ho = HeadOffice::start().await;
    let (mut t, crew, b, _) = served_at_a_and_adopted_at_b(&ho).await;
    run_all_due(&mut t, 5 * 365 + 2).await;
    // Where the run put the customer's anonymised state and the destruction naming it in the outbox.
    let pending: Vec<(String, String, String)> =
        sqlx::query_as("SELECT entity, entity_id, payload FROM outbox WHERE seq > (SELECT acked_seq FROM sync_state WHERE id = 1) ORDER BY seq")
            .fetch_all(t.station.pool())
            .await
            .unwrap();
    let customer_at = pending.iter().position(|(e, i, _)| e == "customer" && *i == crew.customer).unwrap();
    let destruction_at = pending.iter().position(|(e, _, p)| e == "destruction" && p.contains(&crew.customer)).unwrap();
    assert!(customer_at < destruction_at, "the anonymised state comes first: {customer_at} {destruction_at}");

    // Batches cut right after the anonymised customer, as a run destroying more records than a
    // batch holds would: the head office gets the customer's state with no destruction beside it.
    let enrollment = station::sync::state::enrollment(t.station.pool()).await.unwrap().unwrap();
    let client = sync::client::Client::new(&enrollment.head_office_url, Some(enrollment.token.clone())).unwrap();
    let limit = customer_at as i64 + 1;
    let pushed = sync::push::push_in_batches_of(&t.station, &client, enrollment.ho_station_code.clone(), limit).await.unwrap();
    assert!(pushed.batches >= 2, "{pushed:?}");
    assert_eq!(pushed.rejected, 0);
    kept_for_b(&ho, &b, &crew).await;
}
