-- KPI sums kept current as pushes arrive (docs/kpis-headoffice.md). The
-- definitions are the `kpi` crate's: each order, complaint and deadline a
-- station pushed makes a contribution (day, whose, tally); the push
-- transaction replaces a record's old contribution with its new one in the
-- day and month sums. Every table is keyed by station first, like the rest of
-- what a station writes, so it distributes with Citus on station_id.

-- A station enrolled since the last ANALYZE is not among the most common
-- values of station_id, and when every station then known was (up to 100 of
-- them), PostgreSQL estimates such a station at one row: a scan of all its
-- records looks free. Measured on one new station, the KPI upkeep's reads grew
-- from 23 ms to 250 ms per batch over ten batches; without statistics on the
-- column the planner assumes 0.5 % per station, takes the selective index, and
-- they stayed at 7-9 ms.
ALTER TABLE records ALTER COLUMN station_id SET STATISTICS 0;

-- An order's related records, found by the order's id without a scan.
CREATE INDEX records_by_order ON records (station_id, (payload->>'ro_id'))
    WHERE entity IN ('ro_job', 'ro_line', 'time_clock', 'ro_status_event', 'follow_up', 'survey');
-- An item's deadlines (a complaint's resolution clock).
CREATE INDEX records_clocks_by_item ON records (station_id, (payload->>'item_id'))
    WHERE entity = 'item_clock';

-- Per station: the rules its contributions were computed under, and what the
-- figures need besides sums (the Context: stock, shortages, working hours,
-- technicians), kept from its records as they arrive. The row is also the
-- lock that keeps KPI upkeep for one station to one transaction at a time (a
-- push, a sweep or a rebuild).
CREATE TABLE kpi_stations (
    station_id          uuid PRIMARY KEY,
    -- The station's days are local days in this zone (its latest calendar).
    tz                  text NOT NULL DEFAULT 'Asia/Shanghai',
    repeat_window_days  integer NOT NULL DEFAULT 30,
    -- The latest calendar's body (time-limits' Calendar): working hours.
    calendar            jsonb,
    stock_value_minor   bigint NOT NULL DEFAULT 0,
    parts_short         integer NOT NULL DEFAULT 0,
    technicians         integer NOT NULL DEFAULT 0,
    -- False until the rules were read from the station's records and its
    -- contributions rebuilt: records pushed before this migration count too.
    rebuilt             boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- What each source record adds now. source is the record's entity
-- (repair_order, complaint, item_clock). contributions is a list of
-- {"d": day, "k": dim kind, "i": dim id, "t": [index, value, ...] of the
-- tally's non-zero counters in Tally::to_vec's layout}; day is the earliest
-- of them, for the drill-down.
-- recheck_at is when the contribution can change with no write (a running
-- deadline passing its late_at): the sweep re-reads those.
CREATE TABLE kpi_contributions (
    station_id     uuid NOT NULL,
    source         text NOT NULL,
    source_id      text NOT NULL,
    day            date,
    contributions  jsonb NOT NULL,
    recheck_at     timestamptz,
    PRIMARY KEY (station_id, source, source_id)
);
CREATE INDEX kpi_contributions_by_day ON kpi_contributions (station_id, day) WHERE day IS NOT NULL;
ALTER TABLE kpi_contributions ALTER COLUMN station_id SET STATISTICS 0;
CREATE INDEX kpi_contributions_recheck ON kpi_contributions (recheck_at) WHERE recheck_at IS NOT NULL;

-- The sums. dim_kind is station, advisor or technician; dim_id is '' for the
-- station. tally is Tally::to_vec's layout (a shorter array reads as zeros
-- after its end, so a counter added later needs no rewrite).
CREATE TABLE kpi_daily (
    station_id  uuid NOT NULL,
    dim_kind    text NOT NULL,
    dim_id      text NOT NULL,
    day         date NOT NULL,
    tally       bigint[] NOT NULL,
    PRIMARY KEY (station_id, dim_kind, dim_id, day)
);

-- The same per month (month = its first day): a year is twelve rows, not 365.
CREATE TABLE kpi_monthly (
    station_id  uuid NOT NULL,
    dim_kind    text NOT NULL,
    dim_id      text NOT NULL,
    month       date NOT NULL,
    tally       bigint[] NOT NULL,
    PRIMARY KEY (station_id, dim_kind, dim_id, month)
);

-- Element-wise sum; a missing element counts as zero. As an aggregate,
-- plpgsql (the array updated in place) summed 6,000 daily rows in 78 ms where
-- unnest-and-group took 122 ms and a SQL-language function 145 ms.
CREATE FUNCTION kpi_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    i integer;
BEGIN
    IF a IS NULL THEN
        RETURN b;
    END IF;
    IF b IS NULL THEN
        RETURN a;
    END IF;
    FOR i IN 1 .. cardinality(b) LOOP
        a[i] := coalesce(a[i], 0) + b[i];
    END LOOP;
    RETURN a;
END
$$;

CREATE AGGREGATE kpi_sum(bigint[]) (
    sfunc = kpi_add,
    stype = bigint[],
    combinefunc = kpi_add,
    parallel = safe
);
