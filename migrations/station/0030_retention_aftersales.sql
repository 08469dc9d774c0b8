-- Retention of complaints, follow-up calls and service requests (issue 12;
-- docs/privacy.md, "Retention and destruction"). Each is destroyed on its own
-- schedule: its free text and contact details are overwritten, its times,
-- states, scores and amounts stay for the KPIs.
--
-- `retention_destructions` learns the new kinds (and `vehicle`, migration
-- 0031). SQLite cannot change a CHECK constraint, so the table is rebuilt;
-- `retention_destroyed_documents` points at it and is rebuilt with it, since
-- foreign keys are on and a migration cannot turn them off.

CREATE TABLE retention_destructions_v2 (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('repair_order', 'photos', 'customer', 'complaint', 'follow_up', 'service_request', 'vehicle')),
    subject_id    TEXT NOT NULL,
    number        TEXT NOT NULL,
    destroyed_at  TEXT NOT NULL,
    destroyed_by  TEXT,
    payload       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (kind, subject_id)
);
INSERT INTO retention_destructions_v2 (id, station_id, run_id, kind, subject_id, number, destroyed_at, destroyed_by, payload, created_at)
SELECT id, station_id, run_id, kind, subject_id, number, destroyed_at, destroyed_by, payload, created_at FROM retention_destructions;

CREATE TABLE retention_destroyed_documents_v2 (
    authorization_id  TEXT PRIMARY KEY,
    destruction_id    TEXT NOT NULL REFERENCES retention_destructions(id),
    ro_id             TEXT NOT NULL,
    number            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    hash              TEXT,
    destroyed_at      TEXT NOT NULL
);
INSERT INTO retention_destroyed_documents_v2 (authorization_id, destruction_id, ro_id, number, kind, hash, destroyed_at)
SELECT authorization_id, destruction_id, ro_id, number, kind, hash, destroyed_at FROM retention_destroyed_documents;

DROP TABLE retention_destroyed_documents;
DROP TABLE retention_destructions;
ALTER TABLE retention_destructions_v2 RENAME TO retention_destructions;
ALTER TABLE retention_destroyed_documents_v2 RENAME TO retention_destroyed_documents;
CREATE INDEX retention_destroyed_documents_ro ON retention_destroyed_documents(ro_id);

-- The append-only after-sales history keeps who did what when; a destruction
-- (and only it: `retention_gate`, migration 0024) overwrites its free text.
DROP TRIGGER complaint_events_no_update;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.complaint_id)
  OR NEW.id IS NOT OLD.id OR NEW.complaint_id IS NOT OLD.complaint_id OR NEW.seq IS NOT OLD.seq OR NEW.kind IS NOT OLD.kind
  OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;

DROP TRIGGER complaint_compensations_no_update;
CREATE TRIGGER complaint_compensations_no_update BEFORE UPDATE ON complaint_compensations
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.complaint_id)
  OR NEW.id IS NOT OLD.id OR NEW.complaint_id IS NOT OLD.complaint_id OR NEW.kind IS NOT OLD.kind OR NEW.value_minor IS NOT OLD.value_minor
  OR NEW.days IS NOT OLD.days OR NEW.approved_by IS NOT OLD.approved_by OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'compensation records are append-only'); END;

DROP TRIGGER ho_complaint_notes_no_update;
CREATE TRIGGER ho_complaint_notes_no_update BEFORE UPDATE ON ho_complaint_notes
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.complaint_id)
  OR NEW.id IS NOT OLD.id OR NEW.complaint_id IS NOT OLD.complaint_id OR NEW.kind IS NOT OLD.kind OR NEW.author_name IS NOT OLD.author_name
  OR NEW.author_id IS NOT OLD.author_id OR NEW.created_at IS NOT OLD.created_at OR NEW.received_at IS NOT OLD.received_at
BEGIN SELECT RAISE(ABORT, 'head-office notes are written by the head office'); END;

DROP TRIGGER follow_up_events_no_update;
CREATE TRIGGER follow_up_events_no_update BEFORE UPDATE ON follow_up_events
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.follow_up_id)
  OR NEW.id IS NOT OLD.id OR NEW.follow_up_id IS NOT OLD.follow_up_id OR NEW.kind IS NOT OLD.kind OR NEW.outcome IS NOT OLD.outcome
  OR NEW.call_back_at IS NOT OLD.call_back_at OR NEW.to_staff_id IS NOT OLD.to_staff_id OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'follow-up events are append-only'); END;

-- The scores stay (CSI); the customer's words go.
DROP TRIGGER surveys_no_update;
CREATE TRIGGER surveys_no_update BEFORE UPDATE ON surveys
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.follow_up_id)
  OR NEW.id IS NOT OLD.id OR NEW.follow_up_id IS NOT OLD.follow_up_id OR NEW.ro_id IS NOT OLD.ro_id OR NEW.customer_id IS NOT OLD.customer_id
  OR NEW.overall IS NOT OLD.overall OR NEW.quality IS NOT OLD.quality OR NEW.timeliness IS NOT OLD.timeliness OR NEW.attitude IS NOT OLD.attitude
  OR NEW.price IS NOT OLD.price OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'survey answers are append-only'); END;

DROP TRIGGER service_request_events_no_update;
CREATE TRIGGER service_request_events_no_update BEFORE UPDATE ON service_request_events
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE subject_id = OLD.request_id)
  OR NEW.id IS NOT OLD.id OR NEW.request_id IS NOT OLD.request_id OR NEW.kind IS NOT OLD.kind OR NEW.staff_id IS NOT OLD.staff_id OR NEW.at IS NOT OLD.at
BEGIN SELECT RAISE(ABORT, 'service request events are append-only'); END;
