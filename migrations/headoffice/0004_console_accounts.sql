-- The head-office console's people (not stations): accounts, their regions,
-- sessions, the login throttle and the append-only audit of what they change
-- (crates/headoffice/src/console). Plus what the console shows about each
-- station that the head office did not record before.

-- Regional managers see the stations of their regions; '' is "no region yet".
ALTER TABLE stations ADD COLUMN region text NOT NULL DEFAULT '';
CREATE INDEX stations_by_region ON stations (region);

-- What a station's sync client says about itself, per token (one install).
-- The protocol carries no app version and no outbox backlog (docs/console.md):
-- the app version comes from the User-Agent (`StationDesk/<version>`), the
-- protocol version from X-Protocol-Version, the schema version from each push.
-- last_contact_at is any authenticated sync request, to the minute;
-- clock_offset_ms is the newest HLC of the last push minus the head office's
-- clock when it arrived (positive: the station's clock is ahead by at least that).
ALTER TABLE station_tokens
    ADD COLUMN last_contact_at   timestamptz,
    ADD COLUMN user_agent        text,
    ADD COLUMN app_version       text,
    ADD COLUMN protocol_version  integer,
    ADD COLUMN schema_version    integer,
    ADD COLUMN clock_offset_ms   bigint;

CREATE TABLE console_users (
    user_id        uuid PRIMARY KEY,
    -- Compared in lower case: `Li.Wei` and `li.wei` are one account.
    login          text NOT NULL UNIQUE CHECK (login = lower(login) AND login <> ''),
    display_name   text NOT NULL CHECK (display_name <> ''),
    -- An argon2 PHC string; never the password.
    password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2%'),
    role           text NOT NULL CHECK (role IN ('administrator', 'quality_manager', 'regional_manager')),
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL
);

CREATE TABLE console_user_regions (
    user_id  uuid NOT NULL REFERENCES console_users (user_id),
    region   text NOT NULL CHECK (region <> ''),
    PRIMARY KEY (user_id, region)
);

-- A session token is 256 random bits; only its SHA-256 is kept, so a copy of
-- this table logs nobody in.
CREATE TABLE console_sessions (
    session_id    uuid PRIMARY KEY,
    token_hash    bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    user_id       uuid NOT NULL REFERENCES console_users (user_id),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

-- Failed logins, counted per login and per client address: too many in the
-- window lock further attempts out for a while (console/sessions.rs).
CREATE TABLE console_login_failures (
    failure_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    client_ip   text NOT NULL,
    failed_at   timestamptz NOT NULL
);
CREATE INDEX console_login_failures_by_login ON console_login_failures (login, failed_at);
CREATE INDEX console_login_failures_by_ip ON console_login_failures (client_ip, failed_at);

-- Every change a console user (or the admin command line) makes, written in
-- the transaction of the change. Append-only: the triggers below refuse to
-- change or remove a row, whoever asks.
CREATE TABLE console_audit (
    audit_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    -- NULL when the command line did it; actor then says so.
    user_id      uuid REFERENCES console_users (user_id),
    actor        text NOT NULL,
    action       text NOT NULL,
    target_kind  text NOT NULL,
    target_id    text NOT NULL,
    before       jsonb,
    after        jsonb
);
CREATE INDEX console_audit_by_target ON console_audit (target_kind, target_id);

CREATE FUNCTION console_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'console_audit is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit
    FOR EACH ROW EXECUTE FUNCTION console_audit_refuse_change();
CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_refuse_change();
