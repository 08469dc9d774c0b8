//! A manager at one station merges two customers (issue 11): the merge goes up
//! in one push, the head office's records follow (the loser's tombstone, the
//! moved order and vehicle, the survivor given to every station that knew the
//! loser), and another station that knew the loser ends up with one customer.

use super::*;

#[tokio::test]
async fn a_merge_at_one_station_reaches_the_head_office_and_the_other_station_that_knew_the_loser_gets_the_survivor() {
    let ho = HeadOffice::start().await;
    let a = station("SH01").await;
    let b = station("SH02").await;
    ho.enroll(&a, "SH01").await;
    ho.enroll(&b, "SH02").await;
    let (survivor, _) = a.customer_with_vehicle(&a.manager, "罗磊", "13812340001", "沪A11111", VIN_B).await;
    let loser = a.ok(&a.manager, "create_customer", json!({"name": "罗磊", "phones": ["13912340002"], "language": "zh-CN"})).await;
    let loser = loser["id"].as_str().unwrap().to_string();
    let car = a.ok(&a.manager, "create_vehicle", json!({"customer_id": loser, "fields": {"plate": "沪A22222", "vin": VIN_A}})).await;
    let car = car["id"].as_str().unwrap().to_string();
    let order = a.ok(&a.manager, "check_in", check_in_input(&loser, &car, 12_000)).await;
    sync_ok(&a).await;
    // SH02 knows the loser and its car (the customer came there too), not the survivor.
    share_with(&ho, "SH02", "customer", &loser).await;
    share_with(&ho, "SH02", "vehicle", &car).await;
    sync_ok(&b).await;
    assert_eq!(b.ok(&b.manager, "search", json!({"q": "罗磊"})).await["hits"][0]["customer"]["id"], loser.as_str());

    a.ok(&a.manager, "merge_customers", json!({"survivor_id": survivor, "loser_id": loser})).await;
    sync_ok(&a).await;
    assert_eq!(status(&a).await["rejections"].as_array().map_or(0, Vec::len), 0, "nothing of the merge was rejected");

    // The head office's records follow.
    let merged_into: Option<String> = sqlx::query_scalar("SELECT fields->>'merged_into' FROM shared_records WHERE entity = 'customer' AND entity_id = $1")
        .bind(&loser)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(merged_into.as_deref(), Some(survivor.as_str()), "the loser is a tombstone at the head office");
    let owner: Option<String> = sqlx::query_scalar("SELECT fields->>'customer_id' FROM shared_records WHERE entity = 'vehicle' AND entity_id = $1")
        .bind(&car)
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(owner.as_deref(), Some(survivor.as_str()), "the car moved");
    let order_customer: Option<String> = sqlx::query_scalar("SELECT payload->'customer'->>'id' FROM records WHERE entity = 'repair_order' AND entity_id = $1")
        .bind(order["id"].as_str().unwrap())
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(order_customer.as_deref(), Some(survivor.as_str()), "the order moved");
    let audited =
        ho.scalar("SELECT count(*) FROM records WHERE entity = 'audit_log' AND payload->>'action' = 'merge' AND payload->>'entity' = 'customer'").await;
    assert_eq!(audited, 1, "the merge is in the head office's audit trail");
    let given = ho
        .scalar(&format!(
            "SELECT count(*) FROM shared_access a JOIN stations s USING (station_id) WHERE s.code = 'SH02' AND a.entity = 'customer' AND a.entity_id = '{survivor}'"
        ))
        .await;
    assert_eq!(given, 1, "the station that knew the loser now knows the survivor");

    // SH02's next pull: one 罗磊, the survivor, with the car.
    sync_ok(&b).await;
    let gone = b.ok(&b.manager, "get_customer", json!({"id": loser})).await;
    assert_eq!(gone["merged_into"]["id"], survivor.as_str(), "the loser's page points at the survivor, which SH02 has: {gone}");
    let hits = b.ok(&b.manager, "search", json!({"q": "罗磊"})).await;
    let found: Vec<&str> = hits["hits"].as_array().unwrap().iter().map(|h| h["customer"]["id"].as_str().unwrap()).collect();
    assert_eq!(found, vec![survivor.as_str()]);
    let page = b.ok(&b.manager, "get_customer", json!({"id": survivor})).await;
    assert!(page["vehicles"].as_array().unwrap().iter().any(|v| v["id"] == car.as_str()), "the car is the survivor's at SH02: {page}");
    assert_eq!(page["customer"]["phones"], json!(["138****0001", "139****0002"]));
    let stored: Vec<String> = sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position")
        .bind(&survivor)
        .fetch_all(b.station.pool())
        .await
        .unwrap();
    assert_eq!(stored, ["13812340001", "13912340002"]);
    assert_eq!(b.count("SELECT COUNT(*) FROM outbox WHERE entity = 'customer'").await, 0, "applying the pull queued nothing at SH02");
}
