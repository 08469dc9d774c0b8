-- The bytes of content-addressed files (photos, signature images, scans,
-- printed PDFs) travel to the head office apart from the rows, once per file
-- (docs/sync.md, "Files"). One row per file this station has dealt with.
CREATE TABLE sync_files (
    sha256       TEXT PRIMARY KEY,
    -- 'uploaded': the head office holds the bytes (sent from here, or fetched from there);
    -- 'wanted': a restored row names a file whose bytes are not here yet.
    state        TEXT NOT NULL CHECK (state IN ('uploaded', 'wanted')),
    tries        INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sync_files_wanted ON sync_files(state, next_try_at);
