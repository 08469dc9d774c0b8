use reqwest::{Response, StatusCode};
use sha2::{Digest, Sha256};
use sync_protocol::{file_route, ErrorCode, PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER};

use crate::common::{expect_error, spawn_app, TestApp};

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn put(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> Response {
    app.http
        .put(app.url(&file_route(name)))
        .bearer_auth(token)
        .header(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_station_stores_a_files_bytes_once_and_reads_them_back_and_no_other_station_can() {
    let app = spawn_app().await;
    let a = app.station("SH01").await;
    let b = app.station("SH02").await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let name = sha(&bytes);
    for _ in 0..2 {
        assert_eq!(put(&app, &a.token, &name, &bytes).await.status(), StatusCode::OK, "storing it again is a no-op");
    }
    assert_eq!(app.count("file_blobs").await, 1);
    let res = app.get(&a.token, &file_route(&name)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);
    // Another station's token does not reach it.
    let err = expect_error(app.get(&b.token, &file_route(&name)).await, StatusCode::NOT_FOUND).await;
    assert_eq!(err.code, ErrorCode::FileNotFound);
}

#[tokio::test]
async fn bytes_that_do_not_hash_to_the_files_name_and_bad_names_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let a = app.station("SH01").await;
    let err = expect_error(put(&app, &a.token, &sha(b"something else"), b"the bytes").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(err.code, ErrorCode::PayloadMalformed);
    assert!(err.message.contains(&sha(b"the bytes")), "{}", err.message);
    for bad in ["abc", &sha(b"x").to_uppercase(), "../../etc/passwd"] {
        let res = put(&app, &a.token, bad, b"x").await;
        assert!(res.status().is_client_error(), "{bad}: {}", res.status());
    }
    assert_eq!(app.count("file_blobs").await, 0);
    let too_big = vec![0u8; sync_protocol::limits::MAX_FILE_BYTES + 1];
    let err = expect_error(put(&app, &a.token, &sha(&too_big), &too_big).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(err.code, ErrorCode::PayloadTooLarge);
    let res = app.http.put(app.url(&file_route(&sha(b"x")))).header(PROTOCOL_VERSION_HEADER, "1").body(b"x".to_vec()).send().await.unwrap();
    assert_eq!(expect_error(res, StatusCode::UNAUTHORIZED).await.code, ErrorCode::AuthInvalid);
}
