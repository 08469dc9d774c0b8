//! Logging in to the console and knowing who asks. A login gives a session:
//! 256 random bits in an HttpOnly, SameSite=Strict cookie (`ho_console`, path
//! `/console`), of which the database keeps only the SHA-256. A session ends
//! `session_hours` after login, after `session_idle_minutes` unused, at logout,
//! or when its user is disabled. `ConsoleSession` is the axum extractor every
//! console route but login takes: no session, no answer (401).

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use ts_rs::TS;
use uuid::Uuid;

use super::accounts::{self, normalise_login, User};
use super::audit::Actor;
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{Can, Role, Scope};
use super::throttle;
use crate::auth::{hash_secret, new_secret};
use crate::config::ConsoleConfig;
use crate::startup::AppState;

pub const COOKIE: &str = "ho_console";
const COOKIE_PATH: &str = "/console";

/// Who is calling, for the throttle and the cookie's `Secure` flag.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    /// The reverse proxy says the browser came over HTTPS (`X-Forwarded-Proto: https`).
    pub https: bool,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .console
            .trust_forwarded_for
            .then(|| parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).map(|v| v.trim().to_string()))
            .flatten()
            .filter(|v| !v.is_empty());
        let peer = || parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into());
        let https = parts.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        Ok(Client { ip: forwarded.unwrap_or_else(peer), https })
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// The caller: the account, what the role may do, and when the session ends at the latest.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Me {
    pub user: User,
    pub can: Can,
    #[ts(type = "string")]
    pub session_expires_at: DateTime<Utc>,
}

/// A successful login: `Me` as the body, the session token in a cookie only.
pub struct LoggedIn {
    token: String,
    max_age: Duration,
    secure: bool,
    me: Me,
}

fn cookie(value: &str, max_age_s: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{secure}")).ok()
}

impl IntoResponse for LoggedIn {
    fn into_response(self) -> Response {
        let mut res = Json(self.me).into_response();
        if let Some(c) = cookie(&self.token, self.max_age.num_seconds(), self.secure) {
            res.headers_mut().insert(header::SET_COOKIE, c);
        }
        res
    }
}

/// Logged out: the cookie is cleared.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LoggedOut {
    pub ok: bool,
}

impl IntoResponse for LoggedOut {
    fn into_response(self) -> Response {
        let mut res = Json(self).into_response();
        if let Some(c) = cookie("", 0, false) {
            res.headers_mut().insert(header::SET_COOKIE, c);
        }
        res
    }
}

/// Checked against a password when the login is unknown or disabled, so the
/// answer takes as long as for a wrong password and does not tell which logins exist.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    argon2::Argon2::default().hash_password(b"no such account", &SaltString::generate(&mut OsRng)).map(|h| h.to_string()).unwrap_or_default()
});

fn login_failed() -> ConsoleError {
    ConsoleError::unauthenticated("console.login_failed", "wrong login or password")
}

/// Checks the throttle, then the password; a failure is counted, a success
/// clears the count and opens a session. One login at a time per login name
/// (an advisory lock), so parallel guesses cannot slip past the count.
pub async fn login(pool: &PgPool, config: &ConsoleConfig, client: &Client, input: LoginInput, now: DateTime<Utc>) -> ConsoleResult<LoggedIn> {
    let login = normalise_login(&input.login);
    if login.is_empty() {
        return Err(ConsoleError::field("login", "console.login_required", "enter your login"));
    }
    if input.password.is_empty() {
        return Err(ConsoleError::field("password", "console.password_required", "enter your password"));
    }
    if input.password.chars().count() > accounts::MAX_PASSWORD_CHARS {
        return Err(login_failed());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 4))").bind(&login).execute(&mut *tx).await?;
    throttle::check(&mut tx, config, &login, &client.ip, now).await?;
    let found: Option<(Uuid, String, bool)> =
        sqlx::query_as("SELECT user_id, password_hash, disabled_at IS NULL FROM console_users WHERE login = $1").bind(&login).fetch_optional(&mut *tx).await?;
    let (user_id, phc, active) = found.unwrap_or_else(|| (Uuid::nil(), DECOY_HASH.clone(), false));
    let right = accounts::verify_password(&input.password, &phc).await;
    if !(right && active) {
        throttle::failed(&mut tx, &login, &client.ip, now).await?;
        tx.commit().await?;
        return Err(login_failed());
    }
    throttle::succeeded(&mut tx, &login).await?;
    let lifetime = Duration::hours(config.session_hours.into());
    let token = new_secret("hoc");
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1 AND expires_at <= $2").bind(user_id).bind(now).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO console_sessions (session_id, token_hash, user_id, created_at, expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $4)")
        .bind(Uuid::now_v7())
        .bind(hash_secret(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + lifetime)
        .execute(&mut *tx)
        .await?;
    let user = accounts::get(&mut tx, user_id, None).await?;
    tx.commit().await?;
    let me = Me { can: Can::for_role(user.role), user, session_expires_at: now + lifetime };
    Ok(LoggedIn { token, max_age: lifetime, secure: client.https, me })
}

pub async fn logout(pool: &PgPool, session: &ConsoleSession) -> ConsoleResult<LoggedOut> {
    sqlx::query("DELETE FROM console_sessions WHERE session_id = $1").bind(session.session_id).execute(pool).await?;
    Ok(LoggedOut { ok: true })
}

pub async fn me(pool: &PgPool, session: &ConsoleSession) -> ConsoleResult<Me> {
    let mut conn = pool.acquire().await?;
    let user = accounts::get(&mut conn, session.user.user_id, Some(session)).await?;
    Ok(Me { can: Can::for_role(user.role), user, session_expires_at: session.expires_at })
}

/// The account behind a session, as of this request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: Uuid,
    pub login: String,
    pub role: Role,
}

/// A live console session: who, and which stations their reads cover.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub session_id: Uuid,
    pub user: SessionUser,
    pub scope: Scope,
    pub expires_at: DateTime<Utc>,
}

impl ConsoleSession {
    pub fn actor(&self) -> Actor {
        Actor::User { user_id: self.user.user_id, login: self.user.login.clone() }
    }
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

type SessionRow = (Uuid, DateTime<Utc>, DateTime<Utc>, Uuid, String, String, bool, Vec<Uuid>);

/// The session of `token` at `now`; `console.session_expired` when it has ended.
pub async fn authenticate(pool: &PgPool, config: &ConsoleConfig, token: &str, now: DateTime<Utc>) -> ConsoleResult<ConsoleSession> {
    let ended = || ConsoleError::unauthenticated("console.session_expired", "your session has ended: log in again");
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.session_id, s.expires_at, s.last_used_at, u.user_id, u.login, u.role, u.disabled_at IS NULL,
                ARRAY(SELECT st.station_id FROM stations st JOIN console_user_regions r ON r.region = st.region WHERE r.user_id = u.user_id)
         FROM console_sessions s JOIN console_users u USING (user_id) WHERE s.token_hash = $1",
    )
    .bind(hash_secret(token))
    .fetch_optional(pool)
    .await?;
    let Some((session_id, expires_at, last_used_at, user_id, login, role, active, region_stations)) = row else {
        return Err(ended());
    };
    let idle = Duration::minutes(config.session_idle_minutes.into());
    if !active || now >= expires_at || now - last_used_at >= idle {
        sqlx::query("DELETE FROM console_sessions WHERE session_id = $1").bind(session_id).execute(pool).await?;
        return Err(ended());
    }
    // To the minute is enough for the idle timeout, and spares a write per request.
    sqlx::query("UPDATE console_sessions SET last_used_at = $2 WHERE session_id = $1 AND last_used_at < $2 - interval '1 minute'")
        .bind(session_id)
        .bind(now)
        .execute(pool)
        .await?;
    let role = Role::parse(&role).ok_or_else(|| ConsoleError::internal(format!("unknown role {role:?} in the database")))?;
    let scope = if role.sees_every_station() { Scope::All } else { Scope::Stations(region_stations) };
    Ok(ConsoleSession { session_id, user: SessionUser { user_id, login, role }, scope, expires_at })
}

impl FromRequestParts<AppState> for ConsoleSession {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(&parts.headers) else {
            return Err(ConsoleError::unauthenticated("console.session_required", "log in to the console first"));
        };
        authenticate(&state.pool, &state.config.console, token, state.clock.now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_is_http_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("theme=dark; ho_console=hoc_abc ; lang=zh"));
        assert_eq!(session_token(&headers), Some("hoc_abc"));
        headers.insert(header::COOKIE, HeaderValue::from_static("ho_console="));
        assert_eq!(session_token(&headers), None);
        let set = cookie("hoc_abc", 60, true).map(|v| v.to_str().unwrap_or_default().to_string()).unwrap_or_default();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure") && set.contains("Path=/console"), "{set}");
    }
}
