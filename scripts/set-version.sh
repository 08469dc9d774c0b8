#!/usr/bin/env bash
# Sets the one release version everywhere it is written (docs/release.md, "Versions"):
# Cargo.toml's [workspace.package] (every crate inherits it, Cargo.lock follows),
# src-tauri/tauri.conf.json, and ui/package.json with its lock file.
#   scripts/set-version.sh 0.2.0
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

new="${1:-}"
if ! [[ "$new" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "usage: scripts/set-version.sh MAJOR.MINOR.PATCH (semver; a pre-release suffix is allowed)" >&2
  exit 2
fi
sed -i "/^\[workspace.package\]/,/^\[/s/^version = \".*\"/version = \"$new\"/" Cargo.toml
node -e '
  const fs = require("fs");
  const [file, version] = process.argv.slice(1);
  const conf = JSON.parse(fs.readFileSync(file, "utf8"));
  conf.version = version;
  fs.writeFileSync(file, JSON.stringify(conf, null, 2) + "\n");
' src-tauri/tauri.conf.json "$new"
(cd ui && npm version "$new" --no-git-tag-version --allow-same-version >/dev/null)
cargo update --workspace --offline -q
echo "version $new in Cargo.toml, Cargo.lock, src-tauri/tauri.conf.json, ui/package.json and ui/package-lock.json"
echo "check: cargo test -p stationdesk --test versions"
