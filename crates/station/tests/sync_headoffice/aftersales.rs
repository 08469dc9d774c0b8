//! After-sales at the head office: what a station did while the head office
//! was down (a follow-up call with its survey, a complaint handled from
//! intake to callback) arrives in one pass, complete and unrejected; and the
//! head office's time limits and complaint categories are put to work at the
//! station.

use super::*;
use common::aftersales::{complaint_input, survey, Ticket};
use common::flow::Flow;

/// A clock row at the station: id, state, met_at, breached_at, stopped_at.
type ClockRow = (String, String, Option<String>, Option<String>, Option<String>);

/// The head office's copy of one record.
async fn record(ho: &HeadOffice, entity: &str, id: &str) -> Value {
    sqlx::query_scalar("SELECT payload FROM records WHERE entity = $1 AND entity_id = $2")
        .bind(entity)
        .bind(id)
        .fetch_optional(&ho.pool)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the head office has no {entity} {id}"))
}

/// How many `entity` records at the head office have `key` = `value` in their payload.
async fn records_with(ho: &HeadOffice, entity: &str, key: &str, value: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM records WHERE entity = $1 AND payload->>$2 = $3")
        .bind(entity)
        .bind(key)
        .bind(value)
        .fetch_one(&ho.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_complaint_handled_while_the_head_office_is_down_arrives_closed_with_its_timeline_compensation_and_clocks() {
    let mut ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    ho.stop().await;

    // The follow-up call reaches the customer, who scores 5.
    let (_f, page) = Flow::delivered(&t, &crew).await;
    t.advance(chrono::Duration::minutes(5));
    let call = t.record_call(&crew.advisor, &page, json!({"outcome": "reached", "survey": survey(5), "note": "客户满意"})).await.unwrap();
    let follow_up_id = call["follow_up"]["id"].as_str().unwrap().to_string();

    // A complaint from intake to the callback.
    let mut c = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, "qual.repair.repeat", "normal")).await;
    t.advance(chrono::Duration::minutes(10));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "已致电客户"})).await;
    c.step(&crew.advisor, json!({"kind": "compensate", "compensation": "voucher", "description": "保养券", "value": 60_000, "manager_pin": "1111"})).await;
    c.resolve_accepted(&crew.advisor).await;
    t.advance(chrono::Duration::minutes(30));
    c.step(&crew.advisor, json!({"kind": "callback", "reached": true, "text": "客户确认已解决"})).await;
    assert_eq!(c.status(), "closed");
    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert!(err.is_retryable(), "the head office is down: {err:?}");

    ho.restart().await;
    sync_ok(&t).await;
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0, "nothing after-sales wrote was rejected");

    let id = c.id();
    let complaint = record(&ho, "complaint", &id).await;
    assert_eq!((complaint["status"].as_str(), complaint["number"].clone()), (Some("closed"), c.page["complaint"]["number"].clone()));
    let events = t.count(&format!("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = '{id}'")).await;
    assert!(events >= 6, "received, contact, compensation, findings, told, resolved, callback: {events}");
    assert_eq!(records_with(&ho, "complaint_event", "complaint_id", &id).await, events, "every event of the timeline");
    let compensation_id = c.page["compensations"][0]["id"].as_str().unwrap();
    let compensation = record(&ho, "complaint_compensation", compensation_id).await;
    assert_eq!((compensation["value_minor"].as_i64(), compensation["approved_by"].clone()), (Some(60_000), json!(t.id_of(&crew.manager).await)));

    // Each clock with the reading the station holds.
    let clocks: Vec<ClockRow> = sqlx::query_as("SELECT id, state, met_at, breached_at, stopped_at FROM item_clocks WHERE item_id = ? ORDER BY clock")
        .bind(&id)
        .fetch_all(t.station.pool())
        .await
        .unwrap();
    assert_eq!(clocks.len(), 3, "first response, resolution, callback");
    for (clock_id, state, met, breached, stopped) in clocks {
        let at_ho = record(&ho, "item_clock", &clock_id).await;
        assert_eq!(at_ho["item_id"], id.as_str());
        assert_eq!((at_ho["state"].as_str(), at_ho["met_at"].clone()), (Some(state.as_str()), json!(met)), "{at_ho}");
        assert_eq!((at_ho["breached_at"].clone(), at_ho["stopped_at"].clone()), (json!(breached), json!(stopped)));
        assert_eq!(state, "stopped", "all three were met: {at_ho}");
    }

    // The follow-up, its call and its survey.
    assert_eq!(record(&ho, "follow_up", &follow_up_id).await["status"], "reached");
    assert_eq!(records_with(&ho, "follow_up_event", "follow_up_id", &follow_up_id).await, 1);
    let survey_id: String = sqlx::query_scalar("SELECT id FROM surveys WHERE follow_up_id = ?").bind(&follow_up_id).fetch_one(t.station.pool()).await.unwrap();
    let answers = record(&ho, "survey", &survey_id).await;
    assert_eq!((answers["overall"].as_i64(), answers["follow_up_id"].as_str()), (Some(5), Some(follow_up_id.as_str())));
}

#[tokio::test]
async fn the_head_offices_follow_up_limit_and_complaint_categories_are_used_at_the_station() {
    let ho = HeadOffice::start().await;
    headoffice::admin::set_setting(&ho.pool, "time_limit.follow_up", r#"{"budget_minutes": 2880, "basis": "wall"}"#).await.unwrap();
    let tree = json!([
        {"id": "ho.delivery", "name_zh": "交车", "name_en": "Delivery"},
        {"id": "ho.delivery.clean", "parent_id": "ho.delivery", "name_zh": "车辆清洁", "name_en": "Cleanliness"},
        {"id": "ho.delivery.clean.interior", "parent_id": "ho.delivery.clean", "name_zh": "车内不洁", "name_en": "Interior not clean"}
    ]);
    headoffice::admin::set_setting(&ho.pool, "complaint_categories", &tree.to_string()).await.unwrap();
    let t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;

    let limits = t.ok(&crew.manager, "get_time_limits", json!({})).await;
    let follow_up = limits["policies"].as_array().unwrap().iter().find(|p| p["kind"] == "follow_up").unwrap().clone();
    assert_eq!(follow_up["policy"], json!({"budget_minutes": 2880, "basis": "wall"}));
    assert_eq!(follow_up["source"], "head_office");
    let (_f, page) = Flow::delivered(&t, &crew).await;
    assert_eq!(page["follow_up"]["clock"]["reading"]["budget_secs"], 2 * 86_400, "a delivery now has two days for its call");

    let categories = t.ok(&crew.advisor, "list_complaint_categories", json!({})).await;
    let leaf = categories["categories"].as_array().unwrap().iter().find(|k| k["id"] == "ho.delivery.clean.interior").expect("the head office's entry").clone();
    assert_eq!((leaf["level"].as_i64(), leaf["source"].as_str(), leaf["active"].as_bool()), (Some(3), Some("head_office"), Some(true)));
    let c = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, "ho.delivery.clean.interior", "normal")).await;
    let path: Vec<&str> = c.page["category"].as_array().unwrap().iter().map(|k| k["name_zh"].as_str().unwrap()).collect();
    assert_eq!(path, ["交车", "车辆清洁", "车内不洁"]);
    // The head office's tree replaces the built-in one: its entries are retired, not offered for new complaints.
    let e = t.call(&crew.advisor, "open_complaint", complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("complaint.category_retired", Some("category_id")), "{e:?}");

    // The station may set the limit again; its own setting goes up like its other records.
    t.ok(&crew.manager, "update_time_limit", json!({"kind": "follow_up", "budget_minutes": 4320, "basis": "wall"})).await;
    sync_ok(&t).await;
    let at_ho = record(&ho, "time_limit_policy", "follow_up").await;
    assert_eq!((at_ho["budget_minutes"].as_i64(), at_ho["source"].as_str()), (Some(4320), Some("station")));
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0);
}
