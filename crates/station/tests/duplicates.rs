//! Duplicates (issue 11): the warnings a save gives before it writes a second
//! copy of a customer, a vehicle or an open order, the manager's merge of two
//! customers, the consents and when they were given, and the last odometer of
//! a vehicle whose order was cancelled.

mod common;

use common::aftersales::{code_field, complaint_input};
use common::flow::Flow;
use common::{check_in_input, TestStation, VIN_A, VIN_B};
use serde_json::{json, Value};
use station::ErrorKind;

fn customer(name: &str, phone: &str) -> Value {
    json!({"name": name, "phones": [phone], "language": "zh-CN"})
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn a_second_customer_with_the_same_phone_is_refused_until_confirmed_and_the_warning_names_the_field_and_the_existing_customer() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let first = t.ok(&advisor, "create_customer", customer("罗磊", "13812345678")).await;

    let mut again = customer("罗磊", "139 0000 0000");
    again["phones"] = json!(["13900000000", "138 1234 5678"]);
    let err = t.call(&advisor, "create_customer", again.clone()).await.unwrap_err();
    assert_eq!((err.kind, code_field(&err)), (ErrorKind::NeedsConfirmation, ("customer.duplicate_phone", Some("phones.1"))), "the matching phone is named");
    assert_eq!(err.params["customer_id"], id(&first), "the existing customer, one click away");
    assert_eq!((err.params["name"].as_str(), err.params["rule"].as_str()), ("罗磊", "same_phone"));
    assert_eq!(err.params["customer_no"], first["customer_no"].as_str().unwrap());
    assert_eq!(t.count("SELECT COUNT(*) FROM customers").await, 1, "nothing was saved");

    again["confirm"] = json!(["customer.duplicate_phone"]);
    let second = t.ok(&advisor, "create_customer", again).await;
    assert_ne!(second["id"], first["id"], "confirmed: a second customer");
}

#[tokio::test]
async fn a_similar_name_with_the_same_phone_tail_warns_on_the_name_and_another_name_does_not() {
    let t = TestStation::new().await;
    let first = t.ok(&t.manager, "create_customer", customer("罗磊", "13812345678")).await;

    let err = t.call(&t.manager, "create_customer", customer("罗 蕾", "13900005678")).await.unwrap_err();
    assert_eq!(code_field(&err), ("customer.similar_name", Some("name")));
    assert_eq!((err.params["rule"].as_str(), err.params["customer_id"].as_str()), ("similar_name", first["id"].as_str().unwrap()));

    t.ok(&t.manager, "create_customer", customer("李娜", "13900005678")).await;
    t.ok(&t.manager, "create_customer", customer("罗磊", "13900001111")).await;
}

#[tokio::test]
async fn editing_a_customer_does_not_warn_about_itself_but_taking_another_customers_phone_does() {
    let t = TestStation::new().await;
    let a = t.ok(&t.manager, "create_customer", customer("王芳", "13812345678")).await;
    let b = t.ok(&t.manager, "create_customer", customer("李娜", "13912345670")).await;
    t.ok(&t.manager, "update_customer", json!({"id": a["id"], "fields": {"name": "王芳", "phones": ["13812345678"], "language": "zh-CN", "notes": "老客户"}}))
        .await;
    let err = t
        .call(&t.manager, "update_customer", json!({"id": b["id"], "fields": {"name": "李娜", "phones": ["13812345678"], "language": "zh-CN"}}))
        .await
        .unwrap_err();
    assert_eq!((code_field(&err), err.params["customer_id"].as_str()), (("customer.duplicate_phone", Some("phones.0")), a["id"].as_str().unwrap()));
}

#[tokio::test]
async fn a_vehicle_with_a_plate_on_file_warns_naming_its_owner_and_the_open_order_while_it_is_in_the_shop() {
    let t = TestStation::new().await;
    let (owner, car) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&owner, &car, 12_000)).await;
    let other = t.ok(&t.manager, "create_customer", customer("李娜", "13912345670")).await;

    let new_car = json!({"customer_id": other["id"], "fields": {"plate": "沪a 12345", "model": "朗逸"}});
    let err = t.call(&t.manager, "create_vehicle", new_car.clone()).await.unwrap_err();
    assert_eq!((err.kind, code_field(&err)), (ErrorKind::NeedsConfirmation, ("vehicle.duplicate_plate", Some("plate"))));
    assert_eq!((err.params["vehicle_id"].as_str(), err.params["customer_id"].as_str()), (car.as_str(), owner.as_str()));
    assert_eq!((err.params["owner"].as_str(), err.params["number"].as_str()), ("王芳", order["number"].as_str().unwrap()), "the car is in the shop");

    let mut confirmed = new_car;
    confirmed["confirm"] = json!(["vehicle.duplicate_plate"]);
    let second = t.ok(&t.manager, "create_vehicle", confirmed).await;
    // Editing the confirmed car without changing its plate does not warn again.
    t.ok(&t.manager, "update_vehicle", json!({"id": second["id"], "fields": {"plate": "沪A12345", "model": "朗逸", "color": "白"}})).await;
}

#[tokio::test]
async fn a_vin_on_file_is_refused_with_the_vehicle_to_use_instead() {
    let t = TestStation::new().await;
    let (owner, car) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let other = t.ok(&t.manager, "create_customer", customer("李娜", "13912345670")).await;
    let input = json!({"customer_id": other["id"], "fields": {"vin": VIN_A, "plate": "沪B99999"}, "confirm": ["vehicle.duplicate_plate"]});
    let err = t.call(&t.manager, "create_vehicle", input).await.unwrap_err();
    assert_eq!((err.kind, code_field(&err)), (ErrorKind::Conflict, ("vin.duplicate", Some("vin"))), "a VIN is unique: no confirming it");
    assert_eq!((err.params["vehicle_id"].as_str(), err.params["customer_id"].as_str()), (car.as_str(), owner.as_str()));
}

#[tokio::test]
async fn find_duplicates_answers_each_rule_before_saving() {
    let t = TestStation::new().await;
    let (owner, car) = t.customer_with_vehicle(&t.manager, "罗磊", "13812345678", "沪A12345", VIN_A).await;
    let rules = |d: &Value| {
        d["matches"].as_array().unwrap().iter().map(|m| (m["rule"].as_str().unwrap().to_string(), m["field"].as_str().unwrap().to_string())).collect::<Vec<_>>()
    };

    let d = t.ok(&t.manager, "find_duplicates", json!({"name": "罗磊", "phones": ["13812345678"]})).await;
    assert_eq!(rules(&d), vec![("same_phone".into(), "phones.0".into())], "one match per customer: the phone");
    assert_eq!(d["matches"][0]["customer"]["id"], owner.as_str());
    let d = t.ok(&t.manager, "find_duplicates", json!({"name": "罗磊", "phones": ["13700005678"]})).await;
    assert_eq!(rules(&d), vec![("similar_name".into(), "name".into())]);
    let d = t.ok(&t.manager, "find_duplicates", json!({"plate": "沪A12345", "vin": VIN_A})).await;
    assert_eq!(rules(&d), vec![("same_vin".into(), "vin".into())], "the same car by VIN and plate is one match");
    assert_eq!(d["matches"][0]["vehicle"]["id"], car.as_str());
    let d = t.ok(&t.manager, "find_duplicates", json!({"plate": "沪A12345", "vehicle_id": car})).await;
    assert_eq!(rules(&d), vec![], "the vehicle being edited is not its own duplicate");
    let d = t.ok(&t.manager, "find_duplicates", json!({"name": "李娜", "phones": ["13900000000"], "plate": "沪B00001"})).await;
    assert_eq!(rules(&d), vec![]);
}

#[tokio::test]
async fn a_second_open_order_for_a_vehicle_is_a_confirmable_warning_naming_the_open_order() {
    let t = TestStation::new().await;
    let advisor = t.staff("李顾问", "advisor", "2222").await;
    let (c, v) = t.customer_with_vehicle(&advisor, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let first = t.ok(&advisor, "check_in", check_in_input(&c, &v, 12_000)).await;

    let mut second = check_in_input(&c, &v, 12_010);
    second["confirm"] = json!([]);
    let err = t.call(&advisor, "check_in", second).await.unwrap_err();
    assert_eq!((err.kind, code_field(&err)), (ErrorKind::NeedsConfirmation, ("check_in.open_order", Some("vehicle_id"))));
    assert_eq!((err.params["number"].as_str(), err.params["ro_id"].as_str()), (first["number"].as_str().unwrap(), first["id"].as_str().unwrap()));
    assert!(err.message.contains(first["number"].as_str().unwrap()), "the message names the open order: {}", err.message);
    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, 1);

    let mut confirmed = check_in_input(&c, &v, 12_010);
    confirmed["confirm"] = json!(["check_in.open_order"]);
    t.ok(&advisor, "check_in", confirmed).await;
    assert_eq!(t.count("SELECT COUNT(*) FROM repair_orders").await, 2);
}

#[tokio::test]
async fn a_vehicle_whose_order_was_cancelled_checks_in_without_a_warning() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    Flow::in_status(&t, &crew, "cancelled").await;
    let mut input = check_in_input(&crew.customer, &crew.vehicle, 10_000);
    input["confirm"] = json!([]);
    t.ok(&crew.advisor, "check_in", input).await;
}

#[tokio::test]
async fn the_odometer_of_a_cancelled_order_does_not_become_the_vehicles_last_odometer() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let last_km = format!("SELECT last_odometer_km FROM vehicles WHERE id = '{}'", crew.vehicle);
    let mut first = Flow::check_in(&t, &crew).await; // 10,000 km
    first.drive_to("delivered").await;
    assert_eq!(t.count(&last_km).await, 10_000);

    // A typo: 100,000 km. The order is cancelled; the last odometer goes back to 10,000.
    let typo = t.ok(&crew.advisor, "check_in", check_in_input(&crew.customer, &crew.vehicle, 100_000)).await;
    assert_eq!(t.count(&last_km).await, 100_000);
    t.ok(&crew.advisor, "move_order", json!({"ro_id": typo["id"], "expected_version": 1, "to": "cancelled", "note": "里程录错"})).await;
    assert_eq!(t.count(&last_km).await, 10_000, "the cancelled order's reading no longer counts");
    let vehicle = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await["vehicles"][0].clone();
    assert_eq!(vehicle["last_odometer_km"], 10_000, "the customer page shows it");
    let synced: Value = serde_json::from_str(
        &sqlx::query_scalar::<_, String>("SELECT payload FROM outbox WHERE entity = 'vehicle' ORDER BY seq DESC LIMIT 1")
            .fetch_one(t.station.pool())
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(synced["last_odometer_km"], 10_000, "and the corrected vehicle syncs");

    // So the next check-in at 10,500 km is not a rollback.
    t.ok(&crew.advisor, "check_in", check_in_input(&crew.customer, &crew.vehicle, 10_500)).await;
}

#[tokio::test]
async fn consents_start_unticked_and_are_stored_with_when_they_were_given_and_withdrawn() {
    let t = TestStation::new().await;
    let c = t.ok(&t.manager, "create_customer", customer("王芳", "13812345678")).await;
    assert_eq!((c["consent_data"].as_bool(), c["consent_marketing"].as_bool()), (Some(false), Some(false)), "nothing is presumed");
    assert_eq!((c["consent_data_at"].clone(), c["consent_marketing_at"].clone()), (Value::Null, Value::Null));

    t.advance(chrono::Duration::hours(1));
    let fields = |data: bool, marketing: bool| json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN", "consent_data": data, "consent_marketing": marketing});
    let c = t.ok(&t.manager, "update_customer", json!({"id": c["id"], "fields": fields(true, false)})).await;
    assert_eq!(c["consent_data_at"], "2026-11-22T03:00:00Z", "given an hour later");
    assert_eq!(c["consent_marketing_at"], Value::Null, "marketing is a separate consent");

    t.advance(chrono::Duration::hours(1));
    let c = t.ok(&t.manager, "update_customer", json!({"id": c["id"], "fields": fields(true, true)})).await;
    assert_eq!(
        (c["consent_data_at"].as_str(), c["consent_marketing_at"].as_str()),
        (Some("2026-11-22T03:00:00Z"), Some("2026-11-22T04:00:00Z")),
        "a consent keeps when it was first given"
    );
    let c = t.ok(&t.manager, "update_customer", json!({"id": c["id"], "fields": fields(true, false)})).await;
    assert_eq!(c["consent_marketing_at"], Value::Null, "withdrawn");

    let synced: Value = serde_json::from_str(
        &sqlx::query_scalar::<_, String>("SELECT payload FROM outbox WHERE entity = 'customer' ORDER BY seq DESC LIMIT 1")
            .fetch_one(t.station.pool())
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!((synced["consent_data_at"].as_str(), synced["consent_marketing"].as_bool()), (Some("2026-11-22T03:00:00Z"), Some(false)), "both sync");

    let created = t.ok(&t.manager, "create_customer", json!({"name": "李娜", "phones": ["13912345670"], "language": "zh-CN", "consent_data": true})).await;
    assert_eq!(created["consent_data_at"], "2026-11-22T04:00:00Z");
}

/// Two customers for one person: 罗磊 (the survivor, with a car) and a second
/// 罗磊 made by mistake with another phone, a car, an order (delivered, with
/// its follow-up done), a complaint and a service request.
struct Pair {
    survivor: String,
    loser: String,
    loser_car: String,
    loser_order: String,
}

async fn pair(t: &TestStation, crew: &common::flow::Crew) -> Pair {
    let (survivor, _) = t.customer_with_vehicle(&crew.advisor, "罗磊", "13812340001", "沪A11111", VIN_B).await;
    let mut loser = customer("罗磊", "13912340002");
    loser["confirm"] = json!(["customer.similar_name"]);
    let loser = id(&t.ok(&crew.advisor, "create_customer", loser).await);
    let loser_car = id(&t.ok(&crew.advisor, "create_vehicle", json!({"customer_id": loser, "fields": {"plate": "沪A22222"}})).await);
    let c2 = common::flow::Crew { customer: loser.clone(), vehicle: loser_car.clone(), ..crew.clone() };
    let mut order = Flow::check_in(t, &c2).await;
    order.drive_to("closed").await;
    t.ok(&crew.advisor, "open_complaint", complaint_input(&loser, "svc.attitude.slow", "normal")).await;
    t.ok(&crew.advisor, "open_service_request", json!({"channel": "phone", "request": "下周保养", "customer_id": loser})).await;
    Pair { survivor, loser, loser_car, loser_order: order.ro }
}

#[tokio::test]
async fn a_manager_merges_two_customers_and_vehicles_orders_complaints_follow_ups_and_requests_move_to_the_survivor() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let p = pair(&t, &crew).await;
    let input = json!({"survivor_id": p.survivor, "loser_id": p.loser});

    let preview = t.ok(&crew.manager, "merge_preview", input.clone()).await;
    assert_eq!(preview["vehicles"][0]["plate"], "沪A22222");
    assert_eq!(preview["orders"].as_array().unwrap().len(), 1);
    assert_eq!((preview["complaints"].as_i64(), preview["follow_ups"].as_i64(), preview["service_requests"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(preview["phones_added"], json!(["139****0002"]), "masked, as every list shows a number");

    let before = t.outbox_count().await;
    let page = t.ok(&crew.manager, "merge_customers", input.clone()).await;
    assert_eq!(page["customer"]["id"], p.survivor.as_str(), "the survivor's page comes back");
    assert_eq!(page["customer"]["phones"], json!(["138****0001", "139****0002"]), "the survivor gains the loser's phone");
    let stored: Vec<String> = sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position")
        .bind(&p.survivor)
        .fetch_all(t.station.pool())
        .await
        .unwrap();
    assert_eq!(stored, ["13812340001", "13912340002"], "whole in the record");
    let plates: Vec<&str> = page["vehicles"].as_array().unwrap().iter().map(|v| v["plate"].as_str().unwrap()).collect();
    assert!(plates.contains(&"沪A22222") && plates.contains(&"沪A11111"), "{plates:?}");
    assert_eq!(page["orders"][0]["id"], p.loser_order.as_str());
    assert_eq!(page["complaints"].as_array().unwrap().len(), 1);
    assert_eq!(page["surveys"].as_array().unwrap().len(), 1, "the survey, through its order");
    for table in ["complaints", "follow_ups", "service_requests", "repair_orders", "vehicles"] {
        let left = t.count(&format!("SELECT COUNT(*) FROM {table} WHERE customer_id = '{}'", p.loser)).await;
        assert_eq!(left, 0, "nothing of the loser's is left in {table}");
    }

    // The loser is a tombstone: not in search, its page points at the survivor.
    let gone = t.ok(&crew.advisor, "get_customer", json!({"id": p.loser})).await;
    assert_eq!((gone["customer"]["merged_into"].as_str(), gone["merged_into"]["id"].as_str()), (Some(p.survivor.as_str()), Some(p.survivor.as_str())));
    assert_eq!(gone["can_merge"], false);
    let hits = t.ok(&crew.advisor, "search", json!({"q": "罗磊"})).await;
    let found: Vec<&str> = hits["hits"].as_array().unwrap().iter().map(|h| h["customer"]["id"].as_str().unwrap()).collect();
    assert_eq!(found, vec![p.survivor.as_str()], "search finds one 罗磊");
    let by_phone = t.ok(&crew.advisor, "search", json!({"q": "13912340002"})).await;
    assert_eq!(by_phone["hits"][0]["customer"]["id"], p.survivor.as_str(), "the loser's phone finds the survivor");
    let err = t.call(&crew.advisor, "update_customer", json!({"id": p.loser, "fields": customer("罗磊", "13912340002")})).await.unwrap_err();
    assert_eq!(err.code, "customer.merged");
    let err = t.call(&crew.manager, "merge_customers", input).await.unwrap_err();
    assert_eq!(code_field(&err), ("merge.already_merged", Some("loser_id")));
    let err = t.call(&crew.advisor, "open_complaint", complaint_input(&p.loser, "svc.attitude.slow", "normal")).await.unwrap_err();
    assert_eq!(
        (code_field(&err), err.params["customer_id"].as_str()),
        (("customer.merged", Some("customer_id")), p.survivor.as_str()),
        "new items go to the survivor"
    );
    let err = t.call(&crew.advisor, "create_vehicle", json!({"customer_id": p.loser, "fields": {"plate": "沪A33333"}})).await.unwrap_err();
    assert_eq!(code_field(&err), ("customer.merged", Some("customer_id")));

    // One transaction: every moved record, both customers and the audit entry are in the outbox.
    let entities: Vec<String> =
        sqlx::query_scalar("SELECT entity FROM outbox WHERE seq > ? ORDER BY seq").bind(before).fetch_all(t.station.pool()).await.unwrap();
    for e in ["vehicle", "repair_order", "complaint", "follow_up", "service_request", "customer", "audit_log"] {
        assert!(entities.iter().any(|x| x == e), "{e} queued for sync: {entities:?}");
    }
    let audit: (String, String, String) = sqlx::query_as("SELECT entity_id, staff_id, after FROM audit_log WHERE entity = 'customer' AND action = 'merge'")
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    let after: Value = serde_json::from_str(&audit.2).unwrap();
    assert_eq!(
        (audit.0.as_str(), after["survivor_id"].as_str(), after["vehicles"][0].as_str()),
        (p.loser.as_str(), Some(p.survivor.as_str()), Some(p.loser_car.as_str()))
    );
}

#[tokio::test]
async fn only_a_manager_may_merge_and_the_customer_page_says_so() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let other = id(&t.ok(&crew.advisor, "create_customer", customer("李娜", "13912345670")).await);
    let page = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(page["can_merge"], false);
    assert_eq!(t.ok(&crew.manager, "get_customer", json!({"id": crew.customer})).await["can_merge"], true);
    let input = json!({"survivor_id": crew.customer, "loser_id": other});
    for op in ["merge_preview", "merge_customers"] {
        assert_eq!(t.call(&crew.advisor, op, input.clone()).await.unwrap_err().code, "auth.forbidden");
    }
    let err = t.call(&crew.manager, "merge_customers", json!({"survivor_id": other, "loser_id": other})).await.unwrap_err();
    assert_eq!(code_field(&err), ("merge.same_customer", Some("loser_id")));
}
