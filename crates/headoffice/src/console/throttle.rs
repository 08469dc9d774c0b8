//! The login throttle. Failed logins are counted per login and per client
//! address; once the last `max` failures of either fall within the window, the
//! login (or address) is locked for the lockout time from the last failure,
//! and while locked the password is not even checked, so the right password
//! does not get through either. A success clears the login's failures.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::error::{ConsoleError, ErrorKind};
use crate::config::ConsoleConfig;

/// When the lock ends, if these failures (newest first) make one.
pub fn locked_until(newest_first: &[DateTime<Utc>], max: u32, window: Duration, lockout: Duration) -> Option<DateTime<Utc>> {
    let (Some(newest), Some(oldest)) = (newest_first.first(), newest_first.get(max.max(1) as usize - 1)) else {
        return None;
    };
    (*newest - *oldest < window).then_some(*newest + lockout)
}

fn throttled(until: DateTime<Utc>, now: DateTime<Utc>) -> ConsoleError {
    let minutes = ((until - now).num_seconds() + 59).max(60) / 60;
    ConsoleError::new(ErrorKind::Throttled, "console.login_throttled", format!("too many failed logins: try again in {minutes} min")).with("minutes", minutes)
}

/// The newest `max` failures at or before `now` of one login or address (`sql` picks which).
async fn recent(conn: &mut PgConnection, sql: &'static str, key: &str, now: DateTime<Utc>, max: u32) -> sqlx::Result<Vec<DateTime<Utc>>> {
    sqlx::query_scalar(sql).bind(key).bind(now).bind(i64::from(max)).fetch_all(conn).await
}

/// `console.login_throttled` while the login or the address is locked.
pub async fn check(conn: &mut PgConnection, config: &ConsoleConfig, login: &str, ip: &str, now: DateTime<Utc>) -> Result<(), ConsoleError> {
    let window = Duration::minutes(config.login_window_minutes.into());
    let lockout = Duration::minutes(config.login_lockout_minutes.into());
    let by_login = recent(
        conn,
        "SELECT failed_at FROM console_login_failures WHERE login = $1 AND failed_at <= $2 ORDER BY failed_at DESC LIMIT $3",
        login,
        now,
        config.login_max_failures,
    )
    .await?;
    let by_ip = recent(
        conn,
        "SELECT failed_at FROM console_login_failures WHERE client_ip = $1 AND failed_at <= $2 ORDER BY failed_at DESC LIMIT $3",
        ip,
        now,
        config.ip_max_failures,
    )
    .await?;
    let until = [locked_until(&by_login, config.login_max_failures, window, lockout), locked_until(&by_ip, config.ip_max_failures, window, lockout)]
        .into_iter()
        .flatten()
        .max();
    match until {
        Some(until) if until > now => Err(throttled(until, now)),
        _ => Ok(()),
    }
}

/// Counts a failed login, dropping this login's and address's failures too old to matter.
pub async fn failed(conn: &mut PgConnection, login: &str, ip: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM console_login_failures WHERE (login = $1 OR client_ip = $2) AND failed_at < $3 - interval '1 day'")
        .bind(login)
        .bind(ip)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO console_login_failures (login, client_ip, failed_at) VALUES ($1, $2, $3)").bind(login).bind(ip).bind(now).execute(conn).await?;
    Ok(())
}

pub async fn succeeded(conn: &mut PgConnection, login: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM console_login_failures WHERE login = $1").bind(login).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minute)
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_fifteen_minutes_from_the_last() {
        let newest_first = [at(14), at(10), at(5), at(2), at(0)];
        assert_eq!(locked_until(&newest_first, 5, Duration::minutes(15), Duration::minutes(15)), Some(at(29)));
    }

    #[test]
    fn failures_spread_over_more_than_the_window_do_not_lock() {
        let newest_first = [at(20), at(10), at(5), at(2), at(0)];
        assert_eq!(locked_until(&newest_first, 5, Duration::minutes(15), Duration::minutes(15)), None);
        assert_eq!(locked_until(&newest_first[..4], 5, Duration::minutes(15), Duration::minutes(15)), None, "four failures are forgiven");
    }
}
