#!/usr/bin/env bash
# Makes an upgrade fixture: the database and files of a station run by release COMMIT,
# in tests/fixtures/NAME/ with a manifest.json of what is in it. The upgrade test
# (crates/station/tests/sync_headoffice/upgrades.rs) opens every fixture there with
# today's code. Every release adds its own (docs/release.md, "Upgrades keep data").
#
#   scripts/make-upgrade-fixture.sh b49647a station-0.1.0-m0009
#
# The old commit is checked out in a temporary git worktree and built with its own
# target dir (FIXTURE_TARGET, default /work/oldtarget): the shared one judges
# freshness by mtimes and would mix the old `station` crate into everyone's builds.
# What is built is the old `station` crate's own HTTP transport (`Station::open` +
# `station::http::serve`, exactly what `stationdesk serve` runs) as a small example
# written into the checkout, so neither Tauri nor the UI has to be built for it.
set -euo pipefail
commit="${1:?usage: make-upgrade-fixture.sh COMMIT NAME}"
name="${2:?usage: make-upgrade-fixture.sh COMMIT NAME}"
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

full=$(git rev-parse --verify "$commit^{commit}")
short=${full:0:7}
work_root="${FIXTURE_WORK:-/tmp/stationdesk-fixture}"
src="$work_root/src-$short"
target="${FIXTURE_TARGET:-/work/oldtarget}"
out="tests/fixtures/$name"
data="$work_root/data-$short"
mkdir -p "$work_root"

section "Checking out $short in $src"
if [ ! -d "$src" ]; then
  git worktree add --detach "$src" "$full"
fi
mkdir -p "$src/crates/station/examples"
cat >"$src/crates/station/examples/fixture_serve.rs" <<'EOF'
//! Written by scripts/make-upgrade-fixture.sh into an old checkout: the shell's
//! `stationdesk serve` is `Station::open` + `station::http::serve`; this is the same two calls
//! without building Tauri and the UI. `images DIR` draws the fixture's small photos and
//! signature with the release's own `image` crate, so no image tool need be installed.
fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next().expect("data dir, or `images DIR`");
    if first == "images" {
        return images(std::path::Path::new(&args.next().expect("images dir")));
    }
    let data_dir = std::path::PathBuf::from(first);
    let listen: std::net::SocketAddr = args.next().expect("listen address").parse().expect("listen address");
    let ui = std::env::temp_dir();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let station = station::Station::open(&data_dir).await.expect("open the station");
        station::http::serve(station, listen, station::http::UiAssets::Dir(ui)).await.expect("serve");
    });
}

fn images(dir: &std::path::Path) {
    let colours: [(&str, [f32; 3]); 4] = [("front", [70., 130., 180.]), ("left-door", [139., 0., 0.]), ("brake-pad", [102., 102., 102.]), ("paper-form", [245., 222., 179.])];
    for (i, (name, c)) in colours.iter().enumerate() {
        let img = image::RgbImage::from_fn(320, 240, |x, y| {
            let t = (x + y) as f32 / 560.0;
            let stripe = if (x / 40 + y / 40 + i as u32) % 2 == 0 { 0.9 } else { 1.0 };
            image::Rgb(c.map(|v| ((v + (255.0 - v) * t) * stripe) as u8))
        });
        img.save(dir.join(format!("{name}.jpg"))).expect("write a photo");
    }
    let mut sig = image::GrayImage::from_pixel(300, 100, image::Luma([255]));
    for step in 0..2000 {
        let t = step as f32 / 2000.0;
        let bez = |a: f32, b: f32, c: f32, d: f32| (1. - t).powi(3) * a + 3. * (1. - t).powi(2) * t * b + 3. * (1. - t) * t * t * c + t.powi(3) * d;
        let (x, y) = (bez(20., 80., 150., 280.), bez(70., 10., 90., 30.));
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            sig.put_pixel((x as u32 + dx).min(299), (y as u32 + dy).min(99), image::Luma([0]));
        }
    }
    sig.save(dir.join("signature.png")).expect("write the signature");
}
EOF

section "Building $short's station (target $target)"
(cd "$src" && CARGO_TARGET_DIR="$target" CARGO_PROFILE_DEV_DEBUG=0 cargo build --locked -p station --example fixture_serve)
bin="$target/debug/examples/fixture_serve"

section "Running it on loopback and driving its API"
rm -rf "$data" && mkdir -p "$data/station"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" "$data/station" "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "serving on" "$data/serve.log" && break
  sleep 0.1
done
"$bin" images "$data"
python3 scripts/upgrade-fixture-driver.py drive "http://127.0.0.1:$port" "$data"
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT

section "Copying the database and files into $out"
# One self-contained file: the WAL folded in, free pages dropped.
sqlite3 "$data/station/station.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
rm -rf "$out" && mkdir -p "$out"
sqlite3 "$data/station/station.sqlite" "VACUUM INTO '$out/station.sqlite'"
for dir in files thumbs; do
  [ -d "$data/station/$dir" ] && cp -r "$data/station/$dir" "$out/$dir"
done
version=$(git show "$full:Cargo.toml" | sed -n 's/^version *= *"\(.*\)"/\1/p' | head -1)
python3 scripts/upgrade-fixture-driver.py manifest "$out" "$data" "$full" "$version" "$name" "$out/manifest.json"
rm -rf "$data"
du -sh "$out"
echo "made $out from $short; remove the build with: git worktree remove --force $src; rm -rf $target"
