//! Reading clocks from hand-worked event logs.

use chrono::{DateTime, TimeDelta, Utc};
use time_limits::{read, Basis, Calendar, ClockEvent, ClockState, Mark, Policy, Reading};

use crate::{office_week, sh, utc, HOUR};

fn wall(minutes: i64) -> Policy {
    Policy::new(minutes, Basis::Wall).expect("a valid budget")
}

fn working(minutes: i64) -> Policy {
    Policy::new(minutes, Basis::Working).expect("a valid budget")
}

/// Events keyed in the order written, so ties at the same instant keep it.
fn log(marks: &[(DateTime<Utc>, Mark)]) -> Vec<ClockEvent> {
    marks.iter().enumerate().map(|(i, (at, mark))| ClockEvent { at: *at, key: format!("e{i:03}"), mark: mark.clone() }).collect()
}

fn read_wall(minutes: i64, marks: &[(DateTime<Utc>, Mark)], now: DateTime<Utc>) -> Reading {
    read(&wall(minutes), &Calendar::standard(), &log(marks), now)
}

#[test]
fn a_clock_without_a_start_has_not_started_and_owes_nothing() {
    let reading = read_wall(60, &[], utc("2026-03-16 12:00"));
    assert_eq!(reading.state, ClockState::NotStarted);
    assert_eq!((reading.elapsed_secs, reading.remaining_secs), (0, 3600));
    assert_eq!((reading.warning, reading.due_at, reading.breached_at), (None, None, None));
    assert!(!reading.overdue);
}

#[test]
fn a_pause_across_midnight_does_not_count_against_the_budget() {
    // 24 h wall. Running 22:00Z–23:30Z (1.5 h), paused until 01:00Z, running to
    // 02:00Z (1 h): 2.5 h = 9000 s; 77 400 s left, due at 02:00Z + 21.5 h = 23:30Z,
    // which is the start plus 24 h plus the 1.5 h pause.
    let marks = [(utc("2026-03-16 22:00"), Mark::Start), (utc("2026-03-16 23:30"), Mark::Pause), (utc("2026-03-17 01:00"), Mark::Resume)];
    let reading = read_wall(24 * 60, &marks, utc("2026-03-17 02:00"));
    assert_eq!(reading.state, ClockState::Running);
    assert_eq!(reading.elapsed_secs, 9000);
    assert_eq!(reading.remaining_secs, 77_400);
    assert_eq!(reading.due_at, Some(utc("2026-03-17 23:30")));
    // Read in the middle of the pause: nothing counts after 23:30Z, and no due time.
    let paused = read_wall(24 * 60, &marks, utc("2026-03-17 00:30"));
    assert_eq!((paused.state, paused.elapsed_secs, paused.due_at), (ClockState::Paused, 5400, None));
}

#[test]
fn two_pauses_in_a_row_leave_out_the_waiting_time_once() {
    // Running 09:00–10:00 (1 h); waiting for the customer, then for parts (a
    // second Pause changes nothing) until 12:00; running 12:00–13:00 (1 h): 2 h.
    let marks = [
        (utc("2026-03-16 09:00"), Mark::Start),
        (utc("2026-03-16 10:00"), Mark::Pause),
        (utc("2026-03-16 10:30"), Mark::Pause),
        (utc("2026-03-16 12:00"), Mark::Resume),
    ];
    assert_eq!(read_wall(8 * 60, &marks, utc("2026-03-16 13:00")).elapsed_secs, 2 * HOUR);
    assert_eq!(read_wall(8 * 60, &marks, utc("2026-03-16 11:00")).elapsed_secs, HOUR);
}

#[test]
fn a_second_start_and_a_resume_while_running_change_nothing() {
    let marks = [(utc("2026-03-16 09:00"), Mark::Start), (utc("2026-03-16 10:00"), Mark::Start), (utc("2026-03-16 10:30"), Mark::Resume)];
    assert_eq!(read_wall(8 * 60, &marks, utc("2026-03-16 11:00")).elapsed_secs, 2 * HOUR);
}

#[test]
fn reopening_after_a_stop_continues_from_the_elapsed_time() {
    // 4 h wall. Running 09:00–10:00 (1 h, stopped within budget: met at 10:00);
    // reopened 14:00, read at 15:00: 2 h gone, due at 15:00 + 2 h = 17:00.
    let marks = [(utc("2026-03-16 09:00"), Mark::Start), (utc("2026-03-16 10:00"), Mark::Stop), (utc("2026-03-16 14:00"), Mark::Reopen)];
    let stopped = read_wall(4 * 60, &marks, utc("2026-03-16 12:00"));
    assert_eq!(stopped.state, ClockState::Stopped);
    assert_eq!(stopped.stopped_at, Some(utc("2026-03-16 10:00")));
    let reopened = read_wall(4 * 60, &marks, utc("2026-03-16 15:00"));
    assert_eq!(reopened.state, ClockState::Running);
    assert_eq!(reopened.elapsed_secs, 2 * HOUR);
    assert_eq!(reopened.met_at, Some(utc("2026-03-16 10:00")), "met_at is kept after reopening");
    assert_eq!(reopened.stopped_at, None);
    assert_eq!(reopened.due_at, Some(utc("2026-03-16 17:00")));
}

#[test]
fn a_rebudget_below_the_elapsed_time_breaches_at_the_rebudget_instant() {
    // 24 h wall from 09:00; at 10:00 (60 min gone) the budget becomes 30 min:
    // over at once, so breached at 10:00. At 10:30: 90 min gone, 60 min over.
    let marks = [(utc("2026-03-16 09:00"), Mark::Start), (utc("2026-03-16 10:00"), Mark::Rebudget(wall(30)))];
    let reading = read_wall(24 * 60, &marks, utc("2026-03-16 10:30"));
    assert_eq!(reading.policy, wall(30));
    assert_eq!((reading.elapsed_secs, reading.budget_secs, reading.remaining_secs), (5400, 1800, -3600));
    assert_eq!(reading.breached_at, Some(utc("2026-03-16 10:00")));
    assert_eq!(reading.due_at, reading.breached_at, "an overdue clock is due when it breached");
    assert_eq!(reading.warning, Some(90));
    assert!(reading.overdue);
}

#[test]
fn a_rebudget_that_raises_the_budget_after_a_breach_keeps_breached_at() {
    // 60 min wall from 09:00: breached at 10:00. At 10:30 the budget becomes 4 h;
    // at 11:00 2 h of 4 are gone (50 %), due at 13:00, and still breached.
    let marks = [(utc("2026-03-16 09:00"), Mark::Start), (utc("2026-03-16 10:30"), Mark::Rebudget(wall(240)))];
    let reading = read_wall(60, &marks, utc("2026-03-16 11:00"));
    assert_eq!((reading.elapsed_secs, reading.remaining_secs), (2 * HOUR, 2 * HOUR));
    assert_eq!(reading.breached_at, Some(utc("2026-03-16 10:00")));
    assert_eq!(reading.due_at, Some(utc("2026-03-16 13:00")));
    assert_eq!(reading.warning, Some(50));
    assert!(reading.overdue, "breached and not stopped");
}

#[test]
fn a_rebudget_while_paused_can_breach_and_one_before_the_start_just_sets_the_policy() {
    let marks = [
        (utc("2026-03-16 08:00"), Mark::Rebudget(wall(120))),
        (utc("2026-03-16 09:00"), Mark::Start),
        (utc("2026-03-16 10:00"), Mark::Pause),
        (utc("2026-03-16 11:00"), Mark::Rebudget(wall(45))),
    ];
    let reading = read_wall(24 * 60, &marks, utc("2026-03-16 12:00"));
    assert_eq!(reading.state, ClockState::Paused);
    assert_eq!(reading.breached_at, Some(utc("2026-03-16 11:00")));
    assert!(reading.overdue);
    let before = read_wall(24 * 60, &marks, utc("2026-03-16 09:30"));
    assert_eq!((before.policy, before.breached_at), (wall(120), None));
}

#[test]
fn a_rebudget_from_wall_to_working_re_measures_the_same_running_intervals() {
    // Standard calendar (Shanghai), Monday 2026-03-16. 8 h wall from 07:00,
    // paused 10:00–14:00, rebudgeted to 16 working hours at 16:00, read at 17:00.
    // Running intervals 07:00–10:00 and 14:00–17:00; in working time
    // 08:30–10:00 (1.5 h) and 14:00–17:00 (3 h): 4.5 h = 16 200 s; 11.5 h left:
    // Mon 17:00–18:00 1 h, Tue 8 h, Wed 08:30–11:00 2.5 h: due Wed 11:00.
    let marks = [
        (sh("2026-03-16 07:00"), Mark::Start),
        (sh("2026-03-16 10:00"), Mark::Pause),
        (sh("2026-03-16 14:00"), Mark::Resume),
        (sh("2026-03-16 16:00"), Mark::Rebudget(working(16 * 60))),
    ];
    let before = read(&wall(8 * 60), &Calendar::standard(), &log(&marks), sh("2026-03-16 15:59"));
    assert_eq!(before.elapsed_secs, 3 * HOUR + HOUR + 59 * 60, "still wall time before the rebudget");
    let reading = read(&wall(8 * 60), &Calendar::standard(), &log(&marks), sh("2026-03-16 17:00"));
    assert_eq!(reading.policy, working(16 * 60));
    assert_eq!(reading.elapsed_secs, 16_200);
    assert_eq!(reading.remaining_secs, 57_600 - 16_200);
    assert_eq!(reading.due_at, Some(sh("2026-03-18 11:00")));
    assert_eq!(reading.breached_at, None);
}

#[test]
fn a_working_clock_started_on_friday_afternoon_is_due_on_monday_and_breaches_then() {
    // Office week: Fri 17:00 + 4 working hours = Mon 11:30 (see the calendar tests).
    let marks = [(sh("2026-03-13 17:00"), Mark::Start)];
    let saturday = read(&working(240), &office_week(), &log(&marks), sh("2026-03-14 15:00"));
    assert_eq!((saturday.elapsed_secs, saturday.due_at), (HOUR, Some(sh("2026-03-16 11:30"))));
    assert_eq!(saturday.breached_at, None);
    // At 13:00: Fri 1 h and Mon 08:30–12:00 3.5 h; the lunch break does not count.
    let monday = read(&working(240), &office_week(), &log(&marks), sh("2026-03-16 13:00"));
    assert_eq!(monday.elapsed_secs, 4 * HOUR + 30 * 60);
    assert_eq!(monday.breached_at, Some(sh("2026-03-16 11:30")));
    assert_eq!(monday.due_at, Some(sh("2026-03-16 11:30")));
    assert!(monday.overdue);
}

#[test]
fn warnings_come_at_fifty_seventy_five_and_ninety_percent() {
    // 100 min wall from 09:00.
    let start = utc("2026-03-16 09:00");
    let marks = [(start, Mark::Start)];
    let warning_at = |minutes: i64, seconds: i64| read_wall(100, &marks, start + TimeDelta::minutes(minutes) + TimeDelta::seconds(seconds)).warning;
    assert_eq!(warning_at(49, 59), None);
    assert_eq!(warning_at(50, 0), Some(50));
    assert_eq!(warning_at(74, 59), Some(50));
    assert_eq!(warning_at(75, 0), Some(75));
    assert_eq!(warning_at(89, 59), Some(75));
    assert_eq!(warning_at(90, 0), Some(90));
    assert_eq!(warning_at(150, 0), Some(90), "over budget stays at the highest warning");
}

#[test]
fn a_clock_stopped_within_budget_shows_no_warning_and_one_stopped_over_budget_still_does() {
    let start = utc("2026-03-16 09:00");
    let stopped_at = |minutes: i64| read_wall(100, &[(start, Mark::Start), (start + TimeDelta::minutes(minutes), Mark::Stop)], utc("2026-03-16 18:00"));
    assert_eq!(stopped_at(80).warning, None);
    assert_eq!(stopped_at(120).warning, Some(90));
}

#[test]
fn a_stop_within_budget_is_met_and_a_stop_after_it_is_breached_but_not_overdue() {
    // 60 min wall from 09:00.
    let start = utc("2026-03-16 09:00");
    let met = read_wall(60, &[(start, Mark::Start), (utc("2026-03-16 09:45"), Mark::Stop)], utc("2026-03-16 12:00"));
    assert_eq!((met.state, met.elapsed_secs), (ClockState::Stopped, 45 * 60));
    assert_eq!((met.met_at, met.breached_at), (Some(utc("2026-03-16 09:45")), None));
    assert_eq!((met.due_at, met.stopped_at, met.overdue), (None, Some(utc("2026-03-16 09:45")), false));

    let late = read_wall(60, &[(start, Mark::Start), (utc("2026-03-16 10:30"), Mark::Stop)], utc("2026-03-16 12:00"));
    assert_eq!((late.met_at, late.breached_at), (None, Some(utc("2026-03-16 10:00"))));
    assert_eq!((late.remaining_secs, late.overdue), (-30 * 60, false));
}

#[test]
fn a_running_clock_is_due_when_its_budget_runs_out_and_a_paused_one_has_no_due_time() {
    let start = utc("2026-03-16 09:00");
    let running = read_wall(90, &[(start, Mark::Start)], utc("2026-03-16 09:20"));
    assert_eq!(running.due_at, Some(utc("2026-03-16 10:30")));
    assert!(!running.overdue);
    let over = read_wall(90, &[(start, Mark::Start)], utc("2026-03-16 11:00"));
    assert_eq!((over.breached_at, over.due_at), (Some(utc("2026-03-16 10:30")), Some(utc("2026-03-16 10:30"))));
    assert!(over.overdue, "breached and still running: red");
    let paused = read_wall(90, &[(start, Mark::Start), (utc("2026-03-16 09:20"), Mark::Pause)], utc("2026-03-16 11:00"));
    assert_eq!((paused.due_at, paused.breached_at, paused.overdue), (None, None, false));
}

#[test]
fn a_breach_inside_a_pause_is_found_where_the_budget_ran_out_not_where_the_pause_was_logged() {
    // 4 working hours (office week) from Fri 17:00, paused Mon 14:00: the budget
    // ran out at Mon 11:30 inside the interval that the Pause closes.
    let marks = [(sh("2026-03-13 17:00"), Mark::Start), (sh("2026-03-16 14:00"), Mark::Pause)];
    let reading = read(&working(240), &office_week(), &log(&marks), sh("2026-03-17 09:00"));
    assert_eq!(reading.breached_at, Some(sh("2026-03-16 11:30")));
    // Fri 1 h, Mon 08:30–12:00 3.5 h and 13:30–14:00 0.5 h: 5 h.
    assert_eq!(reading.elapsed_secs, 5 * HOUR);
}

#[test]
fn events_after_now_are_ignored_and_events_at_now_count() {
    let marks = [(utc("2026-03-16 09:00"), Mark::Start), (utc("2026-03-16 10:00"), Mark::Stop)];
    let at_stop = read_wall(120, &marks, utc("2026-03-16 10:00"));
    assert_eq!(at_stop.state, ClockState::Stopped);
    let before = read_wall(120, &marks, utc("2026-03-16 08:59"));
    assert_eq!(before.state, ClockState::NotStarted);
}

#[test]
fn events_at_the_same_instant_are_ordered_by_key() {
    let at = utc("2026-03-16 10:00");
    let events = |pause_key: &str, resume_key: &str| {
        vec![
            ClockEvent { at: utc("2026-03-16 09:00"), key: "a".into(), mark: Mark::Start },
            ClockEvent { at, key: pause_key.into(), mark: Mark::Pause },
            ClockEvent { at, key: resume_key.into(), mark: Mark::Resume },
        ]
    };
    let now = utc("2026-03-16 11:00");
    // Pause then Resume: running again. Resume (ignored, running) then Pause: paused.
    assert_eq!(read(&wall(600), &Calendar::standard(), &events("b", "c"), now).state, ClockState::Running);
    assert_eq!(read(&wall(600), &Calendar::standard(), &events("c", "b"), now).state, ClockState::Paused);
}

#[test]
fn policies_outside_one_minute_to_a_year_are_refused_naming_the_budget() {
    for minutes in [0, -5, 365 * 24 * 60 + 1] {
        let error = Policy::new(minutes, Basis::Wall).expect_err("out of range");
        assert_eq!((error.field.as_str(), error.code), ("budget_minutes", "time_limit.budget"));
        assert!(error.to_string().contains(&minutes.to_string()), "the message says what was given: {error}");
    }
    assert!(Policy::new(365 * 24 * 60, Basis::Working).is_ok());
    let json = serde_json::json!({"budget_minutes": 0, "basis": "wall"});
    assert!(serde_json::from_value::<Policy>(json).is_err(), "a stored policy is checked when read back");
    let json = serde_json::to_value(working(30)).expect("serializes");
    assert_eq!(json, serde_json::json!({"budget_minutes": 30, "basis": "working"}));
}

#[test]
fn a_reading_serializes_with_snake_case_states_and_rfc3339_instants() {
    let reading = read_wall(60, &[(utc("2026-03-16 09:00"), Mark::Start)], utc("2026-03-16 09:30"));
    let json = serde_json::to_value(&reading).expect("serializes");
    assert_eq!(json["state"], "running");
    assert_eq!(json["due_at"], "2026-03-16T10:00:00Z");
    assert_eq!(json["breached_at"], serde_json::Value::Null);
}

#[test]
fn reading_a_year_of_working_time_events_walks_days_not_minutes() {
    // A year of a clock paused and resumed twice a day, in working time.
    let start = sh("2026-01-01 08:00");
    let mut marks = vec![(start, Mark::Start)];
    for day in 0..365 {
        let morning = start + TimeDelta::days(day);
        marks.push((morning + TimeDelta::hours(3), Mark::Pause));
        marks.push((morning + TimeDelta::hours(5), Mark::Resume));
        marks.push((morning + TimeDelta::hours(12), Mark::Pause));
        marks.push((morning + TimeDelta::hours(24), Mark::Resume));
    }
    let events = log(&marks);
    let now = start + TimeDelta::days(365);
    let policy = working(365 * 24 * 60);
    let began = std::time::Instant::now();
    let reading = read(&policy, &Calendar::standard(), &events, now);
    let took = began.elapsed();
    assert!(reading.elapsed_secs > 0);
    // About 0.2 ms optimised (0.4 ms with this year-long budget, whose due
    // time is walked two years ahead) and 5 ms in an unoptimised test build;
    // the bound only catches a minute-by-minute walk.
    assert!(took < std::time::Duration::from_millis(100), "reading took {took:?}");
}
