use reqwest::StatusCode;
use serde_json::json;
use sync_protocol::ErrorCode;

use crate::common::{customer, spawn_app};

#[tokio::test]
async fn a_station_reads_only_its_own_rows_and_the_shared_records_it_has_access_to() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let mut b = app.station("SH02").await;
    let ca = vec![a.change("repair_order", "ro-a", json!({"id": "ro-a"})), a.change("customer", "c-a", customer("c-a", "Alice", "1"))];
    app.push_ok(&a.token, &a.batch(ca)).await;
    let cb = vec![b.change("repair_order", "ro-b", json!({"id": "ro-b"})), b.change("customer", "c-b", customer("c-b", "Bob", "2"))];
    app.push_ok(&b.token, &b.batch(cb)).await;

    let ids = |feed: Vec<sync_protocol::FeedChange>| {
        let mut v: Vec<String> = feed.into_iter().map(|c| c.entity_id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(app.pull_all(&a.token).await), ["c-a", "ro-a"]);
    assert_eq!(ids(app.pull_all(&b.token).await), ["c-b", "ro-b"]);

    // B writing A's customer by its id is rejected and shows B nothing (shared_access.rs);
    // once a lookup gave B access (the customer came to B's station), B sees it and may write it.
    let touch = b.change_op("customer", "c-a", sync_protocol::Op::Upsert, json!({"id": "c-a", "phone": "9"}), Some(vec!["phone".into()]));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![touch])).await.rejected, 1);
    assert_eq!(ids(app.pull_all(&b.token).await), ["c-b", "ro-b"]);
    app.grant("SH02", "customer", "c-a").await;
    let touch = b.change_op("customer", "c-a", sync_protocol::Op::Upsert, json!({"id": "c-a", "phone": "9"}), Some(vec!["phone".into()]));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![touch])).await.rejected, 0);
    assert_eq!(ids(app.pull_all(&b.token).await), ["c-a", "c-b", "ro-b"]);
}

#[tokio::test]
async fn a_station_cannot_push_as_another_station() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let _b = app.station("SH02").await;
    let c = a.change("repair_order", "ro1", json!({"id": "ro1"}));
    let mut batch = a.batch(vec![c]);
    batch.station_code = Some("SH02".into());
    let err = app.push_err(&a.token, &batch, StatusCode::FORBIDDEN).await;
    assert_eq!(err.code, ErrorCode::StationMismatch);
    batch.station_code = Some("SH01".into());
    app.push_ok(&a.token, &batch).await;
    let owners: Vec<String> = sqlx::query_scalar("SELECT s.code FROM records r JOIN stations s USING (station_id)").fetch_all(&app.pool).await.unwrap();
    assert_eq!(owners, ["SH01"], "the token decides the station, whatever the payload says");
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let res = app.get("hot_not-a-real-token", "/v1/changes").await;
    assert_eq!(crate::common::expect_error(res, StatusCode::UNAUTHORIZED).await.code, ErrorCode::AuthInvalid);
    let res = app.http.get(app.url("/v1/rejections")).header(sync_protocol::PROTOCOL_VERSION_HEADER, "1").send().await.unwrap();
    assert_eq!(crate::common::expect_error(res, StatusCode::UNAUTHORIZED).await.code, ErrorCode::AuthInvalid);
}
