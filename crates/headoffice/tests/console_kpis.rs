//! The console's KPI routes and its web pages, against a real PostgreSQL and
//! the real server: stations push orders as their sync client does, and people
//! with different roles compare them, rank them and drill down to the orders.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use std::path::Path;

use headoffice::store::kpis::{self, Group};
use kpi::Dim;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use common::console::{admin, create_user, station_in, Browser};
use common::{spawn_app, spawn_app_with, StationSim, TestApp};

const MARCH: &str = "from=2026-03-01&to=2026-03-31";

/// A delivered order as the station sends its head: checked in at `checked_in`
/// (UTC), promised for `promised`, delivered at `delivered`.
fn delivered(st: &mut StationSim, id: &str, checked_in: &str, promised: Option<&str>, delivered: &str) -> sync_protocol::Change {
    let payload = json!({
        "id": id, "number": format!("{}-{id}", st.code), "status": "delivered", "service_type": "repair", "priority": "normal",
        "advisor": {"id": "a1", "name": "顾问"}, "customer": {"id": "c1", "name": "王芳"},
        "checked_in_at": checked_in, "promised_at": promised, "delivered_at": delivered, "version": 3,
    });
    st.change("repair_order", id, payload)
}

/// Pushes the orders in one batch and expects every change taken.
async fn push_orders(app: &TestApp, st: &mut StationSim, orders: &[(&str, Option<&str>, &str)]) {
    let changes = orders.iter().map(|(id, promised, at)| delivered(st, id, "2026-03-02T01:00:00Z", *promised, at)).collect();
    let batch = st.batch(changes);
    assert_eq!(app.push_ok(&st.token, &batch).await.rejected, 0);
}

/// Three stations in March 2026: SH01 and SH02 in East, BJ01 in West.
/// SH01 delivers three promised orders, one late (on time 2 of 3); SH02 one on time; BJ01 two on time.
struct Network {
    sh01: String,
    sh02: String,
    bj01: String,
}

async fn network<'a>(app: &'a TestApp) -> (Browser<'a>, Network) {
    let root = admin(app).await;
    let (mut sh01, sh01_id) = station_in(app, &root, "SH01", "East").await;
    let (mut sh02, sh02_id) = station_in(app, &root, "SH02", "East").await;
    let (mut bj01, bj01_id) = station_in(app, &root, "BJ01", "West").await;
    let promised = Some("2026-03-03T10:00:00Z");
    push_orders(
        app,
        &mut sh01,
        &[("o1", promised, "2026-03-03T08:00:00Z"), ("o2", promised, "2026-03-04T08:00:00Z"), ("o3", promised, "2026-03-03T09:00:00Z")],
    )
    .await;
    push_orders(app, &mut sh02, &[("o1", promised, "2026-03-03T08:00:00Z")]).await;
    push_orders(app, &mut bj01, &[("o1", promised, "2026-03-02T08:00:00Z"), ("o2", promised, "2026-03-03T02:00:00Z")]).await;
    (root, Network { sh01: sh01_id, sh02: sh02_id, bj01: bj01_id })
}

fn figure<'v>(line: &'v Value, code: &str) -> &'v Value {
    line["figures"].as_array().unwrap().iter().find(|f| f["code"] == code).unwrap_or_else(|| panic!("{code} in {line}"))
}

fn keys(lines: &Value) -> Vec<&str> {
    lines.as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect()
}

fn ranking<'v>(report: &'v Value, code: &str) -> Vec<(&'v str, Option<u64>)> {
    let r = report["ranking"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap();
    r["entries"].as_array().unwrap().iter().map(|e| (e["key"].as_str().unwrap(), e["rank"].as_u64())).collect()
}

#[tokio::test]
async fn a_quality_manager_compares_every_station_ranked_with_the_gap_to_target() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    create_user(&root, "quality", "quality_manager", &[]).await;
    let qm = Browser::logged_in(&app, "quality", "quality password").await;

    let report = qm.ok(Method::GET, &format!("/console/api/kpis?{MARCH}&group=station"), None).await;
    assert_eq!(keys(&report["rows"]), [n.bj01.as_str(), n.sh01.as_str(), n.sh02.as_str()], "a row per station, by code");
    let sh01 = &report["rows"][1];
    assert_eq!(sh01["station"]["code"], "SH01");
    let on_time = figure(sh01, "on_time");
    assert_eq!((on_time["numerator"].as_i64(), on_time["denominator"].as_i64()), (Some(2), Some(3)));
    assert_eq!(on_time["meets_target"], false, "two of three is below the 90 % target");
    assert_eq!(figure(&report["rows"][0], "on_time")["meets_target"], true);

    assert_eq!(
        ranking(&report, "on_time"),
        [(n.bj01.as_str(), Some(1)), (n.sh02.as_str(), Some(1)), (n.sh01.as_str(), Some(3))],
        "the best first; equal values share a rank"
    );
    let last = report["ranking"].as_array().unwrap().iter().find(|r| r["code"] == "on_time").unwrap()["entries"][2].clone();
    assert!((last["gap"].as_f64().unwrap() - (2.0 / 3.0 - 0.9)).abs() < 1e-9, "the gap to the target is in the ranking: {last}");

    let total = figure(&report["total"], "on_time");
    assert_eq!((total["numerator"].as_i64(), total["denominator"].as_i64()), (Some(5), Some(6)), "the total counts every station");
    assert_eq!(report["total"]["stations"], 3);
    assert_eq!(keys(&report["regions"]), ["East", "West"]);
    let has = |list: &str, code: &str| report[list].as_array().unwrap().iter().any(|c| c == code);
    assert!(has("count_codes", "on_time") && !has("count_codes", "cycle_median_hours"), "on time reads \"2 of 3\"; minutes of orders do not");
    assert!(has("drill_codes", "on_time") && !has("drill_codes", "parts_short"), "no record stands behind the parts short now");
}

#[tokio::test]
async fn a_region_is_the_sum_of_its_stations_tallies() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    let report = root.ok(Method::GET, &format!("/console/api/kpis?{MARCH}&group=region"), None).await;
    assert_eq!(keys(&report["rows"]), ["East", "West"]);
    let east = &report["rows"][0];
    assert_eq!(east["stations"], 2);
    let ids = [Uuid::parse_str(&n.sh01).unwrap(), Uuid::parse_str(&n.sh02).unwrap()];
    let summed = kpis::kpi_for(&app.pool, &ids, "2026-03-01".parse().unwrap(), "2026-03-31".parse().unwrap(), Group::Total, &Dim::Station).await.unwrap();
    // What each figure divided by what: the values follow from these (JSON does not carry floats to the last bit).
    let counts = |figures: &Value| -> Vec<(String, i64, i64)> {
        figures
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["code"].as_str().unwrap().to_string(), f["numerator"].as_i64().unwrap(), f["denominator"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(counts(&east["figures"]), counts(&serde_json::to_value(&summed[0].figures).unwrap()), "East's figures are those of SH01 and SH02 summed");
    assert_eq!(figure(east, "on_time")["denominator"], 4);
    assert_eq!(ranking(&report, "on_time"), [("West", Some(1)), ("East", Some(2))], "regions are ranked too");
}

#[tokio::test]
async fn a_regional_manager_sees_the_kpis_of_their_stations_only() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    create_user(&root, "li.wei", "regional_manager", &["West"]).await;
    let li = Browser::logged_in(&app, "li.wei", "li.wei password").await;

    let report = li.ok(Method::GET, &format!("/console/api/kpis?{MARCH}"), None).await;
    assert_eq!(keys(&report["rows"]), [n.bj01.as_str()], "only West's station");
    assert_eq!(keys(&report["regions"]), ["West"]);
    assert_eq!(figure(&report["total"], "on_time")["denominator"], 2, "their total is their stations' total, not the network's");

    for path in [format!("/console/api/kpis?{MARCH}&station={}", n.sh01), format!("/console/api/kpis/orders?{MARCH}&station={}&code=on_time", n.sh01)] {
        let (status, err) = li.get(&path).await;
        assert_eq!((status, err["code"].as_str()), (StatusCode::NOT_FOUND, Some("console.not_found")), "another region's station is not found: {path}");
    }
    let own = li.ok(Method::GET, &format!("/console/api/kpis/orders?{MARCH}&station={}&code=on_time", n.bj01), None).await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_drill_down_lists_the_orders_behind_a_stations_figure() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    let drill = root.ok(Method::GET, &format!("/console/api/kpis/orders?{MARCH}&station={}&code=on_time", n.sh01), None).await;
    assert_eq!(drill["station"]["code"], "SH01");
    let rows: Vec<(&str, &str, i64, i64)> = drill["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["label"].as_str().unwrap(), r["numerator"].as_i64().unwrap(), r["denominator"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, [("o1", "SH01-o1", 1, 1), ("o3", "SH01-o3", 1, 1), ("o2", "SH01-o2", 0, 1)], "by day: o2 was delivered late, a day after the others");
    assert_eq!((drill["figure"]["numerator"].as_i64(), drill["figure"]["denominator"].as_i64()), (Some(2), Some(3)), "the number the rows add up to");
}

#[tokio::test]
async fn one_stations_trend_has_a_row_per_day_of_the_range() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    let report = root.ok(Method::GET, &format!("/console/api/kpis?from=2026-03-02&to=2026-03-05&group=day&station={}", n.sh01), None).await;
    assert_eq!(report["station"]["code"], "SH01");
    assert_eq!(keys(&report["rows"]), ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]);
    let delivered: Vec<i64> = report["rows"].as_array().unwrap().iter().map(|r| figure(r, "on_time")["denominator"].as_i64().unwrap()).collect();
    assert_eq!(delivered, [0, 2, 1, 0]);
    assert_eq!(report["ranking"], json!([]), "a trend is not ranked");
}

#[tokio::test]
async fn this_week_and_this_month_run_to_today_by_the_head_offices_clock() {
    let app = spawn_app().await;
    let (root, _) = network(&app).await;
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-03-18T04:00:00Z").unwrap().into());
    let month = root.ok(Method::GET, "/console/api/kpis?preset=this_month", None).await;
    assert_eq!((month["from"].as_str(), month["to"].as_str()), (Some("2026-03-01"), Some("2026-03-18")));
    assert_eq!(figure(&month["total"], "on_time")["denominator"], 6);
    let week = root.ok(Method::GET, "/console/api/kpis?preset=this_week", None).await;
    assert_eq!((week["from"].as_str(), week["to"].as_str()), (Some("2026-03-16"), Some("2026-03-18")));
    assert_eq!(figure(&week["total"], "on_time")["denominator"], 0, "the orders were delivered two weeks earlier");
    let given = root.ok(Method::GET, "/console/api/kpis?preset=this_week&from=2026-03-02&to=2026-03-08", None).await;
    assert_eq!(given["from"], "2026-03-02", "days given win over the preset");
}

#[tokio::test]
async fn a_bad_query_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let (root, n) = network(&app).await;
    for (query, field, code) in [
        ("from=2026-03-01&to=March".to_string(), "to", "kpi.date"),
        ("to=2026-03-01".to_string(), "from", "kpi.date"),
        ("from=2026-03-31&to=2026-03-01".to_string(), "to", "kpi.range_reversed"),
        (format!("{MARCH}&group=year"), "group", "kpi.group"),
        ("preset=last_year".to_string(), "preset", "kpi.preset"),
        ("from=2025-01-01&to=2026-03-31&group=day".to_string(), "group", "kpi.too_many_days"),
    ] {
        let (status, err) = root.get(&format!("/console/api/kpis?{query}")).await;
        assert_eq!((status, err["field"].as_str(), err["code"].as_str()), (StatusCode::BAD_REQUEST, Some(field), Some(code)), "{query}: {err}");
    }
    let (status, err) = root.get(&format!("/console/api/kpis/orders?{MARCH}&station={}", n.sh01)).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("code")));
    let (_, err) = root.get(&format!("/console/api/kpis/orders?{MARCH}&station={}&code=happiness", n.sh01)).await;
    assert_eq!((err["field"].as_str(), err["code"].as_str()), (Some("code"), Some("kpi.unknown_code")));
    let (_, err) = root.get(&format!("/console/api/kpis/orders?{MARCH}&code=on_time")).await;
    assert_eq!(err["field"], "station");
}

#[tokio::test]
async fn the_kpis_answer_nobody_without_a_session() {
    let app = spawn_app().await;
    let nobody = Browser::anonymous(&app);
    for path in [format!("/console/api/kpis?{MARCH}"), format!("/console/api/kpis/orders?{MARCH}&station={}&code=on_time", Uuid::now_v7())] {
        let (status, err) = nobody.get(&path).await;
        assert_eq!((status, err["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("console.session_required")), "{path}");
    }
}

async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let res = app.http.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    let kind = res.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

fn built_console(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>console</title><div id=\"console\"></div>").unwrap();
    std::fs::write(dir.join("assets/console-abc.js"), "console.log('console')").unwrap();
}

#[tokio::test]
async fn the_built_console_is_served_under_console_with_its_page_for_every_client_route() {
    let dir = tempfile::tempdir().unwrap();
    built_console(dir.path());
    let path = dir.path().to_path_buf();
    let app = spawn_app_with(move |c| c.console_dir = Some(path)).await;
    for page in ["/console", "/console/", "/console/kpis", "/console/stations/123"] {
        let (status, kind, body) = fetch(&app, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(kind.starts_with("text/html") && body.contains("id=\"console\""), "{page} is the console's page: {kind} {body}");
    }
    let (status, kind, body) = fetch(&app, "/console/assets/console-abc.js").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "console.log('console')"));
    assert!(kind.contains("javascript"), "{kind}");

    let (status, _, body) = fetch(&app, "/console/api/no-such-thing").await;
    let err: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("an unknown API path answers JSON, not the page: {body}"));
    assert_eq!((status, err["code"].as_str()), (StatusCode::NOT_FOUND, Some("console.not_found")));
    assert_eq!(fetch(&app, "/console/api/me").await.0, StatusCode::UNAUTHORIZED, "the API is still the API");
}

#[tokio::test]
async fn without_a_built_console_the_page_says_it_was_not_built() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("dist-console");
    let app = spawn_app_with(move |c| c.console_dir = Some(missing)).await;
    for page in ["/console", "/console/", "/console/kpis"] {
        let (status, kind, body) = fetch(&app, page).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert!(kind.starts_with("text/plain") && body.contains("console was not built") && body.contains("npm run build"), "{page}: {body}");
    }
}

/// The CSV the console downloads: status, headers and the text after the BOM, split into lines of cells.
async fn export(who: &Browser<'_>, query: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = who.app.http.get(who.app.url(&format!("/console/api/kpis/export.csv?{query}")));
    if let Some(c) = &who.cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.headers().clone(), res.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix("\u{feff}".as_bytes()).expect("a BOM first")).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn cell<'r>(header: &[String], row: &'r [String], column: &str) -> &'r str {
    let i = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    &row[i]
}

#[tokio::test]
async fn the_csv_export_holds_the_comparisons_rows_and_total_with_the_same_figures() {
    let app = spawn_app().await;
    let (root, _) = network(&app).await;
    let (status, headers, bytes) = export(&root, &format!("{MARCH}&group=station")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment; filename=\"kpis-station-2026-03-01-2026-03-31.csv\"");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with a BOM, so a spreadsheet reads Chinese");

    let rows = csv_rows(&bytes);
    let (head, body) = rows.split_first().unwrap();
    assert_eq!(&head[..7], ["row", "code", "name", "region", "stations", "from", "to"]);
    let codes: Vec<(&str, &str)> = body.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(codes, [("station", "BJ01"), ("station", "SH01"), ("station", "SH02"), ("total", "")], "the page's rows by code, the total last");

    let report = root.ok(Method::GET, &format!("/console/api/kpis?{MARCH}&group=station"), None).await;
    for (row, line) in body.iter().zip(report["rows"].as_array().unwrap().iter().chain([&report["total"]])) {
        for f in line["figures"].as_array().unwrap() {
            let code = f["code"].as_str().unwrap();
            let written = cell(head, row, code);
            match f["value"].as_f64() {
                Some(v) => assert!((written.parse::<f64>().unwrap() - v).abs() < 1e-4, "{code} of {}: {written} against {v}", row[1]),
                None => assert_eq!(written, "", "{code} of {}: nothing counted is an empty cell", row[1]),
            }
        }
    }
    let sh01 = &body[1];
    assert_eq!((cell(head, sh01, "on_time.n"), cell(head, sh01, "on_time.d")), ("2", "3"), "a share carries what it divided");
    assert_eq!((cell(head, sh01, "on_time.target"), cell(head, sh01, "on_time.gap")), ("0.9", "-0.2333"));
    assert_eq!(cell(head, sh01, "region"), "East");
    assert!(!head.iter().any(|h| h == "cycle_median_hours.n"), "hours of orders are not a share: no n and d");
    assert_eq!(cell(head, &body[3], "on_time.n"), "5", "the total counts every station");
}

#[tokio::test]
async fn a_regional_managers_csv_holds_their_region_only() {
    let app = spawn_app().await;
    let (root, _) = network(&app).await;
    create_user(&root, "li.wei", "regional_manager", &["West"]).await;
    let li = Browser::logged_in(&app, "li.wei", "li.wei password").await;
    let (status, _, bytes) = export(&li, MARCH).await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&bytes);
    let codes: Vec<(&str, &str, &str)> = rows[1..].iter().map(|r| (r[0].as_str(), r[1].as_str(), r[4].as_str())).collect();
    assert_eq!(codes, [("station", "BJ01", "1"), ("total", "", "1")], "West's station and West's total, nothing of East");

    let (status, _, bytes) = export(&root, &format!("{MARCH}&group=region")).await;
    assert_eq!(status, StatusCode::OK);
    let regions: Vec<(String, String)> = csv_rows(&bytes)[1..].iter().map(|r| (r[0].clone(), r[3].clone())).collect();
    let r = |k: &str, n: &str| (k.to_string(), n.to_string());
    assert_eq!(regions, [r("region", "East"), r("region", "West"), r("total", "")], "grouped by region, as the page");
}

#[tokio::test]
async fn the_csv_export_answers_nobody_without_a_session_and_names_a_bad_query() {
    let app = spawn_app().await;
    let (root, _) = network(&app).await;
    let (status, _, body) = export(&Browser::anonymous(&app), MARCH).await;
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, err["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("console.session_required")));
    let (status, _, body) = export(&root, "from=2026-03-31&to=2026-03-01").await;
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, err["field"].as_str(), err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("to"), Some("kpi.range_reversed")));
}
