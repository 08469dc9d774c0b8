//! Upgrades keep data: every fixture in `tests/fixtures/*/` is a station made by an
//! earlier release (`scripts/make-upgrade-fixture.sh`, docs/release.md). Each test
//! copies every fixture to a temp dir and opens it with today's code, which migrates
//! it; then the records the fixture's `manifest.json` lists must be there with their
//! values, signed documents must still verify, numbering must go on where it
//! stopped, and the outbox the old release never sent must drain to a head office.
//! A new fixture is picked up without touching this file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use station::Station;

use super::retention::copy_dir;
use super::{assert_drained, sync_ok, HeadOffice};
use crate::common::TestStation;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every fixture directory with a manifest, by name; at least one, or the tests would prove nothing.
fn fixtures() -> Vec<(String, PathBuf, Value)> {
    let mut found: Vec<(String, PathBuf, Value)> = std::fs::read_dir(fixtures_root())
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").is_file())
        .map(|p| {
            let manifest: Value = serde_json::from_slice(&std::fs::read(p.join("manifest.json")).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().to_string(), p, manifest)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!found.is_empty(), "tests/fixtures holds at least one upgrade fixture");
    found
}

/// When the fixture's station made its last change.
fn fixture_time(manifest: &Value) -> DateTime<Utc> {
    let made: &str = manifest["made_at"].as_str().expect("made_at");
    DateTime::parse_from_rfc3339(made).unwrap().with_timezone(&Utc)
}

/// A fixture copied to a temp dir and opened (so migrated) by today's code, with
/// the sync worker off and a clock the test sets; its manager logged in.
async fn upgraded(dir: &Path, manifest: &Value, at: DateTime<Utc>) -> TestStation {
    let data = tempfile::tempdir().unwrap();
    // The manifest comes along; the station never looks at it.
    copy_dir(dir, data.path());
    let clock = Arc::new(Mutex::new(at));
    let c = clock.clone();
    let options = station::sync::WorkerOptions { enabled: false, ..Default::default() };
    let station = Station::open_with(data.path(), Arc::new(move || *c.lock().unwrap()), options).await.expect("today's code opens and migrates the fixture");
    let manager = login(&station, manifest, "manager").await.expect("the manager logs in with the PIN set before the upgrade");
    TestStation { station, dir: data, clock, manager, succeeded: Default::default() }
}

/// Logs in the fixture's first person with `role` (by the manifest's names and PINs).
async fn login(station: &Station, manifest: &Value, role: &str) -> Result<String, station::ApiError> {
    let who = manifest["logins"].as_array().unwrap().iter().find(|l| l["role"] == role && l["active"] != false).expect("a login for the role");
    login_as(station, manifest, who).await
}

async fn login_as(station: &Station, manifest: &Value, who: &Value) -> Result<String, station::ApiError> {
    let id = manifest["staff"].as_array().unwrap().iter().find(|s| s["name"] == who["name"]).expect("the login's staff row")["id"].clone();
    let session = station.dispatch("login", None, json!({"staff_id": id, "pin": who["pin"]})).await?;
    Ok(session["token"].as_str().unwrap().to_string())
}

fn sha256_of_data_url(url: &str) -> String {
    let b64 = url.split_once(',').expect("a data URL").1;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64");
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn every_record_of_every_fixture_is_there_with_its_values_after_the_upgrade() {
    for (name, dir, manifest) in fixtures() {
        let t = upgraded(&dir, &manifest, fixture_time(&manifest) + Duration::hours(1)).await;
        let pool = t.station.pool();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(pool).await.unwrap();
        assert_eq!(check, "ok", "{name}: SQLite's integrity check");
        let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(pool).await.unwrap();
        assert!(broken.is_empty(), "{name}: rows pointing at nothing after the migrations: {broken:?}");

        // Row counts, table by table, before this test writes anything. A migration may add rows
        // (0019 seeds the zh-TW terms) but never lose one; what people entered comes out exact
        // (the manager's login above added one session). A later migration that drops or renames
        // a table says so here.
        const EXACT: &[&str] = &[
            "staff",
            "customers",
            "vehicles",
            "repair_orders",
            "ro_jobs",
            "ro_lines",
            "ro_authorizations",
            "ro_signatures",
            "ro_documents",
            "ro_payments",
            "ro_photos",
            "files",
            "outbox",
            "sessions",
        ];
        for (table, count) in manifest["counts"].as_object().unwrap() {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)").bind(table).fetch_one(pool).await.unwrap();
            assert!(exists, "{name}: table {table} is gone after the upgrade");
            // Table names come from sqlite_master above, not from input.
            let now: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\"")).fetch_one(pool).await.unwrap();
            let before = count.as_i64().unwrap() + i64::from(table == "sessions");
            if EXACT.contains(&table.as_str()) {
                assert_eq!(now, before, "{name}: rows in {table}");
            } else {
                assert!(now >= before, "{name}: {table} had {before} rows before the upgrade and has {now}");
            }
        }

        // Everyone logs in with their old PIN and role; who left stays refused.
        for who in manifest["logins"].as_array().unwrap() {
            let session = login_as(&t.station, &manifest, who).await;
            if who["active"] == false {
                assert!(session.is_err(), "{name}: {} left before the upgrade and cannot log in", who["name"]);
            } else {
                let token = session.unwrap_or_else(|e| panic!("{name}: {} logs in: {e:?}", who["name"]));
                assert_eq!(t.ok(&token, "me", json!({})).await["staff"]["role"], who["role"], "{name}: {}'s role", who["name"]);
            }
        }

        for c in manifest["customers"].as_array().unwrap() {
            let detail = t.ok(&t.manager, "get_customer", json!({"id": c["id"]})).await;
            assert_eq!(detail["customer"]["name"], c["name"], "{name}: customer {}", c["id"]);
            assert_eq!(detail["customer"]["customer_no"], c["customer_no"], "{name}: customer {}", c["id"]);
            for v in manifest["vehicles"].as_array().unwrap().iter().filter(|v| v["customer_id"] == c["id"]) {
                let found = detail["vehicles"].as_array().unwrap().iter().find(|x| x["id"] == v["id"]);
                let found = found.unwrap_or_else(|| panic!("{name}: vehicle {} of customer {}", v["plate"], c["name"]));
                assert_eq!(found["plate"], v["plate"], "{name}: plate of vehicle {}", v["id"]);
                assert_eq!(found["vin"], v["vin"], "{name}: VIN of vehicle {}", v["id"]);
            }
        }

        for o in manifest["orders"].as_array().unwrap() {
            let page = t.ok(&t.manager, "get_order_detail", json!({"id": o["id"]})).await;
            let what = format!("{name}: order {}", o["number"]);
            let order = &page["order"];
            assert_eq!(order["number"], o["number"], "{what}");
            assert_eq!(order["status"], o["status"], "{what}");
            assert_eq!(order["version"], o["version"], "{what}: the version a client read before the upgrade still matches");
            assert_eq!(order["customer"]["id"], o["customer_id"], "{what}");
            assert_eq!(order["vehicle"]["id"], o["vehicle_id"], "{what}");
            assert_eq!(page["totals"]["estimate"]["total"], o["estimate_total"], "{what}: estimate total");
            assert_eq!(page["totals"]["approved"]["total"], o["approved_total"], "{what}: approved total");
            assert_eq!(page["totals"]["paid"], o["paid"], "{what}: paid");
            assert_eq!(page["totals"]["balance"], o["balance"], "{what}: balance");
            assert_eq!(page["jobs"].as_array().unwrap().len() as u64, o["jobs"].as_u64().unwrap(), "{what}: jobs");
            let lines: usize = page["jobs"].as_array().unwrap().iter().map(|j| j["lines"].as_array().unwrap().len()).sum();
            assert_eq!(lines as u64, o["lines"].as_u64().unwrap(), "{what}: lines");
            let authorizations = page["authorizations"].as_array().unwrap();
            assert_eq!(authorizations.len(), o["authorizations"].as_array().unwrap().len(), "{what}: signed documents");
            for a in o["authorizations"].as_array().unwrap() {
                let now = authorizations.iter().find(|x| x["id"] == a["id"]).unwrap_or_else(|| panic!("{what}: document {}", a["id"]));
                assert_eq!(now["kind"], a["kind"], "{what}: document {}", a["id"]);
                assert_eq!(now["hash"], a["hash"], "{what}: document {}'s content hash", a["id"]);
                assert_eq!(now["signed"], a["signed"], "{what}: document {}", a["id"]);
                assert_eq!(now["signatures"].as_array().unwrap().len() as u64, a["signatures"].as_u64().unwrap(), "{what}: document {}'s signatures", a["id"]);
            }
        }

        // Photos, signature images and paper scans: the same bytes come back.
        for f in manifest["files"].as_array().unwrap() {
            let file = t.ok(&t.manager, "get_file", json!({"sha256": f["sha256"]})).await;
            assert_eq!(file["mime"], f["mime"], "{name}: file {}", f["sha256"]);
            assert_eq!(sha256_of_data_url(file["data_url"].as_str().unwrap()), f["sha256"].as_str().unwrap(), "{name}: file {}'s bytes", f["sha256"]);
        }
        // Printed PDFs: the archive hands back the very bytes printed before the upgrade.
        for d in manifest["documents"].as_array().unwrap() {
            let pdf = t.ok(&t.manager, "get_document", json!({"document_id": d["id"]})).await;
            assert_eq!(sha256_of_data_url(pdf["data_url"].as_str().unwrap()), d["sha256"].as_str().unwrap(), "{name}: printed document {}", d["id"]);
            let listed = t.ok(&t.manager, "list_order_documents", json!({"ro_id": d["ro_id"]})).await;
            assert!(listed.to_string().contains(d["id"].as_str().unwrap()), "{name}: document {} is in its order's archive", d["id"]);
        }
    }
}

#[tokio::test]
async fn every_order_with_signed_documents_still_verifies_as_intact_after_the_upgrade() {
    for (name, dir, manifest) in fixtures() {
        let t = upgraded(&dir, &manifest, fixture_time(&manifest) + Duration::hours(1)).await;
        let signed: Vec<&Value> = manifest["orders"].as_array().unwrap().iter().filter(|o| !o["authorizations"].as_array().unwrap().is_empty()).collect();
        assert!(!signed.is_empty(), "{name}: the fixture has signed documents to verify");
        for o in signed {
            let report = t.ok(&t.manager, "verify_order", json!({"ro_id": o["id"]})).await;
            assert_eq!(report["intact"], true, "{name}: order {} verifies after the upgrade: {report}", o["number"]);
            assert_eq!(report["status"], o["verify"]["status"], "{name}: order {}", o["number"]);
            assert_eq!(
                report["documents"].as_array().unwrap().len() as u64,
                o["verify"]["documents"].as_u64().unwrap(),
                "{name}: order {}'s documents",
                o["number"]
            );
        }
    }
}

/// `SH01-M-20261205-0011` → (`SH01-M-20261205-`, 11): numbers count per station and local day.
fn split_number(number: &str) -> (String, u64) {
    let cut = number.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    (number[..cut].to_string(), number[cut..].parse().unwrap_or_else(|_| panic!("{number} ends in digits")))
}

#[tokio::test]
async fn a_new_order_and_a_new_customer_after_the_upgrade_take_the_next_numbers() {
    for (name, dir, manifest) in fixtures() {
        // A minute after the fixture's last change: the same local day, whose count goes on.
        let t = upgraded(&dir, &manifest, fixture_time(&manifest) + Duration::minutes(1)).await;
        let mut last_of_day: Vec<u64> = manifest["orders"].as_array().unwrap().iter().map(|o| split_number(o["number"].as_str().unwrap()).1).collect();
        last_of_day.sort_unstable();
        assert_eq!(last_of_day, (1..=last_of_day.len() as u64).collect::<Vec<_>>(), "{name}: the fixture's own numbers have no gaps");
        let last = manifest["orders"].as_array().unwrap().iter().max_by_key(|o| split_number(o["number"].as_str().unwrap()).1).unwrap();
        let (_, n) = split_number(last["number"].as_str().unwrap());

        // An old customer's new car (each old car has an open order, which would ask for confirmation).
        let customer = &manifest["customers"][0];
        let vehicle = t
            .ok(&t.manager, "create_vehicle", json!({"customer_id": customer["id"], "fields": {"plate": "沪E20270", "make": "大众", "model": "帕萨特"}}))
            .await;
        let input = json!({
            "customer_id": customer["id"], "vehicle_id": vehicle["id"], "service_type": "maintenance",
            "odometer_km": 5_000, "fuel_eighths": 4, "concerns": [{"text": "升级后第一单"}], "priority": "normal"
        });
        let order = t.ok(&t.manager, "check_in", input).await;
        let (prefix, next) = split_number(order["number"].as_str().unwrap());
        let day = |p: &str| p.trim_end_matches('-').rsplit('-').next().unwrap().to_string();
        assert_eq!(day(&prefix), day(&split_number(last["number"].as_str().unwrap()).0), "{name}: the test runs on the fixture's day");
        assert_eq!(next, n + 1, "{name}: the order after {} is number {}, not {}", last["number"], n + 1, order["number"]);

        let customers: Vec<(String, u64)> =
            manifest["customers"].as_array().unwrap().iter().map(|c| split_number(c["customer_no"].as_str().unwrap())).collect();
        let (c_prefix, c_last) = customers.iter().max_by_key(|n| n.1).cloned().unwrap();
        let created = t.ok(&t.manager, "create_customer", json!({"name": "升级后客户", "phones": ["13500001234"], "language": "zh-CN"})).await;
        assert_eq!(split_number(created["customer_no"].as_str().unwrap()), (c_prefix, c_last + 1), "{name}: the next customer number");
    }
}

#[tokio::test]
async fn the_outbox_an_old_release_never_sent_drains_to_a_head_office_which_then_holds_its_records() {
    for (name, dir, manifest) in fixtures() {
        let ho = HeadOffice::start().await;
        let t = upgraded(&dir, &manifest, Utc::now()).await;
        let code = manifest["station"]["code"].as_str().unwrap();
        let queued = t.count("SELECT COUNT(*) FROM outbox").await;
        assert!(queued >= manifest["outbox"]["rows"].as_i64().unwrap(), "{name}: the old outbox is still queued");
        ho.enroll(&t, code).await;
        // The first pass pushes the old queue and pulls master data; what the pull wrote goes up on the next.
        for _ in 0..2 {
            sync_ok(&t).await;
        }
        assert_drained(&ho, &t, code).await;
        assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0, "{name}: the head office accepted every old change");

        for o in manifest["orders"].as_array().unwrap() {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT payload->>'number', payload->>'status' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
                    .bind(o["id"].as_str().unwrap())
                    .fetch_optional(&ho.pool)
                    .await
                    .unwrap();
            assert_eq!(
                row,
                Some((o["number"].as_str().unwrap().to_string(), o["status"].as_str().unwrap().to_string())),
                "{name}: order {} at the head office",
                o["number"]
            );
        }
        for c in manifest["customers"].as_array().unwrap() {
            let held: Option<String> = sqlx::query_scalar("SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1")
                .bind(c["id"].as_str().unwrap())
                .fetch_optional(&ho.pool)
                .await
                .unwrap();
            assert_eq!(held.as_deref(), c["name"].as_str(), "{name}: customer {} at the head office", c["customer_no"]);
        }
        // A change made after the upgrade follows the old queue up.
        let o = &manifest["orders"][0];
        let page = t.ok(&t.manager, "get_order_detail", json!({"id": o["id"]})).await;
        t.ok(&t.manager, "move_order", json!({"ro_id": o["id"], "expected_version": page["order"]["version"], "to": "cancelled", "note": "升级后取消"})).await;
        sync_ok(&t).await;
        assert_drained(&ho, &t, code).await;
        let status: String = sqlx::query_scalar("SELECT payload->>'status' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
            .bind(o["id"].as_str().unwrap())
            .fetch_one(&ho.pool)
            .await
            .unwrap();
        assert_eq!(status, "cancelled", "{name}");
    }
}
