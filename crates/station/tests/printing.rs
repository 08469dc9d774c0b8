//! Printing signed documents (issue 4): the PDF is built from the signed
//! content, verified first, archived (file + row + outbox) and reprinted
//! unchanged; printers are CUPS `lp`. Needs poppler-utils (`pdftotext`, `pdftoppm`).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use common::flow::{Crew, Flow};
use common::TestStation;
use serde_json::{json, Value};

/// A real signature image (transparent PNG, one wavy stroke), as signature_pad's `toDataURL()` sends it.
fn signature_png_data_url() -> String {
    let (w, h) = (240u32, 80u32);
    let mut img = image::RgbaImage::new(w, h);
    for i in 0..1200 {
        let t = i as f32 / 1200.0;
        let (x, y) = (10.0 + t * 220.0, 40.0 + (t * 15.0).sin() * 20.0);
        for dx in -1i32..=1 {
            for dy in -1i32..=1 {
                let (px, py) = (x as i32 + dx, y as i32 + dy);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    img.put_pixel(px as u32, py as u32, image::Rgba([20, 30, 70, 255]));
                }
            }
        }
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(out))
}

async fn png(t: &TestStation, token: &str) -> String {
    t.ok(token, "upload_photo", json!({"data": signature_png_data_url()})).await["sha256"].as_str().unwrap().to_string()
}

fn on_screen(signer: &str, png_sha: &str) -> Value {
    let strokes = json!([{"penColor": "black", "points": [
        {"x": 10.5, "y": 20, "time": 1_700_000_000_000_i64, "pressure": 0.5},
        {"x": 30, "y": 25.25, "time": 1_700_000_000_016_i64, "pressure": 0.5},
        {"x": 50, "y": 22, "time": 1_700_000_000_032_i64, "pressure": 0.5}
    ]}]);
    json!({"method": "on_screen", "signer_name": signer, "strokes": strokes, "png_sha256": png_sha})
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

fn pdf_bytes(printed: &Value) -> Vec<u8> {
    let url = printed["data_url"].as_str().unwrap();
    let b64 = url.strip_prefix("data:application/pdf;base64,").expect("a PDF data URL");
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

/// The archived file on disk, by its SHA-256.
fn archived_file(t: &TestStation, sha: &str) -> PathBuf {
    t.dir.path().join("files").join(&sha[..2]).join(sha)
}

/// Keeps a copy for people to look at when `STATIONDESK_ARTIFACTS` names a directory (scripts/test.sh sets it).
fn keep(pdf: &Path, name: &str) {
    if let Some(dir) = std::env::var_os("STATIONDESK_ARTIFACTS") {
        let dir = PathBuf::from(dir).join("documents");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::copy(pdf, dir.join(name));
    }
}

fn text_of(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_every_page_renders(pdf: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("pdftoppm").args(["-r", "40", "-png"]).arg(pdf).arg(dir.path().join("page")).output().expect("pdftoppm (poppler-utils)");
    assert!(out.status.success() && out.stderr.is_empty(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let pages = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(pages >= 1, "no page rendered");
}

fn has_image(pdf: &[u8]) -> bool {
    let hay = String::from_utf8_lossy(pdf);
    hay.contains("/Subtype /Image") || hay.contains("/Subtype/Image")
}

async fn print(t: &TestStation, token: &str, ro: &str, auth: &Value, paper: Option<&str>) -> Result<Value, station::ApiError> {
    let mut input = json!({"ro_id": ro, "authorization_id": auth});
    if let Some(p) = paper {
        input["paper"] = json!(p);
    }
    t.call(token, "print_document", input).await
}

#[tokio::test]
async fn a_signed_intake_prints_with_the_chinese_name_the_order_number_the_total_the_hash_and_the_signature() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let auth = &page["authorizations"][0];
    // The desk prints the customer's documents; the workshop does not (docs/privacy.md).
    for token in [&crew.tech, &crew.qc] {
        assert_eq!(print(&t, token, &f.ro, &auth["id"], None).await.unwrap_err().code, "auth.forbidden");
    }
    let printed = print(&t, &crew.advisor, &f.ro, &auth["id"], None).await.unwrap();
    let bytes = pdf_bytes(&printed);
    assert_eq!(printed["size"], bytes.len());
    assert!(bytes.starts_with(b"%PDF"));
    // The archive holds exactly these bytes under their SHA-256.
    let sha = printed["sha256"].as_str().unwrap();
    let file = archived_file(&t, sha);
    assert_eq!(std::fs::read(&file).unwrap(), bytes);

    keep(&file, "station-intake.pdf");
    let text = text_of(&file);
    assert!(text.contains("王芳"), "the customer's Chinese name: {text}");
    let number = page["order"]["number"].as_str().unwrap();
    assert!(text.contains(number), "the order number {number}: {text}");
    let total = page["totals"]["approved"]["total"].as_i64().unwrap();
    let total_text = documents::format::money(total);
    assert!(text.contains(&total_text), "the total {total_text}: {text}");
    let hash = auth["hash"].as_str().unwrap();
    assert!(text.contains(hash), "the hash {hash}: {text}");
    assert_every_page_renders(&file);
    assert!(has_image(&bytes), "the signature is embedded as an image");

    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    let d = &docs["documents"][0];
    assert_eq!(docs["documents"].as_array().unwrap().len(), 1);
    assert_eq!((d["kind"].as_str(), d["paper"].as_str(), d["language"].as_str()), (Some("intake_order"), Some("a4"), Some("zh-CN")));
    assert_eq!(d["content_hash"], auth["hash"]);
    assert_eq!(d["sha256"], printed["sha256"]);
    assert_eq!(d["created_by_name"], "李顾问");
}

#[tokio::test]
async fn a_customer_who_reads_traditional_chinese_signs_and_gets_the_work_order_and_its_terms_in_traditional_characters() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": {"name": "王芳", "phones": ["13812345678"], "language": "zh-TW"}})).await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let auth = &page["authorizations"][0];
    let printed = print(&t, &crew.advisor, &f.ro, &auth["id"], None).await.unwrap();
    let file = archived_file(&t, printed["sha256"].as_str().unwrap());
    keep(&file, "station-intake-zh-TW.pdf");
    let text = text_of(&file);
    for words in ["維修委託書", "工單號", "車架號", "委託條款", "本站對所修項目提供品質保證", "客戶簽字"] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(!text.contains("维修委托书") && !text.contains("本站对所修项目"), "nothing in Simplified: {text}");
    assert_every_page_renders(&file);
    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    assert_eq!(docs["documents"][0]["language"], "zh-TW");
}

#[tokio::test]
async fn a_reprint_returns_the_archived_pdf_unchanged_and_letter_paper_is_a_second_archived_copy() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let auth = page["authorizations"][0]["id"].clone();
    let first = print(&t, &crew.advisor, &f.ro, &auth, None).await.unwrap();
    t.advance(chrono::Duration::hours(3));
    let again = print(&t, &crew.manager, &f.ro, &auth, Some("a4")).await.unwrap();
    assert_eq!(again["document_id"], first["document_id"]);
    assert_eq!(again["sha256"], first["sha256"]);
    assert_eq!(again["data_url"], first["data_url"], "a reprint is byte-identical");
    let fetched = t.ok(&crew.advisor, "get_document", json!({"document_id": first["document_id"]})).await;
    assert_eq!(fetched["data_url"], first["data_url"]);

    let letter = print(&t, &crew.advisor, &f.ro, &auth, Some("letter")).await.unwrap();
    assert_ne!(letter["sha256"], first["sha256"]);
    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    let papers: Vec<&str> = docs["documents"].as_array().unwrap().iter().map(|d| d["paper"].as_str().unwrap()).collect();
    assert_eq!(papers, ["a4", "letter"]);

    let err = t.call(&crew.advisor, "get_document", json!({"document_id": "nope"})).await.unwrap_err();
    assert_eq!(err.code, "not_found");
}

#[tokio::test]
async fn a_line_tampered_with_behind_the_apps_back_makes_printing_refuse_with_document_tampered() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let line = page["jobs"][0]["lines"][0]["id"].as_str().unwrap().to_string();
    sqlx::query("DROP TRIGGER ro_lines_signed_no_edit").execute(t.station.pool()).await.unwrap();
    sqlx::query("UPDATE ro_lines SET amount_minor = 20000 WHERE id = ?").bind(&line).execute(t.station.pool()).await.unwrap();
    let err = print(&t, &crew.advisor, &f.ro, &page["authorizations"][0]["id"], None).await.unwrap_err();
    assert_eq!(err.code, "document.tampered");
    assert!(err.params["fields"].contains(&format!("lines.{line}.amount_minor")), "{err:?}");
    assert!(err.message.contains("verify_order"));
    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    assert!(docs["documents"].as_array().unwrap().is_empty(), "nothing was archived");
}

#[tokio::test]
async fn the_delivery_note_prints_after_delivery_with_the_payment_and_the_acceptance_signature() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    sign_intake(&mut f, &png_sha).await;
    f.drive_to("ready_for_pickup").await;
    let balance = f.page["totals"]["balance"].as_i64().unwrap();
    let advisor = crew.advisor.clone();
    let page = f
        .step(
            &advisor,
            "deliver",
            json!({"odometer_out_km": 10_012, "payments": [{"method": "wechat", "amount": balance}], "acceptance_signature": on_screen("王芳", &png_sha)}),
        )
        .await;
    let acceptance = page["authorizations"].as_array().unwrap().iter().find(|a| a["kind"] == "acceptance").unwrap().clone();
    let printed = print(&t, &crew.advisor, &f.ro, &acceptance["id"], None).await.unwrap();
    let bytes = pdf_bytes(&printed);
    let file = archived_file(&t, printed["sha256"].as_str().unwrap());
    keep(&file, "station-delivery-note.pdf");
    let text = text_of(&file);
    assert!(text.contains("王芳"));
    assert!(text.contains(page["order"]["number"].as_str().unwrap()));
    assert!(text.contains(&documents::format::money(balance)), "the payment and total: {text}");
    assert!(text.contains(acceptance["hash"].as_str().unwrap()));
    assert!(has_image(&bytes), "the acceptance signature is embedded");
    assert_every_page_renders(&file);
    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    assert_eq!(docs["documents"][0]["kind"], "delivery_note");
}

#[tokio::test]
async fn a_decline_prints_as_a_supplemental_style_page() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let job1 = f.job(1);
    let advisor = crew.advisor.clone();
    let page = f
        .step(
            &advisor,
            "record_decline",
            json!({"method": "in_person", "approver_name": "王芳", "declined_job_ids": [job1], "customer_signature": on_screen("王芳", &png_sha)}),
        )
        .await;
    let printed = print(&t, &crew.advisor, &f.ro, &page["authorizations"][0]["id"], None).await.unwrap();
    let text = text_of(&archived_file(&t, printed["sha256"].as_str().unwrap()));
    assert!(text.contains("四轮定位"), "the declined work is listed: {text}");
    assert!(text.contains("客户拒绝"), "it says it is a decline: {text}");
    let docs = t.ok(&crew.advisor, "list_order_documents", json!({"ro_id": f.ro})).await;
    assert_eq!(docs["documents"][0]["kind"], "supplemental_authorization");
}

#[tokio::test]
async fn every_archived_document_and_its_pdf_file_have_their_outbox_rows() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let auth = page["authorizations"][0]["id"].clone();
    let before = t.outbox_count().await;
    let a4 = print(&t, &crew.advisor, &f.ro, &auth, None).await.unwrap();
    assert_eq!(t.outbox_count().await, before + 2, "one file row and one ro_document row");
    print(&t, &crew.advisor, &f.ro, &auth, None).await.unwrap();
    assert_eq!(t.outbox_count().await, before + 2, "a reprint writes nothing");
    print(&t, &crew.advisor, &f.ro, &auth, Some("letter")).await.unwrap();

    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, sha256 FROM ro_documents").fetch_all(t.station.pool()).await.unwrap();
    assert_eq!(rows.len(), 2);
    for (id, sha) in rows {
        let doc: Option<String> = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'ro_document' AND entity_id = ?")
            .bind(&id)
            .fetch_optional(t.station.pool())
            .await
            .unwrap();
        let doc: Value = serde_json::from_str(&doc.expect("an ro_document outbox row")).unwrap();
        assert_eq!(doc["sha256"], json!(sha));
        assert_eq!(doc["content_hash"], page["authorizations"][0]["hash"]);
        let file: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE entity = 'file' AND entity_id = ?").bind(&sha).fetch_one(t.station.pool()).await.unwrap();
        assert_eq!(file, 1, "the PDF file has its outbox row");
        let mime: String = sqlx::query_scalar("SELECT mime FROM files WHERE sha256 = ?").bind(&sha).fetch_one(t.station.pool()).await.unwrap();
        assert_eq!(mime, "application/pdf");
    }
    assert_eq!(sync_protocol::entity::kind_of("ro_document"), Some(sync_protocol::EntityKind::AppendOnly));
    // The archive is immutable.
    assert!(sqlx::query("DELETE FROM ro_documents WHERE id = ?").bind(a4["document_id"].as_str()).execute(t.station.pool()).await.is_err());
}

#[tokio::test]
async fn printing_to_a_printer_without_cups_says_print_no_cups() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let png_sha = png(&t, &crew.advisor).await;
    let mut f = estimate(&t, &crew).await;
    let page = sign_intake(&mut f, &png_sha).await;
    let printed = print(&t, &crew.advisor, &f.ro, &page["authorizations"][0]["id"], None).await.unwrap();
    let err = t.call(&crew.advisor, "print_to_printer", json!({"document_id": printed["document_id"], "printer": "-o evil"})).await.unwrap_err();
    assert_eq!(err.code, "print.bad_printer");
    let lp_present = Command::new("lp").arg("--help").output().is_ok();
    if lp_present {
        eprintln!("note: lp is installed here; not printing to a real printer, so print_to_printer is not exercised");
        return;
    }
    let err = t.call(&crew.advisor, "print_to_printer", json!({"document_id": printed["document_id"]})).await.unwrap_err();
    assert_eq!(err.code, "print.no_cups");
    let printers = t.ok(&crew.advisor, "list_printers", json!({})).await;
    assert_eq!(printers["cups"], false);
    assert_eq!(printers["printers"], json!([]));
}

/// Bytes the way a killed print or upload leaves them: on disk, no row.
fn plant(dir: &Path, top: &str, name: &str, minutes_old: u64) -> PathBuf {
    let path = dir.join(top).join(&name[..2]).join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"%PDF-1.7 half a document").unwrap();
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(minutes_old * 60);
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
    path
}

#[tokio::test]
async fn bytes_a_killed_print_left_without_a_record_are_deleted_when_the_station_opens_and_kept_files_stay() {
    let t = TestStation::new().await;
    let kept = png(&t, &t.manager).await;
    let dir = t.dir.path();
    let kept_path = dir.join("files").join(&kept[..2]).join(&kept);
    let kept_thumb = dir.join("thumbs").join(&kept[..2]).join(&kept);
    assert!(kept_path.exists() && kept_thumb.exists());
    // Old enough not to be another process's write in flight.
    for p in [&kept_path, &kept_thumb] {
        std::fs::File::options().write(true).open(p).unwrap().set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600)).unwrap();
    }
    let orphan = plant(dir, "files", &"ab".repeat(32), 60);
    let orphan_thumb = plant(dir, "thumbs", &"ab".repeat(32), 60);
    let leftover = plant(dir, "files", &format!("{}.part", "cd".repeat(32)), 60);
    let in_flight = plant(dir, "files", &"ef".repeat(32), 1);

    let _reopened = common::open_at(dir, t.clock.clone()).await;

    assert!(!orphan.exists() && !orphan_thumb.exists(), "bytes no record names are gone, thumbnail too");
    assert!(!leftover.exists(), "a half-written .part is gone");
    assert!(in_flight.exists(), "a minute-old file may be another process's print about to commit: kept");
    assert!(kept_path.exists() && kept_thumb.exists(), "a stored file with its record stays");
    let again = t.ok(&t.manager, "get_file", json!({"sha256": kept})).await;
    assert!(again["data_url"].as_str().unwrap().starts_with("data:image/png;base64,"));
}
