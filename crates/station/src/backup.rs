//! Encrypted local backups (issue 12, docs/privacy.md "Backups"). Once a day
//! by the station's own clock, a background task copies the database with
//! `VACUUM INTO`, packs it with the stored files into a ZIP and encrypts that
//! with `age` to the manager's x25519 public key, into `backups/` in the data
//! folder; the newest `keep` backups stay, older ones are deleted.
//!
//! Why a public key and not a passphrase: the daily backup runs with nobody at
//! the desk, so whatever encrypts must be on the station. A passphrase kept
//! there would open every backup; a public key opens none. The secret key is
//! shown once when a manager sets backups up and is never stored here;
//! `stationdesk restore-backup FILE --key KEYFILE` needs it.
//!
//! The plaintext copy that `VACUUM INTO` makes lives in the data folder (where
//! the live database already is) only while the backup is written.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use age::secrecy::ExposeSecret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::ops::NoInput;
use crate::station::{new_id, ts, Station};

/// The backups' folder in the data directory (the pre-migration copies of `store::db` live there too).
pub const BACKUP_DIR: &str = "backups";
const PREFIX: &str = "stationdesk-";
const SUFFIX: &str = ".backup.age";
/// The folders of stored files a backup carries beside the database.
const FILE_DIRS: [&str; 2] = ["files", "thumbs"];
const DB_ENTRY: &str = "station.sqlite";

#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupFile {
    pub name: String,
    #[ts(type = "number")]
    pub size: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupStatus {
    /// Whether a key is set up; without one no backup is made.
    pub configured: bool,
    /// The manager's public key (age1…); backups are encrypted to it.
    pub recipient: Option<String>,
    pub key_set_at: Option<String>,
    /// How many backups are kept.
    #[ts(type = "number")]
    pub keep: i64,
    pub last_backup_at: Option<String>,
    pub last_backup_file: Option<String>,
    #[ts(type = "number | null")]
    pub last_backup_size: Option<i64>,
    /// The last failure, if it came after the last success.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Whether today's backup is still to be made (the background task makes it).
    pub due: bool,
    /// The backups on disk, newest first.
    pub backups: Vec<BackupFile>,
    /// Where they are.
    pub folder: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetBackupKey {
    /// An age public key (age1…) the manager made elsewhere; left out, the
    /// station makes a key pair and returns the secret key once.
    #[serde(default)]
    #[ts(optional)]
    pub recipient: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupKey {
    pub recipient: String,
    /// The secret key (AGE-SECRET-KEY-1…) when the station made the pair: shown
    /// this once, to be kept away from this computer. None for a pasted public key.
    pub secret_key: Option<String>,
    pub status: BackupStatus,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct BackupSettingsInput {
    #[ts(type = "number")]
    pub keep: i64,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    recipient: Option<String>,
    key_set_at: Option<String>,
    keep: i64,
    last_backup_at: Option<String>,
    last_backup_file: Option<String>,
    last_backup_size: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<String>,
}

async fn settings(station: &Station) -> Result<SettingsRow> {
    Ok(sqlx::query_as(
        "SELECT recipient, key_set_at, keep, last_backup_at, last_backup_file, last_backup_size, last_error, last_error_at FROM backup_settings WHERE id = 1",
    )
    .fetch_one(station.pool())
    .await?)
}

pub fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUP_DIR)
}

/// This module's backups in `dir`, newest first (names sort by time).
pub fn list_backups(dir: &Path) -> Vec<BackupFile> {
    let mut out: Vec<BackupFile> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            (name.starts_with(PREFIX) && name.ends_with(SUFFIX)).then(|| BackupFile { size: e.metadata().map(|m| m.len() as i64).unwrap_or(0), name })
        })
        .collect();
    out.sort_by(|a, b| b.name.cmp(&a.name));
    out
}

/// Whether a backup is due: none yet, or none on the station's calendar day of `now`.
pub fn due(last: Option<DateTime<Utc>>, now: DateTime<Utc>, station: &crate::station::StationRow) -> bool {
    last.is_none_or(|l| station.local_date(l) < station.local_date(now))
}

fn parse_at(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

async fn status(station: &Station) -> Result<BackupStatus> {
    let s = settings(station).await?;
    let info = station.require_info().await?;
    let dir = backup_dir(station.data_dir());
    let failed_since = s.last_error_at.is_some() && s.last_error_at > s.last_backup_at;
    Ok(BackupStatus {
        configured: s.recipient.is_some(),
        due: s.recipient.is_some() && due(parse_at(&s.last_backup_at), station.now(), &info),
        recipient: s.recipient,
        key_set_at: s.key_set_at,
        keep: s.keep,
        last_backup_at: s.last_backup_at,
        last_backup_file: s.last_backup_file,
        last_backup_size: s.last_backup_size,
        last_error: s.last_error.filter(|_| failed_since),
        last_error_at: s.last_error_at.filter(|_| failed_since),
        backups: list_backups(&dir),
        folder: dir.display().to_string(),
    })
}

pub async fn backup_status(station: &Station, caller: &Caller, _input: NoInput) -> Result<BackupStatus> {
    caller.require(Permission::ConfigureStation)?;
    status(station).await
}

pub async fn set_backup_key(station: &Station, caller: &Caller, input: SetBackupKey) -> Result<BackupKey> {
    let me = caller.require(Permission::ConfigureStation)?;
    let pasted = input.recipient.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let (recipient, secret_key) = match pasted {
        Some(r) => {
            let parsed = age::x25519::Recipient::from_str(r)
                .map_err(|_| ApiError::field("recipient", Invalid::new("backup.bad_recipient", "an age public key starts with age1")))?;
            (parsed.to_string(), None)
        }
        None => {
            let identity = age::x25519::Identity::generate();
            (identity.to_public().to_string(), Some(identity.to_string().expose_secret().to_string()))
        }
    };
    sqlx::query("UPDATE backup_settings SET recipient = ?, key_set_at = ?, key_set_by = ? WHERE id = 1")
        .bind(&recipient)
        .bind(ts(station.now()))
        .bind(&me.id)
        .execute(station.pool())
        .await?;
    Ok(BackupKey { recipient, secret_key, status: status(station).await? })
}

pub async fn update_backup_settings(station: &Station, caller: &Caller, input: BackupSettingsInput) -> Result<BackupStatus> {
    caller.require(Permission::ConfigureStation)?;
    if !(1..=365).contains(&input.keep) {
        return Err(ApiError::field("keep", Invalid::new("backup.keep_range", "keep between 1 and 365 backups")));
    }
    sqlx::query("UPDATE backup_settings SET keep = ? WHERE id = 1").bind(input.keep).execute(station.pool()).await?;
    rotate(&backup_dir(station.data_dir()), input.keep)?;
    status(station).await
}

/// A manager makes a backup now (before an update, say); the answer says how it went.
pub async fn run_backup_now(station: &Station, caller: &Caller, _input: NoInput) -> Result<BackupStatus> {
    caller.require(Permission::ConfigureStation)?;
    run_backup(station).await?;
    status(station).await
}

/// Makes today's backup if it is due and a key is set; what the background task calls.
pub async fn run_if_due(station: &Station) -> Result<Option<BackupFile>> {
    let s = settings(station).await?;
    let Some(info) = station.info().await? else { return Ok(None) };
    if s.recipient.is_none() || !due(parse_at(&s.last_backup_at), station.now(), &info) {
        return Ok(None);
    }
    run_backup(station).await.map(Some)
}

/// Makes one backup, rotates, and records the result (a failure too) in `backup_settings`.
pub async fn run_backup(station: &Station) -> Result<BackupFile> {
    let now = station.now();
    let result = make_backup(station, now).await;
    match &result {
        Ok(file) => {
            sqlx::query("UPDATE backup_settings SET last_backup_at = ?, last_backup_file = ?, last_backup_size = ? WHERE id = 1")
                .bind(ts(now))
                .bind(&file.name)
                .bind(file.size)
                .execute(station.pool())
                .await?;
        }
        Err(e) => {
            tracing::warn!(error = %e.message, "backup failed");
            sqlx::query("UPDATE backup_settings SET last_error = ?, last_error_at = ? WHERE id = 1")
                .bind(&e.message)
                .bind(ts(now))
                .execute(station.pool())
                .await?;
        }
    }
    result
}

async fn make_backup(station: &Station, now: DateTime<Utc>) -> Result<BackupFile> {
    let s = settings(station).await?;
    let recipient = s.recipient.ok_or_else(|| ApiError::invalid("backup.no_key", "set up the backup key first"))?;
    let recipient = age::x25519::Recipient::from_str(&recipient).map_err(|_| ApiError::internal("the stored backup key does not parse"))?;
    let data_dir = station.data_dir().to_path_buf();
    let dir = backup_dir(&data_dir);
    fs::create_dir_all(&dir).map_err(io_error("create the backup folder"))?;
    let snapshot = data_dir.join(format!(".backup-{}.sqlite", new_id()));
    sqlx::query("VACUUM INTO ?").bind(snapshot.to_string_lossy().to_string()).execute(station.pool()).await?;
    let name = format!("{PREFIX}{}{SUFFIX}", now.format("%Y%m%dT%H%M%S%3fZ"));
    let target = dir.join(&name);
    let keep = s.keep;
    let written = tokio::task::spawn_blocking({
        let (snapshot, target) = (snapshot.clone(), target.clone());
        move || write_archive(&data_dir, &snapshot, &target, &recipient)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()));
    let _ = fs::remove_file(&snapshot);
    let size = written??;
    rotate(&dir, keep)?;
    tracing::info!(backup = %target.display(), size, "backed up the station");
    Ok(BackupFile { name, size: size as i64 })
}

fn io_error(what: &'static str) -> impl Fn(io::Error) -> ApiError {
    move |e| ApiError::internal(format!("cannot {what}: {e}"))
}

fn zip_error(e: zip::result::ZipError) -> ApiError {
    ApiError::internal(format!("cannot write the backup archive: {e}"))
}

/// Streams the snapshot and the stored files through ZIP and age into
/// `target` (via a `.partial` file, so a half-written backup never has a backup's name).
fn write_archive(data_dir: &Path, snapshot: &Path, target: &Path, recipient: &age::x25519::Recipient) -> Result<u64> {
    let partial = target.with_extension("partial");
    let result = (|| {
        let out = BufWriter::new(File::create(&partial).map_err(io_error("create the backup file"))?);
        let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| ApiError::internal(format!("cannot encrypt: {e}")))?;
        let encrypted = encryptor.wrap_output(out).map_err(io_error("encrypt the backup"))?;
        let mut zip = zip::ZipWriter::new_stream(encrypted);
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).large_file(true);
        zip.start_file(DB_ENTRY, deflated).map_err(zip_error)?;
        io::copy(&mut File::open(snapshot).map_err(io_error("read the database copy"))?, &mut zip).map_err(io_error("write the backup"))?;
        // Photos and PDFs are compressed already.
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
        for folder in FILE_DIRS {
            for path in walk(&data_dir.join(folder)) {
                let Ok(rel) = path.strip_prefix(data_dir) else { continue };
                let entry = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                zip.start_file(entry, stored).map_err(zip_error)?;
                io::copy(&mut File::open(&path).map_err(io_error("read a stored file"))?, &mut zip).map_err(io_error("write the backup"))?;
            }
        }
        let encrypted = zip.finish().map_err(zip_error)?.into_inner();
        let mut out = encrypted.finish().map_err(io_error("finish the encryption"))?;
        out.flush().map_err(io_error("write the backup"))?;
        out.get_ref().sync_all().map_err(io_error("write the backup"))?;
        fs::rename(&partial, target).map_err(io_error("name the backup"))?;
        Ok(fs::metadata(target).map(|m| m.len()).unwrap_or(0))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Every file under `dir`, in a stable order; none when it does not exist.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// Deletes all but the newest `keep` backups; returns the names deleted.
pub fn rotate(dir: &Path, keep: i64) -> Result<Vec<String>> {
    let mut deleted = Vec::new();
    for old in list_backups(dir).into_iter().skip(keep.max(1) as usize) {
        fs::remove_file(dir.join(&old.name)).map_err(io_error("delete an old backup"))?;
        deleted.push(old.name);
    }
    Ok(deleted)
}

/// What `restore_backup` put back.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// Stored files (photos, PDFs, signatures, thumbnails) restored.
    pub files: usize,
    /// Where the data that was replaced now is.
    pub replaced_moved_to: Option<PathBuf>,
}

/// The secret keys in a key file: `AGE-SECRET-KEY-1…` lines; `#` comments and blank lines skipped.
fn identities(key_text: &str) -> Result<Vec<age::x25519::Identity>> {
    let lines = key_text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    let keys: Vec<age::x25519::Identity> = lines.filter_map(|l| age::x25519::Identity::from_str(l).ok()).collect();
    if keys.is_empty() {
        return Err(ApiError::invalid("backup.bad_key", "the key file holds no backup secret key (a line starting AGE-SECRET-KEY-1)").with_field("key"));
    }
    Ok(keys)
}

/// Restores backup `file` into `data_dir` with the secret key in `key_text`.
/// The station must not be running. The database and stored files it
/// replaces are moved to `before-restore-<time>/` in the data folder, for the
/// manager to delete once the restore is checked. Nothing is touched until the
/// backup has decrypted and unpacked in full.
pub fn restore_backup(data_dir: &Path, file: &Path, key_text: &str, now: DateTime<Utc>) -> Result<RestoreReport> {
    let keys = identities(key_text)?;
    let input = File::open(file).map_err(|e| ApiError::invalid("backup.unreadable", format!("cannot open {}: {e}", file.display())).with_field("file"))?;
    let not_a_backup = || ApiError::invalid("backup.not_a_backup", format!("{} is not a StationDesk backup", file.display())).with_field("file");
    let decryptor = age::Decryptor::new_buffered(BufReader::new(input)).map_err(|_| not_a_backup())?;
    let mut plain = decryptor.decrypt(keys.iter().map(|k| k as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => {
            ApiError::invalid("backup.wrong_key", "this backup was encrypted to another key: use the secret key that was set up when the backup was made")
                .with_field("key")
        }
        _ => not_a_backup(),
    })?;
    fs::create_dir_all(data_dir).map_err(io_error("create the data folder"))?;
    let work = data_dir.join(format!(".restore-{}", new_id()));
    let result = unpack(&mut plain, &work).and_then(|files| {
        if !work.join(DB_ENTRY).is_file() {
            return Err(not_a_backup());
        }
        swap_in(data_dir, &work, now).map(|moved| RestoreReport { files, replaced_moved_to: moved })
    });
    let _ = fs::remove_dir_all(&work);
    result
}

/// `stationdesk restore-backup FILE --key KEYFILE`: the command's whole work,
/// on the wall clock (it names the folder the replaced data is moved to).
pub fn restore_backup_command(data_dir: &Path, file: &Path, key_file: &Path) -> Result<RestoreReport> {
    let key_text = fs::read_to_string(key_file)
        .map_err(|e| ApiError::invalid("backup.key_unreadable", format!("cannot read the key file {}: {e}", key_file.display())).with_field("key"))?;
    restore_backup(data_dir, file, &key_text, Utc::now())
}

/// Unpacks the decrypted ZIP into `work`: its bytes go to a file first, since a ZIP is read from its end.
fn unpack(plain: &mut impl Read, work: &Path) -> Result<usize> {
    fs::create_dir_all(work).map_err(io_error("create the restore folder"))?;
    let zip_path = work.join("backup.zip");
    {
        let mut out = BufWriter::new(File::create(&zip_path).map_err(io_error("unpack the backup"))?);
        io::copy(plain, &mut out).map_err(|e| ApiError::invalid("backup.damaged", format!("the backup does not decrypt in full: {e}")).with_field("file"))?;
        out.flush().map_err(io_error("unpack the backup"))?;
    }
    let mut archive = zip::ZipArchive::new(File::open(&zip_path).map_err(io_error("unpack the backup"))?)
        .map_err(|e| ApiError::invalid("backup.damaged", format!("the backup's archive is damaged: {e}")).with_field("file"))?;
    let mut files = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| ApiError::invalid("backup.damaged", e.to_string()).with_field("file"))?;
        // Only names inside the data folder, and only the database and the file folders.
        let Some(rel) = entry.enclosed_name() else { continue };
        let top = rel.components().next().map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default();
        if entry.is_dir() || !(rel == Path::new(DB_ENTRY) || FILE_DIRS.contains(&top.as_str())) {
            continue;
        }
        let dest = work.join("data").join(&rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(io_error("unpack the backup"))?;
        }
        let mut out = File::create(&dest).map_err(io_error("unpack the backup"))?;
        io::copy(&mut entry, &mut out).map_err(|e| ApiError::invalid("backup.damaged", e.to_string()).with_field("file"))?;
        if rel != Path::new(DB_ENTRY) {
            files += 1;
        }
    }
    fs::remove_file(&zip_path).map_err(io_error("unpack the backup"))?;
    // The database sits at the top of `work` once unpacked, for the caller's check.
    let db = work.join("data").join(DB_ENTRY);
    if db.is_file() {
        fs::rename(&db, work.join(DB_ENTRY)).map_err(io_error("unpack the backup"))?;
    }
    Ok(files)
}

/// Moves the current database and file folders aside and the unpacked ones in.
fn swap_in(data_dir: &Path, work: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
    let aside = data_dir.join(format!("before-restore-{}", now.format("%Y%m%dT%H%M%SZ")));
    let db = crate::store::db::db_path(data_dir);
    let db_name = db.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| DB_ENTRY.to_string());
    let mut current: Vec<String> = vec![db_name.clone(), format!("{db_name}-wal"), format!("{db_name}-shm")];
    current.extend(FILE_DIRS.iter().map(|d| d.to_string()));
    let mut moved = false;
    for name in &current {
        let from = data_dir.join(name);
        if from.exists() {
            fs::create_dir_all(&aside).map_err(io_error("move the current data aside"))?;
            fs::rename(&from, aside.join(name)).map_err(io_error("move the current data aside"))?;
            moved = true;
        }
    }
    fs::rename(work.join(DB_ENTRY), &db).map_err(io_error("put the restored database in place"))?;
    for folder in FILE_DIRS {
        let from = work.join("data").join(folder);
        if from.exists() {
            fs::rename(&from, data_dir.join(folder)).map_err(io_error("put the restored files in place"))?;
        }
    }
    Ok(moved.then_some(aside))
}

/// The background task: checks every `every` whether today's backup is due,
/// on the station's clock, while the station is open. Started by `Station::open_with`.
pub(crate) fn start(station: Station, every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if station.sync_shared().stopped() {
                break;
            }
            if let Err(e) = run_if_due(&station).await {
                tracing::debug!(error = %e.message, "no backup this time");
            }
        }
    });
}
