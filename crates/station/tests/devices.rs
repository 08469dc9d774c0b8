//! Workshop tablets over the LAN, through `Station::dispatch_http` exactly as the
//! HTTP transport calls it: the desk needs no pairing; a tablet is refused until a
//! manager approves its code at the desk; revoking ends it at once; an idle
//! tablet's session lapses on the station's clock; wrong PINs lock the device.

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::TestStation;
use serde_json::{json, Value};
use station::auth::devices::HttpRequest;
use station::ApiError;

/// A tablet at 192.168.1.50 reaching the station at https://192.168.1.20:8787, with its device cookie.
fn tablet(device_token: Option<&str>) -> HttpRequest {
    HttpRequest {
        peer: Some("192.168.1.50".parse().unwrap()),
        host: Some("192.168.1.20:8787".into()),
        origin: Some("https://192.168.1.20:8787".into()),
        device_token: device_token.map(str::to_string),
        tls: true,
        host_names: Arc::from(Vec::<String>::new()),
    }
}

/// The station PC's own browser.
fn desk() -> HttpRequest {
    HttpRequest {
        peer: Some("127.0.0.1".parse().unwrap()),
        host: Some("127.0.0.1:8787".into()),
        origin: None,
        device_token: None,
        tls: false,
        ..Default::default()
    }
}

async fn http(t: &TestStation, from: &HttpRequest, op: &str, token: Option<&str>, input: Value) -> Result<Value, ApiError> {
    t.station.dispatch_http(from, op, token, input).await
}

fn code_of(r: Result<Value, ApiError>) -> String {
    match r {
        Ok(v) => panic!("expected a refusal, got {v}"),
        Err(e) => e.code,
    }
}

async fn manager_id(t: &TestStation) -> String {
    let status = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    status["staff"].as_array().unwrap().iter().find(|s| s["role"] == "manager").unwrap()["id"].as_str().unwrap().to_string()
}

/// Asks to pair from a tablet and has the manager approve its code at the desk; returns the device token.
async fn paired_tablet(t: &TestStation, name: &str) -> String {
    let asked = http(t, &tablet(None), "request_pairing", None, json!({"name": name})).await.unwrap();
    let token = asked["device_token"].as_str().expect("a new device gets a token").to_string();
    let code = asked["state"]["code"].as_str().expect("and a code to show").to_string();
    t.ok(&t.manager, "approve_device", json!({"code": code})).await;
    token
}

async fn tablet_login(t: &TestStation, device: &str, staff_id: &str, pin: &str) -> Result<Value, ApiError> {
    http(t, &tablet(Some(device)), "login", None, json!({"staff_id": staff_id, "pin": pin})).await
}

#[tokio::test]
async fn an_unpaired_tablet_is_refused_everything_but_asking_to_pair() {
    let t = TestStation::new().await;
    assert_eq!(code_of(http(&t, &tablet(None), "setup_status", None, json!({})).await), "device.unpaired");
    let manager = manager_id(&t).await;
    assert_eq!(code_of(tablet_login(&t, "made-up-token", &manager, "1111").await), "device.unpaired");
    assert_eq!(
        code_of(http(&t, &tablet(None), "search", Some(&t.manager), json!({"q": "王"})).await),
        "device.unpaired",
        "a desk session does not let a stranger in"
    );
    assert_eq!(code_of(http(&t, &tablet(None), "first_run_setup", None, json!({})).await), "device.desk_only");
    assert_eq!(code_of(http(&t, &tablet(None), "load_demo_data", None, json!({})).await), "device.desk_only");

    let state = http(&t, &tablet(None), "pairing_status", None, json!({})).await.unwrap();
    assert_eq!((state["step"].as_str(), state["may_ask"].as_bool(), state["admitted"].as_bool()), (Some("unpaired"), Some(true), Some(false)));
    assert_eq!(state["fingerprint"].as_str().map(str::len), Some(95), "the tablet is shown the fingerprint to compare: {state}");

    // A pending device is still refused until the manager approves it.
    let asked = http(&t, &tablet(None), "request_pairing", None, json!({"name": "车间平板 1"})).await.unwrap();
    let device = asked["device_token"].as_str().unwrap();
    assert_eq!((asked["state"]["step"].as_str(), asked["state"]["waiting"].as_bool()), (Some("pending"), Some(true)));
    assert_eq!(asked["state"]["code"].as_str().map(str::len), Some(6));
    assert_eq!(code_of(http(&t, &tablet(Some(device)), "setup_status", None, json!({})).await), "device.unpaired");
}

#[tokio::test]
async fn the_desk_needs_no_pairing_and_loopback_browsers_are_the_desk() {
    let t = TestStation::new().await;
    let status = http(&t, &desk(), "setup_status", None, json!({})).await.unwrap();
    assert_eq!(status["is_set_up"], true);
    let results = http(&t, &desk(), "search", Some(&t.manager), json!({"q": "王"})).await.unwrap();
    assert!(results.is_object());
    assert_eq!(http(&t, &desk(), "pairing_status", None, json!({})).await.unwrap()["step"], "desk");
    let me = http(&t, &desk(), "me", Some(&t.manager), json!({})).await.unwrap();
    assert_eq!(me["idle_minutes"], Value::Null, "the desk's sessions do not lapse when idle");
}

#[tokio::test]
async fn a_tablet_paired_by_a_manager_at_the_desk_logs_in_and_works() {
    let t = TestStation::new().await;
    let asked = http(&t, &tablet(None), "request_pairing", None, json!({"name": "车间平板 1"})).await.unwrap();
    let device = asked["device_token"].as_str().unwrap().to_string();
    let code = asked["state"]["code"].as_str().unwrap().to_string();

    let list = t.ok(&t.manager, "list_devices", json!({})).await;
    assert_eq!(list["pending"][0]["name"], "车间平板 1", "the manager sees who asks: {list}");
    assert!(list["pending"][0].get("code").is_none(), "but not the code: that is read off the tablet");
    assert_eq!(list["may_approve"], true);
    let wrong = t.call(&t.manager, "approve_device", json!({"code": "000 000"})).await.unwrap_err();
    assert_eq!((wrong.code.as_str(), wrong.field.as_deref()), ("device.unknown_code", Some("code")));
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let list = t.ok(&t.manager, "approve_device", json!({"code": spaced})).await;
    assert_eq!(list["pending"].as_array().unwrap().len(), 0);
    assert_eq!(list["devices"][0]["name"], "车间平板 1");
    assert_eq!(list["devices"][0]["status"], "paired");
    assert_eq!(list["devices"][0]["paired_by"], "王经理");

    let state = http(&t, &tablet(Some(&device)), "pairing_status", None, json!({})).await.unwrap();
    assert_eq!((state["step"].as_str(), state["admitted"].as_bool(), state["waiting"].as_bool()), (Some("paired"), Some(true), Some(false)));
    let status = http(&t, &tablet(Some(&device)), "setup_status", None, json!({})).await.unwrap();
    assert_eq!(status["is_set_up"], true);
    let session = tablet_login(&t, &device, &manager_id(&t).await, "1111").await.unwrap();
    assert_eq!(session["idle_minutes"], 10, "a tablet's session says when it lapses: {session}");
    let token = session["token"].as_str().unwrap();
    http(&t, &tablet(Some(&device)), "search", Some(token), json!({"q": "王"})).await.unwrap();

    let list = t.ok(&t.manager, "list_devices", json!({})).await;
    assert_eq!(list["devices"][0]["last_used_at"], "2026-11-22T02:00:00Z", "the list shows the last use: {list}");
    assert_eq!(list["devices"][0]["open_sessions"], 1);
}

#[tokio::test]
async fn a_revoked_tablet_is_refused_at_once_and_its_sessions_end() {
    let t = TestStation::new().await;
    let device = paired_tablet(&t, "平板").await;
    let session = tablet_login(&t, &device, &manager_id(&t).await, "1111").await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    http(&t, &tablet(Some(&device)), "me", Some(&token), json!({})).await.unwrap();

    let list = t.ok(&t.manager, "list_devices", json!({})).await;
    let id = list["devices"][0]["id"].as_str().unwrap();
    assert_eq!(list["devices"][0]["may_revoke"], true);
    let list = t.ok(&t.manager, "revoke_device", json!({"id": id})).await;
    assert_eq!(list["devices"][0]["status"], "revoked");
    assert_eq!(list["devices"][0]["may_revoke"], false);

    assert_eq!(code_of(http(&t, &tablet(Some(&device)), "me", Some(&token), json!({})).await), "device.revoked");
    assert_eq!(code_of(t.call(&token, "me", json!({})).await), "auth.unauthenticated", "its session is gone, from anywhere");
    assert_eq!(http(&t, &tablet(Some(&device)), "pairing_status", None, json!({})).await.unwrap()["step"], "revoked");
    // It may ask again, as a new device with a new token.
    let again = http(&t, &tablet(Some(&device)), "request_pairing", None, json!({"name": "平板"})).await.unwrap();
    assert_ne!(again["device_token"].as_str(), Some(device.as_str()));
}

#[tokio::test]
async fn an_idle_tablet_session_is_logged_out_but_one_in_use_is_not() {
    let t = TestStation::new().await;
    let device = paired_tablet(&t, "平板").await;
    let at = tablet(Some(&device));
    let token = tablet_login(&t, &device, &manager_id(&t).await, "1111").await.unwrap()["token"].as_str().unwrap().to_string();

    // Used every nine minutes, it stays logged in past the ten-minute idle time.
    for _ in 0..3 {
        t.advance(Duration::minutes(9));
        http(&t, &at, "me", Some(&token), json!({})).await.unwrap();
    }
    t.advance(Duration::minutes(11));
    let idle = http(&t, &at, "me", Some(&token), json!({})).await.unwrap_err();
    assert_eq!((idle.kind, idle.code.as_str()), (station::error::ErrorKind::Unauthenticated, "auth.idle"));
    assert_eq!(idle.params.get("minutes").map(String::as_str), Some("10"));
    assert_eq!(code_of(http(&t, &at, "me", Some(&token), json!({})).await), "auth.unauthenticated", "the session is gone, not just refused once");
    // The desk's own session, idle as long, still works: the idle rule is for shared tablets.
    t.ok(&t.manager, "me", json!({})).await;

    // The manager sets a longer idle time; a new login on the tablet gets it.
    let list = t.ok(&t.manager, "set_tablet_idle_minutes", json!({"minutes": 30})).await;
    assert_eq!(list["idle_minutes"], 30);
    let bad = t.call(&t.manager, "set_tablet_idle_minutes", json!({"minutes": 0})).await.unwrap_err();
    assert_eq!((bad.code.as_str(), bad.field.as_deref()), ("device.idle_minutes", Some("minutes")));
    let token = tablet_login(&t, &device, &manager_id(&t).await, "1111").await.unwrap()["token"].as_str().unwrap().to_string();
    t.advance(Duration::minutes(25));
    http(&t, &at, "me", Some(&token), json!({})).await.unwrap();
}

#[tokio::test]
async fn a_tablet_session_works_only_from_its_own_device() {
    let t = TestStation::new().await;
    let first = paired_tablet(&t, "平板 1").await;
    let second = paired_tablet(&t, "平板 2").await;
    let token = tablet_login(&t, &first, &manager_id(&t).await, "1111").await.unwrap()["token"].as_str().unwrap().to_string();
    assert_eq!(code_of(http(&t, &tablet(Some(&second)), "me", Some(&token), json!({})).await), "auth.unauthenticated");
    assert_eq!(code_of(http(&t, &tablet(Some(&second)), "me", Some(&t.manager), json!({})).await), "auth.unauthenticated", "nor a desk session from a tablet");
    http(&t, &tablet(Some(&first)), "me", Some(&token), json!({})).await.unwrap();
}

#[tokio::test]
async fn wrong_pins_on_one_tablet_lock_that_tablet_whoever_they_were_for() {
    let t = TestStation::new().await;
    let device = paired_tablet(&t, "平板").await;
    let mut ids = Vec::new();
    for (name, pin) in [("张三", "2001"), ("李四", "2002"), ("赵六", "2003"), ("钱七", "2004")] {
        let s = t.ok(&t.manager, "create_staff", json!({"name": name, "role": "technician", "pin": pin})).await;
        ids.push((s["id"].as_str().unwrap().to_string(), pin));
    }
    // Four wrong PINs each for three people: no one person is locked (five are forgiven), but the device is after ten.
    let mut codes = Vec::new();
    for (id, _) in &ids[..3] {
        for _ in 0..4 {
            codes.push(code_of(tablet_login(&t, &device, id, "9999").await));
        }
    }
    assert_eq!(codes.iter().filter(|c| *c == "auth.bad_pin").count(), 9, "{codes:?}");
    assert_eq!(codes[9], "auth.locked", "the tenth wrong PIN on the device locks it: {codes:?}");
    let (fourth, pin) = &ids[3];
    assert_eq!(code_of(tablet_login(&t, &device, fourth, pin).await), "auth.locked", "even a right PIN waits on a locked device");
    // At the desk, the same person logs in: the lock is the tablet's.
    t.station.dispatch("login", None, json!({"staff_id": fourth, "pin": pin})).await.unwrap();
    t.advance(Duration::minutes(6));
    tablet_login(&t, &device, fourth, pin).await.unwrap();
}

#[tokio::test]
async fn devices_are_approved_only_at_the_desk_and_codes_lapse() {
    let mut t = TestStation::new().await;
    let device = paired_tablet(&t, "经理平板").await;
    let token = tablet_login(&t, &device, &manager_id(&t).await, "1111").await.unwrap()["token"].as_str().unwrap().to_string();
    let other =
        http(&t, &HttpRequest { peer: Some("192.168.1.51".parse().unwrap()), ..tablet(None) }, "request_pairing", None, json!({"name": "x"})).await.unwrap();
    let code = other["state"]["code"].as_str().unwrap();
    let list = http(&t, &tablet(Some(&device)), "list_devices", Some(&token), json!({})).await.unwrap();
    assert_eq!(list["may_approve"], false);
    assert_eq!(code_of(http(&t, &tablet(Some(&device)), "approve_device", Some(&token), json!({"code": code})).await), "device.approve_at_desk");

    t.advance(Duration::minutes(16));
    t.relogin_manager().await;
    assert_eq!(code_of(t.call(&t.manager, "approve_device", json!({"code": code})).await), "device.unknown_code", "a code lapses after 15 minutes");
    assert_eq!(t.ok(&t.manager, "list_devices", json!({})).await["pending"].as_array().unwrap().len(), 0);

    let technician = t.staff("张三", "technician", "2001").await;
    assert_eq!(code_of(t.call(&technician, "list_devices", json!({})).await), "auth.forbidden");
}

#[tokio::test]
async fn requests_for_a_foreign_host_or_from_a_foreign_origin_are_refused() {
    let t = TestStation::new().await;
    let rebound = HttpRequest { host: Some("evil.example:8787".into()), origin: Some("https://evil.example:8787".into()), ..desk() };
    assert_eq!(code_of(http(&t, &rebound, "setup_status", None, json!({})).await), "request.foreign_host");
    let cross = HttpRequest { origin: Some("http://evil.example".into()), ..desk() };
    assert_eq!(code_of(http(&t, &cross, "search", Some(&t.manager), json!({"q": "王"})).await), "request.foreign_origin");
    let named = HttpRequest { host: Some("station.lan:8787".into()), host_names: Arc::from(vec!["station.lan".to_string()]), ..tablet(None) };
    assert_eq!(code_of(http(&t, &named, "setup_status", None, json!({})).await), "request.foreign_origin", "the origin must match the name used");
    let named = HttpRequest { origin: Some("https://station.lan:8787".into()), ..named };
    assert_eq!(code_of(http(&t, &named, "setup_status", None, json!({})).await), "device.unpaired", "a configured name gets as far as pairing");
}
