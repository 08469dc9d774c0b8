//! Retention of complaints, follow-up calls and service requests
//! (docs/privacy.md, "Retention and destruction"): what of them is due, and
//! their destruction. Each keeps what the KPIs and clocks count (its number,
//! category, channel, severity, status, every event's kind, time and staff,
//! the clocks, compensation amounts, survey scores) and loses its words: the
//! description, the contact's name and phone, the findings, the events' and
//! compensations' texts, the head office's notes, call notes and survey comments.
//!
//! Events, compensations, surveys and head-office notes are append-only here
//! and at the head office: the triggers let only a destruction through
//! (`retention_gate`, migration 0030), and the head office overwrites its
//! copies from the destruction's `patch` list. The complaint and the request
//! themselves go up as ordinary new states.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sqlx::SqliteConnection;

use super::destroy::{
    anonymise_customer, blank_audit, car_of_destroyed_owner, close_gate, customer_has_nothing_kept, finish, new_destruction, open_gate, Destruction, Emit,
};
use super::{parse_ts, DueItem, RetentionKind, RetentionPolicy};
use crate::aftersales::{complaints, service_requests};
use crate::error::{ApiError, Result};
use crate::station::ts;
use crate::workflow::Ctx;

/// Closed complaints and service requests past their period, and ended
/// follow-ups past theirs (unless their order is due whole: it takes them with it).
pub(super) async fn due(conn: &mut SqliteConnection, policy: &RetentionPolicy, now: DateTime<Utc>) -> Result<Vec<DueItem>> {
    let cutoff = |kind: RetentionKind| ts(now - Duration::days(policy.days(kind)));
    let mut items = Vec::new();
    let complaints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.number, c.closed_at FROM complaints c
         WHERE c.status = 'closed' AND c.closed_at IS NOT NULL AND c.closed_at <= ?
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'complaint' AND d.subject_id = c.id)
         ORDER BY c.closed_at, c.number",
    )
    .bind(cutoff(RetentionKind::Complaint))
    .fetch_all(&mut *conn)
    .await?;
    let order_cutoff = cutoff(RetentionKind::RepairOrder);
    let follow_ups: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT f.id, r.number, f.updated_at FROM follow_ups f JOIN repair_orders r ON r.id = f.ro_id
         WHERE f.ended_at IS NOT NULL AND f.updated_at <= ?1
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'follow_up' AND d.subject_id = f.id)
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'repair_order' AND d.subject_id = f.ro_id)
           AND NOT (r.status IN ('delivered', 'closed', 'cancelled') AND COALESCE(r.delivered_at, r.updated_at) <= ?2
                    AND NOT EXISTS (SELECT 1 FROM complaints c WHERE c.ro_id = r.id AND c.status <> 'closed'))
         ORDER BY f.updated_at, r.number",
    )
    .bind(cutoff(RetentionKind::FollowUp))
    .bind(&order_cutoff)
    .fetch_all(&mut *conn)
    .await?;
    let requests: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT q.id, COALESCE((SELECT number FROM repair_orders r WHERE r.id = q.ro_id), ''), q.closed_at FROM service_requests q
         WHERE q.status = 'closed' AND q.closed_at IS NOT NULL AND q.closed_at <= ?
           AND NOT EXISTS (SELECT 1 FROM retention_destructions d WHERE d.kind = 'service_request' AND d.subject_id = q.id)
         ORDER BY q.closed_at, q.id",
    )
    .bind(cutoff(RetentionKind::ServiceRequest))
    .fetch_all(&mut *conn)
    .await?;
    for (kind, rows) in [(RetentionKind::Complaint, complaints), (RetentionKind::FollowUp, follow_ups), (RetentionKind::ServiceRequest, requests)] {
        for (id, number, since) in rows {
            let since = parse_ts(&since);
            items.push(DueItem { kind, subject_id: id, number, since, due_at: since + Duration::days(policy.days(kind)), documents: 0, files: 0 });
        }
    }
    Ok(items)
}

/// Overwrites `set` in the rows `select` finds (ids), with `update`, and lists them for the head office.
async fn blank_rows(conn: &mut SqliteConnection, d: &mut Destruction, entity: &str, select: &str, update: &str, parent: &str, set: Value) -> Result<()> {
    let ids: Vec<String> = sqlx::query_scalar(select).bind(parent).fetch_all(&mut *conn).await?;
    sqlx::query(update).bind(parent).execute(&mut *conn).await?;
    for id in ids {
        d.patch(entity, &id, set.clone());
    }
    Ok(())
}

/// The call notes and survey comments of follow-up `id` (also with its order).
pub(super) async fn blank_follow_up(conn: &mut SqliteConnection, d: &mut Destruction, id: &str) -> Result<()> {
    open_gate(conn, id).await?;
    blank_rows(
        conn,
        d,
        "follow_up_event",
        "SELECT id FROM follow_up_events WHERE follow_up_id = ? AND note <> ''",
        "UPDATE follow_up_events SET note = '' WHERE follow_up_id = ? AND note <> ''",
        id,
        json!({"note": ""}),
    )
    .await?;
    blank_rows(
        conn,
        d,
        "survey",
        "SELECT id FROM surveys WHERE follow_up_id = ? AND comment <> ''",
        "UPDATE surveys SET comment = '' WHERE follow_up_id = ? AND comment <> ''",
        id,
        json!({"comment": ""}),
    )
    .await?;
    blank_audit(conn, d, None, id).await?;
    close_gate(conn, id).await
}

/// A complaint, follow-up call or service request past its period (`kind` as
/// the destruction names it). `None` when it is not here (a destruction from
/// the feed for a record this installation never held).
pub(crate) async fn destroy(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    run_id: &str,
    kind: &str,
    id: &str,
    from: Option<&Destruction>,
    emit: Emit,
) -> Result<Option<Vec<String>>> {
    // The number shown in the list, and the customer this may have been the last kept thing of.
    let (lookup, kind): (&str, &str) = match kind {
        "complaint" => ("SELECT number, customer_id, vehicle_id FROM complaints WHERE id = ?", "complaint"),
        // A follow-up is its order's: the order keeps the customer and the car.
        "follow_up" => ("SELECT r.number, NULL, NULL FROM follow_ups f JOIN repair_orders r ON r.id = f.ro_id WHERE f.id = ?", "follow_up"),
        "service_request" => (
            "SELECT COALESCE((SELECT number FROM repair_orders r WHERE r.id = q.ro_id), ''), q.customer_id, q.vehicle_id FROM service_requests q WHERE q.id = ?",
            "service_request",
        ),
        other => return Err(ApiError::internal(format!("not an after-sales kind: {other}"))),
    };
    let Some((number, customer, vehicle)) = sqlx::query_as::<_, (String, Option<String>, Option<String>)>(lookup).bind(id).fetch_optional(&mut *conn).await?
    else {
        return Ok(None);
    };
    let mut d = new_destruction(ctx, run_id, kind, id, number, from);
    match kind {
        "complaint" => blank_complaint(conn, &mut d, id).await?,
        "follow_up" => blank_follow_up(conn, &mut d, id).await?,
        _ => blank_request(conn, &mut d, id).await?,
    }
    if emit == Emit::Outbox {
        match kind {
            "complaint" => complaints::send(conn, &ctx.station_id, id, ctx.now).await?,
            "service_request" => service_requests::send(conn, &ctx.station_id, id, ctx.now).await?,
            // The follow-up's own row holds no words; its events and survey go by the patch list.
            _ => {}
        }
    }
    if let Some(c) = customer {
        if customer_has_nothing_kept(conn, &c, id).await? {
            anonymise_customer(conn, ctx, &mut d, &c, id, emit).await?;
        }
    }
    if let Some(v) = vehicle {
        car_of_destroyed_owner(conn, ctx, &mut d, &v, id, emit).await?;
    }
    finish(conn, ctx, &d, None, emit).await?;
    Ok(Some(Vec::new()))
}

async fn blank_complaint(conn: &mut SqliteConnection, d: &mut Destruction, id: &str) -> Result<()> {
    open_gate(conn, id).await?;
    sqlx::query(
        "UPDATE complaints SET description = '', contact_name = '', contact_phone = '', cause = '', corrective_action = '', solution = '' WHERE id = ?",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // The findings' words are in the event's data too; its other data (channel, staff, answer, amounts) stays.
    let events: Vec<(String, String)> = sqlx::query_as(
        "UPDATE complaint_events SET text = '',
                data = CASE WHEN kind = 'findings' THEN json_set(data, '$.cause', '', '$.corrective_action', '', '$.solution', '') ELSE data END
         WHERE complaint_id = ? AND (text <> '' OR kind = 'findings') RETURNING id, data",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (event, data) in events {
        let data: Value = serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
        d.patch("complaint_event", &event, json!({"text": "", "data": data}));
    }
    blank_rows(
        conn,
        d,
        "complaint_compensation",
        "SELECT id FROM complaint_compensations WHERE complaint_id = ? AND description <> ''",
        "UPDATE complaint_compensations SET description = '' WHERE complaint_id = ? AND description <> ''",
        id,
        json!({"description": ""}),
    )
    .await?;
    blank_rows(
        conn,
        d,
        "ho_complaint_note",
        "SELECT id FROM ho_complaint_notes WHERE complaint_id = ? AND text <> ''",
        "UPDATE ho_complaint_notes SET text = '' WHERE complaint_id = ? AND text <> ''",
        id,
        json!({"text": ""}),
    )
    .await?;
    blank_audit(conn, d, None, id).await?;
    close_gate(conn, id).await
}

async fn blank_request(conn: &mut SqliteConnection, d: &mut Destruction, id: &str) -> Result<()> {
    open_gate(conn, id).await?;
    sqlx::query("UPDATE service_requests SET request = '', contact_name = '', contact_phone = '' WHERE id = ?").bind(id).execute(&mut *conn).await?;
    blank_rows(
        conn,
        d,
        "service_request_event",
        "SELECT id FROM service_request_events WHERE request_id = ? AND text <> ''",
        "UPDATE service_request_events SET text = '' WHERE request_id = ? AND text <> ''",
        id,
        json!({"text": ""}),
    )
    .await?;
    blank_audit(conn, d, None, id).await?;
    close_gate(conn, id).await
}
