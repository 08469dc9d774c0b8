//! What the kill -9 campaign (`kill9.rs`) and the head office under faults
//! (`headoffice_faults.rs`) share: child processes that are the test binary
//! itself, a seeded random source whose seed is printed, and the HTTP calls.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs this test binary again as the single ignored test `test_name` (which
/// serves until it is killed), with `env` telling it what to serve. A separate
/// process, so SIGKILL takes it down the way a power cut takes an app: no
/// destructor, no flush, no graceful shutdown.
pub fn spawn_self(test_name: &str, env: &[(&str, String)], log: &std::path::Path) -> Child {
    let exe = std::env::current_exe().unwrap();
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([test_name, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// In the child started by `spawn_self`: runs `serve` with the values of
/// `vars` on a multi-threaded runtime, as the shipped binaries do. In an
/// ordinary test run (`--ignored` by hand) the variables are unset and it returns.
pub fn run_child<F, Fut>(vars: [&str; 2], serve: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (Ok(a), Ok(b)) = (std::env::var(vars[0]), std::env::var(vars[1])) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(serve(a, b));
}

/// SIGKILL, then reap.
pub fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// SplitMix64: small, seeded, the same sequence everywhere, so a failing run can be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(1, 100) <= percent
    }
}

/// The seed from `var` when set (to replay a run), else from the clock; always printed.
pub fn seed(var: &str) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 & 0xFFFF_FFFF)
}

pub fn env_count(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// How a request ended, as the caller saw it.
#[derive(Debug)]
pub enum Outcome {
    /// A success answer: the write is acknowledged.
    Ok(serde_json::Value),
    /// An error answer: nothing was written.
    Refused(u16, serde_json::Value),
    /// Never reached the server (connection refused): nothing was written.
    NotSent,
    /// Sent, no answer: it may or may not have landed.
    NoAnswer,
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No pooled connections across a kill: each request on its own connection,
    // so "not sent" and "sent, no answer" are told apart.
    reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(60)).build().unwrap()
}

/// `POST {base}/api/{op}` with the session token, as the UI calls the station.
pub async fn call(http: &reqwest::Client, base: &str, token: Option<&str>, op: &str, input: serde_json::Value) -> Outcome {
    let mut req = http.post(format!("{base}/api/{op}")).json(&input);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_connect() => return Outcome::NotSent,
        Err(_) => return Outcome::NoAnswer,
    };
    let status = res.status().as_u16();
    match res.json::<serde_json::Value>().await {
        Ok(v) if status == 200 => Outcome::Ok(v),
        Ok(v) => Outcome::Refused(status, v),
        // The status line came, the body did not: the process died while answering.
        Err(_) => Outcome::NoAnswer,
    }
}

/// Waits until `ready` says yes, or panics after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if ready().await {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The head office has everything station `code` wrote, once: its outbox is
/// acknowledged to the last seq, at both ends; every seq was received once;
/// nothing was rejected; the head office holds each of its orders at the
/// station's version and status. Returns the number of changes and the head
/// office's id of the station; `Err` says what is not there yet.
pub async fn head_office_has_it_all(db: &mut sqlx::SqliteConnection, ho: &sqlx::PgPool, code: &str) -> Result<(i64, uuid::Uuid), String> {
    use std::collections::BTreeSet;
    let max_seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetch_one(&mut *db).await.unwrap();
    let acked: i64 = sqlx::query_scalar("SELECT acked_seq FROM sync_state WHERE id = 1").fetch_one(&mut *db).await.unwrap();
    if acked != max_seq {
        return Err(format!("{code}: the outbox has not drained: acknowledged {acked} of {max_seq}"));
    }
    let station_id: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(ho).await.unwrap();
    let (received, distinct): (i64, i64) = sqlx::query_as("SELECT count(*), count(DISTINCT (token_id, seq)) FROM received_changes WHERE station_id = $1")
        .bind(station_id)
        .fetch_one(ho)
        .await
        .unwrap();
    assert_eq!(received, distinct, "{code}: no change was received twice");
    if received != max_seq {
        return Err(format!("{code}: the head office received {received} of {max_seq} changes"));
    }
    let ho_acked: i64 = sqlx::query_scalar("SELECT max(acked_seq) FROM station_tokens WHERE station_id = $1").bind(station_id).fetch_one(ho).await.unwrap();
    assert_eq!(ho_acked, max_seq, "{code}: the head office's acknowledgement is the station's");
    let rejected: i64 = sqlx::query_scalar("SELECT count(*) FROM rejections WHERE station_id = $1").bind(station_id).fetch_one(ho).await.unwrap();
    assert_eq!(rejected, 0, "{code}: nothing the station wrote was rejected");
    let here: BTreeSet<(String, i64, String)> =
        sqlx::query_as("SELECT id, version, status FROM repair_orders").fetch_all(&mut *db).await.unwrap().into_iter().collect();
    let there: BTreeSet<(String, i64, String)> = sqlx::query_as(
        "SELECT entity_id, (payload->>'version')::bigint, payload->>'status' FROM records WHERE station_id = $1 AND entity = 'repair_order' AND NOT deleted",
    )
    .bind(station_id)
    .fetch_all(ho)
    .await
    .unwrap()
    .into_iter()
    .collect();
    if here != there {
        return Err(format!("{code}: {} orders at the station, {} at the head office, or at other versions", here.len(), there.len()));
    }
    Ok((max_seq, station_id))
}
