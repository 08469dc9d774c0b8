-- Customers shared between stations (issue 12, crates/headoffice/src/store/lookup.rs).
--
-- A station finds a customer or vehicle at the head office by an exact plate,
-- VIN or phone. Partial expression indexes, so a lookup never scans every
-- shared record: plates and VINs compare as bytes (COLLATE "C") as the
-- stations' SQLite does; phones through the customer's `phones` array (@>);
-- a customer's vehicles by their `customer_id`.
CREATE INDEX shared_vehicles_by_plate ON shared_records (((fields->>'plate') COLLATE "C"))
    WHERE entity = 'vehicle';
CREATE INDEX shared_vehicles_by_customer ON shared_records ((fields->>'customer_id'))
    WHERE entity = 'vehicle';
CREATE INDEX shared_customers_by_phone ON shared_records USING gin ((fields->'phones') jsonb_path_ops)
    WHERE entity = 'customer';

-- Every access a lookup granted: which station, which record, when, and the
-- staff member the station named (the station itself comes from its token).
-- One row per record newly granted; `lookup_kind` says what the query was
-- (plate, vin, phone), never its value. Append-only: the trigger refuses to
-- change or remove a row, whoever asks.
CREATE TABLE shared_grants (
    grant_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id   uuid NOT NULL REFERENCES stations (station_id),
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    via          text NOT NULL,
    lookup_kind  text,
    staff_id     text NOT NULL,
    staff_name   text NOT NULL,
    granted_at   timestamptz NOT NULL
);
CREATE INDEX shared_grants_by_record ON shared_grants (entity, entity_id);
CREATE INDEX shared_grants_by_station ON shared_grants (station_id, granted_at);

CREATE FUNCTION shared_grants_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'shared_grants is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER shared_grants_append_only BEFORE UPDATE OR DELETE ON shared_grants
    FOR EACH ROW EXECUTE FUNCTION shared_grants_refuse_change();
