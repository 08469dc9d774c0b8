//! The test harness: one throwaway PostgreSQL cluster per test binary, a fresh
//! database and the real server on 127.0.0.1:0 per test, a real HTTP client,
//! and `StationSim`, which pushes the way a station's sync client will.
//! `TEST_LOG=1` prints the server's logs.
#![allow(dead_code, clippy::unwrap_used)]

pub mod console;
pub mod pg;
pub mod records;

use std::sync::{Arc, LazyLock};

use headoffice::clock::Clock;
use headoffice::faults::Faults;
use headoffice::{Application, Config};
use reqwest::{header, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use sync_protocol::framing;
use sync_protocol::{
    Change, ChangesPage, EnrollRequest, EnrollResponse, ErrorBody, FeedChange, Hlc, Op, PushAck, PushBatch, RejectionsPage, PROTOCOL_VERSION,
    PROTOCOL_VERSION_HEADER,
};
use uuid::Uuid;

pub static CLUSTER: LazyLock<pg::PgCluster> = LazyLock::new(pg::PgCluster::start);

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub http: reqwest::Client,
    pub faults: Arc<Faults>,
    /// The server's clock: `advance` it instead of waiting.
    pub clock: Clock,
    pub database_url: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        headoffice::telemetry::init_json_logs();
    }
    let name = format!("t_{}", Uuid::now_v7().simple());
    let url = CLUSTER.create_database(&name).await;
    serve(url, tweak).await
}

/// A head office on the database at `url`; several may serve one database, as behind a load balancer.
pub async fn serve(url: String, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::for_database(url.clone());
    tweak(&mut config);
    let app = Application::build(config).await.expect("the head office should start");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    let faults = app.faults();
    let clock = app.clock();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, pool, http: http_client(), faults, clock, database_url: url }
}

/// A plain HTTP client. When the workspace is built together with the station
/// crate, reqwest carries rustls with no default crypto provider, so one is
/// installed first (a no-op when there is one already).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A station as the head office sees it: a token, its outbox sequence, its HLC.
pub struct StationSim {
    pub code: String,
    pub token: String,
    pub next_seq: i64,
    pub hlc: Hlc,
    /// How far this station's wall clock is off, in ms (24 h ahead: 86_400_000).
    pub clock_offset_ms: i64,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

impl StationSim {
    pub fn wall_ms(&self) -> u64 {
        (now_ms() as i64 + self.clock_offset_ms) as u64
    }

    /// The next outbox row: seq and HLC assigned as the station would when writing it.
    pub fn change(&mut self, entity: &str, entity_id: &str, payload: Value) -> Change {
        self.change_op(entity, entity_id, Op::Upsert, payload, None)
    }

    pub fn change_op(&mut self, entity: &str, entity_id: &str, op: Op, payload: Value, changed_fields: Option<Vec<String>>) -> Change {
        let now = self.wall_ms();
        let hlc = self.hlc.tick(now).unwrap();
        let seq = self.next_seq;
        self.next_seq += 1;
        Change { seq, id: Uuid::now_v7(), entity: entity.into(), entity_id: entity_id.into(), op, payload, hlc, changed_fields }
    }

    pub fn batch(&self, changes: Vec<Change>) -> PushBatch {
        let mut b = batch(changes);
        if b.changes.is_empty() {
            b.first_seq = self.next_seq;
        }
        b
    }

    /// Feeds every HLC of a pulled page to the clock, as the client must.
    pub fn receive(&mut self, changes: &[FeedChange]) {
        let now = self.wall_ms();
        for c in changes {
            for h in c.field_hlcs.iter().flat_map(|m| m.values()).chain(c.deleted_hlc.iter()) {
                self.hlc.receive(h, now).unwrap();
            }
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn create_station(&self, code: &str) -> String {
        headoffice::admin::create_station(&self.pool, code, &format!("Station {code}"), 1).await.unwrap()
    }

    pub async fn enroll_raw(&self, req: &EnrollRequest) -> Response {
        self.http.post(self.url("/v1/enroll")).header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string()).json(req).send().await.unwrap()
    }

    pub async fn enroll(&self, enrollment_code: &str) -> EnrollResponse {
        let req = EnrollRequest {
            protocol_version: PROTOCOL_VERSION,
            enrollment_code: enrollment_code.into(),
            station_code: None,
            next_seq: 1,
            local_station_id: None,
        };
        let res = self.enroll_raw(&req).await;
        assert_eq!(res.status(), StatusCode::OK, "enrollment should succeed");
        res.json().await.unwrap()
    }

    /// A created and enrolled station.
    pub async fn station(&self, code: &str) -> StationSim {
        let enrollment = self.create_station(code).await;
        let enrolled = self.enroll(&enrollment).await;
        StationSim { code: code.into(), token: enrolled.token, next_seq: 1, hlc: Hlc::new(code).unwrap(), clock_offset_ms: 0 }
    }

    pub async fn push_bytes(&self, token: &str, body: Vec<u8>, gzip: bool) -> Response {
        let mut req = self
            .http
            .post(self.url("/v1/push"))
            .bearer_auth(token)
            .header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::CONTENT_TYPE, "application/json");
        if gzip {
            req = req.header(header::CONTENT_ENCODING, "gzip");
        }
        req.body(body).send().await.unwrap()
    }

    pub async fn push(&self, token: &str, batch: &PushBatch) -> Response {
        self.push_bytes(token, framing::gzip_json(batch).unwrap(), true).await
    }

    /// Pushes, returning the acknowledgement or `None` when the connection broke before it arrived.
    pub async fn try_push(&self, token: &str, batch: &PushBatch) -> Option<PushAck> {
        let res = self
            .http
            .post(self.url("/v1/push"))
            .bearer_auth(token)
            .header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::CONTENT_ENCODING, "gzip")
            .body(framing::gzip_json(batch).unwrap())
            .send()
            .await
            .ok()?;
        let bytes = res.bytes().await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Pushes and expects an acknowledgement.
    pub async fn push_ok(&self, token: &str, batch: &PushBatch) -> PushAck {
        let res = self.push(token, batch).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "the push should be acknowledged: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Pushes and expects an error with this status; returns the error body.
    pub async fn push_err(&self, token: &str, batch: &PushBatch, status: StatusCode) -> ErrorBody {
        expect_error(self.push(token, batch).await, status).await
    }

    pub async fn get(&self, token: &str, path_and_query: &str) -> Response {
        self.http.get(self.url(path_and_query)).bearer_auth(token).header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string()).send().await.unwrap()
    }

    pub async fn pull(&self, token: &str, cursor: &str, limit: u32) -> ChangesPage {
        let res = self.get(token, &format!("/v1/changes?cursor={cursor}&limit={limit}")).await;
        assert_eq!(res.status(), StatusCode::OK, "the pull should succeed");
        let gzip = res.headers().get(header::CONTENT_ENCODING).is_some_and(|v| v == "gzip");
        let bytes = res.bytes().await.unwrap();
        if gzip {
            framing::gunzip_json(&bytes, 256 << 20).unwrap()
        } else {
            serde_json::from_slice(&bytes).unwrap()
        }
    }

    /// Every page from `cursor` on; returns the changes and the final cursor.
    pub async fn pull_all_from(&self, token: &str, cursor: &str) -> (Vec<FeedChange>, String) {
        let mut cursor = cursor.to_string();
        let mut all = Vec::new();
        loop {
            let page = self.pull(token, &cursor, 1000).await;
            all.extend(page.changes);
            cursor = page.next_cursor;
            if !page.has_more {
                return (all, cursor);
            }
        }
    }

    pub async fn pull_all(&self, token: &str) -> Vec<FeedChange> {
        self.pull_all_from(token, "").await.0
    }

    pub async fn rejections(&self, token: &str) -> RejectionsPage {
        let res = self.get(token, "/v1/rejections").await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Gives station `code` access to a shared record, as a lookup would
    /// (`/v1/lookup/adopt`), without the lookup: for tests about something else.
    pub async fn grant(&self, code: &str, entity: &str, id: &str) {
        sqlx::query("INSERT INTO shared_access (station_id, entity, entity_id) SELECT station_id, $2, $3 FROM stations WHERE code = $1")
            .bind(code)
            .bind(entity)
            .bind(id)
            .execute(&self.pool)
            .await
            .unwrap();
    }

    /// A protocol request with a JSON body.
    pub async fn post_json<T: serde::Serialize>(&self, token: &str, path: &str, body: &T) -> Response {
        self.http.post(self.url(path)).bearer_auth(token).header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string()).json(body).send().await.unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        // The table name comes from the test itself, never from input.
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.pool).await.unwrap()
    }
}

pub async fn expect_error(res: Response, status: StatusCode) -> ErrorBody {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "expected {status}, got {got}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the error should be JSON {{code, message}} ({e}): {text}"))
}

/// A batch of these changes (which must be contiguous).
pub fn batch(changes: Vec<Change>) -> PushBatch {
    let first_seq = changes.first().map(|c| c.seq).unwrap_or(1);
    PushBatch { protocol_version: PROTOCOL_VERSION, schema_version: 3, station_code: None, first_seq, changes }
}

pub fn customer(id: &str, name: &str, phone: &str) -> Value {
    serde_json::json!({"id": id, "name": name, "phone": phone, "station_id": "local"})
}
