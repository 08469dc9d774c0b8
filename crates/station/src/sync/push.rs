//! Push: the outbox, in `seq` order, in batches of contiguous sequence numbers.
//!
//! The head office acknowledges the highest seq it holds; only then does
//! `sync_state.acked_seq` move. A lost acknowledgement therefore means the same
//! batch is sent again, which the head office skips (idempotent per seq). A
//! `push.gap` answer says where the head office's stream really is: the push
//! resumes from its `expected_seq`.

use std::sync::atomic::{AtomicI64, Ordering};

use sync_protocol::{limits, Change, ErrorCode, Op, PushBatch, PROTOCOL_VERSION};
use uuid::Uuid;

use super::client::{Client, SyncError};
use super::state;
use crate::error::ApiError;
use crate::station::Station;
use crate::store::outbox::{self, OutboxRow};

/// Changes per batch: well under the head office's 5,000, small enough that a
/// retried batch after a lost answer costs little.
pub const BATCH_CHANGES: i64 = 1_000;
static BATCH_LIMIT: AtomicI64 = AtomicI64::new(BATCH_CHANGES);

/// Smaller batches for a slow link (and for tests that stop a push halfway).
pub fn set_batch_changes(n: i64) {
    BATCH_LIMIT.store(n.clamp(1, limits::MAX_CHANGES_PER_BATCH as i64), Ordering::Relaxed);
}
/// Payload bytes per batch before compression (the head office takes 64 MB).
const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// `push.gap` answers in a row before giving up on this pass.
const MAX_GAPS: u32 = 3;

#[derive(Debug, Clone, Default)]
pub struct PushOutcome {
    pub batches: u32,
    pub acked_seq: i64,
    pub rejected: u32,
}

/// The station's schema version: its last migration.
pub fn schema_version() -> u32 {
    crate::store::db::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0) as u32
}

fn to_change(row: &OutboxRow) -> Result<Change, ApiError> {
    let bad = |what: &str| ApiError::internal(format!("outbox row {} has {what}", row.seq));
    Ok(Change {
        seq: row.seq,
        id: Uuid::parse_str(&row.id).map_err(|_| bad("an id that is not a UUID"))?,
        entity: row.entity.clone(),
        entity_id: row.entity_id.clone(),
        op: if row.op == "delete" { Op::Delete } else { Op::Upsert },
        payload: serde_json::from_str(&row.payload).map_err(|_| bad("a payload that is not JSON"))?,
        hlc: row.hlc.as_deref().ok_or_else(|| bad("no HLC"))?.parse().map_err(|_| bad("an invalid HLC"))?,
        changed_fields: match &row.changed_fields {
            None => None,
            Some(f) => Some(serde_json::from_str(f).map_err(|_| bad("invalid changed_fields"))?),
        },
    })
}

/// Pushes everything the head office has not acknowledged.
pub async fn push_all(station: &Station, client: &Client, station_code: Option<String>) -> Result<PushOutcome, SyncError> {
    push_in_batches_of(station, client, station_code, BATCH_LIMIT.load(Ordering::Relaxed)).await
}

/// `push_all` in batches of at most `limit` changes (tests cut batches where they need).
pub async fn push_in_batches_of(station: &Station, client: &Client, station_code: Option<String>, limit: i64) -> Result<PushOutcome, SyncError> {
    let pool = station.pool();
    let mut out = PushOutcome::default();
    let mut gaps = 0;
    loop {
        let (acked, rows) = {
            let mut conn = pool.acquire().await.map_err(ApiError::from)?;
            let acked = state::acked_seq(&mut conn).await?;
            (acked, outbox::pending(&mut conn, acked, limit).await?)
        };
        out.acked_seq = acked;
        let Some(first) = rows.first().map(|r| r.seq) else {
            return Ok(out);
        };
        let mut changes = Vec::with_capacity(rows.len());
        let mut bytes = 0;
        for (i, row) in rows.iter().enumerate() {
            bytes += row.payload.len();
            if row.seq != first + i as i64 || (!changes.is_empty() && bytes > BATCH_BYTES) || changes.len() >= limits::MAX_CHANGES_PER_BATCH {
                break;
            }
            changes.push(to_change(row)?);
        }
        let last = first + changes.len() as i64 - 1;
        let batch =
            PushBatch { protocol_version: PROTOCOL_VERSION, schema_version: schema_version(), station_code: station_code.clone(), first_seq: first, changes };
        match client.push(&batch).await {
            Ok(ack) => {
                // More than this batch is fine: a resend after a lost answer, when the head office
                // already holds a longer run from an earlier attempt. Beyond the outbox is not.
                let max_seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetch_one(pool).await.map_err(ApiError::from)?;
                if ack.acked_seq <= acked || ack.acked_seq > max_seq {
                    return Err(SyncError::BadResponse(format!("the head office acknowledged {} for a batch {first}..={last}", ack.acked_seq)));
                }
                state::set_acked(pool, ack.acked_seq, station.now()).await?;
                state::set_clock_offset(pool, ack.server_time_ms, station.now()).await?;
                out.acked_seq = ack.acked_seq;
                out.batches += 1;
                out.rejected += ack.rejected;
                gaps = 0;
                tracing::debug!(first, acked = ack.acked_seq, rejected = ack.rejected, "pushed a batch");
            }
            Err(SyncError::HeadOffice { body, .. }) if body.code == ErrorCode::PushGap && body.expected_seq.is_some_and(|e| e >= 1 && e - 1 != acked) => {
                let expected = body.expected_seq.unwrap_or(1);
                gaps += 1;
                if gaps > MAX_GAPS {
                    return Err(SyncError::BadResponse(format!("the head office keeps asking for seq {expected}")));
                }
                // The head office holds less than this station thought (it was restored, or the
                // station's bookkeeping is ahead): resend from where it is.
                tracing::warn!(local_acked = acked, expected, "push.gap: resending from the head office's expected seq");
                state::set_acked(pool, expected - 1, station.now()).await?;
            }
            Err(SyncError::HeadOffice { status, mut body }) if body.code == ErrorCode::PushGap => {
                body.message = format!("the outbox has no change {} to send: {}", acked + 1, body.message);
                return Err(SyncError::HeadOffice { status, body });
            }
            Err(e) => return Err(e),
        }
    }
}
