//! The `Station` handle: one open station database plus its data directory and
//! clock. Both transports hold one and call `Station::dispatch` (see `ops.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use sqlx::SqlitePool;

use crate::error::{ApiError, Result};
use crate::store;

/// Where "now" comes from. Tests pin it to check numbering across days and
/// promised-time countdowns without sleeping.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct Station {
    inner: Arc<Inner>,
}

struct Inner {
    pool: SqlitePool,
    data_dir: PathBuf,
    clock: Clock,
    sync: crate::sync::worker::Handle,
}

/// The platform's per-user application data directory, the same one Tauri
/// uses for the app's identifier, so desktop and `serve` share a station.
pub fn default_data_dir() -> PathBuf {
    dirs_data_dir().join("com.stationdesk.app")
}

fn dirs_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from).unwrap_or(home)
    } else {
        home.join(".local/share")
    }
}

impl Station {
    /// Opens (creating if needed) the station in `data_dir`, backing the
    /// database up and migrating it first when the schema is behind, and starts
    /// its background sync worker (idle until a head office is enrolled).
    pub async fn open(data_dir: &Path) -> Result<Station> {
        Self::open_with_clock(data_dir, Arc::new(Utc::now)).await
    }

    pub async fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Station> {
        Self::open_with(data_dir, clock, crate::sync::WorkerOptions::default()).await
    }

    /// Opens with explicit sync-worker options (tests disable the worker and drive passes with `sync::sync_once`).
    /// The worker runs on the current Tokio runtime and stops when the last handle to this station is dropped.
    pub async fn open_with(data_dir: &Path, clock: Clock, sync: crate::sync::WorkerOptions) -> Result<Station> {
        let pool = store::db::open(data_dir).await?;
        let station = Station { inner: Arc::new(Inner { pool, data_dir: data_dir.to_path_buf(), clock, sync: crate::sync::worker::Handle::new() }) };
        if let Err(e) = crate::photos::sweep_orphan_files(&station).await {
            tracing::warn!("stored files could not be checked for orphans: {e:?}");
        }
        // The daily backup rides on the same switch: tests that drive the worker themselves call `backup::run_if_due`.
        if sync.enabled {
            crate::backup::start(station.for_worker(), sync.backup_check);
        }
        crate::sync::worker::start(station.for_worker(), sync);
        crate::store::checkpoint::start(station.for_worker(), crate::store::checkpoint::EVERY);
        Ok(station)
    }

    /// The same station seen through another clock; demo data uses it to check cars in "earlier today".
    pub fn with_clock(&self, clock: Clock) -> Station {
        Station { inner: Arc::new(Inner { pool: self.inner.pool.clone(), data_dir: self.inner.data_dir.clone(), clock, sync: self.inner.sync.clone() }) }
    }

    /// The handle the worker holds: it does not keep the station (and so itself) alive.
    fn for_worker(&self) -> Station {
        let i = &self.inner;
        Station { inner: Arc::new(Inner { pool: i.pool.clone(), data_dir: i.data_dir.clone(), clock: i.clock.clone(), sync: i.sync.unguarded() }) }
    }

    pub(crate) fn sync_shared(&self) -> &crate::sync::worker::Shared {
        &self.inner.sync.shared
    }

    pub(crate) fn sync_shared_arc(&self) -> Arc<crate::sync::worker::Shared> {
        self.inner.sync.shared.clone()
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// The station row, which exists once first-run setup has happened.
    pub async fn info(&self) -> Result<Option<StationRow>> {
        Ok(sqlx::query_as::<_, StationRow>("SELECT id, code, name, utc_offset_minutes FROM station LIMIT 1").fetch_optional(self.pool()).await?)
    }

    pub async fn require_info(&self) -> Result<StationRow> {
        self.info().await?.ok_or_else(|| ApiError::invalid("station.not_set_up", "this station has not been set up yet"))
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StationRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub utc_offset_minutes: i64,
}

impl StationRow {
    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt((self.utc_offset_minutes * 60) as i32).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// The station's calendar day for `at`: repair-order numbers restart at the
    /// station's midnight, not UTC's.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, one format
/// everywhere, so text order is time order.
pub fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
