-- The bytes of each station's content-addressed files: photos, signature
-- images, paper scans, printed PDFs (docs/sync.md, "Files"). The rows that
-- point at them (`file`, `ro_document`, signatures) sync as records; the bytes
-- come separately, once per file, checked against their SHA-256 on receipt.
-- Keyed by station first, like every table a station writes.
CREATE TABLE file_blobs (
    station_id   uuid NOT NULL,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size         bigint NOT NULL,
    bytes        bytea NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, sha256)
);
