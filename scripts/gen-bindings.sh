#!/usr/bin/env bash
# Regenerates the UI's TypeScript types (ui/src/lib/generated, the console's in its console/ folder) from the Rust types.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh 2>/dev/null || export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stationdesk/target}"
UPDATE_BINDINGS=1 cargo test -q -p station --test bindings
UPDATE_BINDINGS=1 cargo test -q -p headoffice --test bindings
echo "regenerated ui/src/lib/generated (and its console/ folder)"
