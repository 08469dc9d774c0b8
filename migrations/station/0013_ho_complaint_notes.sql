-- Head-office notes and instructions on this station's complaints (总部意见),
-- written by the head office's quality managers and pulled like master data
-- (entity `ho_complaint_note`, docs/sync.md). They sit beside the complaint,
-- never in it: the complaint, its timeline and its clocks stay the station's
-- own. The station never edits them, and never sends them back.
CREATE TABLE ho_complaint_notes (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    kind          TEXT NOT NULL CHECK (kind IN ('note', 'instruction')),
    text          TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    author_id     TEXT NOT NULL,
    -- When the head office wrote it, and when this station received it.
    created_at    TEXT NOT NULL,
    received_at   TEXT NOT NULL
);
CREATE INDEX ho_complaint_notes_by_complaint ON ho_complaint_notes(complaint_id, created_at);
CREATE TRIGGER ho_complaint_notes_no_update BEFORE UPDATE ON ho_complaint_notes BEGIN SELECT RAISE(ABORT, 'head-office notes are written by the head office'); END;
CREATE TRIGGER ho_complaint_notes_no_delete BEFORE DELETE ON ho_complaint_notes BEGIN SELECT RAISE(ABORT, 'head-office notes are written by the head office'); END;
