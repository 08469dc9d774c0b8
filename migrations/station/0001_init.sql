-- The station's own schema. Every table that will sync carries station_id and
-- created_at/updated_at; ids are UUIDv7 text so rows from many stations never collide.

CREATE TABLE station (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL,
    name                TEXT NOT NULL,
    utc_offset_minutes  INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL REFERENCES station(id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('advisor', 'technician', 'qc_inspector', 'manager')),
    pin_hash    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Only the token's SHA-256 is kept, so a copied database file logs nobody in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE customers (
    id                  TEXT PRIMARY KEY,
    station_id          TEXT NOT NULL,
    customer_no         TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT,
    company             TEXT,
    language            TEXT NOT NULL DEFAULT 'zh-CN',
    consent_marketing   INTEGER NOT NULL DEFAULT 0,
    consent_data        INTEGER NOT NULL DEFAULT 0,
    notes               TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX customers_name ON customers(name);

CREATE TABLE customer_phones (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    phone        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (customer_id, position)
);
CREATE INDEX customer_phones_phone ON customer_phones(phone);

CREATE TABLE vehicles (
    id               TEXT PRIMARY KEY,
    station_id       TEXT NOT NULL,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    vin              TEXT UNIQUE,
    plate            TEXT,
    make             TEXT NOT NULL DEFAULT '',
    model            TEXT NOT NULL DEFAULT '',
    model_year       INTEGER,
    color            TEXT NOT NULL DEFAULT '',
    last_odometer_km INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (vin IS NOT NULL OR plate IS NOT NULL)
);
CREATE INDEX vehicles_plate ON vehicles(plate);
CREATE INDEX vehicles_customer ON vehicles(customer_id);

-- A vehicle keeps every plate it has carried; the open row has valid_to NULL.
CREATE TABLE vehicle_plates (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    vehicle_id  TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
    plate       TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX vehicle_plates_vehicle ON vehicle_plates(vehicle_id);
CREATE INDEX vehicle_plates_plate ON vehicle_plates(plate);

-- Content-addressed files (photos, later scans and PDFs); bytes live on disk under files/.
CREATE TABLE files (
    sha256      TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE repair_orders (
    id               TEXT PRIMARY KEY,
    station_id       TEXT NOT NULL,
    number           TEXT NOT NULL UNIQUE,
    archive_no       TEXT NOT NULL,
    service_type     TEXT NOT NULL,
    status           TEXT NOT NULL,
    priority         TEXT NOT NULL,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    vehicle_id       TEXT NOT NULL REFERENCES vehicles(id),
    advisor_id       TEXT NOT NULL REFERENCES staff(id),
    checked_in_at    TEXT NOT NULL,
    odometer_in_km   INTEGER NOT NULL,
    fuel_eighths     INTEGER NOT NULL CHECK (fuel_eighths BETWEEN 0 AND 8),
    personal_items   TEXT NOT NULL DEFAULT '',
    promised_at      TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX repair_orders_status ON repair_orders(status);
CREATE INDEX repair_orders_vehicle ON repair_orders(vehicle_id);

CREATE TABLE ro_concerns (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    ro_id        TEXT NOT NULL REFERENCES repair_orders(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    fault_codes  TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX ro_concerns_ro ON ro_concerns(ro_id);

-- x and y are per-mille of the vehicle outline's width and height, so marks
-- land in the same place on screen and on paper whatever the drawing size.
CREATE TABLE ro_damage_marks (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    ro_id       TEXT NOT NULL REFERENCES repair_orders(id) ON DELETE CASCADE,
    x           INTEGER NOT NULL CHECK (x BETWEEN 0 AND 1000),
    y           INTEGER NOT NULL CHECK (y BETWEEN 0 AND 1000),
    kind        TEXT NOT NULL CHECK (kind IN ('scratch', 'dent', 'crack', 'chip', 'missing_part')),
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX ro_damage_marks_ro ON ro_damage_marks(ro_id);

CREATE TABLE ro_photos (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL,
    ro_id       TEXT NOT NULL REFERENCES repair_orders(id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL REFERENCES files(sha256),
    caption     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX ro_photos_ro ON ro_photos(ro_id);

CREATE TABLE odometer_readings (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    vehicle_id    TEXT NOT NULL REFERENCES vehicles(id),
    ro_id         TEXT REFERENCES repair_orders(id),
    km            INTEGER NOT NULL,
    confirmed_by  TEXT REFERENCES staff(id),
    recorded_at   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX odometer_readings_vehicle ON odometer_readings(vehicle_id);

-- Counters are rows, not MAX()+1, so allocation happens inside the writing
-- transaction and rolls back with it: gap-free.
CREATE TABLE ro_sequences (
    station_id  TEXT NOT NULL,
    day         TEXT NOT NULL,
    last_seq    INTEGER NOT NULL,
    PRIMARY KEY (station_id, day)
) WITHOUT ROWID;

CREATE TABLE customer_sequences (
    station_id  TEXT PRIMARY KEY,
    last_seq    INTEGER NOT NULL
) WITHOUT ROWID;

-- Every write appends here in its own transaction; the sync client drains it in seq order.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    station_id   TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
