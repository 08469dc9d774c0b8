//! The manager's KPI dashboard through the operation list: a week of orders
//! (late, on time, without a promise, cancelled, a repeat repair), follow-up
//! calls that reach the customer on day 2 and on day 4, two surveys and a
//! complaint, read back as the station's figures, per advisor and technician,
//! as the orders behind a number, as CSV and XLSX files and as the monthly
//! report's PDF. The clock is the
//! test's; the station's days are Shanghai's (the standard calendar).
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use common::aftersales::{instant, stamp, survey, Ticket};
use common::flow::{Crew, Flow};
use common::{check_in_input, TestStation};

/// 2026-11-`day` at `h:m` in Shanghai (UTC+8).
fn local(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, day, h, m, 0).single().unwrap().with_timezone(&Utc)
}

/// The week the orders fall in: Monday 23 to Sunday 29 November 2026.
const WEEK: (&str, &str) = ("2026-11-23", "2026-11-29");

fn figure<'v>(figures: &'v Value, code: &str) -> &'v Value {
    figures.as_array().unwrap().iter().find(|f| f["code"] == code).unwrap_or_else(|| panic!("no figure {code} in {figures}"))
}

fn value(figures: &Value, code: &str) -> f64 {
    figure(figures, code)["value"].as_f64().unwrap_or_else(|| panic!("{code} has no value: {}", figure(figures, code)))
}

/// (numerator, denominator) of a figure.
fn counts(figures: &Value, code: &str) -> (i64, i64) {
    let f = figure(figures, code);
    (f["numerator"].as_i64().unwrap(), f["denominator"].as_i64().unwrap())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The week's orders, and who did them.
struct Week {
    crew: Crew,
    chen_id: String,
    late: String,
    on_time: String,
    unpromised: String,
    cancelled: String,
    repeat: String,
}

/// A car of its own for a customer of its own, so only the repeat is a repeat.
async fn car(t: &TestStation, token: &str, name: &str, phone: &str, plate: &str) -> (String, String) {
    let c = t.ok(token, "create_customer", json!({"name": name, "phones": [phone], "language": "zh-CN"})).await;
    let v = t.ok(token, "create_vehicle", json!({"customer_id": c["id"], "fields": {"plate": plate, "model": "轩逸"}})).await;
    (c["id"].as_str().unwrap().to_string(), v["id"].as_str().unwrap().to_string())
}

async fn check_in<'a>(t: &'a TestStation, crew: &'a Crew, advisor: &str, car: &(String, String), km: i64, promised: Option<DateTime<Utc>>) -> Flow<'a> {
    let mut input = check_in_input(&car.0, &car.1, km);
    if let Some(p) = promised {
        input["promised_at"] = json!(stamp(p));
    }
    let order = t.ok(advisor, "check_in", input).await;
    let ro = order["id"].as_str().unwrap().to_string();
    let page = t.ok(advisor, "get_order_detail", json!({"id": ro})).await;
    Flow { t, crew, ro, page }
}

/// `tech` (token, id) is given job 0 and clocks `minutes` on it while the order is in repair.
async fn repair_with_clock(f: &mut Flow<'_>, tech: (&str, &str), minutes: i64) {
    f.drive_to("in_repair").await;
    let job = f.job(0);
    let advisor = f.crew.advisor.clone();
    f.step(&advisor, "assign_technician", json!({"job_id": job, "technician_id": tech.1})).await;
    f.t.ok(tech.0, "start_clock", json!({"job_id": job})).await;
    f.t.advance(chrono::Duration::minutes(minutes));
    f.t.ok(tech.0, "stop_clock", json!({})).await;
    f.reload().await;
}

async fn deliver_at(f: &mut Flow<'_>, at: DateTime<Utc>) {
    f.drive_to("ready_for_pickup").await;
    f.t.set_now(at);
    let advisor = f.crew.advisor.clone();
    let balance = f.page["totals"]["balance"].clone();
    let km = f.page["order"]["odometer_in_km"].as_i64().unwrap() + 5;
    f.step(&advisor, "deliver", json!({"odometer_out_km": km, "payments": [{"method": "wechat", "amount": balance}]})).await;
}

/// The follow-up of `f`'s order reaches the customer at `at`, who scores `overall`.
async fn reached(t: &TestStation, crew: &Crew, ro: &str, at: DateTime<Utc>, overall: i64) {
    t.set_now(at);
    let page = t.ok(&crew.manager, "get_order_detail", json!({"id": ro})).await;
    let follow_up = t.follow_up(&crew.manager, page["follow_up_id"].as_str().unwrap()).await;
    t.record_call(&crew.manager, &follow_up, json!({"outcome": "reached", "survey": survey(overall), "note": "已回访"})).await.expect("reached");
}

/// Monday to Friday of the week, then the clock at Monday 30 10:00.
async fn a_week_of_orders(t: &TestStation) -> Week {
    let mut crew = t.crew().await;
    t.staff("陈顾问", "advisor", "2323").await;
    // Sessions last a shift: everyone logs in as of the week's end, so one
    // session each lasts through the days the test walks back into.
    t.set_now(local(30, 8, 0));
    crew.manager = t.login_as("王经理", "1111").await;
    crew.advisor = t.login_as("李顾问", "2222").await;
    crew.tech = t.login_as("张技师", "3333").await;
    crew.tech2 = t.login_as("刘技师", "3434").await;
    crew.qc = t.login_as("赵质检", "4444").await;
    let chen = t.login_as("陈顾问", "2323").await;
    let chen_id = t.id_of(&chen).await;
    let li = crew.advisor.clone();

    let first_car = (crew.customer.clone(), crew.vehicle.clone());
    let second_car = car(t, &li, "赵敏", "13900000002", "沪B20002").await;
    let third_car = car(t, &li, "孙磊", "13900000003", "沪B20003").await;
    let fourth_car = car(t, &li, "周杰", "13900000004", "沪B20004").await;

    // Late: promised Monday noon, delivered at 15:00. 张技师 clocks an hour on it.
    t.set_now(local(23, 8, 30));
    let mut late = check_in(t, &crew, &li, &first_car, 10_000, Some(local(23, 12, 0))).await;
    repair_with_clock(&mut late, (&crew.tech, &crew.tech_id), 60).await;
    deliver_at(&mut late, local(23, 15, 0)).await;

    // On time, 陈顾问's: promised Monday 18:00, delivered at 16:00.
    t.set_now(local(23, 9, 0));
    let mut on_time = check_in(t, &crew, &chen, &second_car, 20_000, Some(local(23, 18, 0))).await;
    deliver_at(&mut on_time, local(23, 16, 0)).await;

    // No promised time: delivered Tuesday 11:00; nobody reaches the customer.
    t.set_now(local(23, 10, 0));
    let mut unpromised = check_in(t, &crew, &li, &third_car, 30_000, None).await;
    deliver_at(&mut unpromised, local(24, 11, 0)).await;

    // Cancelled the day it came in.
    t.set_now(local(23, 11, 0));
    let mut cancelled = check_in(t, &crew, &li, &fourth_car, 40_000, Some(local(23, 17, 0))).await;
    cancelled.drive_to("cancelled").await;

    // The late order's customer is reached on day 2 and is very happy.
    reached(t, &crew, &late.ro, local(24, 15, 0), 5).await;

    // The first car is back on Wednesday: a repeat repair. 刘技师 clocks two hours; on time.
    t.set_now(local(25, 9, 0));
    let mut repeat = check_in(t, &crew, &li, &first_car, 10_100, Some(local(25, 17, 0))).await;
    assert!(repeat.page["order"]["repeat_of"]["id"] == json!(late.ro), "the check-in is flagged as a repeat: {}", repeat.page["order"]);
    repair_with_clock(&mut repeat, (&crew.tech2, &crew.tech2_id), 120).await;
    deliver_at(&mut repeat, local(25, 16, 0)).await;

    // A complaint on Thursday, resolved within the hour.
    t.set_now(local(26, 10, 0));
    let input =
        json!({"channel": "phone", "severity": "normal", "category_id": "qual.repair.repeat", "description": "刹车又响了", "customer_id": crew.customer});
    let mut complaint = Ticket::open(t, &li, input).await;
    t.set_now(local(26, 11, 0));
    complaint.resolve_accepted(&li).await;

    // The on-time order's customer is reached on day 4 (Friday 16:30): too late to count as in time.
    reached(t, &crew, &on_time.ro, local(27, 16, 30), 3).await;

    t.set_now(local(30, 10, 0));
    let (late, on_time, unpromised, cancelled, repeat) = (late.ro, on_time.ro, unpromised.ro, cancelled.ro, repeat.ro);
    Week { crew, chen_id, late, on_time, unpromised, cancelled, repeat }
}

async fn report(t: &TestStation, token: &str, granularity: &str) -> Value {
    t.ok(token, "kpi_report", json!({"from": WEEK.0, "to": WEEK.1, "granularity": granularity})).await
}

#[tokio::test]
async fn a_week_of_orders_gives_the_figures_the_definitions_say() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let r = report(&t, &w.crew.manager, "day").await;
    let f = &r["figures"];
    assert_eq!(r["period"], json!({"from": WEEK.0, "to": WEEK.1, "days": 7}));
    assert_eq!(r["time_zone"], "Asia/Shanghai");

    // Four delivered (the cancelled one counts only as cancelled); three had a promise, two kept.
    assert_eq!(counts(f, "on_time"), (2, 3), "the order without a promised time is not in on-time delivery");
    assert!(close(value(f, "on_time"), 2.0 / 3.0));
    assert_eq!(counts(f, "cancelled"), (1, 0));
    assert_eq!(counts(f, "repeat_rate"), (1, 4));
    assert_eq!(counts(f, "first_time_fix"), (3, 4));
    assert_eq!(figure(f, "first_time_fix")["meets_target"], false, "75 % is below the 95 % target");
    // Reached on day 2 counts as in time; day 4 only as reached; two never reached.
    assert_eq!(counts(f, "follow_up_in_time"), (1, 4));
    assert_eq!(counts(f, "follow_up_ever"), (2, 4));
    assert!(close(value(f, "satisfaction_avg"), 4.0), "scores 5 and 3");
    assert_eq!(counts(f, "satisfaction_top"), (1, 2));
    assert_eq!(counts(f, "complaints_per_100"), (1, 4));
    assert!(close(value(f, "complaints_per_100"), 25.0));
    assert_eq!(counts(f, "complaints_in_time"), (1, 1), "resolved within the hour");
    // Every delivered order billed 1.5 h of labor.
    assert!(close(value(f, "hours_per_order"), 1.5));
    // Clocked 3 h of 2 technicians × 48 working hours (Mon–Fri 8 h, Sat 8 h).
    assert_eq!(counts(f, "productivity"), (3 * 3600, 2 * 48 * 3600));
    // Follow-up deadlines: the day-2 call met its 3 days; day 4 and the two never reached breached.
    assert_eq!(counts(f, "deadline_met.follow_up"), (1, 4));

    // The trend: one point a day; Monday has the late and the on-time delivery.
    let trend = r["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 7);
    assert_eq!(trend[0]["period"], json!({"from": "2026-11-23", "to": "2026-11-23", "days": 1}));
    assert_eq!(counts(&trend[0]["figures"], "on_time"), (1, 2));
    assert_eq!(counts(&trend[2]["figures"], "repeat_rate"), (1, 1), "Wednesday's delivery is the repeat");
    assert_eq!(figure(&trend[6]["figures"], "on_time")["value"], Value::Null, "nothing was delivered on Sunday");

    // By week the whole range is one point with the period's numbers.
    let weekly = report(&t, &w.crew.manager, "week").await;
    assert_eq!(weekly["trend"].as_array().unwrap().len(), 1);
    assert_eq!(counts(&weekly["trend"][0]["figures"], "on_time"), (2, 3));
    assert!(r["drill_codes"].as_array().unwrap().iter().any(|c| c == "on_time"));
    assert!(!r["drill_codes"].as_array().unwrap().iter().any(|c| c == "parts_short"), "parts short is the stock now, not records");
    let count_codes = r["count_codes"].as_array().unwrap();
    assert!(count_codes.iter().any(|c| c == "deadline_met.follow_up"), "{count_codes:?}");
    assert!(!count_codes.iter().any(|c| c == "efficiency" || c == "complaints_per_100"), "sums and rates per 100 are not 'n of d': {count_codes:?}");
}

#[tokio::test]
async fn the_breakdowns_give_each_advisor_and_technician_their_own_orders() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let r = report(&t, &w.crew.manager, "day").await;

    let row = |table: &str, name: &str| -> Value {
        r[table]["rows"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no {name} in {}", r[table])).clone()
    };
    let li = row("advisors", "李顾问");
    let chen = row("advisors", "陈顾问");
    assert_eq!(chen["who"], json!({"kind": "advisor", "id": w.chen_id}));
    assert_eq!(counts(&li["figures"], "on_time"), (1, 2), "李顾问: the late order and the repeat");
    assert_eq!(counts(&li["figures"], "cancelled"), (1, 0));
    assert_eq!(counts(&li["figures"], "repeat_rate"), (1, 3));
    assert_eq!(counts(&chen["figures"], "on_time"), (1, 1));
    assert!(close(value(&li["figures"], "satisfaction_avg"), 5.0));
    assert!(close(value(&chen["figures"], "satisfaction_avg"), 3.0));
    let codes: Vec<&str> = r["advisors"]["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(!codes.contains(&"productivity") && codes.contains(&"on_time"), "an advisor's table shows their figures: {codes:?}");
    assert_eq!(li["figures"].as_array().unwrap().len(), codes.len());

    let zhang = row("technicians", "张技师");
    let liu = row("technicians", "刘技师");
    // Billed 1.5 h each. 张 started every diagnosis, so the jobs of the first three
    // orders are his (4.5 h billed) and he clocked 1 h; 刘 took the repeat and clocked 2 h.
    assert!(close(value(&zhang["figures"], "efficiency"), 4.5));
    assert!(close(value(&liu["figures"], "efficiency"), 0.75));
    assert_eq!(counts(&zhang["figures"], "productivity"), (3600, 48 * 3600), "one technician's own working hours");
    assert_eq!(counts(&liu["figures"], "repeat_rate"), (1, 1), "刘技师 did the repeat visit");
    assert_eq!(counts(&zhang["figures"], "repeat_rate"), (0, 3));
}

#[tokio::test]
async fn a_number_opens_the_orders_behind_it() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let m = &w.crew.manager;
    let rows = |v: &Value| -> Vec<(String, bool)> {
        v["rows"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap().to_string(), r["counted"].as_bool().unwrap())).collect()
    };

    let on_time = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "on_time"})).await;
    assert_eq!(rows(&on_time), vec![(w.late.clone(), false), (w.on_time.clone(), true), (w.repeat.clone(), true)], "oldest delivery first; no promise, no row");
    assert_eq!(on_time["counts"], true);
    assert_eq!(counts(&json!([on_time["figure"]]), "on_time"), (2, 3), "the figure the rows are behind");
    let first = &on_time["rows"][0];
    assert_eq!(first["item"], "repair_order");
    assert_eq!(first["plate"], "沪A12345");
    assert_eq!(first["customer_name"], "王芳");
    assert_eq!(first["staff_name"], "李顾问");
    assert_eq!(instant(&first["delivered_at"]), local(23, 15, 0));
    assert!(first["number"].as_str().unwrap().starts_with("SH01-"), "{first}");

    let repeat = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "repeat_rate"})).await;
    let flagged: Vec<String> = rows(&repeat).into_iter().filter(|r| r.1).map(|r| r.0).collect();
    assert_eq!(flagged, vec![w.repeat.clone()]);
    assert_eq!(repeat["total"], 4);

    let in_time = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "follow_up_in_time"})).await;
    assert_eq!(
        rows(&in_time),
        vec![(w.late.clone(), true), (w.on_time.clone(), false), (w.unpromised.clone(), false), (w.repeat.clone(), false)],
        "reached on day 2 counts; day 4 and never do not"
    );

    let cancelled = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "cancelled"})).await;
    assert_eq!(rows(&cancelled), vec![(w.cancelled.clone(), true)]);
    assert_eq!(cancelled["rows"][0]["delivered_at"], Value::Null);

    // One advisor's share, and a sum's rows carry each order's own value.
    let chen = json!({"kind": "advisor", "id": w.chen_id});
    let theirs = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "on_time", "who": chen})).await;
    assert_eq!(rows(&theirs), vec![(w.on_time.clone(), true)]);
    assert_eq!(theirs["who_name"], "陈顾问");
    let cycle = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "cycle_median_hours"})).await;
    assert_eq!(cycle["counts"], false);
    assert_eq!(cycle["value_unit"], "hours");
    assert!(close(cycle["rows"][0]["value"].as_f64().unwrap(), 6.5), "checked in 08:30, delivered 15:00: {}", cycle["rows"][0]);
    assert_eq!(cycle["rows"][0]["counted"], Value::Null);

    // The complaint is behind the complaint figures, linked to itself.
    let complaints = t.ok(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "complaints_in_time"})).await;
    assert_eq!(complaints["rows"].as_array().unwrap().len(), 1);
    assert_eq!(complaints["rows"][0]["item"], "complaint");
    assert_eq!(complaints["rows"][0]["counted"], true);

    let e = t.call(m, "kpi_orders", json!({"from": WEEK.0, "to": WEEK.1, "code": "parts_short"})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("kpi.unknown_code", Some("code")));
}

#[tokio::test]
async fn only_a_manager_reads_the_kpis() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    for token in [&crew.tech, &crew.advisor, &crew.qc] {
        let e = t.call(token, "kpi_report", json!({"preset": "this_week"})).await.unwrap_err();
        assert_eq!(e.code, "auth.forbidden");
        let e = t.call(token, "kpi_export", json!({"preset": "this_week", "format": "csv"})).await.unwrap_err();
        assert_eq!(e.code, "auth.forbidden");
        assert_eq!(t.ok(token, "me", json!({})).await["can_view_kpis"], false, "no KPI entry for them");
    }
    assert_eq!(t.ok(&crew.manager, "me", json!({})).await["can_view_kpis"], true);
    let e = t.call(&crew.tech, "kpi_orders", json!({"preset": "this_month", "code": "on_time"})).await.unwrap_err();
    assert_eq!(e.code, "auth.forbidden");
}

#[tokio::test]
async fn presets_and_ranges_are_the_stations_local_days_and_bad_ranges_name_their_field() {
    let t = TestStation::new().await;
    // Sunday 22 November 10:00 in Shanghai.
    let week = t.ok(&t.manager, "kpi_report", json!({"preset": "this_week"})).await;
    assert_eq!(week["period"], json!({"from": "2026-11-16", "to": "2026-11-22", "days": 7}));
    assert_eq!(week["granularity"], "day");
    let month = t.ok(&t.manager, "kpi_report", json!({"preset": "this_month"})).await;
    assert_eq!(month["period"]["from"], "2026-11-01");
    assert_eq!(value(&month["figures"], "cancelled"), 0.0);
    assert_eq!(figure(&month["figures"], "on_time")["value"], Value::Null, "nothing delivered: no value, not zero");

    for (input, code, field) in [
        (json!({"from": "2026-11-20", "to": "2026-11-01"}), "kpi.range_order", "to"),
        (json!({"from": "2026-13-01", "to": "2026-11-01"}), "kpi.date", "from"),
        (json!({"from": "2026-11-01"}), "kpi.range_missing", "to"),
        (json!({"from": "2024-01-01", "to": "2026-11-01"}), "kpi.range_too_long", "from"),
        (json!({"from": "2026-01-01", "to": "2026-11-01", "granularity": "day"}), "kpi.too_many_buckets", "granularity"),
    ] {
        let e = t.call(&t.manager, "kpi_report", input.clone()).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)), "{input}");
    }
}

fn data_url_bytes(v: &Value) -> Vec<u8> {
    let url = v["data_url"].as_str().unwrap();
    let (_, b64) = url.split_once(";base64,").unwrap();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

#[tokio::test]
async fn the_csv_export_has_a_row_per_figure_person_and_day() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let labels = json!({"on_time": "按时交车率"});
    let out = t.ok(&w.crew.manager, "kpi_export", json!({"from": WEEK.0, "to": WEEK.1, "granularity": "day", "format": "csv", "labels": labels})).await;
    assert_eq!(out["mime"], "text/csv");
    let file = std::path::PathBuf::from(out["path"].as_str().unwrap());
    assert!(file.starts_with(t.dir.path().join("exports")), "kept in the data folder's exports: {file:?}");
    let bytes = data_url_bytes(&out);
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the kept copy is what the desk saves");
    assert_eq!(out["size"], bytes.len());
    assert!(out["file_name"].as_str().unwrap().starts_with("kpis-SH01-20261123-20261129-"));

    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheet programs");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), station::kpis::export::COLUMNS.to_vec());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let find = |section: &str, who: &str, from: &str, code: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[1] == who && &r[2] == from && &r[4] == code)
            .unwrap_or_else(|| panic!("no {section} {who} {from} {code}"))
            .clone()
    };
    let on_time = find("period", "", WEEK.0, "on_time");
    assert_eq!(
        on_time.iter().collect::<Vec<_>>(),
        vec!["period", "", WEEK.0, WEEK.1, "on_time", "按时交车率", "ratio", "0.6667", "0.9", "-0.2333", "false", "2", "3"]
    );
    assert_eq!(&find("advisor", "陈顾问", WEEK.0, "on_time")[7], "1");
    assert_eq!(&find("technician", "刘技师", WEEK.0, "efficiency")[7], "0.75");
    let monday = find("trend", "", "2026-11-23", "on_time");
    assert_eq!((&monday[3], &monday[11], &monday[12]), ("2026-11-23", "1", "2"));

    let figures = station::kpis::ADVISOR_CODES.len();
    let per_section = |s: &str| rows.iter().filter(|r| &r[0] == s).count();
    let all = per_section("period");
    assert_eq!(per_section("trend"), 7 * all, "every figure for each of the 7 days");
    assert_eq!(per_section("advisor"), 2 * figures, "two advisors");
    assert_eq!(per_section("technician"), 2 * station::kpis::TECHNICIAN_CODES.len());
}

#[tokio::test]
async fn the_xlsx_export_is_a_workbook_with_its_four_sheets() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let out = t.ok(&w.crew.manager, "kpi_export", json!({"preset": "this_month", "format": "xlsx"})).await;
    assert_eq!(out["mime"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(out["file_name"].as_str().unwrap().ends_with(".xlsx"));
    let bytes = data_url_bytes(&out);
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    // A zip's central directory names its entries uncompressed.
    let names = String::from_utf8_lossy(&bytes);
    for entry in ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet4.xml"] {
        assert!(names.contains(entry), "no {entry} in the workbook");
    }
    assert_eq!(std::fs::read(out["path"].as_str().unwrap()).unwrap(), bytes);
}

/// The text of a PDF as `pdftotext -layout` reads it, without whitespace.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

/// A trend chart as the desk draws it (ui/src/lib/charts.ts `chartSvg`), from the documents' tests.
fn chart_svg(code: &str, language: &str) -> String {
    std::fs::read_to_string(format!("{}/../documents/tests/fixtures/kpi-{code}-{language}.svg", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn the_monthly_report_is_a_pdf_of_the_figures_the_station_computes_for_the_month_with_each_chart_above_its_days() {
    let t = TestStation::new().await;
    let w = a_week_of_orders(&t).await;
    let m = &w.crew.manager;
    // November's orders are the week's: the same figures as `kpi_report` gives for November.
    let november = t.ok(m, "kpi_report", json!({"month": "2026-11", "granularity": "day"})).await;
    assert_eq!(november["period"], json!({"from": "2026-11-01", "to": "2026-11-30", "days": 30}));
    assert_eq!(counts(&november["figures"], "on_time"), (2, 3));
    assert_eq!(november["last_month"], "2026-10", "the clock is at 30 November");

    for (language, needles) in [
        (
            "zh-CN",
            vec![
                "月度KPI报告",
                "浦东服务站",
                "2026-11-01–2026-11-30",
                "准时交车率66.7%≥90.0%",
                "2/3未达标",
                "一次修复率75.0%≥95.0%",
                "客户满意度（平均分）4.0",
                "每百单投诉数25.0",
                "单车工时1.5小时",
                "服务顾问",
                "李顾问",
                "陈顾问",
                "技师",
                "张技师",
                "刘技师",
                "每日趋势",
            ],
        ),
        (
            "en",
            vec![
                "MonthlyKPIReport",
                "On-timedelivery66.7%≥90.0%",
                "2/3Notmet",
                "First-timefixrate75.0%≥95.0%",
                "Hoursperorder1.5h",
                "Serviceadvisors",
                "Dailytrends",
            ],
        ),
    ] {
        let charts = json!([{"code": "on_time", "svg": chart_svg("on_time", language)}, {"code": "cycle_median_hours", "svg": chart_svg("cycle_median_hours", language)}]);
        let out = t.ok(m, "kpi_monthly_report", json!({"month": "2026-11", "language": language, "charts": charts})).await;
        assert_eq!(out["mime"], "application/pdf");
        assert!(out["file_name"].as_str().unwrap().starts_with(&format!("kpi-report-SH01-2026-11-{language}-")), "{}", out["file_name"]);
        let bytes = data_url_bytes(&out);
        assert!(bytes.starts_with(b"%PDF-"));
        let kept = std::path::PathBuf::from(out["path"].as_str().unwrap());
        assert!(kept.starts_with(t.dir.path().join("exports")), "kept in the data folder's exports: {kept:?}");
        assert_eq!(std::fs::read(&kept).unwrap(), bytes, "the kept copy is what the desk saves");

        if let Some(dir) = std::env::var_os("STATIONDESK_ARTIFACTS") {
            let dir = std::path::PathBuf::from(dir).join("documents");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("station-kpi-report-{language}.pdf")), &bytes).unwrap();
        }
        let text = pdf_text(&bytes);
        for needle in needles {
            assert!(text.contains(needle), "{language}: the report lacks {needle:?}:\n{text}");
        }
        assert!(
            text.contains("技师效率200.0%≥100.0%+100.0个百分点达标") || text.contains("Technicianefficiency200.0%≥100.0%+100.0ppMet"),
            "{language}: efficiency with no 'n / d' of seconds:\n{text}"
        );
        // Under the on-time chart, the days the station counted: Monday 23rd one of two, Wednesday 25th one of one.
        assert!(
            text.contains("11-2111-2211-2311-2411-2511-2611-2711-2811-2911-30——50.0%—100.0%—————"),
            "{language}: the last ten days' on-time values:\n{text}"
        );
    }
}

#[tokio::test]
async fn the_monthly_report_refuses_a_technician_and_names_the_field_of_bad_input() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let chart = chart_svg("on_time", "en");
    let input = |month: &str, language: &str, charts: Value| json!({"month": month, "language": language, "charts": charts});
    for token in [&crew.tech, &crew.advisor] {
        let e = t.call(token, "kpi_monthly_report", input("2026-11", "en", json!([]))).await.unwrap_err();
        assert_eq!(e.code, "auth.forbidden");
    }

    let oversized = format!("{}<!--{}-->", chart, "x".repeat(station::kpis::monthly::MAX_SVG_BYTES));
    let too_many: Vec<Value> = (0..=station::kpis::monthly::MAX_CHARTS).map(|_| json!({"code": "on_time", "svg": "<svg/>"})).collect();
    let image = r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/hosts" width="9" height="9"/></svg>"#;
    for (body, code, field) in [
        (
            input("2026-11", "en", json!([{"code": "on_time", "svg": chart}, {"code": "first_time_fix", "svg": oversized}])),
            "kpi.chart_too_large",
            "charts[1].svg",
        ),
        (input("2026-11", "en", json!(too_many)), "kpi.too_many_charts", "charts"),
        (input("2026-11", "en", json!([{"code": "on_time", "svg": chart}, {"code": "first_time_fix", "svg": image}])), "kpi.chart_svg", "charts[1].svg"),
        (input("2026-11", "en", json!([{"code": "on_time", "svg": "not an svg"}])), "kpi.chart_svg", "charts[0].svg"),
        (input("2026-11", "en", json!([{"code": "nps", "svg": chart}])), "kpi.chart_code", "charts[0].code"),
        (input("2026-11", "en", json!([{"code": "on_time", "svg": chart}, {"code": "on_time", "svg": chart}])), "kpi.chart_twice", "charts[1].code"),
        (input("2026-12", "en", json!([])), "kpi.month_ahead", "month"),
        (input("11/2026", "en", json!([])), "kpi.month", "month"),
        (input("2026-11", "fr", json!([])), "kpi.language", "language"),
    ] {
        let e = t.call(&crew.manager, "kpi_monthly_report", body).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)), "{}", e.message);
    }
    let exports = t.dir.path().join("exports");
    assert!(!exports.exists() || std::fs::read_dir(&exports).unwrap().next().is_none(), "nothing is kept for a refused report");
}
