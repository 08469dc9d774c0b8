//! The UI's TypeScript types are generated from the Rust types. This test
//! regenerates them and fails when the committed copy in
//! `ui/src/lib/generated` differs; `scripts/gen-bindings.sh` refreshes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| (e.file_name().to_string_lossy().to_string(), std::fs::read_to_string(e.path()).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_committed_typescript_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated");
    let fresh = tempfile::tempdir().expect("temp dir");
    station::ops::export_typescript(fresh.path()).expect("export TypeScript");
    let fresh_files = read_dir(fresh.path());
    assert!(fresh_files.contains_key("Operations.ts"), "the operation map must be generated");

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).expect("create generated dir");
        for (name, text) in &fresh_files {
            std::fs::write(committed.join(name), text).expect("write binding");
        }
        return;
    }
    let old = read_dir(&committed);
    let stale: Vec<&String> =
        fresh_files.keys().filter(|k| old.get(*k) != fresh_files.get(*k)).chain(old.keys().filter(|k| !fresh_files.contains_key(*k))).collect();
    assert!(stale.is_empty(), "ui/src/lib/generated is stale ({stale:?}); run scripts/gen-bindings.sh and commit the result");
}
