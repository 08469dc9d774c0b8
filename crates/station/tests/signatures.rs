//! Signed work orders (issue 4): signatures on authorizations, declines and
//! the acceptance at delivery; tamper-evident content; locked lines; verify.

mod common;

use common::flow::{Crew, Flow};
use common::{open_at, TestStation};
use serde_json::{json, Value};
use sync_protocol::signed::{canonical_json, content_hash, sha256_hex, verify, SignedError};

/// A 1×1 PNG, as signature_pad's `toDataURL()` would send a (very small) one.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// The text a signed document holds, as stored (the order page leaves it out: it names the customer's whole number).
async fn signed_text(t: &TestStation, auth: &Value) -> String {
    sqlx::query_scalar("SELECT content FROM ro_authorizations WHERE id = ?").bind(auth["id"].as_str().unwrap()).fetch_one(t.station.pool()).await.unwrap()
}

async fn png(t: &TestStation, token: &str) -> String {
    t.ok(token, "upload_photo", json!({"data": PNG})).await["sha256"].as_str().expect("sha").to_string()
}

/// signature_pad `toData()`: one stroke of three points.
fn strokes() -> Value {
    json!([{"penColor": "black", "dotSize": 0, "minWidth": 0.5, "maxWidth": 2.5, "points": [
        {"x": 10.5, "y": 20, "time": 1_700_000_000_000_i64, "pressure": 0.5},
        {"x": 30, "y": 25.25, "time": 1_700_000_000_016_i64, "pressure": 0.5},
        {"x": 50, "y": 22, "time": 1_700_000_000_032_i64, "pressure": 0.5}
    ]}])
}

fn on_screen(signer: &str, png_sha: &str) -> Value {
    json!({"method": "on_screen", "signer_name": signer, "strokes": strokes(), "png_sha256": png_sha})
}

/// An order in estimate_ready with a 1.5 h labor line at 200.00 on job 0 and a sublet on job 1.
async fn estimate<'a>(t: &'a TestStation, crew: &'a Crew) -> Flow<'a> {
    let mut f = Flow::in_status(t, crew, "diagnosing").await;
    f.labor(0, 1500, 20_000).await;
    let job1 = f.job(1);
    f.step(&crew.advisor, "add_line", json!({"job_id": job1, "kind": "sublet", "description": "四轮定位", "unit_price": 8_000})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    f
}

/// The customer approves every pending job, signing on screen; the advisor countersigns.
async fn sign_intake(f: &mut Flow<'_>, png_sha: &str) -> Value {
    let jobs: Vec<Value> = f.page["jobs"].as_array().unwrap().iter().filter(|j| j["approval"] == "pending").map(|j| j["id"].clone()).collect();
    let amount = f.page["totals"]["estimate"]["total"].clone();
    let advisor = f.crew.advisor.clone();
    f.step(
        &advisor,
        "record_authorization",
        json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount,
               "customer_signature": on_screen("王芳", png_sha), "advisor_signature": on_screen("", png_sha)}),
    )
    .await
}

fn line_id(page: &Value, job: usize, i: usize) -> String {
    page["jobs"][job]["lines"][i]["id"].as_str().expect("line").to_string()
}

async fn verify_report(t: &TestStation, ro: &str) -> Value {
    t.ok(&t.manager, "verify_order", json!({"ro_id": ro})).await
}

fn fields(report: &Value, doc: usize) -> Vec<String> {
    report["documents"][doc]["differences"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_string()).collect()
}

async fn raw(t: &TestStation, sql: &str) {
    sqlx::query(sql).execute(t.station.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn the_same_content_gives_the_same_hash_in_every_run() {
    // Keys in any order, Chinese text, nested: one canonical text, one hash, always.
    let a = json!({"order": {"number": "SH01-2026-0001", "odometer_in_km": 10000}, "customer": {"name": "王芳"}, "totals": {"total_minor": 33900}});
    let b: Value =
        serde_json::from_str(r#"{"totals":{"total_minor":33900},"customer":{"name":"王芳"},"order":{"odometer_in_km":10000,"number":"SH01-2026-0001"}}"#)
            .unwrap();
    let text = canonical_json(&a);
    assert_eq!(text, r#"{"customer":{"name":"王芳"},"order":{"number":"SH01-2026-0001","odometer_in_km":10000},"totals":{"total_minor":33900}}"#);
    assert_eq!(canonical_json(&b), text);
    assert_eq!(content_hash(&a), content_hash(&b));
    // Fixed here, computed once with `sha256sum`: any change of the canonical form shows up.
    assert_eq!(content_hash(&a), "084ebadc7252b6a2e26e210577dc25028a788f309548e74a6ef17a4faa7029e5");
    assert_eq!(content_hash(&Value::String(text.clone())), sha256_hex(text.as_bytes()), "content sent as text hashes its bytes as they are");
}

#[tokio::test]
async fn a_signed_intake_keeps_its_hash_after_a_round_trip_through_the_database() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    assert_eq!(f.status(), "approved");
    let auth = &page["authorizations"][0];
    assert_eq!(auth["kind"], "intake");
    assert_eq!(auth["signed"], true);
    assert_eq!(auth["language"], "zh-CN");
    assert_eq!(auth["terms_version"], "2026-1");
    let sigs = auth["signatures"].as_array().unwrap();
    assert_eq!(sigs.iter().map(|s| s["role"].as_str().unwrap()).collect::<Vec<_>>(), ["customer", "advisor"]);
    assert_eq!(sigs[1]["signer_name"], "李顾问", "the advisor's name defaults to the caller's");
    let content = signed_text(&t, &auth).await;
    let hash = auth["hash"].as_str().unwrap().to_string();
    assert_eq!(sha256_hex(content.as_bytes()), hash);
    // The content is canonical: parsing and writing it again gives the same bytes and hash.
    let parsed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(canonical_json(&parsed), content);
    assert_eq!(content_hash(&parsed), hash);
    // What was signed: header, customer, vehicle, jobs and lines with amounts, totals, terms, language, signatures.
    assert_eq!(parsed["order"]["number"], f.page["order"]["number"]);
    assert_eq!(parsed["order"]["odometer_in_km"], 10_000);
    assert_eq!(parsed["order"]["fuel_eighths"], 4);
    assert_eq!(parsed["customer"]["name"], "王芳");
    assert_eq!(parsed["vehicle"]["plate"], "沪A12345");
    assert_eq!(parsed["jobs"][0]["lines"][0]["amount_minor"], 30_000);
    assert_eq!(parsed["jobs"][0]["approval"], "approved");
    assert_eq!(parsed["totals"]["total_minor"], f.page["totals"]["approved"]["total"]);
    assert_eq!(parsed["terms"]["version"], "2026-1");
    assert_eq!(parsed["signatures"][0]["png_sha256"], json!(png_sha));
    assert_eq!(parsed["signatures"][0]["strokes_sha256"], json!(sha256_hex(canonical_json(&strokes()).as_bytes())));

    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "intact", "{report}");
    assert_eq!(report["documents"][0]["hash"], json!(hash));

    // Reopen the station on the same files: the same stored content, the same hash, still intact.
    let ro = f.ro.clone();
    t.station.pool().close().await;
    let again = open_at(t.dir.path(), t.clock.clone()).await;
    let stored: (String, String) =
        sqlx::query_as("SELECT content, hash FROM ro_authorizations WHERE ro_id = ?").bind(&ro).fetch_one(again.pool()).await.unwrap();
    assert_eq!(stored, (content.clone(), hash.clone()));
    let report = station::workflow::signing::verify_records(&again, &ro).await.unwrap();
    assert!(report.intact, "{report:?}");
}

#[tokio::test]
async fn a_line_amount_changed_behind_the_apps_back_is_reported_with_its_document_and_field() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let line = line_id(&page, 0, 0);
    // The triggers refuse it; an attacker with the sqlite3 shell drops them first.
    let refused = sqlx::query("UPDATE ro_lines SET amount_minor = 1 WHERE id = ?").bind(&line).execute(t.station.pool()).await;
    assert!(refused.is_err(), "a signed line's amount cannot be changed");
    raw(&t, "DROP TRIGGER ro_lines_signed_no_edit").await;
    raw(&t, &format!("UPDATE ro_lines SET amount_minor = 20000 WHERE id = '{line}'")).await;
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "tampered");
    assert_eq!(report["documents"][0]["kind"], "intake");
    assert_eq!(report["documents"][0]["status"], "tampered");
    assert_eq!(fields(&report, 0), [format!("lines.{line}.amount_minor")]);
    let d = &report["documents"][0]["differences"][0];
    assert_eq!((d["signed"].as_str(), d["current"].as_str()), (Some("30000"), Some("20000")));
}

#[tokio::test]
async fn an_amount_changed_in_the_stored_content_is_reported() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let line = line_id(&page, 0, 0);
    let refused = sqlx::query("UPDATE ro_authorizations SET note = 'x'").execute(t.station.pool()).await;
    assert!(refused.is_err(), "a signed document is immutable");
    raw(&t, "DROP TRIGGER ro_authorizations_no_update").await;
    raw(&t, "UPDATE ro_authorizations SET content = replace(content, '\"amount_minor\":30000,\"description\"', '\"amount_minor\":3000,\"description\"')").await;
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "tampered");
    let got = fields(&report, 0);
    assert!(got.contains(&"hash".to_string()), "{got:?}");
    assert!(got.contains(&format!("lines.{line}.amount_minor")), "{got:?}");
    assert!(got.contains(&"totals.labor_minor".to_string()), "the stated totals no longer follow from the lines: {got:?}");

    // Even with the hash recomputed to match, the rebuild from the rows catches it.
    let content: String = sqlx::query_scalar("SELECT content FROM ro_authorizations").fetch_one(t.station.pool()).await.unwrap();
    raw(&t, &format!("UPDATE ro_authorizations SET hash = '{}'", sha256_hex(content.as_bytes()))).await;
    let report = verify_report(&t, &f.ro).await;
    let got = fields(&report, 0);
    assert!(!got.contains(&"hash".to_string()) && got.contains(&format!("lines.{line}.amount_minor")), "{got:?}");
}

#[tokio::test]
async fn a_changed_signature_byte_is_reported() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    sign_intake(&mut f, &png_sha).await;
    // One byte of the stored PNG.
    let path = t.dir.path().join("files").join(&png_sha[..2]).join(&png_sha);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 5;
    bytes[last] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "tampered");
    assert_eq!(fields(&report, 0), ["signatures.customer.png_file", "signatures.advisor.png_file"]);

    // One byte of the stored strokes.
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    sign_intake(&mut f, &png_sha).await;
    assert!(sqlx::query("UPDATE ro_signatures SET signer_name = 'x'").execute(t.station.pool()).await.is_err(), "signatures are immutable");
    raw(&t, "DROP TRIGGER ro_signatures_no_update").await;
    raw(&t, "UPDATE ro_signatures SET strokes = replace(strokes, '10.5', '10.6') WHERE role = 'customer'").await;
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(fields(&report, 0), ["signatures.customer.strokes_sha256"]);
}

#[tokio::test]
async fn an_authorized_line_cannot_be_edited_or_removed() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let line = line_id(&page, 0, 0);
    let err = f.try_step(&crew.manager, "remove_line", json!({"line_id": line})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("line.authorized", Some("line_id")));
    assert!(err.message.contains("工时"), "the message names the locked line: {}", err.message);
    // Below the app too: the database refuses.
    assert!(sqlx::query("DELETE FROM ro_lines WHERE id = ?").bind(&line).execute(t.station.pool()).await.is_err());
    assert!(sqlx::query("UPDATE ro_lines SET unit_price_minor = 1 WHERE id = ?").bind(&line).execute(t.station.pool()).await.is_err());
    // A line the customer has not signed for yet is still removable.
    let job0 = f.job(0);
    f.step(&crew.advisor, "add_line", json!({"job_id": job0, "kind": "sublet", "description": "洗车", "unit_price": 2_000})).await;
    let extra = line_id(&f.page, 0, 1);
    f.step(&crew.advisor, "remove_line", json!({"line_id": extra})).await;
}

#[tokio::test]
async fn a_supplemental_authorization_allows_the_change_and_keeps_the_earlier_one_intact() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let intake = page["authorizations"][0].clone();
    f.move_to(&crew.tech, "in_repair").await;
    // Changed work: more labor on the approved job; it is not covered until the customer signs again.
    f.labor(0, 1000, 10_000).await;
    let new_line = line_id(&f.page, 0, 1);
    f.complete_all().await;
    let err = f.try_move(&crew.tech, "quality_check", "").await.unwrap_err();
    assert_eq!(err.code, "transition.uncovered_amount");
    let extra = f.page["totals"]["approved"]["total"].as_i64().unwrap() - f.page["totals"]["authorized"].as_i64().unwrap();
    let page = f
        .step(
            &crew.advisor,
            "record_authorization",
            json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [], "amount": extra,
                   "customer_signature": {"method": "by_phone", "phone_approved_by": "王芳", "phone_at": "2026-11-22T03:00:00Z"}}),
        )
        .await;
    let chain = page["authorizations"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0], intake, "the intake is unchanged");
    assert_eq!(chain[1]["kind"], "supplemental");
    assert_eq!(chain[1]["signatures"][0]["method"], "by_phone");
    let sup: Value = serde_json::from_str(&signed_text(&t, &chain[1]).await).unwrap();
    assert_eq!(sup["document"]["previous_hash"], intake["hash"], "each document names the one before it");
    assert_eq!(sup["jobs"][0]["lines"][1]["amount_minor"], 10_000);
    assert_ne!(chain[1]["hash"], intake["hash"]);
    f.move_to(&crew.tech, "quality_check").await;
    // The new line is now locked as well, and the whole chain verifies.
    f.qc(&crew.qc, false).await.unwrap();
    let err = f.try_step(&crew.manager, "remove_line", json!({"line_id": new_line})).await.unwrap_err();
    assert_eq!(err.code, "line.authorized");
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "intact", "{report}");
    assert_eq!(report["documents"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_empty_signature_is_refused_with_a_field_error() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let jobs: Vec<Value> = f.page["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect();
    let amount = f.page["totals"]["estimate"]["total"].clone();
    let base = json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount});
    let cases = [
        (json!({"method": "on_screen", "strokes": [], "png_sha256": png_sha}), "signature.empty", "customer_signature.strokes"),
        (
            json!({"method": "on_screen", "strokes": [{"points": [{"x": 1, "y": 1, "time": 1, "pressure": 0.5}]}], "png_sha256": png_sha}),
            "signature.empty",
            "customer_signature.strokes",
        ),
        (json!({"method": "on_screen", "png_sha256": png_sha}), "signature.empty", "customer_signature.strokes"),
        (json!({"method": "on_screen", "strokes": strokes()}), "signature.png_required", "customer_signature.png_sha256"),
        (json!({"method": "on_screen", "strokes": strokes(), "png_sha256": "0".repeat(64)}), "signature.file_unknown", "customer_signature.png_sha256"),
        (json!({"method": "on_paper"}), "signature.scan_required", "customer_signature.paper_scan_sha256"),
        (json!({"method": "by_phone", "phone_approved_by": "王芳"}), "signature.phone_details_required", "customer_signature.phone_at"),
    ];
    for (sig, code, field) in cases {
        let mut input = base.clone();
        input["customer_signature"] = sig.clone();
        let err = f.try_step(&crew.advisor, "record_authorization", input).await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), (code, Some(field)), "{sig}");
    }
    assert_eq!(f.status(), "estimate_ready", "nothing was recorded");
    assert_eq!(t.count("SELECT COUNT(*) FROM ro_authorizations").await, 0);
    // On paper with a scan is a signature.
    let mut input = base.clone();
    input["customer_signature"] = json!({"method": "on_paper", "paper_scan_sha256": png_sha});
    let page = f.step(&crew.advisor, "record_authorization", input).await;
    assert_eq!(page["authorizations"][0]["signatures"][0]["method"], "on_paper");
}

#[tokio::test]
async fn an_authorization_without_a_signature_is_hashed_and_recorded_as_unsigned() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = estimate(&t, &crew).await;
    let page = f.authorize_all().await;
    let auth = &page["authorizations"][0];
    assert_eq!(auth["signed"], false);
    assert_eq!(auth["signatures"], json!([]));
    assert_eq!(sha256_hex(signed_text(&t, &auth).await.as_bytes()), auth["hash"].as_str().unwrap());
    assert_eq!(verify_report(&t, &f.ro).await["status"], "intact");
}

#[tokio::test]
async fn the_outbox_carries_the_signed_document_and_the_head_office_check_accepts_it_until_it_is_tampered_with() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    sign_intake(&mut f, &png_sha).await;
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'ro_authorization' ORDER BY seq").fetch_all(t.station.pool()).await.unwrap();
    assert_eq!(payloads.len(), 1, "a signed document is sent once");
    let mut payload: Value = serde_json::from_str(&payloads[0]).unwrap();
    assert!(payload["content"].is_string() && payload["hash"].is_string());
    assert_eq!(payload["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(sync_protocol::entity::kind_of("ro_authorization"), Some(sync_protocol::EntityKind::Signed));
    assert_eq!(verify(&payload), Ok(()));
    let tampered = payload["content"].as_str().unwrap().replace("\"amount_minor\":30000,", "\"amount_minor\":3000,");
    payload["content"] = json!(tampered);
    assert!(matches!(verify(&payload), Err(SignedError::Mismatch { .. })));
}

#[tokio::test]
async fn a_decline_and_the_acceptance_at_delivery_are_signed_documents_in_the_chain() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    // The customer declines the recommended alignment (job 1), signing on screen.
    let job1 = f.job(1);
    let page = f
        .step(
            &crew.advisor,
            "record_decline",
            json!({"method": "in_person", "approver_name": "王芳", "declined_job_ids": [job1], "customer_signature": on_screen("王芳", &png_sha)}),
        )
        .await;
    assert_eq!(page["jobs"][1]["approval"], "declined");
    assert_eq!(page["jobs"][0]["approval"], "pending", "a decline decides only the jobs it names");
    assert_eq!(page["authorizations"][0]["kind"], "decline");
    let decline: Value = serde_json::from_str(&signed_text(&t, &page["authorizations"][0]).await).unwrap();
    assert_eq!(decline["jobs"][0]["approval"], "declined");
    assert_eq!(decline["totals"]["declined_minor"], 8_000);
    sign_intake(&mut f, &png_sha).await;
    f.drive_to("ready_for_pickup").await;
    let balance = f.page["totals"]["balance"].clone();
    let page = f
        .step(
            &crew.advisor,
            "deliver",
            json!({"odometer_out_km": 10_012, "payments": [{"method": "wechat", "amount": balance}], "acceptance_signature": on_screen("王芳", &png_sha)}),
        )
        .await;
    let kinds: Vec<&str> = page["authorizations"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["decline", "intake", "acceptance"]);
    let acceptance: Value = serde_json::from_str(&signed_text(&t, &page["authorizations"][2]).await).unwrap();
    assert_eq!(acceptance["delivery"]["odometer_out_km"], 10_012);
    assert_eq!(acceptance["delivery"]["payments"][0]["amount_minor"], balance);
    assert_eq!(page["totals"]["authorized"], page["totals"]["approved"]["total"], "declines and acceptances add no amount");
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(report["status"], "intact", "{report}");
    // An advisor cannot run verify; a manager can.
    let err = t.call(&crew.advisor, "verify_order", json!({"ro_id": f.ro})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
}

#[tokio::test]
async fn returning_an_unused_part_is_not_mistaken_for_tampering() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("W712/75", 4_500, 10_000).await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job0 = f.job(0);
    f.step(&crew.advisor, "add_line", json!({"job_id": job0, "kind": "part", "part_id": part, "quantity_milli": 2000})).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    f.authorize_all().await;
    f.move_to(&crew.tech, "in_repair").await;
    let line = line_id(&f.page, 0, 0);
    f.step(&crew.tech, "issue_part", json!({"line_id": line, "quantity_milli": 2000})).await;
    f.step(&crew.tech, "return_part", json!({"line_id": line, "quantity_milli": 1000})).await;
    assert_eq!(f.page["jobs"][0]["lines"][0]["amount"], 4_500);
    assert_eq!(verify_report(&t, &f.ro).await["status"], "intact");
    // But the same change made by hand is caught.
    raw(&t, "DROP TRIGGER ro_lines_signed_no_edit").await;
    raw(&t, &format!("UPDATE ro_lines SET quantity_milli = 1500, amount_minor = 6750 WHERE id = '{line}'")).await;
    let report = verify_report(&t, &f.ro).await;
    assert_eq!(fields(&report, 0), [format!("lines.{line}.quantity_milli"), format!("lines.{line}.amount_minor")]);
}
