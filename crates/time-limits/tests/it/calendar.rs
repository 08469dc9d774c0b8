//! Working-time arithmetic on hand-worked calendars.

use chrono::{NaiveDate, TimeDelta};
use time_limits::{Calendar, Span};

use crate::{date, local, office_week, sh, span, utc, HOUR};

#[test]
fn four_working_hours_from_friday_five_pm_end_on_saturday_noon_in_the_standard_calendar() {
    // Fri 2026-03-13 17:00–18:00 is 1 h; Saturday opens 09:00, and 3 h more is 12:00.
    let calendar = Calendar::standard();
    let from = sh("2026-03-13 17:00");
    let due = calendar.add_working_secs(from, 4 * HOUR);
    assert_eq!(due, sh("2026-03-14 12:00"));
    assert_eq!(calendar.working_secs_between(from, due), 4 * HOUR);
}

#[test]
fn four_working_hours_from_friday_five_pm_end_on_monday_half_past_eleven_when_saturday_is_closed() {
    // Fri 17:00–18:00 is 1 h; Saturday and Sunday are closed; Monday 08:30 + 3 h = 11:30.
    let calendar = office_week();
    let from = sh("2026-03-13 17:00");
    assert_eq!(calendar.add_working_secs(from, 4 * HOUR), sh("2026-03-16 11:30"));
    assert_eq!(calendar.working_secs_between(from, sh("2026-03-16 11:30")), 4 * HOUR);
    // Over the weekend itself nothing counts.
    assert_eq!(calendar.working_secs_between(sh("2026-03-13 18:00"), sh("2026-03-16 08:30")), 0);
}

#[test]
fn the_lunch_break_does_not_count_and_time_lands_at_the_end_of_a_span_not_after_the_break() {
    let calendar = Calendar::standard();
    // Mon 11:00 + 1 h: 11:00–12:00 is the hour, so 12:00, not 13:30.
    assert_eq!(calendar.add_working_secs(sh("2026-03-16 11:00"), HOUR), sh("2026-03-16 12:00"));
    // 11:00 + 1 h 30 min: 1 h before lunch, 30 min after 13:30.
    assert_eq!(calendar.add_working_secs(sh("2026-03-16 11:00"), 90 * 60), sh("2026-03-16 14:00"));
    assert_eq!(calendar.working_secs_between(sh("2026-03-16 11:00"), sh("2026-03-16 14:00")), 90 * 60);
}

/// The office week with National Day 2026 (Thu 10-01 .. Wed 10-07 closed) and
/// its make-up days, Sunday 09-27 and Saturday 10-10.
fn national_day_2026() -> Calendar {
    let mut calendar = office_week();
    calendar.holidays = (1..=7).map(|d| NaiveDate::from_ymd_opt(2026, 10, d).expect("a date")).collect();
    calendar.makeup_days = vec![date("2026-09-27"), date("2026-10-10")];
    calendar.validate().expect("a valid calendar");
    calendar
}

#[test]
fn working_time_skips_a_public_holiday_week() {
    // Wed 09-30 17:00–18:00 is 1 h (9 h left); Oct 1–7 are closed; Thu 10-08 has
    // 3.5 h + 4.5 h = 8 h (1 h left); Fri 10-09 08:30 + 1 h = 09:30.
    let calendar = national_day_2026();
    assert_eq!(calendar.add_working_secs(sh("2026-09-30 17:00"), 10 * HOUR), sh("2026-10-09 09:30"));
}

#[test]
fn a_makeup_saturday_works_the_hours_of_monday() {
    // Wed 09-30 1 h, Thu 10-08 8 h, Fri 10-09 8 h: 17 h; the make-up Saturday
    // 10-10 opens 08:30 like a Monday, and 3 h more is 11:30.
    let calendar = national_day_2026();
    assert_eq!(calendar.add_working_secs(sh("2026-09-30 17:00"), 20 * HOUR), sh("2026-10-10 11:30"));
    assert_eq!(calendar.spans_on(date("2026-10-10")), calendar.weekly[0]);
    assert_eq!(calendar.spans_on(date("2026-10-01")), Vec::<Span>::new());
    assert_eq!(calendar.spans_on(date("2026-10-17")), Vec::<Span>::new(), "an ordinary Saturday stays closed");
}

#[test]
fn a_makeup_sunday_counts_and_a_holiday_week_does_not() {
    // Sat 09-26 10:00 is closed; the make-up Sunday 09-27 opens 08:30: + 2 h = 10:30.
    let calendar = national_day_2026();
    assert_eq!(calendar.add_working_secs(sh("2026-09-26 10:00"), 2 * HOUR), sh("2026-09-27 10:30"));
    // 09-26 .. 10-10 inclusive: Sun 09-27 8 h, Mon–Wed 09-28..30 24 h, Oct 1–7 none,
    // Thu–Fri 10-08..09 16 h, Sat 10-10 8 h = 56 h.
    assert_eq!(calendar.working_secs_between(sh("2026-09-26 00:00"), sh("2026-10-11 00:00")), 56 * HOUR);
}

#[test]
fn the_station_time_zone_decides_which_utc_hours_are_working_hours() {
    // 2026-03-16 (Monday) 00:00Z–12:00Z is 08:00–20:00 in Shanghai: the whole 8 h
    // day; in Berlin (UTC+1) it is 01:00–13:00: only 08:30–12:00, 3.5 h.
    let shanghai = Calendar::standard();
    let berlin = Calendar { time_zone: "Europe/Berlin".to_string(), ..Calendar::standard() };
    let (from, to) = (utc("2026-03-16 00:00"), utc("2026-03-16 12:00"));
    assert_eq!(shanghai.working_secs_between(from, to), 8 * HOUR);
    assert_eq!(berlin.working_secs_between(from, to), 7 * HOUR / 2);
}

fn berlin_every_day(spans: Vec<Span>) -> Calendar {
    Calendar { time_zone: "Europe/Berlin".to_string(), weekly: vec![spans; 7], holidays: vec![], makeup_days: vec![] }
}

#[test]
fn a_span_across_the_spring_dst_gap_in_berlin_is_an_hour_shorter() {
    // Sun 2026-03-29 02:00 CET jumps to 03:00 CEST. 01:00–05:00 that day is
    // 00:00Z–03:00Z, 3 h; Monday's 01:00–05:00 CEST is 23:00Z–03:00Z, 4 h.
    let calendar = berlin_every_day(vec![span("01:00", "05:00")]);
    assert_eq!(calendar.working_secs_between(utc("2026-03-28 12:00"), utc("2026-03-30 12:00")), 7 * HOUR);
    assert_eq!(calendar.add_working_secs(utc("2026-03-28 12:00"), 3 * HOUR), utc("2026-03-29 03:00"));
}

#[test]
fn a_span_starting_in_the_dst_gap_starts_when_the_clocks_jump() {
    // 02:30 does not exist on 2026-03-29: the span starts at 03:00 CEST (01:00Z)
    // and ends at 04:00 CEST (02:00Z), 1 h.
    let calendar = berlin_every_day(vec![span("02:30", "04:00")]);
    assert_eq!(calendar.working_secs_between(utc("2026-03-29 00:00"), utc("2026-03-29 12:00")), HOUR);
    assert_eq!(calendar.add_working_secs(utc("2026-03-29 00:00"), 30 * 60), utc("2026-03-29 01:30"));
    // A span wholly inside the gap is simply closed, not an error.
    let inside = berlin_every_day(vec![span("02:10", "02:50")]);
    assert_eq!(inside.working_secs_between(utc("2026-03-29 00:00"), utc("2026-03-29 12:00")), 0);
}

#[test]
fn a_span_across_the_autumn_dst_overlap_in_berlin_is_an_hour_longer() {
    // Sun 2026-10-25 03:00 CEST falls back to 02:00 CET. 01:00 CEST is 23:00Z
    // the day before and 05:00 CET is 04:00Z: 5 h. A span starting at the
    // repeated 02:30 starts at its first occurrence, 02:30 CEST = 00:30Z.
    let calendar = berlin_every_day(vec![span("01:00", "05:00")]);
    assert_eq!(calendar.working_secs_between(utc("2026-10-24 12:00"), utc("2026-10-25 12:00")), 5 * HOUR);
    let repeated = berlin_every_day(vec![span("02:30", "03:30")]);
    // 00:30Z to 03:30 CET = 02:30Z: 2 h.
    assert_eq!(repeated.add_working_secs(utc("2026-10-24 12:00"), HOUR), utc("2026-10-25 01:30"));
    assert_eq!(repeated.working_secs_between(utc("2026-10-24 12:00"), utc("2026-10-25 12:00")), 2 * HOUR);
}

#[test]
fn a_calendar_with_no_open_hours_answers_ten_years_later_instead_of_looping() {
    let closed = berlin_every_day(vec![]);
    let from = utc("2026-03-16 09:00");
    assert_eq!(closed.add_working_secs(from, 60), from + TimeDelta::days(3650));
    assert_eq!(closed.working_secs_between(from, from + TimeDelta::days(365)), 0);
}

#[test]
fn adding_nothing_or_less_stays_put_even_in_closed_time() {
    let calendar = Calendar::standard();
    let sunday = sh("2026-03-15 10:00");
    assert_eq!(calendar.add_working_secs(sunday, 0), sunday);
    assert_eq!(calendar.add_working_secs(sunday, -60), sunday);
    assert_eq!(calendar.working_secs_between(sunday, sunday - TimeDelta::hours(1)), 0);
}

#[test]
fn a_sub_second_start_is_kept_and_elapsed_is_floored() {
    let calendar = Calendar::standard();
    let from = sh("2026-03-16 09:00") + TimeDelta::milliseconds(400);
    assert_eq!(calendar.add_working_secs(from, 10), from + TimeDelta::seconds(10));
    assert_eq!(calendar.working_secs_between(from, sh("2026-03-16 09:00") + TimeDelta::seconds(10)), 9);
}

#[test]
fn the_standard_calendar_is_valid_and_round_trips_through_json_as_hh_mm() {
    let calendar = Calendar::standard();
    calendar.validate().expect("standard() is valid");
    let json = serde_json::to_value(&calendar).expect("serializes");
    assert_eq!(json["weekly"][0][0], serde_json::json!({"start": "08:30", "end": "12:00"}));
    assert_eq!(json["time_zone"], "Asia/Shanghai");
    let mut with_days = calendar.clone();
    with_days.holidays = vec![date("2026-10-01")];
    let json = serde_json::to_value(&with_days).expect("serializes");
    assert_eq!(json["holidays"], serde_json::json!(["2026-10-01"]));
    let back: Calendar = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, with_days);
    let bad = serde_json::from_value::<Span>(serde_json::json!({"start": "8h30", "end": "12:00"}));
    assert!(bad.is_err(), "a time that is not HH:MM is refused");
}

#[test]
fn validate_names_the_field_at_fault() {
    let field = |calendar: Calendar| calendar.validate().expect_err("invalid").field;
    let code = |calendar: Calendar| calendar.validate().expect_err("invalid").code;

    let mut zone = Calendar::standard();
    zone.time_zone = "Asia/Beijing".to_string();
    assert_eq!((field(zone.clone()), code(zone)), ("time_zone".to_string(), "calendar.time_zone"));

    let mut six_days = Calendar::standard();
    six_days.weekly.pop();
    assert_eq!(field(six_days), "weekly");

    let mut backwards = Calendar::standard();
    backwards.weekly[2][1] = span("18:00", "13:30");
    assert_eq!((field(backwards.clone()), code(backwards)), ("weekly.2.1".to_string(), "calendar.span"));

    let mut overlapping = Calendar::standard();
    overlapping.weekly[4] = vec![span("08:30", "12:00"), span("11:00", "18:00")];
    assert_eq!(field(overlapping), "weekly.4.1");

    let mut unsorted = Calendar::standard();
    unsorted.weekly[0] = vec![span("13:30", "18:00"), span("08:30", "12:00")];
    assert_eq!(field(unsorted), "weekly.0.1");

    let mut conflict = Calendar::standard();
    conflict.holidays = vec![date("2026-10-01"), date("2026-10-02")];
    conflict.makeup_days = vec![date("2026-09-27"), date("2026-10-02")];
    assert_eq!((field(conflict.clone()), code(conflict)), ("makeup_days.1".to_string(), "calendar.conflict"));

    let mut too_many = Calendar::standard();
    too_many.holidays = (0..2001).map(|d| date("2020-01-01") + TimeDelta::days(d)).collect();
    assert_eq!(field(too_many), "holidays");
}

#[test]
fn an_invalid_calendar_is_still_read_without_panicking() {
    // Unknown zone read as UTC, a missing weekday closed, overlapping spans merged.
    let calendar = Calendar {
        time_zone: "Nowhere/Atlantis".to_string(),
        weekly: vec![vec![span("09:00", "12:00"), span("10:00", "13:00")]],
        holidays: vec![],
        makeup_days: vec![],
    };
    // 2026-03-16 is a Monday: 09:00–13:00 UTC once merged.
    assert_eq!(calendar.working_secs_between(utc("2026-03-16 00:00"), utc("2026-03-17 00:00")), 4 * HOUR);
    assert_eq!(calendar.add_working_secs(utc("2026-03-17 00:00"), 60), utc("2026-03-23 09:01"));
}

#[test]
fn shanghai_has_no_dst_so_local_helpers_agree() {
    assert_eq!(sh("2026-07-01 08:00"), local("Asia/Shanghai", "2026-07-01 08:00"));
    assert_eq!(sh("2026-07-01 08:00"), utc("2026-07-01 00:00"));
}
