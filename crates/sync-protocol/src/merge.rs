//! The merge rule for shared records (customers, vehicles), used by the head
//! office when a push arrives and by a station when a pull arrives, so both
//! converge to the same values:
//!
//! - every field remembers the HLC of the edit that set it;
//! - an edit writes a field only if its HLC is greater than the field's;
//! - a delete is a tombstone with its own HLC; the record counts as deleted
//!   while that HLC is greater than every field's (a later edit revives it).
//!
//! Applying the same edits in any order, any number of times, gives the same
//! result (the merge is commutative, associative and idempotent).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::hlc::Hlc;

/// A shared record's merged state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedRecord {
    pub fields: Map<String, Value>,
    pub field_hlcs: BTreeMap<String, Hlc>,
    pub deleted_hlc: Option<Hlc>,
}

impl SharedRecord {
    /// Merges an edit: `fields` are the names it changed (`None`: all of
    /// `payload`'s). A named field missing from `payload` becomes `null`.
    /// Returns the fields whose value or HLC changed.
    pub fn apply_edit(&mut self, payload: &Map<String, Value>, fields: Option<&[String]>, hlc: &Hlc) -> Vec<String> {
        let names: Vec<String> = match fields {
            Some(f) => f.to_vec(),
            None => payload.keys().cloned().collect(),
        };
        let mut changed = Vec::new();
        for name in names {
            if self.field_hlcs.get(&name).is_some_and(|cur| cur >= hlc) {
                continue;
            }
            self.fields.insert(name.clone(), payload.get(&name).cloned().unwrap_or(Value::Null));
            self.field_hlcs.insert(name.clone(), hlc.clone());
            changed.push(name);
        }
        changed
    }

    /// Merges a delete. Returns whether the tombstone moved.
    pub fn apply_delete(&mut self, hlc: &Hlc) -> bool {
        if self.deleted_hlc.as_ref().is_some_and(|cur| cur >= hlc) {
            return false;
        }
        self.deleted_hlc = Some(hlc.clone());
        true
    }

    pub fn is_deleted(&self) -> bool {
        match &self.deleted_hlc {
            None => false,
            Some(d) => self.field_hlcs.values().all(|f| f < d),
        }
    }

    /// The greatest HLC in the record: feed it to the local clock's `receive`.
    pub fn max_hlc(&self) -> Option<&Hlc> {
        self.field_hlcs.values().chain(self.deleted_hlc.iter()).max()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn h(ms: u64, node: &str) -> Hlc {
        Hlc::from_parts(ms, 0, node).unwrap()
    }
    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn edits_to_different_fields_both_survive_and_order_does_not_matter() {
        let a = (obj(json!({"name": "王芳"})), h(10, "A"));
        let b = (obj(json!({"phone": "139"})), h(5, "B"));
        let mut one = SharedRecord::default();
        one.apply_edit(&a.0, None, &a.1);
        one.apply_edit(&b.0, None, &b.1);
        let mut two = SharedRecord::default();
        two.apply_edit(&b.0, None, &b.1);
        two.apply_edit(&a.0, None, &a.1);
        two.apply_edit(&a.0, None, &a.1);
        assert_eq!(one, two);
        assert_eq!(one.fields, obj(json!({"name": "王芳", "phone": "139"})));
    }

    #[test]
    fn the_greater_hlc_wins_a_field_and_changed_fields_limit_the_edit() {
        let mut r = SharedRecord::default();
        r.apply_edit(&obj(json!({"name": "new", "phone": "1"})), None, &h(20, "A"));
        let changed = r.apply_edit(&obj(json!({"name": "old", "phone": "2"})), Some(&["phone".into()]), &h(30, "B"));
        assert_eq!(changed, ["phone"]);
        let stale = r.apply_edit(&obj(json!({"name": "stale"})), None, &h(10, "C"));
        assert!(stale.is_empty());
        assert_eq!(r.fields, obj(json!({"name": "new", "phone": "2"})));
    }

    #[test]
    fn a_delete_wins_until_a_later_edit_revives_the_record() {
        let mut r = SharedRecord::default();
        r.apply_edit(&obj(json!({"name": "x"})), None, &h(10, "A"));
        r.apply_delete(&h(20, "B"));
        assert!(r.is_deleted());
        r.apply_edit(&obj(json!({"name": "y"})), None, &h(15, "A"));
        assert!(r.is_deleted(), "an edit older than the delete does not revive it");
        r.apply_edit(&obj(json!({"name": "z"})), None, &h(25, "A"));
        assert!(!r.is_deleted());
        assert_eq!(r.max_hlc(), Some(&h(25, "A")));
    }
}
