-- Service requests (服务申请 / 预约): a customer asks for service by phone,
-- online, by e-mail or at the desk. Whoever receives it owns it (首问负责制), and
-- it must be answered, a logged contact with the customer, within the
-- service-request limit (24 h). It closes when the car is checked in for it or
-- when nothing more is to be done. docs/aftersales.md.

CREATE TABLE service_requests (
    id             TEXT PRIMARY KEY,
    station_id     TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('phone', 'walk_in', 'online', 'email')),
    customer_id    TEXT REFERENCES customers(id),
    vehicle_id     TEXT REFERENCES vehicles(id),
    contact_name   TEXT NOT NULL,
    contact_phone  TEXT NOT NULL DEFAULT '',
    request        TEXT NOT NULL,
    preferred_at   TEXT,
    owner_id       TEXT NOT NULL REFERENCES staff(id),
    received_at    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    answered_at    TEXT,
    closed_at      TEXT,
    ro_id          TEXT REFERENCES repair_orders(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX service_requests_received ON service_requests(received_at);
CREATE INDEX service_requests_open ON service_requests(received_at) WHERE status <> 'closed';

CREATE TABLE service_request_events (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    request_id  TEXT NOT NULL REFERENCES service_requests(id),
    kind        TEXT NOT NULL CHECK (kind IN ('received', 'contact_call', 'contact_visit', 'contact_message', 'note', 'closed')),
    text        TEXT NOT NULL DEFAULT '',
    staff_id    TEXT REFERENCES staff(id),
    at          TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX service_request_events_by_request ON service_request_events(request_id, at);
CREATE TRIGGER service_request_events_no_update BEFORE UPDATE ON service_request_events BEGIN SELECT RAISE(ABORT, 'service request events are append-only'); END;
CREATE TRIGGER service_request_events_no_delete BEFORE DELETE ON service_request_events BEGIN SELECT RAISE(ABORT, 'service request events are append-only'); END;

-- Clocks learn the new kind of item. SQLite cannot change a CHECK constraint,
-- so the table is rebuilt with its rows and indexes.
CREATE TABLE item_clocks_v2 (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    item_kind    TEXT NOT NULL CHECK (item_kind IN ('repair_order', 'follow_up', 'complaint', 'service_request')),
    item_id      TEXT NOT NULL,
    clock        TEXT NOT NULL CHECK (clock IN ('initial_assessment', 'completion_notice', 'follow_up', 'first_response', 'resolution', 'callback', 'response')),
    policy_kind  TEXT NOT NULL REFERENCES time_limit_policies(kind),
    policy       TEXT NOT NULL,
    calendar_id  TEXT REFERENCES calendars(id),
    owner_id     TEXT REFERENCES staff(id),
    started_at   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('not_started', 'running', 'paused', 'stopped')),
    late_at      TEXT,
    met_at       TEXT,
    breached_at  TEXT,
    stopped_at   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (item_id, clock)
);
INSERT INTO item_clocks_v2 (id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state, late_at, met_at,
                            breached_at, stopped_at, created_at, updated_at)
SELECT id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state, late_at, met_at,
       breached_at, stopped_at, created_at, updated_at FROM item_clocks;
DROP TABLE item_clocks;
ALTER TABLE item_clocks_v2 RENAME TO item_clocks;
CREATE INDEX item_clocks_open_by_owner ON item_clocks(owner_id, late_at) WHERE state <> 'stopped';
CREATE INDEX item_clocks_open ON item_clocks(item_kind, late_at) WHERE state <> 'stopped';
