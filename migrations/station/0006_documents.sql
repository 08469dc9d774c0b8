-- Printed documents (issue 4; docs/workflow.md, "Printing").
--
-- Every PDF printed from a signed authorization is kept in the order's archive:
-- the PDF itself is a content-addressed file (`files`, mime application/pdf),
-- and this row says which signed document it shows, on which paper, in which
-- language, and the hash of the signed content it carries. One row per
-- authorization and paper size: a reprint returns the archived bytes unchanged.
CREATE TABLE ro_documents (
    id                TEXT PRIMARY KEY,
    station_id        TEXT NOT NULL,
    ro_id             TEXT NOT NULL REFERENCES repair_orders(id),
    authorization_id  TEXT NOT NULL REFERENCES ro_authorizations(id),
    kind              TEXT NOT NULL CHECK (kind IN ('intake_order', 'supplemental_authorization', 'delivery_note')),
    language          TEXT NOT NULL CHECK (language IN ('zh-CN', 'en')),
    paper             TEXT NOT NULL CHECK (paper IN ('a4', 'letter')),
    sha256            TEXT NOT NULL REFERENCES files(sha256),
    size              INTEGER NOT NULL,
    content_hash      TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES staff(id),
    UNIQUE (authorization_id, paper)
);
CREATE INDEX ro_documents_ro ON ro_documents(ro_id);
CREATE TRIGGER ro_documents_no_update BEFORE UPDATE ON ro_documents BEGIN SELECT RAISE(ABORT, 'an archived document is immutable'); END;
CREATE TRIGGER ro_documents_no_delete BEFORE DELETE ON ro_documents BEGIN SELECT RAISE(ABORT, 'an archived document is immutable'); END;
