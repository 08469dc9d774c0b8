//! The HTTP JSON transport carries the same operations as Tauri IPC: the
//! bearer token, the error shape and the status codes.

mod common;

use common::TestStation;
use serde_json::{json, Value};
use station::http::{router, UiAssets};

async fn serve(t: &TestStation, ui_dir: &std::path::Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(t.station.clone(), UiAssets::Dir(ui_dir.to_path_buf()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A minimal HTTP/1.1 client over a TCP stream, so the test needs no client crate.
async fn post(base: &str, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let (status, text) = request(base, "POST", path, token, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn request(base: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn operations_over_http_answer_json_and_errors_name_their_field() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    let base = serve(&t, ui.path()).await;

    let (status, body) = post(&base, "/api/search", None, r#"{"q":"王"}"#).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("auth.unauthenticated")));

    let (status, body) = post(&base, "/api/create_customer", Some(&t.manager), r#"{"name":"王芳","phones":["13812345678"],"language":"zh-CN"}"#).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["customer_no"], "SH01-000001");

    let (status, body) = post(&base, "/api/create_vehicle", Some(&t.manager), &json!({"customer_id": body["id"], "fields": {"vin": "123"}}).to_string()).await;
    assert_eq!(status, 422);
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("vin.length"), Some("vin")));
    assert!(body["message"].as_str().is_some_and(|m| m.contains("17")), "the message says what is expected: {body}");

    let (status, body) = post(&base, "/api/search", Some(&t.manager), "{not json").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("input.not_json")));
    let (status, body) = post(&base, "/api/search", Some(&t.manager), r#"{"query":"王"}"#).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("q")), "a missing field is named: {body}");
    let (status, _) = post(&base, "/api/drop_tables", Some(&t.manager), "{}").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_http_mode_serves_the_ui_and_routes_unknown_paths_to_it_but_never_outside_it() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<html>StationDesk</html>").unwrap();
    let base = serve(&t, ui.path()).await;
    let (status, body) = request(&base, "GET", "/", None, "").await;
    assert_eq!(status, 200);
    assert!(body.contains("StationDesk"));
    let (status, body) = request(&base, "GET", "/board", None, "").await;
    assert!(status == 200 && body.contains("StationDesk"), "a client-side route gets the app");
    let (status, _) = request(&base, "GET", "/../Cargo.toml", None, "").await;
    assert_ne!(status, 200);
    let (status, _) = request(&base, "GET", "/assets/missing.js", None, "").await;
    assert_eq!(status, 404);
}
