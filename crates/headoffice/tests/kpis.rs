//! The head office's KPI sums against the `kpi` crate itself: hand-made
//! records are pushed as a station sends them, and the same records, built
//! here straight from the test's own model, are counted in memory with
//! `kpi::Book`. The sums PostgreSQL keeps must give the same tallies and
//! figures, also after an order changes, a batch is resent, a deadline turns
//! late with no write, or the station's rules change.
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use chrono::NaiveDate;
use common::records::{at, day, met, order, running, setup, shanghai, Complaint, Deadline, Order, Station, Stretch};
use common::{batch, serve, spawn_app, spawn_app_with, StationSim, TestApp};
use headoffice::store::kpis::{self, Group, KpiError};
use kpi::{figures, Book, Dim, Rules};
use serde_json::json;
use std::time::{Duration, Instant};
use sync_protocol::{Change, Op};
use uuid::Uuid;

/// The week of 2 March 2026 at a station in Shanghai: every kind of order and complaint the definitions tell apart.
fn a_week() -> Station {
    let orders = vec![
        // On time, reached on day 2, top score, two technicians, one declined job, a discount.
        Order { discount: 5_000, follow_up: Some(("reached", Some(at("2026-03-04T03:00:00Z")))), survey: Some(5), ..order("o1", "a1", "2026-03-02T01:00:00Z") }
            .delivered(Some("2026-03-02T10:00:00Z"), "2026-03-02T08:00:00Z")
            .job("t1", "approved", 1500, 5000)
            .job("t2", "approved", 800, 2400)
            .job("t2", "declined", 2000, 0),
        // Late; reached on day 4; a low score; waited for parts.
        Order {
            waited_for_parts: true,
            follow_up: Some(("reached", Some(at("2026-03-07T09:00:00Z")))),
            survey: Some(3),
            ..order("o2", "a1", "2026-03-02T02:00:00Z")
        }
        .delivered(Some("2026-03-03T02:00:00Z"), "2026-03-04T06:00:00Z")
        .job("t1", "approved", 3000, 12000),
        // No promised time; delivered at 01:30 local on the 5th (17:30 UTC on the 4th); the customer refused follow-up.
        Order { follow_up: Some(("no_consent", None)), ..order("o3", "a2", "2026-03-03T01:00:00Z") }
            .delivered(None, "2026-03-04T17:30:00Z")
            .job("t2", "approved", 500, 1500),
        // A repeat within the window (checked in 10 days after the earlier delivery).
        Order {
            repeat_of_delivered_at: Some(at("2026-02-21T02:00:00Z")),
            follow_up: Some(("unreachable", Some(at("2026-03-10T02:00:00Z")))),
            ..order("o4", "a2", "2026-03-03T02:00:00Z")
        }
        .delivered(Some("2026-03-05T10:00:00Z"), "2026-03-05T09:00:00Z")
        .job("t1", "approved", 1000, 4000),
        // Just outside the window: 30 days and a minute after the earlier delivery.
        Order { repeat_of_delivered_at: Some(at("2026-02-02T01:59:00Z")), ..order("o5", "a1", "2026-03-04T02:00:00Z") }
            .delivered(Some("2026-03-06T10:00:00Z"), "2026-03-06T02:00:00Z"),
        // Cancelled: counted on its check-in day, nowhere else.
        Order { status: "cancelled", ..order("o6", "a2", "2026-03-05T03:00:00Z") },
        // Still in the workshop, a clock still running: adds nothing yet.
        Order {
            stretches: vec![Stretch { id: "o7-c".into(), job: "o7-j".into(), technician: "t1".into(), seconds: None }],
            ..order("o7", "a1", "2026-03-06T03:00:00Z")
        },
    ];
    let complaints = vec![
        Complaint::new("k1", "2026-03-02T05:00:00Z", met("k1-res", "complaint", "k1", "resolution", "complaint_resolution", "2026-03-03T05:00:00Z")),
        Complaint::new(
            "k2",
            "2026-03-03T05:00:00Z",
            Deadline {
                breached_at: Some(at("2026-03-06T05:00:00Z")),
                met_at: None,
                ..met("k2-res", "complaint", "k2", "resolution", "complaint_resolution", "2026-03-06T05:00:00Z")
            },
        ),
        Complaint {
            repeat_of: Some("k1".into()),
            ..Complaint::new("k3", "2026-03-05T05:00:00Z", running("k3-res", "complaint", "k3", "resolution", "complaint_resolution", "2026-03-20T05:00:00Z"))
        },
    ];
    let deadlines = vec![
        met("o1-ia", "repair_order", "o1", "initial_assessment", "initial_assessment", "2026-03-02T01:20:00Z"),
        Deadline {
            breached_at: Some(at("2026-03-02T03:00:00Z")),
            met_at: None,
            ..met("o2-ia", "repair_order", "o2", "initial_assessment", "initial_assessment", "2026-03-02T03:00:00Z")
        },
        running("o3-fu", "follow_up", "o3-fu", "follow_up", "follow_up", "2026-03-08T10:00:00Z"),
        met("k1-fr", "complaint", "k1", "first_response", "complaint_first_response", "2026-03-02T06:00:00Z"),
    ];
    Station { orders, complaints, deadlines, rules: shanghai(30) }
}

async fn station_id(app: &TestApp, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(&app.pool).await.unwrap()
}

/// When the records are pushed and the in-memory book is counted.
const NOW: &str = "2026-03-10T00:00:00Z";

/// A head office whose clock reads `NOW`.
async fn head_office() -> TestApp {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    app
}

/// Station `code` enrolls and pushes its setup and `records` in batches of `size`.
async fn pushed(app: &TestApp, code: &str, records: &Station, size: usize) -> (StationSim, Uuid) {
    let mut st = app.station(code).await;
    let mut changes = setup(&mut st, "Asia/Shanghai", 30, "2026-01-01T00:00:00.000Z");
    changes.extend(records.changes(&mut st));
    push_all(app, &mut st, changes, size).await;
    (st, station_id(app, code).await)
}

/// Pushes the changes in batches of `size`, as the station's outbox drains.
async fn push_all(app: &TestApp, st: &mut StationSim, changes: Vec<Change>, size: usize) {
    for chunk in changes.chunks(size) {
        app.push_ok(&st.token, &batch(chunk.to_vec())).await;
    }
}

/// The sums and figures of the head office equal the in-memory book, for every grouping and each dimension.
async fn assert_same_as_book(app: &TestApp, station: Uuid, book: &Book, from: NaiveDate, to: NaiveDate) {
    let mut dims = vec![Dim::Station];
    dims.extend(book.people(from, to));
    for dim in &dims {
        for group in [Group::Total, Group::Station, Group::Day, Group::Week, Group::Month] {
            let rows = kpis::kpi_for(&app.pool, &[station], from, to, group, dim).await.unwrap();
            assert!(!rows.is_empty());
            for row in rows {
                let expected = book.sum(dim, row.from, row.to);
                assert_eq!(row.tally, expected, "{dim:?} {group:?} {}..{}: the head office's sums should be the book's", row.from, row.to);
                assert_eq!(row.figures, figures(&expected, &row.context), "{dim:?} {group:?}: figures read from the same sums");
            }
        }
    }
}

fn month() -> (NaiveDate, NaiveDate) {
    (day("2026-02-15"), day("2026-03-31"))
}

async fn total(app: &TestApp, station: Uuid, from: NaiveDate, to: NaiveDate, dim: &Dim) -> kpis::KpiRow {
    kpis::kpi_for(&app.pool, &[station], from, to, Group::Total, dim).await.unwrap().remove(0)
}

/// The station's row for one day.
async fn on(app: &TestApp, station: Uuid, d: &str) -> kpis::KpiRow {
    total(app, station, day(d), day(d), &Dim::Station).await
}

#[tokio::test]
async fn the_head_offices_sums_give_the_kpi_crates_figures_for_the_same_records() {
    let app = head_office().await;
    let week = a_week();
    let (_, station) = pushed(&app, "SH01", &week, 7).await;
    let (from, to) = month();
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;

    // What a person would count by hand, so the test cannot pass on two empty books.
    let total = &total(&app, station, from, to, &Dim::Station).await;
    let t = &total.tally;
    assert_eq!((t.delivered, t.cancelled, t.repeats, t.promised, t.on_time), (5, 1, 1, 4, 3));
    assert_eq!((t.follow_up_due, t.reached_ever, t.reached_in_time), (3, 2, 1), "no_consent is not due; day 4 is not in time");
    assert_eq!((t.surveys, t.score_sum, t.score_top), (2, 8, 1));
    assert_eq!((t.complaints, t.complaints_decided, t.complaints_in_time, t.complaints_repeat), (3, 2, 1, 1));
    assert_eq!(t.waited_for_parts, 1);
    assert_eq!(t.clocked_seconds, 5000 + 2400 + 12000 + 1500 + 4000, "the running stretch and the declined job's zero add nothing");
    assert_eq!(on(&app, station, "2026-03-05").await.tally.delivered, 2, "17:30 UTC on the 4th is the 5th in Shanghai");

    // The context: stock at price, the part at its reorder point, working hours × the two active technicians.
    let cx = total.context;
    assert_eq!(cx.days, 45);
    assert_eq!(cx.stock_value_minor, 10 * 4550 + 1999 * 3 / 2);
    assert_eq!(cx.parts_short, 1);
    assert_eq!(on(&app, station, "2026-03-02").await.context.available_seconds, 2 * 8 * 3600, "08:30–12:00 and 13:30–18:00, two technicians");
    assert_eq!(on(&app, station, "2026-03-06").await.context.available_seconds, 0, "the 6th is a holiday in the station's calendar");
}

#[tokio::test]
async fn an_order_changed_by_a_later_push_counts_only_as_it_is_now() {
    let app = head_office().await;
    let mut week = a_week();
    let (mut st, station) = pushed(&app, "SH01", &week, 50).await;

    // o2 is delivered again a week later (reopened), loses its part line, and its job goes to t2.
    let o2 = week.orders.iter_mut().find(|o| o.id == "o2").unwrap();
    o2.delivered_at = Some(at("2026-03-11T06:00:00Z"));
    o2.jobs[0].technician = Some("t2".into());
    let removed = o2.lines.remove(1);
    let later = o2.changes(&mut st);
    push_all(&app, &mut st, later, 100).await;
    // The removal alone: its change carries only the line's id, the stored line names the order.
    let delete = st.change_op("ro_line", &removed.id, Op::Delete, json!({"id": removed.id}), None);
    push_all(&app, &mut st, vec![delete], 100).await;

    assert_same_as_book(&app, station, &week.book(at(NOW)), month().0, month().1).await;
    assert_eq!(on(&app, station, "2026-03-04").await.tally.delivered, 0, "the old delivery day no longer counts o2");
    let t1 = total(&app, station, day("2026-03-11"), day("2026-03-11"), &Dim::Technician("t1".into())).await;
    assert_eq!(t1.tally.delivered, 1, "t1 still clocked on o2");
    assert_eq!(t1.tally.billed_milli, 0, "but the job is t2's now");
}

#[tokio::test]
async fn a_resent_or_overlapping_batch_counts_nothing_twice() {
    let app = head_office().await;
    let mut st = app.station("SH01").await;
    let week = a_week();
    let mut changes = setup(&mut st, "Asia/Shanghai", 30, "2026-01-01T00:00:00.000Z");
    changes.extend(week.changes(&mut st));
    let (first, rest) = changes.split_at(40);
    let b1 = batch(first.to_vec());
    app.faults.lose_next_push_acks(1);
    assert_eq!(app.try_push(&st.token, &b1).await, None, "the acknowledgement is lost");
    app.push_ok(&st.token, &b1).await;
    // The next batch starts inside the first one, as a station that resends from its last known ack does.
    let overlap: Vec<Change> = first[30..].iter().chain(rest.iter()).cloned().collect();
    app.push_ok(&st.token, &batch(overlap.clone())).await;
    app.push_ok(&st.token, &batch(overlap)).await;
    let station = station_id(&app, "SH01").await;
    assert_same_as_book(&app, station, &week.book(at(NOW)), month().0, month().1).await;
}

#[tokio::test]
async fn a_deadline_that_turns_late_without_a_write_counts_after_the_sweep() {
    let app = head_office().await;
    let week = a_week();
    let (_, station) = pushed(&app, "SH01", &week, 100).await;
    let (from, to) = month();
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;

    // On the 10th only k3's resolution clock was still running, late on the 20th (o3's follow-up was late on the 8th).
    let later = at("2026-03-21T00:00:00Z");
    let before = total(&app, station, from, to, &Dim::Station).await;
    assert_ne!(before.tally, week.book(later).sum(&Dim::Station, from, to), "without a sweep the breach is not counted yet");
    assert_eq!(kpis::sweep_overdue(&app.pool, at("2026-03-19T00:00:00Z")).await.unwrap(), 0, "nothing is late before its time");
    assert_eq!(kpis::sweep_overdue(&app.pool, later).await.unwrap(), 2, "k3 and its resolution clock");
    assert_same_as_book(&app, station, &week.book(later), from, to).await;
    let after = total(&app, station, from, to, &Dim::Station).await;
    assert_eq!((after.tally.complaints_decided, after.tally.complaints_in_time), (3, 1));
    assert_eq!(kpis::sweep_overdue(&app.pool, later).await.unwrap(), 0, "a swept breach is not counted again");
}

#[tokio::test]
async fn a_new_time_zone_or_repeat_window_recounts_the_whole_station() {
    let app = head_office().await;
    let mut week = a_week();
    let (mut st, station) = pushed(&app, "SH01", &week, 100).await;
    let moved = setup(&mut st, "Europe/Berlin", 31, "2026-03-09T00:00:00.000Z");
    push_all(&app, &mut st, moved, 100).await;
    week.rules = Rules { tz: chrono_tz::Europe::Berlin, repeat_window_days: 31 };
    assert_same_as_book(&app, station, &week.book(at(NOW)), month().0, month().1).await;
    assert_eq!(total(&app, station, month().0, month().1, &Dim::Station).await.tally.repeats, 2, "30 days and a minute is within 31 days");
    assert_eq!(on(&app, station, "2026-03-04").await.tally.delivered, 2, "17:30 UTC is still the 4th in Berlin");
}

#[tokio::test]
async fn records_pushed_while_the_sums_were_off_count_after_a_rebuild() {
    let app = spawn_app_with(|c| c.kpi_summaries = false).await;
    app.clock.set(at(NOW));
    let week = a_week();
    let (_, station) = pushed(&app, "SH01", &week, 100).await;
    assert_eq!(app.count("kpi_daily").await, 0, "switched off, pushes keep no sums");
    assert_eq!(headoffice::admin::rebuild_kpis(&app.pool, Some("SH01"), at(NOW)).await.unwrap(), 1);
    assert_same_as_book(&app, station, &week.book(at(NOW)), month().0, month().1).await;
}

#[tokio::test]
async fn the_first_push_after_the_upgrade_counts_what_the_station_sent_before() {
    let app = head_office().await;
    let mut week = a_week();
    let (mut st, station) = pushed(&app, "SH01", &week, 100).await;
    // As if the records had arrived before migration 0005: no sums and no station row.
    for table in ["kpi_daily", "kpi_monthly", "kpi_contributions", "kpi_stations"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&app.pool).await.unwrap();
    }
    let o5 = week.orders.iter_mut().find(|o| o.id == "o5").unwrap();
    o5.survey = Some(4);
    o5.follow_up = Some(("reached", Some(at("2026-03-07T02:00:00Z"))));
    let more = o5.changes(&mut st);
    push_all(&app, &mut st, more, 100).await;
    assert_same_as_book(&app, station, &week.book(at(NOW)), month().0, month().1).await;
}

#[tokio::test]
async fn stations_are_compared_side_by_side_each_with_its_own_sums() {
    let app = head_office().await;
    let week = a_week();
    let mut small = a_week();
    small.orders.truncate(2);
    small.complaints.truncate(1);
    small.deadlines.clear();
    let (_, sh) = pushed(&app, "SH01", &week, 100).await;
    let (_, bj) = pushed(&app, "BJ01", &small, 100).await;
    headoffice::admin::create_station(&app.pool, "GZ01", "Quiet", 1).await.unwrap();
    let ids = [sh, bj, station_id(&app, "GZ01").await];
    let (from, to) = month();
    let rows = kpis::kpi_for(&app.pool, &ids, from, to, Group::Station, &Dim::Station).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.station_id.unwrap()).collect::<Vec<_>>(), ids, "a row per station asked for, in that order");
    assert_eq!(rows[0].tally, week.book(at(NOW)).sum(&Dim::Station, from, to));
    assert_eq!(rows[1].tally, small.book(at(NOW)).sum(&Dim::Station, from, to));
    assert!(rows[2].tally.is_zero(), "a station that sent nothing shows zeros");
    let mut both = rows[0].tally.clone();
    both.add(&rows[1].tally);
    let region = kpis::kpi_for(&app.pool, &ids, from, to, Group::Total, &Dim::Station).await.unwrap().remove(0);
    assert_eq!(region.tally, both, "a region's total is the sum of its stations");
    assert_eq!(region.context.stock_value_minor, rows[0].context.stock_value_minor + rows[1].context.stock_value_minor);
}

#[tokio::test]
async fn the_drill_down_lists_the_records_behind_a_figure() {
    let app = head_office().await;
    let (_, station) = pushed(&app, "SH01", &a_week(), 100).await;
    let (from, to) = month();
    let drill = |code: &'static str, dim: Dim| {
        let pool = app.pool.clone();
        async move { kpis::kpi_orders(&pool, station, from, to, code, &dim).await.unwrap() }
    };
    let on_time = drill("on_time", Dim::Station).await;
    let got: Vec<(&str, i64, i64)> = on_time.iter().map(|r| (r.id.as_str(), r.numerator, r.denominator)).collect();
    assert_eq!(got, vec![("o1", 1, 1), ("o2", 0, 1), ("o4", 1, 1), ("o5", 1, 1)], "the orders with a promised time; o2 was late");
    assert_eq!(on_time[0].label.as_deref(), Some("SH01-o1"));
    let ids = |rows: Vec<kpis::DrillRow>| rows.into_iter().map(|r| (r.id, r.numerator)).collect::<Vec<_>>();
    assert_eq!(ids(drill("cancelled", Dim::Station).await), [("o6".to_string(), 1)]);
    assert_eq!(ids(drill("complaints_in_time", Dim::Station).await), [("k1".to_string(), 1), ("k2".to_string(), 0)], "k3 is not decided yet");
    let t2: Vec<String> = drill("efficiency", Dim::Technician("t2".into())).await.into_iter().map(|r| r.id).collect();
    assert_eq!(t2, ["o1", "o3"]);
}

/// A head office that only counts when the KPIs are read (no background drain), its clock at `NOW`.
async fn head_office_without_background_drain() -> TestApp {
    let app = spawn_app_with(|c| c.kpi_drain_ms = 0).await;
    app.clock.set(at(NOW));
    app
}

async fn queued_naming(app: &TestApp, source_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM kpi_queue WHERE $1 = ANY(source_ids)").bind(source_id).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn a_push_is_counted_by_the_next_read_even_before_the_background_drain_runs() {
    let app = head_office_without_background_drain().await;
    let week = a_week();
    let (mut st, station) = pushed(&app, "SH01", &week, 10).await;
    assert!(app.count("kpi_queue").await > 0, "the pushes queued what they touched");
    assert_eq!(app.count("kpi_daily").await, 0, "and counted nothing themselves");
    let (from, to) = month();
    assert_eq!(total(&app, station, from, to, &Dim::Station).await.tally, week.book(at(NOW)).sum(&Dim::Station, from, to), "the first read counts them");
    assert_eq!(app.count("kpi_queue").await, 0);
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;

    // The drill-down counts what is queued first as well: o5 was promised earlier than it was delivered after all.
    let mut week = week;
    let o5 = week.orders.iter_mut().find(|o| o.id == "o5").unwrap();
    o5.promised_at = Some(at("2026-03-05T10:00:00Z"));
    let later = o5.changes(&mut st);
    push_all(&app, &mut st, later, 100).await;
    let on_time = kpis::kpi_orders(&app.pool, station, from, to, "on_time", &Dim::Station).await.unwrap();
    let o5_row = on_time.iter().find(|r| r.id == "o5").map(|r| (r.numerator, r.denominator));
    assert_eq!(o5_row, Some((0, 1)), "o5 is late now");
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;
}

#[tokio::test]
async fn a_record_queued_twice_counts_once() {
    let app = head_office_without_background_drain().await;
    let week = a_week();
    // The setup counted first: the first count of a station rebuilds it from its records, which would hide a double count.
    let mut st = app.station("SH01").await;
    let first = setup(&mut st, "Asia/Shanghai", 30, "2026-01-01T00:00:00.000Z");
    app.push_ok(&st.token, &batch(first)).await;
    let station = station_id(&app, "SH01").await;
    kpis::drain(&app.pool, &[station]).await.unwrap();
    let changes = week.changes(&mut st);
    push_all(&app, &mut st, changes, 100).await;
    // The same records sent again under new numbers (a station that resends its outbox after a restore), before anything is counted.
    let again = week.changes(&mut st);
    push_all(&app, &mut st, again, 100).await;
    assert!(queued_naming(&app, "o1").await >= 2, "o1 is queued by both pushes");
    let (from, to) = month();
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;
    let on_time = kpis::kpi_orders(&app.pool, station, from, to, "on_time", &Dim::Station).await.unwrap();
    assert_eq!(on_time.iter().filter(|r| r.id == "o1").count(), 1, "o1 is listed once");
    // Queued a third time after it was counted: still once.
    let o1 = week.orders.iter().find(|o| o.id == "o1").unwrap().changes(&mut st);
    push_all(&app, &mut st, o1, 100).await;
    assert_eq!(queued_naming(&app, "o1").await, 1);
    assert_same_as_book(&app, station, &week.book(at(NOW)), from, to).await;
}

/// The station's setup, counted (the first count of a station rebuilds it from
/// its records), then the changes of `records` in batches of `size` alternating between two head offices.
async fn pushed_to_both(a: &TestApp, b: &TestApp, records: &Station, size: usize) -> Uuid {
    let mut st = a.station("SH01").await;
    let first = setup(&mut st, "Asia/Shanghai", 30, "2026-01-01T00:00:00.000Z");
    a.push_ok(&st.token, &batch(first)).await;
    let station = station_id(a, "SH01").await;
    kpis::drain(&a.pool, &[station]).await.unwrap();
    let changes = records.changes(&mut st);
    for (n, chunk) in changes.chunks(size).enumerate() {
        let server = if n % 2 == 0 { a } else { b };
        server.push_ok(&st.token, &batch(chunk.to_vec())).await;
    }
    station
}

#[tokio::test]
async fn two_head_offices_draining_the_same_queue_at_once_count_each_push_once() {
    let a = head_office_without_background_drain().await;
    let b = serve(a.database_url.clone(), |c| c.kpi_drain_ms = 0).await;
    b.clock.set(at(NOW));
    let week = a_week();
    let station = pushed_to_both(&a, &b, &week, 3).await;
    let queued = usize::try_from(a.count("kpi_queue").await).unwrap();
    assert!(queued > 10, "{queued} pushes queued");
    let one = [station];
    let (x, y, z, w) = tokio::join!(kpis::drain(&a.pool, &one), kpis::drain(&b.pool, &one), kpis::drain_all(&a.pool), kpis::drain_all(&b.pool));
    let counted = [x, y, z, w].map(Result::unwrap);
    assert_eq!(counted.iter().sum::<usize>(), queued, "each queued push counted by exactly one of them: {counted:?}");
    assert_eq!(a.count("kpi_queue").await, 0);
    assert_same_as_book(&b, station, &week.book(at(NOW)), month().0, month().1).await;
}

#[tokio::test]
async fn with_two_head_offices_draining_in_the_background_the_sums_are_current_within_seconds_without_a_read() {
    let a = spawn_app_with(|c| c.kpi_drain_ms = 20).await;
    let b = serve(a.database_url.clone(), |c| c.kpi_drain_ms = 20).await;
    a.clock.set(at(NOW));
    b.clock.set(at(NOW));
    let week = a_week();
    let station = pushed_to_both(&a, &b, &week, 3).await;
    let started = Instant::now();
    while a.count("kpi_queue").await > 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the background drains should empty the queue");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(a.count("kpi_daily").await > 0, "counted without a read");
    assert_same_as_book(&a, station, &week.book(at(NOW)), month().0, month().1).await;
}

#[tokio::test]
async fn a_reversed_range_or_an_unknown_figure_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let s = Uuid::now_v7();
    let err = kpis::kpi_for(&app.pool, &[s], day("2026-03-31"), day("2026-03-01"), Group::Total, &Dim::Station).await.unwrap_err();
    assert!(matches!(err, KpiError::Invalid { field: "to", code: "kpi.range_reversed", .. }), "{err:?}");
    let err = kpis::kpi_for(&app.pool, &[s], day("2025-01-01"), day("2026-03-01"), Group::Day, &Dim::Station).await.unwrap_err();
    assert!(matches!(err, KpiError::Invalid { field: "group", code: "kpi.too_many_days", .. }), "{err:?}");
    let err = kpis::kpi_orders(&app.pool, s, day("2026-03-01"), day("2026-03-31"), "happiness", &Dim::Station).await.unwrap_err();
    assert!(matches!(err, KpiError::Invalid { field: "code", code: "kpi.unknown_code", .. }), "{err:?}");
}
