-- The head office's schema. Every table a station writes is keyed by station
-- (station_id first in the primary key), so it can be distributed with Citus
-- on station_id. The exceptions are small or global on purpose and say so:
-- master data (reference tables), shared customers/vehicles (keyed by their
-- own id) and the change log's ordering (see docs/scaling.md).

CREATE TABLE stations (
    station_id  uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One-time enrollment codes: only the SHA-256 of the code is stored.
CREATE TABLE enrollment_codes (
    station_id  uuid NOT NULL REFERENCES stations (station_id),
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (station_id, code_hash)
);
CREATE UNIQUE INDEX enrollment_codes_by_hash ON enrollment_codes (code_hash);

-- A token is also a push stream: its outbox sequence numbers are acknowledged
-- here, so a reinstalled station (new outbox, seq from 1 again) enrolls anew
-- and starts a fresh stream instead of colliding with the old one.
CREATE TABLE station_tokens (
    station_id        uuid NOT NULL REFERENCES stations (station_id),
    token_id          uuid NOT NULL,
    token_hash        bytea NOT NULL,
    local_station_id  text,
    acked_seq         bigint NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz,
    revoked_at        timestamptz,
    PRIMARY KEY (station_id, token_id)
);
CREATE UNIQUE INDEX station_tokens_by_hash ON station_tokens (token_hash);

-- Every change ever received, once: the key makes a resent batch a no-op.
CREATE TABLE received_changes (
    station_id   uuid NOT NULL,
    token_id     uuid NOT NULL,
    seq          bigint NOT NULL,
    change_id    uuid NOT NULL,
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    op           text NOT NULL,
    hlc          text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, token_id, seq)
);

-- A station's own records (single-writer, append-only and signed): the latest state.
CREATE TABLE records (
    station_id  uuid NOT NULL,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    payload     jsonb NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    hlc         text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, entity, entity_id)
);

-- Customers and vehicles, merged per field: field_hlcs maps each field to the
-- HLC of the edit that set it (fixed-width strings: they compare like the clocks).
CREATE TABLE shared_records (
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    fields       jsonb NOT NULL DEFAULT '{}',
    field_hlcs   jsonb NOT NULL DEFAULT '{}',
    deleted_hlc  text,
    deleted      boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id)
);

-- Which shared records each station has touched: those are the ones it pulls.
CREATE TABLE shared_access (
    station_id     uuid NOT NULL,
    entity         text NOT NULL,
    entity_id      text NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, entity, entity_id)
);
CREATE INDEX shared_access_by_record ON shared_access (entity, entity_id);

-- Master data from the head office: labor catalog, parts, recall campaigns, settings.
CREATE TABLE master_records (
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    payload     jsonb NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id)
);

-- Changes the head office would not apply; acknowledged anyway, listed for both ends.
CREATE TABLE rejections (
    station_id    uuid NOT NULL,
    rejection_id  bigint GENERATED ALWAYS AS IDENTITY,
    token_id      uuid NOT NULL,
    seq           bigint NOT NULL,
    change_id     uuid NOT NULL,
    entity        text NOT NULL,
    entity_id     text NOT NULL,
    code          text NOT NULL,
    message       text NOT NULL,
    payload       jsonb NOT NULL,
    flagged       boolean NOT NULL DEFAULT false,
    rejected_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, rejection_id)
);
CREATE INDEX rejections_flagged ON rejections (rejected_at) WHERE flagged;

-- The pull feed. One row per record (compacted): a new change to a record
-- moves its row to the end. Rows are ordered by (tx, change_id), where tx is
-- the writing transaction's id; a reader only returns rows of transactions
-- older than every transaction still running (pg_snapshot_xmin), so a
-- transaction that commits late can never slip in behind a cursor
-- (transactions running in other databases of the cluster are ignored).
-- owner is the station for scope 'station', the nil uuid otherwise.
CREATE SEQUENCE change_log_ids;
CREATE TABLE change_log (
    scope      text NOT NULL CHECK (scope IN ('global', 'station', 'shared')),
    owner      uuid NOT NULL,
    entity     text NOT NULL,
    entity_id  text NOT NULL,
    tx         bigint NOT NULL,
    change_id  bigint NOT NULL,
    PRIMARY KEY (owner, scope, entity, entity_id)
);
CREATE INDEX change_log_order ON change_log (tx, change_id);
