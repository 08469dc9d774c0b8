-- Workshop tablets over the LAN (auth/devices.rs, docs/privacy.md "Workshop tablets"):
-- a browser that reaches `serve` from another machine is a device; it asks to pair,
-- a manager approves it by the code it shows, and from then on its token (kept here
-- only as a SHA-256) admits it. Devices are the station's own: they do not sync.
CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'paired', 'revoked')),
    -- The short code the tablet shows while it waits; cleared once it is paired.
    pairing_code  TEXT,
    requested_at  TEXT NOT NULL,
    paired_at     TEXT,
    paired_by     TEXT REFERENCES staff(id),
    revoked_at    TEXT,
    revoked_by    TEXT REFERENCES staff(id),
    last_used_at  TEXT,
    -- Wrong PINs typed on this device, whoever they were for (lockout per device).
    pin_failures  INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);

CREATE INDEX devices_pending_code ON devices (pairing_code) WHERE status = 'pending';

-- A session made on a tablet belongs to that device, and lapses after the idle time.
ALTER TABLE sessions ADD COLUMN device_id TEXT REFERENCES devices(id);
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;

-- Minutes without a request after which a tablet's session ends (the PIN screen comes back).
ALTER TABLE station ADD COLUMN tablet_idle_minutes INTEGER NOT NULL DEFAULT 10;
