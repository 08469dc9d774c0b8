//! A recall performed at a real station reaches the head office with its
//! sync and counts in the campaign's completion there (the same store query
//! the console's completion page reads), by VIN and by range.

use super::*;
use headoffice::store::recalls::{completion, VinFilter};

#[tokio::test]
async fn a_recall_performed_at_the_station_counts_in_the_head_offices_completion_after_its_sync() {
    let ho = HeadOffice::start().await;
    ho.load_csv("recalls", &format!("campaign_id,title,vins,vin_from,vin_to\nRC-1,安全气囊召回,{VIN_A},11111111111111100,11111111111111199\n")).await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 12_000)).await;
    // A second vehicle inside the range, checked in but not done.
    let (c2, v2) = t.customer_with_vehicle(&t.manager, "李强", "13900001111", "沪B54321", VIN_B).await;
    t.ok(&t.manager, "check_in", check_in_input(&c2, &v2, 8_000)).await;
    let page = t.ok(&t.manager, "perform_recall", json!({"ro_id": order["id"], "expected_version": order["version"], "campaign_id": "RC-1"})).await;
    assert_eq!(page["recalls"][0]["performed"]["ro_number"], order["number"]);
    sync_ok(&t).await;
    assert_eq!(status(&t).await["rejection_count"], 0, "the head office takes the ro_recall record");

    let done = completion(&ho.pool, "RC-1", None, VinFilter::All, "", 0, 10).await.unwrap().unwrap();
    assert_eq!((done.covered, done.done), (2, 1), "the listed VIN, and the range's one vehicle on file");
    let row = done.rows.iter().find(|r| r.vin == VIN_A).unwrap();
    assert_eq!(row.station_code.as_deref(), Some("SH01"));
    assert_eq!(row.ro_number.as_deref(), order["number"].as_str());
    let open = completion(&ho.pool, "RC-1", None, VinFilter::Open, "", 0, 10).await.unwrap().unwrap();
    assert_eq!(open.rows.iter().map(|r| r.vin.as_str()).collect::<Vec<_>>(), [VIN_B]);
}
