//! Master data from the console: the labor catalog, parts prices, recall
//! campaigns and settings that `headoffice admin load-…` loads from CSV, now
//! listed, edited one record at a time, uploaded as the same CSV, and deleted,
//! by administrators. Rows are checked by `master_rows` (the command line's
//! checks too); every change writes its audit row and its change-log row
//! (stations pull it) in one transaction.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgPool;
use ts_rs::TS;

use super::audit::{self, number, Target};
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action};
use super::sessions::ConsoleSession;
use crate::categories;
use crate::master_rows::{self, Row, RowError};
use crate::store::master;

/// The kinds of master data, as in the path (`/console/api/master/labor_catalog`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MasterKind {
    LaborCatalog,
    PartsCatalog,
    RecallCampaign,
    Setting,
}

impl MasterKind {
    pub fn parse(raw: &str) -> ConsoleResult<Self> {
        match raw {
            "labor_catalog" => Ok(Self::LaborCatalog),
            "parts_catalog" => Ok(Self::PartsCatalog),
            "recall_campaign" => Ok(Self::RecallCampaign),
            "setting" => Ok(Self::Setting),
            _ => Err(ConsoleError::not_found("kind of master data")),
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Self::LaborCatalog => master::LABOR,
            Self::PartsCatalog => master::PARTS,
            Self::RecallCampaign => master::RECALL,
            Self::Setting => master::SETTING,
        }
    }

    /// The fields a record of this kind has, in the order a form and a CSV show them.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::LaborCatalog => &["code", "description", "standard_hours_milli", "rate_minor"],
            Self::PartsCatalog => &["part_no", "name", "unit_price_minor"],
            Self::RecallCampaign => &["campaign_id", "title", "vins", "vin_from", "vin_to"],
            Self::Setting => &["key", "value"],
        }
    }

    /// A row checked: (id, payload). The one check for forms, uploads and the command line.
    fn check(self, row: &Row) -> Result<(String, Value), RowError> {
        match self {
            Self::LaborCatalog => master_rows::labor(row),
            Self::PartsCatalog => master_rows::part(row),
            // One line may be part of a campaign (an upload adds its lines up; `complete` checks the whole).
            Self::RecallCampaign => master_rows::recall(row),
            Self::Setting => master_rows::setting(row.get("key").map(String::as_str).unwrap_or(""), row.get("value").map(String::as_str).unwrap_or("")),
        }
    }

    /// A whole record, once an upload's lines sharing its id are added up.
    fn complete(self, payload: &Value) -> Result<(), RowError> {
        match self {
            Self::RecallCampaign => master_rows::recall_complete(payload),
            _ => Ok(()),
        }
    }

    /// Whether several lines of an upload may share an id (they add up) rather than repeat it.
    fn lines_add_up(self) -> bool {
        self == Self::RecallCampaign
    }

    /// A stored record as its form and CSV line show it, field by field.
    fn as_fields(self, payload: &Value) -> BTreeMap<String, String> {
        if self == Self::RecallCampaign {
            return master_rows::recall_fields(payload);
        }
        let text = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.fields().iter().map(|f| (f.to_string(), text(&payload[*f]))).collect()
    }

    fn record(self, id: String, payload: Value, updated_at: DateTime<Utc>) -> MasterRecord {
        MasterRecord { fields: self.as_fields(&payload), completion: self == Self::RecallCampaign, id, payload, updated_at }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MasterRecord {
    /// The code, part number or setting key.
    pub id: String,
    /// The fields as stations get them.
    pub payload: Value,
    /// The fields as the form and a CSV line show them (text, by field).
    pub fields: BTreeMap<String, String>,
    /// Whether the record has a completion page (a recall campaign: `/console/api/recalls/{id}`).
    pub completion: bool,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MasterPage {
    pub kind: MasterKind,
    /// The fields of this kind, for the form and the table's columns.
    pub fields: Vec<String>,
    pub records: Vec<MasterRecord>,
    /// How many records match the search in all.
    #[ts(type = "number")]
    pub total: i64,
}

/// `GET …/master/{kind}?q=&offset=&limit=`: taken as text and checked here, so a bad one is named.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct MasterQuery {
    /// Part of the id or of any field, any case.
    #[ts(optional)]
    pub q: Option<String>,
    #[ts(optional, type = "number")]
    pub offset: Option<String>,
    /// 1 to 500; 50 when absent.
    #[ts(optional, type = "number")]
    pub limit: Option<String>,
}

/// One record as a form sends it: field → text, as a CSV line would have it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MasterInput {
    pub fields: BTreeMap<String, String>,
}

/// A CSV file's text, in the command line's format (docs/sync.md).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MasterUpload {
    pub csv: String,
}

/// A line of an upload that was not applied.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RefusedRow {
    /// The line in the file (the header is line 1).
    pub line: u32,
    pub id: Option<String>,
    /// The column at fault; absent when the line itself cannot be read.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UploadResult {
    /// Lines that were good and applied.
    pub applied: u32,
    /// Of those, how many changed a record (the others were as stored).
    pub changed: u32,
    pub refused: Vec<RefusedRow>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MasterDeleted {
    pub id: String,
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

fn audit_action(kind: MasterKind, verb: &str) -> String {
    format!("master.{}.{verb}", kind.entity())
}

pub async fn list(pool: &PgPool, session: &ConsoleSession, kind: &str, query: MasterQuery) -> ConsoleResult<MasterPage> {
    require(session.user.role, Action::ManageMasterData)?;
    let kind = MasterKind::parse(kind)?;
    let offset = number("offset", query.offset.as_deref(), 0..=i64::from(i32::MAX))?.unwrap_or(0);
    let limit = number("limit", query.limit.as_deref(), 1..=MAX_PAGE)?.unwrap_or(DEFAULT_PAGE);
    let search = query.q.as_deref().unwrap_or("").trim();
    let (rows, total) = master::page(pool, kind.entity(), search, offset, limit).await?;
    Ok(MasterPage {
        kind,
        fields: kind.fields().iter().map(|f| f.to_string()).collect(),
        records: rows.into_iter().map(|(id, payload, updated_at)| kind.record(id, payload, updated_at)).collect(),
        total,
    })
}

/// Adds or changes one record; its id is the key field (`code`, `part_no`, `key`).
pub async fn upsert(pool: &PgPool, session: &ConsoleSession, kind: &str, input: MasterInput, now: DateTime<Utc>) -> ConsoleResult<MasterRecord> {
    require(session.user.role, Action::ManageMasterData)?;
    let kind = MasterKind::parse(kind)?;
    // Through `From<RowError>`, which keeps the error's params (a category's path).
    let (id, payload) = kind.check(&input.fields).and_then(|(id, payload)| kind.complete(&payload).map(|_| (id, payload)))?;
    let mut tx = pool.begin().await?;
    let before = master::get(&mut tx, kind.entity(), &id).await?;
    if kind == MasterKind::Setting && id == categories::SETTING_KEY {
        categories::check_setting(&payload["value"], &categories::stored_known(before.as_ref()))?;
    }
    let changed = master::upsert_in(&mut tx, kind.entity(), &[(id.clone(), payload.clone())]).await?;
    if !changed.is_empty() {
        let verb = if before.is_some() { "update" } else { "create" };
        audit::record(&mut tx, &session.actor(), now, &audit_action(kind, verb), Target { kind: kind.entity(), id: id.clone() }, before, Some(payload.clone()))
            .await?;
    }
    tx.commit().await?;
    Ok(kind.record(id, payload, now))
}

/// Applies every good line of a CSV and names each refused one (line, field).
/// The good lines go in together, with one audit row for the upload.
pub async fn upload(pool: &PgPool, session: &ConsoleSession, kind: &str, input: MasterUpload, now: DateTime<Utc>) -> ConsoleResult<UploadResult> {
    require(session.user.role, Action::ManageMasterData)?;
    let kind = MasterKind::parse(kind)?;
    let lines = master_rows::read_csv(input.csv.as_bytes()).map_err(|e| ConsoleError::field("csv", "master.csv_unreadable", e))?;
    let mut good: Vec<(String, Value)> = Vec::new();
    // The line each good record began on, to name it when the whole is incomplete.
    let mut first_line: Vec<u32> = Vec::new();
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    for (line, row) in lines {
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let row = match row {
            Ok(r) => r,
            Err(message) => {
                refused.push(RefusedRow { line, id: None, field: None, code: "master.csv_line".into(), message });
                continue;
            }
        };
        match kind.check(&row) {
            Ok((id, more)) if kind.lines_add_up() && seen.contains(&id) => {
                if let Some((_, p)) = good.iter_mut().find(|(i, _)| *i == id) {
                    master_rows::merge_recall(p, &more);
                }
            }
            Ok((id, _)) if !seen.insert(id.clone()) => refused.push(RefusedRow {
                line,
                field: Some(kind.fields()[0].to_string()),
                message: format!("{id} appears on an earlier line"),
                id: Some(id),
                code: "master.duplicate".into(),
            }),
            Ok(record) => {
                first_line.push(line);
                good.push(record);
            }
            Err(e) => refused.push(RefusedRow {
                line,
                id: row.get(kind.fields()[0]).filter(|v| !v.is_empty()).cloned(),
                field: Some(e.field),
                code: e.code.into(),
                message: e.message,
            }),
        }
    }
    let mut complete = Vec::new();
    for ((id, payload), line) in good.into_iter().zip(first_line) {
        match kind.complete(&payload) {
            Ok(()) => complete.push((id, payload)),
            Err(e) => refused.push(RefusedRow { line, id: Some(id), field: Some(e.field), code: e.code.into(), message: e.message }),
        }
    }
    refused.sort_by_key(|r| r.line);
    let good = complete;
    let mut tx = pool.begin().await?;
    let changed = master::upsert_in(&mut tx, kind.entity(), &good).await?;
    let summary = json!({"applied": good.len(), "changed": changed, "refused_lines": refused.iter().map(|r| r.line).collect::<Vec<_>>()});
    audit::record(&mut tx, &session.actor(), now, &audit_action(kind, "upload"), Target { kind: kind.entity(), id: "csv".into() }, None, Some(summary)).await?;
    tx.commit().await?;
    Ok(UploadResult { applied: good.len() as u32, changed: changed.len() as u32, refused })
}

/// Deletes one record: stations get a delete (a labor operation is deactivated there).
pub async fn delete(pool: &PgPool, session: &ConsoleSession, kind: &str, id: &str, now: DateTime<Utc>) -> ConsoleResult<MasterDeleted> {
    require(session.user.role, Action::ManageMasterData)?;
    let kind = MasterKind::parse(kind)?;
    if kind == MasterKind::Setting && id == categories::SETTING_KEY {
        // Stations keep the last tree they were given; without the setting the console would show another one.
        return Err(ConsoleError::conflict("category.setting_delete", "the complaint category tree cannot be deleted: deactivate its entries instead"));
    }
    let mut tx = pool.begin().await?;
    let before = master::tombstone(&mut tx, kind.entity(), id).await?.ok_or_else(|| ConsoleError::not_found("record"))?;
    audit::record(&mut tx, &session.actor(), now, &audit_action(kind, "delete"), Target { kind: kind.entity(), id: id.to_string() }, Some(before), None)
        .await?;
    tx.commit().await?;
    Ok(MasterDeleted { id: id.to_string() })
}
