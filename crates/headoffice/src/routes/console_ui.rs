//! The console's web pages under `/console`: the files `npm run build` writes
//! into `ui/dist-console` (base `/console/`), with `index.html` for `/console`,
//! `/console/` and every client route (`/console/kpis`), so a deep link or a
//! reload opens the page. `/console/api/…` stays the API: an unknown path
//! there is a JSON 404, never the page. When the pages were not built,
//! `/console` says so in plain text instead of a bare 404.

use std::path::{Path, PathBuf};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::console::ConsoleError;
use crate::startup::AppState;

/// Where the built console is, when `console_dir` is not configured: beside
/// the binary (`console/`, an installed layout), `ui/dist-console` under the
/// working directory (`scripts/headoffice.sh` runs from the checkout), or in
/// the checkout the binary was built from.
pub fn find(configured: Option<&Path>) -> PathBuf {
    if let Some(dir) = configured {
        return dir.to_path_buf();
    }
    let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join("console")));
    let candidates = [beside_binary, Some(PathBuf::from("ui/dist-console")), Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist-console"))];
    let candidates: Vec<PathBuf> = candidates.into_iter().flatten().collect();
    candidates.iter().find(|d| d.join("index.html").is_file()).cloned().unwrap_or_else(|| candidates[candidates.len() - 1].clone())
}

/// The routes for `/console` itself and its files, from `dir`.
pub fn routes(dir: &Path) -> Router<AppState> {
    let api_unknown = any(|| async { ConsoleError::not_found("console API path").into_response() });
    let index = dir.join("index.html");
    let pages: Router<AppState> = if index.is_file() {
        tracing::info!(dir = %dir.display(), "serving the console under /console");
        let files = ServeDir::new(dir).append_index_html_on_directories(true).fallback(ServeFile::new(index));
        Router::new().nest_service("/console", files)
    } else {
        tracing::warn!(dir = %dir.display(), "the console was not built: /console answers 404");
        let text = format!(
            "The head-office console was not built: there is no index.html in {}.\n\
             Build it with `npm ci && npm run build` in ui/ (it writes ui/dist-console), or set console_dir \
             (HEADOFFICE__CONSOLE_DIR) to where it is, and restart the head office.\n",
            dir.display()
        );
        let not_built = get(move || {
            let text = text.clone();
            async move { (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text) }
        });
        Router::new().route("/console", not_built.clone()).route("/console/", not_built.clone()).route("/console/{*page}", not_built)
    };
    pages.route("/console/api/{*rest}", api_unknown)
}
