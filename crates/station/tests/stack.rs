//! How much stack an operation takes, in a debug build (where it is largest).
//!
//! An unoptimised `async fn` gives every future it awaits, and every temporary,
//! a stack slot of its own in its poll function: slots are not shared between
//! the arms of a `match`. A dispatcher that awaited each operation inline in
//! one `match` therefore had a 700 KB poll frame (63 operations), taken on
//! every poll; over HTTP, `load_demo_data` needed 1.5 MB of stack and the
//! everyday operations 0.9 MB, on Tokio worker threads of 2 MB (the Tauri
//! command runs on the same kind of thread). `Station::dispatch` now boxes
//! each operation's future, built in a function of its own (`ops.rs`), and
//! the same requests fit in about 320 KB.
//!
//! The test runs the HTTP transport on a runtime whose threads have 512 KB:
//! well above what the deepest path takes now, well below what the inline
//! dispatcher took for any operation. If it overflows ("thread 'tokio-rt-worker'
//! has overflowed its stack", the process aborts), look for a large `async fn`
//! frame on the path: `objdump -d` shows it in the prologue
//! (`sub $0x…,%r11` before the probe loop).
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::{json, Value};
use station::http::{serve_listener, ServeOptions, UiAssets};

/// The stack of each of the runtime's threads (workers and blocking pool).
const STACK: usize = 512 * 1024;

/// A minimal HTTP/1.1 client, as in `http.rs`.
async fn post(addr: &str, op: &str, token: Option<&str>, body: Value) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "POST /api/{op} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{op}: {head}\n{body}");
    serde_json::from_str(body).unwrap()
}

#[test]
fn operations_over_http_fit_in_a_512_kb_thread_stack() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_stack_size(STACK).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // This thread only sends requests; the server, its handlers, the operations
    // and what they hand to the blocking pool run on the runtime's threads.
    runtime.block_on(async {
        let station = station::Station::open(dir.path()).await.unwrap();
        // Served as `stationdesk serve` does, so the station sees the loopback peer (the desk).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(serve_listener(station.clone(), listener, UiAssets::Dir(dir.path().to_path_buf()), ServeOptions::default()));

        // The deepest operation: the demo drives orders through the workflow, signatures included.
        post(&addr, "load_demo_data", None, json!({})).await;
        let setup = post(&addr, "setup_status", None, json!({})).await;
        let advisor = setup["staff"].as_array().unwrap().iter().find(|s| s["role"] == "advisor").unwrap()["id"].clone();
        let session = post(&addr, "login", None, json!({"staff_id": advisor, "pin": "2222"})).await;
        let token = Some(session["token"].as_str().unwrap());

        let board = post(&addr, "board", token, json!({})).await;
        post(&addr, "search", token, json!({"q": "王"})).await;
        let mut signed = None;
        for card in board["cards"].as_array().unwrap() {
            let page = post(&addr, "get_order_detail", token, json!({"id": card["id"]})).await;
            if let Some(a) = page["authorizations"].as_array().and_then(|a| a.first()) {
                signed = Some((card["id"].clone(), a["id"].clone()));
                break;
            }
        }
        let (ro, authorization) = signed.expect("a demo order with a signed authorization");
        post(&addr, "print_document", token, json!({"ro_id": ro, "authorization_id": authorization})).await;

        let customer = post(&addr, "create_customer", token, json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
        let vehicle = post(&addr, "create_vehicle", token, json!({"customer_id": customer["id"], "fields": {"plate": "沪A99999", "vin": common::VIN_A}})).await;
        let order = post(&addr, "check_in", token, common::check_in_input(customer["id"].as_str().unwrap(), vehicle["id"].as_str().unwrap(), 1_000)).await;
        assert!(order["number"].is_string(), "{order}");

        // The manager's KPIs: every record of the month in memory, and an XLSX written on the blocking pool.
        let manager = setup["staff"].as_array().unwrap().iter().find(|s| s["role"] == "manager").unwrap()["id"].clone();
        let session = post(&addr, "login", None, json!({"staff_id": manager, "pin": "1111"})).await;
        let token = Some(session["token"].as_str().unwrap());
        let report = post(&addr, "kpi_report", token, json!({"preset": "this_month"})).await;
        assert!(report["figures"].is_array(), "{report}");
        post(&addr, "kpi_orders", token, json!({"preset": "this_month", "code": "on_time"})).await;
        post(&addr, "kpi_export", token, json!({"preset": "this_month", "format": "xlsx"})).await;
        // The monthly report: a chart read, its text outlined and the PDF written on the blocking pool.
        let chart = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../documents/tests/fixtures/kpi-on_time-zh-CN.svg")).unwrap();
        let month = report["period"]["from"].as_str().unwrap()[..7].to_string();
        post(&addr, "kpi_monthly_report", token, json!({"month": month, "language": "zh-CN", "charts": [{"code": "on_time", "svg": chart}]})).await;
    });
}

/// The dispatcher's own future holds only the boxed operation: it is what the
/// transports' futures (the axum handler, the Tauri command) hold in turn.
/// Awaited inline, it was as large as the largest operation's (9.9 KB).
#[tokio::test]
async fn the_dispatch_future_holds_only_the_boxed_operation() {
    let t = common::TestStation::new().await;
    let future = t.station.dispatch("load_demo_data", None, json!({}));
    let size = std::mem::size_of_val(&future);
    assert!(size <= 512, "Station::dispatch's future is {size} bytes: is an operation awaited inline again?");
}
