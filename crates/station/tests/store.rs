//! The station store: migrations from empty and from the previous schema, the
//! backup taken before migrating, an outbox row for every write, and the
//! background checkpoint of the write-ahead log.

mod common;

use common::{check_in_input, TestStation, VIN_A};
use serde_json::json;
use sqlx::migrate::Migrator;

#[tokio::test]
async fn a_fresh_data_directory_gets_the_whole_schema() {
    let dir = tempfile::tempdir().unwrap();
    let station = station::Station::open(dir.path()).await.expect("open on an empty directory");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1").fetch_one(station.pool()).await.unwrap();
    assert_eq!(applied as usize, station::store::db::MIGRATOR.iter().count());
    let status = station.dispatch("setup_status", None, json!({})).await.unwrap();
    assert_eq!(status["is_set_up"], false);
    assert!(!dir.path().join("backups").exists(), "nothing to back up on a fresh station");
}

#[tokio::test]
async fn the_store_runs_in_wal_mode_with_foreign_keys_on() {
    let t = TestStation::new().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(t.station.pool()).await.unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
}

/// A database as a release with only the first `applied` migrations left it,
/// holding a station, its manager (PIN 1111), a customer with a vehicle and a
/// checked-in order, written to the tables of the first migration only.
async fn database_after(applied: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = station::store::db::db_path(dir.path());
    let pool = station::store::db::connect(&path).await.unwrap();
    let all: Vec<_> = station::store::db::MIGRATOR.iter().cloned().collect();
    let previous = Migrator { migrations: std::borrow::Cow::Owned(all[..applied].to_vec()), ..Migrator::DEFAULT };
    previous.run(&pool).await.unwrap();
    let now = "2026-11-01T08:00:00.000Z";
    sqlx::query("INSERT INTO station (id, code, name, utc_offset_minutes, created_at, updated_at) VALUES ('st', 'SH01', '浦东', 480, ?, ?)")
        .bind(now)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    let staff_hash = station::auth::pin::hash("1111").unwrap();
    sqlx::query("INSERT INTO staff (id, station_id, name, role, pin_hash, active, created_at, updated_at) VALUES ('m', 'st', '王经理', 'manager', ?, 1, ?, ?)")
        .bind(staff_hash)
        .bind(now)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    // Two queued changes from before outbox rows carried a clock.
    for (id, entity) in [("00000000-0000-7000-8000-000000000001", "station"), ("00000000-0000-7000-8000-000000000002", "staff")] {
        sqlx::query("INSERT INTO outbox (id, station_id, entity, entity_id, op, payload, created_at) VALUES (?, 'st', ?, 'st', 'upsert', '{}', ?)")
            .bind(id)
            .bind(entity)
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO customers (id, station_id, customer_no, name, language, created_at, updated_at) VALUES ('c1', 'st', 'SH01-000001', '王芳', 'zh-CN', ?, ?)",
    )
    .bind(now)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO customer_phones VALUES ('p1', 'st', 'c1', 0, '13812345678', ?, ?)").bind(now).bind(now).execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO vehicles (id, station_id, customer_id, vin, plate, created_at, updated_at) VALUES ('v1', 'st', 'c1', ?, '沪A12345', ?, ?)")
        .bind(VIN_A)
        .bind(now)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO repair_orders (id, station_id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id,
                                    checked_in_at, odometer_in_km, fuel_eighths, version, created_at, updated_at)
         VALUES ('r1', 'st', 'SH01-M-20261101-0001', 'SH01-000001-M-20261101-01', 'maintenance', 'checked_in', 'normal', 'c1', 'v1', 'm', ?, 1000, 4, 1, ?, ?)",
    )
    .bind(now)
    .bind(now)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    dir
}

async fn manager_token(station: &station::Station) -> String {
    let session = station.dispatch("login", None, json!({"staff_id": "m", "pin": "1111"})).await.unwrap();
    session["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_database_on_the_previous_schema_is_backed_up_then_migrated_keeping_its_data() {
    // The schema before the sync migration (0004), whose outbox clock stamping is checked below; later migrations run too.
    let dir = database_after(3).await;

    let t_station = station::Station::open(dir.path()).await.expect("migrate the previous schema");
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups")).expect("a backups directory").collect();
    assert_eq!(backups.len(), 1, "one backup before migrating");

    let token = manager_token(&t_station).await;
    let customer = t_station.dispatch("get_customer", Some(&token), json!({"id": "c1"})).await.unwrap();
    assert_eq!(customer["customer"]["name"], "王芳");
    assert_eq!(customer["vehicles"][0]["plate"], "沪A12345");
    let order = t_station.dispatch("get_order_detail", Some(&token), json!({"id": "r1"})).await.unwrap();
    assert_eq!(order["order"]["status"], "checked_in");
    t_station
        .dispatch("update_customer", Some(&token), json!({"id": "c1", "fields": {"name": "王芳芳", "phones": ["13812345678"], "language": "zh-CN"}}))
        .await
        .unwrap();
    // Outbox rows queued before the sync migration got a clock stamp at their write time, and new ones come after them.
    // (The two openings above wrote their access-register entries; they are not what this checks.)
    let hlcs: Vec<String> = sqlx::query_scalar("SELECT hlc FROM outbox WHERE entity <> 'access_entry' ORDER BY seq").fetch_all(t_station.pool()).await.unwrap();
    let hlcs: Vec<sync_protocol::Hlc> = hlcs.iter().map(|h| h.parse().expect("a valid HLC")).collect();
    assert_eq!(hlcs.len(), 3);
    assert_eq!(hlcs[0].physical_ms(), 1_793_520_000_000, "2026-11-01T08:00:00Z");
    assert!(hlcs.windows(2).all(|w| w[0] < w[1]), "HLCs grow with the outbox: {hlcs:?}");
}

#[tokio::test]
async fn a_database_from_before_the_workflow_gets_check_in_events_and_its_orders_move_on() {
    let dir = database_after(2).await;
    let t_station = station::Station::open(dir.path()).await.expect("migrate the schema before the workflow");
    let token = manager_token(&t_station).await;
    let order = t_station.dispatch("get_order_detail", Some(&token), json!({"id": "r1"})).await.unwrap();
    assert_eq!(order["order"]["status"], "checked_in");
    assert_eq!(order["events"].as_array().unwrap().len(), 1, "an order from before the workflow gets its check-in event");
    assert_eq!(order["events"][0]["to_status"], "checked_in");
    // And it moves on like any other.
    t_station.dispatch("move_order", Some(&token), json!({"ro_id": "r1", "expected_version": 1, "to": "diagnosing"})).await.unwrap();
}

#[tokio::test]
async fn a_database_from_before_the_search_index_gets_its_rows_indexed() {
    let dir = database_after(1).await;
    let t_station = station::Station::open(dir.path()).await.expect("migrate the first schema");
    let token = manager_token(&t_station).await;
    for q in ["王", "王芳", "A123", "2788", "5678"] {
        let hits = t_station.dispatch("search", Some(&token), json!({"q": q})).await.unwrap();
        assert_eq!(hits["hits"][0]["customer"]["id"], "c1", "the migrated customer is found by {q:?}");
    }
}

#[tokio::test]
async fn every_write_appends_its_outbox_row_in_the_same_transaction() {
    let t = TestStation::new().await;
    let rows = |entity: &'static str| {
        let pool = t.station.pool().clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE entity = ?").bind(entity).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(rows("station").await, 1, "setup queues the station");
    assert_eq!(rows("staff").await, 1, "setup queues the first manager");

    let before = t.outbox_count().await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
    assert_eq!(t.outbox_count().await, before + 1);
    let v = t.ok(&t.manager, "create_vehicle", json!({"customer_id": c["id"], "fields": {"plate": "沪A12345", "vin": VIN_A}})).await;
    assert_eq!(t.outbox_count().await, before + 2);
    let mut fields = json!({"name": "王芳芳", "phones": ["13812345678"], "language": "zh-CN"});
    t.ok(&t.manager, "update_customer", json!({"id": c["id"], "fields": fields.take()})).await;
    assert_eq!(t.outbox_count().await, before + 3);
    t.ok(&t.manager, "update_vehicle", json!({"id": v["id"], "fields": {"plate": "沪B99999", "vin": VIN_A}})).await;
    assert_eq!(t.outbox_count().await, before + 4);
    t.ok(&t.manager, "check_in", check_in_input(c["id"].as_str().unwrap(), v["id"].as_str().unwrap(), 1000)).await;
    assert_eq!(rows("repair_order").await, 1);
    assert_eq!(rows("odometer_reading").await, 1);
    assert_eq!(rows("vehicle").await, 3, "the check-in's new odometer reading updates the vehicle too");
    t.ok(&t.manager, "create_staff", json!({"name": "李顾问", "role": "advisor", "pin": "2222"})).await;
    assert_eq!(rows("staff").await, 2);

    let payload: String =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'customer' ORDER BY seq DESC LIMIT 1").fetch_one(t.station.pool()).await.unwrap();
    assert!(payload.contains("王芳芳"), "the outbox carries the new state: {payload}");
    let staff_payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'staff'").fetch_all(t.station.pool()).await.unwrap();
    assert!(staff_payloads.iter().all(|p| !p.contains("argon2")), "PIN hashes never leave the station");
}

#[tokio::test]
async fn a_refused_write_leaves_no_outbox_row() {
    let t = TestStation::new().await;
    let before = t.outbox_count().await;
    let err = t.call(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["12"], "language": "zh-CN"})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("phones.0"));
    assert_eq!(t.outbox_count().await, before);
}

async fn open_without_worker(dir: &std::path::Path) -> station::Station {
    let options = station::sync::WorkerOptions { enabled: false, ..Default::default() };
    station::Station::open_with(dir, std::sync::Arc::new(chrono::Utc::now), options).await.unwrap()
}

/// Waits up to `seconds` for `done`, checking every 100 ms.
async fn within(seconds: u64, mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..seconds * 10 {
        if done() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    done()
}

#[tokio::test]
async fn committed_pages_reach_the_database_file_within_seconds_without_a_commit_waiting_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let station = open_without_worker(dir.path()).await;
    let db = station::store::db::db_path(dir.path());
    let size = || std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    let before = size();
    station.dispatch("load_demo_data", None, json!({})).await.unwrap();
    // The commits themselves leave the pages in the log (a commit checkpoints only past ~40 MB);
    // the background checkpoint moves them into the file.
    assert!(within(5, || size() > before + 100_000).await, "the database file grew from {before} to only {} bytes", size());
}

/// The files under `dir` this process holds open.
#[cfg(target_os = "linux")]
fn open_files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let fds = std::fs::read_dir("/proc/self/fd").unwrap();
    fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).filter(|p| p.starts_with(dir)).collect()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_dropped_station_closes_its_database_so_no_background_task_keeps_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let station = open_without_worker(dir.path()).await;
    station.dispatch("load_demo_data", None, json!({})).await.unwrap();
    assert!(!open_files_under(dir.path()).is_empty(), "an open station holds its database open");
    drop(station);
    assert!(within(10, || open_files_under(dir.path()).is_empty()).await, "still open: {:?}", open_files_under(dir.path()));
}
