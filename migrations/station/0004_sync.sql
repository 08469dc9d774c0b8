-- Sync with a head office (issue 5; docs/sync.md, "At the station").

-- Every outbox row carries the hybrid logical clock stamped in the transaction
-- that wrote it, and, for customers and vehicles, the fields the edit changed
-- (a JSON array; NULL = every field of the payload).
ALTER TABLE outbox ADD COLUMN hlc TEXT;
ALTER TABLE outbox ADD COLUMN changed_fields TEXT;
-- Rows written before this migration: their write time, the row's seq as the
-- counter (unique and in outbox order), the station's id as the node. The
-- clock starts after the greatest of them (`sync::clock`).
UPDATE outbox SET hlc = printf('%015d-%010d-%s',
    CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), seq, station_id)
WHERE hlc IS NULL;
-- Pending local edits of one shared record are re-applied over what a pull brings.
CREATE INDEX outbox_entity ON outbox(entity, entity_id);

-- The station's one sync row. The clock is saved here on every tick and every
-- receive. The token is the station's credential for the head office: it is
-- kept as issued because the station must present it on every request (a hash
-- could not be sent); it is never logged nor returned by any operation.
CREATE TABLE sync_state (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    clock                TEXT,
    head_office_url      TEXT,
    token                TEXT,
    ho_station_id        TEXT,
    ho_station_code      TEXT,
    ho_station_name      TEXT,
    enrolled_at          TEXT,
    -- The outbox is acknowledged up to here under the current token (its push stream).
    acked_seq            INTEGER NOT NULL DEFAULT 0,
    -- The pull feed's opaque cursor; NULL = from the start.
    cursor               TEXT,
    last_push_at         TEXT,
    last_pull_at         TEXT,
    last_success_at      TEXT,
    last_attempt_at      TEXT,
    last_error_code      TEXT,
    last_error           TEXT,
    last_error_at        TEXT,
    -- The head office said "update required" to this protocol version: no automatic retries.
    update_required      INTEGER NOT NULL DEFAULT 0,
    update_required_for  INTEGER,
    -- The token was revoked or the push stream no longer matches: enroll again.
    needs_enrollment     INTEGER NOT NULL DEFAULT 0,
    -- Head-office time minus station time at the last answer, to warn of a wrong clock.
    clock_offset_ms      INTEGER,
    last_rejection_id    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (id) VALUES (1);

-- Changes the head office would not apply (acknowledged all the same), as it listed them.
CREATE TABLE sync_rejections (
    id           INTEGER PRIMARY KEY,
    seq          INTEGER NOT NULL,
    change_id    TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    code         TEXT NOT NULL,
    message      TEXT NOT NULL,
    flagged      INTEGER NOT NULL DEFAULT 0,
    rejected_at  TEXT NOT NULL
);

-- Master data pulled from the head office. The payload keeps every column the
-- head office sent; the typed columns are what the station queries.
CREATE TABLE ho_labor_catalog (
    code                  TEXT PRIMARY KEY,
    description           TEXT NOT NULL,
    standard_hours_milli  INTEGER NOT NULL,
    rate_minor            INTEGER NOT NULL,
    payload               TEXT NOT NULL,
    deleted               INTEGER NOT NULL DEFAULT 0,
    updated_at            TEXT NOT NULL
);

CREATE TABLE ho_parts_catalog (
    part_no           TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    unit_price_minor  INTEGER NOT NULL,
    payload           TEXT NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT NOT NULL
);

-- A campaign is open while the head office lists it (a deleted one is closed).
CREATE TABLE ho_recall_campaigns (
    campaign_id  TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    payload      TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL
);
CREATE TABLE ho_recall_vins (
    vin          TEXT NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES ho_recall_campaigns(campaign_id) ON DELETE CASCADE,
    PRIMARY KEY (vin, campaign_id)
) WITHOUT ROWID;
-- Inclusive ranges; VINs compare as text.
CREATE TABLE ho_recall_ranges (
    campaign_id  TEXT NOT NULL REFERENCES ho_recall_campaigns(campaign_id) ON DELETE CASCADE,
    vin_from     TEXT NOT NULL,
    vin_to       TEXT NOT NULL
);
CREATE INDEX ho_recall_ranges_from ON ho_recall_ranges(vin_from);
CREATE INDEX ho_recall_ranges_campaign ON ho_recall_ranges(campaign_id);

CREATE TABLE ho_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

-- Other stations' repair orders of vehicles this station knows, when the feed
-- carries them (a vehicle's `history` in the pull feed).
CREATE TABLE ho_vehicle_history (
    ro_id          TEXT PRIMARY KEY,
    vehicle_id     TEXT NOT NULL,
    station_code   TEXT NOT NULL,
    station_name   TEXT NOT NULL,
    number         TEXT NOT NULL,
    status         TEXT NOT NULL,
    checked_in_at  TEXT NOT NULL,
    odometer_km    INTEGER,
    summary        TEXT NOT NULL,
    payload        TEXT NOT NULL
);
CREATE INDEX ho_vehicle_history_vehicle ON ho_vehicle_history(vehicle_id, checked_in_at);
