//! The HTTP JSON transport carries the same operations as Tauri IPC: the
//! bearer token, the error shape and the status codes. Off loopback it is TLS,
//! checked here as a tablet would, against the certificate's fingerprint; and
//! every answer carries the desktop's CSP, foreign hosts and origins are refused,
//! and an over-limit body gets the usual JSON error.

mod common;

use std::sync::Arc;

use common::TestStation;
use serde_json::{json, Value};
use station::http::{serve_listener, ServeOptions, UiAssets, BODY_LIMIT, CSP, DEVICE_COOKIE};

async fn serve_with(t: &TestStation, ui_dir: &std::path::Path, options: ServeOptions) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_listener(t.station.clone(), listener, UiAssets::Dir(ui_dir.to_path_buf()), options));
    addr
}

async fn serve(t: &TestStation, ui_dir: &std::path::Path) -> String {
    format!("http://{}", serve_with(t, ui_dir, ServeOptions::default()).await)
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

/// One request written as bytes, and the answer's status, headers (lower-case names) and body.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut stream: S, raw: &[u8]) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The server may answer (and close) before reading a body it refuses.
    let _ = stream.write_all(raw).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())).collect();
    (status, headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn raw_post(host: &str, op: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /api/{op} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Accepts exactly the certificate whose SHA-256 the station showed, as a tablet's user checks it.
#[derive(Debug)]
struct PinnedFingerprint {
    fingerprint: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedFingerprint {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if station::tls::fingerprint(end_entity) == self.fingerprint {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the station's certificate".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS connection to `addr` that trusts only the certificate with `fingerprint`.
async fn tls_connect(addr: std::net::SocketAddr, fingerprint: &str) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedFingerprint { fingerprint: fingerprint.to_string(), provider: provider.clone() });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("station.test").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await
}

#[tokio::test]
async fn a_tablet_over_https_checks_the_fingerprint_pairs_and_is_refused_once_revoked() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    let addr = serve_with(&t, ui.path(), ServeOptions { tls: true, host_names: vec!["station.test".into()] }).await;
    // The fingerprint the manager reads in Settings is the one the connection must present.
    let fingerprint = t.ok(&t.manager, "list_devices", json!({})).await["fingerprint"].as_str().unwrap().to_string();
    let wrong = fingerprint.replace(&fingerprint[..2], if &fingerprint[..2] == "00" { "11" } else { "00" });
    assert!(tls_connect(addr, &wrong).await.is_err(), "a certificate other than the one shown is refused");

    // Named as the tablets name it (not loopback), so the station treats the test as a tablet.
    let host = format!("station.test:{}", addr.port());
    let origin = format!("Origin: https://{host}\r\n");
    let send = |op: &'static str, extra: String, body: String| {
        let (host, fingerprint) = (host.clone(), fingerprint.clone());
        async move { exchange(tls_connect(addr, &fingerprint).await.expect("TLS to the pinned certificate"), &raw_post(&host, op, &extra, &body)).await }
    };

    let (status, _, body) = send("setup_status", origin.clone(), "{}".into()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("device.unpaired"), "{body}");

    let (status, headers, body) = send("request_pairing", origin.clone(), r#"{"name":"车间平板"}"#.into()).await;
    assert_eq!(status, 200, "{body}");
    let cookie = header(&headers, "set-cookie").expect("the device token comes as a cookie").to_string();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body.get("device_token").is_none(), "the page never sees the token: {body}");
    let code = body["state"]["code"].as_str().unwrap().to_string();
    let device = cookie.split(';').next().unwrap().to_string();
    assert!(device.starts_with(&format!("{DEVICE_COOKIE}=")));

    t.ok(&t.manager, "approve_device", json!({"code": code})).await;
    let with_device = format!("{origin}Cookie: {device}\r\n");
    let status_now = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    let manager = status_now["staff"][0]["id"].as_str().unwrap().to_string();
    let (status, _, body) = send("login", with_device.clone(), json!({"staff_id": manager, "pin": "1111"}).to_string()).await;
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["token"].as_str().unwrap().to_string();
    let authed = format!("{with_device}Authorization: Bearer {token}\r\n");
    let (status, headers, body) = send("create_customer", authed.clone(), r#"{"name":"王芳","phones":["13812345678"],"language":"zh-CN"}"#.into()).await;
    assert_eq!(status, 200, "a paired tablet works: {body}");
    assert_eq!(header(&headers, "content-security-policy"), Some(CSP));

    let id = t.ok(&t.manager, "list_devices", json!({})).await["devices"][0]["id"].as_str().unwrap().to_string();
    t.ok(&t.manager, "revoke_device", json!({"id": id})).await;
    let (status, _, body) = send("search", authed, r#"{"q":"王"}"#.into()).await;
    assert_eq!(status, 403);
    assert!(body.contains("device.revoked"), "{body}");
}

#[tokio::test]
async fn a_foreign_host_or_origin_is_refused_with_the_json_error() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<html>StationDesk</html>").unwrap();
    let addr = serve_with(&t, ui.path(), ServeOptions::default()).await;
    let connect = || async move { tokio::net::TcpStream::connect(addr).await.unwrap() };

    let (status, _, body) = exchange(connect().await, &raw_post(&format!("evil.example:{}", addr.port()), "setup_status", "", "{}")).await;
    assert_eq!(status, 403);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], "request.foreign_host");
    let page = format!("GET / HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\r\n", addr.port());
    let (status, _, body) = exchange(connect().await, page.as_bytes()).await;
    assert!(status == 403 && !body.contains("StationDesk"), "a rebound name does not get the app either");

    let own = addr.to_string();
    let (status, _, body) = exchange(connect().await, &raw_post(&own, "setup_status", "Origin: https://evil.example\r\n", "{}")).await;
    assert_eq!(status, 403);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], "request.foreign_origin");
    let (status, _, _) = exchange(connect().await, &raw_post(&own, "setup_status", &format!("Origin: http://{own}\r\n"), "{}")).await;
    assert_eq!(status, 200, "the station's own page is welcome");
}

#[tokio::test]
async fn an_over_limit_body_gets_the_json_error_with_a_stable_code() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    let addr = serve_with(&t, ui.path(), ServeOptions::default()).await;
    let too_big = BODY_LIMIT + 1;
    let head = format!(
        "POST /api/upload_photo HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAuthorization: Bearer {}\r\nContent-Length: {too_big}\r\nConnection: close\r\n\r\n",
        t.manager
    );
    let mut raw = head.into_bytes();
    raw.extend(std::iter::repeat_n(b' ', too_big));
    let (status, headers, body) = exchange(tokio::net::TcpStream::connect(addr).await.unwrap(), &raw).await;
    assert_eq!(status, 413, "{body}");
    assert!(header(&headers, "content-type").is_some_and(|c| c.contains("json")));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((body["kind"].as_str(), body["code"].as_str()), (Some("invalid"), Some("request.too_large")));
    assert_eq!(body["params"]["limit_mb"], "20");
}

#[tokio::test]
async fn every_answer_carries_the_desktops_content_security_policy_and_no_framing() {
    let t = TestStation::new().await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<html>StationDesk</html>").unwrap();
    let addr = serve_with(&t, ui.path(), ServeOptions::default()).await;
    let page = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let (status, headers, _) = exchange(tokio::net::TcpStream::connect(addr).await.unwrap(), page.as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header(&headers, "cross-origin-opener-policy"), Some("same-origin"));
    // An API answer carries them too, refusals included, and is never cached (it may hold personal data).
    for (token, expected) in [(Some(t.manager.as_str()), 200), (None, 401)] {
        let bearer = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let (status, api, _) = exchange(tokio::net::TcpStream::connect(addr).await.unwrap(), &raw_post(&addr.to_string(), "me", &bearer, "{}")).await;
        assert_eq!(status, expected);
        assert_eq!(header(&api, "cache-control"), Some("no-store"), "{status}");
        assert_eq!(header(&api, "content-security-policy"), header(&headers, "content-security-policy"), "{status}");
        assert_eq!(header(&api, "x-frame-options"), Some("DENY"), "{status}");
    }

    // The same directives as the desktop window's (tauri.conf.json), so the two cannot drift apart.
    let conf: Value = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../src-tauri/tauri.conf.json")).unwrap()).unwrap();
    let mut desktop: Vec<String> = conf["app"]["security"]["csp"].as_object().unwrap().iter().map(|(k, v)| format!("{k} {}", v.as_str().unwrap())).collect();
    let mut served: Vec<String> = header(&headers, "content-security-policy").unwrap().split(';').map(|d| d.trim().to_string()).collect();
    desktop.sort();
    served.sort();
    assert_eq!(served, desktop);
}

#[tokio::test]
async fn very_large_amounts_and_mistyped_fields_over_http_are_field_errors_not_500s() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let f = common::flow::Flow::in_status(&t, &crew, "diagnosing").await;
    let ui = tempfile::tempdir().expect("temp dir");
    let base = serve(&t, ui.path()).await;
    let answer = |(status, body): (u16, Value)| (status, body["code"].as_str().map(str::to_string), body["field"].as_str().map(str::to_string));
    let some = |s: &str| Some(s.to_string());

    let line =
        json!({"job_id": f.job(0), "expected_version": f.version(), "kind": "sublet", "description": "外协", "quantity_milli": 1000, "unit_price": i64::MAX});
    let got = answer(post(&base, "/api/add_line", Some(&crew.advisor), &line.to_string()).await);
    assert_eq!(got, (422, some("line.amount_too_large"), some("unit_price")));
    // Digits beyond 64 bits arrive as a float, which no amount decodes from.
    let payment =
        format!(r#"{{"ro_id": "{}", "expected_version": {}, "payment": {{"method": "cash", "amount": 99999999999999999999999}}}}"#, f.ro, f.version());
    let got = answer(post(&base, "/api/record_payment", Some(&crew.manager), &payment).await);
    assert_eq!(got, (422, some("input.malformed"), some("payment.amount")));
    let payment = json!({"ro_id": f.ro, "expected_version": f.version(), "payment": {"method": "cash", "amount": i64::MAX}});
    let got = answer(post(&base, "/api/record_payment", Some(&crew.manager), &payment.to_string()).await);
    assert_eq!(got, (422, some("payment.amount_too_large"), some("payment.amount")));
    let got = answer(post(&base, "/api/create_customer", Some(&crew.advisor), r#"{"name": 5, "phones": [], "language": "zh-CN"}"#).await);
    assert_eq!(got, (422, some("input.malformed"), some("name")));
}
