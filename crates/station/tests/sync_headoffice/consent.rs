//! Consent travels with the customer (issue 12): a withdrawal at one station
//! reaches the head office's record and every station that knows the
//! customer, which adds it to its own consent history and stops marketing.

use super::*;

fn consent_at_station(detail: &Value, purpose: &str) -> bool {
    detail["contact"].as_array().unwrap().iter().find(|r| r["purpose"] == purpose).unwrap()["allowed"].as_bool().unwrap()
}

#[tokio::test]
async fn a_marketing_withdrawal_at_one_station_reaches_the_head_office_and_the_other_station_which_stops_marketing_and_records_it() {
    let ho = HeadOffice::start().await;
    let a = station("SH01").await;
    let b = station("SH02").await;
    ho.enroll(&a, "SH01").await;
    ho.enroll(&b, "SH02").await;
    let fields =
        |marketing: bool| json!({"name": "罗磊", "phones": ["13812340001"], "language": "zh-CN", "consent_data": true, "consent_marketing": marketing});
    let created = a.ok(&a.manager, "create_customer", fields(true)).await;
    let id = created["id"].as_str().unwrap().to_string();
    let version = created["consent_marketing_version"].clone();
    assert!(version.is_string());
    sync_ok(&a).await;
    share_with(&ho, "SH02", "customer", &id).await;
    sync_ok(&b).await;
    let at_b = b.ok(&b.manager, "get_customer", json!({"id": id})).await;
    assert_eq!(at_b["customer"]["consent_marketing_version"], version, "the version agreed to travels with the consent");
    assert!(consent_at_station(&at_b, "marketing"));

    a.ok(&a.manager, "update_customer", json!({"id": id, "fields": fields(false)})).await;
    sync_ok(&a).await;
    let (marketing, at_ho): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT fields->>'consent_marketing', fields->>'consent_marketing_version' FROM shared_records WHERE entity = 'customer' AND entity_id = $1",
    )
    .bind(&id)
    .fetch_one(&ho.pool)
    .await
    .unwrap();
    assert_eq!((marketing.as_deref(), at_ho), (Some("false"), None), "the head office's record shows the withdrawal");

    sync_ok(&b).await;
    let at_b = b.ok(&b.manager, "get_customer", json!({"id": id})).await;
    assert_eq!(at_b["customer"]["consent_marketing"], json!(false));
    assert!(!consent_at_station(&at_b, "marketing"), "no marketing at the other station either");
    assert!(consent_at_station(&at_b, "completion_notice"), "service contact stays allowed");
    let last = at_b["consent_history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].clone(), last["given"].clone(), last["source"].clone(), last["staff_id"].clone()),
        (json!("marketing"), json!(false), json!("head_office"), Value::Null)
    );
    assert_eq!(last["text_version"], version);
    assert_eq!(b.count("SELECT COUNT(*) FROM outbox WHERE entity = 'customer'").await, 0, "applying the pull queued nothing at SH02");
}
