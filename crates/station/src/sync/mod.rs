//! The station side of sync with a head office (`docs/sync.md`).
//!
//! - `clock`: the hybrid logical clock every outbox row is stamped with;
//! - `client`: HTTP (reqwest + rustls, gzip) and the head office's error codes;
//! - `push`, `pull`: draining the outbox, applying the feed (`restore`: this
//!   station's own rows back from the head office);
//! - `files`: the bytes of photos, signatures, scans and PDFs, both ways;
//! - `worker`: the background worker, its backoff, one pass at a time;
//! - `alerts`: what check-in shows from pulled data (recalls, other stations' visits);
//! - `lookup`: finding a customer at the head office and adopting it (`head_office_lookup`);
//! - this file: the operations (`enroll_station`, `sync_status`, `sync_now`).
//!
//! A station that never enrolls works exactly as before: the worker sleeps,
//! and nothing here is on the path of a local operation.

pub mod alerts;
pub mod client;
pub mod clock;
pub mod files;
pub mod lookup;
pub mod pull;
pub mod push;
pub(crate) mod restore;
pub mod state;
pub mod worker;

use serde::{Deserialize, Serialize};
use sync_protocol::{EnrollRequest, ErrorCode, PROTOCOL_VERSION};
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::ops::NoInput;
use crate::station::{ts, Station};
use client::{Client, SyncError};
pub use worker::{sync_once, SyncReport, WorkerOptions};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct EnrollStation {
    /// `https://head-office.example.com` (a path prefix is allowed).
    pub head_office_url: String,
    /// The one-time code from `headoffice admin create-station` or `new-enrollment-code`.
    pub enrollment_code: String,
}

/// What the UI's sync panel shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatus {
    /// Whether a head office is configured; `false` is standalone use.
    pub enrolled: bool,
    pub head_office_url: Option<String>,
    /// The station as the head office knows it.
    pub head_office_station: Option<String>,
    pub enrolled_at: Option<String>,
    /// RFC 3339: the end of the last pass that pushed and pulled everything.
    pub last_success_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// Outbox changes the head office has not acknowledged yet.
    #[ts(type = "number")]
    pub pending_changes: i64,
    /// Records pulled from the head office that wait for a row they point at
    /// (an order's job before the order, say): a restore that is not complete.
    /// They are retried, parents first, whenever a pull reaches the end of the feed.
    #[ts(type = "number")]
    pub parked_records: i64,
    pub last_error: Option<SyncProblem>,
    /// The head office needs a newer StationDesk: no automatic retries until it is updated.
    pub update_required: bool,
    /// The token was revoked or no longer matches this outbox: enroll again with a new code.
    pub needs_enrollment: bool,
    /// A pass is running now.
    pub running: bool,
    /// When the worker tries next, if it is waiting on a timer.
    pub next_attempt_at: Option<String>,
    /// Head-office time minus this station's, at the last answer (warn when large).
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// Changes the head office would not apply, newest first (at most 100).
    pub rejections: Vec<SyncRejection>,
    #[ts(type = "number")]
    pub rejection_count: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncProblem {
    /// `sync.unreachable`, `protocol.update_required`, `auth.revoked`, … (docs/api.md).
    pub code: String,
    pub message: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct SyncRejection {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub code: String,
    pub message: String,
    /// Suspected tampering (a signed document whose hash did not match).
    pub flagged: bool,
    pub rejected_at: String,
}

pub async fn status(station: &Station) -> Result<SyncStatus> {
    let st = state::load(station.pool()).await?;
    let runtime = station.sync_shared().runtime();
    let rejections = sqlx::query_as::<_, SyncRejection>(
        "SELECT id, seq, entity, entity_id, code, message, flagged, rejected_at FROM sync_rejections ORDER BY id DESC LIMIT 100",
    )
    .fetch_all(station.pool())
    .await?;
    let rejection_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_rejections").fetch_one(station.pool()).await?;
    let enrolled = st.head_office_url.is_some() && st.has_token;
    Ok(SyncStatus {
        enrolled,
        head_office_url: st.head_office_url.clone(),
        head_office_station: match (&st.ho_station_code, &st.ho_station_name) {
            (Some(c), Some(n)) => Some(format!("{c} {n}")),
            (Some(c), None) => Some(c.clone()),
            _ => None,
        },
        enrolled_at: st.enrolled_at.clone(),
        last_success_at: st.last_success_at.clone(),
        last_attempt_at: st.last_attempt_at.clone(),
        pending_changes: state::pending_changes(station.pool()).await?,
        parked_records: state::parked_records(station.pool()).await?,
        last_error: st.last_error.clone().map(|message| SyncProblem {
            code: st.last_error_code.clone().unwrap_or_default(),
            message,
            at: st.last_error_at.clone(),
        }),
        update_required: st.update_required,
        needs_enrollment: st.needs_enrollment,
        running: runtime.running,
        next_attempt_at: if enrolled { runtime.next_attempt_at.map(ts) } else { None },
        clock_offset_ms: st.clock_offset_ms,
        rejections,
        rejection_count,
    })
}

/// The sync panel: last success, changes waiting, last error, rejections.
pub async fn sync_status(station: &Station, caller: &Caller, _input: NoInput) -> Result<SyncStatus> {
    caller.require(Permission::Read)?;
    status(station).await
}

/// "Sync now": wakes the worker and returns at once; poll `sync_status` (`running`).
pub async fn sync_now(station: &Station, caller: &Caller, _input: NoInput) -> Result<SyncStatus> {
    caller.require(Permission::Read)?;
    let st = state::load(station.pool()).await?;
    if st.head_office_url.is_none() || !st.has_token {
        return Err(ApiError::invalid("sync.not_enrolled", "this station is not enrolled with a head office: a manager enrolls it in the settings"));
    }
    station.sync_shared().wake();
    status(station).await
}

fn enroll_error(e: SyncError) -> ApiError {
    match &e {
        SyncError::Unreachable(m) => ApiError::invalid("sync.unreachable", format!("the head office cannot be reached: {m}")).with_field("head_office_url"),
        SyncError::BadResponse(m) => {
            ApiError::invalid("sync.bad_response", format!("this does not look like a StationDesk head office: {m}")).with_field("head_office_url")
        }
        SyncError::HeadOffice { body, .. } => {
            let err = ApiError::invalid(body.code.as_str(), body.message.clone());
            match body.code {
                ErrorCode::EnrollInvalidCode | ErrorCode::StationMismatch => err.with_field("enrollment_code"),
                _ => err,
            }
        }
        SyncError::Local(err) => err.clone(),
    }
}

/// Enrolls this station with a head office: exchanges the one-time code for the
/// token the station keeps, and starts syncing. A manager only. Also how a
/// station enrolls again after its token was revoked or its outbox was
/// restored from a backup (`push.seq_conflict`): the new token is a new push
/// stream starting at the first change the head office has not acknowledged.
pub async fn enroll_station(station: &Station, caller: &Caller, input: EnrollStation) -> Result<SyncStatus> {
    caller.require(Permission::ConfigureStation)?;
    let url = client::normalise_url(&input.head_office_url).map_err(|m| ApiError::field("head_office_url", Invalid::new("sync.url", m)))?;
    let code = input.enrollment_code.trim().to_string();
    if code.is_empty() || code.len() > 200 {
        return Err(ApiError::field("enrollment_code", Invalid::new("sync.enrollment_code_required", "enter the enrollment code from the head office")));
    }
    let info = station.require_info().await?;
    let shared = station.sync_shared();
    let _pass = shared.pass.lock().await;
    let acked = {
        let mut conn = station.pool().acquire().await?;
        state::acked_seq(&mut conn).await?
    };
    let req = EnrollRequest {
        protocol_version: PROTOCOL_VERSION,
        enrollment_code: code,
        station_code: Some(info.code.clone()),
        next_seq: acked + 1,
        local_station_id: Some(info.id.clone()),
    };
    let answer = Client::new(&url, None).map_err(enroll_error)?.enroll(&req).await.map_err(enroll_error)?;
    let now = station.now();
    sqlx::query(
        "UPDATE sync_state SET head_office_url = ?, token = ?,
                cursor = CASE WHEN ho_station_id IS ? THEN cursor ELSE NULL END,
                ho_station_id = ?, ho_station_code = ?, ho_station_name = ?, enrolled_at = ?, acked_seq = ?,
                needs_enrollment = 0, update_required = 0, update_required_for = NULL,
                last_error_code = NULL, last_error = NULL, last_error_at = NULL
         WHERE id = 1",
    )
    .bind(&url)
    .bind(&answer.token)
    .bind(&answer.station_id)
    .bind(&answer.station_id)
    .bind(&answer.station_code)
    .bind(&answer.station_name)
    .bind(ts(now))
    .bind(answer.acked_seq)
    .execute(station.pool())
    .await?;
    tracing::info!(head_office = %url, station = %answer.station_code, next_seq = acked + 1, "enrolled with the head office");
    drop(_pass);
    shared.wake();
    status(station).await
}
