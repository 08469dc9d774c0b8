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

-- Element-wise sum, for adding a delta to a stored sum; a missing element
-- counts as zero (plpgsql updates the array in place).
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

-- The sums of a report: kpi_daily rows in two day ranges and kpi_monthly rows
-- in a month range, of some stations, for one dim, grouped by station or not
-- and by day, week, month or not (grp: day, week, month, all). One native
-- sum per counter is four times faster than an array-adding aggregate
-- (6,000 rows: 18 ms against 78 ms), so the width is written out: 56, the
-- width of Tally::to_vec. A kpi version with more counters replaces this
-- function; the tests compare every counter with the kpi crate's own sums.
CREATE FUNCTION kpi_sums(stations uuid[], kind text, id text, d1_from date, d1_to date, d2_from date, d2_to date,
                         m_from date, m_to date, by_station boolean, grp text)
RETURNS TABLE (station_id uuid, period date, tally bigint[])
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH parts AS (
        SELECT d.station_id, d.day AS at, d.tally FROM kpi_daily d
        WHERE d.station_id = ANY(stations) AND d.dim_kind = kind AND d.dim_id = id AND d.day BETWEEN d1_from AND d1_to
        UNION ALL
        SELECT d.station_id, d.day, d.tally FROM kpi_daily d
        WHERE d.station_id = ANY(stations) AND d.dim_kind = kind AND d.dim_id = id AND d.day BETWEEN d2_from AND d2_to
        UNION ALL
        SELECT m.station_id, m.month, m.tally FROM kpi_monthly m
        WHERE m.station_id = ANY(stations) AND m.dim_kind = kind AND m.dim_id = id AND m.month BETWEEN m_from AND m_to
    )
    SELECT CASE WHEN by_station THEN p.station_id END,
           CASE grp WHEN 'day' THEN p.at WHEN 'week' THEN date_trunc('week', p.at)::date WHEN 'month' THEN date_trunc('month', p.at)::date END,
           ARRAY[
            coalesce(sum(p.tally[1]), 0), coalesce(sum(p.tally[2]), 0), coalesce(sum(p.tally[3]), 0), coalesce(sum(p.tally[4]), 0),
            coalesce(sum(p.tally[5]), 0), coalesce(sum(p.tally[6]), 0), coalesce(sum(p.tally[7]), 0), coalesce(sum(p.tally[8]), 0),
            coalesce(sum(p.tally[9]), 0), coalesce(sum(p.tally[10]), 0), coalesce(sum(p.tally[11]), 0), coalesce(sum(p.tally[12]), 0),
            coalesce(sum(p.tally[13]), 0), coalesce(sum(p.tally[14]), 0), coalesce(sum(p.tally[15]), 0), coalesce(sum(p.tally[16]), 0),
            coalesce(sum(p.tally[17]), 0), coalesce(sum(p.tally[18]), 0), coalesce(sum(p.tally[19]), 0), coalesce(sum(p.tally[20]), 0),
            coalesce(sum(p.tally[21]), 0), coalesce(sum(p.tally[22]), 0), coalesce(sum(p.tally[23]), 0), coalesce(sum(p.tally[24]), 0),
            coalesce(sum(p.tally[25]), 0), coalesce(sum(p.tally[26]), 0), coalesce(sum(p.tally[27]), 0), coalesce(sum(p.tally[28]), 0),
            coalesce(sum(p.tally[29]), 0), coalesce(sum(p.tally[30]), 0), coalesce(sum(p.tally[31]), 0), coalesce(sum(p.tally[32]), 0),
            coalesce(sum(p.tally[33]), 0), coalesce(sum(p.tally[34]), 0), coalesce(sum(p.tally[35]), 0), coalesce(sum(p.tally[36]), 0),
            coalesce(sum(p.tally[37]), 0), coalesce(sum(p.tally[38]), 0), coalesce(sum(p.tally[39]), 0), coalesce(sum(p.tally[40]), 0),
            coalesce(sum(p.tally[41]), 0), coalesce(sum(p.tally[42]), 0), coalesce(sum(p.tally[43]), 0), coalesce(sum(p.tally[44]), 0),
            coalesce(sum(p.tally[45]), 0), coalesce(sum(p.tally[46]), 0), coalesce(sum(p.tally[47]), 0), coalesce(sum(p.tally[48]), 0),
            coalesce(sum(p.tally[49]), 0), coalesce(sum(p.tally[50]), 0), coalesce(sum(p.tally[51]), 0), coalesce(sum(p.tally[52]), 0),
            coalesce(sum(p.tally[53]), 0), coalesce(sum(p.tally[54]), 0), coalesce(sum(p.tally[55]), 0), coalesce(sum(p.tally[56]), 0)
           ]::bigint[]
    FROM parts p
    GROUP BY 1, 2
$$;
