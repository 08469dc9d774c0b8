//! The UI's TypeScript types are generated from the Rust types. This test
//! regenerates them and fails when the committed copy in
//! `ui/src/lib/generated` differs; `scripts/gen-bindings.sh` refreshes it.
//! `generated/console` is the head office console's (crates/headoffice/tests/bindings.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The head office console's types, generated into a folder of their own by the headoffice crate.
const CONSOLE: &str = "console";

/// Every `.ts` file below `dir` (ts-rs puts some in subfolders, e.g. `serde_json/`), by relative path.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path == root.join(CONSOLE) {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "ts") {
                let rel = path.strip_prefix(root).expect("below root").to_string_lossy().to_string();
                out.insert(rel, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn the_committed_typescript_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated");
    let fresh = tempfile::tempdir().expect("temp dir");
    station::ops::export_typescript(fresh.path()).expect("export TypeScript");
    let fresh_files = read_dir(fresh.path());
    assert!(fresh_files.contains_key("Operations.ts"), "the operation map must be generated");

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        for entry in std::fs::read_dir(&committed).into_iter().flatten().flatten().filter(|e| e.file_name() != CONSOLE) {
            let path = entry.path();
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
        std::fs::create_dir_all(&committed).expect("create generated dir");
        for (name, text) in &fresh_files {
            let path = committed.join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create generated subdir");
            std::fs::write(path, text).expect("write binding");
        }
        return;
    }
    let old = read_dir(&committed);
    let stale: Vec<&String> =
        fresh_files.keys().filter(|k| old.get(*k) != fresh_files.get(*k)).chain(old.keys().filter(|k| !fresh_files.contains_key(*k))).collect();
    assert!(stale.is_empty(), "ui/src/lib/generated is stale ({stale:?}); run scripts/gen-bindings.sh and commit the result");
}
