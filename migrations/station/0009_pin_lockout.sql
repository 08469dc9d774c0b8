-- Wrong PINs in a row, per staff member and purpose (`login`, or `manager_pin`:
-- a manager's PIN typed at someone else's desk to confirm an override), for
-- the lockout that makes guessing a four-digit PIN impractical. Local to this
-- installation: not synced, not restored; a correct PIN or a new PIN set by a
-- manager clears it.
CREATE TABLE pin_failures (
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    purpose       TEXT NOT NULL CHECK (purpose IN ('login', 'manager_pin')),
    failures      INTEGER NOT NULL,
    locked_until  TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (staff_id, purpose)
);
