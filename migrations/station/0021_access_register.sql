-- Issue 12, masking and access: the access register (`privacy/access_register.rs`).
-- One row each time a staff member opens a customer's archive, an order page or
-- an archived document, or shows a customer's whole contact details (with the
-- reason they gave). It names records by id only, so it holds no personal data
-- of its own, and it is append-only: the triggers refuse any change or removal,
-- here as at the head office (migrations/headoffice/0009_access_register.sql).
CREATE TABLE access_register (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    -- The role the staff member had when they looked.
    staff_role  TEXT NOT NULL,
    -- customer | order | document | contact
    kind        TEXT NOT NULL CHECK (kind IN ('customer', 'order', 'document', 'contact')),
    customer_id TEXT,
    ro_id       TEXT,
    -- The opened record itself: the customer, the order, the document, or what the contact was shown on.
    subject_id  TEXT NOT NULL,
    -- Asked when a whole number is shown (`privacy::RevealReason`); NULL for an opening.
    reason      TEXT,
    at          TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE INDEX access_register_by_customer ON access_register (customer_id, at);
CREATE INDEX access_register_by_staff ON access_register (staff_id, at);
-- Whether the same person opened the same record a moment ago (a page refreshing itself).
CREATE INDEX access_register_recent ON access_register (staff_id, subject_id, at);

CREATE TRIGGER access_register_no_update BEFORE UPDATE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
CREATE TRIGGER access_register_no_delete BEFORE DELETE ON access_register BEGIN SELECT RAISE(ABORT, 'the access register is append-only'); END;
