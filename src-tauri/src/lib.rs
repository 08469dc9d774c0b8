//! The StationDesk shell. It holds no logic of its own: it opens a
//! [`station::Station`] and exposes it either to the Tauri window through the one
//! [`commands::call`] command, or over HTTP with the UI served alongside (`serve`).

pub mod commands;

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use station::http::UiAssets;
use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::Runtime;

/// The app's Tauri context: configuration, icons and the UI from `ui/dist`,
/// embedded at compile time. Expanded once, here, so the UI is in the binary once.
pub fn context() -> tauri::Context {
    tauri::generate_context!()
}

/// Opens (creating or migrating) the station in `data_dir`, on Tauri's async
/// runtime, where the station's background tasks then keep running.
///
/// This happens before the app is built rather than in a `setup` hook: Tauri 2
/// runs `setup` inside the event loop and panics when it fails, whereas here a
/// station that cannot open (a locked or newer database, an unwritable directory)
/// is a plain error and exit status.
pub fn open_station(data_dir: &Path) -> anyhow::Result<station::Station> {
    let station =
        tauri::async_runtime::block_on(station::Station::open(data_dir)).map_err(|e| anyhow::anyhow!("opening the station in {}: {e}", data_dir.display()))?;
    tracing::info!(data_dir = %data_dir.display(), "station open");
    Ok(station)
}

/// The shell's wiring, on any runtime (the real one, or `tauri::test`'s mock):
/// the station as managed state, and the `call` command that reaches it.
/// The plugins let the UI open a printed PDF in the system viewer and save a
/// copy where the user picks (capabilities/default.json scopes them).
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>, station: station::Station) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_fs::init())
        .manage(station)
        .invoke_handler(tauri::generate_handler![commands::call])
}

/// Opens the desktop window and runs until it is closed.
pub fn run_desktop(data_dir: PathBuf) -> anyhow::Result<()> {
    lighter_webkit();
    let station = open_station(&data_dir)?;
    let app = app_builder(tauri::Builder::default(), station).build(context()).context("starting the StationDesk window")?;
    app.run(|_, _| {});
    Ok(())
}

/// Turns WebKitGTK's accelerated compositing off (unless the environment already
/// says either way), before any thread starts. Without a GPU it renders every
/// layer through software GL into buffers that held about 140 MB of the web
/// process's memory, for a UI of forms and lists that draws the same without it
/// (docs/benchmarks.md, "Issue 13: release figures"). WebKit reads the variable
/// when it starts the web process.
fn lighter_webkit() {
    if cfg!(target_os = "linux") && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Runs the HTTP JSON transport with no window, serving the UI from `ui_dir`
/// or, without it, the UI embedded in this binary; over TLS unless `listen` is loopback.
pub fn run_serve(data_dir: PathBuf, listen: SocketAddr, ui_dir: Option<PathBuf>, host_names: Vec<String>) -> anyhow::Result<()> {
    let ui = match ui_dir {
        Some(dir) => {
            anyhow::ensure!(dir.join("index.html").is_file(), "{} has no index.html", dir.display());
            UiAssets::Dir(dir)
        }
        None => embedded_ui(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async move {
        let station = station::Station::open(&data_dir).await.map_err(|e| anyhow::anyhow!("opening the station in {}: {e}", data_dir.display()))?;
        tracing::info!(data_dir = %data_dir.display(), "station open");
        station::http::serve(station, listen, ui, host_names).await.with_context(|| format!("serving on {listen}"))
    })
}

/// The UI that `generate_context!` embedded, as a lookup by path (`index.html`,
/// `assets/index-abc.js`).
pub fn embedded_ui() -> UiAssets {
    let mut context = context();
    let assets: Arc<dyn tauri::Assets<tauri::Wry>> = context.set_assets(Box::new(NoAssets)).into();
    UiAssets::Lookup(Arc::new(move |path: &str| assets.get(&AssetKey::from(path)).map(Cow::into_owned)))
}

/// Stands in for the assets taken out of a context that is then dropped.
struct NoAssets;

impl<R: Runtime> tauri::Assets<R> for NoAssets {
    fn get(&self, _key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_ui_has_an_index_page() {
        let station::http::UiAssets::Lookup(get) = super::embedded_ui() else {
            panic!("embedded_ui is a lookup");
        };
        let index = get("index.html").expect("index.html is embedded");
        assert!(String::from_utf8_lossy(&index).to_lowercase().contains("<!doctype html"));
        assert!(get("no/such/file.js").is_none());
    }
}
