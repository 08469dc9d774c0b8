//! The station's hybrid logical clock, saved in `sync_state.clock`.
//!
//! Every outbox row is stamped with `tick` in the transaction that writes it,
//! and every HLC pulled from the head office goes through `receive` in the
//! transaction that applies the page, so an edit made after a pull is always
//! ordered after what was pulled, whatever the wall clock says
//! (`docs/sync.md`, "Clock skew").

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use sync_protocol::Hlc;

use crate::error::{ApiError, Result};

fn ms(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

fn hlc_error(e: sync_protocol::hlc::HlcError) -> ApiError {
    ApiError::internal(format!("the station's sync clock failed: {e}"))
}

/// The saved clock, taking the write lock in the same statement (so two
/// writers cannot read the same state). A station that has never ticked
/// starts after the greatest HLC already in its outbox (rows migrated from
/// before the clock existed).
async fn load(conn: &mut SqliteConnection, node: &str) -> Result<Hlc> {
    let saved: Option<Option<String>> =
        sqlx::query_scalar("UPDATE sync_state SET clock = clock WHERE id = 1 RETURNING clock").fetch_optional(&mut *conn).await?;
    let saved = match saved {
        Some(s) => s,
        None => {
            sqlx::query("INSERT OR IGNORE INTO sync_state (id) VALUES (1)").execute(&mut *conn).await?;
            None
        }
    };
    let start = match saved {
        Some(s) => s,
        None => match sqlx::query_scalar::<_, Option<String>>("SELECT MAX(hlc) FROM outbox").fetch_one(&mut *conn).await? {
            Some(s) => s,
            None => return Hlc::new(node).map_err(hlc_error),
        },
    };
    let saved: Hlc = start.parse().map_err(hlc_error)?;
    // The node is this station's; only the time and counter carry over.
    Hlc::from_parts(saved.physical_ms(), saved.counter(), node).map_err(hlc_error)
}

async fn save(conn: &mut SqliteConnection, clock: &Hlc) -> Result<()> {
    sqlx::query("UPDATE sync_state SET clock = ? WHERE id = 1").bind(clock.to_string()).execute(conn).await?;
    Ok(())
}

/// Stamps a local write at `now`; `node` is the station's id.
pub async fn tick(conn: &mut SqliteConnection, node: &str, now: DateTime<Utc>) -> Result<Hlc> {
    let mut clock = load(conn, node).await?;
    let stamp = clock.tick(ms(now)).map_err(hlc_error)?;
    save(conn, &clock).await?;
    Ok(stamp)
}

/// Takes in HLCs seen from the head office, so every later tick is greater.
pub async fn receive(conn: &mut SqliteConnection, node: &str, seen: &[Hlc], now: DateTime<Utc>) -> Result<()> {
    if seen.is_empty() {
        return Ok(());
    }
    let mut clock = load(conn, node).await?;
    for h in seen {
        clock.receive(h, ms(now)).map_err(hlc_error)?;
    }
    save(conn, &clock).await
}

/// The clock as saved, for tests and diagnostics.
pub async fn current(conn: &mut SqliteConnection) -> Result<Option<Hlc>> {
    let saved: Option<String> = sqlx::query_scalar("SELECT clock FROM sync_state WHERE id = 1").fetch_optional(&mut *conn).await?.flatten();
    saved.map(|s| s.parse().map_err(hlc_error)).transpose()
}
