//! Customers and vehicles: validation that names the field, confirmable
//! warnings, plate history, and search by any fragment.

mod common;

use common::{TestStation, VIN_A, VIN_B};
use serde_json::json;

#[tokio::test]
async fn customer_numbers_follow_the_station_archive_numbering() {
    let t = TestStation::new().await;
    let a = t.ok(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["138 1234 5678"], "language": "zh-CN"})).await;
    let b = t.ok(&t.manager, "create_customer", json!({"name": "John Smith", "phones": ["+44 20 7946 0958"], "language": "en"})).await;
    assert_eq!(a["customer_no"], "SH01-000001");
    assert_eq!(b["customer_no"], "SH01-000002");
    assert_eq!(a["phones"][0], "138****5678", "the answer shows the number masked");
    let stored: String =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ?").bind(a["id"].as_str()).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(stored, "13812345678", "phones are stored normalised");
}

#[tokio::test]
async fn an_invalid_vin_is_refused_naming_the_vin_field_and_nothing_is_saved() {
    let t = TestStation::new().await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
    for (vin, code) in [("1M8GDM9AXKP04278", "vin.length"), ("1M8GDM9AXKPO42788", "vin.characters"), ("<script>alert(1)</script>", "vin.characters")] {
        let err = t.call(&t.manager, "create_vehicle", json!({"customer_id": c["id"], "fields": {"vin": vin, "plate": "沪A12345"}})).await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), (code, Some("vin")), "for {vin:?}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM vehicles").await, 0);
}

#[tokio::test]
async fn a_vin_with_a_wrong_check_digit_saves_only_once_confirmed() {
    let t = TestStation::new().await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "Anna Müller", "phones": ["+4915123456789"], "language": "en"})).await;
    let european = "WVWZZZ1KZ6W000001"; // Position 9 is Z: European VINs don't use the check digit.
    let input = json!({"customer_id": c["id"], "fields": {"vin": european}});
    let err = t.call(&t.manager, "create_vehicle", input.clone()).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("vin.check_digit", Some("vin")));
    assert_eq!(serde_json::to_value(err.kind).unwrap(), "needs_confirmation");
    assert_eq!((err.params["expected"].as_str(), err.params["found"].as_str()), ("1", "Z"), "the message's specifics travel as params");
    let mut confirmed = input;
    confirmed["confirm"] = json!(["vin.check_digit"]);
    let v = t.ok(&t.manager, "create_vehicle", confirmed).await;
    assert_eq!(v["vin"], european);
    assert_eq!(v["make"], "大众", "the make comes from the WMI when left empty");
}

#[tokio::test]
async fn an_unusual_plate_is_a_confirmable_warning_not_a_block() {
    let t = TestStation::new().await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN"})).await;
    let input = json!({"customer_id": c["id"], "fields": {"plate": "ABC 123"}});
    let err = t.call(&t.manager, "create_vehicle", input.clone()).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("plate.unknown_format", Some("plate")));
    let mut confirmed = input;
    confirmed["confirm"] = json!(["plate.unknown_format"]);
    assert_eq!(t.ok(&t.manager, "create_vehicle", confirmed).await["plate"], "ABC123");
}

#[tokio::test]
async fn a_vin_already_on_another_vehicle_is_refused() {
    let t = TestStation::new().await;
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let c = t.ok(&t.manager, "create_customer", json!({"name": "李娜", "phones": ["13912345678"], "language": "zh-CN"})).await;
    let err = t.call(&t.manager, "create_vehicle", json!({"customer_id": c["id"], "fields": {"vin": VIN_A}})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("vin.duplicate", Some("vin")));
}

#[tokio::test]
async fn a_replated_vehicle_keeps_its_plate_history_and_is_found_by_the_old_plate() {
    let t = TestStation::new().await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    t.advance(chrono::Duration::minutes(5));
    let updated = t.ok(&t.manager, "update_vehicle", json!({"id": v, "fields": {"plate": "粤B12345D", "vin": VIN_A}})).await;
    assert_eq!(updated["plate"], "粤B12345D");
    let history: Vec<&str> = updated["plate_history"].as_array().unwrap().iter().map(|p| p["plate"].as_str().unwrap()).collect();
    assert_eq!(history, ["粤B12345D", "沪A12345"]);
    let hits = t.ok(&t.manager, "search", json!({"q": "沪A12345"})).await;
    assert_eq!(hits["hits"][0]["customer"]["id"], c.as_str());
    assert_eq!(hits["hits"][0]["exact"], true);
}

#[tokio::test]
async fn search_finds_customers_by_any_fragment_with_exact_plate_and_vin_matches_first() {
    let t = TestStation::new().await;
    let (wang, _) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let (li, _) = t.customer_with_vehicle(&t.manager, "李王明", "13912340000", "沪A12346", VIN_B).await;
    let first = |q: &'static str| {
        let t = &t;
        async move {
            let hits = t.ok(&t.manager, "search", json!({"q": q})).await;
            hits["hits"].as_array().unwrap().iter().map(|h| h["customer"]["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert!(first("王").await.contains(&wang) && first("王").await.contains(&li), "one character finds every name containing it");
    assert_eq!(first("王芳").await, vec![wang.clone()]);
    assert_eq!(first("沪A12346").await[0], li, "the exact plate ranks first");
    assert_eq!(first("沪a 12346").await[0], li, "plates match however they are typed");
    assert_eq!(first(VIN_A).await[0], wang, "the exact VIN ranks first");
    assert_eq!(first("042788").await, vec![wang.clone()], "a VIN fragment");
    assert_eq!(first("5678").await, vec![wang.clone()], "the last digits of a phone");
    assert_eq!(first("1234").await.len(), 2, "a fragment both share");
    assert!(first("沪A").await.len() == 2, "a plate prefix");
    assert!(first("' OR 1=1 --").await.is_empty(), "SQL in the box is just text");
    assert!(first("\"").await.is_empty());
}

#[tokio::test]
async fn a_customer_needs_a_name_and_a_valid_phone_each_error_naming_its_field() {
    let t = TestStation::new().await;
    let cases = [
        (json!({"name": "", "phones": ["13812345678"], "language": "zh-CN"}), "name"),
        (json!({"name": "王芳", "phones": [], "language": "zh-CN"}), "phones.0"),
        (json!({"name": "王芳", "phones": ["13812345678", "abc"], "language": "zh-CN"}), "phones.1"),
        (json!({"name": "王芳", "phones": ["13812345678"], "email": "not-an-email", "language": "zh-CN"}), "email"),
        (json!({"name": "王芳", "phones": ["13812345678"], "language": "fr"}), "language"),
        (json!({"name": "x".repeat(10_000), "phones": ["13812345678"], "language": "zh-CN"}), "name"),
    ];
    for (input, field) in cases {
        let err = t.call(&t.manager, "create_customer", input).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some(field), "{err:?}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM customers").await, 0);
}

#[tokio::test]
async fn operations_other_than_setup_and_login_need_a_session() {
    let t = TestStation::new().await;
    let err = t.station.dispatch("search", None, json!({"q": "王"})).await.unwrap_err();
    assert_eq!(err.code, "auth.unauthenticated");
    let err = t.station.dispatch("search", Some("forged-token"), json!({"q": "王"})).await.unwrap_err();
    assert_eq!(err.code, "auth.unauthenticated");
    t.ok(&t.manager, "logout", json!({})).await;
    assert_eq!(t.call(&t.manager, "me", json!({})).await.unwrap_err().code, "auth.unauthenticated", "logout ends the session");
}

#[tokio::test]
async fn a_wrong_pin_is_refused_naming_the_pin_field() {
    let t = TestStation::new().await;
    let status = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    let err = t.station.dispatch("login", None, json!({"staff_id": status["staff"][0]["id"], "pin": "0000"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("auth.bad_pin", Some("pin")));
}

#[tokio::test]
async fn five_wrong_pins_lock_the_staff_member_out_even_with_the_right_pin_until_the_lock_ends_or_a_manager_sets_a_new_pin() {
    let t = TestStation::new().await;
    let advisor = t.ok(&t.manager, "create_staff", json!({"name": "李顾问", "role": "advisor", "pin": "2222"})).await;
    let login = |pin: &str| t.station.dispatch("login", None, json!({"staff_id": advisor["id"], "pin": pin}));
    for _ in 0..4 {
        assert_eq!(login("0000").await.unwrap_err().code, "auth.bad_pin", "slips are forgiven");
    }
    let err = login("0000").await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("auth.locked", Some("pin")), "the fifth wrong PIN locks");
    assert_eq!(err.params.get("minutes").map(String::as_str), Some("5"));
    assert_eq!(login("2222").await.unwrap_err().code, "auth.locked", "while locked, even the right PIN is refused");
    assert_eq!(t.count("SELECT COUNT(*) FROM sessions WHERE staff_id = (SELECT id FROM staff WHERE name = '李顾问')").await, 0);

    // The lock ends; another wrong PIN locks again, twice as long.
    t.advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    let err = login("1234").await.unwrap_err();
    assert_eq!((err.code.as_str(), err.params.get("minutes").map(String::as_str)), ("auth.locked", Some("10")));

    // A manager sets a new PIN: the lock is gone and the new PIN works.
    t.ok(&t.manager, "update_staff", json!({"id": advisor["id"], "name": "李顾问", "role": "advisor", "active": true, "pin": "2468"})).await;
    assert!(login("2468").await.is_ok());

    // A correct PIN clears the count: four more slips are forgiven again.
    for _ in 0..4 {
        assert_eq!(login("0000").await.unwrap_err().code, "auth.bad_pin");
    }
    assert!(login("2468").await.is_ok());
    assert_eq!(login("0000").await.unwrap_err().code, "auth.bad_pin");
}

#[tokio::test]
async fn setup_happens_once() {
    let t = TestStation::new().await;
    let again = json!({"station_code": "SH02", "station_name": "x", "manager_name": "y", "manager_pin": "1234"});
    assert_eq!(t.station.dispatch("first_run_setup", None, again).await.unwrap_err().code, "station.already_set_up");
}

#[tokio::test]
async fn demo_data_fills_a_fresh_station_with_searchable_customers_and_open_orders() {
    let dir = tempfile::tempdir().unwrap();
    let station = station::Station::open(dir.path()).await.unwrap();
    let loaded = station.dispatch("load_demo_data", None, json!({})).await.expect("demo data");
    assert_eq!(loaded["customers"], 300);
    let status = station.dispatch("setup_status", None, json!({})).await.unwrap();
    let advisor = status["staff"].as_array().unwrap().iter().find(|s| s["name"] == "李顾问").unwrap();
    let session = station.dispatch("login", None, json!({"staff_id": advisor["id"], "pin": "2222"})).await.expect("demo PIN from the README");
    let token = session["token"].as_str().unwrap();
    let board = station.dispatch("board", Some(token), json!({})).await.unwrap();
    let cards = board["cards"].as_array().unwrap();
    assert!(cards.len() >= 10, "open orders on the board");
    assert_eq!(loaded["orders"], 14);
    assert!(cards.iter().any(|c| c["overdue"] == true) && cards.iter().any(|c| c["overdue"] == false), "some are overdue, some not");
    let mut statuses: Vec<&str> = cards.iter().map(|c| c["status"].as_str().unwrap()).collect();
    statuses.sort();
    statuses.dedup();
    for expected in ["checked_in", "diagnosing", "estimate_ready", "approved", "in_repair", "waiting_parts", "quality_check", "ready_for_pickup"] {
        assert!(statuses.contains(&expected), "a demo order is {expected}: {statuses:?}");
    }
    let parts = station.dispatch("list_parts", Some(token), json!({})).await.unwrap();
    assert!(parts["parts"].as_array().unwrap().len() >= 8, "demo parts are in stock");
    let labor = station.dispatch("list_labor_operations", Some(token), json!({})).await.unwrap();
    assert!(!labor["operations"].as_array().unwrap().is_empty(), "a demo labor catalog: {labor}");
    assert!(!station.dispatch("search", Some(token), json!({"q": "王"})).await.unwrap()["hits"].as_array().unwrap().is_empty());
    assert_eq!(station.dispatch("load_demo_data", None, json!({})).await.unwrap_err().code, "station.already_set_up");
}
