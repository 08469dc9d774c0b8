//! StationDesk's station: the domain, the SQLite store and the one list of
//! operations that both transports (Tauri IPC and HTTP JSON) forward to.
//! Nothing here knows about Tauri.
//!
//! Where things are: `check_in.rs` checks a vehicle in, `customers.rs` and
//! `vehicles.rs` keep the archives, `duplicates.rs` warns of a second copy of
//! one and `merge.rs` folds two customers into one, `search.rs` finds them, `board.rs` is
//! today's board, `auth/` is staff, PINs, sessions and roles, `store/` is the
//! database, outbox and files, `printing.rs` prints signed documents (PDF,
//! archive, CUPS), `ops.rs` is the operation list, `http.rs` the HTTP transport. `workflow/` is an order's life after check-in: the state
//! machine, jobs, lines and money, authorizations, parts inventory, the job
//! clock, the quality check, delivery and the audit log. `sync/` is the
//! client of the head office: the clock, push, pull, the background worker.
//! `aftersales/` is the loop after delivery: follow-up calls and surveys, the
//! complaint ledger, and the time limits every open item counts down.
//! `kpis/` is the manager's KPI dashboard: the `kpi` crate's figures read
//! from SQLite, with a trend, breakdowns, drill-down and exports.
//! `privacy/` masks contact details on screen, shows the whole number on
//! request, and keeps the access register of who opened what.
//! `consent.rs` keeps the consent texts and decides who may be contacted,
//! `export.rs` exports a customer's whole archive, `backup.rs` makes and
//! restores the encrypted daily backups.
//! `retention/` is how long records are kept and the destruction runs.

pub mod aftersales;
pub mod auth;
pub mod backup;
pub mod board;
pub mod check_in;
pub mod consent;
pub mod customers;
pub mod demo;
pub mod domain;
pub mod duplicates;
pub mod error;
pub mod export;
pub mod http;
pub mod kpis;
pub mod merge;
pub mod ops;
pub mod photos;
pub mod printing;
pub mod privacy;
pub mod repair_orders;
pub mod retention;
pub mod search;
pub mod station;
pub mod store;
pub mod sync;
pub mod tls;
pub mod vehicle_history;
pub mod vehicles;
pub mod workflow;

pub use error::{ApiError, ErrorKind};

/// This build's version: the workspace's one version (docs/release.md, "Versions"),
/// shown in Settings and sent to the head office in the sync client's User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use station::{default_data_dir, Clock, Station};
