//! The quality check (质检 / 验收): a checklist from the station's configurable
//! items, pass or fail with notes. A pass sends the order to
//! `ready_for_pickup`; a fail sends it back to `in_repair`, reopens the jobs to
//! redo and counts a rework. The inspector cannot be a technician who worked on
//! the order, unless a manager inspects. No delivery without a pass.
//!
//! Inspections carry the order's rework round, so only an inspection of the
//! current round of work lets the order move on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::jobs::{update_job_row, Approval, JobRecord};
use super::{field, refused, Ctx, OrderDetail, OrderWrite};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

/// Checklist items a new station starts with, in Chinese and in English; the manager edits them.
pub const DEFAULT_ITEMS: [(&str, &str); 5] = [
    ("故障已排除，客户所述问题复现测试通过", "Concern fixed and verified"),
    ("所有螺栓、管路、接头紧固无泄漏", "Fasteners tight, no leaks"),
    ("油液液位正常", "Fluid levels correct"),
    ("路试正常，无异响、无故障灯", "Road test: no noise, no warning lights"),
    ("车辆清洁，旧件已按客户要求处理", "Vehicle clean, old parts handled as asked"),
];

/// The default item a label names: its Chinese text, or the single "中文 / English"
/// text the defaults had before items carried an English text of their own (issue 11).
pub fn default_item(label: &str) -> Option<(&'static str, &'static str)> {
    DEFAULT_ITEMS.iter().copied().find(|(zh, en)| label == *zh || label.strip_prefix(zh).and_then(|rest| rest.strip_prefix(" / ")) == Some(en))
}

/// A checklist item in both of the desk's scripts: the inspector reads the one
/// of their language (`label` in either Chinese, `label_en` in English, `label`
/// when it has no English text).
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct QcItem {
    pub id: String,
    /// The Chinese text.
    pub label: String,
    /// The English text; empty when the station wrote none.
    pub label_en: String,
    #[ts(type = "number")]
    pub position: i64,
    pub active: bool,
}

pub(crate) async fn seed_default_items(conn: &mut SqliteConnection, station_id: &str, now: DateTime<Utc>) -> Result<()> {
    for (i, (label, label_en)) in DEFAULT_ITEMS.iter().enumerate() {
        let id = new_id();
        sqlx::query("INSERT INTO qc_items (id, station_id, label, label_en, position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)")
            .bind(&id)
            .bind(station_id)
            .bind(label)
            .bind(label_en)
            .bind(i as i64)
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
        let item = QcItem { id: id.clone(), label: label.to_string(), label_en: label_en.to_string(), position: i as i64, active: true };
        outbox::append(&mut *conn, station_id, "qc_item", &id, outbox::Op::Upsert, &item, now).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct QcItems {
    pub items: Vec<QcItem>,
}

async fn items(conn: &mut SqliteConnection) -> Result<Vec<QcItem>> {
    Ok(sqlx::query_as::<_, QcItem>("SELECT id, label, label_en, position, active FROM qc_items ORDER BY position, rowid").fetch_all(conn).await?)
}

pub async fn list_qc_items(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<QcItems> {
    caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    Ok(QcItems { items: items(&mut conn).await? })
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SaveQcItem {
    /// Absent to add an item.
    #[ts(optional)]
    pub id: Option<String>,
    pub label: String,
    /// The English text; absent to keep the item's, "" to have none.
    #[serde(default)]
    #[ts(optional)]
    pub label_en: Option<String>,
    #[ts(type = "number")]
    pub position: i64,
    pub active: bool,
}

pub async fn save_qc_item(station: &Station, caller: &Caller, input: SaveQcItem) -> Result<QcItems> {
    let me = caller.require(Permission::ConfigureStation)?;
    let label = input.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 300 {
        return Err(field("label", "qc.label_required", "write the check (at most 300 characters)"));
    }
    let label_en = input.label_en.map(|l| l.trim().to_string());
    if label_en.as_ref().is_some_and(|l| l.chars().count() > 300) {
        return Err(field("label_en", "text.too_long", "at most 300 characters"));
    }
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let id = match input.id {
        Some(id) => {
            let done = sqlx::query("UPDATE qc_items SET label = ?, label_en = COALESCE(?, label_en), position = ?, active = ?, updated_at = ? WHERE id = ?")
                .bind(&label)
                .bind(&label_en)
                .bind(input.position)
                .bind(input.active)
                .bind(ts(now))
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(ApiError::not_found("checklist item").with_field("id"));
            }
            id
        }
        None => {
            let id = new_id();
            sqlx::query("INSERT INTO qc_items (id, station_id, label, label_en, position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&id)
                .bind(&me.station_id)
                .bind(&label)
                .bind(label_en.unwrap_or_default())
                .bind(input.position)
                .bind(input.active)
                .bind(ts(now))
                .bind(ts(now))
                .execute(&mut *tx)
                .await?;
            id
        }
    };
    let item = sqlx::query_as::<_, QcItem>("SELECT id, label, label_en, position, active FROM qc_items WHERE id = ?").bind(&id).fetch_one(&mut *tx).await?;
    outbox::append(&mut tx, &me.station_id, "qc_item", &id, outbox::Op::Upsert, &item, now).await?;
    let all = items(&mut tx).await?;
    tx.commit().await?;
    Ok(QcItems { items: all })
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QcResult {
    pub item_id: String,
    /// The item's label when inspected, so the record survives later edits of the checklist.
    #[serde(default)]
    pub label: String,
    /// Its English text when inspected; empty for an item without one and for inspections before it existed.
    #[serde(default)]
    pub label_en: String,
    pub passed: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Inspection {
    pub id: String,
    /// The order's rework count when inspected.
    #[ts(type = "number")]
    pub round: i64,
    pub inspector_id: String,
    pub inspector_name: String,
    pub passed: bool,
    pub results: Vec<QcResult>,
    pub notes: String,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

type InspectionRow = (String, i64, String, String, bool, String, String, DateTime<Utc>);

pub(crate) async fn list(conn: &mut SqliteConnection, ro_id: &str) -> Result<Vec<Inspection>> {
    let rows: Vec<InspectionRow> = sqlx::query_as(
        "SELECT i.id, i.round, i.inspector_id, s.name, i.passed, i.results, i.notes, i.at
         FROM ro_inspections i JOIN staff s ON s.id = i.inspector_id WHERE i.ro_id = ? ORDER BY i.rowid",
    )
    .bind(ro_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, round, inspector_id, inspector_name, passed, results, notes, at)| Inspection {
            id,
            round,
            inspector_id,
            inspector_name,
            passed,
            results: serde_json::from_str(&results).unwrap_or_default(),
            notes,
            at,
        })
        .collect())
}

/// The result of the latest inspection of the current round of work, if any.
pub(crate) async fn current_result(conn: &mut SqliteConnection, ro_id: &str) -> Result<Option<bool>> {
    Ok(sqlx::query_scalar(
        "SELECT i.passed FROM ro_inspections i JOIN repair_orders r ON r.id = i.ro_id
         WHERE i.ro_id = ? AND i.round = r.rework_count ORDER BY i.rowid DESC LIMIT 1",
    )
    .bind(ro_id)
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordQc {
    pub ro_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub passed: bool,
    /// One result per active checklist item.
    #[serde(default)]
    pub items: Vec<QcResult>,
    #[serde(default)]
    pub notes: String,
    /// On a fail, the jobs to redo; all approved jobs when empty.
    #[serde(default)]
    pub rework_job_ids: Vec<String>,
}

pub(crate) async fn worked_on_it(conn: &mut SqliteConnection, ro_id: &str, staff_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ro_jobs WHERE ro_id = ?1 AND approval = 'approved' AND (technician_id = ?2 OR done_by = ?2))
             OR EXISTS (SELECT 1 FROM time_clocks WHERE ro_id = ?1 AND technician_id = ?2)",
    )
    .bind(ro_id)
    .bind(staff_id)
    .fetch_one(conn)
    .await?)
}

pub async fn record_qc(station: &Station, caller: &Caller, input: RecordQc) -> Result<OrderDetail> {
    let me = caller.require(Permission::QualityDecision)?;
    let notes = input.notes.trim().to_string();
    if notes.chars().count() > 2000 {
        return Err(field("notes", "text.too_long", "at most 2000 characters"));
    }
    let mut w = OrderWrite::begin(station, me, &input.ro_id, input.expected_version).await?;
    if w.status != RoStatus::QualityCheck {
        return Err(refused("qc.not_in_quality_check", "the order is not waiting for the quality check"));
    }
    if worked_on_it(w.conn(), &input.ro_id, &me.id).await? && !Permission::InspectOwnWork.allows(me.role) {
        return Err(ApiError::forbidden("qc.own_work", "the inspector cannot be the technician who did the work; ask another inspector or a manager"));
    }
    let checklist: Vec<QcItem> = items(w.conn()).await?.into_iter().filter(|i| i.active).collect();
    let mut results = Vec::new();
    for item in &checklist {
        let Some(r) = input.items.iter().find(|r| r.item_id == item.id) else {
            return Err(field("items", "qc.item_missing", format!("check every item: {}", item.label)));
        };
        results.push(QcResult {
            item_id: item.id.clone(),
            label: item.label.clone(),
            label_en: item.label_en.clone(),
            passed: r.passed,
            note: r.note.trim().to_string(),
        });
    }
    if let Some((i, _)) = input.items.iter().enumerate().find(|(_, r)| !checklist.iter().any(|c| c.id == r.item_id)) {
        return Err(field(format!("items.{i}"), "qc.unknown_item", "this is not an item of the checklist"));
    }
    if input.passed && results.iter().any(|r| !r.passed) {
        return Err(field("passed", "qc.failed_item", "a check with a failed item cannot pass"));
    }
    if !input.passed && notes.is_empty() && results.iter().all(|r| r.note.is_empty()) {
        return Err(field("notes", "qc.notes_required", "say what failed, so the technician knows what to redo"));
    }

    let ctx = w.ctx.clone();
    let round: i64 = w.header().await?.rework_count;
    let id = new_id();
    let results_json = serde_json::to_string(&results).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO ro_inspections (id, station_id, ro_id, round, inspector_id, passed, results, notes, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.station_id)
    .bind(&input.ro_id)
    .bind(round)
    .bind(&me.id)
    .bind(input.passed)
    .bind(&results_json)
    .bind(&notes)
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .bind(ts(ctx.now))
    .execute(w.conn())
    .await?;
    let payload = serde_json::json!({"id": id, "ro_id": input.ro_id, "round": round, "inspector_id": me.id, "passed": input.passed,
                                     "results": results, "notes": notes, "at": ts(ctx.now)});
    outbox::append(w.conn(), &ctx.station_id, "ro_inspection", &id, outbox::Op::Upsert, &payload, ctx.now).await?;

    if input.passed {
        w.transition(RoStatus::ReadyForPickup, &notes).await?;
    } else {
        reopen_jobs(&mut w, &ctx, &input.rework_job_ids).await?;
        w.transition(RoStatus::InRepair, &notes).await?;
    }
    w.finish().await
}

async fn reopen_jobs(w: &mut OrderWrite, ctx: &Ctx, rework: &[String]) -> Result<()> {
    let ro_id = w.ro_id.clone();
    let jobs: Vec<JobRecord> = super::jobs::jobs_of_order(w.conn(), &ro_id).await?;
    for (i, id) in rework.iter().enumerate() {
        if !jobs.iter().any(|j| &j.id == id && j.approval == Approval::Approved) {
            return Err(field(format!("rework_job_ids.{i}"), "qc.unknown_job", "this is not an approved job of the order"));
        }
    }
    for job in jobs.iter().filter(|j| j.approval == Approval::Approved && (rework.is_empty() || rework.contains(&j.id))) {
        let q = sqlx::query("UPDATE ro_jobs SET done_at = NULL, done_by = NULL, updated_at = ? WHERE id = ?").bind(ts(ctx.now)).bind(&job.id);
        update_job_row(w.conn(), ctx, &job.id, "rework", q).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_item;

    #[test]
    fn a_default_item_is_known_by_its_chinese_text_and_by_the_old_two_language_text() {
        assert_eq!(default_item("油液液位正常"), Some(("油液液位正常", "Fluid levels correct")));
        assert_eq!(default_item("油液液位正常 / Fluid levels correct"), Some(("油液液位正常", "Fluid levels correct")));
        assert_eq!(default_item("油液液位正常 / Tyres"), None);
        assert_eq!(default_item("轮胎气压已校准"), None);
    }
}
