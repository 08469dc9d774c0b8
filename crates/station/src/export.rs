//! A customer's right of access (PIPL art. 45): `export_customer` writes
//! everything this station holds on one customer into a ZIP of JSON files and
//! the stored files (the printed PDFs, photos and signature images), for a
//! manager to hand over. Every column of every row is exported, read with
//! static SQL per table, so a column added later is exported without a change
//! here. One read transaction gives one consistent picture; the export itself
//! is written to the audit log (entity `customer`, action `export`).
//!
//! The ZIP is returned, never kept: a copy lying in the data folder would be
//! one more place the customer's data outlives its retention.

use std::io::{Cursor, Write};

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, SqliteConnection, TypeInfo, ValueRef};
use ts_rs::TS;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::station::{ts, Station};
use crate::store::db;
use crate::workflow::{audit, Ctx};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportCustomer {
    pub customer_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CustomerExport {
    /// `customer-<number>-<date>.zip`.
    pub file_name: String,
    /// The ZIP as a `data:` URL, for the browser to save.
    pub data_url: String,
    #[ts(type = "number")]
    pub size: i64,
    /// SHA-256 of the ZIP, as the audit log keeps it.
    pub sha256: String,
    /// Every file in the ZIP, in order.
    pub parts: Vec<String>,
}

/// One row as JSON: every column by name; BLOBs as base64.
fn row_json(row: &SqliteRow) -> Result<Value> {
    let mut out = Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" => json!(row.try_get::<i64, _>(i)?),
                "REAL" => json!(row.try_get::<f64, _>(i)?),
                "BLOB" => json!(base64::engine::general_purpose::STANDARD.encode(row.try_get::<Vec<u8>, _>(i)?)),
                _ => json!(row.try_get::<String, _>(i)?),
            }
        };
        out.insert(col.name().to_string(), value);
    }
    Ok(Value::Object(out))
}

async fn rows(conn: &mut SqliteConnection, sql: &'static str, id: &str) -> Result<Value> {
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut *conn).await?;
    Ok(Value::Array(rows.iter().map(row_json).collect::<Result<Vec<_>>>()?))
}

/// The tables that hold the customer's data, by the part of the export they go
/// in; each query takes the customer's id as `?1`.
const TABLES: &[(&str, &str, &str)] = &[
    ("vehicles.json", "vehicles", "SELECT * FROM vehicles WHERE customer_id = ?1 ORDER BY created_at, id"),
    (
        "vehicles.json",
        "plates",
        "SELECT p.* FROM vehicle_plates p JOIN vehicles v ON v.id = p.vehicle_id WHERE v.customer_id = ?1 ORDER BY p.vehicle_id, p.valid_from",
    ),
    (
        "vehicles.json",
        "odometer_readings",
        "SELECT o.* FROM odometer_readings o JOIN vehicles v ON v.id = o.vehicle_id WHERE v.customer_id = ?1 ORDER BY o.vehicle_id, o.rowid",
    ),
    ("complaints.json", "complaints", "SELECT * FROM complaints WHERE customer_id = ?1 ORDER BY received_at, id"),
    (
        "complaints.json",
        "events",
        "SELECT e.* FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE c.customer_id = ?1 ORDER BY e.complaint_id, e.rowid",
    ),
    (
        "complaints.json",
        "compensations",
        "SELECT x.* FROM complaint_compensations x JOIN complaints c ON c.id = x.complaint_id WHERE c.customer_id = ?1 ORDER BY x.complaint_id, x.rowid",
    ),
    ("follow_ups.json", "follow_ups", "SELECT * FROM follow_ups WHERE customer_id = ?1 ORDER BY delivered_at, id"),
    (
        "follow_ups.json",
        "calls",
        "SELECT e.* FROM follow_up_events e JOIN follow_ups f ON f.id = e.follow_up_id WHERE f.customer_id = ?1 ORDER BY e.follow_up_id, e.rowid",
    ),
    ("follow_ups.json", "surveys", "SELECT * FROM surveys WHERE customer_id = ?1 ORDER BY at, id"),
    ("service_requests.json", "service_requests", "SELECT * FROM service_requests WHERE customer_id = ?1 ORDER BY received_at, id"),
    (
        "service_requests.json",
        "events",
        "SELECT e.* FROM service_request_events e JOIN service_requests r ON r.id = e.request_id WHERE r.customer_id = ?1 ORDER BY e.request_id, e.rowid",
    ),
];

/// Per order: the rows of the order's own tables that the order page does not show whole.
const ORDER_TABLES: &[(&str, &str)] = &[
    ("concerns", "SELECT * FROM ro_concerns WHERE ro_id = ?1 ORDER BY position"),
    ("damage_marks", "SELECT * FROM ro_damage_marks WHERE ro_id = ?1 ORDER BY rowid"),
    ("photos", "SELECT * FROM ro_photos WHERE ro_id = ?1 ORDER BY created_at"),
    ("findings", "SELECT * FROM ro_findings WHERE ro_id = ?1 ORDER BY rowid"),
    ("signatures", "SELECT s.* FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE a.ro_id = ?1 ORDER BY s.rowid"),
    ("recalls", "SELECT * FROM ro_recalls WHERE ro_id = ?1 ORDER BY performed_at"),
];

struct Zip {
    writer: zip::ZipWriter<Cursor<Vec<u8>>>,
    parts: Vec<String>,
}

impl Zip {
    fn new() -> Zip {
        Zip { writer: zip::ZipWriter::new(Cursor::new(Vec::new())), parts: Vec::new() }
    }

    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        self.writer.start_file(name, options).map_err(zip_error)?;
        self.writer.write_all(bytes).map_err(|e| ApiError::internal(format!("cannot write the export: {e}")))?;
        self.parts.push(name.to_string());
        Ok(())
    }

    fn add_json(&mut self, name: &str, value: &Value) -> Result<()> {
        let text = serde_json::to_vec_pretty(value).map_err(|e| ApiError::internal(format!("cannot encode {name}: {e}")))?;
        self.add(name, &text)
    }

    fn finish(self) -> Result<(Vec<u8>, Vec<String>)> {
        Ok((self.writer.finish().map_err(zip_error)?.into_inner(), self.parts))
    }
}

fn zip_error(e: zip::result::ZipError) -> ApiError {
    ApiError::internal(format!("cannot write the export: {e}"))
}

fn encode<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ApiError::internal(format!("cannot encode the export: {e}")))
}

/// A stored file's name in the ZIP, without its extension: `<folder>/<what>-<sha prefix>`.
fn file_stem(folder: &str, what: &str, sha: &str) -> String {
    format!("{folder}/{what}-{}", &sha[..sha.len().min(12)])
}

/// The extension a stored file's bytes say it has (photos are JPEG, PNG or WebP; signatures PNG).
fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "png",
        [0xFF, 0xD8, ..] => "jpg",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "webp",
        [b'%', b'P', b'D', b'F', ..] => "pdf",
        _ => "bin",
    }
}

pub async fn export_customer(station: &Station, caller: &Caller, input: ExportCustomer) -> Result<CustomerExport> {
    let me = caller.require(Permission::ExportCustomer)?.clone();
    let now = station.now();
    let info = station.require_info().await?;
    let mut zip = Zip::new();
    // (name without extension, sha, extension when known before reading the file)
    let mut files: Vec<(String, String, Option<&str>)> = Vec::new();
    let customer;
    {
        // One snapshot for every table: a deferred transaction reads one state of the database.
        let mut tx = station.pool().begin().await?;
        customer = crate::customers::load_customer(&mut tx, &input.customer_id).await.map_err(|e| e.with_field("customer_id"))?;
        zip.add_json("customer.json", &encode(&customer)?)?;

        let mut parts: Vec<(&str, Map<String, Value>)> = Vec::new();
        for (part, key, sql) in TABLES {
            let value = rows(&mut tx, sql, &customer.id).await?;
            match parts.iter_mut().find(|(p, _)| p == part) {
                Some((_, m)) => {
                    m.insert(key.to_string(), value);
                }
                None => parts.push((part, Map::from_iter([(key.to_string(), value)]))),
            }
        }

        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM repair_orders WHERE customer_id = ? ORDER BY checked_in_at, id").bind(&customer.id).fetch_all(&mut *tx).await?;
        let mut orders = Vec::new();
        for id in &ids {
            let order = crate::repair_orders::load_order(&mut tx, id).await?;
            let d = crate::workflow::detail_of(&mut tx, order, &me, now).await?;
            let mut o = Map::new();
            o.insert("order".into(), encode(&d.order)?);
            o.insert("jobs".into(), encode(&d.jobs)?);
            o.insert("totals".into(), encode(&d.totals)?);
            o.insert("authorizations".into(), encode(&d.authorizations)?);
            o.insert("status_history".into(), encode(&d.events)?);
            o.insert("inspections".into(), encode(&d.inspections)?);
            o.insert("payments".into(), encode(&d.payments)?);
            for (key, sql) in ORDER_TABLES {
                o.insert(key.to_string(), rows(&mut tx, sql, id).await?);
            }
            for photo in o.get("photos").and_then(Value::as_array).into_iter().flatten() {
                if let Some(sha) = photo.get("sha256").and_then(Value::as_str) {
                    files.push((file_stem("photos", &d.order.number, sha), sha.to_string(), None));
                }
            }
            for s in o.get("signatures").and_then(Value::as_array).into_iter().flatten() {
                let role = s.get("role").and_then(Value::as_str).unwrap_or("signature");
                for column in ["png_sha256", "paper_scan_sha256"] {
                    if let Some(sha) = s.get(column).and_then(Value::as_str) {
                        files.push((file_stem("signatures", &format!("{}-{role}", d.order.number), sha), sha.to_string(), None));
                    }
                }
            }
            orders.push(Value::Object(o));
        }
        zip.add_json("orders.json", &Value::Array(orders))?;

        let documents = rows(
            &mut tx,
            "SELECT d.*, r.number AS ro_number FROM ro_documents d JOIN repair_orders r ON r.id = d.ro_id WHERE r.customer_id = ?1 ORDER BY d.created_at, d.id",
            &customer.id,
        )
        .await?;
        let mut listed = Vec::new();
        for d in documents.as_array().into_iter().flatten() {
            let field = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (sha, what) = (field("sha256"), format!("{}-{}-{}-{}", field("ro_number"), field("kind"), field("language"), field("paper")));
            let stem = file_stem("documents", &what, &sha);
            let name = format!("{stem}.pdf");
            let mut entry = d.clone();
            if let Some(m) = entry.as_object_mut() {
                m.insert("file".into(), json!(name));
            }
            listed.push(entry);
            files.push((stem, sha, Some("pdf")));
        }
        zip.add_json("documents.json", &Value::Array(listed))?;

        for (part, map) in parts {
            zip.add_json(part, &Value::Object(map))?;
        }
        let consents = json!({
            "current": crate::consent::states(&customer),
            "history": crate::consent::history(&mut tx, &customer.id).await?,
            "contact": crate::consent::contact_rules(&customer),
            // The words of every version, so each recorded version can be read as the customer saw it.
            "texts": crate::consent::TEXTS,
        });
        zip.add_json("consents.json", &consents)?;
        // Who looked at this customer's records is part of what the station holds on them (PIPL art. 45).
        let register = crate::privacy::access_register::for_customer(&mut tx, &customer.id).await?;
        zip.add_json("access_register.json", &encode(&register)?)?;
        tx.commit().await?;
    }

    // The stored files themselves; one that is gone (destroyed, or never fetched) is listed as missing.
    let mut missing = Vec::new();
    for (stem, sha, ext) in &files {
        match crate::photos::stored_file_bytes(station, sha) {
            Some(bytes) => {
                let name = format!("{stem}.{}", ext.unwrap_or_else(|| sniff(&bytes)));
                if zip.parts.iter().all(|p| *p != name) {
                    zip.add(&name, &bytes)?;
                }
            }
            None => missing.push(json!({"file": stem, "sha256": sha})),
        }
    }
    let manifest = json!({
        "station": {"code": info.code, "name": info.name},
        "customer_id": customer.id,
        "customer_no": customer.customer_no,
        "exported_at": ts(now),
        "exported_by": me.name,
        "parts": zip.parts,
        "missing_files": missing,
    });
    zip.add_json("manifest.json", &manifest)?;
    let (bytes, parts) = zip.finish()?;
    let sha = format!("{:x}", Sha256::digest(&bytes));

    let mut tx = db::write_tx(station.pool()).await?;
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    let logged = json!({"parts": parts.len(), "size": bytes.len(), "sha256": sha});
    audit::record(&mut tx, &ctx, None, "customer", &customer.id, "export", None::<&Value>, Some(&logged)).await?;
    tx.commit().await?;

    let date = info_date(&info, now);
    Ok(CustomerExport {
        file_name: format!("customer-{}-{date}.zip", customer.customer_no),
        data_url: format!("data:application/zip;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes)),
        size: bytes.len() as i64,
        sha256: sha,
        parts,
    })
}

fn info_date(info: &crate::station::StationRow, now: chrono::DateTime<chrono::Utc>) -> String {
    info.local_date(now).format("%Y%m%d").to_string()
}
