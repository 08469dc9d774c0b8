//! The background sync worker. The `Station` starts it when it opens (both
//! transports); it never blocks a local operation: it runs its own passes, one
//! at a time, on its own connections, and every failure is recorded in
//! `sync_state` for `sync_status`, never returned to anyone's request.
//!
//! - Not enrolled: it sleeps until woken (enrollment or "sync now" wake it).
//! - Healthy: a pass every `interval`.
//! - Failing (head office unreachable, 5xx): exponential backoff with jitter,
//!   from `backoff_base` doubling up to `backoff_max`.
//! - "Update required", a revoked token, a push stream that is not this outbox's:
//!   no automatic retries; it waits for "sync now", a new enrollment, or the
//!   next start of the app.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::Notify;

use super::client::{Client, SyncError};
use super::{pull, push, state};
use crate::error::ApiError;
use crate::station::Station;

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Whether the Station starts the background worker at all (tests drive passes themselves).
    pub enabled: bool,
    /// Between successful passes.
    pub interval: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How often the daily backup checks whether it is due (`backup::start`).
    pub backup_check: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            enabled: true,
            interval: Duration::from_secs(30),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
            backup_check: Duration::from_secs(600),
        }
    }
}

/// The `n`th consecutive failure's wait: `base · 2^(n-1)`, capped, with "equal
/// jitter" (between half and all of it) so stations that lost the head office
/// together do not all come back in the same second.
pub fn backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.saturating_sub(1).min(20)).min(max);
    let half = exp / 2;
    half + Duration::from_millis(rand::rng().random_range(0..=half.as_millis().max(1) as u64))
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Runtime {
    pub running: bool,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
}

/// What the worker and the operations share.
#[derive(Default)]
pub(crate) struct Shared {
    wake: Notify,
    /// One pass (or enrollment) at a time.
    pub(crate) pass: tokio::sync::Mutex<()>,
    pub(crate) runtime: Mutex<Runtime>,
    shutdown: AtomicBool,
    /// Tells the background tasks that wait on it (the checkpointer) that the station is gone.
    stopping: Notify,
    started: AtomicBool,
}

impl Shared {
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
    /// Set once the station's last owning handle is gone; the backup task stops on it too.
    pub(crate) fn stopped(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
    /// Resolves when the station's last owning handle is dropped (create it before checking `stopped`).
    pub(crate) fn stopped_notice(&self) -> tokio::sync::futures::Notified<'_> {
        self.stopping.notified()
    }
    pub(crate) fn runtime(&self) -> Runtime {
        self.runtime.lock().map(|r| r.clone()).unwrap_or_default()
    }
    fn update(&self, f: impl FnOnce(&mut Runtime)) {
        if let Ok(mut r) = self.runtime.lock() {
            f(&mut r);
        }
    }
}

/// Stops the worker when the last `Station` handle that owns it is dropped.
struct Guard(Arc<Shared>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.shutdown.store(true, Ordering::SeqCst);
        self.0.wake();
        self.0.stopping.notify_waiters();
    }
}

/// A station's handle on its sync worker. The worker's own `Station` holds one
/// without the guard, so it does not keep itself alive.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
    _guard: Option<Arc<Guard>>,
}

impl Handle {
    pub(crate) fn new() -> Handle {
        let shared = Arc::new(Shared::default());
        Handle { _guard: Some(Arc::new(Guard(shared.clone()))), shared }
    }
    pub(crate) fn unguarded(&self) -> Handle {
        Handle { shared: self.shared.clone(), _guard: None }
    }
}

/// Spawns the worker for `station` (whose handle must be unguarded) on the current Tokio runtime.
pub(crate) fn start(station: Station, options: WorkerOptions) {
    let shared = station.sync_shared();
    if !options.enabled || shared.started.swap(true, Ordering::SeqCst) {
        return;
    }
    tokio::spawn(run(station, options));
}

async fn run(station: Station, opts: WorkerOptions) {
    let shared = station.sync_shared_arc();
    // The first pass after start tries even when the last run stopped on "update required":
    // the app may have been updated since.
    let mut woken = true;
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let delay = attempt(&station, woken, &opts).await;
        let next = delay.map(|d| station.now() + chrono::Duration::from_std(d).unwrap_or_default());
        shared.update(|r| r.next_attempt_at = next);
        woken = match delay {
            Some(d) => tokio::select! {
                _ = shared.wake.notified() => true,
                _ = tokio::time::sleep(d) => false,
            },
            None => {
                shared.wake.notified().await;
                true
            }
        };
    }
    tracing::debug!("sync worker stopped");
}

/// One scheduled attempt; returns how long to wait before the next one (`None`: until woken).
async fn attempt(station: &Station, woken: bool, opts: &WorkerOptions) -> Option<Duration> {
    let shared = station.sync_shared();
    let st = match state::load(station.pool()).await {
        Ok(s) => s,
        Err(_) => return Some(opts.backoff_max),
    };
    if st.head_office_url.is_none() || !st.has_token {
        return None;
    }
    if !woken && (st.update_required || st.needs_enrollment) {
        return None;
    }
    match sync_once(station).await {
        Ok(_) => {
            shared.update(|r| r.consecutive_failures = 0);
            Some(opts.interval)
        }
        Err(e) if e.update_required() || e.needs_enrollment() => None,
        Err(_) => {
            let mut n = 0;
            shared.update(|r| {
                r.consecutive_failures += 1;
                n = r.consecutive_failures;
            });
            Some(backoff(n, opts.backoff_base, opts.backoff_max))
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub push: push::PushOutcome,
    pub pull: pull::PullOutcome,
    pub files: super::files::FilesOutcome,
}

/// One full pass: push the outbox, fetch rejections, pull the feed, then the
/// files' bytes (up, and down for restored rows). Runs under
/// the pass lock; records its success or failure in `sync_state`.
pub async fn sync_once(station: &Station) -> Result<SyncReport, SyncError> {
    let shared = station.sync_shared();
    let _pass = shared.pass.lock().await;
    shared.update(|r| r.running = true);
    let result = pass(station).await;
    shared.update(|r| r.running = false);
    let now = station.now();
    match &result {
        Ok(_) => state::succeeded(station.pool(), now).await?,
        Err(e) => {
            let message = e.to_string();
            tracing::warn!(code = %e.code(), error = %message, "sync failed");
            state::failed(station.pool(), &e.code(), &message, e.update_required(), e.needs_enrollment(), now).await?;
        }
    }
    result
}

async fn pass(station: &Station) -> Result<SyncReport, SyncError> {
    let Some(enrollment) = state::enrollment(station.pool()).await? else {
        return Err(ApiError::invalid("sync.not_enrolled", "this station is not enrolled with a head office").into());
    };
    state::attempt_started(station.pool(), station.now()).await?;
    let client = Client::new(&enrollment.head_office_url, Some(enrollment.token.clone()))?;
    let pushed = push::push_all(station, &client, enrollment.ho_station_code.clone()).await?;
    if pushed.batches > 0 {
        fetch_rejections(station, &client).await?;
    }
    let pulled = pull::pull_all(station, &client).await?;
    let files = super::files::sync_files(station, &client).await?;
    tracing::info!(
        batches = pushed.batches,
        acked = pushed.acked_seq,
        rejected = pushed.rejected,
        pages = pulled.pages,
        restored = pulled.restored,
        files_up = files.uploaded,
        files_down = files.fetched,
        "synced with the head office"
    );
    Ok(SyncReport { push: pushed, pull: pulled, files })
}

/// Copies the head office's new rejections of this station's changes.
pub async fn fetch_rejections(station: &Station, client: &Client) -> Result<usize, SyncError> {
    let mut total = 0;
    loop {
        let after = state::load(station.pool()).await?.last_rejection_id;
        let page = client.rejections(after).await?;
        if page.rejections.is_empty() {
            return Ok(total);
        }
        let mut tx = crate::store::db::write_tx(station.pool()).await?;
        let mut last = after;
        for r in &page.rejections {
            sqlx::query(
                "INSERT OR IGNORE INTO sync_rejections (id, seq, change_id, entity, entity_id, code, message, flagged, rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(r.id)
            .bind(r.seq)
            .bind(r.change_id.to_string())
            .bind(&r.entity)
            .bind(&r.entity_id)
            .bind(&r.code)
            .bind(&r.message)
            .bind(r.flagged)
            .bind(&r.rejected_at)
            .execute(&mut *tx)
            .await
            .map_err(ApiError::from)?;
            last = last.max(r.id);
        }
        sqlx::query("UPDATE sync_state SET last_rejection_id = ? WHERE id = 1").bind(last).execute(&mut *tx).await.map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        total += page.rejections.len();
        if last == after {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap_with_jitter_in_the_upper_half() {
        let (base, max) = (Duration::from_secs(2), Duration::from_secs(300));
        for (n, full) in [(1, 2), (2, 4), (3, 8), (6, 64), (9, 300), (40, 300)] {
            for _ in 0..50 {
                let d = backoff(n, base, max);
                let full = Duration::from_secs(full);
                assert!(d >= full / 2 && d <= full, "failure {n}: {d:?} should be within [{:?}, {full:?}]", full / 2);
            }
        }
    }
}
