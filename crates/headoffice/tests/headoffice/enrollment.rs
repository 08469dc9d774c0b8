use reqwest::StatusCode;
use sync_protocol::{EnrollRequest, ErrorCode, PROTOCOL_VERSION};

use crate::common::{expect_error, spawn_app};

fn request(code: &str) -> EnrollRequest {
    EnrollRequest {
        protocol_version: PROTOCOL_VERSION,
        enrollment_code: code.into(),
        station_code: None,
        next_seq: 1,
        local_station_id: Some("local-1".into()),
    }
}

#[tokio::test]
async fn a_station_exchanges_its_one_time_code_for_a_token_that_works() {
    let app = spawn_app().await;
    let code = app.create_station("SH01").await;
    let enrolled = app.enroll(&code).await;
    assert_eq!(enrolled.station_code, "SH01");
    assert_eq!(enrolled.acked_seq, 0);
    let res = app.get(&enrolled.token, "/v1/changes").await;
    assert_eq!(res.status(), StatusCode::OK, "the new token should be accepted");
}

#[tokio::test]
async fn an_enrollment_code_works_only_once() {
    let app = spawn_app().await;
    let code = app.create_station("SH01").await;
    app.enroll(&code).await;
    let err = expect_error(app.enroll_raw(&request(&code)).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(err.code, ErrorCode::EnrollInvalidCode);
}

#[tokio::test]
async fn only_the_hashes_of_codes_and_tokens_are_stored() {
    let app = spawn_app().await;
    let code = app.create_station("SH01").await;
    let token = app.enroll(&code).await.token;
    let dump: String = sqlx::query_scalar(
        "SELECT coalesce(string_agg(encode(code_hash, 'escape'), ','), '') || (SELECT coalesce(string_agg(encode(token_hash, 'escape'), ','), '') FROM station_tokens) FROM enrollment_codes",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!dump.contains(&code) && !dump.contains(&token), "neither the code nor the token should be stored in clear");
    assert!(token.len() >= 40 && code.len() >= 40, "secrets carry at least 128 random bits");
}

#[tokio::test]
async fn an_enrollment_code_naming_another_station_is_refused_and_stays_usable() {
    let app = spawn_app().await;
    let code = app.create_station("SH01").await;
    let mut req = request(&code);
    req.station_code = Some("SH02".into());
    let err = expect_error(app.enroll_raw(&req).await, StatusCode::FORBIDDEN).await;
    assert_eq!(err.code, ErrorCode::StationMismatch);
    app.enroll(&code).await;
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_a_new_enrollment_starts_a_fresh_stream() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let c = st.change("staff", "s1", serde_json::json!({"id": "s1", "name": "Li"}));
    app.push_ok(&st.token, &st.batch(vec![c])).await;
    headoffice::admin::revoke(&app.pool, "SH01").await.unwrap();
    let err = expect_error(app.get(&st.token, "/v1/changes").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(err.code, ErrorCode::AuthRevoked);
    let c = st.change("staff", "s2", serde_json::json!({"id": "s2", "name": "Wang"}));
    let err = app.push_err(&st.token, &st.batch(vec![c]), StatusCode::UNAUTHORIZED).await;
    assert_eq!(err.code, ErrorCode::AuthRevoked);

    // Reinstalled: a new code, a new token, and its outbox starts at 1 again.
    let code = headoffice::admin::new_enrollment_code(&app.pool, "SH01", 1).await.unwrap();
    st.token = app.enroll(&code).await.token;
    st.next_seq = 1;
    let c = st.change("staff", "s3", serde_json::json!({"id": "s3", "name": "Zhao"}));
    let ack = app.push_ok(&st.token, &st.batch(vec![c])).await;
    assert_eq!(ack.acked_seq, 1);
    assert_eq!(app.count("records").await, 2, "both streams' changes are kept");
}
