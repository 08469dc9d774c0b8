#!/usr/bin/env bash
# Builds StationDesk's installers into dist/ (docs/release.md, "Packages"):
#   - the desktop app through Tauri's bundler: a .deb on Linux (icon, desktop entry),
#     NSIS and MSI on Windows (Git Bash), a .dmg on macOS;
#   - on Linux, the head office as a .deb: binary, console pages, systemd unit,
#     /etc/stationdesk-headoffice/headoffice.toml (a conffile) and a system user.
# Prints each package's size in bytes. The installed binaries carry no debug info:
# their line tables are kept beside the packages (*.debug) for reading backtraces.
#
#   scripts/package.sh                                # the platform's default bundles
#   STATIONDESK_BUNDLES=deb,appimage scripts/package.sh   # other Tauri bundle targets
#   STATIONDESK_DIST=/some/dir scripts/package.sh         # somewhere else than dist/
#
# Release builds go to the shared target dir (scripts/env.sh), so only the first
# build is slow. The head office's Containerfile is packaging/headoffice/Containerfile.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$STATIONDESK_ROOT"

dist="${STATIONDESK_DIST:-$STATIONDESK_ROOT/dist}"
# The one version (docs/release.md, "Versions"): [workspace.package] in Cargo.toml.
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
[ -n "$version" ] || { echo "package.sh: no version in Cargo.toml's [workspace.package]" >&2; exit 1; }

case "$(uname -s)" in
  Linux) default_bundles=deb ;;
  Darwin) default_bundles=dmg ;;
  MINGW* | MSYS* | CYGWIN*) default_bundles=nsis,msi ;;
  *) echo "package.sh: no installer recipe for $(uname -s)" >&2; exit 1 ;;
esac
bundles="${STATIONDESK_BUNDLES:-$default_bundles}"

# The release profile keeps line tables (file:line in backtraces): nine tenths of the
# binaries. They go to $2 in dist/, kept for support, and binary $1 loses them (in place)
# and names that file (gnu-debuglink). A binary already split keeps its earlier file.
split_debug_info() {
  if readelf -S "$1" | grep -q '\.debug_line'; then
    objcopy --only-keep-debug "$1" "$2"
    objcopy --strip-debug --add-gnu-debuglink="$2" "$1"
  fi
}

mkdir -p "$dist"
rm -f "$dist"/*.deb "$dist"/*.AppImage "$dist"/*.msi "$dist"/*-setup.exe "$dist"/*.dmg

section "UI: npm ci and npm run build (ui/dist, ui/dist-console)"
npm_ci_if_stale ui
npm run build --prefix ui

section "Desktop app: tauri build --bundles $bundles (release)"
# The Tauri CLI is a devDependency of ui/; it runs `cargo build --release` itself.
tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || tauri=ui/node_modules/.bin/tauri.cmd
if [ "$(uname -s)" = Linux ]; then
  "$tauri" build --ci --no-bundle
  split_debug_info "$CARGO_TARGET_DIR/release/stationdesk" "$dist/stationdesk_$version.debug"
  "$tauri" bundle --ci --bundles "$bundles"
else
  "$tauri" build --ci --bundles "$bundles"
fi
bundle_dir="$CARGO_TARGET_DIR/release/bundle"
shopt -s nullglob
for f in "$bundle_dir"/deb/*_"$version"_*.deb "$bundle_dir"/appimage/*_"$version"_*.AppImage \
  "$bundle_dir"/msi/*_"$version"_*.msi "$bundle_dir"/nsis/*_"$version"_*-setup.exe "$bundle_dir"/dmg/*_"$version"_*.dmg; do
  cp "$f" "$dist/"
done
shopt -u nullglob

if [ "$(uname -s)" = Linux ]; then
  section "Head office: cargo build --release -p headoffice, and its .deb"
  cargo build --release -p headoffice --bin headoffice
  arch="$(dpkg --print-architecture)"
  pkg=stationdesk-headoffice
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  install -D -m 0755 "$CARGO_TARGET_DIR/release/headoffice" "$root/usr/bin/$pkg"
  split_debug_info "$root/usr/bin/$pkg" "$dist/${pkg}_$version.debug"
  mkdir -p "$root/usr/share/$pkg"
  cp -r ui/dist-console "$root/usr/share/$pkg/console"
  install -D -m 0640 packaging/headoffice/headoffice.toml "$root/etc/$pkg/headoffice.toml"
  install -D -m 0644 packaging/headoffice/$pkg.service "$root/lib/systemd/system/$pkg.service"
  install -D -m 0644 packaging/headoffice/copyright "$root/usr/share/doc/$pkg/copyright"
  install -d "$root/DEBIAN"
  for script in postinst prerm postrm; do
    install -m 0755 "packaging/headoffice/$script" "$root/DEBIAN/$script"
  done
  echo "/etc/$pkg/headoffice.toml" >"$root/DEBIAN/conffiles"
  installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_kb/" \
    packaging/headoffice/control >"$root/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$dist/${pkg}_${version}_${arch}.deb" >/dev/null
fi

section "Packages in $dist (bytes; the .debug files are the binaries' line tables, not shipped)"
for f in "$dist"/*; do
  printf '%12s  %s\n' "$(stat -c %s "$f" 2>/dev/null || wc -c <"$f")" "$(basename "$f")"
done
