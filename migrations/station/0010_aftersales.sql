-- After-sales (issue 9): the time-limit policies and the working calendar,
-- the clocks every item with a deadline carries, follow-up calls with their
-- surveys, and the complaint ledger. docs/aftersales.md explains the rules.

-- Follow-up calls are service contact, not marketing: a customer may refuse them
-- (请勿回访); everyone else is called.
ALTER TABLE customers ADD COLUMN consent_follow_up INTEGER NOT NULL DEFAULT 1;

-- The limit for each kind of item. `source` says who set it last: the built-in
-- default, the station's manager or the head office (a pulled setting).
CREATE TABLE time_limit_policies (
    kind            TEXT PRIMARY KEY CHECK (kind IN ('service_request', 'initial_assessment', 'completion_notice', 'follow_up',
                                                    'complaint_first_response', 'complaint_resolution', 'complaint_callback',
                                                    'urgent_first_response')),
    budget_minutes  INTEGER NOT NULL CHECK (budget_minutes BETWEEN 1 AND 525600),
    basis           TEXT NOT NULL CHECK (basis IN ('wall', 'working')),
    source          TEXT NOT NULL CHECK (source IN ('default', 'station', 'head_office')),
    updated_by      TEXT REFERENCES staff(id),
    updated_at      TEXT NOT NULL
);
-- The manuals' limits (domain.md), on the wall clock: "24 h" there means a day, not three working days.
INSERT INTO time_limit_policies (kind, budget_minutes, basis, source, updated_at) VALUES
    ('service_request', 1440, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('initial_assessment', 2880, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('completion_notice', 1440, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('follow_up', 4320, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('complaint_first_response', 1440, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('complaint_resolution', 4320, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('complaint_callback', 2880, 'wall', 'default', '2026-01-01T00:00:00.000Z'),
    ('urgent_first_response', 30, 'wall', 'default', '2026-01-01T00:00:00.000Z');

-- The working calendar, one immutable version per edit (the newest is in force).
-- A clock keeps the version that was in force when its item opened, so editing
-- the calendar never rewrites past results. `body` is time_limits::Calendar as JSON.
CREATE TABLE calendars (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT REFERENCES staff(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX calendars_newest ON calendars(created_at);
CREATE TRIGGER calendars_no_update BEFORE UPDATE ON calendars BEGIN SELECT RAISE(ABORT, 'calendar versions are immutable'); END;

-- One row per deadline of an item: the policy and calendar in force when it
-- started, and the engine's reading as of the item's last write (`state`,
-- `late_at` = when it is or was breached if nothing pauses it, `met_at`,
-- `breached_at`, `stopped_at`), so lists can filter and count overdue items
-- in SQL. The answer itself is always recomputed from the item's events.
CREATE TABLE item_clocks (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    item_kind    TEXT NOT NULL CHECK (item_kind IN ('repair_order', 'follow_up', 'complaint')),
    item_id      TEXT NOT NULL,
    clock        TEXT NOT NULL CHECK (clock IN ('initial_assessment', 'completion_notice', 'follow_up', 'first_response', 'resolution', 'callback')),
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
CREATE INDEX item_clocks_open_by_owner ON item_clocks(owner_id, late_at) WHERE state <> 'stopped';
CREATE INDEX item_clocks_open ON item_clocks(item_kind, late_at) WHERE state <> 'stopped';

-- Follow-ups (回访): one per delivered order, owned by its advisor; every
-- attempt, hand-over (with the reason) and the end are events.
CREATE TABLE follow_ups (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    ro_id         TEXT NOT NULL UNIQUE REFERENCES repair_orders(id),
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    owner_id      TEXT NOT NULL REFERENCES staff(id),
    status        TEXT NOT NULL CHECK (status IN ('due', 'retry', 'reached', 'unreachable', 'declined', 'no_consent')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_call_at  TEXT NOT NULL,
    give_up_at    TEXT NOT NULL,
    delivered_at  TEXT NOT NULL,
    ended_at      TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX follow_ups_open ON follow_ups(next_call_at) WHERE ended_at IS NULL;
CREATE INDEX follow_ups_owner_open ON follow_ups(owner_id, next_call_at) WHERE ended_at IS NULL;
CREATE INDEX follow_ups_customer ON follow_ups(customer_id);

CREATE TABLE follow_up_events (
    id             TEXT PRIMARY KEY,
    station_id     TEXT NOT NULL,
    follow_up_id   TEXT NOT NULL REFERENCES follow_ups(id),
    kind           TEXT NOT NULL CHECK (kind IN ('attempt', 'reassigned', 'gave_up')),
    outcome        TEXT CHECK (outcome IN ('reached', 'no_answer', 'call_back', 'wrong_number', 'declined')),
    call_back_at   TEXT,
    to_staff_id    TEXT REFERENCES staff(id),
    note           TEXT NOT NULL DEFAULT '',
    staff_id       TEXT REFERENCES staff(id),
    at             TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX follow_up_events_by_follow_up ON follow_up_events(follow_up_id, at);
CREATE TRIGGER follow_up_events_no_update BEFORE UPDATE ON follow_up_events BEGIN SELECT RAISE(ABORT, 'follow-up events are append-only'); END;
CREATE TRIGGER follow_up_events_no_delete BEFORE DELETE ON follow_up_events BEGIN SELECT RAISE(ABORT, 'follow-up events are append-only'); END;

-- The satisfaction survey (满意度调查): 1–5 on each question and the customer's words.
CREATE TABLE surveys (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    follow_up_id  TEXT NOT NULL UNIQUE REFERENCES follow_ups(id),
    ro_id         TEXT NOT NULL REFERENCES repair_orders(id),
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    overall       INTEGER NOT NULL CHECK (overall BETWEEN 1 AND 5),
    quality       INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
    timeliness    INTEGER NOT NULL CHECK (timeliness BETWEEN 1 AND 5),
    attitude      INTEGER NOT NULL CHECK (attitude BETWEEN 1 AND 5),
    price         INTEGER NOT NULL CHECK (price BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    staff_id      TEXT REFERENCES staff(id),
    at            TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX surveys_customer ON surveys(customer_id, at);
CREATE TRIGGER surveys_no_update BEFORE UPDATE ON surveys BEGIN SELECT RAISE(ABORT, 'survey answers are append-only'); END;

-- The three-level complaint category tree (三级分类). The defaults below, the
-- head office's (a pulled setting) and the station's own additions.
CREATE TABLE complaint_categories (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES complaint_categories(id),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('default', 'head_office', 'station')),
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX complaint_categories_parent ON complaint_categories(parent_id, position);
INSERT INTO complaint_categories (id, parent_id, level, name_zh, name_en, source, position, created_at, updated_at) VALUES
    ('svc', NULL, 1, '服务', 'Service', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.attitude', 'svc', 2, '服务态度', 'Attitude', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.attitude.slow', 'svc.attitude', 3, '接待不及时', 'Not received promptly', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.attitude.rude', 'svc.attitude', 3, '态度生硬', 'Impolite staff', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.communication', 'svc', 2, '沟通', 'Communication', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.communication.progress', 'svc.communication', 3, '未告知维修进度', 'Not told of progress', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.communication.estimate', 'svc.communication', 3, '未经同意增项', 'Work added without consent', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.time', 'svc', 2, '时效', 'Timeliness', 'default', 3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.time.late', 'svc.time', 3, '未按时交车', 'Not delivered on time', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('svc.time.parts', 'svc.time', 3, '配件等待过长', 'Waited too long for parts', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual', NULL, 1, '质量', 'Quality', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual.repair', 'qual', 2, '维修质量', 'Repair quality', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual.repair.repeat', 'qual.repair', 3, '同一故障返修', 'Same fault came back', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual.repair.damage', 'qual.repair', 3, '维修中造成损坏', 'Damage during the work', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual.parts', 'qual', 2, '配件质量', 'Parts quality', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('qual.parts.faulty', 'qual.parts', 3, '配件故障', 'Faulty part', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('price', NULL, 1, '价格', 'Price', 'default', 3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('price.charge', 'price', 2, '收费', 'Charges', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('price.charge.high', 'price.charge', 3, '收费过高', 'Charged too much', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('price.charge.unclear', 'price.charge', 3, '收费不透明', 'Unclear charges', 'default', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('consult', NULL, 1, '咨询', 'Consultation', 'default', 4, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('consult.warranty', 'consult', 2, '保修政策', 'Warranty policy', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('consult.warranty.refused', 'consult.warranty', 3, '保修被拒', 'Warranty claim refused', 'default', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

CREATE TABLE complaint_sequences (
    day       TEXT PRIMARY KEY,
    last_seq  INTEGER NOT NULL
);

-- The ledger (投诉处理台账). The owner is whoever received it until it is handed
-- over with a reason; the status always follows the complaint's events.
CREATE TABLE complaints (
    id                 TEXT PRIMARY KEY,
    station_id         TEXT NOT NULL,
    number             TEXT NOT NULL UNIQUE,
    channel            TEXT NOT NULL CHECK (channel IN ('phone', 'walk_in', 'online', 'email', 'head_office', 'consumer_association')),
    severity           TEXT NOT NULL CHECK (severity IN ('normal', 'urgent')),
    category_id        TEXT NOT NULL REFERENCES complaint_categories(id),
    status             TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting_customer', 'waiting_parts', 'escalated', 'resolved', 'closed')),
    description        TEXT NOT NULL,
    customer_id        TEXT REFERENCES customers(id),
    vehicle_id         TEXT REFERENCES vehicles(id),
    ro_id              TEXT REFERENCES repair_orders(id),
    follow_up_id       TEXT REFERENCES follow_ups(id),
    contact_name       TEXT NOT NULL,
    contact_phone      TEXT NOT NULL DEFAULT '',
    received_by        TEXT NOT NULL REFERENCES staff(id),
    owner_id           TEXT NOT NULL REFERENCES staff(id),
    received_at        TEXT NOT NULL,
    repeat_of_id       TEXT REFERENCES complaints(id),
    cause              TEXT NOT NULL DEFAULT '',
    corrective_action  TEXT NOT NULL DEFAULT '',
    solution           TEXT NOT NULL DEFAULT '',
    customer_answer    TEXT CHECK (customer_answer IN ('accepted', 'not_accepted')),
    first_response_at  TEXT,
    resolved_at        TEXT,
    closed_at          TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX complaints_received ON complaints(received_at);
CREATE INDEX complaints_status ON complaints(status, received_at);
CREATE INDEX complaints_owner ON complaints(owner_id, received_at);
CREATE INDEX complaints_category ON complaints(category_id, received_at);
CREATE INDEX complaints_customer ON complaints(customer_id, received_at);
CREATE INDEX complaints_vehicle ON complaints(vehicle_id, received_at);

CREATE TABLE complaint_events (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}',
    staff_id      TEXT REFERENCES staff(id),
    at            TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (complaint_id, seq)
);
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;

CREATE TABLE complaint_compensations (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    complaint_id  TEXT NOT NULL REFERENCES complaints(id),
    kind          TEXT NOT NULL CHECK (kind IN ('courtesy_car', 'voucher', 'refund', 'free_repair', 'goodwill_parts')),
    description   TEXT NOT NULL DEFAULT '',
    value_minor   INTEGER NOT NULL CHECK (value_minor >= 0),
    days          INTEGER CHECK (days > 0),
    approved_by   TEXT REFERENCES staff(id),
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    at            TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX complaint_compensations_by_complaint ON complaint_compensations(complaint_id);
CREATE TRIGGER complaint_compensations_no_update BEFORE UPDATE ON complaint_compensations BEGIN SELECT RAISE(ABORT, 'compensation records are append-only'); END;

-- After-sales settings: days before an unreached follow-up ends as unreachable,
-- and the compensation value above which a manager approves with their PIN.
ALTER TABLE station ADD COLUMN follow_up_give_up_days INTEGER NOT NULL DEFAULT 15 CHECK (follow_up_give_up_days BETWEEN 1 AND 90);
ALTER TABLE station ADD COLUMN compensation_approval_minor INTEGER NOT NULL DEFAULT 50000 CHECK (compensation_approval_minor >= 0);
