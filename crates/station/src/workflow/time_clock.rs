//! The job clock: a technician starts and stops it on a job; at most one clock
//! runs per technician (a partial unique index in the schema holds the line).
//! Clocked time is kept beside the job's standard hours so the two can be compared.
//!
//! Clocking is the technician's own record, not a change to the order, so it
//! takes no `expected_version`: a tablet clocking on never conflicts with the
//! advisor editing the estimate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::jobs::{load_job, my_jobs_of, Approval, MyJobs, StoppedClock};
use super::{refused, Ctx};
use crate::auth::{Caller, Permission};
use crate::error::Result;
use crate::ops::NoInput;
use crate::repair_orders::RoStatus;
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
struct ClockRecord {
    id: String,
    ro_id: String,
    job_id: String,
    technician_id: String,
    started_at: String,
    stopped_at: Option<String>,
    seconds: Option<i64>,
}

async fn load(conn: &mut SqliteConnection, id: &str) -> Result<ClockRecord> {
    Ok(sqlx::query_as::<_, ClockRecord>("SELECT id, ro_id, job_id, technician_id, started_at, stopped_at, seconds FROM time_clocks WHERE id = ?")
        .bind(id)
        .fetch_one(conn)
        .await?)
}

pub(crate) async fn clocked_seconds(conn: &mut SqliteConnection, job_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(SUM(seconds), 0) FROM time_clocks WHERE job_id = ? AND stopped_at IS NOT NULL").bind(job_id).fetch_one(conn).await?)
}

/// Whether anyone's clock runs on the job now.
pub(crate) async fn runs_on(conn: &mut SqliteConnection, job_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM time_clocks WHERE job_id = ? AND stopped_at IS NULL)").bind(job_id).fetch_one(conn).await?)
}

pub(crate) async fn running_job(conn: &mut SqliteConnection, technician_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT job_id FROM time_clocks WHERE technician_id = ? AND stopped_at IS NULL").bind(technician_id).fetch_optional(conn).await?)
}

/// Stops the given running clocks (id, started at), counting their seconds.
async fn stop_where(conn: &mut SqliteConnection, ctx: &Ctx, ids: Vec<(String, DateTime<Utc>)>) -> Result<()> {
    for (id, started) in ids {
        let seconds = (ctx.now - started).num_seconds().max(0);
        sqlx::query("UPDATE time_clocks SET stopped_at = ?, seconds = ?, updated_at = ? WHERE id = ? AND stopped_at IS NULL")
            .bind(ts(ctx.now))
            .bind(seconds)
            .bind(ts(ctx.now))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        let record = load(&mut *conn, &id).await?;
        outbox::append(&mut *conn, &ctx.station_id, "time_clock", &id, outbox::Op::Upsert, &record, ctx.now).await?;
    }
    Ok(())
}

pub(crate) async fn stop_for_job(conn: &mut SqliteConnection, ctx: &Ctx, job_id: &str) -> Result<()> {
    let ids = sqlx::query_as("SELECT id, started_at FROM time_clocks WHERE job_id = ? AND stopped_at IS NULL").bind(job_id).fetch_all(&mut *conn).await?;
    stop_where(conn, ctx, ids).await
}

pub(crate) async fn stop_for_order(conn: &mut SqliteConnection, ctx: &Ctx, ro_id: &str) -> Result<()> {
    let ids = sqlx::query_as("SELECT id, started_at FROM time_clocks WHERE ro_id = ? AND stopped_at IS NULL").bind(ro_id).fetch_all(&mut *conn).await?;
    stop_where(conn, ctx, ids).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct StartClock {
    pub job_id: String,
}

/// Starts the caller's clock on a job of an order in diagnosis or repair.
pub async fn start_clock(station: &Station, caller: &Caller, input: StartClock) -> Result<MyJobs> {
    let me = caller.require(Permission::UseTimeClock)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let job = load_job(&mut tx, &input.job_id).await?;
    let (status, station_id, number): (RoStatus, String, String) =
        sqlx::query_as("SELECT status, station_id, number FROM repair_orders WHERE id = ?").bind(&job.ro_id).fetch_one(&mut *tx).await?;
    let workable = match status {
        RoStatus::Diagnosing => job.approval != Approval::Declined,
        RoStatus::InRepair => job.approval == Approval::Approved && job.done_at.is_none(),
        _ => false,
    };
    if !workable {
        return Err(refused("clock.not_workable", format!("{number}: time is clocked on jobs being diagnosed or repaired, not done or declined")));
    }
    if let Some(running) = running_job(&mut tx, &me.id).await? {
        let other: String = sqlx::query_scalar("SELECT r.number FROM ro_jobs j JOIN repair_orders r ON r.id = j.ro_id WHERE j.id = ?")
            .bind(&running)
            .fetch_one(&mut *tx)
            .await?;
        return Err(refused("clock.already_running", format!("your clock is already running on {other}; stop it first")));
    }
    let id = new_id();
    sqlx::query("INSERT INTO time_clocks (id, station_id, ro_id, job_id, technician_id, started_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&station_id)
        .bind(&job.ro_id)
        .bind(&job.id)
        .bind(&me.id)
        .bind(ts(now))
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    let record = load(&mut tx, &id).await?;
    outbox::append(&mut tx, &station_id, "time_clock", &id, outbox::Op::Upsert, &record, now).await?;
    let jobs = my_jobs_of(&mut tx, me, now).await?;
    tx.commit().await?;
    Ok(jobs)
}

/// Stops the caller's running clock, and says which job it ran on and for how long.
pub async fn stop_clock(station: &Station, caller: &Caller, _input: NoInput) -> Result<MyJobs> {
    let me = caller.require(Permission::UseTimeClock)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let running: Vec<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT id, started_at FROM time_clocks WHERE technician_id = ? AND stopped_at IS NULL").bind(&me.id).fetch_all(&mut *tx).await?;
    let Some((clock_id, _)) = running.first().cloned() else {
        return Err(refused("clock.not_running", "your clock is not running"));
    };
    let ctx = Ctx { station_id: me.station_id.clone(), staff_id: me.id.clone(), now };
    stop_where(&mut tx, &ctx, running).await?;
    let clock = load(&mut tx, &clock_id).await?;
    let (number, concern): (String, String) = sqlx::query_as("SELECT r.number, j.concern FROM ro_jobs j JOIN repair_orders r ON r.id = j.ro_id WHERE j.id = ?")
        .bind(&clock.job_id)
        .fetch_one(&mut *tx)
        .await?;
    let total_seconds = clocked_seconds(&mut tx, &clock.job_id).await?;
    let mut jobs = my_jobs_of(&mut tx, me, now).await?;
    jobs.stopped = Some(StoppedClock { job_id: clock.job_id, number, concern, seconds: clock.seconds.unwrap_or(0), total_seconds });
    tx.commit().await?;
    Ok(jobs)
}
