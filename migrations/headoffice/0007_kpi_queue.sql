-- The KPI upkeep moved out of the push (docs/kpis-headoffice.md): a push only
-- records, in its own transaction, which orders, complaints and deadlines it
-- touched, as one row; the counting happens later, under the station's
-- kpi_stations lock, in the server's background drain or in the first KPI read
-- of that station, whichever comes first. A row is deleted by the transaction
-- that counts it, so a push is counted once it is acknowledged, and only once
-- its records are visible to the counting.
CREATE TABLE kpi_queue (
    station_id  uuid NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    -- The pushing head office's clock: running deadlines are counted as of then
    -- (the sweep counts those that turn late later), as the push itself did.
    at          timestamptz NOT NULL,
    -- The sources touched: (source, source_id) pairs, source being
    -- repair_order, complaint or item_clock.
    sources     text[] NOT NULL,
    source_ids  text[] NOT NULL,
    -- Records whose change did not say which order they belong to (a deleted
    -- line carries only its id): looked up in records when counted.
    lookups     text[] NOT NULL,
    lookup_ids  text[] NOT NULL,
    -- A calendar or the station's settings changed (the rules may have); parts or staff (the context).
    rules       boolean NOT NULL,
    context     boolean NOT NULL,
    PRIMARY KEY (station_id, id)
);
-- As for records: a station enrolled since the last ANALYZE must not look like one row.
ALTER TABLE kpi_queue ALTER COLUMN station_id SET STATISTICS 0;
