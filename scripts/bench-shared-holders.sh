#!/usr/bin/env bash
# Times the head office's two queries about who still holds a shared customer
# or car (docs/benchmarks.md, "Who holds a shared customer"): `HELD_ELSEWHERE`
# (store/destructions.rs, run in a push that carries a destruction) and
# `VISITS` (store/feed.rs, run for every pull page with vehicles), their SQL
# read from the sources, on a throwaway PostgreSQL cluster migrated by the real
# head office and filled with BENCH_CUSTOMERS customers (default 200,000), one
# car each, two orders per car, a complaint, a service request and a follow-up
# call for half of them, one destruction (of an order, with its customer and car) per 10 customers,
# across 100 stations.
# Needs the PostgreSQL server binaries and `cargo build -p headoffice`
# (HEADOFFICE_BIN overrides the binary). Runs as root (the cluster as postgres) or as its owner.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh 2>/dev/null || true
BIN="${HEADOFFICE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/stationdesk/target}/debug/headoffice}"
N="${BENCH_CUSTOMERS:-200000}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DIR="$(mktemp -d /tmp/bench-holders.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
PORT=$((20000 + RANDOM % 20000))
as_pg "$PG_BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off" start >/dev/null
trap 'as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
as_pg "$PG_BIN/createdb" -h "$DIR" -p "$PORT" -U postgres headoffice
export HEADOFFICE__DATABASE_URL="postgres://postgres@localhost/headoffice?host=$DIR&port=$PORT"
"$BIN" admin create-station --code S0 --name migrated >/dev/null   # runs the migrations
psql() { "$PG_BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d headoffice -X -q -v ON_ERROR_STOP=1 -v n="$N" "$@"; }

echo "filling: $N customers over 100 stations"
psql <<'SQL'
INSERT INTO stations (station_id, code, name) SELECT gen_random_uuid(), 'S' || g, 'Station ' || g FROM generate_series(1, 100) g;
CREATE TABLE bench_st AS SELECT station_id, row_number() OVER (ORDER BY code) AS n FROM stations WHERE code <> 'S0';
INSERT INTO shared_records (entity, entity_id, fields) SELECT 'customer', 'c' || g, jsonb_build_object('id', 'c' || g, 'name', '王芳') FROM generate_series(1, :n) g;
INSERT INTO shared_records (entity, entity_id, fields)
  SELECT 'vehicle', 'v' || g, jsonb_build_object('id', 'v' || g, 'customer_id', 'c' || g, 'plate', '沪A' || g) FROM generate_series(1, :n) g;
INSERT INTO shared_access (station_id, entity, entity_id)
  SELECT st.station_id, x.e, x.i FROM generate_series(1, :n) g JOIN bench_st st ON st.n = g % 100 + 1
  CROSS JOIN LATERAL (VALUES ('customer', 'c' || g), ('vehicle', 'v' || g)) AS x(e, i);
INSERT INTO records (station_id, entity, entity_id, payload, hlc)
  SELECT st.station_id, 'repair_order', 'ro' || g || '-' || k,
         jsonb_build_object('id', 'ro' || g || '-' || k, 'vehicle', jsonb_build_object('id', 'v' || g), 'customer', jsonb_build_object('id', 'c' || g),
                            'checked_in_at', '2026-01-01'), '0'
  FROM generate_series(1, :n) g CROSS JOIN generate_series(1, 2) k JOIN bench_st st ON st.n = g % 100 + 1;
INSERT INTO records (station_id, entity, entity_id, payload, hlc)
  SELECT st.station_id, k.kind, k.kind || g, jsonb_build_object('id', k.kind || g, 'customer_id', 'c' || g, 'vehicle_id', 'v' || g), '0'
  FROM generate_series(1, :n / 2) g JOIN bench_st st ON st.n = g % 100 + 1 CROSS JOIN (VALUES ('complaint'), ('service_request'), ('follow_up')) AS k(kind);
INSERT INTO records (station_id, entity, entity_id, payload, hlc)
  SELECT st.station_id, 'destruction', 'd' || g,
         jsonb_build_object('id', 'd' || g, 'kind', 'repair_order', 'subject_id', 'ro' || g * 10 || '-1',
                            'customers', jsonb_build_array('c' || g * 10), 'vehicles', jsonb_build_array('v' || g * 10)), '0'
  FROM generate_series(1, :n / 10) g JOIN bench_st st ON st.n = g % 100 + 1;
ANALYZE;
SQL

# The queries as the head office runs them: its constants, read from the sources.
held=$(python3 -c 'import re,sys; s=open("crates/headoffice/src/store/destructions.rs").read(); print(re.search(r"const HELD_ELSEWHERE: &str = \"(.*?)\";", s, re.S).group(1))')
visits=$(python3 -c 'import re,sys; s=open("crates/headoffice/src/store/feed.rs").read(); print(re.search(r"const VISITS: &str = \"(.*?)\";", s, re.S).group(1))')
ids() { python3 -c "import sys; print('{' + ','.join('$1%d' % (int(sys.argv[1]) * 997 % $N + 1 + i) for i in range(20)) + '}')" "$2"; }
run() {
  local label="$1" jit="$2"
  local times=()
  for r in 1 2 3 4 5; do
    local ms
    ms=$(psql -At <<SQL | grep -Eo 'Execution Time: [0-9.]+' | grep -Eo '[0-9.]+'
SET jit = $jit;
PREPARE held(text[], text[], uuid) AS $held;
PREPARE visits(uuid, text[]) AS $visits;
EXPLAIN (ANALYZE, FORMAT TEXT) EXECUTE $3('$(ids "$4" "$r")', '$(ids "$5" "$r")'$6);
SQL
    )
    times+=("$ms")
  done
  printf '%-58s %s\n' "$label" "${times[*]} ms"
}
S1=$(psql -At -c "SELECT station_id FROM stations WHERE code = 'S1'")
echo "five runs each, 20 customers and their 20 cars a run (Execution Time of EXPLAIN ANALYZE):"
run "HELD_ELSEWHERE (a push's destruction), jit off as the push" off held c v ", '$S1'"
run "HELD_ELSEWHERE with jit on (the server's default)" on held c v ", '$S1'"
run_visits() {
  local label="$1" times=()
  for r in 1 2 3 4 5; do
    times+=("$(psql -At <<SQL | grep -Eo 'Execution Time: [0-9.]+' | grep -Eo '[0-9.]+'
PREPARE visits(uuid, text[]) AS $visits;
EXPLAIN (ANALYZE) EXECUTE visits('$S1', '$(ids v "$r")');
SQL
    )")
  done
  printf '%-58s %s\n' "$label" "${times[*]} ms"
}
run_visits "VISITS (a pull page's vehicles' history)"
psql -c "DROP STATISTICS records_order_vehicle_ids, records_order_customer_ids, records_named_customer_ids, records_named_vehicle_ids" -c "ANALYZE records"
run_visits "VISITS without the expression statistics of migration 0012"
run "HELD_ELSEWHERE without them, jit off" off held c v ", '$S1'"
run "HELD_ELSEWHERE without them, jit on" on held c v ", '$S1'"
