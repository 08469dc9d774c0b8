//! `station-sync DATA_DIR`: opens the station in DATA_DIR and runs sync passes
//! with its head office until one succeeds (exit 0) or fails for a reason
//! retrying cannot fix (exit 1: update required, token revoked, not enrolled).
//! A headless way to sync a station; the sync tests also kill it with SIGKILL
//! mid-push and mid-pull. `STATION_SYNC_BATCH` and `STATION_SYNC_PAGE` set
//! smaller batches and pages.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use station::sync::{self, WorkerOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: station-sync DATA_DIR");
        return ExitCode::from(2);
    };
    if let Some(n) = std::env::var("STATION_SYNC_BATCH").ok().and_then(|v| v.parse().ok()) {
        sync::push::set_batch_changes(n);
    }
    if let Some(n) = std::env::var("STATION_SYNC_PAGE").ok().and_then(|v| v.parse().ok()) {
        sync::pull::set_page_limit(n);
    }
    let options = WorkerOptions { enabled: false, ..Default::default() };
    let station = match station::Station::open_with(std::path::Path::new(&dir), Arc::new(chrono::Utc::now), options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open the station: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failures = 0;
    loop {
        match sync::sync_once(&station).await {
            Ok(r) => {
                println!("synced: {} batches, acked {}, {} pages pulled", r.push.batches, r.push.acked_seq, r.pull.pages);
                return ExitCode::SUCCESS;
            }
            Err(e) if e.is_retryable() && !e.update_required() && !e.needs_enrollment() => {
                failures += 1;
                eprintln!("sync failed ({}), retrying: {e}", e.code());
                tokio::time::sleep(sync::worker::backoff(failures, Duration::from_millis(500), Duration::from_secs(30))).await;
            }
            Err(e) => {
                eprintln!("sync failed ({}): {e}", e.code());
                return ExitCode::FAILURE;
            }
        }
    }
}
