//! Printing signed documents (issue 4): turns an order's stored, signed
//! authorization into a PDF with the `documents` crate, keeps every printed PDF
//! in the order's archive (a content-addressed file plus an `ro_documents` row),
//! and sends archived PDFs to a CUPS printer with `lp`.
//!
//! What is printed comes from the authorization's canonical `content` (the
//! signed truth), never from the order's live rows: the jobs, lines, amounts,
//! totals, payments, customer and vehicle are the ones the customer signed.
//! Around it go the station header, the terms text of the signed version and
//! language, the signature images (PNG files by SHA-256) and the hash, as text
//! and in the QR code (`stationdesk:<order number>:<hash>`). Only the walk-around
//! marks and concerns' fault codes, which the content does not carry and which
//! never change after check-in, are read from the order's rows.
//!
//! Before printing, `signing::verify_records` runs for the whole order: a
//! document that no longer matches the records is refused (`document.tampered`).
//! A decline prints as a supplemental-style page ("declined recommended work").

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::ops::NoInput;
use crate::privacy::access_register::{self, AccessKind, Subject};
use crate::station::{new_id, ts, Station, StationRow};
use crate::store::{db, outbox};
use crate::workflow::delivery::PaymentMethod;
use crate::workflow::jobs::Approval;
use crate::workflow::lines::LineKind;
use crate::workflow::signed_content::{JobPart, LinePart, PaymentPart, SignaturePart, SignedContent};
use crate::workflow::signing;

const PDF_MIME: &str = "application/pdf";

/// Paper size of a printed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaperSize {
    #[default]
    A4,
    Letter,
}

impl PaperSize {
    fn as_str(self) -> &'static str {
        match self {
            PaperSize::A4 => "a4",
            PaperSize::Letter => "letter",
        }
    }

    pub(crate) fn to_documents(self) -> documents::Paper {
        match self {
            PaperSize::A4 => documents::Paper::A4,
            PaperSize::Letter => documents::Paper::Letter,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PrintDocument {
    pub ro_id: String,
    /// The signed document (an entry of `OrderDetail.authorizations`).
    pub authorization_id: String,
    /// A4 unless given.
    #[serde(default)]
    #[ts(optional)]
    pub paper: Option<PaperSize>,
}

/// A printed document's PDF, from the archive.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintedDocument {
    pub document_id: String,
    /// SHA-256 of the PDF bytes (not of the signed content).
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
    /// `data:application/pdf;base64,…`, to show or save the PDF.
    pub data_url: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct OrderDocumentsInput {
    pub ro_id: String,
}

/// One PDF in an order's archive.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct ArchivedDocument {
    pub id: String,
    pub ro_id: String,
    pub authorization_id: String,
    /// `intake_order`, `supplemental_authorization` or `delivery_note`.
    pub kind: String,
    /// `zh-CN`, `zh-TW` or `en`.
    pub language: String,
    /// `a4` or `letter`.
    pub paper: String,
    /// SHA-256 of the PDF.
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
    /// The hash of the signed content printed on the document.
    pub content_hash: String,
    pub created_at: String,
    pub created_by: String,
    pub created_by_name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderDocuments {
    /// Oldest first.
    pub documents: Vec<ArchivedDocument>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct GetDocument {
    pub document_id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PrintToPrinter {
    pub document_id: String,
    /// A CUPS destination from `list_printers`; the default printer when absent.
    #[serde(default)]
    #[ts(optional)]
    pub printer: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintJob {
    pub printer: Option<String>,
    /// What `lp` said, e.g. `request id is office-42 (1 file(s))`.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Printers {
    /// Whether CUPS (`lpstat`) is available on this computer.
    pub cups: bool,
    pub printers: Vec<String>,
    pub default_printer: Option<String>,
}

// ---------------------------------------------------------------------------
// Building the document model from the signed content

/// A text that may be blank, as the document leaves it out.
fn opt(v: Option<&str>) -> Option<String> {
    v.map(str::trim).filter(|x| !x.is_empty()).map(str::to_string)
}

fn language_of(v: &str) -> documents::Language {
    documents::Language::from_code(v).unwrap_or_default()
}

/// A stored UTC time in the station's local time (RFC 3339 with its offset), as printed.
fn local(station: &StationRow, raw: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(raw) {
        Ok(t) => t.with_timezone(&station.offset()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        Err(_) => raw.to_string(),
    }
}

fn printed_kind(kind: signing::DocumentKind) -> documents::DocumentKind {
    match kind {
        signing::DocumentKind::Intake => documents::DocumentKind::IntakeOrder,
        signing::DocumentKind::Supplemental | signing::DocumentKind::Decline => documents::DocumentKind::SupplementalAuthorization,
        signing::DocumentKind::Acceptance => documents::DocumentKind::DeliveryNote,
    }
}

fn printed_kind_str(kind: documents::DocumentKind) -> &'static str {
    match kind {
        documents::DocumentKind::IntakeOrder => "intake_order",
        documents::DocumentKind::SupplementalAuthorization => "supplemental_authorization",
        documents::DocumentKind::DeliveryNote => "delivery_note",
    }
}

fn line_of(v: &LinePart, lang: documents::Language) -> documents::WorkLine {
    let kind = match v.kind {
        LineKind::Part => documents::LineKind::Part,
        LineKind::Sublet => documents::LineKind::Sublet,
        LineKind::Labor => documents::LineKind::Labor,
    };
    documents::WorkLine {
        kind,
        code: None,
        description: v.description.clone(),
        quantity_milli: v.quantity_milli,
        unit: (kind == documents::LineKind::Labor).then(|| lang.pick("工时", "工時", "h").to_string()),
        unit_price: v.unit_price_minor,
        amount: v.amount_minor,
    }
}

fn job_of(v: &JobPart, lang: documents::Language) -> documents::Job {
    documents::Job {
        title: v.concern.clone(),
        decision: if v.approval == Approval::Declined { documents::Decision::Declined } else { documents::Decision::Approved },
        lines: v.lines.iter().map(|l| line_of(l, lang)).collect(),
    }
}

fn payment_of(station: &StationRow, v: &PaymentPart) -> documents::Payment {
    let method = match v.method {
        PaymentMethod::Cash => documents::PaymentMethod::Cash,
        PaymentMethod::Wechat => documents::PaymentMethod::Wechat,
        PaymentMethod::Alipay => documents::PaymentMethod::Alipay,
        PaymentMethod::Card => documents::PaymentMethod::BankCard,
        PaymentMethod::BankTransfer => documents::PaymentMethod::Transfer,
        PaymentMethod::Account => documents::PaymentMethod::Other,
    };
    documents::Payment { method, amount: v.amount_minor, paid_at: local(station, &v.at), reference: None }
}

/// A signature's image: the on-screen PNG, or a paper scan when it is a PNG.
/// Anything that does not decode as PNG is left out with a note instead.
fn signature_of(station: &Station, row: &StationRow, v: &SignaturePart, lang: documents::Language) -> documents::Signature {
    let role = match v.role {
        signing::SignerRole::Advisor => documents::SignerRole::Advisor,
        signing::SignerRole::Customer => documents::SignerRole::Customer,
    };
    let method = match v.method {
        signing::SignatureMethod::OnPaper => documents::SignatureMethod::OnPaper,
        signing::SignatureMethod::ByPhone => documents::SignatureMethod::ByPhone,
        signing::SignatureMethod::OnScreen => documents::SignatureMethod::OnScreen,
    };
    let png = |sha: Option<String>| -> Option<Vec<u8>> {
        let bytes = crate::photos::stored_file_bytes(station, &sha?)?;
        let decodes =
            image::guess_format(&bytes).ok() == Some(image::ImageFormat::Png) && image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).is_ok();
        decodes.then_some(bytes)
    };
    let (image_png, note) = match method {
        documents::SignatureMethod::OnScreen => (png(opt(v.png_sha256.as_deref())), None),
        documents::SignatureMethod::OnPaper => match png(opt(v.paper_scan_sha256.as_deref())) {
            Some(bytes) => (Some(bytes), None),
            None => (None, Some(lang.pick("纸质签字，扫描件存档", "紙質簽字，掃描件存檔", "Signed on paper; the scan is on file").to_string())),
        },
        documents::SignatureMethod::ByPhone => {
            let by = v.phone_approved_by.clone().unwrap_or_default();
            let at = local(row, v.phone_at.as_deref().unwrap_or_default()).replace('T', " ");
            let at = at.get(..16).unwrap_or(&at).to_string();
            let sep = if lang.is_chinese() { "，" } else { ", " };
            (None, Some(format!("{}{by}{sep}{at}", lang.pick("电话授权：", "電話授權：", "Approved by phone: "))))
        }
    };
    documents::Signature { role, name: v.signer_name.clone(), signed_at: local(row, &v.signed_at), method, image_png, note }
}

/// One signed authorization as stored.
struct SignedRecord {
    id: String,
    ro_id: String,
    kind: signing::DocumentKind,
    content: SignedContent,
    hash: String,
}

async fn signed_record(conn: &mut SqliteConnection, ro_id: &str, authorization_id: &str) -> Result<SignedRecord> {
    type Row = (String, String, signing::DocumentKind, Option<String>, Option<String>);
    let row: Option<Row> = sqlx::query_as("SELECT id, ro_id, kind, content, hash FROM ro_authorizations WHERE id = ? AND ro_id = ?")
        .bind(authorization_id)
        .bind(ro_id)
        .fetch_optional(&mut *conn)
        .await?;
    let (id, ro_id, kind, content, hash) = row.ok_or_else(|| ApiError::not_found("signed document").with_field("authorization_id"))?;
    let (Some(content), Some(hash)) = (content, hash) else {
        return Err(ApiError::invalid(
            "document.unhashed",
            "this authorization was recorded before signed documents existed: it has no signed content to print",
        )
        .with_field("authorization_id"));
    };
    let content = SignedContent::read(&content).map_err(ApiError::internal)?;
    Ok(SignedRecord { id, ro_id, kind, content, hash })
}

/// Builds the printed document of `rec` from its signed content.
async fn build(station: &Station, conn: &mut SqliteConnection, rec: &SignedRecord, paper: PaperSize) -> Result<documents::Document> {
    let info = station.require_info().await?;
    let c = &rec.content;
    let lang = language_of(&c.language);
    let kind = printed_kind(rec.kind);
    let order = &c.order;
    let number = order.number.clone();

    let terms_text = signing::terms_text(conn, &c.terms.version, &c.language).await?.unwrap_or_default();

    // Check-in facts the signed content does not carry; they never change after check-in.
    let marks: Vec<(i64, i64, String, String)> =
        sqlx::query_as("SELECT x, y, kind, note FROM ro_damage_marks WHERE ro_id = ? ORDER BY rowid").bind(&rec.ro_id).fetch_all(&mut *conn).await?;
    let fault_codes: HashMap<String, String> = sqlx::query_as::<_, (String, String)>("SELECT text, fault_codes FROM ro_concerns WHERE ro_id = ?")
        .bind(&rec.ro_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let advisor: Option<String> = sqlx::query_scalar("SELECT s.name FROM repair_orders r JOIN staff s ON s.id = r.advisor_id WHERE r.id = ?")
        .bind(&rec.ro_id)
        .fetch_optional(&mut *conn)
        .await?;

    let all_jobs = &c.jobs;
    // An intake or delivery note shows every decided job; a supplemental or a decline the jobs it decides.
    let jobs: Vec<documents::Job> = match rec.kind {
        signing::DocumentKind::Supplemental | signing::DocumentKind::Decline => all_jobs.iter().filter(|j| j.decided_here).map(|j| job_of(j, lang)).collect(),
        signing::DocumentKind::Intake => all_jobs.iter().map(|j| job_of(j, lang)).collect(),
        // The delivery note is the bill: the work done.
        signing::DocumentKind::Acceptance => all_jobs.iter().filter(|j| j.approval == Approval::Approved).map(|j| job_of(j, lang)).collect(),
    };

    let t = &c.totals;
    let mut totals = documents::Totals {
        subtotal: t.subtotal_minor,
        discount: t.discount_minor,
        tax_rate_bp: u32::try_from(t.tax_rate_bp).map_err(|_| ApiError::internal("the signed tax rate is out of range"))?,
        tax: t.tax_minor,
        total: t.total_minor,
        paid: 0,
        balance: 0,
    };
    let mut payments = Vec::new();
    if let Some(delivery) = c.delivery.as_ref().filter(|_| rec.kind == signing::DocumentKind::Acceptance) {
        payments = delivery.payments.iter().map(|p| payment_of(&info, p)).collect::<Vec<_>>();
        let paid = payments.iter().try_fold(0i64, |sum, p| sum.checked_add(p.amount)).ok_or_else(|| ApiError::internal("the payments overflow"))?;
        totals.paid = paid;
        totals.balance = totals.total.checked_sub(paid).ok_or_else(|| ApiError::internal("the balance overflows"))?;
    }

    let supplement = match rec.kind {
        signing::DocumentKind::Supplemental | signing::DocumentKind::Decline => {
            // Where this document sits in the chain: the totals signed before it.
            let earlier: Vec<(String, Option<String>)> = sqlx::query_as(
                "SELECT kind, content FROM ro_authorizations WHERE ro_id = ? AND rowid < (SELECT rowid FROM ro_authorizations WHERE id = ?) ORDER BY rowid",
            )
            .bind(&rec.ro_id)
            .bind(&rec.id)
            .fetch_all(&mut *conn)
            .await?;
            let previous_total = match earlier.iter().filter_map(|(_, content)| content.as_deref()).next_back() {
                Some(text) => SignedContent::read(text).map_err(ApiError::internal)?.totals.total_minor,
                None => 0,
            };
            let sequence = 1 + earlier.iter().filter(|(k, _)| k == "supplemental" || k == "decline").count() as u32;
            let note = opt(Some(&c.document.note));
            let reason = if rec.kind == signing::DocumentKind::Decline {
                let what = lang.pick("客户拒绝以下推荐维修项目", "客戶拒絕以下推薦維修項目", "The customer declines the recommended work below").to_string();
                Some(note.map_or(what.clone(), |n| format!("{what}: {n}")))
            } else {
                note
            };
            // A decline adds nothing: the total stays what was authorized before.
            let previous_total = if rec.kind == signing::DocumentKind::Decline { totals.total } else { previous_total };
            Some(documents::Supplement { sequence, previous_total, reason })
        }
        _ => None,
    };

    let personal_items: Vec<String> =
        order.personal_items.split(['\n', ',', '，', '、', ';', '；']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    let concerns = order
        .concerns
        .iter()
        .map(|text| {
            let text = text.clone();
            let fault_codes = fault_codes.get(&text).and_then(|f| serde_json::from_str::<Vec<String>>(f).ok()).unwrap_or_default();
            documents::Concern { text, fault_codes }
        })
        .collect();
    let damage_marks = marks
        .into_iter()
        .map(|(x, y, kind, note)| documents::DamageMark {
            x_permille: u16::try_from(x.clamp(0, 1000)).unwrap_or_default(),
            y_permille: u16::try_from(y.clamp(0, 1000)).unwrap_or_default(),
            kind: match kind.as_str() {
                "scratch" => documents::DamageKind::Scratch,
                "dent" => documents::DamageKind::Dent,
                "crack" => documents::DamageKind::Crack,
                "chip" => documents::DamageKind::Chip,
                "missing_part" => documents::DamageKind::Missing,
                _ => documents::DamageKind::Other,
            },
            note,
        })
        .collect();

    let customer = &c.customer;
    let vehicle = &c.vehicle;
    let signatures = c.signatures.iter().map(|v| signature_of(station, &info, v, lang)).collect();
    Ok(documents::Document {
        kind,
        language: lang,
        paper: paper.to_documents(),
        station: documents::StationHeader { name: info.name.clone(), code: info.code.clone(), address: None, phone: None },
        order_number: number.clone(),
        archive_number: opt(Some(&order.archive_no)),
        qr_payload: format!("stationdesk:{number}:{}", rec.hash),
        // The signing time, so rendering the same record twice gives the same page.
        issued_at: local(&info, &c.document.signed_at),
        advisor,
        promised_at: opt(order.promised_at.as_deref()).map(|p| local(&info, &p)),
        customer: documents::Customer { name: customer.name.clone(), phones: customer.phones.clone(), customer_no: opt(Some(&customer.customer_no)) },
        vehicle: documents::Vehicle {
            plate: vehicle.plate.clone().unwrap_or_default(),
            vin: opt(vehicle.vin.as_deref()),
            make: opt(Some(&vehicle.make)),
            model: opt(Some(&vehicle.model)),
            year: vehicle.model_year.and_then(|y| u16::try_from(y).ok()),
            color: opt(Some(&vehicle.color)),
        },
        odometer_in_km: u32::try_from(order.odometer_in_km).ok(),
        odometer_out_km: c.delivery.as_ref().and_then(|d| d.odometer_out_km).and_then(|k| u32::try_from(k).ok()),
        fuel_eighths: order.fuel_eighths.and_then(|f| u8::try_from(f).ok()),
        battery_percent: order.battery_percent.and_then(|b| u8::try_from(b).ok()),
        damage_marks,
        personal_items,
        concerns,
        jobs,
        totals,
        supplement,
        payments,
        terms: documents::Terms { version: c.terms.version.clone(), text: terms_text },
        signatures,
        hash_hex: rec.hash.clone(),
    })
}

// ---------------------------------------------------------------------------
// Operations

pub(crate) fn data_url(bytes: &[u8]) -> String {
    format!("data:{PDF_MIME};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The archived PDF's bytes, checked against their hash.
fn archived_bytes(station: &Station, sha: &str) -> Result<Vec<u8>> {
    let bytes = crate::photos::stored_file_bytes(station, sha).ok_or_else(|| ApiError::not_found("archived PDF file"))?;
    if format!("{:x}", Sha256::digest(&bytes)) != sha {
        return Err(ApiError::conflict(
            "document.file_damaged",
            "the archived PDF file does not match its hash; print the document again on the other paper size or restore the file",
        ));
    }
    Ok(bytes)
}

type ArchiveRow = (String, String, i64);

async fn archived(conn: &mut SqliteConnection, authorization_id: &str, paper: PaperSize) -> Result<Option<ArchiveRow>> {
    Ok(sqlx::query_as("SELECT id, sha256, size FROM ro_documents WHERE authorization_id = ? AND paper = ?")
        .bind(authorization_id)
        .bind(paper.as_str())
        .fetch_optional(conn)
        .await?)
}

/// Refuses to print when a signed document of the order no longer matches the records.
async fn require_intact(station: &Station, ro_id: &str) -> Result<()> {
    let report = signing::verify_records(station, ro_id).await?;
    if report.intact {
        return Ok(());
    }
    let bad: Vec<String> = report
        .documents
        .iter()
        .filter(|d| d.status == "tampered")
        .flat_map(|d| d.differences.iter().map(move |x| format!("{} #{}: {}", d.kind.as_str(), d.seq, x.field)))
        .collect();
    Err(ApiError::conflict(
        "document.tampered",
        format!(
            "order {} does not match its signed documents, so it cannot be printed ({}); a manager can see the details with verify_order",
            report.number,
            bad.join(", ")
        ),
    )
    .with("number", &report.number)
    .with("fields", bad.join(", ")))
}

/// Prints a signed document: verify, render, archive (or return the archived copy).
pub async fn print_document(station: &Station, caller: &Caller, input: PrintDocument) -> Result<PrintedDocument> {
    let me = caller.require(Permission::OpenSignedDocuments)?;
    let printed = print_or_reprint(station, me, &input).await?;
    // Printed or reprinted, the document names the customer in full: logged as an opening.
    log_document_opening(station, me, &printed.document_id, &input.ro_id).await?;
    Ok(printed)
}

async fn print_or_reprint(station: &Station, me: &crate::auth::StaffRef, input: &PrintDocument) -> Result<PrintedDocument> {
    let me = me.clone();
    let paper = input.paper.unwrap_or_default();
    let mut conn = station.pool().acquire().await?;
    let rec = signed_record(&mut conn, &input.ro_id, &input.authorization_id).await?;
    require_intact(station, &rec.ro_id).await?;
    if let Some((id, sha, size)) = archived(&mut conn, &rec.id, paper).await? {
        let bytes = archived_bytes(station, &sha)?;
        return Ok(PrintedDocument { document_id: id, sha256: sha, size, data_url: data_url(&bytes) });
    }
    let doc = build(station, &mut conn, &rec, paper).await?;
    drop(conn);
    let pdf = tokio::task::spawn_blocking(move || documents::render(&doc))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("the document could not be rendered: {e}")))?;
    let sha = format!("{:x}", Sha256::digest(&pdf));
    let size = pdf.len() as i64;
    crate::photos::store_file_bytes(station, &sha, &pdf)?;

    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    // Printed meanwhile by someone else: theirs is the archived copy.
    if let Some((id, sha, size)) = archived(&mut tx, &rec.id, paper).await? {
        tx.commit().await?;
        let bytes = archived_bytes(station, &sha)?;
        return Ok(PrintedDocument { document_id: id, sha256: sha, size, data_url: data_url(&bytes) });
    }
    let inserted = sqlx::query("INSERT OR IGNORE INTO files (sha256, station_id, mime, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&sha)
        .bind(&me.station_id)
        .bind(PDF_MIME)
        .bind(size)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 1 {
        let file = crate::photos::StoredFile { sha256: sha.clone(), mime: PDF_MIME.into(), size };
        outbox::append(&mut tx, &me.station_id, "file", &sha, outbox::Op::Upsert, &file, now).await?;
    }
    let id = new_id();
    let kind = printed_kind_str(printed_kind(rec.kind));
    let language = language_of(&rec.content.language).code();
    sqlx::query(
        "INSERT INTO ro_documents (id, station_id, ro_id, authorization_id, kind, language, paper, sha256, size, content_hash, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(&rec.ro_id)
    .bind(&rec.id)
    .bind(kind)
    .bind(language)
    .bind(paper.as_str())
    .bind(&sha)
    .bind(size)
    .bind(&rec.hash)
    .bind(ts(now))
    .bind(&me.id)
    .execute(&mut *tx)
    .await?;
    let payload = json!({
        "id": id, "station_id": me.station_id, "ro_id": rec.ro_id, "authorization_id": rec.id, "kind": kind, "language": language,
        "paper": paper.as_str(), "sha256": sha, "size": size, "content_hash": rec.hash, "created_at": ts(now), "created_by": me.id,
    });
    outbox::append(&mut tx, &me.station_id, "ro_document", &id, outbox::Op::Upsert, &payload, now).await?;
    tx.commit().await?;
    Ok(PrintedDocument { document_id: id, sha256: sha, size, data_url: data_url(&pdf) })
}

const ARCHIVE_SELECT: &str = "SELECT d.id, d.ro_id, d.authorization_id, d.kind, d.language, d.paper, d.sha256, d.size, d.content_hash, d.created_at,
        d.created_by, COALESCE(s.name, '') AS created_by_name
 FROM ro_documents d LEFT JOIN staff s ON s.id = d.created_by";

/// The order's archive of printed documents, oldest first.
pub async fn list_order_documents(station: &Station, caller: &Caller, input: OrderDocumentsInput) -> Result<OrderDocuments> {
    caller.require(Permission::Read)?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM repair_orders WHERE id = ?").bind(&input.ro_id).fetch_optional(station.pool()).await?;
    exists.ok_or_else(|| ApiError::not_found("repair order").with_field("ro_id"))?;
    let documents = sqlx::query_as::<_, ArchivedDocument>(&format!("{ARCHIVE_SELECT} WHERE d.ro_id = ? ORDER BY d.rowid"))
        .bind(&input.ro_id)
        .fetch_all(station.pool())
        .await?;
    Ok(OrderDocuments { documents })
}

async fn archive_row(station: &Station, document_id: &str) -> Result<ArchivedDocument> {
    sqlx::query_as::<_, ArchivedDocument>(&format!("{ARCHIVE_SELECT} WHERE d.id = ?"))
        .bind(document_id)
        .fetch_optional(station.pool())
        .await?
        .ok_or_else(|| ApiError::not_found("document").with_field("document_id"))
}

/// An archived PDF, byte for byte as it was printed.
pub async fn get_document(station: &Station, caller: &Caller, input: GetDocument) -> Result<PrintedDocument> {
    let me = caller.require(Permission::OpenSignedDocuments)?;
    let row = archive_row(station, &input.document_id).await?;
    let bytes = archived_bytes(station, &row.sha256)?;
    log_document_opening(station, me, &row.id, &row.ro_id).await?;
    Ok(PrintedDocument { document_id: row.id, sha256: row.sha256, size: row.size, data_url: data_url(&bytes) })
}

/// A signed document names the customer in full: opening it, printing it on
/// paper or fetching its scan is an opening of `subject_id` in the register.
pub(crate) async fn log_document_opening(station: &Station, me: &crate::auth::StaffRef, subject_id: &str, ro_id: &str) -> Result<()> {
    let customer_id: Option<String> =
        sqlx::query_scalar("SELECT customer_id FROM repair_orders WHERE id = ?").bind(ro_id).fetch_optional(station.pool()).await?;
    let subject = Subject { kind: AccessKind::Document, subject_id, customer_id: customer_id.as_deref(), ro_id: Some(ro_id) };
    access_register::opened(station, me, subject).await
}

fn no_cups() -> ApiError {
    ApiError::invalid("print.no_cups", "printing needs CUPS (the lp command), which this computer does not have; open the PDF and print it from the viewer")
}

/// A CUPS destination name: no leading dash (it would be read as an option), no spaces or controls.
fn valid_printer(name: &str) -> bool {
    !name.is_empty() && name.len() <= 127 && !name.starts_with('-') && name.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '/' && c != '#')
}

/// Sends an archived PDF to a CUPS printer with `lp` (arguments, never a shell).
pub async fn print_to_printer(station: &Station, caller: &Caller, input: PrintToPrinter) -> Result<PrintJob> {
    let me = caller.require(Permission::OpenSignedDocuments)?;
    let printer = input.printer.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    if let Some(p) = &printer {
        if !valid_printer(p) {
            return Err(ApiError::field("printer", Invalid::new("print.bad_printer", "not a printer name; pick one from the list")));
        }
    }
    let row = archive_row(station, &input.document_id).await?;
    archived_bytes(station, &row.sha256)?;
    let path: PathBuf = crate::photos::file_path(station, &row.sha256, false);
    let title = format!("StationDesk {}", row.kind);
    let dest = printer.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new("lp");
        if let Some(p) = &dest {
            cmd.arg("-d").arg(p);
        }
        cmd.arg("-t").arg(title).arg("--").arg(&path);
        cmd.output()
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_cups()),
        Err(e) => return Err(ApiError::internal(format!("cannot run lp: {e}"))),
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(ApiError::conflict("print.failed", format!("the printer refused the document: {stderr}")).with("stderr", stderr));
    }
    // A paper copy with the whole number is out: logged like opening the PDF.
    log_document_opening(station, me, &row.id, &row.ro_id).await?;
    Ok(PrintJob { printer, message: String::from_utf8_lossy(&out.stdout).trim().to_string() })
}

/// Parses `lpstat -d`: `system default destination: NAME` (or `no system default destination`).
fn parse_default(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.split_once("destination:").map(|(_, n)| n.trim().to_string())).filter(|n| !n.is_empty())
}

/// The CUPS printers (`lpstat -e`) and the default (`lpstat -d`); `cups: false` without CUPS.
pub async fn list_printers(_station: &Station, caller: &Caller, _input: NoInput) -> Result<Printers> {
    caller.require(Permission::Read)?;
    tokio::task::spawn_blocking(|| {
        let run = |flag: &str| std::process::Command::new("lpstat").arg(flag).output();
        let names = match run("-e") {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Printers { cups: false, printers: vec![], default_printer: None }),
            Err(e) => return Err(ApiError::internal(format!("cannot run lpstat: {e}"))),
        };
        let printers = String::from_utf8_lossy(&names.stdout).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
        let default_printer = run("-d").ok().and_then(|o| parse_default(&String::from_utf8_lossy(&o.stdout)));
        Ok(Printers { cups: true, printers, default_printer })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_printer_is_read_from_lpstat() {
        assert_eq!(parse_default("system default destination: office\n"), Some("office".into()));
        assert_eq!(parse_default("no system default destination\n"), None);
    }

    #[test]
    fn a_printer_name_cannot_pass_as_an_option() {
        assert!(valid_printer("HP_LaserJet"));
        assert!(!valid_printer("-o"));
        assert!(!valid_printer("a b"));
    }
}
