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
    /// The station's own records (`scope: station`) only: the HLC of the last
    /// change the head office applied to it. The station compares it with the
    /// HLCs of its own writes, so an echo of what it wrote never overwrites a
    /// newer local row, and a reinstalled station restores what it lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<Hlc>,
    /// Shared vehicles only: the vehicle's repair orders at *other* stations,
    /// newest first, as they stood when this entry was read. The vehicle comes
    /// again in the feed whenever one of them changes, so the list stays current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Visit>>,
}

/// A repair order of a shared vehicle at another station, for check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub ro_id: String,
    pub station_code: String,
    pub station_name: String,
    pub number: String,
    pub status: String,
    /// RFC 3339.
    pub checked_in_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odometer_km: Option<i64>,
    /// The customer's concerns, in their words.
    #[serde(default)]
    pub concerns: Vec<String>,
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
