-- The repair order's life after check-in (issue 3): status events, jobs with
-- the 3 Cs, labor/parts/sublet lines, customer authorizations, the parts
-- inventory, the job clock, the quality check, payments and delivery, the
-- labor catalog and the audit log. Money is integer minor units (fen);
-- quantities are thousandths (1500 = 1.5 hours or 1.5 litres).

-- Station settings the workflow reads: the tax rate in basis points (1300 = 13 %)
-- and the window in days within which a new check-in counts as a repeat repair.
ALTER TABLE station ADD COLUMN tax_rate_bp INTEGER NOT NULL DEFAULT 1300 CHECK (tax_rate_bp BETWEEN 0 AND 10000);
ALTER TABLE station ADD COLUMN repeat_repair_days INTEGER NOT NULL DEFAULT 30 CHECK (repeat_repair_days BETWEEN 0 AND 365);

ALTER TABLE repair_orders ADD COLUMN rework_count INTEGER NOT NULL DEFAULT 0 CHECK (rework_count >= 0);
ALTER TABLE repair_orders ADD COLUMN cancel_reason TEXT;
ALTER TABLE repair_orders ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);
ALTER TABLE repair_orders ADD COLUMN odometer_out_km INTEGER;
ALTER TABLE repair_orders ADD COLUMN completion_notice_at TEXT;
ALTER TABLE repair_orders ADD COLUMN delivered_at TEXT;
ALTER TABLE repair_orders ADD COLUMN balance_override_by TEXT REFERENCES staff(id);
ALTER TABLE repair_orders ADD COLUMN repeat_of_ro_id TEXT REFERENCES repair_orders(id);
CREATE INDEX repair_orders_vehicle_delivered ON repair_orders(vehicle_id, delivered_at);

-- Every status change, append-only. seq orders an order's events (timestamps
-- can tie); the order's status is always its last event's to_status.
CREATE TABLE ro_status_events (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    ro_id        TEXT NOT NULL REFERENCES repair_orders(id),
    seq          INTEGER NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    staff_id     TEXT REFERENCES staff(id),
    note         TEXT NOT NULL DEFAULT '',
    at           TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (ro_id, seq)
);
CREATE TRIGGER ro_status_events_no_update BEFORE UPDATE ON ro_status_events BEGIN SELECT RAISE(ABORT, 'status events are append-only'); END;
CREATE TRIGGER ro_status_events_no_delete BEFORE DELETE ON ro_status_events BEGIN SELECT RAISE(ABORT, 'status events are append-only'); END;

-- Orders checked in before this migration get their check-in event, so every order has one.
INSERT INTO ro_status_events (id, station_id, ro_id, seq, from_status, to_status, staff_id, note, at, created_at, updated_at)
SELECT 'ev-' || id, station_id, id, 1, NULL, 'checked_in', advisor_id, '', checked_in_at, checked_in_at, checked_in_at FROM repair_orders;
INSERT INTO ro_status_events (id, station_id, ro_id, seq, from_status, to_status, staff_id, note, at, created_at, updated_at)
SELECT 'ev2-' || id, station_id, id, 2, 'checked_in', status, advisor_id, 'migrated', updated_at, updated_at, updated_at FROM repair_orders WHERE status <> 'checked_in';

-- The status column may only change to what the order's last event says.
CREATE TRIGGER repair_orders_status_follows_events BEFORE UPDATE OF status ON repair_orders
WHEN NEW.status IS NOT OLD.status
 AND NEW.status IS NOT (SELECT to_status FROM ro_status_events WHERE ro_id = NEW.id ORDER BY seq DESC LIMIT 1)
BEGIN SELECT RAISE(ABORT, 'an order''s status changes only through a status event'); END;

CREATE TABLE ro_authorizations (
    id             TEXT PRIMARY KEY,
    station_id     TEXT NOT NULL,
    ro_id          TEXT NOT NULL REFERENCES repair_orders(id),
    supplemental   INTEGER NOT NULL DEFAULT 0,
    method         TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'message')),
    approver_name  TEXT NOT NULL,
    approved_at    TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL CHECK (amount_minor >= 0),
    recorded_by    TEXT NOT NULL REFERENCES staff(id),
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX ro_authorizations_ro ON ro_authorizations(ro_id);

-- One job per concern plus jobs added later; concern, cause, correction are the 3 Cs.
CREATE TABLE ro_jobs (
    id                    TEXT PRIMARY KEY,
    station_id            TEXT NOT NULL,
    ro_id                 TEXT NOT NULL REFERENCES repair_orders(id),
    position              INTEGER NOT NULL,
    concern_id            TEXT REFERENCES ro_concerns(id),
    concern               TEXT NOT NULL,
    cause                 TEXT NOT NULL DEFAULT '',
    correction            TEXT NOT NULL DEFAULT '',
    technician_id         TEXT REFERENCES staff(id),
    approval              TEXT NOT NULL DEFAULT 'pending' CHECK (approval IN ('pending', 'approved', 'declined')),
    authorization_id      TEXT REFERENCES ro_authorizations(id),
    decided_by_name       TEXT,
    decided_recorded_by   TEXT REFERENCES staff(id),
    decided_at            TEXT,
    added_after_approval  INTEGER NOT NULL DEFAULT 0,
    done_at               TEXT,
    done_by               TEXT REFERENCES staff(id),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (ro_id, position)
);
CREATE INDEX ro_jobs_technician ON ro_jobs(technician_id);

CREATE TABLE labor_operations (
    id                     TEXT PRIMARY KEY,
    station_id             TEXT NOT NULL,
    code                   TEXT NOT NULL UNIQUE,
    description            TEXT NOT NULL,
    standard_hours_milli   INTEGER NOT NULL CHECK (standard_hours_milli > 0),
    rate_minor             INTEGER NOT NULL CHECK (rate_minor >= 0),
    active                 INTEGER NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

-- Stock never goes negative: the CHECKs are the last line; the operations also
-- use conditional UPDATEs so a short issue is refused with a clear message.
CREATE TABLE parts (
    id                   TEXT PRIMARY KEY,
    station_id           TEXT NOT NULL,
    part_no              TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    bin                  TEXT NOT NULL DEFAULT '',
    unit_price_minor     INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    on_hand_milli        INTEGER NOT NULL DEFAULT 0 CHECK (on_hand_milli >= 0),
    reserved_milli       INTEGER NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0 AND reserved_milli <= on_hand_milli),
    reorder_point_milli  INTEGER NOT NULL DEFAULT 0 CHECK (reorder_point_milli >= 0),
    active               INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE ro_lines (
    id                TEXT PRIMARY KEY,
    station_id        TEXT NOT NULL,
    ro_id             TEXT NOT NULL REFERENCES repair_orders(id),
    job_id            TEXT NOT NULL REFERENCES ro_jobs(id),
    kind              TEXT NOT NULL CHECK (kind IN ('labor', 'part', 'sublet')),
    labor_op_code     TEXT,
    part_id           TEXT REFERENCES parts(id),
    description       TEXT NOT NULL,
    quantity_milli    INTEGER NOT NULL CHECK (quantity_milli >= 0),
    unit_price_minor  INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    amount_minor      INTEGER NOT NULL CHECK (amount_minor >= 0),
    reserved_milli    INTEGER NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0),
    issued_milli      INTEGER NOT NULL DEFAULT 0 CHECK (issued_milli >= 0),
    created_by        TEXT NOT NULL REFERENCES staff(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (kind <> 'part' OR part_id IS NOT NULL),
    CHECK (reserved_milli + issued_milli <= quantity_milli)
);
CREATE INDEX ro_lines_ro ON ro_lines(ro_id);
CREATE INDEX ro_lines_part ON ro_lines(part_id);

CREATE TABLE ro_findings (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    ro_id       TEXT NOT NULL REFERENCES repair_orders(id),
    job_id      TEXT NOT NULL REFERENCES ro_jobs(id),
    text        TEXT NOT NULL,
    photos      TEXT NOT NULL DEFAULT '[]',
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX ro_findings_job ON ro_findings(job_id);

-- At most one running clock per technician: the partial unique index says so.
CREATE TABLE time_clocks (
    id             TEXT PRIMARY KEY,
    station_id     TEXT NOT NULL,
    ro_id          TEXT NOT NULL REFERENCES repair_orders(id),
    job_id         TEXT NOT NULL REFERENCES ro_jobs(id),
    technician_id  TEXT NOT NULL REFERENCES staff(id),
    started_at     TEXT NOT NULL,
    stopped_at     TEXT,
    seconds        INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX time_clocks_one_running ON time_clocks(technician_id) WHERE stopped_at IS NULL;
CREATE INDEX time_clocks_job ON time_clocks(job_id);

CREATE TABLE qc_items (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    label       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- round is the order's rework_count when inspected: only the current round's
-- inspection lets the order go on, so an old pass never covers new rework.
CREATE TABLE ro_inspections (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    ro_id         TEXT NOT NULL REFERENCES repair_orders(id),
    round         INTEGER NOT NULL,
    inspector_id  TEXT NOT NULL REFERENCES staff(id),
    passed        INTEGER NOT NULL,
    results       TEXT NOT NULL DEFAULT '[]',
    notes         TEXT NOT NULL DEFAULT '',
    at            TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX ro_inspections_ro ON ro_inspections(ro_id);

CREATE TABLE ro_payments (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    ro_id         TEXT NOT NULL REFERENCES repair_orders(id),
    method        TEXT NOT NULL CHECK (method IN ('cash', 'card', 'wechat', 'alipay', 'bank_transfer', 'account')),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    received_by   TEXT NOT NULL REFERENCES staff(id),
    at            TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX ro_payments_ro ON ro_payments(ro_id);

-- Who changed what: before and after of every change to orders, jobs, lines and stock. Append-only.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    ro_id       TEXT REFERENCES repair_orders(id),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    staff_id    TEXT REFERENCES staff(id),
    at          TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX audit_log_ro ON audit_log(ro_id);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
