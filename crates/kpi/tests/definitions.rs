//! The KPI definitions against data sets worked out by hand: each expected
//! number is derived in the comments next to it, so a change in what a KPI
//! counts shows up as a failing sum rather than a silently different chart.
//! Times are written in the station's zone (Asia/Shanghai, UTC+8).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use kpi::tally::{cycle_bucket, CYCLE_BUCKETS, POLICY_KINDS};
use kpi::{
    complaint_contributions, deadline_contributions, figures, order_contributions, Book, ClockEntry, ComplaintRecord, Context, DeadlineRecord, Dim, Figure,
    FollowUpRecord, JobRecord, LineRecord, OrderRecord, Rules, Tally,
};
use proptest::prelude::*;

/// Shanghai wall-clock time, `"2026-03-02 09:00"`, as the UTC instant records hold.
fn local(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .expect("a local time");
    Shanghai.from_local_datetime(&naive).single().expect("Shanghai has no DST").with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn rules() -> Rules {
    Rules { tz: Shanghai, repeat_window_days: 30 }
}

fn advisor(id: &str) -> Dim {
    Dim::Advisor(id.to_string())
}

fn technician(id: &str) -> Dim {
    Dim::Technician(id.to_string())
}

/// A delivered (or, with `None`, still open) order with nothing else on it.
fn order(id: &str, advisor_id: &str, checked_in: &str, delivered: Option<&str>) -> OrderRecord {
    OrderRecord {
        id: id.to_string(),
        advisor_id: advisor_id.to_string(),
        status: if delivered.is_some() { "delivered" } else { "in_repair" }.to_string(),
        checked_in_at: local(checked_in),
        promised_at: None,
        delivered_at: delivered.map(local),
        repeat_of_delivered_at: None,
        discount_minor: 0,
        jobs: vec![],
        lines: vec![],
        clock_entries: vec![],
        waited_for_parts: false,
        follow_up: None,
        survey_overall: None,
    }
}

fn job(id: &str, technician: Option<&str>, approval: &str) -> JobRecord {
    JobRecord { id: id.to_string(), technician_id: technician.map(str::to_string), approval: approval.to_string() }
}

fn labor(job_id: &str, hours_milli: i64, amount_minor: i64) -> LineRecord {
    LineRecord { job_id: job_id.to_string(), kind: "labor".into(), quantity_milli: hours_milli, unit_price_minor: 0, amount_minor, issued_milli: 0 }
}

fn clock(job_id: &str, technician: &str, seconds: i64) -> ClockEntry {
    ClockEntry { job_id: job_id.to_string(), technician_id: technician.to_string(), seconds }
}

fn follow_up(status: &str, ended: Option<&str>) -> Option<FollowUpRecord> {
    Some(FollowUpRecord { status: status.to_string(), ended_at: ended.map(local) })
}

fn deadline(kind: &str, state: &str, late: Option<&str>, met: Option<&str>, breached: Option<&str>) -> DeadlineRecord {
    DeadlineRecord {
        id: format!("clk-{kind}-{state}"),
        policy_kind: kind.to_string(),
        state: state.to_string(),
        late_at: late.map(local),
        met_at: met.map(local),
        breached_at: breached.map(local),
    }
}

fn book_of(orders: &[OrderRecord]) -> Book {
    let mut book = Book::default();
    for o in orders {
        book.add(order_contributions(o, &rules()));
    }
    book
}

/// The station's whole tally for one order.
fn station_tally(o: &OrderRecord) -> Tally {
    let contributions = order_contributions(o, &rules());
    contributions.into_iter().find(|(_, dim, _)| *dim == Dim::Station).map(|(_, _, t)| t).expect("the order counts for the station")
}

fn find<'a>(all: &'a [Figure], code: &str) -> &'a Figure {
    all.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no figure {code}"))
}

/// The value of `code`, asserted to be `expected` to within rounding.
fn assert_value(all: &[Figure], code: &str, expected: f64) {
    let value = find(all, code).value.unwrap_or_else(|| panic!("{code} has no value"));
    assert!((value - expected).abs() < 1e-9, "{code}: {value} ≠ {expected}");
}

fn hist(entries: &[(usize, i64)]) -> Vec<i64> {
    let mut h = vec![0; CYCLE_BUCKETS];
    for &(i, n) in entries {
        h[i] = n;
    }
    h
}

/// The hand-worked week, Monday 2 to Sunday 8 March 2026, at one station:
///
/// | order | advisor | in | promised | delivered | cycle | what else |
/// |---|---|---|---|---|---|---|
/// | A | li | Mon 09:00 | Mon 17:00 | Mon 16:00 | 7 h | job 1 (zhang, approved): 1.5 h labor ¥300 + a part ¥100 (2 × ¥50, issued); job 2 (chen) declined: 1 h ¥200; discount ¥50; zhang clocked 6000 s; reached Wed 10:00; survey 5 |
/// | B | li | Tue 08:00 | Tue 12:00 | Tue 14:00 | 6 h | repeat of a delivery on 20 Feb (11 days); job 3 (chen): 2 h ¥400; chen clocked 7200 s, zhang 1800 s; waited for parts; reached Sat 09:00 (day 4); survey 3 |
/// | C | wang | Mon 10:00 | none | Thu 10:00 | 72 h | job 4 (zhang): 4 h ¥800; zhang clocked 14400 s; customer opted out of follow-up |
/// | D | wang | Wed 09:00 | | cancelled | | |
/// | E | wang | Fri 08:00 | | still in repair | | |
fn week() -> Vec<OrderRecord> {
    let mut a = order("A", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    a.promised_at = Some(local("2026-03-02 17:00"));
    a.jobs = vec![job("j1", Some("zhang"), "approved"), job("j2", Some("chen"), "declined")];
    a.lines = vec![
        labor("j1", 1500, 30_000),
        LineRecord { job_id: "j1".into(), kind: "part".into(), quantity_milli: 2000, unit_price_minor: 5_000, amount_minor: 10_000, issued_milli: 2000 },
        labor("j2", 1000, 20_000),
    ];
    a.discount_minor = 5_000;
    a.clock_entries = vec![clock("j1", "zhang", 6000)];
    a.follow_up = follow_up("reached", Some("2026-03-04 10:00"));
    a.survey_overall = Some(5);

    let mut b = order("B", "li", "2026-03-03 08:00", Some("2026-03-03 14:00"));
    b.promised_at = Some(local("2026-03-03 12:00"));
    b.repeat_of_delivered_at = Some(local("2026-02-20 10:00"));
    b.jobs = vec![job("j3", Some("chen"), "approved")];
    b.lines = vec![labor("j3", 2000, 40_000)];
    b.clock_entries = vec![clock("j3", "chen", 7200), clock("j3", "zhang", 1800)];
    b.waited_for_parts = true;
    b.follow_up = follow_up("reached", Some("2026-03-07 09:00"));
    b.survey_overall = Some(3);

    let mut c = order("C", "wang", "2026-03-02 10:00", Some("2026-03-05 10:00"));
    c.jobs = vec![job("j4", Some("zhang"), "approved")];
    c.lines = vec![labor("j4", 4000, 80_000)];
    c.clock_entries = vec![clock("j4", "zhang", 14_400)];
    c.follow_up = follow_up("no_consent", None);

    let mut d = order("D", "wang", "2026-03-04 09:00", None);
    d.status = "cancelled".into();
    let e = order("E", "wang", "2026-03-06 08:00", None);
    vec![a, b, c, d, e]
}

/// K1 received Tue 11:00, resolved in time Wed 09:00. K2 received Thu 15:00, a
/// repeat, its resolution still running with `late_at` Sun 15:00. Deadlines:
/// A's follow-up met Wed 10:00, B's breached Fri 14:00, a service request
/// answered Mon. "Now" is Monday 9 March, noon: K2 is past its limit.
fn week_book(now: DateTime<Utc>) -> Book {
    let mut book = book_of(&week());
    let complaints = [
        ComplaintRecord {
            id: "K1".into(),
            received_at: local("2026-03-03 11:00"),
            repeat: false,
            resolution: Some(deadline("complaint_resolution", "stopped", None, Some("2026-03-04 09:00"), None)),
        },
        ComplaintRecord {
            id: "K2".into(),
            received_at: local("2026-03-05 15:00"),
            repeat: true,
            resolution: Some(deadline("complaint_resolution", "running", Some("2026-03-08 15:00"), None, None)),
        },
    ];
    for k in &complaints {
        book.add(complaint_contributions(k, &rules(), now));
    }
    for d in [
        deadline("follow_up", "stopped", None, Some("2026-03-04 10:00"), None),
        deadline("follow_up", "running", Some("2026-03-06 14:00"), None, Some("2026-03-06 14:00")),
        deadline("service_request", "stopped", None, Some("2026-03-02 09:30"), None),
    ] {
        book.add(deadline_contributions(&d, &rules(), now));
    }
    book
}

#[test]
fn the_hand_worked_week_gives_the_station_its_figures() {
    let book = week_book(local("2026-03-09 12:00"));
    let t = book.sum(&Dim::Station, day("2026-03-02"), day("2026-03-08"));

    // Delivered A, B, C; D only as cancelled; E not yet.
    assert_eq!((t.delivered, t.cancelled), (3, 1));
    // B is a repeat; A and B had a promised time, only A made it.
    assert_eq!((t.repeats, t.promised, t.on_time), (1, 2, 1));
    // 420 + 360 + 4320 minutes; B in the ≤ 6 h bucket (5), A in ≤ 8 h (6), C in ≤ 72 h (12).
    assert_eq!(t.cycle_minutes, 5100);
    assert_eq!(t.cycle_hist, hist(&[(5, 1), (6, 1), (12, 1)]));
    // C opted out: 2 due; A reached within 3 days, B on day 4.
    assert_eq!((t.follow_up_due, t.reached_in_time, t.reached_ever), (2, 1, 2));
    // Scores 5 and 3: sum 8, one of them 4–5.
    assert_eq!((t.surveys, t.score_sum, t.score_top), (2, 8, 1));
    // 1.5 + 2 + 4 h billed (A's declined hour is not); 6000 + 9000 + 14400 s clocked.
    assert_eq!((t.billed_milli, t.clocked_seconds), (7500, 29_400));
    // A: 300 + 100 − 50 = ¥350; B ¥400; C ¥800.
    assert_eq!(t.value_minor, 155_000);
    assert_eq!((t.parts_issued_minor, t.waited_for_parts), (10_000, 1));
    // K1 met, K2 breached as of Monday noon; K2 is a repeat.
    assert_eq!((t.complaints, t.complaints_decided, t.complaints_in_time, t.complaints_repeat), (2, 2, 1, 1));
    let follow_up = POLICY_KINDS.iter().position(|k| *k == "follow_up").expect("a kind");
    let service_request = POLICY_KINDS.iter().position(|k| *k == "service_request").expect("a kind");
    assert_eq!((t.deadlines_met[follow_up], t.deadlines_breached[follow_up]), (1, 1));
    assert_eq!((t.deadlines_met[service_request], t.deadlines_breached[service_request]), (1, 0));

    // Two technicians, 8 h a day for the 7 days: 2 × 7 × 28800 s.
    let cx = Context { days: 7, stock_value_minor: 1_000_000, parts_short: 2, available_seconds: 403_200 };
    let all = figures(&t, &cx);
    assert_value(&all, "satisfaction_avg", 4.0); // 8 / 2
    assert_value(&all, "satisfaction_top", 0.5); // 1 / 2
    assert_value(&all, "follow_up_in_time", 0.5); // 1 / 2
    assert_value(&all, "follow_up_ever", 1.0); // 2 / 2
    assert_value(&all, "first_time_fix", 2.0 / 3.0); // (3 − 1) / 3
    assert_value(&all, "repeat_rate", 1.0 / 3.0);
    // Median: rank 0.5 × 3 = 1.5; bucket 5 holds 1, so it is the first half of bucket 6 (6–8 h): 7 h.
    assert_value(&all, "cycle_median_hours", 7.0);
    // p90: rank 2.7; buckets 5 and 6 hold 2, so 0.7 into bucket 12 (48–72 h): 48 + 0.7 × 24 = 64.8 h.
    assert_value(&all, "cycle_p90_hours", 64.8);
    assert_value(&all, "on_time", 0.5);
    assert_value(&all, "deadline_met.follow_up", 0.5);
    assert_value(&all, "deadline_met.service_request", 1.0);
    assert_eq!(find(&all, "deadline_met.complaint_callback").value, None, "nothing decided, no share");
    assert_value(&all, "complaints_per_100", 200.0 / 3.0); // 2 × 100 / 3
    assert_value(&all, "complaints_in_time", 0.5);
    assert_value(&all, "complaints_repeat", 1.0);
    assert_value(&all, "hours_per_order", 2.5); // 7.5 h / 3
    assert_value(&all, "order_value", 155_000.0 / 3.0);
    assert_value(&all, "efficiency", 27_000.0 / 29_400.0); // 7.5 h = 27000 s billed
    assert_value(&all, "productivity", 29_400.0 / 403_200.0);
    assert_value(&all, "stock_turnover", 10_000.0 * 365.0 / (1_000_000.0 * 7.0)); // issued ¥100 in 7 days against ¥10,000 on hand
    assert_value(&all, "parts_waits", 1.0);
    assert_value(&all, "parts_short", 2.0);
    assert_value(&all, "cancelled", 1.0);

    let sat = find(&all, "satisfaction_avg");
    assert_eq!((sat.numerator, sat.denominator, sat.target, sat.meets_target), (8, 2, Some(4.5), Some(false)));
    assert!((sat.gap.expect("a gap") + 0.5).abs() < 1e-9, "4.0 is 0.5 short of 4.5");
    let median = find(&all, "cycle_median_hours");
    assert!((median.gap.expect("a gap") - 17.0).abs() < 1e-9, "lower is better: 24 − 7 = 17 h to spare");
    assert_eq!(median.meets_target, Some(true));
}

#[test]
fn the_hand_worked_week_splits_by_advisor_and_technician() {
    let book = week_book(local("2026-03-09 12:00"));
    let (from, to) = (day("2026-03-02"), day("2026-03-08"));
    assert_eq!(book.people(from, to), vec![advisor("li"), advisor("wang"), technician("chen"), technician("zhang")]);

    // Li has A and B: both delivered, B a late repeat.
    let li = book.sum(&advisor("li"), from, to);
    assert_eq!((li.delivered, li.repeats, li.promised, li.on_time, li.cancelled), (2, 1, 2, 1, 0));
    assert_eq!((li.billed_milli, li.value_minor), (3500, 75_000));
    // Wang has C delivered and D cancelled; complaints are the station's only.
    let wang = book.sum(&advisor("wang"), from, to);
    assert_eq!((wang.delivered, wang.cancelled, wang.follow_up_due, wang.complaints), (1, 1, 0, 0));

    // Zhang: A (job 1, 1.5 h, 6000 s), B (no job of his, 1800 s helping), C (job 4, 4 h, 14400 s).
    // His value is his jobs' lines before the order's discount: 300 + 100 + 800.
    let zhang = book.sum(&technician("zhang"), from, to);
    assert_eq!((zhang.delivered, zhang.billed_milli, zhang.clocked_seconds, zhang.value_minor), (3, 5500, 22_200, 120_000));
    let all = figures(&zhang, &Context::default());
    assert_value(&all, "efficiency", 19_800.0 / 22_200.0); // 5.5 h = 19800 s
                                                           // Chen: only B; A's job 2 was declined, so A is not his.
    let chen = book.sum(&technician("chen"), from, to);
    assert_eq!((chen.delivered, chen.billed_milli, chen.clocked_seconds, chen.value_minor), (1, 2000, 7200, 40_000));
}

#[test]
fn each_order_counts_on_its_delivery_day_and_a_cancelled_one_on_its_check_in_day() {
    let book = week_book(local("2026-03-09 12:00"));
    let on = |d: &str| book.sum(&Dim::Station, day(d), day(d));
    assert_eq!((on("2026-03-02").delivered, on("2026-03-03").delivered, on("2026-03-05").delivered), (1, 1, 1));
    // C was checked in on Monday but delivered on Thursday: Monday has A only.
    assert_eq!(on("2026-03-02").cycle_minutes, 420);
    assert_eq!((on("2026-03-04").cancelled, on("2026-03-04").delivered), (1, 0));
    // Complaints on the day received, deadlines on the day decided.
    assert_eq!((on("2026-03-03").complaints, on("2026-03-05").complaints), (1, 1));
    assert_eq!(on("2026-03-06").deadlines_breached.iter().sum::<i64>(), 1);
    // E, still in the workshop, adds nothing anywhere.
    assert!(order_contributions(&week()[4], &rules()).is_empty());
}

#[test]
fn an_order_without_a_promised_time_is_left_out_of_on_time_delivery() {
    // A promised 17:00 and delivered 16:00; C without a promise, delivered days later.
    let week = week();
    let t = book_of(&week[..1]).sum(&Dim::Station, day("2026-03-02"), day("2026-03-08"));
    let mut with_c = t.clone();
    with_c.add(&station_tally(&week[2]));
    assert_eq!((with_c.delivered, with_c.promised, with_c.on_time), (2, 1, 1));
    assert_value(&figures(&with_c, &Context::default()), "on_time", 1.0);
}

#[test]
fn delivered_exactly_at_the_promised_time_is_on_time() {
    let mut o = order("X", "li", "2026-03-02 09:00", Some("2026-03-02 17:00"));
    o.promised_at = Some(local("2026-03-02 17:00"));
    assert_eq!((station_tally(&o).promised, station_tally(&o).on_time), (1, 1));
    o.delivered_at = Some(local("2026-03-02 17:01"));
    assert_eq!((station_tally(&o).promised, station_tally(&o).on_time), (1, 0));
}

#[test]
fn a_cancelled_order_counts_only_as_cancelled() {
    // Everything an order could count, and then it is cancelled.
    let mut o = week()[0].clone();
    o.status = "cancelled".into();
    o.repeat_of_delivered_at = Some(local("2026-02-20 10:00"));
    o.waited_for_parts = true;
    let contributions = order_contributions(&o, &rules());
    let mut only_cancelled = Tally::zero();
    only_cancelled.cancelled = 1;
    // Station and advisor, on the check-in day; no technician.
    assert_eq!(contributions, vec![(day("2026-03-02"), Dim::Station, only_cancelled.clone()), (day("2026-03-02"), advisor("li"), only_cancelled)]);
}

#[test]
fn a_repeat_counts_within_the_window_up_to_its_last_second_and_not_after() {
    // The earlier visit was delivered 1 Feb 10:00; the window is 30 days.
    let repeat_at = |checked_in: &str| {
        let mut o = order("R", "li", checked_in, Some("2026-03-20 10:00"));
        o.repeat_of_delivered_at = Some(local("2026-02-01 10:00"));
        station_tally(&o).repeats
    };
    assert_eq!(repeat_at("2026-02-16 10:00"), 1, "15 days later");
    assert_eq!(repeat_at("2026-03-03 10:00"), 1, "exactly 30 days later: the station flags it too (delivered_at >= check-in − 30 days)");
    assert_eq!(repeat_at("2026-03-03 10:00:01"), 0, "30 days and a second later");
}

#[test]
fn a_repeat_window_of_zero_days_counts_no_repeats() {
    let mut o = order("R", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    o.repeat_of_delivered_at = Some(local("2026-03-02 08:00"));
    let off = Rules { tz: Shanghai, repeat_window_days: 0 };
    assert_eq!(order_contributions(&o, &off)[0].2.repeats, 0);
    assert_eq!(station_tally(&o).repeats, 1, "an hour apart is within 30 days");
}

#[test]
fn a_follow_up_reached_on_day_four_counts_as_reached_but_not_in_time() {
    // Delivered Mon 16:00; day 4 is Friday.
    let mut o = order("F", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    o.follow_up = follow_up("reached", Some("2026-03-06 10:00"));
    let t = station_tally(&o);
    assert_eq!((t.follow_up_due, t.reached_in_time, t.reached_ever), (1, 0, 1));
}

#[test]
fn a_follow_up_reached_exactly_72_hours_after_delivery_is_in_time_and_a_minute_later_is_not() {
    let reached = |at: &str| {
        let mut o = order("F", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
        o.follow_up = follow_up("reached", Some(at));
        let t = station_tally(&o);
        (t.reached_in_time, t.reached_ever)
    };
    assert_eq!(reached("2026-03-05 16:00"), (1, 1));
    assert_eq!(reached("2026-03-05 16:01"), (0, 1));
}

#[test]
fn a_customer_who_declined_the_survey_was_still_reached() {
    // The station's `declined` outcome: reached, but no survey.
    let mut o = order("F", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    o.follow_up = follow_up("declined", Some("2026-03-03 10:00"));
    let t = station_tally(&o);
    assert_eq!((t.follow_up_due, t.reached_in_time, t.reached_ever, t.surveys), (1, 1, 1, 0));
}

#[test]
fn a_customer_who_opted_out_is_left_out_of_follow_up_completion() {
    // Two orders: one reached in time, one whose customer refused calls.
    let mut reached = order("F1", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    reached.follow_up = follow_up("reached", Some("2026-03-03 10:00"));
    let mut opted_out = order("F2", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    opted_out.follow_up = follow_up("no_consent", None);
    // An unreachable customer, by contrast, stays in: 1 reached of 2.
    let mut unreachable = order("F3", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    unreachable.follow_up = follow_up("unreachable", Some("2026-03-17 16:00"));

    let t = book_of(&[reached.clone(), opted_out]).sum(&Dim::Station, day("2026-03-02"), day("2026-03-02"));
    assert_eq!((t.delivered, t.follow_up_due, t.reached_ever), (2, 1, 1));
    assert_value(&figures(&t, &Context::default()), "follow_up_ever", 1.0);
    let t = book_of(&[reached, unreachable]).sum(&Dim::Station, day("2026-03-02"), day("2026-03-02"));
    assert_value(&figures(&t, &Context::default()), "follow_up_ever", 0.5);
}

#[test]
fn declined_jobs_are_not_billed_and_pending_ones_are_not_either() {
    let mut o = order("V", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    o.jobs = vec![job("ok", Some("zhang"), "approved"), job("no", Some("zhang"), "declined"), job("open", Some("zhang"), "pending")];
    o.lines = vec![labor("ok", 1000, 20_000), labor("no", 3000, 60_000), labor("open", 500, 10_000), labor("no-such-job", 700, 14_000)];
    o.discount_minor = 25_000;
    // Only "ok": 1 h and ¥200; the discount (¥250) takes the value to zero, not below.
    let t = station_tally(&o);
    assert_eq!((t.billed_milli, t.value_minor), (1000, 0));
}

#[test]
fn a_technician_is_credited_with_only_their_own_jobs() {
    // Zhang did the brakes (2 h, clocked 2 h 30); Chen the tyres (0.5 h, clocked 20 min) and helped Zhang 10 min.
    let mut o = order("T", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    o.jobs = vec![job("brakes", Some("zhang"), "approved"), job("tyres", Some("chen"), "approved")];
    o.lines = vec![labor("brakes", 2000, 40_000), labor("tyres", 500, 10_000)];
    o.clock_entries = vec![clock("brakes", "zhang", 9000), clock("tyres", "chen", 1200), clock("brakes", "chen", 600)];
    let book = book_of(&[o]);
    let d = day("2026-03-02");
    let zhang = book.sum(&technician("zhang"), d, d);
    let chen = book.sum(&technician("chen"), d, d);
    let station = book.sum(&Dim::Station, d, d);
    assert_eq!((zhang.billed_milli, zhang.clocked_seconds, zhang.value_minor), (2000, 9000, 40_000));
    assert_eq!((chen.billed_milli, chen.clocked_seconds, chen.value_minor), (500, 1800, 10_000));
    assert_eq!((station.billed_milli, station.clocked_seconds), (2500, 10_800));
    // Each technician's order counts once for them.
    assert_eq!((zhang.delivered, chen.delivered, station.delivered), (1, 1, 1));
}

#[test]
fn cycle_time_median_and_p90_are_read_from_the_histogram() {
    // Ten orders: 30 min, 1, 2, 3, 5, 7, 9, 20, 30 and 400 hours.
    // Buckets (upper bounds 1, 2, 3, 4, 5, 6, 8, 10, 12, 24, 36, …, 336, open):
    // 0 (≤ 1 h): 2; 1: 1; 2: 1; 4: 1; 6: 1; 7: 1; 9: 1; 10: 1; 18 (> 336 h): 1.
    let hours = [0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 20.0, 30.0, 400.0];
    let mut t = Tally::zero();
    for (i, h) in hours.iter().enumerate() {
        let minutes = (h * 60.0) as i64;
        let mut o = order(&format!("H{i}"), "li", "2026-03-02 00:00", Some("2026-03-02 00:00"));
        o.delivered_at = Some(o.checked_in_at + Duration::minutes(minutes));
        t.add(&station_tally(&o));
    }
    assert_eq!(t.cycle_hist, hist(&[(0, 2), (1, 1), (2, 1), (4, 1), (6, 1), (7, 1), (9, 1), (10, 1), (18, 1)]));
    // Median: rank 5; buckets 0–2 hold 4, so all of bucket 4 (4–5 h): 5 h (the exact median is 6 h).
    assert_eq!(kpi::figures::cycle_quantile_hours(&t, 0.5), Some(5.0));
    // p90: rank 9; buckets up to 9 hold 8, so all of bucket 10 (24–36 h): 36 h.
    assert_eq!(kpi::figures::cycle_quantile_hours(&t, 0.9), Some(36.0));
    // p95: rank 9.5, half-way into the open bucket, read as 336–672 h: 504 h.
    assert_eq!(kpi::figures::cycle_quantile_hours(&t, 0.95), Some(504.0));
    assert_eq!(kpi::figures::cycle_quantile_hours(&Tally::zero(), 0.5), None, "no orders, no median");
    assert_eq!(find(&figures(&t, &Context::default()), "cycle_median_hours").meets_target, Some(true));
}

#[test]
fn cycle_buckets_include_their_upper_bound() {
    assert_eq!((cycle_bucket(0), cycle_bucket(60), cycle_bucket(61)), (0, 0, 1));
    assert_eq!((cycle_bucket(24 * 60), cycle_bucket(24 * 60 + 1)), (9, 10));
    assert_eq!((cycle_bucket(336 * 60), cycle_bucket(336 * 60 + 1)), (17, 18));
}

#[test]
fn a_running_deadline_past_its_late_at_is_breached_as_of_now_but_not_before() {
    let running = deadline("follow_up", "running", Some("2026-03-05 16:00"), None, None);
    assert!(deadline_contributions(&running, &rules(), local("2026-03-05 15:59")).is_empty(), "still running, undecided");
    let late = deadline_contributions(&running, &rules(), local("2026-03-05 16:00"));
    let k = POLICY_KINDS.iter().position(|k| *k == "follow_up").expect("a kind");
    assert_eq!(late.len(), 1);
    assert_eq!((late[0].0, &late[0].1, late[0].2.deadlines_breached[k], late[0].2.deadlines_met[k]), (day("2026-03-05"), &Dim::Station, 1, 0));
    // A paused clock cannot run out.
    let paused = deadline("complaint_resolution", "paused", Some("2026-03-05 16:00"), None, None);
    assert!(deadline_contributions(&paused, &rules(), local("2026-03-09 00:00")).is_empty());

    // The same for a complaint: undecided before, breached after.
    let k2 = ComplaintRecord {
        id: "K".into(),
        received_at: local("2026-03-02 16:00"),
        repeat: false,
        resolution: Some(deadline("complaint_resolution", "running", Some("2026-03-05 16:00"), None, None)),
    };
    let before = &complaint_contributions(&k2, &rules(), local("2026-03-05 15:00"))[0].2;
    let after = &complaint_contributions(&k2, &rules(), local("2026-03-05 17:00"))[0].2;
    assert_eq!((before.complaints, before.complaints_decided, before.complaints_in_time), (1, 0, 0));
    assert_eq!((after.complaints, after.complaints_decided, after.complaints_in_time), (1, 1, 0));
}

#[test]
fn a_deadline_counts_on_the_day_it_was_decided_by_whichever_came_first() {
    let now = local("2026-03-20 00:00");
    let k = POLICY_KINDS.iter().position(|k| *k == "complaint_resolution").expect("a kind");
    let decided = |d: DeadlineRecord| {
        let c = deadline_contributions(&d, &rules(), now);
        (c[0].0, c[0].2.deadlines_met[k], c[0].2.deadlines_breached[k])
    };
    // Stopped exactly at the budget: the engine sets both instants, and calls it within budget.
    let tie = deadline("complaint_resolution", "stopped", Some("2026-03-05 16:00"), Some("2026-03-05 16:00"), Some("2026-03-05 16:00"));
    assert_eq!(decided(tie), (day("2026-03-05"), 1, 0));
    // Breached, then met under a budget raised later: the breach is kept.
    let raised = deadline("complaint_resolution", "stopped", Some("2026-03-05 16:00"), Some("2026-03-06 10:00"), Some("2026-03-05 16:00"));
    assert_eq!(decided(raised), (day("2026-03-05"), 0, 1));
    // Met, reopened, then run out: it was met, and stays counted on the day it was.
    let reopened = deadline("complaint_resolution", "running", Some("2026-03-09 16:00"), Some("2026-03-04 10:00"), Some("2026-03-09 16:00"));
    assert_eq!(decided(reopened), (day("2026-03-04"), 1, 0));
    // A kind this version does not know adds nothing.
    assert!(deadline_contributions(&deadline("something_new", "stopped", None, Some("2026-03-04 10:00"), None), &rules(), now).is_empty());
}

#[test]
fn complaints_are_counted_per_100_delivered_orders() {
    // 150 orders delivered and 3 complaints received on the same day: 3 × 100 / 150 = 2.0, exactly the target.
    let mut t = Tally::zero();
    let o = order("P", "li", "2026-03-02 09:00", Some("2026-03-02 16:00"));
    for _ in 0..150 {
        t.add(&station_tally(&o));
    }
    for i in 0..3 {
        let k = ComplaintRecord { id: format!("K{i}"), received_at: local("2026-03-02 18:00"), repeat: false, resolution: None };
        t.add(&complaint_contributions(&k, &rules(), local("2026-03-02 18:00"))[0].2);
    }
    let all = figures(&t, &Context::default());
    let per_100 = find(&all, "complaints_per_100");
    assert_eq!((per_100.value, per_100.numerator, per_100.denominator), (Some(2.0), 3, 150));
    assert_eq!(per_100.meets_target, Some(true), "at the target is meeting it");
    // Undecided complaints are not in the in-time share.
    assert_eq!((find(&all, "complaints_in_time").denominator, find(&all, "complaints_in_time").value), (0, None));
    // One more complaint and it no longer does: 4 × 100 / 150.
    t.add(
        &complaint_contributions(
            &ComplaintRecord { id: "K9".into(), received_at: local("2026-03-02 19:00"), repeat: true, resolution: None },
            &rules(),
            local("2026-03-03 00:00"),
        )[0]
        .2,
    );
    assert_eq!(find(&figures(&t, &Context::default()), "complaints_per_100").meets_target, Some(false));
}

#[test]
fn subtracting_a_records_old_contribution_undoes_adding_it() {
    // B was first pushed delivered with its follow-up still due; later reached, scored, and a line added.
    let old = week()[1].clone();
    let mut due = old.clone();
    due.follow_up = follow_up("due", None);
    due.survey_overall = None;
    let mut new = old.clone();
    new.lines.push(labor("j3", 500, 10_000));

    let mut book = book_of(&[week()[0].clone(), due.clone()]);
    book.subtract(order_contributions(&due, &rules()));
    book.add(order_contributions(&new, &rules()));
    let fresh = book_of(&[week()[0].clone(), new.clone()]);
    assert_eq!(book.days, fresh.days);

    // Taking everything away leaves nothing, and nobody listed.
    book.subtract(order_contributions(&new, &rules()));
    book.subtract(order_contributions(&week()[0], &rules()));
    assert!(book.days.is_empty());
    assert!(book.people(day("2026-03-01"), day("2026-03-31")).is_empty());

    // Tally by tally: add then subtract is zero.
    let mut t = station_tally(&new);
    t.subtract(&station_tally(&new));
    assert!(t.is_zero());
    assert_eq!(t, Tally::zero());
}

#[test]
fn to_vec_and_from_vec_round_trip_in_a_layout_of_width_56() {
    // The layout is how the head office stores a tally: 21 counters, 19 cycle buckets, 8 + 8 deadline kinds.
    assert_eq!(Tally::WIDTH, 56);
    assert_eq!(Tally::WIDTH, 21 + CYCLE_BUCKETS + 2 * POLICY_KINDS.len());
    let distinct: Vec<i64> = (1..=Tally::WIDTH as i64).collect();
    let t = Tally::from_vec(&distinct);
    assert_eq!(t.to_vec(), distinct);
    assert_eq!((t.delivered, t.cancelled, t.complaints_repeat), (1, 2, 21));
    assert_eq!((t.cycle_hist[0], t.deadlines_met[0], t.deadlines_breached[7]), (22, 41, 56));
    assert_eq!(Tally::zero().to_vec(), vec![0; Tally::WIDTH]);
    // A sum stored before later counters existed reads them as zero.
    let short = Tally::from_vec(&[3, 1]);
    assert_eq!((short.delivered, short.cancelled, short.to_vec().len()), (3, 1, Tally::WIDTH));
    assert_eq!(Tally::default(), Tally::zero());
    // And through JSON, as a station sends it.
    let json = serde_json::to_string(&t).expect("serialises");
    assert_eq!(serde_json::from_str::<Tally>(&json).expect("parses"), t);
}

#[test]
fn a_delivery_at_23_30_in_shanghai_counts_that_day_and_one_at_00_30_the_next() {
    // 23:30 and 00:30 local are 15:30 and 16:30 UTC: the same UTC day, different station days.
    let late = order("N1", "li", "2026-03-02 09:00", Some("2026-03-02 23:30"));
    let early = order("N2", "li", "2026-03-02 09:00", Some("2026-03-03 00:30"));
    assert_eq!(late.delivered_at.map(|t| t.date_naive()), early.delivered_at.map(|t| t.date_naive()));
    let book = book_of(&[late, early]);
    assert_eq!(book.sum(&Dim::Station, day("2026-03-02"), day("2026-03-02")).delivered, 1);
    assert_eq!(book.sum(&Dim::Station, day("2026-03-03"), day("2026-03-03")).delivered, 1);
    assert_eq!(book.sum(&Dim::Station, day("2026-03-02"), day("2026-03-03")).delivered, 2);
}

#[test]
fn huge_or_corrupt_sums_give_figures_instead_of_panicking() {
    let mut t = Tally::zero();
    t.delivered = i64::MAX;
    t.complaints = i64::MAX;
    t.billed_milli = i64::MAX;
    t.clocked_seconds = 1;
    t.parts_issued_minor = i64::MAX;
    t.repeats = -5;
    t.cycle_hist[3] = i64::MAX;
    t.cycle_hist[4] = i64::MAX;
    let cx = Context { days: 365, stock_value_minor: 1, parts_short: 0, available_seconds: 1 };
    let all = figures(&t, &cx);
    assert_value(&all, "complaints_per_100", 100.0);
    assert!(find(&all, "stock_turnover").value.is_some_and(f64::is_finite));
    assert!(find(&all, "cycle_median_hours").value.is_some());
    let mut sum = t.clone();
    sum.add(&t);
    assert_eq!(sum.delivered, i64::MAX, "saturates");
}

#[test]
fn figures_lists_every_kpi_once_with_deadline_codes_per_policy_kind() {
    let codes: Vec<String> = figures(&Tally::zero(), &Context::default()).into_iter().map(|f| f.code).collect();
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    for kind in POLICY_KINDS {
        assert!(codes.contains(&format!("deadline_met.{kind}")), "{kind}");
    }
    assert_eq!(codes.len(), 9 + POLICY_KINDS.len() + 11);
}

/// A random order within March 2026 (some cancelled, some still open), by one
/// of two advisors, with up to two technicians.
fn any_order() -> impl Strategy<Value = OrderRecord> {
    (0..31 * 24 * 60i64, prop::option::of(0..10 * 24 * 60i64), 0..3u8, any::<bool>(), 0..4u8, 0..10_000i64, prop::option::of(1..=5i64)).prop_map(
        |(start, cycle, kind, li, techs, seconds, score)| {
            let checked_in = local("2026-03-01 00:00") + Duration::minutes(start);
            let mut o = order("O", if li { "li" } else { "wang" }, "2026-03-01 00:00", None);
            o.checked_in_at = checked_in;
            o.delivered_at = cycle.map(|m| checked_in + Duration::minutes(m));
            o.status = match (kind, o.delivered_at) {
                (0, _) => "cancelled".into(),
                (_, Some(_)) => "delivered".into(),
                _ => "in_repair".into(),
            };
            if o.status == "cancelled" {
                o.delivered_at = None;
            }
            o.promised_at = (kind == 1).then(|| checked_in + Duration::hours(8));
            o.repeat_of_delivered_at = (techs == 3).then(|| checked_in - Duration::days(10));
            for (i, tech) in ["zhang", "chen"].iter().enumerate().take(usize::from(techs % 3)) {
                let id = format!("j{i}");
                o.jobs.push(job(&id, Some(tech), "approved"));
                o.lines.push(labor(&id, 1000 + seconds, 20_000));
                o.clock_entries.push(clock(&id, tech, seconds));
            }
            o.follow_up = follow_up(if score.is_some() { "reached" } else { "due" }, None);
            o.survey_overall = score;
            o
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn book_sums_do_not_depend_on_the_order_records_are_added(
        (orders, shuffled) in prop::collection::vec(any_order(), 0..40).prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
    ) {
        let (a, b) = (book_of(&orders), book_of(&shuffled));
        prop_assert_eq!(a.days, b.days);
    }

    #[test]
    fn a_range_split_in_two_adds_up_to_the_whole(orders in prop::collection::vec(any_order(), 0..40), split in 0..40u32) {
        let book = book_of(&orders);
        let (from, to) = (day("2026-02-25"), day("2026-04-10"));
        let mid = from + Duration::days(i64::from(split));
        for dim in [Dim::Station, advisor("li"), technician("zhang")] {
            let mut parts = book.sum(&dim, from, mid);
            parts.add(&book.sum(&dim, mid + Duration::days(1), to));
            prop_assert_eq!(parts, book.sum(&dim, from, to));
        }
    }
}

#[test]
fn every_kpi_has_a_name_and_a_definition_in_both_languages() {
    // The tooltips read `kpi.name.<code>` and `kpi.definition.<code>`; a dotted
    // code is one flat key under `name`, as error codes are under `errors`.
    for lang in ["en", "zh-CN"] {
        let path = format!("{}/../../ui/src/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("the locale file");
        let locale: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        for f in figures(&Tally::zero(), &Context::default()) {
            for part in ["name", "definition"] {
                let text = locale["kpi"][part][&f.code].as_str().unwrap_or_default();
                assert!(!text.trim().is_empty(), "{lang}: kpi.{part}.{} is missing", f.code);
            }
        }
    }
}
