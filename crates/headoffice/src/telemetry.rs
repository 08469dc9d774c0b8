//! Structured logs: JSON lines on stdout, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

pub fn init_json_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // A second init (tests) is not an error worth failing for.
    let _ = tracing_subscriber::fmt().json().with_current_span(false).with_env_filter(filter).try_init();
}
