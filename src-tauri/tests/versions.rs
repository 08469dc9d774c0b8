//! One version for the whole release (docs/release.md, "Versions"): Cargo's
//! `workspace.package.version` is the source; the Tauri bundler names the
//! installers after `tauri.conf.json`'s and npm reads `ui/package.json`'s, so
//! they must say the same or a release ships two numbers.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn json_version(relative: &str, pointer: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value.pointer(pointer).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("{} has no {pointer}", path.display())).to_string()
}

#[test]
fn the_workspace_the_tauri_config_and_the_ui_package_carry_one_version() {
    let workspace = env!("CARGO_PKG_VERSION");
    assert_eq!(json_version("tauri.conf.json", "/version"), workspace, "src-tauri/tauri.conf.json");
    assert_eq!(json_version("../ui/package.json", "/version"), workspace, "ui/package.json");
    assert_eq!(json_version("../ui/package-lock.json", "/version"), workspace, "ui/package-lock.json");
    assert_eq!(json_version("../ui/package-lock.json", "/packages//version"), workspace, "ui/package-lock.json");
}

#[test]
fn every_crate_takes_the_workspace_version() {
    // `stationdesk --version`, `headoffice --version` and the version a station sends
    // the head office are each their crate's CARGO_PKG_VERSION.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut manifests = vec![root.join("src-tauri/Cargo.toml")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        manifests.push(entry.unwrap().path().join("Cargo.toml"));
    }
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.lines().any(|l| l.trim() == "version.workspace = true"), "{} sets a version of its own", manifest.display());
    }
    assert_eq!(station::VERSION, env!("CARGO_PKG_VERSION"));
}
