//! The station's persistence: the SQLite pool and migrations (`db`) and the sync
//! outbox every write appends to (`outbox`), and the background checkpoint of
//! SQLite's write-ahead log (`checkpoint`). Photos and other files are `crate::photos`.

pub(crate) mod checkpoint;
pub mod db;
pub mod outbox;
