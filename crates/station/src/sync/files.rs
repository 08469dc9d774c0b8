//! File bytes. Photos, signature images, paper scans and printed PDFs live
//! content-addressed in the data directory (`photos.rs`); their `files` rows
//! sync as `file` records, and the bytes go separately, once per file
//! (`PUT`/`GET /v1/files/{sha256}`; `docs/sync.md`, "Files").
//!
//! After each pull, every `files` row not dealt with yet is uploaded when its
//! bytes are here (and hash to its name), or marked wanted when they are not:
//! a row restored from the head office. Wanted files are fetched, checked
//! against their name, and stored with their thumbnail. A file the head office
//! does not hold (the installation that made it never uploaded it) is asked
//! for again an hour later.

use chrono::Duration;
use sha2::{Digest, Sha256};

use super::client::{Client, SyncError};
use crate::error::ApiError;
use crate::station::{ts, Station};

/// Rows looked at per query.
const BATCH: i64 = 200;

#[derive(Debug, Clone, Default)]
pub struct FilesOutcome {
    pub uploaded: u32,
    pub fetched: u32,
    /// Wanted files the head office could not give this pass.
    pub missing: u32,
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn mark(station: &Station, sha: &str, state: &str, retry_at: Option<String>) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO sync_files (sha256, state, tries, next_try_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sha256) DO UPDATE SET state = excluded.state, tries = sync_files.tries + excluded.tries,
                                            next_try_at = excluded.next_try_at, updated_at = excluded.updated_at",
    )
    .bind(sha)
    .bind(state)
    .bind(i64::from(retry_at.is_some()))
    .bind(retry_at)
    .bind(ts(station.now()))
    .execute(station.pool())
    .await?;
    Ok(())
}

async fn local_bytes(station: &Station, sha: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let (st, sha) = (station.clone(), sha.to_string());
    tokio::task::spawn_blocking(move || crate::photos::stored_file_bytes(&st, &sha)).await.map_err(|e| ApiError::internal(e.to_string()))
}

/// A head office older than file sync answers its fallback: 404 `request.invalid`.
fn no_file_route(e: &SyncError) -> bool {
    matches!(e, SyncError::HeadOffice { status: 404, body } if body.code == sync_protocol::ErrorCode::InvalidRequest)
}

pub async fn sync_files(station: &Station, client: &Client) -> Result<FilesOutcome, SyncError> {
    // Bytes of files destroyed past retention that are still on disk (a pulled destruction, a crash after a run) go first.
    crate::retention::destroy::sweep_destroyed_files(station).await?;
    match transfer(station, client).await {
        Err(e) if no_file_route(&e) => {
            tracing::info!("the head office does not take file bytes yet (an older version): rows sync, files wait");
            Ok(FilesOutcome::default())
        }
        other => other,
    }
}

async fn transfer(station: &Station, client: &Client) -> Result<FilesOutcome, SyncError> {
    let mut out = FilesOutcome::default();
    loop {
        let new: Vec<String> =
            sqlx::query_scalar("SELECT sha256 FROM files WHERE destroyed_at IS NULL AND sha256 NOT IN (SELECT sha256 FROM sync_files) ORDER BY sha256 LIMIT ?")
                .bind(BATCH)
                .fetch_all(station.pool())
                .await
                .map_err(ApiError::from)?;
        if new.is_empty() {
            break;
        }
        for sha in new {
            match local_bytes(station, &sha).await? {
                Some(bytes) if sha256_hex(&bytes) == sha => {
                    client.put_file(&sha, bytes).await?;
                    mark(station, &sha, "uploaded", None).await?;
                    out.uploaded += 1;
                }
                Some(_) => {
                    tracing::warn!(file = %sha, "the bytes on disk do not match the file's name; not uploaded, a good copy is wanted");
                    mark(station, &sha, "wanted", None).await?;
                }
                None => mark(station, &sha, "wanted", None).await?,
            }
        }
    }
    let now = ts(station.now());
    let wanted: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.sha256, f.mime FROM sync_files s JOIN files f USING (sha256)
         WHERE s.state = 'wanted' AND f.destroyed_at IS NULL AND (s.next_try_at IS NULL OR s.next_try_at <= ?) ORDER BY s.sha256 LIMIT ?",
    )
    .bind(&now)
    .bind(BATCH * 5)
    .fetch_all(station.pool())
    .await
    .map_err(ApiError::from)?;
    for (sha, mime) in wanted {
        match client.get_file(&sha).await? {
            Some(bytes) if sha256_hex(&bytes) == sha => {
                let (st, sha2) = (station.clone(), sha.clone());
                tokio::task::spawn_blocking(move || crate::photos::store_fetched(&st, &sha2, &mime, &bytes))
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))??;
                mark(station, &sha, "uploaded", None).await?;
                out.fetched += 1;
            }
            other => {
                if other.is_some() {
                    tracing::warn!(file = %sha, "the head office's copy does not match the file's name");
                }
                mark(station, &sha, "wanted", Some(ts(station.now() + Duration::hours(1)))).await?;
                out.missing += 1;
            }
        }
    }
    Ok(out)
}
