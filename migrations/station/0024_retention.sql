-- Retention and destruction (issue 12; docs/privacy.md, "Retention and destruction").
--
-- A destruction run anonymises what is past its retention period, deletes its
-- files and signed documents, and keeps only a record of what was destroyed.
-- Signed documents and append-only history are immutable (migrations 0003,
-- 0005, 0006, 0019): their triggers now let a write through only for an order
-- named in `retention_gate`, a table the destruction fills and empties inside
-- its own transaction, so no other writer ever sees a row in it.

CREATE TABLE retention_gate (
    subject_id  TEXT PRIMARY KEY
) WITHOUT ROWID;

-- One row per destroyed subject (an order, its photos, a customer): what, when, by whom.
-- `payload` is what went to the head office (the `destruction` entity).
CREATE TABLE retention_destructions (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('repair_order', 'photos', 'customer')),
    subject_id    TEXT NOT NULL,
    number        TEXT NOT NULL,
    destroyed_at  TEXT NOT NULL,
    destroyed_by  TEXT,
    payload       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (kind, subject_id)
);

-- What is left of a destroyed signed document: its number, kind, hash and the date.
CREATE TABLE retention_destroyed_documents (
    authorization_id  TEXT PRIMARY KEY,
    destruction_id    TEXT NOT NULL REFERENCES retention_destructions(id),
    ro_id             TEXT NOT NULL,
    number            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    hash              TEXT,
    destroyed_at      TEXT NOT NULL
);
CREATE INDEX retention_destroyed_documents_ro ON retention_destroyed_documents(ro_id);

-- A file whose bytes were destroyed keeps its row (orders and signatures point at it), marked.
ALTER TABLE files ADD COLUMN destroyed_at TEXT;

DROP TRIGGER ro_authorizations_no_delete;
CREATE TRIGGER ro_authorizations_no_delete BEFORE DELETE ON ro_authorizations
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.ro_id)
BEGIN SELECT RAISE(ABORT, 'a signed document is immutable'); END;

DROP TRIGGER ro_signatures_no_delete;
CREATE TRIGGER ro_signatures_no_delete BEFORE DELETE ON ro_signatures
WHEN NOT EXISTS (SELECT 1 FROM retention_gate g JOIN ro_authorizations a ON a.ro_id = g.subject_id WHERE a.id = OLD.authorization_id)
BEGIN SELECT RAISE(ABORT, 'a signature is immutable'); END;

DROP TRIGGER ro_signed_lines_no_delete;
CREATE TRIGGER ro_signed_lines_no_delete BEFORE DELETE ON ro_signed_lines
WHEN NOT EXISTS (SELECT 1 FROM retention_gate g JOIN ro_authorizations a ON a.ro_id = g.subject_id WHERE a.id = OLD.authorization_id)
BEGIN SELECT RAISE(ABORT, 'signed lines are immutable'); END;

DROP TRIGGER ro_documents_no_delete;
CREATE TRIGGER ro_documents_no_delete BEFORE DELETE ON ro_documents
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.ro_id)
BEGIN SELECT RAISE(ABORT, 'an archived document is immutable'); END;

-- The history stays (who moved the order when); its free text goes.
DROP TRIGGER ro_status_events_no_update;
CREATE TRIGGER ro_status_events_no_update BEFORE UPDATE ON ro_status_events
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.ro_id)
  OR NEW.id IS NOT OLD.id OR NEW.ro_id IS NOT OLD.ro_id OR NEW.seq IS NOT OLD.seq OR NEW.from_status IS NOT OLD.from_status
  OR NEW.to_status IS NOT OLD.to_status OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'status events are append-only'); END;

-- The audit keeps who did what when; the before and after it showed go.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.ro_id OR subject_id = OLD.entity_id)
  OR NEW.id IS NOT OLD.id OR NEW.staff_id IS NOT OLD.staff_id OR NEW.action IS NOT OLD.action OR NEW.entity IS NOT OLD.entity
  OR NEW.entity_id IS NOT OLD.entity_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
