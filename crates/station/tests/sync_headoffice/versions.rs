//! Versions between a station and its head office (docs/release.md, "Versions"):
//! the station names its app version on every request and the console's station
//! list shows it; the newest station against a head office of the previous
//! protocol is refused with a message that says which side to update, keeps its
//! changes, and sends them once the head office is updated.

use super::*;
use sync_protocol::PROTOCOL_VERSION;

#[tokio::test]
async fn the_head_office_stores_the_version_a_station_runs_and_the_console_lists_it() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;

    let stored: Option<String> =
        sqlx::query_scalar("SELECT t.app_version FROM station_tokens t JOIN stations s USING (station_id) WHERE s.code = 'SH01' AND t.revoked_at IS NULL")
            .fetch_one(&ho.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some(station::VERSION));

    let http = reqwest::Client::new();
    let cookie = super::categories::console_login(&ho, &http).await;
    let overview: Value = http.get(format!("{}/console/api/stations", ho.url)).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
    let row = overview["stations"].as_array().unwrap().iter().find(|s| s["code"] == "SH01").unwrap();
    assert_eq!(row["app_version"], station::VERSION, "{row}");
    assert_eq!(row["protocol_version"], PROTOCOL_VERSION, "{row}");
    assert_eq!(t.ok(&t.manager, "setup_status", json!({})).await["app_version"], station::VERSION, "Settings shows the same version");
}

#[tokio::test]
async fn the_newest_station_against_a_head_office_of_the_previous_protocol_is_told_to_update_the_head_office_and_resumes_after() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    // The head office of the release before a protocol bump: it knows protocols up to ours minus one.
    ho.faults.speak_protocols_up_to(PROTOCOL_VERSION - 1);
    t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let waiting = status(&t).await["pending_changes"].as_i64().unwrap();
    assert!(waiting >= 2, "the station's set-up, the customer and the vehicle wait");

    let err = sync::sync_once(&t.station).await.unwrap_err();
    assert_eq!(err.code(), "protocol.unsupported", "{err:?}");
    assert!(!err.update_required() && !err.needs_enrollment(), "the station is not the one to update, and its token is good: {err:?}");
    let st = status(&t).await;
    assert_eq!(st["update_required"], false, "{st}");
    assert_eq!(st["last_error"]["code"], "protocol.unsupported");
    let message = st["last_error"]["message"].as_str().unwrap();
    assert!(message.contains("update the head office") && message.contains("keeps working offline"), "{message}");
    assert_eq!(st["pending_changes"], waiting, "nothing was sent or dropped: {st}");
    assert_eq!(ho.scalar("SELECT count(*) FROM received_changes").await, 0);

    // Local work goes on; the head office is updated; the next pass sends everything once.
    t.customer_with_vehicle(&t.manager, "李雷", "13912345678", "沪B54321", VIN_B).await;
    ho.faults.speak_protocols_up_to(PROTOCOL_VERSION);
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
    assert_eq!(status(&t).await["last_error"], Value::Null);
}
