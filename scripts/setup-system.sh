#!/usr/bin/env bash
# Installs the system packages StationDesk needs, on Debian/Ubuntu, with apt-get.
# Only what is missing is installed, and `apt-get update` runs at most once.
#
#   scripts/setup-system.sh            everything: building the app and running all tests
#   scripts/setup-system.sh --build    only what building and running the app needs
#
# It also checks that Rust and Node.js are there; it does not install those.
set -euo pipefail

BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev)
# webkit2gtk-driver + xvfb + xauth: the desktop window tests; chromium: the browser
# tests; poppler-utils: reading back generated PDFs; postgresql: the central server's
# tests; fonts-noto-cjk: Chinese text in the window and in screenshots; faketime:
# whole-process tests that move the station's clock (after-sales deadlines).
TEST_PACKAGES=(webkit2gtk-driver xvfb xauth chromium poppler-utils postgresql fonts-noto-cjk faketime)

MIN_NODE="20.19" # ui/package.json engines (Vite 8)
MIN_RUST="1.80" # the workspace's rust-version

mode=all
case "${1:-}" in
  "") ;;
  --build) mode=build ;;
  -h | --help)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "setup-system.sh: unknown argument '$1' (expected --build or nothing)" >&2
    exit 2
    ;;
esac

packages=("${BUILD_PACKAGES[@]}")
if [ "$mode" = all ]; then
  packages+=("${TEST_PACKAGES[@]}")
fi

problems=0

# --- system packages --------------------------------------------------------
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: this is not a Debian/Ubuntu system (no dpkg/apt-get), so nothing is installed."
  echo "  Install the equivalents of: ${packages[*]}"
  echo "  (see https://v2.tauri.app/start/prerequisites/ for the Tauri build dependencies)."
else
  installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
  }
  missing=()
  for pkg in "${packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
  done

  if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup-system: all ${#packages[@]} system packages are installed ($mode)."
  else
    echo "setup-system: installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
      else
        echo "setup-system: not root and no sudo: as root, run apt-get install ${missing[*]}" >&2
        exit 1
      fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    # Some names differ between distributions (Ubuntu's chromium is a snap wrapper,
    # which does not work in containers): install what apt knows, report the rest.
    available=()
    for pkg in "${missing[@]}"; do
      # Not `apt-cache policy | grep -q`: grep quits at the first match, apt-cache
      # dies of SIGPIPE and pipefail turns that into "no candidate".
      policy="$(apt-cache policy "$pkg" 2>/dev/null || true)"
      if grep -q 'Candidate: [^(]' <<<"$policy"; then
        available+=("$pkg")
      else
        echo "setup-system: apt has no package '$pkg' here: install it another way." >&2
        problems=1
      fi
    done
    if [ "${#available[@]}" -gt 0 ]; then
      "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${available[@]}"
    fi
  fi
fi

# --- toolchains: checked, not installed -------------------------------------
version_at_least() { # version_at_least HAVE WANT (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

if [ -x "$HOME/.cargo/bin/cargo" ] && ! command -v cargo >/dev/null 2>&1; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
  cat >&2 <<MSG
setup-system: Rust is missing. Install it with rustup (https://rustup.rs):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  source "\$HOME/.cargo/env"
MSG
  problems=1
else
  rust_version="$(rustc --version | awk '{print $2}')"
  if version_at_least "${rust_version%%-*}" "$MIN_RUST"; then
    echo "setup-system: Rust $rust_version"
  else
    echo "setup-system: Rust $rust_version is older than $MIN_RUST: run 'rustup update stable'." >&2
    problems=1
  fi
fi

node_hint="Install Node.js $MIN_NODE or newer (an LTS release) from https://nodejs.org/, with a version
  manager (nvm, fnm), or from NodeSource's apt repository (https://github.com/nodesource/distributions).
  Debian's own 'nodejs' package is too old for the UI build (Debian 12 ships Node 18)."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup-system: Node.js/npm are missing. $node_hint" >&2
  problems=1
else
  node_version="$(node --version)"
  if version_at_least "${node_version#v}" "$MIN_NODE"; then
    echo "setup-system: Node $node_version, npm $(npm --version)"
  else
    echo "setup-system: Node $node_version is too old. $node_hint" >&2
    problems=1
  fi
fi

if [ "$problems" -ne 0 ]; then
  echo "setup-system: fix the problems above, then run this again." >&2
  exit 1
fi
