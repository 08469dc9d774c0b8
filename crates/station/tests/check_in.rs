//! Checking vehicles in, through the operation list, on a real SQLite file.

mod common;

use chrono::Duration;
use common::{check_in_input, TestStation, VIN_A, VIN_B};
use serde_json::json;

#[tokio::test]
async fn a_check_in_creates_an_order_numbered_by_station_type_date_and_sequence() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let (c, v) = t.customer_with_vehicle(&advisor, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&advisor, "check_in", check_in_input(&c, &v, 42_000)).await;
    assert_eq!(order["number"], "SH01-M-20261122-0001");
    assert_eq!(order["status"], "checked_in");
    assert_eq!(order["advisor"]["name"], "李顾问", "the advisor who checks in owns the order");
    assert_eq!(order["concerns"][0]["fault_codes"][0], "P0300", "fault codes are normalised to upper case");
    assert_eq!(order["damage_marks"][0]["kind"], "scratch");
    assert!(order["archive_no"].as_str().unwrap().ends_with("-M-20261122-01"), "archive no. is customer no. + type + date + seq: {}", order["archive_no"]);

    let board = t.ok(&advisor, "board", json!({})).await;
    assert_eq!(board["cards"][0]["number"], "SH01-M-20261122-0001", "the new order is on today's board");
}

#[tokio::test]
async fn order_numbers_are_gap_free_within_a_day_and_restart_the_next_day() {
    let mut t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let mut numbers = Vec::new();
    for km in [1000, 2000, 3000] {
        let mut input = check_in_input(&c, &v, km);
        input["service_type"] = json!("repair");
        numbers.push(t.ok(&t.manager, "check_in", input).await["number"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers, ["SH01-R-20261122-0001", "SH01-R-20261122-0002", "SH01-R-20261122-0003"]);

    // A refused check-in must not burn a number.
    let mut bad = check_in_input(&c, &v, 4000);
    bad["fuel_eighths"] = json!(9);
    assert_eq!(t.call(&t.manager, "check_in", bad).await.unwrap_err().field.as_deref(), Some("fuel_eighths"));
    let next = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 4000)).await;
    assert_eq!(next["number"], "SH01-M-20261122-0004");

    t.advance(Duration::days(1));
    t.relogin_manager().await;
    let tomorrow = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 5000)).await;
    assert_eq!(tomorrow["number"], "SH01-M-20261123-0001");
}

#[tokio::test]
async fn the_day_of_an_order_number_is_the_stations_day_not_utc() {
    let mut t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    // 2026-11-22 17:30 UTC is already 01:30 on the 23rd in Shanghai.
    t.set_now(common::morning() + Duration::minutes(15 * 60 + 30));
    t.relogin_manager().await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 1000)).await;
    assert_eq!(order["number"], "SH01-M-20261123-0001");
}

#[tokio::test]
async fn two_advisors_checking_in_at_the_same_moment_get_different_numbers() {
    let t = TestStation::new().await;
    let a = t.staff("李顾问", "advisor", "2222").await;
    let b = t.staff("陈顾问", "advisor", "2323").await;
    let (c1, v1) = t.customer_with_vehicle(&a, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let (c2, v2) = t.customer_with_vehicle(&b, "李娜", "13912345678", "沪B54321", VIN_B).await;
    let mut handles = Vec::new();
    for i in 0..10 {
        let station = t.station.clone();
        let (token, c, v) = if i % 2 == 0 { (a.clone(), c1.clone(), v1.clone()) } else { (b.clone(), c2.clone(), v2.clone()) };
        handles.push(tokio::spawn(async move { station.dispatch("check_in", Some(&token), check_in_input(&c, &v, 10_000)).await }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap().expect("concurrent check-in")["number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=10).map(|n| format!("SH01-M-20261122-{n:04}")).collect();
    assert_eq!(numbers, expected, "ten concurrent check-ins take ten distinct, consecutive numbers");
}

#[tokio::test]
async fn a_check_in_that_fails_halfway_leaves_neither_the_order_nor_its_outbox_row() {
    let t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let photo = t.ok(&t.manager, "upload_photo", json!({"data": common_png()})).await;
    // Fail on the photo rows, after the order, its concerns and damage marks are written.
    sqlx::query("CREATE TRIGGER fail_photos BEFORE INSERT ON ro_photos BEGIN SELECT RAISE(ABORT, 'disk full'); END").execute(t.station.pool()).await.unwrap();
    let outbox_before = t.outbox_count().await;
    let mut input = check_in_input(&c, &v, 42_000);
    input["photos"] = json!([{"sha256": photo["sha256"], "caption": "前脸"}]);
    let err = t.call(&t.manager, "check_in", input.clone()).await.unwrap_err();
    assert_eq!(err.code, "internal");

    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, 0, "no order is left behind");
    assert_eq!(t.count("SELECT COUNT(*) FROM ro_concerns").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM ro_damage_marks").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM odometer_readings").await, 0);
    assert_eq!(t.outbox_count().await, outbox_before, "no outbox row is left behind");

    sqlx::query("DROP TRIGGER fail_photos").execute(t.station.pool()).await.unwrap();
    let order = t.ok(&t.manager, "check_in", input).await;
    assert_eq!(order["number"], "SH01-M-20261122-0001", "the failed attempt did not use up a number");
}

#[tokio::test]
async fn a_lower_odometer_reading_needs_a_managers_confirmation() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let (c, v) = t.customer_with_vehicle(&advisor, "王芳", "13812345678", "沪A12345", VIN_A).await;
    t.ok(&advisor, "check_in", check_in_input(&c, &v, 52_300)).await;

    let low = check_in_input(&c, &v, 51_000);
    let err = t.call(&advisor, "check_in", low.clone()).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("odometer.rollback", Some("odometer_km")));
    assert!(err.message.contains("52300"), "the message gives the last reading: {}", err.message);
    assert_eq!(err.params.get("last_km").map(String::as_str), Some("52300"), "and so can a translated message");

    let mut confirmed_by_advisor = low.clone();
    confirmed_by_advisor["confirm"] = json!(["check_in.open_order", "odometer.rollback"]);
    assert_eq!(t.call(&advisor, "check_in", confirmed_by_advisor.clone()).await.unwrap_err().code, "odometer.rollback", "an advisor alone cannot confirm");

    let mut wrong_pin = confirmed_by_advisor.clone();
    wrong_pin["manager_pin"] = json!("9999");
    assert_eq!(t.call(&advisor, "check_in", wrong_pin).await.unwrap_err().field.as_deref(), Some("manager_pin"));

    let mut with_pin = confirmed_by_advisor;
    with_pin["manager_pin"] = json!("1111");
    let order = t.ok(&advisor, "check_in", with_pin).await;
    assert_eq!(order["odometer_in_km"], 51_000);
    let confirmed: Option<String> =
        sqlx::query_scalar("SELECT confirmed_by FROM odometer_readings WHERE km = 51000").fetch_one(t.station.pool()).await.unwrap();
    assert!(confirmed.is_some(), "the reading records which manager confirmed it");
}

#[tokio::test]
async fn guessing_a_managers_pin_at_check_in_locks_out_the_one_guessing_not_the_manager() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let (c, v) = t.customer_with_vehicle(&advisor, "王芳", "13812345678", "沪A12345", VIN_A).await;
    t.ok(&advisor, "check_in", check_in_input(&c, &v, 50_000)).await;
    let mut lower = check_in_input(&c, &v, 40_000);
    lower["confirm"] = json!(["check_in.open_order", "odometer.rollback"]);
    let try_pin = |pin: &str| {
        let mut input = lower.clone();
        input["manager_pin"] = json!(pin);
        t.call(&advisor, "check_in", input)
    };
    for _ in 0..4 {
        assert_eq!(try_pin("0000").await.unwrap_err().code, "auth.bad_manager_pin");
    }
    let err = try_pin("0000").await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("auth.locked", Some("manager_pin")));
    assert_eq!(try_pin("1111").await.unwrap_err().code, "auth.locked", "the right PIN is refused while the guesser is locked");
    // The manager can still log in; the advisor's own login is not locked either.
    let status = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    let manager_id = status["staff"].as_array().unwrap().iter().find(|s| s["role"] == "manager").unwrap()["id"].clone();
    assert!(t.station.dispatch("login", None, json!({"staff_id": manager_id, "pin": "1111"})).await.is_ok());
    t.advance(chrono::Duration::minutes(6));
    let order = t
        .call(&advisor, "check_in", {
            let mut i = lower.clone();
            i["manager_pin"] = json!("1111");
            i
        })
        .await;
    assert!(order.is_ok(), "after the lock, the manager's PIN confirms the lower reading: {order:?}");
}

#[tokio::test]
async fn a_technician_cannot_check_a_vehicle_in() {
    let t = TestStation::new().await;
    let tech = t.staff("张技师", "technician", "3333").await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let err = t.call(&tech, "check_in", check_in_input(&c, &v, 1000)).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, 0);
}

#[tokio::test]
async fn a_check_in_without_any_concern_is_refused_naming_the_field() {
    let t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let mut input = check_in_input(&c, &v, 1000);
    input["concerns"] = json!([{"text": "  "}]);
    let err = t.call(&t.manager, "check_in", input).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("concerns.0.text"));
}

#[tokio::test]
async fn overdue_orders_are_flagged_on_the_board() {
    let t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let mut input = check_in_input(&c, &v, 1000);
    input["promised_at"] = json!((common::morning() + Duration::hours(2)).to_rfc3339());
    t.ok(&t.manager, "check_in", input).await;
    assert_eq!(t.ok(&t.manager, "board", json!({})).await["cards"][0]["overdue"], false);
    t.advance(Duration::hours(3));
    assert_eq!(t.ok(&t.manager, "board", json!({})).await["cards"][0]["overdue"], true);
}

/// A 2×2 PNG.
fn common_png() -> String {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(2, 2, image::Rgb([200, 30, 30])).write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    use base64::Engine;
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}
