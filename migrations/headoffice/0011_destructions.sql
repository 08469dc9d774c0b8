-- Destruction past retention (issue 12; docs/sync.md, "Destruction").
-- A station's `destruction` record erases and patches the head office's copies
-- when it first arrives (`store/destructions.rs`). A customer it anonymised is
-- listed here: later edits of it from any station are refused, so no older
-- state comes back through a push, and the feed keeps the anonymised fields.
CREATE TABLE destroyed_shared (
    entity          text NOT NULL,
    entity_id       text NOT NULL,
    station_id      uuid NOT NULL,
    destruction_id  text NOT NULL,
    destroyed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id)
);
