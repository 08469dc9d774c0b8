//! The console UI's TypeScript types come from the console's Rust types. This
//! test writes them afresh and fails when the committed copy in
//! `ui/src/lib/generated/console` differs; `scripts/gen-bindings.sh` (which
//! runs it with `UPDATE_BINDINGS=1`) refreshes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Relative path → text of every `.ts` file below `root` (ts-rs nests `serde_json/`).
fn typescript_files(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "ts") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                files.insert(path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path), text);
            }
        }
    }
    files
}

#[test]
fn the_committed_console_typescript_types_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/generated/console");
    let fresh_dir = tempfile::tempdir().expect("a temp dir");
    headoffice::console::export_typescript(fresh_dir.path()).expect("export the console's TypeScript");
    let fresh = typescript_files(fresh_dir.path());
    assert!(fresh.contains_key(Path::new("ConsoleApi.ts")) && fresh.contains_key(Path::new("ConsoleError.ts")), "the endpoint map and the error are generated");

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        for (rel, text) in &fresh {
            let path = committed.join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the generated folder");
            std::fs::write(path, text).expect("write a binding");
        }
        return;
    }
    let old = typescript_files(&committed);
    let stale: Vec<&PathBuf> = fresh.keys().chain(old.keys()).filter(|k| fresh.get(*k) != old.get(*k)).collect();
    assert!(stale.is_empty(), "ui/src/lib/generated/console is stale ({stale:?}): run scripts/gen-bindings.sh and commit the result");
}
