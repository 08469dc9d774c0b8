-- Consent (issue 12): which version of the consent text the customer agreed
-- to, beside the time already kept (0015). Both sync with the customer, so the
-- head office's copy says what was agreed and a withdrawal at any station
-- reaches every other one. NULL while the consent is not given, and for
-- consents given before this migration (their text version was never kept).
ALTER TABLE customers ADD COLUMN consent_data_version TEXT;
ALTER TABLE customers ADD COLUMN consent_marketing_version TEXT;

-- Every giving and withdrawing of a consent, append-only: the customer row
-- holds only the current state, this holds how it got there (PIPL art. 15
-- lets a customer withdraw at any time; the history shows when they did).
-- `source` is 'station' for a change made at this desk, 'head_office' for one
-- pulled from another station (staff_id is then NULL).
CREATE TABLE consent_history (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    kind          TEXT NOT NULL CHECK (kind IN ('data', 'marketing', 'follow_up')),
    given         INTEGER NOT NULL CHECK (given IN (0, 1)),
    -- The version of the text shown when it was given; for a withdrawal, the version withdrawn from.
    text_version  TEXT,
    at            TEXT NOT NULL,
    staff_id      TEXT REFERENCES staff(id),
    source        TEXT NOT NULL CHECK (source IN ('station', 'head_office')),
    created_at    TEXT NOT NULL
);
CREATE INDEX consent_history_customer ON consent_history(customer_id, at);
CREATE TRIGGER consent_history_no_update BEFORE UPDATE ON consent_history BEGIN SELECT RAISE(ABORT, 'the consent history is append-only'); END;
CREATE TRIGGER consent_history_no_delete BEFORE DELETE ON consent_history BEGIN SELECT RAISE(ABORT, 'the consent history is append-only'); END;

-- Encrypted local backups (docs/privacy.md, "Backups"). One row. `recipient`
-- is the manager's age public key (age1…): backups are encrypted to it, and
-- only the matching secret key, which the station never stores, opens them.
CREATE TABLE backup_settings (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    recipient         TEXT,
    key_set_at        TEXT,
    key_set_by        TEXT REFERENCES staff(id),
    keep              INTEGER NOT NULL DEFAULT 7 CHECK (keep BETWEEN 1 AND 365),
    last_backup_at    TEXT,
    last_backup_file  TEXT,
    last_backup_size  INTEGER,
    last_error        TEXT,
    last_error_at     TEXT
);
INSERT INTO backup_settings (id) VALUES (1);
