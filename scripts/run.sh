#!/usr/bin/env bash
# Builds StationDesk and runs it.
#
#   scripts/run.sh [--data-dir DIR]                       the desktop window
#   scripts/run.sh serve [--data-dir DIR] [--listen ADDR] no window: the UI and
#                                                         API over HTTP (default
#                                                         http://127.0.0.1:8787/)
#
# Without a display ($DISPLAY / $WAYLAND_DISPLAY unset) it runs `serve`.
# A fresh station offers demo data on its first screen.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

case "${1:-}" in
  -h | --help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

section "System packages (build)"
bash scripts/setup-system.sh --build

section "UI: install and build (ui/)"
if [ -f ui/package.json ]; then
  npm_ci_if_stale ui
  npm run build --prefix ui
else
  echo "ui/package.json is missing: the binary will embed a placeholder page."
fi

section "App: cargo build -p stationdesk"
cargo build -p stationdesk

args=("$@")
if [ "${args[0]:-}" != serve ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  listen=127.0.0.1:8787
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --listen) listen="${args[i + 1]:-$listen}" ;;
      --listen=*) listen="${args[i]#--listen=}" ;;
    esac
  done
  echo
  echo "No display (\$DISPLAY is not set): falling back to serve mode."
  echo "Open http://$listen/ in a browser."
  args=(serve "${args[@]}")
fi

section "Running: stationdesk ${args[*]}"
exec "$STATIONDESK_BIN" "${args[@]}"
