//! Pull: `GET /v1/changes?cursor=…&limit=…`. The feed holds master data, the
//! station's own rows and the shared records it has touched, each record once,
//! at the position of its latest change. The station applies a page and stores
//! `next_cursor` in one transaction; the cursor is opaque.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::entity::Scope;
use crate::hlc::Hlc;
use crate::push::Op;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedChange {
    pub scope: Scope,
    pub entity: String,
    pub entity_id: String,
    /// `Delete`: a tombstone; `payload` is the last state known.
    pub op: Op,
    /// The record's current state at the head office (for shared records, the merge).
    pub payload: serde_json::Value,
    /// Shared records only: the HLC of each field. The station feeds each one
    /// to its clock's `receive` and merges with [`crate::merge`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_hlcs: Option<BTreeMap<String, Hlc>>,
    /// Shared records only: the delete's HLC, if it was ever deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_hlc: Option<Hlc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesPage {
    pub changes: Vec<FeedChange>,
    /// Pass back as `cursor` for the next page (also when `has_more` is false:
    /// it is where to resume later).
    pub next_cursor: String,
    pub has_more: bool,
    pub server_time_ms: u64,
}
