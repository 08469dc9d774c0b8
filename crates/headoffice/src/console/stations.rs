//! The console's stations: the overview (each station in the caller's scope
//! with its last sync, app version, rejections, clock offset and the flags that
//! say what looks wrong, decided here and not in the UI), and what
//! administrators do to a station: create it, issue enrollment codes, revoke
//! its tokens, set its region. These reuse the store functions the admin
//! command line calls, inside a transaction that also writes the audit row.
//!
//! What the head office cannot know: the protocol does not carry a station's
//! outbox backlog, so "waiting changes" are not shown; the last sequence
//! number acknowledged and the rejections are (docs/console.md).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use ts_rs::TS;
use uuid::Uuid;

use super::audit::{self, Target};
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action, Scope};
use super::sessions::ConsoleSession;
use crate::store::stations as store;

/// No sync for this long and the station is flagged silent.
pub const SILENT_AFTER_HOURS: i64 = 24;
/// Rejections this recent flag the station.
pub const RECENT_REJECTION_DAYS: i64 = 7;
/// A station clock this far ahead is flagged (the push logs it too).
pub const CLOCK_AHEAD_FLAG_MS: i64 = 5 * 60 * 1000;

/// Something about a station that wants a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StationFlag {
    /// No token in force: never enrolled, or every token revoked.
    NotEnrolled,
    /// Enrolled, but it has not synced yet.
    NeverSynced,
    /// Its last sync is more than a day old.
    Silent,
    /// Changes rejected in the last seven days.
    Rejections,
    /// A signed document arrived with a hash that does not match (`signed.hash_mismatch`).
    SuspectedTampering,
    /// An older protocol than the head office's, or an older app than the newest any station runs.
    OldVersion,
    /// Its clock is more than five minutes ahead of the head office's.
    ClockAhead,
}

/// What the caller may do to this station (from the role matrix).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct StationCan {
    pub issue_enrollment_code: bool,
    pub revoke: bool,
    pub set_region: bool,
}

/// One station as the overview shows it. Read as is from the query in `rows`,
/// then `flags` and `can` are decided.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct StationRow {
    pub id: String,
    pub code: String,
    pub name: String,
    /// '' when none is set.
    pub region: String,
    /// The last authenticated sync request of any kind (push, pull, files), to the minute.
    #[ts(type = "string | null")]
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The last push that brought changes.
    #[ts(type = "string | null")]
    pub last_push_at: Option<DateTime<Utc>>,
    /// The outbox sequence acknowledged last (of the station's current token).
    #[ts(type = "number | null")]
    pub last_acked_seq: Option<i64>,
    /// From the station's User-Agent (`StationDesk/<version>`).
    pub app_version: Option<String>,
    pub user_agent: Option<String>,
    pub protocol_version: Option<i32>,
    pub schema_version: Option<i32>,
    /// The newest change's clock in the last push minus the head office's clock
    /// when it arrived. Positive: the station's clock is ahead by at least this.
    /// Negative: the change was that old, or the clock behind (indistinguishable).
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    #[ts(type = "number")]
    pub rejections: i64,
    #[ts(type = "number")]
    pub recent_rejections: i64,
    #[ts(type = "number")]
    pub flagged_rejections: i64,
    #[ts(type = "number")]
    pub active_tokens: i64,
    #[sqlx(skip)]
    pub flags: Vec<StationFlag>,
    #[sqlx(skip)]
    pub can: StationCan,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StationOverview {
    pub stations: Vec<StationRow>,
    /// The newest app version any enrolled station runs: older ones are flagged.
    pub newest_app_version: Option<String>,
    /// The head office's protocol version: stations below it are flagged.
    pub protocol_version: u32,
    #[ts(type = "string")]
    pub as_of: DateTime<Utc>,
}

/// The facts a station's flags are decided from.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub active_tokens: i64,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub recent_rejections: i64,
    pub flagged_rejections: i64,
    pub protocol_version: Option<i32>,
    pub app_version: Option<&'a str>,
    pub clock_offset_ms: Option<i64>,
}

/// `1.10.2` → [1, 10, 2]; a suffix (`-beta`) is ignored.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-', '+']).map_while(|p| p.parse().ok()).collect()
}

pub fn flags(f: &Facts, now: DateTime<Utc>, newest_app_version: Option<&str>) -> Vec<StationFlag> {
    let mut out = Vec::new();
    if f.active_tokens == 0 {
        out.push(StationFlag::NotEnrolled);
    } else {
        match f.last_sync_at {
            None => out.push(StationFlag::NeverSynced),
            Some(at) if now - at > Duration::hours(SILENT_AFTER_HOURS) => out.push(StationFlag::Silent),
            Some(_) => {}
        }
    }
    if f.recent_rejections > 0 {
        out.push(StationFlag::Rejections);
    }
    if f.flagged_rejections > 0 {
        out.push(StationFlag::SuspectedTampering);
    }
    let old_protocol = f.protocol_version.is_some_and(|v| v < sync_protocol::PROTOCOL_VERSION as i32);
    let old_app = matches!((f.app_version, newest_app_version), (Some(mine), Some(newest)) if version_key(mine) < version_key(newest));
    if old_protocol || old_app {
        out.push(StationFlag::OldVersion);
    }
    if f.clock_offset_ms.is_some_and(|ms| ms > CLOCK_AHEAD_FLAG_MS) {
        out.push(StationFlag::ClockAhead);
    }
    out
}

/// Every station in `scope` (or the one `only`), with its current token's
/// report: the token in force seen last, else the last one seen at all.
async fn rows(pool: &PgPool, scope: &Scope, only: Option<Uuid>, now: DateTime<Utc>) -> sqlx::Result<Vec<StationRow>> {
    sqlx::query_as(
        "SELECT s.station_id::text AS id, s.code, s.name, s.region,
                t.last_contact_at AS last_sync_at, t.last_seen_at AS last_push_at, t.acked_seq AS last_acked_seq,
                t.app_version, t.user_agent, t.protocol_version, t.schema_version, t.clock_offset_ms,
                r.total AS rejections, r.recent AS recent_rejections, r.flagged AS flagged_rejections,
                (SELECT count(*) FROM station_tokens a WHERE a.station_id = s.station_id AND a.revoked_at IS NULL) AS active_tokens
         FROM stations s
         LEFT JOIN LATERAL (
             SELECT * FROM station_tokens k WHERE k.station_id = s.station_id
             ORDER BY k.revoked_at IS NULL DESC, k.last_contact_at DESC NULLS LAST, k.created_at DESC LIMIT 1) t ON true
         CROSS JOIN LATERAL (
             SELECT count(*) AS total, count(*) FILTER (WHERE j.rejected_at > $3) AS recent, count(*) FILTER (WHERE j.flagged) AS flagged
             FROM rejections j WHERE j.station_id = s.station_id) r
         WHERE ($1::uuid[] IS NULL OR s.station_id = ANY($1)) AND ($2::uuid IS NULL OR s.station_id = $2)
         ORDER BY s.code",
    )
    .bind(scope.station_ids())
    .bind(only)
    .bind(now - Duration::days(RECENT_REJECTION_DAYS))
    .fetch_all(pool)
    .await
}

async fn newest_app_version(pool: &PgPool) -> sqlx::Result<Option<String>> {
    let versions: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT app_version FROM station_tokens WHERE revoked_at IS NULL AND app_version IS NOT NULL").fetch_all(pool).await?;
    Ok(versions.into_iter().max_by_key(|v| version_key(v)))
}

/// Decides the row's flags and what the caller may do to it.
fn judged(mut row: StationRow, session: &ConsoleSession, now: DateTime<Utc>, newest: Option<&str>) -> StationRow {
    let facts = Facts {
        active_tokens: row.active_tokens,
        last_sync_at: row.last_sync_at,
        recent_rejections: row.recent_rejections,
        flagged_rejections: row.flagged_rejections,
        protocol_version: row.protocol_version,
        app_version: row.app_version.as_deref(),
        clock_offset_ms: row.clock_offset_ms,
    };
    row.flags = flags(&facts, now, newest);
    let manage = session.user.role.may(Action::ManageStations);
    row.can = StationCan { issue_enrollment_code: manage, revoke: manage && row.active_tokens > 0, set_region: manage };
    row
}

pub async fn overview(pool: &PgPool, session: &ConsoleSession, now: DateTime<Utc>) -> ConsoleResult<StationOverview> {
    require(session.user.role, Action::ViewStations)?;
    let newest = newest_app_version(pool).await?;
    let stations = rows(pool, &session.scope, None, now).await?.into_iter().map(|r| judged(r, session, now, newest.as_deref())).collect();
    Ok(StationOverview { stations, newest_app_version: newest, protocol_version: sync_protocol::PROTOCOL_VERSION, as_of: now })
}

/// The station `station_id`, if it is in the caller's scope: another region's
/// station is "not found", not "forbidden", so its existence is not told.
pub async fn get(pool: &PgPool, session: &ConsoleSession, station_id: &str, now: DateTime<Utc>) -> ConsoleResult<StationRow> {
    require(session.user.role, Action::ViewStations)?;
    let id = in_scope(session, station_id)?;
    let newest = newest_app_version(pool).await?;
    let row = rows(pool, &session.scope, Some(id), now).await?.pop().ok_or_else(|| ConsoleError::not_found("station"))?;
    Ok(judged(row, session, now, newest.as_deref()))
}

fn in_scope(session: &ConsoleSession, station_id: &str) -> ConsoleResult<Uuid> {
    Uuid::parse_str(station_id.trim()).ok().filter(|id| session.scope.includes(*id)).ok_or_else(|| ConsoleError::not_found("station"))
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub region: String,
}

/// A one-time enrollment code, shown once: the head office keeps only its hash.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IssuedCode {
    pub station_id: String,
    pub station_code: String,
    pub enrollment_code: String,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CodeState {
    Unused,
    Used,
    /// Expired, or ended early by a revocation.
    Expired,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EnrollmentCode {
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub used_at: Option<DateTime<Utc>>,
    pub state: CodeState,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EnrollmentCodes {
    pub station_code: String,
    /// Newest first. The codes themselves are not kept, so not shown.
    pub codes: Vec<EnrollmentCode>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SetRegion {
    pub region: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Revoked {
    pub station_code: String,
    #[ts(type = "number")]
    pub tokens_revoked: u64,
}

fn check_region(raw: &str) -> ConsoleResult<String> {
    let region = raw.trim();
    if region.chars().count() > 64 {
        return Err(ConsoleError::field("region", "station.region", "a region is at most 64 characters"));
    }
    Ok(region.to_string())
}

async fn code_of(conn: &mut sqlx::PgConnection, id: Uuid) -> ConsoleResult<String> {
    let code: Option<String> = sqlx::query_scalar("SELECT code FROM stations WHERE station_id = $1").bind(id).fetch_optional(conn).await?;
    code.ok_or_else(|| ConsoleError::not_found("station"))
}

pub async fn create(pool: &PgPool, session: &ConsoleSession, input: NewStation, valid_hours: u32, now: DateTime<Utc>) -> ConsoleResult<IssuedCode> {
    require(session.user.role, Action::ManageStations)?;
    let region = check_region(&input.region)?;
    let mut tx = pool.begin().await?;
    let (id, issued) = store::create_station_in(&mut tx, input.code.trim(), &input.name, &region, valid_hours).await?;
    let after = json!({"code": input.code.trim(), "name": input.name.trim(), "region": region, "enrollment_code_expires_at": issued.expires_at});
    audit::record(&mut tx, &session.actor(), now, "station.create", Target { kind: "station", id: id.to_string() }, None, Some(after)).await?;
    tx.commit().await?;
    Ok(IssuedCode { station_id: id.to_string(), station_code: input.code.trim().to_string(), enrollment_code: issued.code, expires_at: issued.expires_at })
}

pub async fn issue_enrollment_code(
    pool: &PgPool,
    session: &ConsoleSession,
    station_id: &str,
    valid_hours: u32,
    now: DateTime<Utc>,
) -> ConsoleResult<IssuedCode> {
    require(session.user.role, Action::ManageStations)?;
    let id = in_scope(session, station_id)?;
    let mut tx = pool.begin().await?;
    let code = code_of(&mut tx, id).await?;
    let issued = store::issue_code(&mut tx, id, valid_hours).await?;
    let after = json!({"expires_at": issued.expires_at});
    audit::record(&mut tx, &session.actor(), now, "station.enrollment_code", Target { kind: "station", id: id.to_string() }, None, Some(after)).await?;
    tx.commit().await?;
    Ok(IssuedCode { station_id: id.to_string(), station_code: code, enrollment_code: issued.code, expires_at: issued.expires_at })
}

pub async fn enrollment_codes(pool: &PgPool, session: &ConsoleSession, station_id: &str, now: DateTime<Utc>) -> ConsoleResult<EnrollmentCodes> {
    require(session.user.role, Action::ManageStations)?;
    let id = in_scope(session, station_id)?;
    let mut conn = pool.acquire().await?;
    let station_code = code_of(&mut conn, id).await?;
    type CodeRow = (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);
    let rows: Vec<CodeRow> = sqlx::query_as("SELECT created_at, expires_at, used_at FROM enrollment_codes WHERE station_id = $1 ORDER BY created_at DESC")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let codes = rows
        .into_iter()
        .map(|(created_at, expires_at, used_at)| {
            let state = match used_at {
                Some(_) => CodeState::Used,
                None if expires_at <= now => CodeState::Expired,
                None => CodeState::Unused,
            };
            EnrollmentCode { created_at, expires_at, used_at, state }
        })
        .collect();
    Ok(EnrollmentCodes { station_code, codes })
}

pub async fn revoke(pool: &PgPool, session: &ConsoleSession, station_id: &str, now: DateTime<Utc>) -> ConsoleResult<Revoked> {
    require(session.user.role, Action::ManageStations)?;
    let id = in_scope(session, station_id)?;
    let mut tx = pool.begin().await?;
    let station_code = code_of(&mut tx, id).await?;
    let tokens_revoked = store::revoke_in(&mut tx, id).await?;
    let after = json!({"tokens_revoked": tokens_revoked});
    audit::record(&mut tx, &session.actor(), now, "station.revoke", Target { kind: "station", id: id.to_string() }, None, Some(after)).await?;
    tx.commit().await?;
    Ok(Revoked { station_code, tokens_revoked })
}

pub async fn set_region(pool: &PgPool, session: &ConsoleSession, station_id: &str, input: SetRegion, now: DateTime<Utc>) -> ConsoleResult<StationRow> {
    require(session.user.role, Action::ManageStations)?;
    let id = in_scope(session, station_id)?;
    let region = check_region(&input.region)?;
    let mut tx = pool.begin().await?;
    let before: Option<String> = sqlx::query_scalar("SELECT region FROM stations WHERE station_id = $1 FOR UPDATE").bind(id).fetch_optional(&mut *tx).await?;
    let before = before.ok_or_else(|| ConsoleError::not_found("station"))?;
    sqlx::query("UPDATE stations SET region = $2 WHERE station_id = $1").bind(id).bind(&region).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        &session.actor(),
        now,
        "station.set_region",
        Target { kind: "station", id: id.to_string() },
        Some(json!({"region": before})),
        Some(json!({"region": region})),
    )
    .await?;
    tx.commit().await?;
    get(pool, session, station_id, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)
    }

    fn healthy() -> Facts<'static> {
        Facts { active_tokens: 1, last_sync_at: Some(now() - Duration::minutes(3)), protocol_version: Some(1), app_version: Some("0.2.0"), ..Facts::default() }
    }

    #[test]
    fn a_station_that_synced_minutes_ago_on_the_newest_app_has_no_flags() {
        assert_eq!(flags(&healthy(), now(), Some("0.2.0")), vec![]);
    }

    #[test]
    fn a_station_silent_for_more_than_a_day_is_flagged_and_one_never_heard_from_says_so() {
        let silent = Facts { last_sync_at: Some(now() - Duration::hours(25)), ..healthy() };
        assert_eq!(flags(&silent, now(), None), vec![StationFlag::Silent]);
        let day = Facts { last_sync_at: Some(now() - Duration::hours(23)), ..healthy() };
        assert_eq!(flags(&day, now(), None), vec![]);
        assert_eq!(flags(&Facts { last_sync_at: None, ..healthy() }, now(), None), vec![StationFlag::NeverSynced]);
        assert_eq!(flags(&Facts { active_tokens: 0, last_sync_at: None, ..healthy() }, now(), None), vec![StationFlag::NotEnrolled]);
    }

    #[test]
    fn an_older_app_than_the_newest_in_the_fleet_is_flagged_comparing_numbers_not_text() {
        let old = Facts { app_version: Some("0.9.0"), ..healthy() };
        assert_eq!(flags(&old, now(), Some("0.10.0")), vec![StationFlag::OldVersion]);
        let newer = Facts { app_version: Some("0.10.0"), ..healthy() };
        assert_eq!(flags(&newer, now(), Some("0.9.0")), vec![]);
    }

    #[test]
    fn rejections_tampering_and_a_fast_clock_are_flagged() {
        let f = Facts { recent_rejections: 2, flagged_rejections: 1, clock_offset_ms: Some(CLOCK_AHEAD_FLAG_MS + 1), ..healthy() };
        assert_eq!(flags(&f, now(), None), vec![StationFlag::Rejections, StationFlag::SuspectedTampering, StationFlag::ClockAhead]);
        let behind = Facts { clock_offset_ms: Some(-3_600_000), ..healthy() };
        assert_eq!(flags(&behind, now(), None), vec![], "an old change is not a wrong clock");
    }
}
