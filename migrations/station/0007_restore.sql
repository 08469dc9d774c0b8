-- Restoring a station from the head office (docs/sync.md, "Restore and
-- re-enrollment"): a reinstalled station pulls its own rows back.

-- The HLC of every own record written from the pull feed. Restored rows have
-- no outbox row (they are not local edits); this is how a later feed entry
-- for the same record is told newer or older than what the station holds.
CREATE TABLE sync_restored (
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    restored_at  TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
) WITHOUT ROWID;

-- Feed entries that could not be written yet: a row they point at has not
-- arrived (the feed is compacted, so a parent changed later comes after its
-- children), or an order's status waits for its event. Retried, in
-- foreign-key order, whenever a pull reaches the end of the feed.
CREATE TABLE sync_parked (
    scope      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    -- the feed entry as received (JSON)
    change     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    parked_at  TEXT NOT NULL,
    PRIMARY KEY (scope, entity, entity_id)
) WITHOUT ROWID;
