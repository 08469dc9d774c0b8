//! The console's accounts, sessions, roles, audit and station overview,
//! against a real PostgreSQL, the real server and a real HTTP client. The
//! server's clock is moved forward (`app.clock.advance`) instead of waiting.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::Duration;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use sync_protocol::{framing, PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER};

use common::console::{admin, create_user, login_as, station_in, Browser, ADMIN_PASSWORD};
use common::{spawn_app, spawn_app_with, StationSim, TestApp};

/// Pushes one change the way the station's sync client does, User-Agent included.
async fn push_as_stationdesk(app: &TestApp, st: &mut StationSim, version: &str) -> StatusCode {
    let c = st.change("staff", &format!("s{}", st.next_seq), json!({"id": format!("s{}", st.next_seq), "name": "Li"}));
    let batch = st.batch(vec![c]);
    app.http
        .post(app.url("/v1/push"))
        .bearer_auth(&st.token)
        .header(header::USER_AGENT, format!("StationDesk/{version}"))
        .header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string())
        .header(header::CONTENT_ENCODING, "gzip")
        .body(framing::gzip_json(&batch).unwrap())
        .send()
        .await
        .unwrap()
        .status()
}

fn codes(stations: &Value) -> Vec<&str> {
    stations["stations"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect()
}

fn flags_of<'v>(overview: &'v Value, code: &str) -> Vec<&'v str> {
    let row = overview["stations"].as_array().unwrap().iter().find(|s| s["code"] == code).unwrap();
    row["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect()
}

#[tokio::test]
async fn nothing_in_the_console_answers_without_a_session() {
    let app = spawn_app().await;
    let nobody = Browser::anonymous(&app);
    for path in ["/console/api/me", "/console/api/stations", "/console/api/users", "/console/api/audit"] {
        let (status, err) = nobody.get(path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!((err["kind"].as_str(), err["code"].as_str()), (Some("unauthenticated"), Some("console.session_required")), "{path}: {err}");
    }
    let (status, _) = nobody.call(Method::POST, "/console/api/users", Some(json!({"login": "x"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a body is not even read without a session");

    let forged = Browser { app: &app, cookie: Some("ho_console=hoc_made_up".into()) };
    let (status, err) = forged.get("/console/api/stations").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["code"], "console.session_expired");
}

#[tokio::test]
async fn a_wrong_password_fails_and_the_sixth_attempt_in_the_window_is_throttled_even_with_the_right_password() {
    let app = spawn_app().await;
    headoffice::admin::create_admin(&app.pool, "root", "Admin", ADMIN_PASSWORD, app.clock.now()).await.unwrap();
    for attempt in 1..=5 {
        let res = login_as(&app, "root", "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], "console.login_failed");
        app.clock.advance(Duration::minutes(2));
    }
    let res = login_as(&app, "root", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the right password does not get past the lock");
    let err: Value = res.json().await.unwrap();
    assert_eq!((err["kind"].as_str(), err["code"].as_str()), (Some("throttled"), Some("console.login_throttled")));
    assert_eq!(err["params"]["minutes"], "13", "locked 15 minutes from the fifth failure, 2 of them gone: {err}");

    app.clock.advance(Duration::minutes(14));
    Browser::logged_in(&app, "ROOT", ADMIN_PASSWORD).await;
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM console_login_failures WHERE login = 'root'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(failures, 0, "a successful login clears the count");
}

#[tokio::test]
async fn failed_logins_from_one_address_lock_that_address_for_every_login() {
    let app = spawn_app_with(|c| c.console.ip_max_failures = 3).await;
    headoffice::admin::create_admin(&app.pool, "root", "Admin", ADMIN_PASSWORD, app.clock.now()).await.unwrap();
    for login in ["alice", "bob", "carol"] {
        assert_eq!(login_as(&app, login, "guess guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_as(&app, "root", ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_session_ends_when_left_unused_and_at_logout() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    app.clock.advance(Duration::minutes(119));
    let me = root.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!(me["user"]["login"], "root");
    app.clock.advance(Duration::minutes(121));
    let (status, err) = root.get("/console/api/me").await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("console.session_expired")), "two idle hours end it");

    let again = Browser::logged_in(&app, "root", ADMIN_PASSWORD).await;
    again.ok(Method::POST, "/console/api/logout", None).await;
    assert_eq!(again.get("/console/api/me").await.0, StatusCode::UNAUTHORIZED, "a logged-out session is gone");
}

#[tokio::test]
async fn a_regional_manager_sees_only_the_stations_of_their_region() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (_, east) = station_in(&app, &root, "SH01", "East").await;
    let (_, west) = station_in(&app, &root, "CD01", "West").await;
    create_user(&root, "zhang", "regional_manager", &["East"]).await;
    let zhang = Browser::logged_in(&app, "zhang", "zhang password").await;

    let me = zhang.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!(me["user"]["regions"], json!(["East"]));
    assert_eq!((me["can"]["view_stations"].as_bool(), me["can"]["manage_stations"].as_bool()), (Some(true), Some(false)));

    let overview = zhang.ok(Method::GET, "/console/api/stations", None).await;
    assert_eq!(codes(&overview), ["SH01"]);
    zhang.ok(Method::GET, &format!("/console/api/stations/{east}"), None).await;
    let (status, err) = zhang.get(&format!("/console/api/stations/{west}")).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::NOT_FOUND, Some("console.not_found")), "another region's station is not even said to exist");
    let (status, err) = zhang.call(Method::POST, &format!("/console/api/stations/{west}/revoke"), None).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::FORBIDDEN, Some("console.forbidden")));
    assert_eq!(codes(&root.ok(Method::GET, "/console/api/stations", None).await), ["CD01", "SH01"], "an administrator sees every station");

    // Moving a station into the region brings it into view on the next request.
    root.ok(Method::PUT, &format!("/console/api/stations/{west}/region"), Some(json!({"region": "East"}))).await;
    assert_eq!(codes(&zhang.ok(Method::GET, "/console/api/stations", None).await), ["CD01", "SH01"]);
}

#[tokio::test]
async fn a_quality_manager_reads_every_station_but_cannot_create_users() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    station_in(&app, &root, "SH01", "East").await;
    station_in(&app, &root, "CD01", "West").await;
    create_user(&root, "qm.zhou", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "qm.zhou", "qm.zhou password").await;

    let body = json!({"login": "mole", "display_name": "Mole", "role": "administrator", "password": "mole password"});
    let (status, err) = qm.call(Method::POST, "/console/api/users", Some(body)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::FORBIDDEN, Some("console.forbidden")));
    assert_eq!(err["params"]["action"], "manage_users");
    assert_eq!(qm.get("/console/api/users").await.0, StatusCode::FORBIDDEN);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM console_users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users, 2, "no account was made");

    assert_eq!(codes(&qm.ok(Method::GET, "/console/api/stations", None).await), ["CD01", "SH01"]);
    let me = qm.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!((me["can"]["add_complaint_notes"].as_bool(), me["can"]["manage_users"].as_bool()), (Some(true), Some(false)));
}

#[tokio::test]
async fn the_user_list_offers_the_roles_which_of_them_take_regions_and_the_stations_regions() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    station_in(&app, &root, "SH01", "East").await;
    station_in(&app, &root, "SH02", "East").await;
    station_in(&app, &root, "CD01", "West").await;
    app.station("GZ01").await;
    let list = root.ok(Method::GET, "/console/api/users", None).await;
    assert_eq!(list["regions"], json!(["East", "West"]), "each region once, none for a station without one");
    let takes: Vec<(&str, bool)> =
        list["roles"].as_array().unwrap().iter().map(|r| (r["role"].as_str().unwrap(), r["takes_regions"].as_bool().unwrap())).collect();
    assert_eq!(takes, [("administrator", false), ("quality_manager", false), ("regional_manager", true)]);
}

#[tokio::test]
async fn an_administrator_issues_an_enrollment_code_with_which_a_station_enrolls() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let created = root.ok(Method::POST, "/console/api/stations", Some(json!({"code": "GZ01", "name": "广州一店", "region": "South"}))).await;
    let id = created["station_id"].as_str().unwrap();
    // The first code is lost; a new one is issued from the console.
    let issued = root.ok(Method::POST, &format!("/console/api/stations/{id}/enrollment-codes"), None).await;
    let code = issued["enrollment_code"].as_str().unwrap();
    assert_ne!(code, created["enrollment_code"].as_str().unwrap());

    let enrolled = app.enroll(code).await;
    assert_eq!(enrolled.station_code, "GZ01");
    let listed = root.ok(Method::GET, &format!("/console/api/stations/{id}/enrollment-codes"), None).await;
    let states: Vec<&str> = listed["codes"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["used", "unused"], "newest first: the one used, then the first one");
    assert!(!listed.to_string().contains(code), "a code is shown once, never listed");
}

#[tokio::test]
async fn revoking_a_station_from_the_console_stops_its_pushes() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (mut st, id) = station_in(&app, &root, "SH01", "East").await;
    assert_eq!(push_as_stationdesk(&app, &mut st, "0.1.0").await, StatusCode::OK);

    let revoked = root.ok(Method::POST, &format!("/console/api/stations/{id}/revoke"), None).await;
    assert_eq!(revoked["tokens_revoked"], 1);
    let c = st.change("staff", "late", json!({"id": "late", "name": "Wang"}));
    let err = app.push_err(&st.token, &st.batch(vec![c]), StatusCode::UNAUTHORIZED).await;
    assert_eq!(err.code, sync_protocol::ErrorCode::AuthRevoked);
    let overview = root.ok(Method::GET, "/console/api/stations", None).await;
    assert_eq!(flags_of(&overview, "SH01"), ["not_enrolled"]);
}

#[tokio::test]
async fn every_console_change_leaves_an_audit_row_and_the_audit_refuses_to_be_changed() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (_, station) = station_in(&app, &root, "SH01", "East").await;
    let user = create_user(&root, "liwei", "quality_manager", &[]).await;
    let user_id = user["id"].as_str().unwrap();
    let update = json!({"display_name": "Li Wei", "role": "regional_manager", "regions": ["East"], "active": true});
    root.ok(Method::PUT, &format!("/console/api/users/{user_id}"), Some(update)).await;
    root.ok(Method::PUT, &format!("/console/api/users/{user_id}/password"), Some(json!({"password": "a new password"}))).await;
    root.ok(Method::POST, &format!("/console/api/stations/{station}/enrollment-codes"), None).await;
    root.ok(Method::POST, &format!("/console/api/stations/{station}/revoke"), None).await;

    let page = root.ok(Method::GET, "/console/api/audit", None).await;
    let entries = page["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["station.revoke", "station.enrollment_code", "user.set_password", "user.update", "user.create", "station.set_region", "user.create"],
        "newest first, down to the command line's first administrator"
    );
    assert_eq!(entries.last().unwrap()["actor"], "command line");
    assert!(entries[..6].iter().all(|e| e["actor"] == "root"));
    let updated = &entries[3];
    assert_eq!((updated["before"]["role"].as_str(), updated["after"]["role"].as_str()), (Some("quality_manager"), Some("regional_manager")));
    assert!(!page.to_string().contains("a new password") && !page.to_string().contains("argon2"), "no password in the audit");

    let one_page = root.ok(Method::GET, "/console/api/audit?limit=2", None).await;
    assert_eq!(one_page["entries"].as_array().unwrap().len(), 2);
    let next = one_page["next_before"].as_i64().unwrap();
    let older = root.ok(Method::GET, &format!("/console/api/audit?limit=2&before={next}"), None).await;
    assert_eq!(older["entries"][0]["action"], "user.set_password");

    let update = sqlx::query("UPDATE console_audit SET actor = 'someone else'").execute(&app.pool).await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM console_audit").execute(&app.pool).await;
    assert!(delete.is_err(), "the audit cannot be deleted");
    let truncate = sqlx::query("TRUNCATE console_audit").execute(&app.pool).await;
    assert!(truncate.is_err(), "nor truncated");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM console_audit WHERE actor = 'root'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 6);
}

#[tokio::test]
async fn a_change_that_fails_leaves_no_audit_row() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let me = root.ok(Method::GET, "/console/api/me", None).await;
    let id = me["user"]["id"].as_str().unwrap();
    let demote = json!({"display_name": "Admin", "role": "quality_manager", "regions": [], "active": true});
    let (status, err) = root.call(Method::PUT, &format!("/console/api/users/{id}"), Some(demote)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("user.last_administrator")));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM console_audit WHERE action = 'user.update'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 0);
    assert_eq!(root.ok(Method::GET, "/console/api/me", None).await["user"]["role"], "administrator");
}

#[tokio::test]
async fn passwords_and_session_tokens_are_not_stored_in_clear() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let token = root.token().to_string();
    assert!(token.len() >= 40, "a session token carries 256 random bits: {token}");
    let (hash, phc): (Vec<u8>, String) =
        sqlx::query_as("SELECT s.token_hash, u.password_hash FROM console_sessions s JOIN console_users u USING (user_id)").fetch_one(&app.pool).await.unwrap();
    assert_eq!(hash.len(), 32, "the SHA-256 of the token");
    assert_ne!(hash, token.as_bytes());
    assert!(!String::from_utf8_lossy(&hash).contains(&token));
    assert!(phc.starts_with("$argon2id$") && !phc.contains(ADMIN_PASSWORD), "{phc}");
}

#[tokio::test]
async fn the_station_overview_flags_a_station_silent_for_more_than_a_day() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (mut st, _) = station_in(&app, &root, "SH01", "East").await;
    assert_eq!(push_as_stationdesk(&app, &mut st, "0.1.0").await, StatusCode::OK);

    let overview = root.ok(Method::GET, "/console/api/stations", None).await;
    let row = &overview["stations"][0];
    assert_eq!(flags_of(&overview, "SH01"), Vec::<&str>::new(), "{row}");
    assert_eq!((row["app_version"].as_str(), row["protocol_version"].as_i64(), row["last_acked_seq"].as_i64()), (Some("0.1.0"), Some(1), Some(1)));
    assert!(row["last_sync_at"].is_string() && row["clock_offset_ms"].as_i64().unwrap().abs() < 60_000, "{row}");
    assert_eq!(row["can"]["revoke"], true);

    app.clock.advance(Duration::hours(25));
    let root = Browser::logged_in(&app, "root", ADMIN_PASSWORD).await;
    let overview = root.ok(Method::GET, "/console/api/stations", None).await;
    assert_eq!(flags_of(&overview, "SH01"), ["silent"]);
}

#[tokio::test]
async fn the_station_overview_flags_an_older_app_and_a_station_that_never_synced() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let (mut old, _) = station_in(&app, &root, "SH01", "East").await;
    let (mut new, _) = station_in(&app, &root, "SH02", "East").await;
    station_in(&app, &root, "SH03", "East").await;
    assert_eq!(push_as_stationdesk(&app, &mut old, "0.9.3").await, StatusCode::OK);
    assert_eq!(push_as_stationdesk(&app, &mut new, "0.10.0").await, StatusCode::OK);
    let overview = root.ok(Method::GET, "/console/api/stations", None).await;
    assert_eq!(overview["newest_app_version"], "0.10.0");
    assert_eq!(flags_of(&overview, "SH01"), ["old_version"]);
    assert_eq!(flags_of(&overview, "SH02"), Vec::<&str>::new());
    assert_eq!(flags_of(&overview, "SH03"), ["never_synced"]);
}

#[tokio::test]
async fn bad_fields_in_a_request_body_are_named() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let cases = [
        (json!({"login": "li", "display_name": "Li", "role": "root", "password": "long enough pw"}), "role", "input.malformed"),
        (json!({"login": "li", "display_name": "Li", "role": "quality_manager"}), "password", "input.malformed"),
        (
            json!({"login": "li", "display_name": "Li", "role": "quality_manager", "password": "long enough pw", "is_admin": true}),
            "is_admin",
            "input.malformed",
        ),
        (json!({"login": "l i", "display_name": "Li", "role": "quality_manager", "password": "long enough pw"}), "login", "user.login"),
        (json!({"login": "lili", "display_name": "Li", "role": "quality_manager", "password": "short"}), "password", "user.password_length"),
        (json!({"login": "lili", "display_name": "Li", "role": "regional_manager", "password": "long enough pw"}), "regions", "user.regions_required"),
        (json!({"login": "root", "display_name": "Li", "role": "quality_manager", "password": "long enough pw"}), "login", "user.login_taken"),
    ];
    for (body, field, code) in cases {
        let (status, err) = root.call(Method::POST, "/console/api/users", Some(body.clone())).await;
        let expected = if code == "user.login_taken" { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
        assert_eq!(status, expected, "{body}: {err}");
        assert_eq!((err["field"].as_str(), err["code"].as_str()), (Some(field), Some(code)), "{body}: {err}");
    }
    let (status, err) = root.get("/console/api/audit?limit=lots").await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_their_logins() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    let user = create_user(&root, "wang", "quality_manager", &[]).await;
    let wang = Browser::logged_in(&app, "wang", "wang password").await;
    let id = user["id"].as_str().unwrap();
    let disable = json!({"display_name": "wang", "role": "quality_manager", "regions": [], "active": false});
    let after = root.ok(Method::PUT, &format!("/console/api/users/{id}"), Some(disable)).await;
    assert_eq!((after["active"].as_bool(), after["can_disable"].as_bool()), (Some(false), Some(false)));
    assert_eq!(wang.get("/console/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login_as(&app, "wang", "wang password").await.status(), StatusCode::UNAUTHORIZED);

    let me = root.ok(Method::GET, "/console/api/me", None).await;
    let self_disable = json!({"display_name": "x", "role": "administrator", "regions": [], "active": false});
    let (status, err) = root.call(Method::PUT, &format!("/console/api/users/{}", me["user"]["id"].as_str().unwrap()), Some(self_disable)).await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("user.disable_self")));
}

#[tokio::test]
async fn a_regional_manager_changes_their_own_password_given_the_current_one_and_their_other_sessions_end() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    create_user(&root, "zhao", "regional_manager", &["East"]).await;
    let laptop = Browser::logged_in(&app, "zhao", "zhao password").await;
    let phone = Browser::logged_in(&app, "zhao", "zhao password").await;

    let wrong = json!({"current_password": "not it at all", "new_password": "a brand new secret"});
    let (status, err) = laptop.call(Method::PUT, "/console/api/me/password", Some(wrong)).await;
    assert_eq!((status, err["code"].as_str(), err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("user.password_wrong"), Some("current_password")));
    let short = json!({"current_password": "zhao password", "new_password": "short"});
    let (status, err) = laptop.call(Method::PUT, "/console/api/me/password", Some(short)).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("new_password")));

    let change = json!({"current_password": "zhao password", "new_password": "a brand new secret"});
    laptop.ok(Method::PUT, "/console/api/me/password", Some(change)).await;
    assert_eq!(laptop.get("/console/api/me").await.0, StatusCode::OK, "the session that changed it goes on");
    assert_eq!(phone.get("/console/api/me").await.0, StatusCode::UNAUTHORIZED, "the other sessions end");
    assert_eq!(login_as(&app, "zhao", "zhao password").await.status(), StatusCode::UNAUTHORIZED);
    Browser::logged_in(&app, "zhao", "a brand new secret").await;
    let audit = root.ok(Method::GET, "/console/api/audit", None).await;
    assert!(audit.to_string().contains("user.change_own_password"), "{audit}");
}

#[tokio::test]
async fn guessing_the_current_password_in_a_session_is_throttled_like_logins() {
    let app = spawn_app().await;
    let root = admin(&app).await;
    create_user(&root, "wang", "quality_manager", &[]).await;
    let wang = Browser::logged_in(&app, "wang", "wang password").await;
    for _ in 0..5 {
        let guess = json!({"current_password": "a wrong guess", "new_password": "taken over now"});
        assert_eq!(wang.call(Method::PUT, "/console/api/me/password", Some(guess)).await.0, StatusCode::BAD_REQUEST);
    }
    let right = json!({"current_password": "wang password", "new_password": "taken over now"});
    assert_eq!(wang.call(Method::PUT, "/console/api/me/password", Some(right)).await.0, StatusCode::TOO_MANY_REQUESTS);
}

/// The real binary: the password comes on stdin, and it is not on the command line.
#[tokio::test]
async fn the_create_admin_command_reads_the_password_from_stdin_and_that_administrator_logs_in() {
    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_headoffice"))
        .args(["admin", "create-admin", "--login", "chief", "--name", "Chief Admin"])
        .env("HEADOFFICE__DATABASE_URL", &app.database_url)
        .env_remove("HEADOFFICE_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"chief's password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("chief"));

    let chief = Browser::logged_in(&app, "chief", "chief's password").await;
    let me = chief.ok(Method::GET, "/console/api/me", None).await;
    assert_eq!((me["user"]["role"].as_str(), me["can"]["manage_users"].as_bool()), (Some("administrator"), Some(true)));
}

#[tokio::test]
async fn a_console_body_over_the_size_limit_gets_the_json_error_with_a_stable_code() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let huge = json!({"login": "x".repeat(3 * 1024 * 1024), "display_name": "X", "role": "admin", "regions": [], "password": "long enough password"});
    let (status, body) = admin.call(Method::POST, "/console/api/users", Some(huge.clone())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!((body["kind"].as_str(), body["code"].as_str()), (Some("invalid"), Some("request.too_large")), "{body}");
    assert_eq!(body["params"]["limit_mb"], "2");
    // Before any session too: the login form's body is read first.
    let (status, body) = Browser::anonymous(&app).call(Method::POST, "/console/api/login", Some(huge)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("request.too_large")), "{body}");
}
