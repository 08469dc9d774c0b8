//! Service requests (服务申请): received, owned by the receiver, answered by a
//! logged contact within 24 h, closed when the car is checked in.

use chrono::Duration;
use serde_json::{json, Value};

use crate::common::aftersales::{code_field, deadlines};
use crate::common::{check_in_input, TestStation, VIN_B};

fn phone_request(customer: &str) -> Value {
    json!({"channel": "phone", "request": "下周二想来做10,000公里保养", "customer_id": customer})
}

async fn step(t: &TestStation, token: &str, page: &Value, step: Value) -> Result<Value, station::ApiError> {
    t.call(token, "service_request_step", json!({"request_id": page["request"]["id"], "expected_version": page["request"]["version"], "step": step})).await
}

#[tokio::test]
async fn a_phone_request_is_the_receivers_to_answer_within_a_day_and_a_note_is_not_an_answer() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let page = t.ok(&crew.advisor, "open_service_request", phone_request(&crew.customer)).await;
    let r = &page["request"];
    assert_eq!((r["status"].as_str(), r["contact_name"].as_str()), (Some("open"), Some("王芳")), "the linked customer's name");
    assert_eq!(r["clock"]["reading"]["budget_secs"], 86_400);
    assert_eq!(r["actions"], json!(["answer", "note", "close"]));

    t.advance(Duration::hours(23) + Duration::minutes(30));
    let advisor = t.login_as("李顾问", "2222").await;
    assert_eq!(deadlines(&t, &advisor).await, (1, 0), "due within the hour on the receiver's top bar");
    let page = t.ok(&advisor, "get_service_request", json!({"id": r["id"]})).await;
    let page = step(&t, &advisor, &page, json!({"kind": "note", "text": "客户电话占线"})).await.unwrap();
    assert_eq!(page["request"]["status"], "open", "a note is not an answer");
    assert_eq!(page["request"]["clock"]["reading"]["state"], "running");

    let page = step(&t, &advisor, &page, json!({"kind": "answer", "mode": "call", "text": "已约周二上午九点"})).await.unwrap();
    let reading = &page["request"]["clock"]["reading"];
    assert_eq!((page["request"]["status"].as_str(), reading["state"].as_str()), (Some("answered"), Some("stopped")));
    assert!(reading["met_at"].is_string() && reading["breached_at"].is_null(), "answered in time: {reading}");
    assert_eq!(deadlines(&t, &advisor).await, (0, 0));
    let kinds: Vec<&str> = page["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["received", "note", "contact_call"]);

    // The car comes in: the request closes with its order, and only with one of this customer's.
    let order = t.ok(&advisor, "check_in", check_in_input(&crew.customer, &crew.vehicle, 10_000)).await;
    let (stranger, their_car) = t.customer_with_vehicle(&advisor, "赵六", "13900002222", "沪B54321", VIN_B).await;
    let theirs = t.ok(&advisor, "check_in", check_in_input(&stranger, &their_car, 20_000)).await;
    let page = t.ok(&advisor, "get_service_request", json!({"id": page["request"]["id"]})).await;
    let offered: Vec<&str> = page["linkable_orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(offered, [order["id"].as_str().unwrap()], "the customer's order checked in for it, not another customer's");
    let e = step(&t, &advisor, &page, json!({"kind": "close", "text": "", "ro_id": theirs["id"]})).await.unwrap_err();
    assert_eq!(code_field(&e), ("service_request.order_not_theirs", Some("step.ro_id")));
    let page = step(&t, &advisor, &page, json!({"kind": "close", "text": "", "ro_id": order["id"]})).await.unwrap();
    assert_eq!((page["request"]["status"].as_str(), page["request"]["ro_number"].clone()), (Some("closed"), order["number"].clone()));
    assert_eq!(page["request"]["actions"], json!([]));
    let open = t.ok(&advisor, "list_service_requests", json!({})).await;
    assert_eq!(open["total"], 0, "closed requests leave the list");
    assert_eq!(t.ok(&advisor, "list_service_requests", json!({"include_closed": true})).await["total"], 1);
}

#[tokio::test]
async fn an_unanswered_request_is_overdue_after_a_day_on_the_list_and_the_top_bar() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    t.ok(&crew.advisor, "open_service_request", phone_request(&crew.customer)).await;
    t.advance(Duration::hours(24) + Duration::minutes(1));
    let advisor = t.login_as("李顾问", "2222").await;
    let list = t.ok(&advisor, "list_service_requests", json!({})).await;
    assert_eq!(list["requests"][0]["clock"]["reading"]["overdue"], true);
    assert_eq!(deadlines(&t, &advisor).await, (0, 1));
}

#[tokio::test]
async fn a_request_made_at_the_desk_is_answered_there_and_then() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let page = t
        .ok(
            &crew.advisor,
            "open_service_request",
            json!({"channel": "walk_in", "request": "空调不制冷", "contact_name": "路过的客人", "contact_phone": "13700001111"}),
        )
        .await;
    assert_eq!(page["request"]["status"], "answered");
    assert!(page["request"]["clock"]["reading"]["met_at"].is_string());
}

#[tokio::test]
async fn a_request_names_the_field_that_is_wrong_and_only_its_owner_or_a_manager_handles_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    for (input, code, field) in [
        (json!({"channel": "phone", "request": " ", "contact_name": "张三"}), "text.required", "request"),
        (json!({"channel": "phone", "request": "x".repeat(10_240), "contact_name": "张三"}), "text.too_long", "request"),
        (json!({"channel": "phone", "request": "保养"}), "service_request.who", "contact_name"),
        (json!({"channel": "phone", "request": "保养", "contact_name": "张三", "preferred_at": "下周二"}), "service_request.preferred_at", "preferred_at"),
    ] {
        let e = t.call(&crew.advisor, "open_service_request", input).await.unwrap_err();
        assert_eq!(code_field(&e), (code, Some(field)));
    }
    assert_eq!(t.ok(&crew.advisor, "list_service_requests", json!({"include_closed": true})).await["total"], 0, "nothing was saved");

    let page = t.ok(&crew.advisor, "open_service_request", phone_request(&crew.customer)).await;
    let other = t.staff("陈顾问", "advisor", "2323").await;
    assert_eq!(t.ok(&other, "get_service_request", json!({"id": page["request"]["id"]})).await["request"]["actions"], json!([]));
    let e = step(&t, &other, &page, json!({"kind": "answer", "mode": "call", "text": "回电"})).await.unwrap_err();
    assert_eq!(e.code, "service_request.not_owner");
    let e = step(&t, &crew.advisor, &page, json!({"kind": "answer", "mode": "call", "text": ""})).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.required", Some("step.text")));
    let answered = step(&t, &crew.manager, &page, json!({"kind": "answer", "mode": "message", "text": "已短信回复"})).await.unwrap();
    assert_eq!(answered["request"]["status"], "answered");
    let e = step(&t, &crew.advisor, &page, json!({"kind": "note", "text": "旧版本"})).await.unwrap_err();
    assert_eq!(e.code, "service_request.version_conflict");
    let e = step(&t, &crew.advisor, &answered, json!({"kind": "close", "text": " "})).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.required", Some("step.text")), "closing without an order says why");
    let outbox: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT entity FROM outbox WHERE entity LIKE 'service_request%' OR entity = 'item_clock' ORDER BY entity")
            .fetch_all(t.station.pool())
            .await
            .unwrap();
    assert_eq!(outbox, ["item_clock", "service_request", "service_request_event"]);
}
