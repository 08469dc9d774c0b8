use reqwest::StatusCode;
use serde_json::json;
use sync_protocol::{framing, limits, ErrorCode};

use crate::common::spawn_app;

async fn nothing_applied(app: &crate::common::TestApp) {
    assert_eq!(app.count("received_changes").await, 0, "nothing of a refused body may be applied");
    assert_eq!(app.count("records").await, 0);
}

#[tokio::test]
async fn a_truncated_gzip_body_is_refused_and_nothing_is_applied() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let changes = (0..200).map(|n| st.change("staff", &format!("s{n}"), json!({"id": format!("s{n}"), "name": "x".repeat(50)}))).collect();
    let body = framing::gzip_json(&st.batch(changes)).unwrap();
    let res = app.push_bytes(&st.token, body[..body.len() / 2].to_vec(), true).await;
    let err = crate::common::expect_error(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(err.code, ErrorCode::PayloadMalformed);
    assert!(err.message.contains("gzip"), "the message should say what is wrong: {}", err.message);
    nothing_applied(&app).await;
}

#[tokio::test]
async fn malformed_json_is_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    for body in [&b"{\"first_seq\": 1, \"changes\": ["[..], b"[]", b"{\"protocol_version\":1,\"schema_version\":1,\"first_seq\":1,\"changes\":[{\"seq\":1}]}"] {
        let res = app.push_bytes(&st.token, framing::gzip(body), true).await;
        let err = crate::common::expect_error(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(err.code, ErrorCode::PayloadMalformed);
        assert!(err.message.contains("JSON"), "{}", err.message);
    }
    nothing_applied(&app).await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused_with_payload_too_large() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    let random: Vec<u8> = (0..limits::MAX_PUSH_COMPRESSED_BYTES + 1024).map(|i| (i * 7919 % 251) as u8).collect();
    let res = app.push_bytes(&st.token, random, true).await;
    assert_eq!(crate::common::expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await.code, ErrorCode::PayloadTooLarge);
    nothing_applied(&app).await;
}

#[tokio::test]
async fn a_gzip_bomb_is_stopped_at_the_decompressed_limit() {
    let app = spawn_app().await;
    let st = app.station("SH01").await;
    let mut json = br#"{"protocol_version":1,"schema_version":3,"first_seq":1,"changes":[],"pad":""#.to_vec();
    json.resize(limits::MAX_PUSH_DECOMPRESSED_BYTES + 1024, b' ');
    let bomb = framing::gzip(&json);
    assert!(bomb.len() < limits::MAX_PUSH_COMPRESSED_BYTES, "the bomb itself is small");
    let res = app.push_bytes(&st.token, bomb, true).await;
    assert_eq!(crate::common::expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await.code, ErrorCode::PayloadTooLarge);
    nothing_applied(&app).await;
}

#[tokio::test]
async fn a_batch_whose_sequence_numbers_are_not_contiguous_is_refused_whole() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let a = st.change("staff", "s1", json!({"id": "s1"}));
    st.next_seq += 1;
    let b = st.change("staff", "s2", json!({"id": "s2"}));
    let err = app.push_err(&st.token, &st.batch(vec![a, b]), StatusCode::BAD_REQUEST).await;
    assert_eq!(err.code, ErrorCode::PayloadMalformed);
    assert!(err.message.contains("contiguous"), "{}", err.message);
    nothing_applied(&app).await;
}
