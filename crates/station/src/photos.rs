//! Photos (and later scans and documents) stored in the data directory,
//! content-addressed by SHA-256, with a size limit and a thumbnail for lists.

use std::path::PathBuf;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{ts, Station};
use crate::store::{db, outbox};

/// A phone camera's full-size JPEG is 3–8 MB; anything far beyond is not a photo of a car.
pub const MAX_PHOTO_BYTES: usize = 12 * 1024 * 1024;
const THUMB_EDGE: u32 = 320;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PhotoUpload {
    /// The image bytes, base64 (standard alphabet), optionally as a `data:` URL.
    pub data: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct StoredFile {
    pub sha256: String,
    pub mime: String,
    #[ts(type = "number")]
    pub size: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct FileRequest {
    pub sha256: String,
    #[serde(default)]
    pub thumbnail: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FileData {
    pub mime: String,
    /// A `data:` URL the UI can put straight into an `<img>`.
    pub data_url: String,
}

fn invalid(code: &'static str, message: &str) -> ApiError {
    ApiError::field("photo", Invalid::new(code, message))
}

pub(crate) fn file_path(station: &Station, sha: &str, thumb: bool) -> PathBuf {
    let dir = if thumb { "thumbs" } else { "files" };
    station.data_dir().join(dir).join(&sha[..2]).join(sha)
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

pub async fn upload_photo(station: &Station, caller: &Caller, input: PhotoUpload) -> Result<StoredFile> {
    let me = caller.require(Permission::Read)?.clone();
    let b64 = input.data.split_once(";base64,").map_or(input.data.as_str(), |(_, d)| d);
    if b64.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
        return Err(invalid("photo.too_large", "a photo may be at most 12 MB"));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| invalid("photo.format", "the photo could not be read"))?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(invalid("photo.too_large", "a photo may be at most 12 MB"));
    }
    let sha = format!("{:x}", Sha256::digest(&bytes));
    let station2 = station.clone();
    let sha2 = sha.clone();
    // Decoding and resizing are CPU work; keep them off the async workers.
    let mime = tokio::task::spawn_blocking(move || -> Result<String> {
        let format = image::guess_format(&bytes).map_err(|_| invalid("photo.format", "only JPEG, PNG or WebP photos"))?;
        let img = image::load_from_memory_with_format(&bytes, format).map_err(|_| invalid("photo.format", "the photo could not be read"))?;
        let original = file_path(&station2, &sha2, false);
        let thumb = file_path(&station2, &sha2, true);
        for p in [&original, &thumb] {
            std::fs::create_dir_all(p.parent().expect("file paths have a parent")).map_err(|e| ApiError::internal(e.to_string()))?;
        }
        if !original.exists() {
            write_atomically(&original, &bytes)?;
        }
        if !thumb.exists() {
            write_thumbnail(&thumb, &img)?;
        }
        Ok(format.to_mime_type().to_string())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;

    let size = std::fs::metadata(file_path(station, &sha, false)).map(|m| m.len() as i64).unwrap_or(0);
    let now = station.now();
    let stored = StoredFile { sha256: sha.clone(), mime: mime.clone(), size };
    let mut tx = db::write_tx(station.pool()).await?;
    let inserted = sqlx::query("INSERT OR IGNORE INTO files (sha256, station_id, mime, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&sha)
        .bind(&me.station_id)
        .bind(&mime)
        .bind(size)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 1 {
        outbox::append(&mut tx, &me.station_id, "file", &sha, outbox::Op::Upsert, &stored, now).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// The bytes of stored file `sha` as they are on disk now (verify rehashes them).
pub(crate) fn stored_file_bytes(station: &Station, sha: &str) -> Option<Vec<u8>> {
    if !is_sha256(sha) {
        return None;
    }
    std::fs::read(file_path(station, sha, false)).ok()
}

/// Stores `bytes` (already hashed to `sha`) as a content-addressed file on disk;
/// the caller records the `files` row in its own transaction.
pub(crate) fn store_file_bytes(station: &Station, sha: &str, bytes: &[u8]) -> Result<()> {
    let path = file_path(station, sha, false);
    std::fs::create_dir_all(path.parent().expect("file paths have a parent")).map_err(|e| ApiError::internal(e.to_string()))?;
    if !path.exists() {
        write_atomically(&path, bytes)?;
    }
    Ok(())
}

fn write_thumbnail(path: &PathBuf, img: &image::DynamicImage) -> Result<()> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.thumbnail(THUMB_EDGE, THUMB_EDGE).to_rgb8().write_to(&mut out, image::ImageFormat::Jpeg).map_err(|e| ApiError::internal(e.to_string()))?;
    write_atomically(path, out.get_ref())
}

/// Stores the bytes of a file fetched from the head office (already checked
/// against `sha`) and, for an image, its thumbnail, as `upload_photo` would
/// have. Blocking work: call it off the async workers.
pub(crate) fn store_fetched(station: &Station, sha: &str, mime: &str, bytes: &[u8]) -> Result<()> {
    store_file_bytes(station, sha, bytes)?;
    let thumb = file_path(station, sha, true);
    if mime.starts_with("image/") && !thumb.exists() {
        match image::load_from_memory(bytes) {
            Ok(img) => {
                std::fs::create_dir_all(thumb.parent().expect("file paths have a parent")).map_err(|e| ApiError::internal(e.to_string()))?;
                write_thumbnail(&thumb, &img)?;
            }
            Err(e) => tracing::warn!(file = sha, "a fetched image cannot be decoded for its thumbnail: {e}"),
        }
    }
    Ok(())
}

/// Another process on the same data directory may be between writing a file's
/// bytes and committing its row: only files older than this are orphans.
const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Deletes bytes on disk that no `files` row names, and `.part` leftovers: a
/// print or an upload killed between writing its bytes and committing its row
/// (the kill -9 campaign leaves a few). Nothing shows or syncs them, and a
/// retried print writes its own. Run when the station opens; returns how many
/// files went.
pub(crate) async fn sweep_orphan_files(station: &Station) -> Result<usize> {
    let dir = station.data_dir().to_path_buf();
    let found = tokio::task::spawn_blocking(move || old_files_on_disk(&dir)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    let mut removed = 0;
    for (path, sha) in found {
        let orphan = match sha {
            Some(sha) => !sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)").bind(&sha).fetch_one(station.pool()).await?,
            None => true,
        };
        if orphan && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "deleted file bytes that no record names (a write interrupted before its commit)");
    }
    Ok(removed)
}

/// Every stored file and thumbnail older than [`ORPHAN_AGE`], with the hash its
/// name says (`None` for a `.part` leftover or a name that is no hash).
fn old_files_on_disk(data_dir: &std::path::Path) -> Vec<(PathBuf, Option<String>)> {
    let now = std::time::SystemTime::now();
    let mut out = Vec::new();
    for top in ["files", "thumbs"] {
        let Ok(shards) = std::fs::read_dir(data_dir.join(top)) else { continue };
        for shard in shards.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
            let Ok(entries) = std::fs::read_dir(shard.path()) else { continue };
            for entry in entries.flatten() {
                let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| now.duration_since(t).ok()).is_some_and(|age| age >= ORPHAN_AGE);
                if !old || !entry.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                out.push((entry.path(), is_sha256(&name).then_some(name)));
            }
        }
    }
    out
}

/// A crash mid-write must not leave a truncated file under a hash it doesn't match, and a power
/// cut must not keep the row that names a file while losing the file: the bytes and the rename
/// reach the disk before the caller commits the row (a flush costs a few ms; a photo or a print
/// takes far longer).
fn write_atomically(path: &PathBuf, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("part");
    let durable = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    durable().map_err(|e| ApiError::internal(format!("cannot store file: {e}")))
}

pub async fn get_file(station: &Station, caller: &Caller, input: FileRequest) -> Result<FileData> {
    let me = caller.require(Permission::Read)?;
    if !is_sha256(&input.sha256) {
        return Err(ApiError::not_found("file"));
    }
    let mime: Option<String> = sqlx::query_scalar("SELECT mime FROM files WHERE sha256 = ?").bind(&input.sha256).fetch_optional(station.pool()).await?;
    let mime = mime.ok_or_else(|| ApiError::not_found("file"))?;
    // A printed document's PDF, or the scan of a document signed on paper, is
    // the customer's signed document with their whole number: the same rule as
    // `get_document`, not a way around it. (A thumbnail, 320 px, is too small to read.)
    let signed: Option<(String, String)> = sqlx::query_as(
        "SELECT id, ro_id FROM ro_documents WHERE sha256 = ?1
         UNION ALL
         SELECT a.id, a.ro_id FROM ro_signatures s JOIN ro_authorizations a ON a.id = s.authorization_id WHERE s.paper_scan_sha256 = ?1
         LIMIT 1",
    )
    .bind(&input.sha256)
    .fetch_optional(station.pool())
    .await?;
    if signed.is_some() {
        caller.require(Permission::OpenSignedDocuments)?;
    }
    let (path, mime) =
        if input.thumbnail { (file_path(station, &input.sha256, true), "image/jpeg".to_string()) } else { (file_path(station, &input.sha256, false), mime) };
    let bytes = tokio::fs::read(&path).await.map_err(|_| ApiError::not_found("file"))?;
    if let (Some((subject, ro_id)), false) = (&signed, input.thumbnail) {
        crate::printing::log_document_opening(station, me, subject, ro_id).await?;
    }
    Ok(FileData { data_url: format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)), mime })
}
