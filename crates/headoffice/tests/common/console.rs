//! The console as a browser uses it: a session cookie from logging in, JSON
//! calls under `/console/api`, the first administrator as `admin create-admin`
//! makes it, users and stations in regions made through the API.

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use super::{StationSim, TestApp};

pub const ADMIN_PASSWORD: &str = "admin password 1";

/// A browser's view of the console: the session cookie it was given, if any.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn anonymous(app: &'a TestApp) -> Self {
        Self { app, cookie: None }
    }

    /// Logs in and keeps the session cookie; panics unless the login succeeds.
    pub async fn logged_in(app: &'a TestApp, login: &str, password: &str) -> Self {
        let res = login_as(app, login, password).await;
        let status = res.status();
        let set_cookie = res.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(status, StatusCode::OK, "{login} should log in: {}", res.text().await.unwrap());
        let cookie = set_cookie.expect("a session cookie").split(';').next().unwrap().to_string();
        Self { app, cookie: Some(cookie) }
    }

    /// The session token inside the cookie.
    pub fn token(&self) -> &str {
        self.cookie.as_deref().and_then(|c| c.strip_prefix("ho_console=")).unwrap()
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.app.http.request(method, self.app.url(path));
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path} should answer JSON: {text}")))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// Expects 200 and returns the body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {value}");
        value
    }
}

pub async fn login_as(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    app.http.post(app.url("/console/api/login")).json(&json!({"login": login, "password": password})).send().await.unwrap()
}

/// The first administrator, as `headoffice admin create-admin` makes it, logged in.
pub async fn admin(app: &TestApp) -> Browser<'_> {
    headoffice::admin::create_admin(&app.pool, "root", "Head Office Admin", ADMIN_PASSWORD, app.clock.now()).await.unwrap();
    Browser::logged_in(app, "root", ADMIN_PASSWORD).await
}

pub async fn create_user(admin: &Browser<'_>, login: &str, role: &str, regions: &[&str]) -> Value {
    let body = json!({"login": login, "display_name": login, "role": role, "password": format!("{login} password"), "regions": regions});
    admin.ok(Method::POST, "/console/api/users", Some(body)).await
}

/// A station created and enrolled, in `region`; returns it and its id.
pub async fn station_in(app: &TestApp, admin: &Browser<'_>, code: &str, region: &str) -> (StationSim, String) {
    let st = app.station(code).await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(&app.pool).await.unwrap();
    admin.ok(Method::PUT, &format!("/console/api/stations/{id}/region"), Some(json!({"region": region}))).await;
    (st, id.to_string())
}
