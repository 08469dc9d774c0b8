#!/usr/bin/env bash
# Installs the .debs that scripts/package.sh put in dist/ (apt-get, so their
# dependencies resolve) and checks that the INSTALLED programs work:
#   - `stationdesk serve` on loopback with a fresh data dir answers the login
#     screen's operation (setup_status) with this release's version, and serves the UI;
#   - `stationdesk-headoffice`, as its system user and with its installed
#     config file, migrates a throwaway PostgreSQL cluster, answers /ready and
#     /console, and its admin command creates a station.
# Then purges both packages, so the next run installs afresh. Needs root (CI
# runs as root on Debian). docs/release.md, "Packages".
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

dist="${STATIONDESK_DIST:-$STATIONDESK_ROOT/dist}"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
arch="$(dpkg --print-architecture)"
desk_deb="$dist/StationDesk_${version}_${arch}.deb"
ho_deb="$dist/stationdesk-headoffice_${version}_${arch}.deb"
for f in "$desk_deb" "$ho_deb"; do
  [ -f "$f" ] || { echo "check-installed: $f is missing: run scripts/package.sh first" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "check-installed: installs packages, so it runs as root" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
pg_ctl_bin=""
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$pg_ctl_bin" ] && runuser -u postgres -- "$pg_ctl_bin" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 40 "$log"; }; done
  fi
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q station-desk stationdesk-headoffice >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

fail() {
  echo "check-installed: $*" >&2
  exit 1
}

# Waits up to 60 s until `curl` gets a 2xx from $1.
wait_for() {
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  fail "nothing answered at $1"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

section "Installing $(basename "$desk_deb") and $(basename "$ho_deb") with apt-get"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$desk_deb" "$ho_deb"

section "The installed desktop app: stationdesk --version, then serve on loopback"
[ -x /usr/bin/stationdesk ] || fail "/usr/bin/stationdesk was not installed"
[ -f /usr/share/applications/StationDesk.desktop ] || fail "no desktop entry in /usr/share/applications"
ls /usr/share/icons/hicolor/*/apps/stationdesk.png >/dev/null || fail "no icon under /usr/share/icons/hicolor"
[ "$(/usr/bin/stationdesk --version)" = "stationdesk $version" ] || fail "stationdesk --version says '$(/usr/bin/stationdesk --version)'"
port="$(free_port)"
/usr/bin/stationdesk serve --data-dir "$work/station" --listen "127.0.0.1:$port" >"$work/station.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/"
curl -fsS "http://127.0.0.1:$port/" | grep -qi '<!doctype html' || fail "serve did not answer / with the embedded UI"
status="$(curl -fsS -X POST -H 'content-type: application/json' -d '{}' "http://127.0.0.1:$port/api/setup_status")"
echo "setup_status: $status"
echo "$status" | grep -q "\"app_version\":\"$version\"" || fail "setup_status does not name version $version"
echo "$status" | grep -q '"is_set_up":false' || fail "a fresh data dir should not be set up"

section "The installed head office: --version, its user and conffile, then serve on a throwaway PostgreSQL"
ho=/usr/bin/stationdesk-headoffice
conf=/etc/stationdesk-headoffice/headoffice.toml
[ "$($ho --version)" = "headoffice $version" ] || fail "stationdesk-headoffice --version says '$($ho --version)'"
getent passwd stationdesk-headoffice >/dev/null || fail "the system user stationdesk-headoffice was not created"
[ "$(stat -c '%a %U %G' "$conf")" = "640 root stationdesk-headoffice" ] || fail "$conf is $(stat -c '%a %U %G' "$conf")"
dpkg-query -W -f='${Conffiles}\n' stationdesk-headoffice | grep -q "$conf" || fail "$conf is not a conffile"
[ -f /lib/systemd/system/stationdesk-headoffice.service ] || fail "no systemd unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify /lib/systemd/system/stationdesk-headoffice.service
fi
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
pg_ctl_bin="$pg_bin/pg_ctl"
pg_port="$(free_port)"
mkdir -p "$work/pg"
chmod 755 "$work" # the head office's user reaches the socket in $work/pg
chown postgres:postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
runuser -u postgres -- "$pg_ctl_bin" -D "$work/pg/data" -l "$work/pg/postgres.log" -w \
  -o "-k $work/pg -p $pg_port -c listen_addresses='' -F" start >/dev/null
runuser -u postgres -- "$pg_bin/createdb" -h "$work/pg" -p "$pg_port" -U postgres headoffice
ho_port="$(free_port)"
as_ho=(runuser -u stationdesk-headoffice -- env
  "HEADOFFICE__DATABASE_URL=postgres://postgres@localhost/headoffice?host=$work/pg&port=$pg_port"
  "HEADOFFICE__LISTEN=127.0.0.1:$ho_port")
"${as_ho[@]}" "$ho" --config "$conf" serve >"$work/headoffice.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ho_port/ready"
curl -fsS "http://127.0.0.1:$ho_port/ready"
echo
curl -fsS "http://127.0.0.1:$ho_port/console/" | grep -qi '<!doctype html' || fail "/console does not serve the installed console pages"
"${as_ho[@]}" "$ho" --config "$conf" admin create-station --code CI01 --name "CI station" >"$work/create-station.log"
grep -q . "$work/create-station.log" || fail "admin create-station printed no enrollment code"
echo "check-installed: the installed station and head office answer (version $version)"
