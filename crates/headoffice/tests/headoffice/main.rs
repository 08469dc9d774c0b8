//! The head office against a real PostgreSQL, a real server and a real HTTP client.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod clock_skew;
mod complaints;
mod destructions;
mod enrollment;
mod files;
mod isolation;
mod malformed;
mod pull;
mod push;
mod server;
mod shared_access;
mod signed;
mod versions;
