//! Workshop tablets over the LAN: which requests `serve` lets in, and from where.
//!
//! The desk is the desktop window, or a browser on the station PC itself
//! (a loopback peer asking for a loopback host: `http://127.0.0.1:8787`). Anything
//! else is a device on the network. A device that has never been seen asks to
//! pair and shows a short code; a manager approves that code at the desk, and
//! the device's token (a cookie the transport sets, stored here as a SHA-256)
//! admits it from then on. Sessions made on a device belong to it, end after the
//! station's idle time, and end at once when a manager revokes the device.
//!
//! The HTTP transport only reads the peer address, `Host`, `Origin` and the
//! device cookie and hands them to [`admit`]; every rule is here.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::lockout;
use super::roles::{Caller, Permission};
use super::sessions::hash_token;
use super::setup::required;
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::db;

/// A pairing code is good for this long; then the tablet asks again.
pub const PAIRING_MINUTES: i64 = 15;
/// More waiting requests than this, and someone on the Wi-Fi is flooding the list.
const MAX_PENDING: i64 = 20;
/// Wrong PINs typed on one device, whoever for, before it is locked (more than one
/// person's slips: a shared tablet serves the whole workshop).
pub const DEVICE_FREE_FAILURES: i64 = 10;
/// The idle time a station starts with, and the range a manager may set.
pub const DEFAULT_IDLE_MINUTES: i64 = 10;
const IDLE_MINUTES: std::ops::RangeInclusive<i64> = 1..=240;
/// Last-use times are written at most this often, not on every request.
const TOUCH_SECONDS: i64 = 30;

/// Operations a device on the network may call before it is paired.
const PAIRING_OPS: &[&str] = &["request_pairing", "pairing_status"];
/// Operations only the desk may call: setting a fresh station up must not be
/// left to whoever on the Wi-Fi is first.
const DESK_ONLY_OPS: &[&str] = &["first_run_setup", "load_demo_data"];

/// What the HTTP transport knows about a request, unjudged.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// The TCP peer; unknown counts as the network.
    pub peer: Option<IpAddr>,
    pub host: Option<String>,
    pub origin: Option<String>,
    /// The device cookie's value.
    pub device_token: Option<String>,
    /// The connection is TLS (so the page's own origin is `https://host`).
    pub tls: bool,
    /// Names besides IP addresses and `localhost` that tablets may use for the station (`serve --host-name`).
    pub host_names: Arc<[String]>,
}

/// Where an admitted request sits.
#[derive(Debug, Clone, Default)]
pub enum Seat {
    /// The desktop window, or a browser on the station PC.
    #[default]
    Desk,
    /// A device on the network that has a device row (of any status, for the pairing operations; paired otherwise).
    Device(DeviceRef),
    /// A device on the network with no known token (pairing operations only).
    Stranger,
}

#[derive(Debug, Clone)]
pub struct DeviceRef {
    pub id: String,
    pub name: String,
    pub status: DeviceStatus,
    pub pairing_code: Option<String>,
    pub requested_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Pending,
    Paired,
    Revoked,
}

impl DeviceStatus {
    fn parse(s: &str) -> DeviceStatus {
        match s {
            "paired" => DeviceStatus::Paired,
            "revoked" => DeviceStatus::Revoked,
            _ => DeviceStatus::Pending,
        }
    }
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

/// `Host` without its port: `[::1]:8787` → `::1`, `station.lan:8787` → `station.lan`.
fn host_only(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

fn is_loopback_host(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl HttpRequest {
    /// A browser on the station PC: a loopback peer that asked for a loopback name.
    /// (A loopback peer asking for a LAN name is treated as a tablet: stricter, never looser.)
    pub fn is_desk(&self) -> bool {
        self.peer.is_some_and(|p| p.is_loopback()) && self.host.as_deref().map(host_only).is_some_and(is_loopback_host)
    }

    /// Refuses a request for a host name the station does not answer to (DNS
    /// rebinding: a page on `evil.example`, re-pointed at the station's address,
    /// still sends `Host: evil.example`), and a browser request sent by a page of
    /// another origin.
    pub fn check_host_and_origin(&self) -> Result<()> {
        let Some(host) = self.host.as_deref() else {
            return Err(ApiError::forbidden("request.foreign_host", "the request names no host"));
        };
        let name = host_only(host);
        let known = is_loopback_host(name) || name.parse::<IpAddr>().is_ok() || self.host_names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if !known {
            return Err(ApiError::forbidden("request.foreign_host", format!("this station does not answer to {name:?}")).with("host", name));
        }
        if let Some(origin) = self.origin.as_deref() {
            let own = format!("{}://{}", if self.tls { "https" } else { "http" }, host);
            if !origin.eq_ignore_ascii_case(&own) {
                return Err(ApiError::forbidden("request.foreign_origin", format!("a page from {origin} may not call this station")).with("origin", origin));
            }
        }
        Ok(())
    }
}

/// Lets a request in for operation `op`, or says why not.
pub async fn admit(station: &Station, req: &HttpRequest, op: &str) -> Result<Seat> {
    req.check_host_and_origin()?;
    if req.is_desk() {
        return Ok(Seat::Desk);
    }
    if DESK_ONLY_OPS.contains(&op) {
        return Err(ApiError::forbidden("device.desk_only", "this can only be done at the station PC"));
    }
    let device = match req.device_token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => find_by_token(station, token).await?,
        None => None,
    };
    if PAIRING_OPS.contains(&op) {
        return Ok(device.map(Seat::Device).unwrap_or(Seat::Stranger));
    }
    match device {
        Some(d) if d.status == DeviceStatus::Paired => {
            touch(station, &d.id).await?;
            Ok(Seat::Device(d))
        }
        Some(d) if d.status == DeviceStatus::Revoked => Err(ApiError::forbidden("device.revoked", "a manager has removed this device; ask to pair it again")),
        _ => Err(ApiError::forbidden("device.unpaired", "this device is not paired with the station: ask to pair it, and a manager approves it at the desk")),
    }
}

async fn find_by_token(station: &Station, token: &str) -> Result<Option<DeviceRef>> {
    let row: Option<(String, String, String, Option<String>, String)> =
        sqlx::query_as("SELECT id, name, status, pairing_code, requested_at FROM devices WHERE token_hash = ?")
            .bind(hash_token(token))
            .fetch_optional(station.pool())
            .await?;
    Ok(row.map(|(id, name, status, pairing_code, requested_at)| DeviceRef {
        id,
        name,
        status: DeviceStatus::parse(&status),
        pairing_code,
        requested_at: parse_ts(&requested_at).unwrap_or_default(),
    }))
}

/// Records the device's last use, at most every [`TOUCH_SECONDS`].
async fn touch(station: &Station, device_id: &str) -> Result<()> {
    let now = station.now();
    sqlx::query("UPDATE devices SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")
        .bind(ts(now))
        .bind(device_id)
        .bind(ts(now - Duration::seconds(TOUCH_SECONDS)))
        .execute(station.pool())
        .await?;
    Ok(())
}

/// The station's idle time for tablet sessions, in minutes.
pub async fn idle_minutes(station: &Station) -> Result<i64> {
    let minutes: Option<i64> = sqlx::query_scalar("SELECT tablet_idle_minutes FROM station LIMIT 1").fetch_optional(station.pool()).await?;
    Ok(minutes.unwrap_or(DEFAULT_IDLE_MINUTES))
}

/// For a session bound to a device: `Err(auth.idle)` (and the session gone) when it
/// has been idle longer than the station allows, else its last-seen time moves on.
pub(crate) async fn check_idle(station: &Station, token_hash: &str, last_seen: DateTime<Utc>) -> Result<()> {
    let now = station.now();
    let minutes = idle_minutes(station).await?;
    if now - last_seen > Duration::minutes(minutes) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).execute(station.pool()).await?;
        let err = ApiError::unauthenticated(format!("logged out after {minutes} min without use; type your PIN again"));
        return Err(ApiError { code: "auth.idle".into(), ..err }.with("minutes", minutes));
    }
    if now - last_seen > Duration::seconds(TOUCH_SECONDS) {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?").bind(ts(now)).bind(token_hash).execute(station.pool()).await?;
    }
    Ok(())
}

/// Refuses a login on `device_id` while it is locked for wrong PINs.
pub(crate) async fn check_pin_lock(station: &Station, device_id: &str) -> Result<()> {
    let until: Option<Option<String>> =
        sqlx::query_scalar("SELECT locked_until FROM devices WHERE id = ?").bind(device_id).fetch_optional(station.pool()).await?;
    let now = station.now();
    match until.flatten().as_deref().and_then(parse_ts) {
        Some(until) if until > now => Err(lockout::locked("pin", until, now)),
        _ => Ok(()),
    }
}

/// Counts a wrong PIN against the device: `wrong` as it is, or `auth.locked` when this one locks it.
pub(crate) async fn pin_failed(station: &Station, device_id: &str, wrong: ApiError) -> ApiError {
    let now = station.now();
    let counted: Result<i64> = sqlx::query_scalar("UPDATE devices SET pin_failures = pin_failures + 1 WHERE id = ? RETURNING pin_failures")
        .bind(device_id)
        .fetch_one(station.pool())
        .await
        .map_err(Into::into);
    let failures = match counted {
        Ok(f) => f,
        Err(e) => return e,
    };
    let Some(minutes) = lockout::lock_minutes(failures, DEVICE_FREE_FAILURES) else {
        return wrong;
    };
    let until = now + Duration::minutes(minutes);
    if let Err(e) = sqlx::query("UPDATE devices SET locked_until = ? WHERE id = ?").bind(ts(until)).bind(device_id).execute(station.pool()).await {
        return e.into();
    }
    tracing::warn!(%device_id, failures, minutes, "device locked after wrong PINs");
    lockout::locked(wrong.field.as_deref().unwrap_or("pin"), until, now)
}

/// A correct PIN on the device: its count starts again.
pub(crate) async fn pin_succeeded(station: &Station, device_id: &str) -> Result<()> {
    sqlx::query("UPDATE devices SET pin_failures = 0, locked_until = NULL WHERE id = ?").bind(device_id).execute(station.pool()).await?;
    Ok(())
}

// ---- The operations ------------------------------------------------------------

/// Where this browser stands with the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PairingStep {
    /// The desk: no pairing needed.
    Desk,
    /// Not known, or its request lapsed: it may ask to pair.
    Unpaired,
    /// Waiting for a manager to approve `code`.
    Pending,
    Paired,
    /// A manager removed it; it may ask again.
    Revoked,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PairingState {
    pub step: PairingStep,
    /// Waiting for a manager: show the code and ask again every few seconds.
    pub waiting: bool,
    /// The device may ask to pair (unknown, lapsed or revoked).
    pub may_ask: bool,
    /// The station lets this browser in (the desk, or a paired device): on to the login.
    pub admitted: bool,
    /// The code to read out to the manager, while pending.
    pub code: Option<String>,
    pub name: Option<String>,
    #[ts(type = "string | null")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The station certificate's SHA-256, to compare with what the browser shows.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PairingRequest {
    /// Moved by the HTTP transport into the device cookie; never shown to the page.
    #[ts(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
    pub state: PairingState,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RequestPairing {
    /// What the manager will see in the list ("Workshop tablet 2").
    pub name: String,
}

fn fingerprint_of(station: &Station) -> Option<String> {
    crate::tls::load_or_create(station.data_dir(), &[], station.now()).ok().map(|c| c.fingerprint)
}

fn state_of(station: &Station, seat: &Seat) -> PairingState {
    let now = station.now();
    let (step, code, name, expires_at) = match seat {
        Seat::Desk => (PairingStep::Desk, None, None, None),
        Seat::Stranger => (PairingStep::Unpaired, None, None, None),
        Seat::Device(d) => {
            let expires = d.requested_at + Duration::minutes(PAIRING_MINUTES);
            match d.status {
                DeviceStatus::Pending if expires > now => (PairingStep::Pending, d.pairing_code.clone(), Some(d.name.clone()), Some(expires)),
                DeviceStatus::Pending => (PairingStep::Unpaired, None, Some(d.name.clone()), None),
                DeviceStatus::Paired => (PairingStep::Paired, None, Some(d.name.clone()), None),
                DeviceStatus::Revoked => (PairingStep::Revoked, None, Some(d.name.clone()), None),
            }
        }
    };
    PairingState {
        step,
        waiting: step == PairingStep::Pending,
        may_ask: matches!(step, PairingStep::Unpaired | PairingStep::Revoked),
        admitted: matches!(step, PairingStep::Desk | PairingStep::Paired),
        code,
        name,
        expires_at,
        fingerprint: if step == PairingStep::Desk { None } else { fingerprint_of(station) },
    }
}

pub async fn pairing_status(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<PairingState> {
    Ok(state_of(station, &caller.seat))
}

fn new_code() -> String {
    format!("{:06}", rand::random::<u32>() % 1_000_000)
}

/// A device asks to pair: a new device row, pending, with a code to read out.
pub async fn request_pairing(station: &Station, caller: &Caller, input: RequestPairing) -> Result<PairingRequest> {
    let state = state_of(station, &caller.seat);
    if matches!(state.step, PairingStep::Desk | PairingStep::Pending | PairingStep::Paired) {
        // Nothing to ask: the desk needs no pairing, and a waiting or paired device keeps its token.
        return Ok(PairingRequest { device_token: None, state });
    }
    let name = required(&input.name, "name", "device.name_required", "give this device a name the manager will recognise")?;
    let now = station.now();
    let lapsed = ts(now - Duration::minutes(PAIRING_MINUTES));
    let mut tx = db::write_tx(station.pool()).await?;
    // Lapsed requests go; the list only holds what a manager could still approve.
    sqlx::query("DELETE FROM devices WHERE status = 'pending' AND requested_at <= ?").bind(&lapsed).execute(&mut *tx).await?;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE status = 'pending'").fetch_one(&mut *tx).await?;
    if pending >= MAX_PENDING {
        return Err(ApiError::conflict("device.too_many_requests", "too many devices are waiting to pair; try again in a few minutes"));
    }
    let mut code = new_code();
    for _ in 0..10 {
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM devices WHERE status = 'pending' AND pairing_code = ?)").bind(&code).fetch_one(&mut *tx).await?;
        if !taken {
            break;
        }
        code = new_code();
    }
    let id = new_id();
    let token = super::sessions::new_token();
    sqlx::query("INSERT INTO devices (id, name, token_hash, status, pairing_code, requested_at) VALUES (?, ?, ?, 'pending', ?, ?)")
        .bind(&id)
        .bind(&name)
        .bind(hash_token(&token))
        .bind(&code)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(device = %id, %name, "a device asks to pair");
    let seat = Seat::Device(DeviceRef { id, name, status: DeviceStatus::Pending, pairing_code: Some(code), requested_at: now });
    Ok(PairingRequest { device_token: Some(token), state: state_of(station, &seat) })
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    pub status: DeviceStatus,
    #[ts(type = "string")]
    pub requested_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub paired_at: Option<DateTime<Utc>>,
    pub paired_by: Option<String>,
    #[ts(type = "string | null")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Staff sessions open on it now.
    #[ts(type = "number")]
    pub open_sessions: i64,
    pub may_revoke: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DeviceList {
    /// Paired devices first, then revoked ones; newest first within each.
    pub devices: Vec<DeviceInfo>,
    /// Requests a manager can still approve. Their codes are not listed: the
    /// manager types the code the tablet in front of them shows, so a request from
    /// elsewhere on the Wi-Fi cannot be approved by mistake.
    pub pending: Vec<DeviceInfo>,
    /// The station certificate's SHA-256, as `AB:CD:…`.
    pub fingerprint: String,
    /// The fingerprint as a QR code (an SVG document).
    pub fingerprint_qr_svg: String,
    #[ts(type = "number")]
    pub idle_minutes: i64,
    /// The idle times a manager may choose from, in minutes (inclusive).
    #[ts(type = "number")]
    pub idle_minutes_min: i64,
    #[ts(type = "number")]
    pub idle_minutes_max: i64,
    /// Approving needs the desk (this request came from it).
    pub may_approve: bool,
}

type DeviceRow = (String, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, i64);

pub async fn list_devices(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<DeviceList> {
    caller.require(Permission::ManageDevices)?;
    device_list(station, caller).await
}

async fn device_list(station: &Station, caller: &Caller) -> Result<DeviceList> {
    let now = station.now();
    let rows: Vec<DeviceRow> = sqlx::query_as(
        "SELECT d.id, d.name, d.status, d.requested_at, d.paired_at, s.name, d.last_used_at, d.revoked_at,
                (SELECT COUNT(*) FROM sessions x WHERE x.device_id = d.id AND x.expires_at > ?)
         FROM devices d LEFT JOIN staff s ON s.id = d.paired_by
         ORDER BY d.status = 'revoked', d.requested_at DESC",
    )
    .bind(ts(now))
    .fetch_all(station.pool())
    .await?;
    let lapsed = now - Duration::minutes(PAIRING_MINUTES);
    let (mut devices, mut pending) = (Vec::new(), Vec::new());
    for (id, name, status, requested_at, paired_at, paired_by, last_used_at, revoked_at, open_sessions) in rows {
        let status = DeviceStatus::parse(&status);
        let requested_at = parse_ts(&requested_at).unwrap_or_default();
        let info = DeviceInfo {
            id,
            name,
            status,
            requested_at,
            paired_at: paired_at.as_deref().and_then(parse_ts),
            paired_by,
            last_used_at: last_used_at.as_deref().and_then(parse_ts),
            revoked_at: revoked_at.as_deref().and_then(parse_ts),
            open_sessions,
            may_revoke: status == DeviceStatus::Paired,
        };
        match status {
            DeviceStatus::Pending if requested_at > lapsed => pending.push(info),
            DeviceStatus::Pending => {}
            _ => devices.push(info),
        }
    }
    let cert = crate::tls::load_or_create(station.data_dir(), &[], now)?;
    Ok(DeviceList {
        devices,
        pending,
        fingerprint_qr_svg: crate::tls::qr_svg(&format!("SHA256:{}", cert.fingerprint))?,
        fingerprint: cert.fingerprint,
        idle_minutes: idle_minutes(station).await?,
        idle_minutes_min: *IDLE_MINUTES.start(),
        idle_minutes_max: *IDLE_MINUTES.end(),
        may_approve: matches!(caller.seat, Seat::Desk),
    })
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ApproveDevice {
    /// The code the device shows (spaces and dashes are ignored).
    pub code: String,
}

/// A manager at the desk approves the device showing `code`.
pub async fn approve_device(station: &Station, caller: &Caller, input: ApproveDevice) -> Result<DeviceList> {
    let me = caller.require(Permission::ManageDevices)?;
    if !matches!(caller.seat, Seat::Desk) {
        return Err(ApiError::forbidden("device.approve_at_desk", "devices are approved at the station PC, where the manager sees the tablet"));
    }
    let code: String = input.code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::field("code", Invalid::new("device.code_format", "the code is the six digits the device shows")));
    }
    let now = station.now();
    let approved = sqlx::query(
        "UPDATE devices SET status = 'paired', pairing_code = NULL, paired_at = ?, paired_by = ?, pin_failures = 0, locked_until = NULL
         WHERE status = 'pending' AND pairing_code = ? AND requested_at > ?",
    )
    .bind(ts(now))
    .bind(&me.id)
    .bind(&code)
    .bind(ts(now - Duration::minutes(PAIRING_MINUTES)))
    .execute(station.pool())
    .await?;
    if approved.rows_affected() == 0 {
        return Err(ApiError::field("code", Invalid::new("device.unknown_code", "no device is waiting with that code; it may have lapsed: ask it again")));
    }
    tracing::info!(%code, by = %me.id, "device paired");
    device_list(station, caller).await
}

/// A manager removes a device: its token stops working and its sessions end now.
pub async fn revoke_device(station: &Station, caller: &Caller, input: crate::ops::IdInput) -> Result<DeviceList> {
    let me = caller.require(Permission::ManageDevices)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let revoked =
        sqlx::query("UPDATE devices SET status = 'revoked', pairing_code = NULL, revoked_at = ?, revoked_by = ? WHERE id = ? AND status != 'revoked'")
            .bind(ts(now))
            .bind(&me.id)
            .bind(&input.id)
            .execute(&mut *tx)
            .await?;
    if revoked.rows_affected() == 0 {
        return Err(ApiError::not_found("device"));
    }
    sqlx::query("DELETE FROM sessions WHERE device_id = ?").bind(&input.id).execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!(device = %input.id, by = %me.id, "device revoked");
    device_list(station, caller).await
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetIdleMinutes {
    #[ts(type = "number")]
    pub minutes: i64,
}

/// A manager sets how long a tablet may sit unused before the PIN screen comes back.
pub async fn set_tablet_idle_minutes(station: &Station, caller: &Caller, input: SetIdleMinutes) -> Result<DeviceList> {
    caller.require(Permission::ManageDevices)?;
    if !IDLE_MINUTES.contains(&input.minutes) {
        let invalid =
            Invalid::new("device.idle_minutes", "the idle time is between 1 and 240 minutes").with("min", IDLE_MINUTES.start()).with("max", IDLE_MINUTES.end());
        return Err(ApiError::field("minutes", invalid));
    }
    sqlx::query("UPDATE station SET tablet_idle_minutes = ?, updated_at = ?").bind(input.minutes).bind(ts(station.now())).execute(station.pool()).await?;
    device_list(station, caller).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(peer: &str, host: &str, origin: Option<&str>, tls: bool) -> HttpRequest {
        HttpRequest {
            peer: Some(peer.parse().unwrap()),
            host: Some(host.into()),
            origin: origin.map(str::to_string),
            device_token: None,
            tls,
            host_names: Arc::from(vec!["station.lan".to_string()]),
        }
    }

    #[test]
    fn only_a_loopback_peer_asking_for_a_loopback_host_is_the_desk() {
        assert!(req("127.0.0.1", "127.0.0.1:8787", None, false).is_desk());
        assert!(req("::1", "[::1]:8787", None, false).is_desk());
        assert!(req("127.0.0.1", "localhost:8787", None, true).is_desk());
        assert!(!req("192.168.1.20", "127.0.0.1:8787", None, true).is_desk(), "a LAN peer cannot claim to be the desk by its Host");
        assert!(!req("127.0.0.1", "station.lan:8787", None, true).is_desk(), "the PC's browser on the LAN name is a tablet like any other");
        assert!(!HttpRequest { peer: None, ..req("127.0.0.1", "127.0.0.1", None, false) }.is_desk());
    }

    #[test]
    fn hosts_are_ip_addresses_localhost_or_the_names_given() {
        for ok in ["192.168.1.20:8787", "localhost", "[fe80::1]:8787", "STATION.lan:8787"] {
            assert!(req("192.168.1.5", ok, None, true).check_host_and_origin().is_ok(), "{ok}");
        }
        let err = req("192.168.1.5", "evil.example:8787", None, true).check_host_and_origin().unwrap_err();
        assert_eq!(err.code, "request.foreign_host");
        assert!(HttpRequest { host: None, ..req("127.0.0.1", "x", None, false) }.check_host_and_origin().is_err());
    }

    #[test]
    fn an_origin_must_be_the_station_itself_with_the_right_scheme() {
        assert!(req("192.168.1.5", "192.168.1.20:8787", Some("https://192.168.1.20:8787"), true).check_host_and_origin().is_ok());
        for bad in ["https://evil.example", "http://192.168.1.20:8787", "null", "https://192.168.1.20:8788"] {
            let err = req("192.168.1.5", "192.168.1.20:8787", Some(bad), true).check_host_and_origin().unwrap_err();
            assert_eq!(err.code, "request.foreign_origin", "{bad}");
        }
    }
}
