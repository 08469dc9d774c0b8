//! Console accounts: creating users, changing their role, regions and
//! password, disabling them. Administrators do it from the console; the first
//! administrator comes from `headoffice admin create-admin`. Passwords are kept
//! only as argon2id PHC strings; every change writes its audit row in its own
//! transaction (audit.rs).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use ts_rs::TS;
use uuid::Uuid;

use super::audit::{self, Actor, Target};
use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action, Role, RoleChoice};
use super::sessions::{Client, ConsoleSession};
use super::throttle;
use crate::config::ConsoleConfig;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Argon2 hashes whatever it is given; a megabyte "password" would be a cheap way to burn CPU.
pub const MAX_PASSWORD_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize, TS)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// A regional manager's regions; empty for the other roles.
    pub regions: Vec<String>,
    pub active: bool,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// Whether the caller may disable this account (an administrator, and not their own).
    pub can_disable: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UserList {
    pub users: Vec<User>,
    /// The roles an account can be given, and which of them take regions.
    pub roles: Vec<RoleChoice>,
    /// The regions the stations are in now, by name: what a regional manager can be given.
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
    /// Required for a regional manager, refused for the other roles.
    #[serde(default)]
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: String,
    pub role: Role,
    pub regions: Vec<String>,
    /// `false` disables the account and ends its sessions; `true` enables it again.
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    pub password: String,
}

/// A user changing their own password: the current one proves it is them.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChangeOwnPassword {
    pub current_password: String,
    pub new_password: String,
}

/// argon2id with its default cost, in a blocking thread: it is slow on purpose.
pub async fn hash_password(password: &str) -> ConsoleResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ConsoleError::internal(format!("cannot hash the password: {e}")))?
    .map_err(|e| ConsoleError::internal(format!("cannot hash the password: {e}")))
}

pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    tokio::task::spawn_blocking(move || PasswordHash::new(&phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()))
        .await
        .unwrap_or(false)
}

/// A login as stored: trimmed, lower case.
pub fn normalise_login(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn check_login(raw: &str) -> ConsoleResult<String> {
    let login = normalise_login(raw);
    let ok = (3..=64).contains(&login.chars().count()) && login.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(login)
    } else {
        Err(ConsoleError::field("login", "user.login", "a login is 3 to 64 letters, digits, '.', '_', '-' or '@'"))
    }
}

fn check_display_name(raw: &str) -> ConsoleResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ConsoleError::field("display_name", "user.display_name", "a name is 1 to 100 characters"));
    }
    Ok(name.to_string())
}

fn check_password(password: &str) -> ConsoleResult<()> {
    check_password_as(password, "password")
}

fn check_password_as(password: &str, field: &str) -> ConsoleResult<()> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(ConsoleError::field(field, "user.password_length", format!("a password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"))
            .with("min", MIN_PASSWORD_CHARS)
            .with("max", MAX_PASSWORD_CHARS))
    }
}

/// A regional manager needs regions; the other roles see every station and take none.
fn check_regions(role: Role, raw: &[String]) -> ConsoleResult<Vec<String>> {
    let mut regions: Vec<String> = raw.iter().map(|r| r.trim().to_string()).collect();
    if regions.iter().any(|r| r.is_empty() || r.chars().count() > 64) {
        return Err(ConsoleError::field("regions", "user.region", "a region is 1 to 64 characters"));
    }
    regions.sort();
    regions.dedup();
    match (role.sees_every_station(), regions.is_empty()) {
        (false, true) => Err(ConsoleError::field("regions", "user.regions_required", "a regional manager needs at least one region")),
        (true, false) => {
            Err(ConsoleError::field("regions", "user.regions_not_for_role", "only a regional manager is limited to regions").with("role", role.as_str()))
        }
        _ => Ok(regions),
    }
}

type UserRow = (Uuid, String, String, String, bool, DateTime<Utc>, Vec<String>);

/// One user (`Some(id)`) or all of them, as `caller` sees them.
async fn load(conn: &mut PgConnection, user_id: Option<Uuid>, caller: Option<&ConsoleSession>) -> ConsoleResult<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT u.user_id, u.login, u.display_name, u.role, u.disabled_at IS NULL, u.created_at,
                ARRAY(SELECT r.region FROM console_user_regions r WHERE r.user_id = u.user_id ORDER BY r.region)
         FROM console_users u WHERE ($1::uuid IS NULL OR u.user_id = $1) ORDER BY u.login",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    let admin = caller.is_some_and(|c| c.user.role.may(Action::ManageUsers));
    rows.into_iter()
        .map(|(id, login, display_name, role, active, created_at, regions)| {
            let role = Role::parse(&role).ok_or_else(|| ConsoleError::internal(format!("unknown role {role:?} in the database")))?;
            let is_caller = caller.is_some_and(|c| c.user.user_id == id);
            Ok(User { id: id.to_string(), login, display_name, role, regions, active, created_at, can_disable: admin && !is_caller && active })
        })
        .collect()
}

/// The user as `caller` sees it; `console.not_found` when there is none.
pub async fn get(conn: &mut PgConnection, user_id: Uuid, caller: Option<&ConsoleSession>) -> ConsoleResult<User> {
    load(conn, Some(user_id), caller).await?.pop().ok_or_else(|| ConsoleError::not_found("user"))
}

fn parse_id(raw: &str) -> ConsoleResult<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| ConsoleError::not_found("user"))
}

/// What the audit keeps of an account: never its password.
fn snapshot(user: &User) -> Value {
    json!({"login": user.login, "display_name": user.display_name, "role": user.role, "regions": user.regions, "active": user.active})
}

pub async fn list(pool: &PgPool, session: &ConsoleSession) -> ConsoleResult<UserList> {
    require(session.user.role, Action::ManageUsers)?;
    let mut conn = pool.acquire().await?;
    let users = load(&mut conn, None, Some(session)).await?;
    let regions: Vec<String> = sqlx::query_scalar("SELECT DISTINCT region FROM stations WHERE region <> '' ORDER BY region").fetch_all(&mut *conn).await?;
    Ok(UserList { users, roles: RoleChoice::all(), regions })
}

pub async fn create(pool: &PgPool, session: &ConsoleSession, input: NewUser, now: DateTime<Utc>) -> ConsoleResult<User> {
    require(session.user.role, Action::ManageUsers)?;
    create_as(pool, &session.actor(), Some(session), input, now).await
}

/// The first administrator, from the command line (`headoffice admin create-admin`).
pub async fn create_admin(pool: &PgPool, login: &str, display_name: &str, password: &str, now: DateTime<Utc>) -> ConsoleResult<User> {
    let input = NewUser { login: login.into(), display_name: display_name.into(), role: Role::Administrator, password: password.into(), regions: vec![] };
    create_as(pool, &Actor::CommandLine, None, input, now).await
}

async fn create_as(pool: &PgPool, actor: &Actor, caller: Option<&ConsoleSession>, input: NewUser, now: DateTime<Utc>) -> ConsoleResult<User> {
    let login = check_login(&input.login)?;
    let display_name = check_display_name(&input.display_name)?;
    check_password(&input.password)?;
    let regions = check_regions(input.role, &input.regions)?;
    let password_hash = hash_password(&input.password).await?;
    let mut tx = pool.begin().await?;
    let user_id = Uuid::now_v7();
    let inserted = sqlx::query(
        "INSERT INTO console_users (user_id, login, display_name, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (login) DO NOTHING",
    )
    .bind(user_id)
    .bind(&login)
    .bind(&display_name)
    .bind(&password_hash)
    .bind(input.role.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ConsoleError::conflict("user.login_taken", format!("the login {login} is taken")).with_field("login"));
    }
    set_regions(&mut tx, user_id, &regions).await?;
    let user = get(&mut tx, user_id, caller).await?;
    audit::record(&mut tx, actor, now, "user.create", Target { kind: "user", id: user.id.clone() }, None, Some(snapshot(&user))).await?;
    tx.commit().await?;
    Ok(user)
}

async fn set_regions(conn: &mut PgConnection, user_id: Uuid, regions: &[String]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM console_user_regions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO console_user_regions (user_id, region) SELECT $1, UNNEST($2::text[])").bind(user_id).bind(regions).execute(conn).await?;
    Ok(())
}

/// Changes the name, role, regions and whether the account is active. The
/// last active administrator cannot be demoted or disabled, nor can the caller disable themselves.
pub async fn update(pool: &PgPool, session: &ConsoleSession, user_id: &str, input: UpdateUser, now: DateTime<Utc>) -> ConsoleResult<User> {
    require(session.user.role, Action::ManageUsers)?;
    let user_id = parse_id(user_id)?;
    let display_name = check_display_name(&input.display_name)?;
    let regions = check_regions(input.role, &input.regions)?;
    if user_id == session.user.user_id && !input.active {
        return Err(ConsoleError::conflict("user.disable_self", "you cannot disable your own account").with_field("active"));
    }
    let mut tx = pool.begin().await?;
    // Taken first, so two administrators demoting each other at once cannot leave none.
    sqlx::query("SELECT user_id FROM console_users WHERE role = 'administrator' AND disabled_at IS NULL ORDER BY user_id FOR UPDATE")
        .fetch_all(&mut *tx)
        .await?;
    let before = get(&mut tx, user_id, Some(session)).await?;
    sqlx::query(
        "UPDATE console_users SET display_name = $2, role = $3,
                disabled_at = CASE WHEN $4 THEN NULL ELSE COALESCE(disabled_at, $5) END
         WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(&display_name)
    .bind(input.role.as_str())
    .bind(input.active)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    set_regions(&mut tx, user_id, &regions).await?;
    let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM console_users WHERE role = 'administrator' AND disabled_at IS NULL").fetch_one(&mut *tx).await?;
    if admins == 0 {
        return Err(ConsoleError::conflict("user.last_administrator", "this is the last active administrator: make another one first").with_field("role"));
    }
    if !input.active {
        sqlx::query("DELETE FROM console_sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    }
    let after = get(&mut tx, user_id, Some(session)).await?;
    audit::record(
        &mut tx,
        &session.actor(),
        now,
        "user.update",
        Target { kind: "user", id: after.id.clone() },
        Some(snapshot(&before)),
        Some(snapshot(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A new password for the account; its other sessions end.
pub async fn set_password(pool: &PgPool, session: &ConsoleSession, user_id: &str, input: SetPassword, now: DateTime<Utc>) -> ConsoleResult<User> {
    require(session.user.role, Action::ManageUsers)?;
    let user_id = parse_id(user_id)?;
    check_password(&input.password)?;
    let password_hash = hash_password(&input.password).await?;
    let mut tx = pool.begin().await?;
    let user = get(&mut tx, user_id, Some(session)).await?;
    sqlx::query("UPDATE console_users SET password_hash = $2 WHERE user_id = $1").bind(user_id).bind(&password_hash).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1 AND session_id <> $2").bind(user_id).bind(session.session_id).execute(&mut *tx).await?;
    audit::record(&mut tx, &session.actor(), now, "user.set_password", Target { kind: "user", id: user.id.clone() }, None, None).await?;
    tx.commit().await?;
    Ok(user)
}

/// Any user's own password, given the current one. A wrong current password
/// counts against the login throttle as a failed login does (a borrowed
/// session must not become a way to guess it); the user's other sessions end.
pub async fn change_own_password(
    pool: &PgPool,
    config: &ConsoleConfig,
    session: &ConsoleSession,
    client: &Client,
    input: ChangeOwnPassword,
    now: DateTime<Utc>,
) -> ConsoleResult<User> {
    if input.current_password.is_empty() {
        return Err(ConsoleError::field("current_password", "console.password_required", "enter your current password"));
    }
    check_password_as(&input.new_password, "new_password")?;
    let login = session.user.login.clone();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 4))").bind(&login).execute(&mut *tx).await?;
    throttle::check(&mut tx, config, &login, &client.ip, now).await?;
    let phc: String = sqlx::query_scalar("SELECT password_hash FROM console_users WHERE user_id = $1").bind(session.user.user_id).fetch_one(&mut *tx).await?;
    let right = input.current_password.chars().count() <= MAX_PASSWORD_CHARS && verify_password(&input.current_password, &phc).await;
    if !right {
        throttle::failed(&mut tx, &login, &client.ip, now).await?;
        tx.commit().await?;
        return Err(ConsoleError::field("current_password", "user.password_wrong", "that is not your current password"));
    }
    throttle::succeeded(&mut tx, &login).await?;
    let password_hash = hash_password(&input.new_password).await?;
    sqlx::query("UPDATE console_users SET password_hash = $2 WHERE user_id = $1").bind(session.user.user_id).bind(&password_hash).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1 AND session_id <> $2")
        .bind(session.user.user_id)
        .bind(session.session_id)
        .execute(&mut *tx)
        .await?;
    let user = get(&mut tx, session.user.user_id, None).await?;
    audit::record(&mut tx, &session.actor(), now, "user.change_own_password", Target { kind: "user", id: user.id.clone() }, None, None).await?;
    tx.commit().await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_compared_in_lower_case_and_keep_to_a_few_characters() {
        assert_eq!(check_login("  Li.Wei@HQ ").ok().as_deref(), Some("li.wei@hq"));
        for bad in ["ab", "has space", "王芳", ""] {
            assert_eq!(check_login(bad).err().and_then(|e| e.field).as_deref(), Some("login"), "{bad:?}");
        }
    }

    #[test]
    fn only_regional_managers_have_regions_and_they_need_one() {
        assert_eq!(check_regions(Role::RegionalManager, &[" East ".into(), "East".into()]).ok(), Some(vec!["East".to_string()]));
        assert_eq!(check_regions(Role::RegionalManager, &[]).err().map(|e| e.code), Some("user.regions_required".into()));
        assert_eq!(check_regions(Role::QualityManager, &["East".into()]).err().map(|e| e.code), Some("user.regions_not_for_role".into()));
    }

    #[tokio::test]
    async fn a_password_is_kept_as_an_argon2_string_that_verifies_only_itself() {
        let phc = hash_password("correct horse battery").await.ok().unwrap_or_default();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify_password("correct horse battery", &phc).await);
        assert!(!verify_password("correct horse batterY", &phc).await);
    }
}
