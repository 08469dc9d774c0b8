//! The fixed statements that write each restored entity: one writer per
//! entity, its tables and columns spelled out, the payload supplying only bound
//! values (`P`); what cannot be written yet is `Fail::NotYet` and gets parked.
//! Also the counters a restored row moves on (RO and customer numbering).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::SqliteConnection;
use sync_protocol::{FeedChange, Op};

use super::Local;
use crate::domain::{CustomerNo, RoNumber};
use crate::error::{ApiError, Result};
use crate::station::ts;

/// Why an entry was not written.
pub(crate) enum Fail {
    /// Not yet: a parent row is missing, or a trigger refuses it for now. Parked.
    NotYet(String),
    /// The payload lacks what the table needs. Logged and left out.
    Bad(String),
    Local(ApiError),
}

impl From<sqlx::Error> for Fail {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            // SQLITE_CONSTRAINT (19) and its extended codes: foreign key, unique, check, not null, a trigger's RAISE(ABORT).
            if d.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 19) {
                return Fail::NotYet(d.message().to_string());
            }
        }
        Fail::Local(e.into())
    }
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        Fail::Local(e)
    }
}

type Written = std::result::Result<(), Fail>;

fn bad(what: &str) -> Fail {
    Fail::Bad(format!("no {what}"))
}

/// The payload's values, read leniently (a missing optional field is `None`).
pub(super) struct P<'a>(&'a Map<String, Value>);

impl<'a> P<'a> {
    pub(super) fn v(&self, k: &str) -> Option<&'a Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }
    pub(super) fn opt_s(&self, k: &str) -> Option<&'a str> {
        self.v(k).and_then(Value::as_str)
    }
    pub(super) fn s(&self, k: &str) -> std::result::Result<&'a str, Fail> {
        self.opt_s(k).ok_or_else(|| bad(k))
    }
    pub(super) fn opt_i(&self, k: &str) -> Option<i64> {
        self.v(k).and_then(|v| v.as_i64().or_else(|| v.as_bool().map(i64::from)))
    }
    pub(super) fn i(&self, k: &str) -> std::result::Result<i64, Fail> {
        self.opt_i(k).ok_or_else(|| bad(k))
    }
    pub(super) fn b(&self, k: &str) -> std::result::Result<bool, Fail> {
        self.v(k).and_then(|v| v.as_bool().or_else(|| v.as_i64().map(|n| n != 0))).ok_or_else(|| bad(k))
    }
    /// A timestamp as the station stores it (RFC 3339, milliseconds, `Z`).
    pub(super) fn opt_t(&self, k: &str) -> Option<String> {
        self.opt_s(k).map(normal_time)
    }
    pub(super) fn t(&self, k: &str) -> std::result::Result<String, Fail> {
        self.opt_t(k).ok_or_else(|| bad(k))
    }
    /// The `id` of a nested record (`"advisor": {"id": …}`).
    pub(super) fn nested_id(&self, k: &str) -> Option<&'a str> {
        self.v(k)?.get("id")?.as_str()
    }
    /// A JSON column's text: arrays and objects serialised, text as it is.
    pub(super) fn json_text(&self, k: &str, default: &str) -> String {
        match self.v(k) {
            None => default.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }
    pub(super) fn opt_json_text(&self, k: &str) -> Option<String> {
        self.v(k).map(|_| self.json_text(k, ""))
    }
}

/// Timestamps leave the station as `ts()` text or as chrono's serialisation of
/// the same instant; both go back in as `ts()` text, which is what the signed
/// content and `verify_order` compare against.
fn normal_time(s: &str) -> String {
    DateTime::parse_from_rfc3339(s).map(|d| ts(d.with_timezone(&Utc))).unwrap_or_else(|_| s.to_string())
}

pub(super) async fn write(conn: &mut SqliteConnection, local: &Local<'_>, c: &FeedChange, now: DateTime<Utc>) -> Written {
    let empty = Map::new();
    let p = P(c.payload.as_object().unwrap_or(&empty));
    let id = c.entity_id.as_str();
    if c.op == Op::Delete {
        return match c.entity.as_str() {
            // A removed line. A line the customer signed for cannot be removed: the trigger refuses, and it stays parked.
            "ro_line" => {
                sqlx::query("DELETE FROM ro_lines WHERE id = ?").bind(id).execute(&mut *conn).await?;
                Ok(())
            }
            other => Err(Fail::Bad(format!("this station never deletes a {other}"))),
        };
    }
    match c.entity.as_str() {
        "station_settings" => {
            // After-sales' two settings came later: an older payload keeps the station's.
            sqlx::query(
                "UPDATE station SET tax_rate_bp = ?, repeat_repair_days = ?, follow_up_give_up_days = COALESCE(?, follow_up_give_up_days),
                        compensation_approval_minor = COALESCE(?, compensation_approval_minor), updated_at = ? WHERE id = ?",
            )
            .bind(p.i("tax_rate_bp")?)
            .bind(p.i("repeat_repair_days")?)
            .bind(p.opt_i("follow_up_give_up_days"))
            .bind(p.opt_i("compensation_approval_minor"))
            .bind(ts(now))
            .bind(local.id)
            .execute(&mut *conn)
            .await?;
        }
        "staff" => {
            // The PIN hash never leaves a station: a restored member has none, and a manager sets a new PIN.
            let active = p.b("active")?;
            sqlx::query(
                "INSERT INTO staff (id, station_id, name, role, pin_hash, active, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, active = excluded.active, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("name")?)
            .bind(p.s("role")?)
            .bind(active)
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE staff_id = ?").bind(id).execute(&mut *conn).await?;
            }
        }
        "file" => {
            // A file destroyed past retention comes back as its marked row, without bytes.
            sqlx::query(
                "INSERT INTO files (sha256, station_id, mime, size, created_at, updated_at, destroyed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            )
                .bind(id)
                .bind(local.id)
                .bind(p.s("mime")?)
                .bind(p.i("size")?)
                .bind(ts(now))
                .bind(ts(now))
                .bind(p.opt_s("destroyed_at"))
                .execute(&mut *conn)
                .await?;
        }
        "qc_item" => {
            let raw = p.s("label")?;
            // An item from before items had an English text: a default one is split into its two texts.
            let (label, label_en) = match (p.opt_s("label_en"), crate::workflow::quality::default_item(raw)) {
                (Some(en), _) => (raw, en),
                (None, Some((zh, en))) => (zh, en),
                (None, None) => (raw, ""),
            };
            sqlx::query(
                "INSERT INTO qc_items (id, station_id, label, label_en, position, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET label = excluded.label, label_en = excluded.label_en, position = excluded.position, active = excluded.active, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(label)
            .bind(label_en)
            .bind(p.i("position")?)
            .bind(p.b("active")?)
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            retire_fresh_duplicate(conn, local, id, label, now).await?;
        }
        "labor_operation" => {
            let updated = p.opt_t("updated_at").unwrap_or_else(|| ts(now));
            sqlx::query(
                "INSERT INTO labor_operations (id, station_id, code, description, standard_hours_milli, rate_minor, active, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, description = excluded.description, standard_hours_milli = excluded.standard_hours_milli,
                   rate_minor = excluded.rate_minor, active = excluded.active, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("code")?)
            .bind(p.s("description")?)
            .bind(p.i("standard_hours_milli")?)
            .bind(p.i("rate")?)
            .bind(p.b("active")?)
            .bind(&updated)
            .bind(&updated)
            .execute(&mut *conn)
            .await?;
        }
        "part" => {
            let updated = p.opt_t("updated_at").unwrap_or_else(|| ts(now));
            sqlx::query(
                "INSERT INTO parts (id, station_id, part_no, name, bin, unit_price_minor, on_hand_milli, reserved_milli, reorder_point_milli, active, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET part_no = excluded.part_no, name = excluded.name, bin = excluded.bin, unit_price_minor = excluded.unit_price_minor,
                   on_hand_milli = excluded.on_hand_milli, reserved_milli = excluded.reserved_milli, reorder_point_milli = excluded.reorder_point_milli,
                   active = excluded.active, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("part_no")?)
            .bind(p.s("name")?)
            .bind(p.opt_s("bin").unwrap_or(""))
            .bind(p.i("unit_price")?)
            .bind(p.i("on_hand_milli")?)
            .bind(p.i("reserved_milli")?)
            .bind(p.opt_i("reorder_point_milli").unwrap_or(0))
            .bind(p.b("active")?)
            .bind(&updated)
            .bind(&updated)
            .execute(&mut *conn)
            .await?;
        }
        "repair_order" => write_order(conn, local, id, &p).await?,
        "ro_authorization" => write_authorization(conn, local, id, &p).await?,
        "ro_job" => {
            let updated = p.t("updated_at")?;
            sqlx::query(
                "INSERT INTO ro_jobs (id, station_id, ro_id, position, concern_id, concern, cause, correction, technician_id, approval, authorization_id,
                                      decided_by_name, decided_recorded_by, decided_at, added_after_approval, done_at, done_by, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET position = excluded.position, concern_id = excluded.concern_id, concern = excluded.concern, cause = excluded.cause,
                   correction = excluded.correction, technician_id = excluded.technician_id, approval = excluded.approval, authorization_id = excluded.authorization_id,
                   decided_by_name = excluded.decided_by_name, decided_recorded_by = excluded.decided_recorded_by, decided_at = excluded.decided_at,
                   added_after_approval = excluded.added_after_approval, done_at = excluded.done_at, done_by = excluded.done_by, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.i("position")?)
            .bind(p.opt_s("concern_id"))
            .bind(p.s("concern")?)
            .bind(p.opt_s("cause").unwrap_or(""))
            .bind(p.opt_s("correction").unwrap_or(""))
            .bind(p.opt_s("technician_id"))
            .bind(p.s("approval")?)
            .bind(p.opt_s("authorization_id"))
            .bind(p.opt_s("decided_by_name"))
            .bind(p.opt_s("decided_recorded_by"))
            .bind(p.opt_t("decided_at"))
            .bind(p.b("added_after_approval").unwrap_or(false))
            .bind(p.opt_t("done_at"))
            .bind(p.opt_s("done_by"))
            .bind(&updated)
            .bind(&updated)
            .execute(&mut *conn)
            .await?;
        }
        "ro_line" => {
            let ro_id = p.s("ro_id")?;
            // Lines pushed before `created_by` was in the payload: the order's advisor.
            let created_by = match p.opt_s("created_by") {
                Some(s) => s.to_string(),
                None => sqlx::query_scalar::<_, String>("SELECT advisor_id FROM repair_orders WHERE id = ?")
                    .bind(ro_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| Fail::NotYet("its order is not here yet".into()))?,
            };
            let updated = p.t("updated_at")?;
            sqlx::query(
                "INSERT INTO ro_lines (id, station_id, ro_id, job_id, kind, labor_op_code, part_id, description, quantity_milli, unit_price_minor, amount_minor,
                                       reserved_milli, issued_milli, returned_milli, created_by, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET job_id = excluded.job_id, kind = excluded.kind, labor_op_code = excluded.labor_op_code, part_id = excluded.part_id,
                   description = excluded.description, quantity_milli = excluded.quantity_milli, unit_price_minor = excluded.unit_price_minor,
                   amount_minor = excluded.amount_minor, reserved_milli = excluded.reserved_milli, issued_milli = excluded.issued_milli,
                   returned_milli = excluded.returned_milli, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(ro_id)
            .bind(p.s("job_id")?)
            .bind(p.s("kind")?)
            .bind(p.opt_s("labor_op_code"))
            .bind(p.opt_s("part_id"))
            .bind(p.s("description")?)
            .bind(p.i("quantity_milli")?)
            .bind(p.i("unit_price")?)
            .bind(p.i("amount")?)
            .bind(p.opt_i("reserved_milli").unwrap_or(0))
            .bind(p.opt_i("issued_milli").unwrap_or(0))
            .bind(p.opt_i("returned_milli").unwrap_or(0))
            .bind(created_by)
            .bind(&updated)
            .bind(&updated)
            .execute(&mut *conn)
            .await?;
        }
        "ro_finding" => {
            let at = p.t("created_at")?;
            sqlx::query(
                "INSERT INTO ro_findings (id, station_id, ro_id, job_id, text, photos, staff_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.s("job_id")?)
            .bind(p.opt_s("text").unwrap_or(""))
            .bind(p.json_text("photos", "[]"))
            .bind(p.s("staff_id")?)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "ro_inspection" => {
            let at = p.t("at")?;
            sqlx::query(
                "INSERT INTO ro_inspections (id, station_id, ro_id, round, inspector_id, passed, results, notes, at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.i("round")?)
            .bind(p.s("inspector_id")?)
            .bind(p.b("passed")?)
            .bind(p.json_text("results", "[]"))
            .bind(p.opt_s("notes").unwrap_or(""))
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "time_clock" => {
            let started = p.t("started_at")?;
            let stopped = p.opt_t("stopped_at");
            sqlx::query(
                "INSERT INTO time_clocks (id, station_id, ro_id, job_id, technician_id, started_at, stopped_at, seconds, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET stopped_at = excluded.stopped_at, seconds = excluded.seconds, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.s("job_id")?)
            .bind(p.s("technician_id")?)
            .bind(&started)
            .bind(&stopped)
            .bind(p.opt_i("seconds"))
            .bind(&started)
            .bind(stopped.as_deref().unwrap_or(&started))
            .execute(&mut *conn)
            .await?;
        }
        "ro_status_event" => {
            let at = p.t("at")?;
            sqlx::query(
                "INSERT INTO ro_status_events (id, station_id, ro_id, seq, from_status, to_status, staff_id, note, at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.i("seq")?)
            .bind(p.opt_s("from_status"))
            .bind(p.s("to_status")?)
            .bind(p.opt_s("staff_id"))
            .bind(p.opt_s("note").unwrap_or(""))
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "ro_payment" => {
            let at = p.t("at")?;
            sqlx::query(
                "INSERT INTO ro_payments (id, station_id, ro_id, method, amount_minor, received_by, at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.s("method")?)
            .bind(p.i("amount")?)
            .bind(p.s("received_by")?)
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "odometer_reading" => {
            let at = p.t("recorded_at")?;
            sqlx::query(
                "INSERT INTO odometer_readings (id, station_id, vehicle_id, ro_id, km, confirmed_by, recorded_at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("vehicle_id")?)
            .bind(p.opt_s("ro_id"))
            .bind(p.i("km")?)
            .bind(p.opt_s("confirmed_by"))
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "ro_document" => {
            let at = p.t("created_at")?;
            sqlx::query(
                "INSERT INTO ro_documents (id, station_id, ro_id, authorization_id, kind, language, paper, sha256, size, content_hash, created_at, created_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.s("authorization_id")?)
            .bind(p.s("kind")?)
            .bind(p.s("language")?)
            .bind(p.s("paper")?)
            .bind(p.s("sha256")?)
            .bind(p.i("size")?)
            .bind(p.s("content_hash")?)
            .bind(&at)
            .bind(p.s("created_by")?)
            .execute(&mut *conn)
            .await?;
        }
        "ro_recall" => {
            let at = p.t("performed_at")?;
            sqlx::query(
                "INSERT INTO ro_recalls (id, station_id, ro_id, ro_number, campaign_id, title, vin, job_id, performed_by, performed_at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("ro_id")?)
            .bind(p.s("ro_number")?)
            .bind(p.s("campaign_id")?)
            .bind(p.s("title")?)
            .bind(p.s("vin")?)
            .bind(p.opt_s("job_id"))
            .bind(p.s("performed_by")?)
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "audit_log" => {
            let at = p.t("at")?;
            sqlx::query(
                "INSERT INTO audit_log (id, station_id, ro_id, entity, entity_id, action, staff_id, at, before, after, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.opt_s("ro_id"))
            .bind(p.s("entity")?)
            .bind(p.s("entity_id")?)
            .bind(p.s("action")?)
            .bind(p.opt_s("staff_id"))
            .bind(&at)
            .bind(p.opt_json_text("before"))
            .bind(p.opt_json_text("after"))
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "access_entry" => {
            let at = p.t("at")?;
            sqlx::query(
                "INSERT INTO access_register (id, station_id, staff_id, staff_role, kind, customer_id, ro_id, subject_id, reason, at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(local.id)
            .bind(p.s("staff_id")?)
            .bind(p.s("staff_role")?)
            .bind(p.s("kind")?)
            .bind(p.opt_s("customer_id"))
            .bind(p.opt_s("ro_id"))
            .bind(p.s("subject_id")?)
            .bind(p.opt_s("reason"))
            .bind(&at)
            .bind(&at)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        "ho_complaint_note" => super::aftersales::head_office_note(conn, id, &p, now).await?,
        other => match super::aftersales::write(conn, local, other, id, &p).await {
            Some(written) => written?,
            None => return Err(Fail::Bad(format!("{other} is not restored"))),
        },
    }
    Ok(())
}

/// A station's checklist comes back from its previous installation, whose
/// default items have the labels this installation seeded again at setup. A
/// seeded item with the restored item's label, never edited here, would
/// double the checklist: it is retired (inactive). That is a local edit of
/// this installation's own item, so it goes into the outbox like any other.
async fn retire_fresh_duplicate(conn: &mut SqliteConnection, local: &Local<'_>, restored_id: &str, label: &str, now: DateTime<Utc>) -> Result<()> {
    let Some((label, label_en)) = crate::workflow::quality::default_item(label) else {
        return Ok(());
    };
    let seeded: Vec<(String, i64)> = sqlx::query_as(
        "SELECT q.id, q.position FROM qc_items q
         WHERE q.active = 1 AND q.label = ? AND q.id <> ?
           AND NOT EXISTS (SELECT 1 FROM sync_restored r WHERE r.entity = 'qc_item' AND r.entity_id = q.id)
           AND (SELECT COUNT(*) FROM outbox o WHERE o.entity = 'qc_item' AND o.entity_id = q.id) = 1",
    )
    .bind(label)
    .bind(restored_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, position) in seeded {
        sqlx::query("UPDATE qc_items SET active = 0, updated_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *conn).await?;
        let item = crate::workflow::quality::QcItem { id: id.clone(), label: label.to_string(), label_en: label_en.to_string(), position, active: false };
        crate::store::outbox::append(&mut *conn, local.id, "qc_item", &id, crate::store::outbox::Op::Upsert, &item, now).await?;
    }
    Ok(())
}

/// A repair order: the `RepairOrder` the station pushes (customer, vehicle and
/// advisor nested; concerns, damage marks and photos inside).
async fn write_order(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let number = p.s("number")?;
    let checked_in = p.t("checked_in_at")?;
    sqlx::query(
        "INSERT INTO repair_orders (id, station_id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id, checked_in_at,
                                    odometer_in_km, fuel_eighths, battery_percent, personal_items, promised_at, version, created_at, updated_at, rework_count, cancel_reason,
                                    discount_minor, odometer_out_km, completion_notice_at, delivered_at, balance_override_by, repeat_of_ro_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, priority = excluded.priority, personal_items = excluded.personal_items,
           promised_at = excluded.promised_at, version = excluded.version, updated_at = excluded.updated_at, rework_count = excluded.rework_count,
           cancel_reason = excluded.cancel_reason, discount_minor = excluded.discount_minor, odometer_out_km = excluded.odometer_out_km,
           completion_notice_at = excluded.completion_notice_at, delivered_at = excluded.delivered_at,
           balance_override_by = excluded.balance_override_by, repeat_of_ro_id = excluded.repeat_of_ro_id",
    )
    .bind(id)
    .bind(local.id)
    .bind(number)
    .bind(p.s("archive_no")?)
    .bind(p.s("service_type")?)
    .bind(p.s("status")?)
    .bind(p.s("priority")?)
    .bind(p.nested_id("customer").ok_or_else(|| bad("customer"))?)
    .bind(p.nested_id("vehicle").ok_or_else(|| bad("vehicle"))?)
    .bind(p.nested_id("advisor").ok_or_else(|| bad("advisor"))?)
    .bind(&checked_in)
    .bind(p.i("odometer_in_km")?)
    .bind(p.opt_i("fuel_eighths"))
    .bind(p.opt_i("battery_percent"))
    .bind(p.opt_s("personal_items").unwrap_or(""))
    .bind(p.opt_t("promised_at"))
    .bind(p.i("version")?)
    .bind(&checked_in)
    .bind(p.t("updated_at")?)
    .bind(p.opt_i("rework_count").unwrap_or(0))
    .bind(p.opt_s("cancel_reason"))
    .bind(p.opt_i("discount").unwrap_or(0))
    .bind(p.opt_i("odometer_out_km"))
    .bind(p.opt_t("completion_notice_at"))
    .bind(p.opt_t("delivered_at"))
    .bind(p.opt_s("balance_override_by"))
    .bind(p.nested_id("repeat_of"))
    .execute(&mut *conn)
    .await?;
    let list = |k: &str| p.v(k).and_then(Value::as_array).cloned().unwrap_or_default();
    for (i, c) in list("concerns").iter().enumerate() {
        let Some(c) = c.as_object().map(P) else { continue };
        sqlx::query(
            "INSERT INTO ro_concerns (id, station_id, ro_id, position, text, fault_codes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(c.s("id")?)
        .bind(local.id)
        .bind(id)
        .bind(i as i64)
        .bind(c.s("text")?)
        .bind(c.json_text("fault_codes", "[]"))
        .bind(&checked_in)
        .bind(&checked_in)
        .execute(&mut *conn)
        .await?;
    }
    for m in list("damage_marks") {
        let Some(m) = m.as_object().map(P) else { continue };
        sqlx::query(
            "INSERT INTO ro_damage_marks (id, station_id, ro_id, x, y, kind, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(m.s("id")?)
        .bind(local.id)
        .bind(id)
        .bind(m.i("x")?)
        .bind(m.i("y")?)
        .bind(m.s("kind")?)
        .bind(m.opt_s("note").unwrap_or(""))
        .bind(&checked_in)
        .bind(&checked_in)
        .execute(&mut *conn)
        .await?;
    }
    for ph in list("photos") {
        let Some(ph) = ph.as_object().map(P) else { continue };
        sqlx::query(
            "INSERT INTO ro_photos (id, station_id, ro_id, sha256, caption, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(ph.s("id")?)
        .bind(local.id)
        .bind(id)
        .bind(ph.s("sha256")?)
        .bind(ph.opt_s("caption").unwrap_or(""))
        .bind(&checked_in)
        .bind(&checked_in)
        .execute(&mut *conn)
        .await?;
    }
    raise_ro_sequence(conn, local, number).await?;
    Ok(())
}

/// The day's RO counter of this station goes up to a restored order's number
/// (never down), so the next check-in that day takes the number after it.
async fn raise_ro_sequence(conn: &mut SqliteConnection, local: &Local<'_>, number: &str) -> Result<()> {
    let Ok(n) = RoNumber::parse(number) else { return Ok(()) };
    if n.station().as_str() != local.code {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO ro_sequences (station_id, day, last_seq) VALUES (?, ?, ?)
         ON CONFLICT (station_id, day) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
    )
    .bind(local.id)
    .bind(n.date().to_string())
    .bind(i64::from(n.seq()))
    .execute(conn)
    .await?;
    Ok(())
}

/// The same for customer numbers: a pulled customer numbered by this station
/// raises its counter, so the next new customer does not take that number.
pub(crate) async fn raise_customer_sequence(conn: &mut SqliteConnection, local: &Local<'_>, customer_no: &str) -> Result<()> {
    let Ok(n) = CustomerNo::parse(customer_no) else { return Ok(()) };
    if n.station().as_str() != local.code {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO customer_sequences (station_id, last_seq) VALUES (?, ?)
         ON CONFLICT (station_id) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
    )
    .bind(local.id)
    .bind(i64::from(n.seq()))
    .execute(conn)
    .await?;
    Ok(())
}

/// A signed document, its signatures and the lines it covers, exactly as
/// signed: `verify_order` recomputes the hash chain from these rows. The chain
/// is ordered by insertion, so document n waits until n - 1 is here.
async fn write_authorization(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let ro_id = p.s("ro_id")?;
    let content = p.opt_s("content");
    let parsed: Option<Value> = content.and_then(|t| serde_json::from_str(t).ok());
    if let Some(seq) = parsed.as_ref().and_then(|c| c["document"]["seq"].as_i64()) {
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ro_authorizations WHERE ro_id = ?").bind(ro_id).fetch_one(&mut *conn).await?;
        if before != seq - 1 {
            return Err(Fail::NotYet(format!("document {seq} of its order waits for the {} before it ({before} here)", seq - 1)));
        }
    }
    let approved_at = p.t("approved_at")?;
    sqlx::query(
        "INSERT INTO ro_authorizations (id, station_id, ro_id, supplemental, method, approver_name, approved_at, amount_minor, recorded_by, note,
                                        created_at, updated_at, kind, language, terms_version, content, hash, legacy)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(local.id)
    .bind(ro_id)
    .bind(p.b("supplemental")?)
    .bind(p.s("method")?)
    .bind(p.s("approver_name")?)
    .bind(&approved_at)
    .bind(p.i("amount")?)
    .bind(p.s("recorded_by")?)
    .bind(p.opt_s("note").unwrap_or(""))
    .bind(&approved_at)
    .bind(&approved_at)
    .bind(p.opt_s("kind").unwrap_or("intake"))
    .bind(p.opt_s("language"))
    .bind(p.opt_s("terms_version"))
    .bind(content)
    .bind(p.opt_s("hash"))
    .bind(p.b("legacy").unwrap_or(false))
    .execute(&mut *conn)
    .await?;
    // Signatures travel as stored (text as it was), so their hashes in the content still match.
    for s in p.v("signatures").and_then(Value::as_array).into_iter().flatten() {
        let Some(s) = s.as_object().map(P) else { continue };
        let signed_at = s.s("signed_at")?;
        sqlx::query(
            "INSERT INTO ro_signatures (id, station_id, authorization_id, role, method, signer_name, signed_at, strokes, png_sha256, paper_scan_sha256,
                                        phone_approved_by, phone_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.s("id")?)
        .bind(local.id)
        .bind(id)
        .bind(s.s("role")?)
        .bind(s.s("method")?)
        .bind(s.s("signer_name")?)
        .bind(signed_at)
        .bind(s.opt_s("strokes"))
        .bind(s.opt_s("png_sha256"))
        .bind(s.opt_s("paper_scan_sha256"))
        .bind(s.opt_s("phone_approved_by"))
        .bind(s.opt_s("phone_at"))
        .bind(signed_at)
        .execute(&mut *conn)
        .await?;
    }
    // The covered lines are the content's: every line of every job the document lists (as at signing).
    if let Some(c) = &parsed {
        for job in c["jobs"].as_array().into_iter().flatten() {
            for line in job["lines"].as_array().into_iter().flatten() {
                let Some(line_id) = line["id"].as_str() else { continue };
                sqlx::query("INSERT OR IGNORE INTO ro_signed_lines (authorization_id, line_id) VALUES (?, ?)")
                    .bind(id)
                    .bind(line_id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normal_time;

    #[test]
    fn times_go_back_in_as_the_station_writes_them() {
        assert_eq!(normal_time("2026-11-22T02:00:00Z"), "2026-11-22T02:00:00.000Z");
        assert_eq!(normal_time("2026-11-22T10:00:00.120+08:00"), "2026-11-22T02:00:00.120Z");
        assert_eq!(normal_time("not a time"), "not a time");
    }
}
