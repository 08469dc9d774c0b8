//! The head office: stations push their outbox here and pull master data, their
//! own rows and the shared customers and vehicles they have touched.
//!
//! `Application::build(config)` gives a server bound to its port (0 in tests);
//! `main.rs` only wires the command line to this library. The protocol types
//! come from `sync-protocol`; the rules are in `docs/sync.md`.

pub mod admin;
pub mod auth;
pub mod categories;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub mod faults;
pub mod master_rows;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;

/// The embedded migrations (`migrations/headoffice`), run at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/headoffice");
