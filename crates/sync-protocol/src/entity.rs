//! Which entities sync, and the conflict rule each one follows. A station
//! pushing an entity that is not listed here gets a rejection (it never blocks
//! its queue), so a new synced table at the station needs a line here.
//!
//! Adding an entity, or a kind, is not a protocol change (no version bump):
//! the kind never travels, `entity` is free text on the wire, and a station
//! skips a feed entry of an entity it does not know. What an older station
//! skips it does not get later (its cursor has moved on), so a new entity the
//! head office writes for stations reaches only the stations updated before
//! it is written (docs/sync.md, "Versions").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Written by one station only: the head office keeps its latest state.
    Owned,
    /// Customers and vehicles: any station may edit them; merged per field,
    /// last writer wins by HLC.
    Shared,
    /// Inserted once; a second, different payload for the same id is rejected.
    AppendOnly,
    /// Signed documents: immutable, and their hash is checked on receipt.
    Signed,
    /// Master data written by the head office only; stations receive it.
    Master,
    /// Written by the head office for ONE station (a head-office note on one of
    /// its complaints): that station receives it in its feed (`scope: station`)
    /// and never pushes it; the other stations never see it.
    HeadOffice,
}

/// Where a record in the pull feed comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Head-office master data, the same for every station.
    Global,
    /// The receiving station's own rows (to restore a reinstalled station), and
    /// the records the head office wrote for it alone ([`EntityKind::HeadOffice`]).
    Station,
    /// A shared customer or vehicle the station has touched.
    Shared,
}

/// The synced entities, by name, with their rule and the payload field that
/// must equal the change's `entity_id` (`None`: the payload has no id field).
pub const ENTITIES: &[(&str, EntityKind, Option<&str>)] = &[
    // a station's own records
    ("station", EntityKind::Owned, Some("id")),
    ("station_settings", EntityKind::Owned, None),
    ("staff", EntityKind::Owned, Some("id")),
    ("file", EntityKind::Owned, Some("sha256")),
    ("repair_order", EntityKind::Owned, Some("id")),
    ("ro_job", EntityKind::Owned, Some("id")),
    ("ro_line", EntityKind::Owned, Some("id")),
    ("ro_finding", EntityKind::Owned, Some("id")),
    ("ro_inspection", EntityKind::Owned, Some("id")),
    ("qc_item", EntityKind::Owned, Some("id")),
    ("part", EntityKind::Owned, Some("id")),
    ("labor_operation", EntityKind::Owned, Some("id")),
    // A time-clock entry is written when the clock starts and again when it
    // stops, by one station: single-writer, not insert-once.
    ("time_clock", EntityKind::Owned, Some("id")),
    // after-sales: a follow-up's and a complaint's state, a station's own
    // categories, its time-limit policies (by kind) and every clock's reading
    ("follow_up", EntityKind::Owned, Some("id")),
    ("complaint", EntityKind::Owned, Some("id")),
    ("complaint_category", EntityKind::Owned, Some("id")),
    ("time_limit_policy", EntityKind::Owned, Some("kind")),
    ("item_clock", EntityKind::Owned, Some("id")),
    ("service_request", EntityKind::Owned, Some("id")),
    // shared across stations
    ("customer", EntityKind::Shared, Some("id")),
    ("vehicle", EntityKind::Shared, Some("id")),
    // append-only
    ("ro_status_event", EntityKind::AppendOnly, Some("id")),
    ("ro_payment", EntityKind::AppendOnly, Some("id")),
    ("odometer_reading", EntityKind::AppendOnly, Some("id")),
    ("audit_log", EntityKind::AppendOnly, Some("id")),
    ("survey", EntityKind::AppendOnly, Some("id")),
    ("follow_up_event", EntityKind::AppendOnly, Some("id")),
    ("complaint_event", EntityKind::AppendOnly, Some("id")),
    ("complaint_compensation", EntityKind::AppendOnly, Some("id")),
    ("service_request_event", EntityKind::AppendOnly, Some("id")),
    // a working-calendar version (a new one per edit; clocks name the one they run on)
    ("calendar", EntityKind::AppendOnly, Some("id")),
    // a printed document kept in the order's archive (the PDF itself is a `file`)
    ("ro_document", EntityKind::AppendOnly, Some("id")),
    // a recall campaign performed on an order: the head office counts completion from it
    ("ro_recall", EntityKind::AppendOnly, Some("id")),
    // who opened which customer, order or document, and why (issue 12): ids only
    ("access_entry", EntityKind::AppendOnly, Some("id")),
    // a destruction past retention: the head office erases and patches its copies by it (docs/sync.md)
    ("destruction", EntityKind::AppendOnly, Some("id")),
    // signed documents
    ("authorization", EntityKind::Signed, Some("id")),
    ("ro_authorization", EntityKind::Signed, Some("id")),
    // head-office master data (pull only)
    ("labor_catalog", EntityKind::Master, Some("code")),
    ("parts_catalog", EntityKind::Master, Some("part_no")),
    ("recall_campaign", EntityKind::Master, Some("campaign_id")),
    ("setting", EntityKind::Master, Some("key")),
    // written by the head office for one station (pull only)
    ("ho_complaint_note", EntityKind::HeadOffice, Some("id")),
];

/// The rule for `entity`, or `None` for an entity this protocol does not know.
pub fn kind_of(entity: &str) -> Option<EntityKind> {
    ENTITIES.iter().find(|(name, _, _)| *name == entity).map(|(_, k, _)| *k)
}

/// The payload field that must hold the change's `entity_id`, if any.
pub fn id_field_of(entity: &str) -> Option<&'static str> {
    ENTITIES.iter().find(|(name, _, _)| *name == entity).and_then(|(_, _, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_are_unique() {
        let mut names: Vec<_> = ENTITIES.iter().map(|(n, _, _)| *n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ENTITIES.len());
    }

    #[test]
    fn customers_and_vehicles_are_the_shared_records() {
        let shared: Vec<_> = ENTITIES.iter().filter(|(_, k, _)| *k == EntityKind::Shared).map(|(n, _, _)| *n).collect();
        assert_eq!(shared, ["customer", "vehicle"]);
        assert_eq!(kind_of("nonsense"), None);
    }

    #[test]
    fn a_head_office_note_on_a_complaint_is_written_by_the_head_office_for_one_station() {
        assert_eq!(kind_of("ho_complaint_note"), Some(EntityKind::HeadOffice));
        assert_eq!(id_field_of("ho_complaint_note"), Some("id"));
    }
}
