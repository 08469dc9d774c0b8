//! Copies committed pages from SQLite's write-ahead log into the database file in
//! the background, about once a second, so no desk operation waits for it.
//!
//! SQLite otherwise checkpoints inside whichever commit pushes the log past its
//! limit; on a large station that commit took 10-20 ms instead of 2 ms. A passive
//! checkpoint blocks neither readers nor writers.
//!
//! It also bounds what a power cut can take: with `synchronous = NORMAL` a commit is not
//! flushed to disk, but SQLite flushes the log before each checkpoint, so commits reach the
//! disk within about a second (docs/release.md, "What these tests do not cover").

use std::time::Duration;

use crate::station::Station;

/// How often the log is checkpointed.
pub(crate) const EVERY: Duration = Duration::from_secs(1);

/// Spawns the checkpointer for `station` (a handle that does not keep the station alive)
/// on the current Tokio runtime. It stops as soon as the station's last handle is dropped,
/// so it never keeps the database open after its owner is done with it.
pub(crate) fn start(station: Station, every: Duration) {
    tokio::spawn(async move {
        let shared = station.sync_shared_arc();
        loop {
            let stopped = shared.stopped_notice();
            tokio::pin!(stopped);
            stopped.as_mut().enable();
            if shared.stopped() {
                break;
            }
            tokio::select! {
                _ = stopped => break,
                _ = tokio::time::sleep(every) => {}
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(station.pool()).await {
                tracing::warn!(error = %e, "the write-ahead log could not be checkpointed");
            }
        }
    });
}
