//! The head office's PostgreSQL store. Queries are static SQL with bound
//! parameters; batches go through `UNNEST` of arrays, one statement per kind.

pub mod changelog;
pub mod complaints;
pub mod destructions;
pub mod feed;
pub mod files;
pub mod kpis;
pub mod lookup;
pub mod master;
pub mod merges;
pub mod push;
pub mod recalls;
pub mod stations;

/// Whether a database error is worth retrying the whole transaction for.
pub(crate) fn is_retryable(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "40P01" || c == "40001")
}
