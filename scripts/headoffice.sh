#!/usr/bin/env bash
# Runs the head office (crates/headoffice) with a local PostgreSQL.
#
#   scripts/headoffice.sh serve                                    # http://127.0.0.1:8480 (the console: /console)
#   scripts/headoffice.sh admin create-station --code SH01 --name "上海一店"
#   scripts/headoffice.sh admin load-parts parts.csv
#
# With HEADOFFICE__DATABASE_URL set, that database is used. Otherwise a private
# PostgreSQL cluster is created (once) under $STATIONDESK_HEADOFFICE_DATA
# (default ~/.local/share/stationdesk/headoffice), listening on a Unix socket
# only, and started if it is not running. PostgreSQL comes from apt
# (scripts/setup-system.sh installs it). See docs/sync.md.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

if [ -z "${HEADOFFICE__DATABASE_URL:-}" ]; then
  data_root="${STATIONDESK_HEADOFFICE_DATA:-$HOME/.local/share/stationdesk/headoffice}"
  port="${STATIONDESK_HEADOFFICE_PG_PORT:-54329}"
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  if [ -z "$bin" ]; then
    echo "headoffice.sh: PostgreSQL is not installed: run scripts/setup-system.sh (or apt-get install postgresql)" >&2
    exit 1
  fi
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi # initdb refuses to run as root
  mkdir -p "$data_root"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data_root"
  if [ ! -f "$data_root/pg/PG_VERSION" ]; then
    section "Creating the head office's PostgreSQL cluster in $data_root/pg"
    "${as_pg[@]}" "$bin/initdb" -D "$data_root/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  fi
  if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$data_root/pg" status >/dev/null 2>&1; then
    "${as_pg[@]}" "$bin/pg_ctl" -D "$data_root/pg" -l "$data_root/pg.log" -w \
      -o "-k $data_root -p $port -c listen_addresses=''" start >/dev/null
  fi
  "${as_pg[@]}" "$bin/psql" -h "$data_root" -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'headoffice'" | grep -q 1 ||
    "${as_pg[@]}" "$bin/createdb" -h "$data_root" -p "$port" -U postgres headoffice
  export HEADOFFICE__DATABASE_URL="postgres://postgres@localhost/headoffice?host=$data_root&port=$port"
fi

# The console's pages (docs/console.md): built once if they are not, when serving from the checkout.
if [ "${1:-}" = serve ] && [ -z "${HEADOFFICE__CONSOLE_DIR:-}" ] && [ ! -f ui/dist-console/index.html ]; then
  if command -v npm >/dev/null 2>&1; then
    section "Building the console's pages (ui/dist-console)"
    npm_ci_if_stale ui
    npm run build --prefix ui
  else
    echo "headoffice.sh: npm is missing, so /console will say the console was not built (see docs/console.md)" >&2
  fi
fi

cargo build --release -q -p headoffice
exec "$CARGO_TARGET_DIR/release/headoffice" "$@"
