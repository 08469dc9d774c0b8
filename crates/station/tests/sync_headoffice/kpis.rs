//! The head office's KPI sums from what a real station pushes: an order driven
//! from check-in through the follow-up call, one cancelled, a complaint
//! resolved in time. The head office reads the station's own payloads, so what
//! it counts is what a person counts from the station's screens.

use super::*;
use common::aftersales::{complaint_input, Ticket};
use common::flow::Flow;
use headoffice::store::kpis::{self, Dim, Group};

#[tokio::test]
async fn a_stations_delivered_cancelled_and_complained_about_orders_are_counted_at_the_head_office() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    // The first job is the technician's, with labor of 1.5 h at 200.00; delivered; the customer is reached and scores 5.
    let mut done = Flow::in_status(&t, &crew, "approved").await;
    let job = done.job(0);
    done.step(&crew.advisor, "assign_technician", json!({"job_id": job, "technician_id": crew.tech_id})).await;
    done.drive_to("delivered").await;
    done.follow_up_reached(&crew.advisor).await;
    let mut gone = Flow::check_in(&t, &crew).await;
    gone.drive_to("cancelled").await;
    let mut c = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, "qual.repair.repeat", "normal")).await;
    c.resolve_accepted(&crew.advisor).await;
    sync_ok(&t).await;
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0);

    let station: uuid::Uuid = sqlx::query_scalar("SELECT station_id FROM stations WHERE code = 'SH01'").fetch_one(&ho.pool).await.unwrap();
    let today = Utc::now().date_naive();
    let (from, to) = (today - chrono::Days::new(1), today + chrono::Days::new(1));
    let whole = kpis::kpi_for(&ho.pool, &[station], from, to, Group::Total, &Dim::Station).await.unwrap().remove(0);
    let n = &whole.tally;
    assert_eq!((n.delivered, n.cancelled, n.repeats), (1, 1, 0));
    assert_eq!((n.follow_up_due, n.reached_ever, n.reached_in_time), (1, 1, 1));
    assert_eq!((n.surveys, n.score_sum, n.score_top), (1, 5, 1));
    assert_eq!((n.complaints, n.complaints_decided, n.complaints_in_time), (1, 1, 1));
    assert_eq!((n.billed_milli, n.value_minor), (1500, 30_000), "1.5 h at 200.00");
    let satisfaction = whole.figures.iter().find(|f| f.code == "satisfaction_avg").unwrap();
    assert_eq!(satisfaction.value, Some(5.0));

    let advisor = done.page["order"]["advisor"]["id"].as_str().unwrap().to_string();
    let theirs = kpis::kpi_for(&ho.pool, &[station], from, to, Group::Total, &Dim::Advisor(advisor)).await.unwrap().remove(0);
    assert_eq!((theirs.tally.delivered, theirs.tally.cancelled), (1, 1), "both orders are the advisor's");
    let tech = kpis::kpi_for(&ho.pool, &[station], from, to, Group::Total, &Dim::Technician(crew.tech_id.clone())).await.unwrap().remove(0);
    assert_eq!((tech.tally.delivered, tech.tally.billed_milli), (1, 1500), "the technician's job and its hours");
    let behind = kpis::kpi_orders(&ho.pool, station, from, to, "satisfaction_avg", &Dim::Station).await.unwrap();
    assert_eq!(behind.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [done.ro.as_str()], "the drill-down finds the surveyed order");
}
