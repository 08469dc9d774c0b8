-- Issue 12: the stations' access registers (who opened which customer, order or
-- document, and why) arrive as `access_entry` records, append-only like every
-- such entity (a second, different payload for an id is rejected). Here the
-- database itself refuses to change or remove one, as the station's does
-- (migrations/station/0021_access_register.sql): the register of who looked
-- must not be rewritten by anyone who looked.
CREATE FUNCTION refuse_access_register_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access register is append-only';
END;
$$;

CREATE TRIGGER access_register_append_only BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW WHEN (OLD.entity = 'access_entry') EXECUTE FUNCTION refuse_access_register_change();

-- The console's and the tests' reading: one station's register, newest first.
CREATE INDEX records_access_entries ON records (station_id, (payload->>'at') DESC) WHERE entity = 'access_entry';
