//! The audit of what console users change: one `console_audit` row per change,
//! written with `record` inside the change's own transaction, so there is no
//! change without its row and no row without its change. The table refuses
//! UPDATE, DELETE and TRUNCATE (migration 0004); here it is only appended to and read.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use ts_rs::TS;
use uuid::Uuid;

use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action};
use super::sessions::ConsoleSession;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        user_id: Uuid,
        login: String,
    },
    /// `headoffice admin …`: whoever holds the database's credentials.
    CommandLine,
}

/// What a change was made to: `("user", id)`, `("station", id)`.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: String,
}

/// Appends one audit row in the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    target: Target<'_>,
    before: Option<Value>,
    after: Option<Value>,
) -> sqlx::Result<()> {
    let (user_id, name) = match actor {
        Actor::User { user_id, login } => (Some(*user_id), login.as_str()),
        Actor::CommandLine => (None, "command line"),
    };
    sqlx::query("INSERT INTO console_audit (at, user_id, actor, action, target_kind, target_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(at)
        .bind(user_id)
        .bind(name)
        .bind(action)
        .bind(target.kind)
        .bind(&target.id)
        .bind(before.map(sqlx::types::Json))
        .bind(after.map(sqlx::types::Json))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    /// The user's login at the time, or `command line`.
    pub actor: String,
    pub user_id: Option<String>,
    /// Dotted, e.g. `user.create`, `station.revoke`.
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[ts(optional, type = "number")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// `GET …/audit?before=ID&limit=N`: taken as text and checked here, so a bad one is named.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
pub struct AuditQuery {
    #[ts(optional, type = "number")]
    pub before: Option<String>,
    /// 1 to 500; 100 when absent.
    #[ts(optional, type = "number")]
    pub limit: Option<String>,
}

const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

/// An optional whole number from a query string, in `range`; a bad one is named.
pub(crate) fn number(field: &str, raw: Option<&str>, range: std::ops::RangeInclusive<i64>) -> ConsoleResult<Option<i64>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    match raw.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(ConsoleError::field(field, "input.number", format!("{field} must be a whole number from {} to {}", range.start(), range.end()))
            .with("min", range.start())
            .with("max", range.end())),
    }
}

type Row = (i64, DateTime<Utc>, String, Option<Uuid>, String, String, String, Option<sqlx::types::Json<Value>>, Option<sqlx::types::Json<Value>>);

pub async fn list(pool: &PgPool, session: &ConsoleSession, query: AuditQuery) -> ConsoleResult<AuditPage> {
    require(session.user.role, Action::ViewAudit)?;
    let before = number("before", query.before.as_deref(), 1..=i64::MAX)?;
    let limit = number("limit", query.limit.as_deref(), 1..=MAX_PAGE)?.unwrap_or(DEFAULT_PAGE);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT audit_id, at, actor, user_id, action, target_kind, target_id, before, after FROM console_audit
         WHERE ($1::bigint IS NULL OR audit_id < $1) ORDER BY audit_id DESC LIMIT $2",
    )
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, at, actor, user_id, action, target_kind, target_id, before, after)| AuditEntry {
            id,
            at,
            actor,
            user_id: user_id.map(|u| u.to_string()),
            action,
            target_kind,
            target_id,
            before: before.map(|j| j.0),
            after: after.map(|j| j.0),
        })
        .collect();
    let next_before = if more { entries.last().map(|e| e.id) } else { None };
    Ok(AuditPage { entries, next_before })
}
