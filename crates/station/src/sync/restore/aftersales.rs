//! Restoring after-sales records (docs/aftersales.md): policies, calendar
//! versions, the station's own complaint categories, follow-ups with their
//! calls and surveys, complaints with their timeline and compensation,
//! service requests with their events, and every clock's row. Like `writers.rs`: fixed statements, the payload only
//! supplies bound values; events are written once. A restored complaint raises
//! its day's complaint counter, so the next one does not reuse its number.
//! Also the head office's notes on the station's complaints, which come the
//! same way (`scope: station`) but are the head office's, not a restore: they
//! go into their own table and leave the complaint and its timeline alone.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::writers::{Fail, P};
use super::Local;
use crate::station::ts;

type Written = std::result::Result<(), Fail>;

/// Writes one after-sales entity; `None` when `entity` is not one of them.
pub(super) async fn write(conn: &mut SqliteConnection, local: &Local<'_>, entity: &str, id: &str, p: &P<'_>) -> Option<Written> {
    Some(match entity {
        "time_limit_policy" => policy(conn, id, p).await,
        "calendar" => calendar(conn, local, id, p).await,
        "complaint_category" => category(conn, id, p).await,
        "follow_up" => follow_up(conn, local, id, p).await,
        "follow_up_event" => follow_up_event(conn, local, id, p).await,
        "survey" => survey(conn, local, id, p).await,
        "complaint" => complaint(conn, local, id, p).await,
        "complaint_event" => complaint_event(conn, local, id, p).await,
        "complaint_compensation" => compensation(conn, local, id, p).await,
        "item_clock" => clock(conn, local, id, p).await,
        "service_request" => service_request(conn, local, id, p).await,
        "service_request_event" => service_request_event(conn, local, id, p).await,
        _ => return None,
    })
}

async fn policy(conn: &mut SqliteConnection, kind: &str, p: &P<'_>) -> Written {
    sqlx::query("UPDATE time_limit_policies SET budget_minutes = ?, basis = ?, source = ?, updated_by = ?, updated_at = ? WHERE kind = ?")
        .bind(p.i("budget_minutes")?)
        .bind(p.s("basis")?)
        .bind(p.s("source")?)
        .bind(p.opt_s("updated_by"))
        .bind(p.t("updated_at")?)
        .bind(kind)
        .execute(conn)
        .await?;
    Ok(())
}

async fn calendar(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("created_at")?;
    sqlx::query("INSERT INTO calendars (id, station_id, body, created_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(local.id)
        .bind(p.json_text("calendar", "{}"))
        .bind(p.opt_s("created_by"))
        .bind(&at)
        .execute(conn)
        .await?;
    Ok(())
}

async fn category(conn: &mut SqliteConnection, id: &str, p: &P<'_>) -> Written {
    sqlx::query(
        "INSERT INTO complaint_categories (id, parent_id, level, name_zh, name_en, source, active, position, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'station', ?, 100, datetime('now'), datetime('now'))
         ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, active = excluded.active",
    )
    .bind(id)
    .bind(p.opt_s("parent_id"))
    .bind(p.i("level")?)
    .bind(p.s("name_zh")?)
    .bind(p.s("name_en")?)
    .bind(p.b("active")?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn follow_up(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let delivered = p.t("delivered_at")?;
    sqlx::query(
        "INSERT INTO follow_ups (id, station_id, ro_id, customer_id, owner_id, status, attempts, next_call_at, give_up_at, delivered_at, ended_at, version,
                                 created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, status = excluded.status, attempts = excluded.attempts,
             next_call_at = excluded.next_call_at, ended_at = excluded.ended_at, version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("ro_id")?)
    .bind(p.s("customer_id")?)
    .bind(p.s("owner_id")?)
    .bind(p.s("status")?)
    .bind(p.i("attempts")?)
    .bind(p.t("next_call_at")?)
    .bind(p.t("give_up_at")?)
    .bind(&delivered)
    .bind(p.opt_t("ended_at"))
    .bind(p.i("version")?)
    .bind(&delivered)
    .bind(&delivered)
    .execute(conn)
    .await?;
    Ok(())
}

async fn follow_up_event(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("at")?;
    sqlx::query(
        "INSERT INTO follow_up_events (id, station_id, follow_up_id, kind, outcome, call_back_at, to_staff_id, note, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("follow_up_id")?)
    .bind(p.s("kind")?)
    .bind(p.opt_s("outcome"))
    .bind(p.opt_t("call_back_at"))
    .bind(p.opt_s("to_staff_id"))
    .bind(p.opt_s("note").unwrap_or(""))
    .bind(p.opt_s("staff_id"))
    .bind(&at)
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn survey(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("at")?;
    sqlx::query(
        "INSERT INTO surveys (id, station_id, follow_up_id, ro_id, customer_id, overall, quality, timeliness, attitude, price, comment, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("follow_up_id")?)
    .bind(p.s("ro_id")?)
    .bind(p.s("customer_id")?)
    .bind(p.i("overall")?)
    .bind(p.i("quality")?)
    .bind(p.i("timeliness")?)
    .bind(p.i("attitude")?)
    .bind(p.i("price")?)
    .bind(p.opt_s("comment").unwrap_or(""))
    .bind(p.opt_s("staff_id"))
    .bind(&at)
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn complaint(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let received = p.t("received_at")?;
    let number = p.s("number")?;
    sqlx::query(
        "INSERT INTO complaints (id, station_id, number, channel, severity, category_id, status, description, customer_id, vehicle_id, ro_id, follow_up_id,
                                 contact_name, contact_phone, received_by, owner_id, received_at, repeat_of_id, cause, corrective_action, solution,
                                 customer_answer, first_response_at, resolved_at, closed_at, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, category_id = excluded.category_id, status = excluded.status,
             owner_id = excluded.owner_id, cause = excluded.cause, corrective_action = excluded.corrective_action, solution = excluded.solution,
             customer_answer = excluded.customer_answer, first_response_at = excluded.first_response_at, resolved_at = excluded.resolved_at,
             closed_at = excluded.closed_at, version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(local.id)
    .bind(number)
    .bind(p.s("channel")?)
    .bind(p.s("severity")?)
    .bind(p.s("category_id")?)
    .bind(p.s("status")?)
    .bind(p.s("description")?)
    .bind(p.opt_s("customer_id"))
    .bind(p.opt_s("vehicle_id"))
    .bind(p.opt_s("ro_id"))
    .bind(p.opt_s("follow_up_id"))
    .bind(p.s("contact_name")?)
    .bind(p.opt_s("contact_phone").unwrap_or(""))
    .bind(p.s("received_by")?)
    .bind(p.s("owner_id")?)
    .bind(&received)
    .bind(p.opt_s("repeat_of_id"))
    .bind(p.opt_s("cause").unwrap_or(""))
    .bind(p.opt_s("corrective_action").unwrap_or(""))
    .bind(p.opt_s("solution").unwrap_or(""))
    .bind(p.opt_s("customer_answer"))
    .bind(p.opt_t("first_response_at"))
    .bind(p.opt_t("resolved_at"))
    .bind(p.opt_t("closed_at"))
    .bind(p.i("version")?)
    .bind(&received)
    .bind(&received)
    .execute(&mut *conn)
    .await?;
    raise_complaint_sequence(conn, local, number).await
}

/// `{station}-TS-{yyyymmdd}-{seq}` of this station raises that day's counter.
async fn raise_complaint_sequence(conn: &mut SqliteConnection, local: &Local<'_>, number: &str) -> Written {
    let parts: Vec<&str> = number.split('-').collect();
    let [code, "TS", day, seq] = parts.as_slice() else { return Ok(()) };
    let (Ok(seq), true) = (seq.parse::<i64>(), *code == local.code && day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit())) else { return Ok(()) };
    sqlx::query("INSERT INTO complaint_sequences (day, last_seq) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)")
        .bind(*day)
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}

async fn complaint_event(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("at")?;
    sqlx::query(
        "INSERT INTO complaint_events (id, station_id, complaint_id, seq, kind, text, data, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("complaint_id")?)
    .bind(p.i("seq")?)
    .bind(p.s("kind")?)
    .bind(p.opt_s("text").unwrap_or(""))
    .bind(p.json_text("data", "{}"))
    .bind(p.opt_s("staff_id"))
    .bind(&at)
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn compensation(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("at")?;
    sqlx::query(
        "INSERT INTO complaint_compensations (id, station_id, complaint_id, kind, description, value_minor, days, approved_by, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("complaint_id")?)
    .bind(p.s("kind")?)
    .bind(p.opt_s("description").unwrap_or(""))
    .bind(p.i("value_minor")?)
    .bind(p.opt_i("days"))
    .bind(p.opt_s("approved_by"))
    .bind(p.s("staff_id")?)
    .bind(&at)
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn clock(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let started = p.t("started_at")?;
    sqlx::query(
        "INSERT INTO item_clocks (id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state, late_at, met_at,
                                  breached_at, stopped_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, state = excluded.state, late_at = excluded.late_at, met_at = excluded.met_at,
             breached_at = excluded.breached_at, stopped_at = excluded.stopped_at, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("item_kind")?)
    .bind(p.s("item_id")?)
    .bind(p.s("clock")?)
    .bind(p.s("policy_kind")?)
    .bind(p.json_text("policy", "{}"))
    .bind(p.opt_s("calendar_id"))
    .bind(p.opt_s("owner_id"))
    .bind(&started)
    .bind(p.s("state")?)
    .bind(p.opt_t("late_at"))
    .bind(p.opt_t("met_at"))
    .bind(p.opt_t("breached_at"))
    .bind(p.opt_t("stopped_at"))
    .bind(&started)
    .bind(&started)
    .execute(conn)
    .await?;
    Ok(())
}

async fn service_request(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let received = p.t("received_at")?;
    sqlx::query(
        "INSERT INTO service_requests (id, station_id, channel, customer_id, vehicle_id, contact_name, contact_phone, request, preferred_at, owner_id,
                                       received_at, status, answered_at, closed_at, ro_id, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, answered_at = excluded.answered_at, closed_at = excluded.closed_at,
             ro_id = excluded.ro_id, owner_id = excluded.owner_id, version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("channel")?)
    .bind(p.opt_s("customer_id"))
    .bind(p.opt_s("vehicle_id"))
    .bind(p.s("contact_name")?)
    .bind(p.opt_s("contact_phone").unwrap_or(""))
    .bind(p.s("request")?)
    .bind(p.opt_t("preferred_at"))
    .bind(p.s("owner_id")?)
    .bind(&received)
    .bind(p.s("status")?)
    .bind(p.opt_t("answered_at"))
    .bind(p.opt_t("closed_at"))
    .bind(p.opt_s("ro_id"))
    .bind(p.i("version")?)
    .bind(&received)
    .bind(&received)
    .execute(conn)
    .await?;
    Ok(())
}

async fn service_request_event(conn: &mut SqliteConnection, local: &Local<'_>, id: &str, p: &P<'_>) -> Written {
    let at = p.t("at")?;
    sqlx::query(
        "INSERT INTO service_request_events (id, station_id, request_id, kind, text, staff_id, at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(local.id)
    .bind(p.s("request_id")?)
    .bind(p.s("kind")?)
    .bind(p.opt_s("text").unwrap_or(""))
    .bind(p.opt_s("staff_id"))
    .bind(&at)
    .bind(&at)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A head-office note or instruction on one of this station's complaints
/// (`ho_complaint_note`). Written once; a complaint not here yet parks it.
pub(super) async fn head_office_note(conn: &mut SqliteConnection, id: &str, p: &P<'_>, now: DateTime<Utc>) -> Written {
    sqlx::query(
        "INSERT INTO ho_complaint_notes (id, complaint_id, kind, text, author_name, author_id, created_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(p.s("complaint_id")?)
    .bind(p.s("kind")?)
    .bind(p.s("text")?)
    .bind(p.s("author_name")?)
    .bind(p.s("author_id")?)
    .bind(p.t("created_at")?)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}
