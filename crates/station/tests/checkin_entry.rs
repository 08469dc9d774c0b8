//! The front desk's way into a check-in (issue 11): what a searched text is,
//! a returning vehicle's past, and electric and hybrid vehicles, whose battery
//! level is read instead of (or as well as) the fuel, and never defaulted.

mod common;

use chrono::Duration;
use common::flow::Flow;
use common::{check_in_input, TestStation, VIN_A};
use serde_json::{json, Value};

const TESLA_VIN: &str = "LRW3E7EK3NC123456";
const BYD_VIN: &str = "LGXCE4CB2N0123456";
const LI_AUTO_VIN: &str = "LW4DA1CBXP1234567";

async fn typed(t: &TestStation, q: &str) -> Value {
    t.ok(&t.manager, "search", json!({"q": q})).await["typed"].clone()
}

async fn vehicle(t: &TestStation, customer: &str, fields: Value) -> Value {
    t.ok(&t.manager, "create_vehicle", json!({"customer_id": customer, "fields": fields})).await
}

async fn customer(t: &TestStation) -> String {
    t.ok(&t.manager, "create_customer", json!({"name": "陈静", "phones": ["13900001111"], "language": "zh-CN"})).await["id"].as_str().unwrap().to_string()
}

fn without(mut input: Value, keys: &[&str]) -> Value {
    for k in keys {
        input.as_object_mut().unwrap().remove(*k);
    }
    input
}

#[tokio::test]
async fn the_search_says_whether_the_text_is_a_plate_a_vin_a_phone_or_a_name() {
    let t = TestStation::new().await;
    assert_eq!(typed(&t, "沪a 12345").await, json!({"kind": "plate", "value": "沪A12345"}));
    assert_eq!(typed(&t, "lrw3e7ek3nc123456").await, json!({"kind": "vin", "value": TESLA_VIN}));
    assert_eq!(typed(&t, "139 0000 2222").await, json!({"kind": "phone", "value": "13900002222"}));
    assert_eq!(typed(&t, "罗磊").await, json!({"kind": "name", "value": "罗磊"}));
    assert_eq!(typed(&t, "123").await, Value::Null, "three digits are nothing to fill in");
}

#[tokio::test]
async fn a_text_that_finds_nobody_is_still_classified_for_the_new_customer_form() {
    let t = TestStation::new().await;
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let found = t.ok(&t.manager, "search", json!({"q": "粤BD54321"})).await;
    assert_eq!(found["hits"].as_array().unwrap().len(), 0);
    assert_eq!(found["typed"]["kind"], "plate");
}

#[tokio::test]
async fn a_search_with_control_characters_finds_by_the_rest_of_the_text_instead_of_failing() {
    let t = TestStation::new().await;
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let nothing = t.ok(&t.manager, "search", json!({"q": "\u{0}\u{0}\u{0}\u{0}"})).await;
    assert_eq!(nothing["hits"].as_array().unwrap().len(), 0);
    let found = t.ok(&t.manager, "search", json!({"q": "沪A\u{0}12345\u{7}"})).await;
    assert_eq!(found["hits"][0]["customer"]["name"], "王芳", "{found}");
}

#[tokio::test]
async fn a_returning_vehicles_history_has_its_last_odometer_visit_declined_work_concerns_and_complaints() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    f.labor(1, 1500, 20_000).await;
    f.move_to(&crew.advisor, "estimate_ready").await;
    let job = f.job(1);
    f.step(&crew.advisor, "record_decline", json!({"method": "phone", "approver_name": "王芳", "declined_job_ids": [job]})).await;
    t.ok(
        &crew.advisor,
        "open_complaint",
        json!({"channel": "phone", "severity": "normal", "category_id": "svc.time.late", "description": "上次交车晚了两个小时",
               "customer_id": crew.customer, "vehicle_id": crew.vehicle}),
    )
    .await;

    let h = t.ok(&crew.advisor, "vehicle_history", json!({"vehicle_id": crew.vehicle})).await;
    assert_eq!(h["last_odometer_km"], 10_000);
    assert_eq!(h["visits"], 1);
    assert_eq!(h["last_visit"]["ro_id"], json!(f.ro));
    assert_eq!(h["last_visit"]["odometer_in_km"], 10_000);
    assert_eq!(h["declined_work"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["declined_work"][0]["concern"], "刹车异响");
    assert_eq!(h["declined_work"][0]["amount"], 30_000, "1.5 h at ¥200: what it would have cost");
    let concerns: Vec<&str> = h["earlier_concerns"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(concerns, ["常规保养", "刹车异响"]);
    assert_eq!(h["complaints"][0]["description"], "上次交车晚了两个小时");
    assert_eq!(h["complaints"][0]["open"], true);
    assert_eq!(h["open_recalls"], json!([]), "no head office, no campaigns");
}

#[tokio::test]
async fn a_cancelled_orders_odometer_is_not_the_vehicles_last_reading_nor_its_last_visit() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let first = Flow::check_in(&t, &crew).await;
    t.advance(Duration::hours(1));
    let mut mistyped = check_in_input(&crew.customer, &crew.vehicle, 100_000);
    mistyped["concerns"] = json!([{"text": "录错了"}]);
    let order = t.ok(&crew.advisor, "check_in", mistyped).await;
    let mut wrong = Flow { t: &t, crew: &crew, ro: order["id"].as_str().unwrap().to_string(), page: Value::Null };
    wrong.reload().await;
    wrong.try_move(&crew.manager, "cancelled", "里程录错").await.expect("a manager cancels the order");

    let h = t.ok(&crew.advisor, "vehicle_history", json!({"vehicle_id": crew.vehicle})).await;
    assert_eq!(h["last_odometer_km"], 10_000, "{h}");
    assert_eq!(h["last_visit"]["ro_id"], json!(first.ro));
    assert_eq!(h["visits"], 1);
    assert!(!h["earlier_concerns"].as_array().unwrap().iter().any(|c| c["text"] == "录错了"));
}

#[tokio::test]
async fn a_vehicle_never_seen_here_has_an_empty_history_and_an_unknown_vehicle_is_named() {
    let t = TestStation::new().await;
    let (_, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let h = t.ok(&t.manager, "vehicle_history", json!({"vehicle_id": v})).await;
    assert_eq!((h["last_odometer_km"].clone(), h["last_visit"].clone(), h["visits"].clone()), (Value::Null, Value::Null, json!(0)));
    let err = t.call(&t.manager, "vehicle_history", json!({"vehicle_id": "nope"})).await.unwrap_err();
    assert_eq!(err.field.as_deref(), Some("vehicle_id"));
}

#[tokio::test]
async fn a_tesla_is_electric_from_its_vin_and_its_check_in_reads_the_battery_not_the_fuel() {
    let t = TestStation::new().await;
    let c = customer(&t).await;
    let v = vehicle(&t, &c, json!({"vin": TESLA_VIN, "plate": "沪A12345", "model": "Model 3"})).await;
    assert_eq!(v["energy"], "electric", "the VIN's maker builds only electric cars, whatever the plate");
    let id = v["id"].as_str().unwrap();

    let err = t.call(&t.manager, "check_in", check_in_input(&c, id, 20_000)).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("battery.required", Some("battery_percent")));
    let mut input = check_in_input(&c, id, 20_000);
    input["battery_percent"] = json!(101);
    assert_eq!(t.call(&t.manager, "check_in", input).await.unwrap_err().code, "battery.range");

    let mut input = check_in_input(&c, id, 20_000);
    input["battery_percent"] = json!(64);
    let order = t.ok(&t.manager, "check_in", input).await;
    assert_eq!(order["battery_percent"], 64);
    assert_eq!(order["fuel_eighths"], Value::Null, "an electric car has no fuel level, even if one was sent");
}

#[tokio::test]
async fn a_fuel_cars_check_in_without_a_fuel_level_is_refused_instead_of_saving_half_a_tank() {
    let t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let err = t.call(&t.manager, "check_in", without(check_in_input(&c, &v, 20_000), &["fuel_eighths"])).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("fuel.required", Some("fuel_eighths")));
    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, 0);
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 20_000)).await;
    assert_eq!((order["fuel_eighths"].clone(), order["battery_percent"].clone()), (json!(4), Value::Null));
}

#[tokio::test]
async fn a_hybrid_reads_both_the_battery_and_the_fuel() {
    let t = TestStation::new().await;
    let c = customer(&t).await;
    let v = vehicle(&t, &c, json!({"vin": LI_AUTO_VIN, "plate": "京AF12345"})).await;
    assert_eq!(v["energy"], "hybrid");
    let id = v["id"].as_str().unwrap();
    let mut input = without(check_in_input(&c, id, 5_000), &["fuel_eighths"]);
    input["battery_percent"] = json!(30);
    assert_eq!(t.call(&t.manager, "check_in", input.clone()).await.unwrap_err().field.as_deref(), Some("fuel_eighths"));
    input["fuel_eighths"] = json!(6);
    let order = t.ok(&t.manager, "check_in", input).await;
    assert_eq!((order["fuel_eighths"].clone(), order["battery_percent"].clone()), (json!(6), json!(30)));
}

#[tokio::test]
async fn a_byd_without_a_plate_is_asked_at_check_in_and_the_answer_is_kept_on_the_vehicle() {
    let t = TestStation::new().await;
    let c = customer(&t).await;
    let v = vehicle(&t, &c, json!({"vin": BYD_VIN, "make": "比亚迪"})).await;
    assert_eq!(v["energy"], Value::Null, "BYD builds electric and plug-in hybrid cars: the core cannot tell");
    let id = v["id"].as_str().unwrap();
    let mut input = check_in_input(&c, id, 8_000);
    input["battery_percent"] = json!(80);
    let err = t.call(&t.manager, "check_in", input.clone()).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("vehicle.energy_required", Some("energy")));

    input["energy"] = json!("electric");
    let order = t.ok(&t.manager, "check_in", input).await;
    assert_eq!(order["vehicle"]["energy"], "electric");
    let synced: String =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'vehicle' ORDER BY seq DESC LIMIT 1").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&synced).unwrap()["energy"], "electric", "the vehicle's energy goes to the head office");
    let ro: String =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'repair_order' ORDER BY seq DESC LIMIT 1").fetch_one(t.station.pool()).await.unwrap();
    let ro: Value = serde_json::from_str(&ro).unwrap();
    assert_eq!((ro["battery_percent"].clone(), ro["fuel_eighths"].clone()), (json!(80), Value::Null));
}

#[tokio::test]
async fn the_vehicle_forms_energy_wins_over_the_guess_and_the_guess_names_its_source() {
    let t = TestStation::new().await;
    let guess = t.ok(&t.manager, "guess_vehicle_energy", json!({"plate": "粤BD12345"})).await;
    assert_eq!(guess, json!({"energy": "electric", "source": "plate"}));
    let guess = t.ok(&t.manager, "guess_vehicle_energy", json!({"vin": BYD_VIN})).await;
    assert_eq!(guess, json!({"energy": null, "source": null}));

    let c = customer(&t).await;
    let v = vehicle(&t, &c, json!({"plate": "粤BD12345", "energy": "hybrid"})).await;
    assert_eq!(v["energy"], "hybrid", "what the advisor chose is kept");
    let updated = t.ok(&t.manager, "update_vehicle", json!({"id": v["id"], "fields": {"plate": "粤BD12345", "energy": "electric"}})).await;
    assert_eq!(updated["energy"], "electric");
}
