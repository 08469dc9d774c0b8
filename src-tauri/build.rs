use std::path::Path;

fn main() {
    // `tauri::generate_context!()` embeds ../ui/dist and refuses to compile when it
    // is missing. A checkout where the UI has not been built yet (`cargo test -p
    // stationdesk`, `cargo clippy --workspace`) still has to compile, so stand in a
    // page that says what to do. `npm run build` in ui/ replaces it.
    let dist = Path::new("../ui/dist");
    println!("cargo:rerun-if-changed=../ui/dist");
    if !dist.join("index.html").exists() {
        println!("cargo:warning=ui/dist is missing: embedding a placeholder page. Run `npm run build` in ui/ (or scripts/run.sh).");
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=\"utf-8\"><title>StationDesk</title>\
             <p>The StationDesk UI was not built into this binary. Run <code>npm run build</code> in <code>ui/</code> \
             and rebuild (<code>scripts/run.sh</code> does both).</p>\n",
        )
        .expect("write placeholder ui/dist/index.html");
    }
    tauri_build::build()
}
