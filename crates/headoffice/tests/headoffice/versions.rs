use reqwest::StatusCode;
use sync_protocol::{ErrorCode, PROTOCOL_VERSION_HEADER};

use crate::common::{expect_error, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_old_protocol_version_gets_update_required_with_a_clear_message() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    let res = app.http.get(app.url("/v1/changes")).bearer_auth(&st.token).header(PROTOCOL_VERSION_HEADER, "0").send().await.unwrap();
    let err = expect_error(res, StatusCode::UPGRADE_REQUIRED).await;
    assert_eq!(err.code, ErrorCode::UpdateRequired);
    assert!(err.message.contains("update required"), "{}", err.message);
    let res = app.http.get(app.url("/v1/changes")).bearer_auth(&st.token).send().await.unwrap();
    assert_eq!(expect_error(res, StatusCode::UPGRADE_REQUIRED).await.code, ErrorCode::UpdateRequired, "no version header at all is an old client too");
    let mut old = st.batch(vec![]);
    old.protocol_version = 0;
    assert_eq!(app.push_err(&st.token, &old, StatusCode::UPGRADE_REQUIRED).await.code, ErrorCode::UpdateRequired);
}

#[tokio::test]
async fn a_station_whose_schema_is_too_old_gets_update_required_and_nothing_is_applied() {
    let app = spawn_app_with(|c| c.min_schema_version = 4).await;
    let mut st = app.station("SH01").await;
    let c = st.change("staff", "s1", serde_json::json!({"id": "s1"}));
    let err = app.push_err(&st.token, &st.batch(vec![c]), StatusCode::UPGRADE_REQUIRED).await;
    assert_eq!(err.code, ErrorCode::UpdateRequired);
    assert!(err.message.contains("schema 3"), "{}", err.message);
    assert_eq!(app.count("received_changes").await, 0);
}

#[tokio::test]
async fn a_station_newer_than_the_head_office_is_told_so() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    let res = app.http.get(app.url("/v1/changes")).bearer_auth(&st.token).header(PROTOCOL_VERSION_HEADER, "999").send().await.unwrap();
    assert_eq!(expect_error(res, StatusCode::BAD_REQUEST).await.code, ErrorCode::ProtocolUnsupported);
}
