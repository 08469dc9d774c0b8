# shellcheck shell=bash
# Sourced by the other scripts (and handy in a shell: `source scripts/env.sh`).
# Caches live outside the checkout so a fresh clone (CI) reuses them.

STATIONDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export STATIONDESK_ROOT

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stationdesk/target}"
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
# Quieter, non-interactive npm.
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# The app binary `cargo build -p stationdesk` produces (tests/desktop drives it).
export STATIONDESK_BIN="${STATIONDESK_BIN:-$CARGO_TARGET_DIR/debug/stationdesk}"

# Rust installed by rustup but not yet on PATH in this shell.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# Prints a section header.
section() {
  if [ -t 1 ]; then
    printf '\n\033[1m==> %s\033[0m\n' "$*"
  else
    printf '\n==> %s\n' "$*"
  fi
}

# `npm ci` in $1 unless node_modules already matches package-lock.json
# (npm writes node_modules/.package-lock.json on every install).
npm_ci_if_stale() {
  local dir="$1"
  if [ ! -f "$dir/package.json" ]; then
    echo "no $dir/package.json: skipping npm ci"
    return 0
  fi
  if [ ! -f "$dir/package-lock.json" ]; then
    echo "$dir has no package-lock.json: running npm install to create it"
    (cd "$dir" && npm install --no-audit --no-fund)
    return 0
  fi
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
    [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] &&
    [ "$dir/node_modules/.package-lock.json" -nt "$dir/package.json" ]; then
    echo "$dir/node_modules is up to date"
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund)
}

# Whether package.json in $1 defines script $2.
npm_has_script() {
  [ -f "$1/package.json" ] && node -e 'const p = require(require("path").resolve(process.argv[1])); process.exit(p.scripts?.[process.argv[2]] ? 0 : 1)' "$1/package.json" "$2"
}
