//! Follow-up calls: the task every delivery creates, the call list, each
//! call's outcome, the survey, the complaint a low score opens, giving up,
//! consent, ownership and hand-over; and how the order closes.

use chrono::Duration;
use serde_json::{json, Value};

use crate::common::aftersales::{clock, code_field, deadlines, instant, stamp, survey};
use crate::common::flow::Flow;
use crate::common::{morning, TestStation};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn delivering_an_order_puts_a_follow_up_due_within_three_days_on_its_advisors_call_list() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (f, page) = Flow::delivered(&t, &crew).await;
    let id = page["follow_up"]["id"].as_str().unwrap().to_string();
    let advisor_id = t.id_of(&crew.advisor).await;

    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_eq!(ids(&list, "calls"), [id.as_str()], "the advisor's list: {list}");
    let call = &list["calls"][0];
    assert_eq!(call["owner_id"], advisor_id.as_str(), "the order's advisor owns the call");
    assert_eq!((call["status"].as_str(), call["section"].as_str()), (Some("due"), Some("due")));
    assert_eq!((call["ro_id"].as_str(), call["customer_name"].as_str(), call["attempts"].as_i64()), (Some(f.ro.as_str()), Some("王芳"), Some(0)));
    assert!(call["phone"].is_string(), "the number to call is on the list: {call}");
    let reading = &call["clock"]["reading"];
    assert_eq!(instant(&reading["due_at"]), morning() + Duration::days(3), "due three days after delivery");
    assert_eq!(reading["overdue"], false);
    assert_eq!(call["actions"], json!(["record_call"]));

    // It is the advisor's: the manager finds it only in everyone's list, an advisor cannot ask for everyone's.
    assert_eq!(t.ok(&crew.manager, "call_list", json!({})).await["total"], 0);
    let everyone = t.ok(&crew.manager, "call_list", json!({"everyone": true})).await;
    assert_eq!(ids(&everyone, "calls"), [id.as_str()]);
    assert_eq!(everyone["calls"][0]["actions"], json!(["record_call", "reassign"]));
    let other = t.staff("陈顾问", "advisor", "2323").await;
    let theirs = t.ok(&other, "call_list", json!({"everyone": true})).await;
    assert_eq!((theirs["total"].as_i64(), theirs["everyone"].as_bool()), (Some(0), Some(false)));

    // The top bar: nothing yet, due within the hour half an hour before, overdue a minute after.
    assert_eq!(deadlines(&t, &crew.advisor).await, (0, 0));
    t.advance(Duration::days(3) - Duration::minutes(30));
    let advisor = t.login_as("李顾问", "2222").await;
    assert_eq!(deadlines(&t, &advisor).await, (1, 0), "due within the hour");
    t.advance(Duration::minutes(31));
    let advisor = t.login_as("李顾问", "2222").await;
    assert_eq!(deadlines(&t, &advisor).await, (0, 1), "overdue three days and a minute after delivery");
    let list = t.ok(&advisor, "call_list", json!({})).await;
    assert_eq!(list["calls"][0]["section"], "overdue");
    assert_eq!(list["calls"][0]["clock"]["reading"]["overdue"], true);
    assert_eq!(instant(&list["calls"][0]["clock"]["reading"]["breached_at"]), morning() + Duration::days(3));
}

#[tokio::test]
async fn a_call_with_no_answer_is_retried_two_hours_later_and_counts_an_attempt() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;

    let out = t.record_call(&crew.advisor, &page, json!({"outcome": "no_answer", "note": "无人接听"})).await.unwrap();
    let fu = &out["follow_up"];
    assert_eq!((fu["status"].as_str(), fu["attempts"].as_i64()), (Some("retry"), Some(1)));
    assert_eq!(instant(&fu["next_call_at"]), morning() + Duration::hours(2));
    let event = &out["events"][0];
    assert_eq!((event["kind"].as_str(), event["outcome"].as_str(), event["staff_name"].as_str()), (Some("attempt"), Some("no_answer"), Some("李顾问")));
    assert_eq!(fu["clock"]["reading"]["state"], "running", "not reached: the clock keeps running");
    f.reload().await;
    assert_eq!(f.status(), "delivered", "the order stays open until the follow-up ends");

    t.advance(Duration::hours(2));
    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_eq!((list["calls"][0]["section"].as_str(), list["calls"][0]["attempts"].as_i64()), (Some("retry"), Some(1)));
}

#[tokio::test]
async fn a_call_back_needs_a_time_and_not_one_in_the_past() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_f, page) = Flow::delivered(&t, &crew).await;

    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "call_back"})).await.unwrap_err();
    assert_eq!(code_field(&e), ("follow_up.call_back_at", Some("call_back_at")));
    let past = stamp(morning() - Duration::hours(1));
    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "call_back", "call_back_at": past})).await.unwrap_err();
    assert_eq!(code_field(&e), ("follow_up.call_back_past", Some("call_back_at")));

    // Tomorrow 15:00 in Shanghai: off today's list, on tomorrow's.
    let tomorrow = morning() + Duration::days(1) + Duration::hours(5);
    let out = t.record_call(&crew.advisor, &page, json!({"outcome": "call_back", "call_back_at": stamp(tomorrow)})).await.unwrap();
    assert_eq!((out["follow_up"]["status"].as_str(), out["follow_up"]["attempts"].as_i64()), (Some("retry"), Some(1)));
    assert_eq!(instant(&out["follow_up"]["next_call_at"]), tomorrow);
    assert_eq!(instant(&out["events"][0]["call_back_at"]), tomorrow);
    assert_eq!(t.ok(&crew.advisor, "call_list", json!({})).await["total"], 0, "not today's call");
    t.advance(Duration::days(1));
    let advisor = t.login_as("李顾问", "2222").await;
    let list = t.ok(&advisor, "call_list", json!({})).await;
    assert_eq!((list["total"].as_i64(), list["calls"][0]["section"].as_str()), (Some(1), Some("retry")));
}

#[tokio::test]
async fn a_reached_call_needs_the_survey_with_every_score_from_one_to_five() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_f, page) = Flow::delivered(&t, &crew).await;

    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached"})).await.unwrap_err();
    assert_eq!(code_field(&e), ("survey.required", Some("survey")));
    for (question, score) in [("overall", 0), ("quality", 6), ("timeliness", 0), ("attitude", 6), ("price", -1)] {
        let mut answers = survey(5);
        answers[question] = json!(score);
        let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": answers})).await.unwrap_err();
        let field = format!("survey.{question}");
        assert_eq!(code_field(&e), ("survey.score", Some(field.as_str())), "{question} = {score}");
    }
    let now = t.follow_up(&crew.advisor, page["follow_up"]["id"].as_str().unwrap()).await;
    assert_eq!((now["follow_up"]["attempts"].as_i64(), now["follow_up"]["version"].as_i64()), (Some(0), page["follow_up"]["version"].as_i64()));
    assert_eq!(now["events"], json!([]), "a refused call records nothing");
}

#[tokio::test]
async fn a_score_of_two_without_a_complaint_is_refused_naming_the_complaint_description() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_f, page) = Flow::delivered(&t, &crew).await;
    for overall in [1, 2] {
        let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(overall)})).await.unwrap_err();
        assert_eq!(code_field(&e), ("follow_up.low_score_needs_complaint", Some("complaint.description")), "overall {overall}");
    }
    let blank = json!({"description": "  ", "category_id": "svc.attitude.rude", "severity": "normal"});
    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(2), "complaint": blank})).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.required", Some("complaint.description")));
}

#[tokio::test]
async fn a_complaint_on_a_call_that_reached_nobody_is_refused_as_no_one_was_there_to_raise_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_f, page) = Flow::delivered(&t, &crew).await;
    let complaint = json!({"description": "接待人员态度冷淡", "category_id": "svc.attitude.rude", "severity": "normal"});
    for outcome in ["no_answer", "wrong_number"] {
        let e = t.record_call(&crew.advisor, &page, json!({"outcome": outcome, "complaint": complaint})).await.unwrap_err();
        assert_eq!(code_field(&e), ("follow_up.complaint_not_reached", Some("complaint")), "{outcome}");
    }
    let ledger = t.ok(&crew.advisor, "list_complaints", json!({"include_closed": true})).await;
    assert_eq!(ledger["total"], 0, "no complaint with a first response nobody gave: {ledger}");
}

#[tokio::test]
async fn a_score_of_two_with_the_complaint_opens_it_answered_and_linked_to_the_order_and_closes_the_order() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;
    let complaint = json!({"description": "接待人员态度冷淡", "category_id": "svc.attitude.rude", "severity": "normal"});
    let out = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(2), "complaint": complaint})).await.unwrap();
    assert_eq!(out["follow_up"]["status"], "reached");
    assert_eq!(out["survey"]["overall"], 2);
    let id = out["complaint_id"].as_str().expect("a complaint opened in the same step").to_string();

    let c = t.ok(&crew.advisor, "get_complaint", json!({"id": id})).await;
    let fields = &c["complaint"];
    assert_eq!(
        (fields["ro_id"].as_str(), fields["follow_up_id"].clone(), fields["customer_id"].as_str()),
        (Some(f.ro.as_str()), page["follow_up"]["id"].clone(), Some(crew.customer.as_str()))
    );
    assert_eq!(
        (fields["description"].as_str(), fields["channel"].as_str(), fields["status"].as_str()),
        (Some("接待人员态度冷淡"), Some("phone"), Some("in_progress"))
    );
    assert_eq!(fields["owner_id"], t.id_of(&crew.advisor).await.as_str(), "whoever took the call owns it");
    let first = &clock(&c["clocks"], "first_response")["reading"];
    assert_eq!(first["state"], "stopped", "the call itself was the first response: {first}");
    assert_eq!(instant(&first["met_at"]), morning());
    assert_eq!(c["ro_number"], f.page["order"]["number"]);

    f.reload().await;
    assert_eq!(f.status(), "closed", "reached closes the order");
    assert_eq!(f.page["complaint_ids"], json!([id]), "the order lists its complaint");
}

#[tokio::test]
async fn only_the_follow_up_closes_a_delivered_order_and_reaching_the_customer_does() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;
    let e = f.try_move(&crew.manager, "closed", "").await.unwrap_err();
    assert_eq!(e.code, "transition.closed_by_follow_up");
    assert!(!f.page["next"].as_array().unwrap().contains(&json!("closed")), "closing is not offered: {}", f.page["next"]);

    let out = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(4), "note": "客户满意"})).await.unwrap();
    assert_eq!((out["follow_up"]["status"].as_str(), out["follow_up"]["actions"].clone()), (Some("reached"), json!([])));
    let reading = &out["follow_up"]["clock"]["reading"];
    assert_eq!((reading["state"].as_str(), instant(&reading["met_at"])), (Some("stopped"), morning()));
    f.reload().await;
    assert_eq!(f.status(), "closed");
    assert_eq!(f.page["events"].as_array().unwrap().last().unwrap()["note"], "follow-up done");

    let e = t.record_call(&crew.advisor, &out, json!({"outcome": "no_answer"})).await.unwrap_err();
    assert_eq!(e.code, "follow_up.ended", "an ended follow-up takes no more calls");
}

#[tokio::test]
async fn an_unreached_follow_up_ends_as_unreachable_after_fifteen_days_without_anyone_opening_the_list_and_closes_its_order() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (f, page) = Flow::delivered(&t, &crew).await;
    let id = page["follow_up"]["id"].as_str().unwrap().to_string();
    t.record_call(&crew.advisor, &page, json!({"outcome": "no_answer"})).await.unwrap();

    t.advance(Duration::days(15) - Duration::minutes(1));
    let advisor = t.login_as("李顾问", "2222").await;
    let list = t.ok(&advisor, "call_list", json!({})).await;
    assert_eq!(ids(&list, "calls"), [id.as_str()], "still called a minute before the give-up day");
    assert_eq!(list["calls"][0]["section"], "overdue");

    assert_eq!(deadlines(&t, &advisor).await, (0, 1), "overdue on the top bar until the give-up day");

    t.advance(Duration::minutes(2));
    let advisor = t.login_as("李顾问", "2222").await;
    // The top bar asks every minute: that is enough to give up on it, nobody has to open the list.
    assert_eq!(deadlines(&t, &advisor).await, (0, 0), "no longer overdue once it has ended");
    assert_eq!(t.follow_up(&advisor, &id).await["follow_up"]["status"], "unreachable");
    assert_eq!(t.ok(&advisor, "call_list", json!({})).await["total"], 0);
    let ended = t.follow_up(&advisor, &id).await;
    assert_eq!(ended["follow_up"]["status"], "unreachable");
    assert!(ended["follow_up"]["ended_at"].is_string());
    assert_eq!(ended["events"].as_array().unwrap().last().unwrap()["kind"], "gave_up");
    assert_eq!(ended["follow_up"]["clock"]["reading"]["state"], "stopped");
    let order = t.ok(&advisor, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(order["order"]["status"], "closed", "however the follow-up ends, the order closes");
}

#[tokio::test]
async fn a_customer_who_refused_follow_up_calls_is_not_called_and_the_list_says_why() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let fields = json!({"name": "王芳", "phones": ["13812345678"], "language": "zh-CN", "consent_follow_up": false});
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await;
    let mut f = Flow::in_status(&t, &crew, "ready_for_pickup").await;
    f.pay_and_deliver(&crew.advisor).await.unwrap();
    assert_eq!(f.status(), "closed", "the follow-up ended at once, so delivering closes the order instead of leaving it for a call nobody makes");
    let page = t.follow_up(&crew.advisor, f.page["follow_up_id"].as_str().unwrap()).await;
    let fu = &page["follow_up"];
    assert_eq!((fu["status"].as_str(), fu["actions"].clone(), fu["clock"].clone()), (Some("no_consent"), json!([]), Value::Null));

    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_eq!(list["total"], 0, "nobody calls: {list}");
    let skipped = &list["not_called"][0];
    assert_eq!((skipped["follow_up"]["id"].clone(), skipped["reason"].as_str()), (fu["id"].clone(), Some("no_consent")));
    let e = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(5)})).await.unwrap_err();
    assert_eq!(e.code, "follow_up.ended");
    assert_eq!(deadlines(&t, &crew.advisor).await, (0, 0), "no clock counts down");
    let path: Vec<&str> = f.page["events"].as_array().unwrap().iter().rev().take(2).map(|e| e["to_status"].as_str().unwrap()).collect();
    assert_eq!(path, ["closed", "delivered"]);
}

#[tokio::test]
async fn another_advisor_cannot_record_the_call_a_manager_can_and_a_technician_cannot() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (mut f, page) = Flow::delivered(&t, &crew).await;
    let other = t.staff("陈顾问", "advisor", "2323").await;
    let theirs = t.follow_up(&other, page["follow_up"]["id"].as_str().unwrap()).await;
    assert_eq!(theirs["follow_up"]["actions"], json!([]), "nothing offered to someone else's call");
    let e = t.record_call(&other, &page, json!({"outcome": "no_answer"})).await.unwrap_err();
    assert_eq!(e.code, "follow_up.not_owner");
    let e = t.record_call(&crew.tech, &page, json!({"outcome": "no_answer"})).await.unwrap_err();
    assert_eq!(e.code, "auth.forbidden");

    let out = t.record_call(&crew.manager, &page, json!({"outcome": "reached", "survey": survey(5)})).await.unwrap();
    assert_eq!(out["events"][0]["staff_name"], "王经理");
    f.reload().await;
    assert_eq!(f.status(), "closed");
}

#[tokio::test]
async fn only_a_manager_hands_a_call_over_with_a_reason_and_the_new_owner_answers_for_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_f, page) = Flow::delivered(&t, &crew).await;
    let id = page["follow_up"]["id"].as_str().unwrap().to_string();
    let (other, other_id) = t.staff_with_id("陈顾问", "advisor", "2323").await;
    let hand_over = |to: &str, reason: &str| json!({"follow_up_id": id, "expected_version": page["follow_up"]["version"], "to_staff_id": to, "reason": reason});

    let e = t.call(&crew.advisor, "reassign_follow_up", hand_over(&other_id, "休假")).await.unwrap_err();
    assert_eq!(e.code, "auth.forbidden");
    let e = t.call(&crew.manager, "reassign_follow_up", hand_over(&other_id, " ")).await.unwrap_err();
    assert_eq!(code_field(&e), ("text.required", Some("reason")));
    let e = t.call(&crew.manager, "reassign_follow_up", hand_over(&crew.tech_id, "技师熟悉情况")).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to_staff_id"), "calls go to desk staff: {e:?}");

    let out = t.ok(&crew.manager, "reassign_follow_up", hand_over(&other_id, "李顾问休假")).await;
    assert_eq!(out["follow_up"]["owner_id"], other_id.as_str());
    let event = &out["events"][0];
    assert_eq!((event["kind"].as_str(), event["note"].as_str(), event["to_staff_name"].as_str()), (Some("reassigned"), Some("李顾问休假"), Some("陈顾问")));
    assert_eq!(ids(&t.ok(&other, "call_list", json!({})).await, "calls"), [id.as_str()]);
    assert_eq!(t.ok(&crew.advisor, "call_list", json!({})).await["total"], 0);
    // The clock's new owner goes up to the head office too.
    let queued: String = sqlx::query_scalar(
        "SELECT json_extract(o.payload, '$.owner_id') FROM outbox o JOIN item_clocks c ON c.id = o.entity_id WHERE o.entity = 'item_clock' AND c.item_id = ? ORDER BY o.seq DESC LIMIT 1",
    )
    .bind(&id)
    .fetch_one(t.station.pool())
    .await
    .unwrap();
    assert_eq!(queued, other_id);

    t.advance(Duration::days(3) + Duration::minutes(1));
    let (advisor, other) = (t.login_as("李顾问", "2222").await, t.login_as("陈顾问", "2323").await);
    assert_eq!(deadlines(&t, &other).await, (0, 1), "overdue on the new owner's bar");
    assert_eq!(deadlines(&t, &advisor).await, (0, 0), "and no longer on the old one's");
    let page = t.follow_up(&other, &id).await;
    assert_eq!(t.record_call(&advisor, &page, json!({"outcome": "no_answer"})).await.unwrap_err().code, "follow_up.not_owner");
    t.record_call(&other, &page, json!({"outcome": "no_answer"})).await.unwrap();
}
