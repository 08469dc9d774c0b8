//! Opening the station's SQLite file: WAL, foreign keys and a busy timeout set
//! once here, and migrations run at start-up after a backup. Checkpoints of the
//! log are `checkpoint`'s, in the background.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::{ApiError, Result};

/// Pages (4 KiB) the log may reach before a commit checkpoints it itself: about 40 MB.
const CHECKPOINT_FALLBACK_PAGES: &str = "10000";

pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/station");

pub const DB_FILE: &str = "station.sqlite";

pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

pub async fn open(data_dir: &Path) -> Result<SqlitePool> {
    std::fs::create_dir_all(data_dir).map_err(|e| ApiError::internal(format!("cannot create data directory {}: {e}", data_dir.display())))?;
    let pool = connect(&db_path(data_dir)).await?;
    let applied = applied_migration(&pool).await?;
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if applied.is_some_and(|a| a >= latest) {
        return Ok(pool);
    }
    if let Some(applied) = applied {
        backup(&pool, data_dir, applied, latest).await?;
    }
    MIGRATOR.run(&pool).await?;
    // A migration that edits a table's SQL text (0016) leaves the connection
    // that ran it with the old schema in memory; fresh connections read the new one.
    pool.close().await;
    connect(&db_path(data_dir)).await
}

/// The last migration applied, or `None` for a database with no schema yet.
async fn applied_migration(pool: &SqlitePool) -> Result<Option<i64>> {
    let has_schema: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '_sqlx_migrations')").fetch_one(pool).await?;
    if !has_schema {
        return Ok(None);
    }
    Ok(Some(sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1").fetch_one(pool).await?))
}

pub async fn connect(path: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(|e| ApiError::internal(e.to_string()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Checkpoints run in the background (`checkpoint`), so a commit at the desk does not pay
        // for copying the log into the database (it made check-in's p95 10-17 ms instead of 2 ms
        // at 100,000 orders). This limit only bounds the log should that task fall behind.
        .pragma("wal_autocheckpoint", CHECKPOINT_FALLBACK_PAGES);
    Ok(SqlitePoolOptions::new().max_connections(8).connect_with(options).await?)
}

/// A migration that goes wrong must not cost the station its data: before any
/// pending migration runs on a database that already has a schema, copy it.
async fn backup(pool: &SqlitePool, data_dir: &Path, applied: i64, latest: i64) -> Result<PathBuf> {
    let dir = data_dir.join("backups");
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::internal(format!("cannot create backup directory: {e}")))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let target = dir.join(format!("station-v{applied}-{stamp}.sqlite"));
    sqlx::query("VACUUM INTO ?").bind(target.to_string_lossy().to_string()).execute(pool).await?;
    tracing::info!(backup = %target.display(), from = applied, to = latest, "backed up the station database before migrating");
    Ok(target)
}

/// Every write goes through here: `BEGIN IMMEDIATE` takes the write lock up
/// front, so two advisors checking in at once queue on the busy timeout instead
/// of one failing when its read snapshot turns out to be stale.
pub async fn write_tx(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}
