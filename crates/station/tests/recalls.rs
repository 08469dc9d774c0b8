//! Recall campaigns performed on an order: the order page lists the head
//! office's campaigns for the VIN with what the caller may do, a mark is
//! refused for a campaign that does not cover the VIN and on a delivered
//! order, and a mark writes its `ro_recall` outbox row with the order's.

#![allow(clippy::unwrap_used)]

mod common;

use common::flow::Flow;
use common::{TestStation, VIN_A};
use serde_json::{json, Value};

/// Campaigns as the pull stores them: RC-LIST lists VIN_A, RC-RANGE holds it in
/// a range, RC-OTHER covers other VINs only.
async fn pulled_campaigns(t: &TestStation) {
    let pool = t.station.pool();
    for (id, title) in [("RC-LIST", "安全气囊召回"), ("RC-RANGE", "燃油泵召回"), ("RC-OTHER", "刹车软管召回")] {
        sqlx::query("INSERT INTO ho_recall_campaigns (campaign_id, title, payload, deleted, updated_at) VALUES (?, ?, '{}', 0, '2026-01-01T00:00:00Z')")
            .bind(id)
            .bind(title)
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO ho_recall_vins (vin, campaign_id) VALUES (?, 'RC-LIST'), ('WVWZZZ1KZAW000001', 'RC-OTHER')")
        .bind(VIN_A)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO ho_recall_ranges (campaign_id, vin_from, vin_to) VALUES ('RC-RANGE', '1M8GDM9AXKP000000', '1M8GDM9AXKP099999')")
        .execute(pool)
        .await
        .unwrap();
}

fn recall<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["recalls"].as_array().unwrap().iter().find(|r| r["campaign_id"] == id).unwrap_or_else(|| panic!("{id} on the page: {page}"))
}

#[tokio::test]
async fn an_advisor_marks_a_recall_for_the_vin_and_it_is_written_with_its_outbox_row() {
    let t = TestStation::new().await;
    pulled_campaigns(&t).await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    let ids: Vec<&str> = f.page["recalls"].as_array().unwrap().iter().map(|r| r["campaign_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["RC-LIST", "RC-RANGE"], "the campaigns covering the VIN, by list and by range; not RC-OTHER");
    assert_eq!(recall(&f.page, "RC-LIST")["can_mark"], true);
    assert_eq!(recall(&f.page, "RC-LIST")["performed"], Value::Null);

    let qc_page = t.ok(&crew.qc, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(recall(&qc_page, "RC-LIST")["can_mark"], false, "a QC inspector does not do the work");
    let refused = f.try_step(&crew.qc, "perform_recall", json!({"ro_id": f.ro, "campaign_id": "RC-LIST"})).await.unwrap_err();
    assert_eq!(refused.code, "auth.forbidden");

    f.move_to(&crew.tech, "diagnosing").await;
    let last_seq = t.count("SELECT MAX(seq) FROM outbox").await;
    let job = f.job(0);
    let page = f.step(&crew.advisor, "perform_recall", json!({"ro_id": f.ro, "campaign_id": "RC-LIST", "job_id": job})).await;
    let done = recall(&page, "RC-LIST");
    assert_eq!(done["can_mark"], false, "done once");
    assert_eq!(done["performed"]["ro_number"], page["order"]["number"]);
    assert_eq!(done["performed"]["job_id"], job.as_str());
    assert_eq!(done["performed"]["performed_by_name"], "李顾问");
    assert_eq!(recall(&page, "RC-RANGE")["can_mark"], true, "the other campaign is still open");

    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT entity, payload FROM outbox WHERE seq > ? ORDER BY seq").bind(last_seq).fetch_all(t.station.pool()).await.unwrap();
    let entities: Vec<&str> = rows.iter().map(|(e, _)| e.as_str()).collect();
    assert!(entities.contains(&"ro_recall") && entities.contains(&"repair_order"), "the mark and the order go up together: {entities:?}");
    let payload: Value = serde_json::from_str(&rows.iter().find(|(e, _)| e == "ro_recall").unwrap().1).unwrap();
    assert_eq!((payload["campaign_id"].as_str(), payload["vin"].as_str()), (Some("RC-LIST"), Some(VIN_A)));
    assert_eq!(payload["ro_number"], page["order"]["number"]);
    assert_eq!(sync_protocol::entity::kind_of("ro_recall"), Some(sync_protocol::EntityKind::AppendOnly));

    let again = f.try_step(&crew.tech, "perform_recall", json!({"ro_id": f.ro, "campaign_id": "RC-LIST"})).await.unwrap_err();
    assert_eq!((again.code.as_str(), again.field.as_deref()), ("recall.already_performed", Some("campaign_id")));
    let alerts = t.ok(&crew.advisor, "vehicle_alerts", json!({"vehicle_id": crew.vehicle})).await;
    assert_eq!(alerts["recalls"], json!([{"campaign_id": "RC-RANGE", "title": "燃油泵召回"}]), "check-in no longer flags a recall done here");
}

#[tokio::test]
async fn a_recall_that_does_not_cover_the_vin_is_refused_naming_the_campaign() {
    let t = TestStation::new().await;
    pulled_campaigns(&t).await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    let before = t.outbox_count().await;
    for (campaign, code) in [("RC-OTHER", "recall.not_for_vin"), ("RC-NOPE", "recall.not_for_vin"), (" ", "recall.campaign_required")] {
        let err = f.try_step(&crew.tech, "perform_recall", json!({"ro_id": f.ro, "campaign_id": campaign})).await.unwrap_err();
        assert_eq!((err.code.as_str(), err.field.as_deref()), (code, Some("campaign_id")), "{campaign}");
    }
    let err = f.try_step(&crew.tech, "perform_recall", json!({"ro_id": f.ro, "campaign_id": "RC-LIST", "job_id": "no-such-job"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("recall.job_not_on_order", Some("job_id")));
    assert_eq!(t.outbox_count().await, before, "nothing written");
    assert_eq!(t.count("SELECT COUNT(*) FROM ro_recalls").await, 0);
}

#[tokio::test]
async fn a_delivered_order_cannot_be_marked_and_says_so() {
    let t = TestStation::new().await;
    pulled_campaigns(&t).await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "delivered").await;
    assert_eq!(recall(&f.page, "RC-LIST")["can_mark"], false, "the page offers no mark on a delivered order");
    let before = t.outbox_count().await;
    let err = f.try_step(&crew.manager, "perform_recall", json!({"ro_id": f.ro, "campaign_id": "RC-LIST"})).await.unwrap_err();
    assert_eq!(err.code, "recall.order_not_open");
    assert_eq!(t.outbox_count().await, before);
}
