//! Push: the station sends its outbox, in order, in batches of contiguous
//! sequence numbers; the head office answers with the highest contiguous
//! sequence it holds. See `docs/sync.md` for the failure cases.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Upsert,
    Delete,
    /// An op this build does not know: the change is rejected, not the batch.
    #[serde(other)]
    Unknown,
}

/// One outbox row. `payload` is the record's full new state (for a delete,
/// at least its id). `hlc` is stamped by the station in the transaction that
/// wrote the row, never at push time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    /// The outbox row's own id: tells a resend from a different change that
    /// reuses a sequence number.
    pub id: Uuid,
    pub entity: String,
    pub entity_id: String,
    pub op: Op,
    pub payload: serde_json::Value,
    pub hlc: Hlc,
    /// For shared records: the fields this edit changed. `None` means every
    /// field in the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_fields: Option<Vec<String>>,
}

/// `POST /v1/push`, gzip-compressed JSON. `changes[i].seq` must be `first_seq + i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushBatch {
    pub protocol_version: u32,
    /// The station's database schema version (its last migration).
    pub schema_version: u32,
    /// Optional: if given, it must be the token's station, or the batch is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_code: Option<String>,
    pub first_seq: i64,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    /// Every change up to and including this sequence is stored (or rejected
    /// and listed under `/v1/rejections`): the station may mark them sent.
    pub acked_seq: i64,
    /// How many changes of this batch went to the rejection list.
    pub rejected: u32,
    /// The head office's clock, so a station can warn that its own is off.
    pub server_time_ms: u64,
}

/// A change the head office would not apply. It is acknowledged all the same
/// (a bad change never blocks the queue) and listed for both ends to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Increasing; pass the last one seen as `after` to page.
    pub id: i64,
    pub seq: i64,
    pub change_id: Uuid,
    pub entity: String,
    pub entity_id: String,
    /// One of [`rejection_codes`].
    pub code: String,
    pub message: String,
    /// Raised for suspected tampering (a signed document whose hash does not match).
    pub flagged: bool,
    /// RFC 3339.
    pub rejected_at: String,
}

/// `GET /v1/rejections?after=…`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectionsPage {
    pub rejections: Vec<Rejection>,
}

/// Why a single change was rejected.
pub mod rejection_codes {
    pub const UNKNOWN_ENTITY: &str = "change.unknown_entity";
    pub const UNKNOWN_OP: &str = "change.unknown_op";
    pub const MASTER_DATA: &str = "change.master_data";
    /// A record the head office writes for a station (a head-office note): stations cannot write it.
    pub const HEAD_OFFICE: &str = "change.head_office";
    pub const PAYLOAD_NOT_OBJECT: &str = "change.payload_not_object";
    pub const ID_MISMATCH: &str = "change.id_mismatch";
    pub const BAD_ENTITY_ID: &str = "change.bad_entity_id";
    pub const APPEND_ONLY: &str = "change.append_only";
    /// An edit of a shared record a station destroyed past retention.
    pub const DESTROYED: &str = "change.destroyed";
    pub const IMMUTABLE: &str = "signed.immutable";
    pub const HASH_MISMATCH: &str = "signed.hash_mismatch";
    pub const MISSING_HASH: &str = "signed.missing_hash";
    /// A customer or vehicle the station has no access to (it did not create it, and was not
    /// given it by a lookup or a merge), or a repair order of such a vehicle: never applied,
    /// and it grants no access.
    pub const NO_ACCESS: &str = "shared.no_access";
    /// A money amount (`*_minor`) or quantity (`*_milli`) that is not an integer within
    /// the limits a station enforces (`MAX_AMOUNT_MINOR`, `MAX_QUANTITY_MILLI`); flagged.
    pub const OUT_OF_RANGE: &str = "change.out_of_range";
}

/// The largest amount in minor units (fen) any one record may hold: an order's total
/// with tax, the station's `Money::MAX_ORDER` (100,000,000.00). With it, a sum over
/// every order a station could write in a century stays far below `i64::MAX`, so the
/// head office's KPI sums cannot overflow (docs/release.md, "Robustness").
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000;
/// The largest quantity in thousandths any one record may hold: a line's quantity and
/// a part on hand (1,000,000 units), as the station enforces them.
pub const MAX_QUANTITY_MILLI: i64 = 1_000_000_000;

/// The first amount or quantity field in `payload` (at any depth) that is not an
/// integer within the limits, as a path (`lines.2.amount_minor`).
pub fn out_of_range_field(payload: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn walk(v: &Value, path: &str) -> Option<String> {
        let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
        match v {
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                let limit = if k.ends_with("_minor") {
                    Some(MAX_AMOUNT_MINOR)
                } else if k.ends_with("_milli") {
                    Some(MAX_QUANTITY_MILLI)
                } else {
                    None
                };
                match (limit, v) {
                    (Some(_), Value::Null) => None,
                    (Some(max), Value::Number(n)) if n.as_i64().is_some_and(|x| x.unsigned_abs() <= max as u64) => None,
                    (Some(_), _) => Some(join(k)),
                    (None, _) => walk(v, &join(k)),
                }
            }),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| walk(v, &join(&i.to_string()))),
            _ => None,
        }
    }
    walk(payload, "")
}

#[cfg(test)]
mod range_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_amount_or_quantity_beyond_the_limits_or_not_an_integer_is_named_by_its_path() {
        assert_eq!(out_of_range_field(&json!({"amount_minor": MAX_AMOUNT_MINOR, "quantity_milli": -MAX_QUANTITY_MILLI, "discount_minor": null})), None);
        assert_eq!(out_of_range_field(&json!({"id": "l1", "amount_minor": MAX_AMOUNT_MINOR + 1})).as_deref(), Some("amount_minor"));
        assert_eq!(out_of_range_field(&json!({"lines": [{"unit_price_minor": 5}, {"quantity_milli": 1.5}]})).as_deref(), Some("lines.1.quantity_milli"));
        assert_eq!(out_of_range_field(&json!({"after": {"total_minor": "12"}})).as_deref(), Some("after.total_minor"));
        assert_eq!(out_of_range_field(&json!({"amount_minor": 9_223_372_036_854_775_807_i64})).as_deref(), Some("amount_minor"));
        assert_eq!(out_of_range_field(&json!({"name": "王芳", "minor": 1e300, "note_milli_x": "x"})), None, "only *_minor and *_milli keys are figures");
    }
}
