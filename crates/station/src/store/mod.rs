//! The station's persistence: the SQLite pool and migrations (`db`) and the sync
//! outbox every write appends to (`outbox`). Photos and other files are `crate::photos`.

pub mod db;
pub mod outbox;
