//! Signed documents (issue 4): the intake authorization, every supplemental
//! authorization, a decline of recommended work and the acceptance at delivery.
//!
//! At signing, what the customer signs is built from the order's rows
//! ([`build_content`]), written as canonical JSON
//! (`sync_protocol::signed::canonical_json`) and hashed with SHA-256, so the
//! head office, the station's `verify_order` and anyone holding a printed
//! copy hash the same bytes. The record (`ro_authorizations`), its signatures
//! (`ro_signatures`) and the lines it covers (`ro_signed_lines`) are immutable:
//! triggers refuse updates and deletes, and a covered line cannot be removed
//! or repriced (`line.authorized`).
//!
//! [`verify`] recomputes every document of an order from what is stored: the
//! hash of the stored content, the hash chain, the signatures (strokes and the
//! PNG file's bytes), and the content against a fresh rebuild from the current
//! rows of the order, its lines, decisions and payments.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::SqliteConnection;
use sync_protocol::signed::{canonical_json, sha256_hex};
use ts_rs::TS;

use super::delivery::PaymentMethod;
use super::field;
use super::jobs::Approval;
use super::lines::{line_amount, totals, LineKind};
use super::signed_content::{
    CustomerPart, DeliveryPart, DocumentPart, JobPart, LinePart, OrderPart, PaymentPart, SignaturePart, SignedContent, TermsPart, TotalsPart, VehiclePart,
};
use super::OrderWrite;
use crate::auth::{Caller, Permission};
use crate::domain::Money;
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts, Station};

/// The version of the terms text printed with and signed on new documents
/// (the `terms` table holds every version in zh-CN, zh-TW and en).
pub const TERMS_VERSION: &str = "2026-1";
/// What the content's `format` field says; a new shape of content is a new format.
pub const CONTENT_FORMAT: &str = "stationdesk.signed/1";
const MAX_STROKES_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The customer's first authorization of the estimate (the advisor countersigns).
    Intake,
    /// Work added or changed after the first authorization.
    Supplemental,
    /// The customer declines recommended work.
    Decline,
    /// The customer accepts the work at delivery.
    Acceptance,
}

impl DocumentKind {
    /// As stored; a record from before the kinds existed is an intake.
    pub(crate) fn parse(s: &str) -> DocumentKind {
        match s {
            "supplemental" => DocumentKind::Supplemental,
            "decline" => DocumentKind::Decline,
            "acceptance" => DocumentKind::Acceptance,
            _ => DocumentKind::Intake,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Intake => "intake",
            DocumentKind::Supplemental => "supplemental",
            DocumentKind::Decline => "decline",
            DocumentKind::Acceptance => "acceptance",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum SignatureMethod {
    /// Drawn on the signature pad: strokes plus the rendered PNG.
    OnScreen,
    /// Signed on paper: a scan or photo of it is attached.
    OnPaper,
    /// Approved by phone: who approved and when.
    ByPhone,
}

impl SignatureMethod {
    fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::OnScreen => "on_screen",
            SignatureMethod::OnPaper => "on_paper",
            SignatureMethod::ByPhone => "by_phone",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum SignerRole {
    Customer,
    /// The service advisor, for the station (on the intake).
    Advisor,
}

impl SignerRole {
    fn as_str(self) -> &'static str {
        match self {
            SignerRole::Customer => "customer",
            SignerRole::Advisor => "advisor",
        }
    }
}

/// A signature as the UI sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SignatureInput {
    pub method: SignatureMethod,
    /// Who signs; for the customer it defaults to the approver's name.
    #[serde(default)]
    pub signer_name: String,
    /// On screen: signature_pad's `toData()` — strokes, each an array of
    /// `{x, y, time, pressure}` points (or an object with such `points`).
    #[ts(optional, type = "unknown")]
    pub strokes: Option<Value>,
    /// On screen: the rendered PNG, uploaded first with `upload_photo`.
    #[ts(optional)]
    pub png_sha256: Option<String>,
    /// On paper: the scan or photo of the signed paper, uploaded with `upload_photo`.
    #[ts(optional)]
    pub paper_scan_sha256: Option<String>,
    /// By phone: who approved on the phone.
    #[ts(optional)]
    pub phone_approved_by: Option<String>,
    /// By phone: when (RFC 3339).
    #[ts(optional, type = "string")]
    pub phone_at: Option<DateTime<Utc>>,
}

/// A signature as stored and shown.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Signature {
    pub id: String,
    pub role: SignerRole,
    pub method: SignatureMethod,
    pub signer_name: String,
    pub signed_at: String,
    /// The strokes as signed (JSON text), for redrawing.
    pub strokes: Option<String>,
    /// SHA-256 of the strokes' canonical JSON: what the content carries.
    #[sqlx(skip)]
    pub strokes_sha256: Option<String>,
    pub png_sha256: Option<String>,
    pub paper_scan_sha256: Option<String>,
    pub phone_approved_by: Option<String>,
    pub phone_at: Option<String>,
}

pub(crate) async fn signatures_of(conn: &mut SqliteConnection, authorization_id: &str) -> Result<Vec<Signature>> {
    let mut rows = sqlx::query_as::<_, Signature>(
        "SELECT id, role, method, signer_name, signed_at, strokes, png_sha256, paper_scan_sha256, phone_approved_by, phone_at
         FROM ro_signatures WHERE authorization_id = ? ORDER BY role = 'advisor', rowid",
    )
    .bind(authorization_id)
    .fetch_all(conn)
    .await?;
    for s in &mut rows {
        s.strokes_sha256 = s.strokes.as_deref().map(strokes_hash);
    }
    Ok(rows)
}

/// SHA-256 of the strokes' canonical JSON (of the text as stored when it is not JSON).
fn strokes_hash(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => sha256_hex(canonical_json(&v).as_bytes()),
        Err(_) => sha256_hex(text.as_bytes()),
    }
}

/// A signature that passed validation, ready to store.
#[derive(Debug, Clone)]
pub(crate) struct ValidSignature {
    role: SignerRole,
    method: SignatureMethod,
    signer_name: String,
    strokes: Option<String>,
    png_sha256: Option<String>,
    paper_scan_sha256: Option<String>,
    phone_approved_by: Option<String>,
    phone_at: Option<String>,
}

impl ValidSignature {
    pub fn signer_name(&self) -> &str {
        &self.signer_name
    }
}

fn is_point(p: &Value) -> bool {
    p.get("x").is_some_and(Value::is_number) && p.get("y").is_some_and(Value::is_number)
}

/// Strokes with at least two points: a dot or nothing is not a signature.
fn drawn_strokes(strokes: &Value) -> usize {
    let Some(list) = strokes.as_array() else { return 0 };
    list.iter()
        .filter(|stroke| {
            let points = stroke.as_array().or_else(|| stroke.get("points").and_then(Value::as_array));
            points.is_some_and(|p| p.iter().filter(|q| is_point(q)).count() >= 2)
        })
        .count()
}

async fn require_file(conn: &mut SqliteConnection, name: String, sha: Option<&str>, code: &'static str, what: &str, png_only: bool) -> Result<String> {
    let Some(sha) = sha.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(field(name, code, what.to_string()));
    };
    let mime: Option<String> = sqlx::query_scalar("SELECT mime FROM files WHERE sha256 = ?").bind(sha).fetch_optional(&mut *conn).await?;
    match mime {
        None => Err(field(name, "signature.file_unknown", "this file was not uploaded; upload it again")),
        Some(m) if png_only && m != "image/png" => Err(field(name, "signature.png_required", "the signature image must be a PNG")),
        Some(_) => Ok(sha.to_string()),
    }
}

/// Checks a signature: on screen needs a drawn stroke and its PNG
/// (`signature.empty`, `signature.png_required`), on paper a scan
/// (`signature.scan_required`), by phone who and when (`signature.phone_details_required`).
pub(crate) async fn validate(
    conn: &mut SqliteConnection,
    input: &SignatureInput,
    name: &str,
    role: SignerRole,
    default_signer: &str,
) -> Result<ValidSignature> {
    let signer = input.signer_name.trim();
    let signer = if signer.is_empty() { default_signer.trim() } else { signer };
    if signer.is_empty() || signer.chars().count() > 200 {
        return Err(field(format!("{name}.signer_name"), "signature.signer_required", "name who signs (at most 200 characters)"));
    }
    let mut out = ValidSignature {
        role,
        method: input.method,
        signer_name: signer.to_string(),
        strokes: None,
        png_sha256: None,
        paper_scan_sha256: None,
        phone_approved_by: None,
        phone_at: None,
    };
    match input.method {
        SignatureMethod::OnScreen => {
            let strokes = input.strokes.as_ref().filter(|s| drawn_strokes(s) > 0);
            let Some(strokes) = strokes else {
                return Err(field(format!("{name}.strokes"), "signature.empty", "the signature is empty; sign in the box"));
            };
            let text = canonical_json(strokes);
            if text.len() > MAX_STROKES_BYTES {
                return Err(field(format!("{name}.strokes"), "signature.too_large", "the signature has too many points"));
            }
            out.strokes = Some(text);
            out.png_sha256 = Some(
                require_file(
                    conn,
                    format!("{name}.png_sha256"),
                    input.png_sha256.as_deref(),
                    "signature.png_required",
                    "the signature's image is missing",
                    true,
                )
                .await?,
            );
        }
        SignatureMethod::OnPaper => {
            out.paper_scan_sha256 = Some(
                require_file(
                    conn,
                    format!("{name}.paper_scan_sha256"),
                    input.paper_scan_sha256.as_deref(),
                    "signature.scan_required",
                    "attach a scan or photo of the signed paper",
                    false,
                )
                .await?,
            );
        }
        SignatureMethod::ByPhone => {
            let by = input.phone_approved_by.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let (Some(by), Some(at)) = (by, input.phone_at) else {
                let which = if by.is_none() { "phone_approved_by" } else { "phone_at" };
                return Err(field(format!("{name}.{which}"), "signature.phone_details_required", "say who approved by phone and when"));
            };
            if by.chars().count() > 200 {
                return Err(field(format!("{name}.phone_approved_by"), "text.too_long", "at most 200 characters"));
            }
            out.phone_approved_by = Some(by.to_string());
            out.phone_at = Some(ts(at));
        }
    }
    Ok(out)
}

/// A document about to be signed.
pub(crate) struct NewDocument<'a> {
    pub kind: DocumentKind,
    pub supplemental: bool,
    /// `in_person`, `phone` or `message` (how the customer decided).
    pub method: &'a str,
    pub approver_name: &'a str,
    pub amount: Money,
    pub note: &'a str,
    /// The decisions this document makes: job id → `approved` / `declined`.
    pub decisions: HashMap<String, &'static str>,
    pub signatures: Vec<ValidSignature>,
}

#[allow(clippy::too_many_arguments)]
fn signature_content(
    role: SignerRole,
    method: SignatureMethod,
    signer: &str,
    signed_at: &str,
    strokes: Option<&str>,
    png: Option<&str>,
    scan: Option<&str>,
    by: Option<&str>,
    at: Option<&str>,
) -> SignaturePart {
    let own = |v: Option<&str>| v.map(str::to_string);
    SignaturePart {
        role,
        method,
        signer_name: signer.to_string(),
        signed_at: signed_at.to_string(),
        strokes_sha256: strokes.map(strokes_hash),
        png_sha256: own(png),
        paper_scan_sha256: own(scan),
        phone_approved_by: own(by),
        phone_at: own(at),
    }
}

/// What a document says about the order's rows; the same function rebuilds it for verify.
struct Facts {
    order: OrderPart,
    customer: CustomerPart,
    vehicle: VehiclePart,
    language: String,
    jobs: Vec<JobPart>,
    totals: TotalsPart,
    payments: Vec<PaymentPart>,
    odometer_out_km: Option<i64>,
}

type LineRow = (String, String, LineKind, String, i64, i64, i64, i64);

async fn facts(conn: &mut SqliteConnection, ro_id: &str, decisions: &HashMap<String, &'static str>) -> Result<Facts> {
    type OrderRow = (String, String, String, String, Option<String>, i64, Option<i64>, Option<i64>, String, String, String, Option<i64>, i64, i64);
    let o: OrderRow = sqlx::query_as(
        "SELECT r.number, r.archive_no, r.service_type, r.checked_in_at, r.promised_at, r.odometer_in_km, r.fuel_eighths, r.battery_percent, r.personal_items,
                r.customer_id, r.vehicle_id, r.odometer_out_km, r.discount_minor, s.tax_rate_bp
         FROM repair_orders r JOIN station s ON s.id = r.station_id WHERE r.id = ?",
    )
    .bind(ro_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("repair order"))?;
    let (
        number,
        archive_no,
        service_type,
        checked_in_at,
        promised_at,
        odo_in,
        fuel,
        battery,
        personal_items,
        customer_id,
        vehicle_id,
        odo_out,
        discount,
        tax_bp,
    ) = o;
    let concerns: Vec<String> = sqlx::query_scalar("SELECT text FROM ro_concerns WHERE ro_id = ? ORDER BY position").bind(ro_id).fetch_all(&mut *conn).await?;
    let (customer_no, name, company, language): (String, String, Option<String>, String) =
        sqlx::query_as("SELECT customer_no, name, company, language FROM customers WHERE id = ?").bind(&customer_id).fetch_one(&mut *conn).await?;
    let phones: Vec<String> =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position").bind(&customer_id).fetch_all(&mut *conn).await?;
    type VehicleRow = (Option<String>, Option<String>, String, String, Option<i64>, String);
    let (plate, vin, make, model, year, color): VehicleRow =
        sqlx::query_as("SELECT plate, vin, make, model, model_year, color FROM vehicles WHERE id = ?").bind(&vehicle_id).fetch_one(&mut *conn).await?;

    let jobs: Vec<(String, i64, String, String)> =
        sqlx::query_as("SELECT id, position, concern, approval FROM ro_jobs WHERE ro_id = ? ORDER BY position").bind(ro_id).fetch_all(&mut *conn).await?;
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT id, job_id, kind, description, quantity_milli, unit_price_minor, amount_minor, returned_milli FROM ro_lines WHERE ro_id = ? ORDER BY rowid",
    )
    .bind(ro_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut job_parts = Vec::new();
    let mut approved_lines = Vec::new();
    let mut declined = 0i64;
    for (id, position, concern, approval) in jobs {
        let approval = match decisions.get(&id).copied().unwrap_or(approval.as_str()) {
            "approved" => Approval::Approved,
            "declined" => Approval::Declined,
            _ => continue,
        };
        let mine: Vec<&LineRow> = lines.iter().filter(|l| l.1 == id).collect();
        let amount: i64 = mine.iter().map(|l| l.6).sum();
        if approval == Approval::Approved {
            approved_lines.extend(mine.iter().map(|l| (l.2, Money::from_minor(l.6))));
        } else {
            declined += amount;
        }
        job_parts.push(JobPart {
            decided_here: decisions.contains_key(&id),
            id,
            position,
            concern,
            approval,
            amount_minor: amount,
            lines: mine.iter().map(|l| line_value(l)).collect(),
        });
    }
    let t = totals(&approved_lines, Money::from_minor(discount), tax_bp).ok_or_else(super::lines::out_of_range)?;
    let totals = TotalsPart {
        labor_minor: t.labor.minor(),
        parts_minor: t.parts.minor(),
        sublet_minor: t.sublet.minor(),
        subtotal_minor: t.subtotal.minor(),
        discount_minor: t.discount.minor(),
        tax_rate_bp: tax_bp,
        tax_minor: t.tax.minor(),
        total_minor: t.total.minor(),
        declined_minor: declined,
    };
    let payments: Vec<(String, PaymentMethod, i64, String)> =
        sqlx::query_as("SELECT id, method, amount_minor, at FROM ro_payments WHERE ro_id = ? ORDER BY rowid").bind(ro_id).fetch_all(&mut *conn).await?;
    Ok(Facts {
        order: OrderPart {
            id: ro_id.to_string(),
            number,
            archive_no,
            service_type,
            checked_in_at,
            promised_at,
            odometer_in_km: odo_in,
            fuel_eighths: fuel,
            battery_percent: battery,
            personal_items,
            concerns,
        },
        customer: CustomerPart { id: customer_id, customer_no, name, company, phones },
        vehicle: VehiclePart { id: vehicle_id, plate, vin, make, model, model_year: year, color },
        language: documents::Language::from_code(&language).unwrap_or_default().code().into(),
        jobs: job_parts,
        totals,
        payments: payments.into_iter().map(|(id, method, amount_minor, at)| PaymentPart { id, method, amount_minor, at }).collect(),
        odometer_out_km: odo_out,
    })
}

fn line_value(l: &LineRow) -> LinePart {
    LinePart { id: l.0.clone(), kind: l.2, description: l.3.clone(), quantity_milli: l.4, unit_price_minor: l.5, amount_minor: l.6, returned_milli: l.7 }
}

async fn terms_hash(conn: &mut SqliteConnection, version: &str, language: &str) -> Result<Option<String>> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT text FROM terms WHERE version = ? AND language = ?").bind(version).bind(language).fetch_optional(conn).await?;
    Ok(text.map(|t| sha256_hex(t.as_bytes())))
}

/// The terms text of `version` in `language` (zh-CN when that language has none), for printing.
pub async fn terms_text(conn: &mut SqliteConnection, version: &str, language: &str) -> Result<Option<String>> {
    let text: Option<String> = sqlx::query_scalar("SELECT text FROM terms WHERE version = ? ORDER BY language = ? DESC, language = 'zh-CN' DESC LIMIT 1")
        .bind(version)
        .bind(language)
        .fetch_optional(conn)
        .await?;
    Ok(text)
}

/// Builds, hashes and stores a signed document of the order `w` is writing,
/// with its signatures and the lines it covers. Returns the document's id.
/// The caller applies the decisions to the jobs afterwards (they reference the document).
pub(crate) async fn sign(w: &mut OrderWrite, doc: NewDocument<'_>) -> Result<String> {
    let ctx = w.ctx.clone();
    let ro_id = w.ro_id.clone();
    let conn = w.conn();
    let now = ts(ctx.now);
    let id = new_id();
    let f = facts(&mut *conn, &ro_id, &doc.decisions).await?;
    let terms = terms_hash(&mut *conn, TERMS_VERSION, &f.language).await?;
    let (seq, previous): (i64, Option<String>) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?1) + 1,
                (SELECT hash FROM ro_authorizations WHERE ro_id = ?1 ORDER BY rowid DESC LIMIT 1)",
    )
    .bind(&ro_id)
    .fetch_one(&mut *conn)
    .await?;
    let signatures: Vec<SignaturePart> = doc
        .signatures
        .iter()
        .map(|s| {
            signature_content(
                s.role,
                s.method,
                &s.signer_name,
                &now,
                s.strokes.as_deref(),
                s.png_sha256.as_deref(),
                s.paper_scan_sha256.as_deref(),
                s.phone_approved_by.as_deref(),
                s.phone_at.as_deref(),
            )
        })
        .collect();
    let content = SignedContent {
        format: CONTENT_FORMAT.to_string(),
        document: DocumentPart {
            id: id.clone(),
            kind: doc.kind,
            seq,
            supplemental: doc.supplemental,
            previous_hash: previous,
            method: doc.method.to_string(),
            approver_name: doc.approver_name.to_string(),
            amount_minor: doc.amount.minor(),
            note: doc.note.to_string(),
            signed_at: now.clone(),
            recorded_by: ctx.staff_id.clone(),
        },
        station_id: ctx.station_id.clone(),
        terms: TermsPart { version: TERMS_VERSION.to_string(), language: f.language.clone(), sha256: terms },
        language: f.language,
        order: f.order,
        customer: f.customer,
        vehicle: f.vehicle,
        jobs: f.jobs,
        totals: f.totals,
        signatures,
        delivery: (doc.kind == DocumentKind::Acceptance).then(|| DeliveryPart {
            odometer_out_km: f.odometer_out_km,
            payments: f.payments,
            delivered_at: now.clone(),
        }),
    };
    let value = serde_json::to_value(&content).map_err(|e| ApiError::internal(format!("cannot write the signed content: {e}")))?;
    let text = canonical_json(&value);
    let hash = sha256_hex(text.as_bytes());
    sqlx::query(
        "INSERT INTO ro_authorizations (id, station_id, ro_id, supplemental, method, approver_name, approved_at, amount_minor, recorded_by, note,
                                        created_at, updated_at, kind, language, terms_version, content, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(&ro_id)
    .bind(doc.supplemental)
    .bind(doc.method)
    .bind(doc.approver_name)
    .bind(&now)
    .bind(doc.amount.minor())
    .bind(&ctx.staff_id)
    .bind(doc.note)
    .bind(&now)
    .bind(&now)
    .bind(doc.kind.as_str())
    .bind(&content.language)
    .bind(TERMS_VERSION)
    .bind(&text)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    for s in &doc.signatures {
        sqlx::query(
            "INSERT INTO ro_signatures (id, station_id, authorization_id, role, method, signer_name, signed_at, strokes, png_sha256, paper_scan_sha256,
                                        phone_approved_by, phone_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(&ctx.station_id)
        .bind(&id)
        .bind(s.role.as_str())
        .bind(s.method.as_str())
        .bind(&s.signer_name)
        .bind(&now)
        .bind(&s.strokes)
        .bind(&s.png_sha256)
        .bind(&s.paper_scan_sha256)
        .bind(&s.phone_approved_by)
        .bind(&s.phone_at)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    for job in &content.jobs {
        for line in &job.lines {
            sqlx::query("INSERT OR IGNORE INTO ro_signed_lines (authorization_id, line_id) VALUES (?, ?)").bind(&id).bind(&line.id).execute(&mut *conn).await?;
        }
    }
    Ok(id)
}

/// Refuses a change to a line a signed document covers (`line.authorized`).
pub(crate) async fn require_unsigned_line(conn: &mut SqliteConnection, line_id: &str, what: &str) -> Result<()> {
    let signed: Option<(String, i64)> = sqlx::query_as(
        "SELECT a.kind, (SELECT COUNT(*) FROM ro_authorizations b WHERE b.ro_id = a.ro_id AND b.rowid <= a.rowid)
         FROM ro_signed_lines s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE s.line_id = ? ORDER BY a.rowid LIMIT 1",
    )
    .bind(line_id)
    .fetch_optional(conn)
    .await?;
    if let Some((kind, seq)) = signed {
        let description: String = what.to_string();
        return Err(field(
            "line_id",
            "line.authorized",
            format!("{description} is covered by the customer's signed {kind} document no. {seq}: it cannot be edited or removed; add the changed work as a new line and record a supplemental authorization"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Verify

#[derive(Debug, Clone, Deserialize, TS)]
pub struct VerifyOrder {
    pub ro_id: String,
}

/// One field where the signed content and the records disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Difference {
    /// Dotted path: `hash`, `lines.<id>.amount_minor`, `signatures.customer.png_sha256`, …
    pub field: String,
    /// What the signed document says (or the stored hash).
    pub signed: String,
    /// What the records say now (or the recomputed hash).
    pub current: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DocumentCheck {
    pub authorization_id: String,
    pub kind: DocumentKind,
    #[ts(type = "number")]
    pub seq: i64,
    pub hash: Option<String>,
    /// `intact`, `tampered`, `unhashed` (recorded before signed documents existed),
    /// or `destroyed` (deleted past its retention period: only its number, kind and hash are left).
    pub status: String,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VerifyReport {
    pub ro_id: String,
    pub number: String,
    /// `intact` when every document checks out, `destroyed` when the documents
    /// were destroyed past their retention period (and none is tampered), else `tampered`.
    pub status: String,
    pub intact: bool,
    pub documents: Vec<DocumentCheck>,
    /// When the documents' content was destroyed (`status: destroyed`).
    #[ts(type = "string | null")]
    pub destroyed_at: Option<String>,
}

/// A manager's check of an order's signed documents.
pub async fn verify_order(station: &Station, caller: &Caller, input: VerifyOrder) -> Result<VerifyReport> {
    caller.require(Permission::VerifyDocuments)?;
    verify_records(station, &input.ro_id).await
}

/// Recomputes every document of order `ro_id` from the stored records; run before printing.
pub async fn verify_records(station: &Station, ro_id: &str) -> Result<VerifyReport> {
    let mut conn = station.pool().acquire().await?;
    let number: String = sqlx::query_scalar("SELECT number FROM repair_orders WHERE id = ?")
        .bind(ro_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::not_found("repair order").with_field("ro_id"))?;
    type DocRow = (String, String, bool, String, String, String, i64, String, String, Option<String>, Option<String>, Option<String>, Option<String>, bool);
    let docs: Vec<DocRow> = sqlx::query_as(
        "SELECT id, kind, supplemental, method, approver_name, approved_at, amount_minor, recorded_by, note, language, terms_version, content, hash, legacy
         FROM ro_authorizations WHERE ro_id = ? ORDER BY rowid",
    )
    .bind(ro_id)
    .fetch_all(&mut *conn)
    .await?;
    let current = facts(&mut conn, ro_id, &HashMap::new()).await?;
    // Verify compares field by field what is stored (which may have been tampered with) against the rows now, as JSON.
    let current_lines: HashMap<String, Value> = current.jobs.iter().flat_map(|j| &j.lines).map(|l| (l.id.clone(), as_json(l))).collect();
    let order_now = as_json(&current.order);
    let payments_now: Vec<Value> = current.payments.iter().map(|p| as_json(p)).collect();
    // Lines of pending jobs are not in `current.jobs`: read them too.
    let all_lines: Vec<LineRow> =
        sqlx::query_as("SELECT id, job_id, kind, description, quantity_milli, unit_price_minor, amount_minor, returned_milli FROM ro_lines WHERE ro_id = ?")
            .bind(ro_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut lines_now = current_lines;
    for l in &all_lines {
        lines_now.entry(l.0.clone()).or_insert_with(|| as_json(&line_value(l)));
    }
    let jobs_now: HashMap<String, (String, Option<String>)> =
        sqlx::query_as::<_, (String, String, Option<String>)>("SELECT id, approval, authorization_id FROM ro_jobs WHERE ro_id = ?")
            .bind(ro_id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, a, auth)| (id, (a, auth)))
            .collect();

    let mut checks = Vec::new();
    // Destroyed past retention: what is left says so, and is not a tampering.
    let mut destroyed: Vec<(String, String, Option<String>, String, String)> =
        sqlx::query_as("SELECT authorization_id, kind, hash, destroyed_at, number FROM retention_destroyed_documents WHERE ro_id = ?")
            .bind(ro_id)
            .fetch_all(&mut *conn)
            .await?;
    // A document's place is the n of its number `<order>/<n>`: compared as text, /10 came before /2.
    let place = |number: &str| number.rsplit('/').next().and_then(|n| n.parse::<i64>().ok());
    destroyed.sort_by_key(|d| place(&d.4).unwrap_or(i64::MAX));
    let destroyed_at = destroyed.first().map(|d| d.3.clone());
    for (i, (id, kind, hash, _, number)) in destroyed.into_iter().enumerate() {
        checks.push(DocumentCheck {
            authorization_id: id,
            kind: DocumentKind::parse(&kind),
            seq: place(&number).unwrap_or(i as i64 + 1),
            hash,
            status: "destroyed".into(),
            differences: vec![],
        });
    }
    let mut previous_hash: Option<String> = None;
    for (i, d) in docs.into_iter().enumerate() {
        let (id, kind, supplemental, method, approver, approved_at, amount, recorded_by, note, language, terms_version, content, hash, legacy) = d;
        let kind_enum = DocumentKind::parse(&kind);
        let seq = i as i64 + 1;
        let mut diff = Vec::new();
        let mut push = |field: String, signed: &dyn std::fmt::Display, current: &dyn std::fmt::Display| {
            diff.push(Difference { field, signed: signed.to_string(), current: current.to_string() });
        };
        if legacy && content.is_none() && hash.is_none() {
            checks.push(DocumentCheck { authorization_id: id, kind: kind_enum, seq, hash: None, status: "unhashed".into(), differences: vec![] });
            continue;
        }
        let (Some(content), Some(hash)) = (content, hash) else {
            push("hash".into(), &"(missing)", &"a signed document must carry its content and hash");
            checks.push(DocumentCheck { authorization_id: id, kind: kind_enum, seq, hash: None, status: "tampered".into(), differences: diff });
            continue;
        };
        let computed = sha256_hex(content.as_bytes());
        if computed != hash {
            push("hash".into(), &hash, &computed);
        }
        let Ok(c) = serde_json::from_str::<Value>(&content) else {
            push("content".into(), &"(not JSON)", &"the stored content cannot be read");
            checks.push(DocumentCheck { authorization_id: id, kind: kind_enum, seq, hash: Some(hash), status: "tampered".into(), differences: diff });
            continue;
        };
        if canonical_json(&c) != content {
            push("content".into(), &"(canonical JSON)", &"the stored content is not in canonical form");
        }
        let mut cmp = |field: &str, signed: &Value, now: Value| {
            if *signed != now {
                push(field.to_string(), &show(signed), &show(&now));
            }
        };
        // The record's own columns against what it says it signed.
        let doc = &c["document"];
        cmp("document.id", &doc["id"], json!(id));
        cmp("document.kind", &doc["kind"], json!(kind));
        cmp("document.seq", &doc["seq"], json!(seq));
        cmp("document.supplemental", &doc["supplemental"], json!(supplemental));
        cmp("document.previous_hash", &doc["previous_hash"], json!(previous_hash));
        cmp("document.method", &doc["method"], json!(method));
        cmp("document.approver_name", &doc["approver_name"], json!(approver));
        cmp("document.amount_minor", &doc["amount_minor"], json!(amount));
        cmp("document.note", &doc["note"], json!(note));
        cmp("document.signed_at", &doc["signed_at"], json!(approved_at));
        cmp("document.recorded_by", &doc["recorded_by"], json!(recorded_by));
        cmp("language", &c["language"], json!(language));
        cmp("terms.version", &c["terms"]["version"], json!(terms_version));
        let terms_now = terms_hash(&mut conn, terms_version.as_deref().unwrap_or_default(), language.as_deref().unwrap_or_default()).await?;
        cmp("terms.sha256", &c["terms"]["sha256"], json!(terms_now));
        // The order's header: none of these change after check-in.
        for k in ["id", "number", "archive_no", "service_type", "checked_in_at", "odometer_in_km", "fuel_eighths", "battery_percent"] {
            cmp(&format!("order.{k}"), &c["order"][k], order_now[k].clone());
        }
        // The jobs' decisions and the covered lines against the rows now.
        let mut signed_lines = Vec::new();
        for job in c["jobs"].as_array().into_iter().flatten() {
            let jid = job["id"].as_str().unwrap_or_default();
            match jobs_now.get(jid) {
                None => cmp(&format!("jobs.{jid}"), &json!("present"), json!("missing")),
                Some((approval, auth)) => {
                    cmp(&format!("jobs.{jid}.approval"), &job["approval"], json!(approval));
                    if job["decided_here"] == json!(true) {
                        cmp(&format!("jobs.{jid}.authorization_id"), &json!(id), json!(auth));
                    }
                }
            }
            for line in job["lines"].as_array().into_iter().flatten() {
                let lid = line["id"].as_str().unwrap_or_default().to_string();
                if job["approval"] == "approved" {
                    signed_lines.push((line["kind"].as_str().unwrap_or_default().to_string(), line["amount_minor"].as_i64().unwrap_or_default()));
                }
                let Some(now) = lines_now.get(&lid) else {
                    cmp(&format!("lines.{lid}"), &json!("present"), json!("missing"));
                    continue;
                };
                for k in ["kind", "description", "unit_price_minor"] {
                    cmp(&format!("lines.{lid}.{k}"), &line[k], now[k].clone());
                }
                // A part return lowers the quantity (and the amount with it) by what was returned since signing.
                let signed_qty = line["quantity_milli"].as_i64().unwrap_or_default();
                let returned_since = now["returned_milli"].as_i64().unwrap_or_default() - line["returned_milli"].as_i64().unwrap_or_default();
                let expected_qty = signed_qty - returned_since.max(0);
                let expected_amount = if expected_qty == signed_qty {
                    line["amount_minor"].as_i64().unwrap_or_default()
                } else {
                    line_amount(expected_qty, Money::from_minor(line["unit_price_minor"].as_i64().unwrap_or_default())).map_or(0, |m| m.minor())
                };
                cmp(&format!("lines.{lid}.quantity_milli"), &json!(expected_qty), now["quantity_milli"].clone());
                cmp(&format!("lines.{lid}.amount_minor"), &json!(expected_amount), now["amount_minor"].clone());
            }
        }
        // The totals the document states follow from its own lines (the money rule).
        let t = &c["totals"];
        let kinds: Vec<(LineKind, Money)> = signed_lines
            .iter()
            .map(|(k, a)| {
                let kind = match k.as_str() {
                    "part" => LineKind::Part,
                    "sublet" => LineKind::Sublet,
                    _ => LineKind::Labor,
                };
                (kind, Money::from_minor(*a))
            })
            .collect();
        // Totals beyond the range of minor units were never written by the station: every figure differs.
        let again = totals(&kinds, Money::from_minor(t["discount_minor"].as_i64().unwrap_or_default()), t["tax_rate_bp"].as_i64().unwrap_or_default());
        for (k, v) in [
            ("labor_minor", again.map(|a| a.labor)),
            ("parts_minor", again.map(|a| a.parts)),
            ("sublet_minor", again.map(|a| a.sublet)),
            ("subtotal_minor", again.map(|a| a.subtotal)),
            ("tax_minor", again.map(|a| a.tax)),
            ("total_minor", again.map(|a| a.total)),
        ] {
            cmp(&format!("totals.{k}"), &t[k], json!(v.map(Money::minor)));
        }
        if kind_enum == DocumentKind::Acceptance {
            let dl = &c["delivery"];
            cmp("delivery.odometer_out_km", &dl["odometer_out_km"], json!(current.odometer_out_km));
            for p in dl["payments"].as_array().into_iter().flatten() {
                let pid = p["id"].as_str().unwrap_or_default();
                let now = payments_now.iter().find(|q| q["id"] == p["id"]);
                match now {
                    None => cmp(&format!("payments.{pid}"), &json!("present"), json!("missing")),
                    Some(q) => {
                        cmp(&format!("payments.{pid}.amount_minor"), &p["amount_minor"], q["amount_minor"].clone());
                        cmp(&format!("payments.{pid}.method"), &p["method"], q["method"].clone());
                    }
                }
            }
        }
        // The signatures: the rows, the strokes and the PNG file's bytes.
        let stored = signatures_of(&mut conn, &id).await?;
        let signed_sigs: Vec<Value> = c["signatures"].as_array().cloned().unwrap_or_default();
        cmp("signatures.count", &json!(signed_sigs.len()), json!(stored.len()));
        for s in &signed_sigs {
            let role = s["role"].as_str().unwrap_or_default();
            let Some(row) = stored.iter().find(|r| r.role.as_str() == role) else {
                cmp(&format!("signatures.{role}"), &json!("present"), json!("missing"));
                continue;
            };
            let now = as_json(&signature_content(
                row.role,
                row.method,
                &row.signer_name,
                &row.signed_at,
                row.strokes.as_deref(),
                row.png_sha256.as_deref(),
                row.paper_scan_sha256.as_deref(),
                row.phone_approved_by.as_deref(),
                row.phone_at.as_deref(),
            ));
            for k in ["method", "signer_name", "signed_at", "strokes_sha256", "png_sha256", "paper_scan_sha256", "phone_approved_by", "phone_at"] {
                cmp(&format!("signatures.{role}.{k}"), &s[k], now[k].clone());
            }
            for (k, sha) in [("png", s["png_sha256"].as_str()), ("paper_scan", s["paper_scan_sha256"].as_str())] {
                if let Some(sha) = sha {
                    let bytes = crate::photos::stored_file_bytes(station, sha);
                    let actual = bytes.map_or_else(|| "(file missing)".to_string(), |b| sha256_hex(&b));
                    cmp(&format!("signatures.{role}.{k}_file"), &json!(sha), json!(actual));
                }
            }
        }
        let status = if diff.is_empty() { "intact" } else { "tampered" };
        previous_hash = Some(hash.clone());
        checks.push(DocumentCheck { authorization_id: id, kind: kind_enum, seq, hash: Some(hash), status: status.into(), differences: diff });
    }
    let intact = checks.iter().all(|d| d.status != "tampered");
    let status = match (intact, destroyed_at.is_some()) {
        (false, _) => "tampered",
        (true, true) => "destroyed",
        (true, false) => "intact",
    };
    Ok(VerifyReport { ro_id: ro_id.to_string(), number, status: status.into(), intact, documents: checks, destroyed_at })
}

/// A part of the content as JSON, for verify's field-by-field comparison (plain structs: encoding cannot fail).
fn as_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}
