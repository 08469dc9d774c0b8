//! Properties that must hold for any event log, calendar and `now`.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use time_limits::{read, Basis, Calendar, ClockEvent, ClockState, Mark, Policy};

use crate::{office_week, span, utc};

/// The calendars the properties run on: Shanghai with a Saturday, an office
/// week with National Day and its make-up days, and Berlin (DST) every day.
fn calendar(which: u8) -> Calendar {
    match which % 3 {
        0 => Calendar::standard(),
        1 => {
            let mut calendar = office_week();
            let entries = Calendar::parse_day_file("2026-09-27,workday\n2026-10-01,holiday\n2026-10-02,holiday\n2026-10-05,holiday\n2026-10-10,workday\n")
                .expect("a good file");
            calendar.merge_days(&entries);
            calendar
        }
        _ => Calendar {
            time_zone: "Europe/Berlin".to_string(),
            weekly: vec![vec![span("01:00", "05:00"), span("09:00", "17:30")]; 7],
            holidays: vec![],
            makeup_days: vec![],
        },
    }
}

fn base() -> DateTime<Utc> {
    utc("2026-01-01 00:00")
}

/// An instant within 2026 (so DST changes and National Day are in reach),
/// to the nanosecond.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..365 * 24 * 3600i64, 0..1_000_000_000i64).prop_map(|(secs, nanos)| base() + TimeDelta::seconds(secs) + TimeDelta::nanoseconds(nanos))
}

fn policy() -> impl Strategy<Value = Policy> {
    (1..3000i64, any::<bool>()).prop_map(|(minutes, working)| Policy::new(minutes, if working { Basis::Working } else { Basis::Wall }).expect("in range"))
}

fn mark() -> impl Strategy<Value = Mark> {
    prop_oneof![
        3 => Just(Mark::Start),
        3 => Just(Mark::Pause),
        3 => Just(Mark::Resume),
        2 => Just(Mark::Stop),
        2 => Just(Mark::Reopen),
        2 => policy().prop_map(Mark::Rebudget),
    ]
}

/// Up to 30 events within about three weeks of a start; whole hours often, so
/// that events share instants, and keys from a small set, so they share keys too.
fn events() -> impl Strategy<Value = (DateTime<Utc>, Vec<ClockEvent>)> {
    let offset = prop_oneof![(0..500i64).prop_map(|h| h * 3600), 0..1_800_000i64];
    let event = (offset, 0..6u8, mark());
    (instant(), prop::collection::vec(event, 0..30)).prop_map(|(start, events)| {
        let events =
            events.into_iter().map(|(offset, key, mark)| ClockEvent { at: start + TimeDelta::seconds(offset), key: format!("k{key}"), mark }).collect();
        (start, events)
    })
}

/// The same log with every policy counted in `basis`.
fn in_basis(events: &[ClockEvent], basis: Basis) -> Vec<ClockEvent> {
    events
        .iter()
        .cloned()
        .map(|mut event| {
            if let Mark::Rebudget(policy) = &mut event.mark {
                policy.basis = basis;
            }
            event
        })
        .collect()
}

fn now_after(start: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    start + TimeDelta::seconds(secs)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_order_of_the_same_events_gives_the_same_reading(
        (start, events, shuffled) in events().prop_flat_map(|(start, events)| (Just(start), Just(events.clone()), Just(events).prop_shuffle())),
        initial in policy(),
        which in any::<u8>(),
        later in 0..2_000_000i64,
    ) {
        let calendar = calendar(which);
        let now = now_after(start, later);
        prop_assert_eq!(read(&initial, &calendar, &events, now), read(&initial, &calendar, &shuffled, now));
    }

    #[test]
    fn elapsed_never_goes_down_as_now_moves_on_within_one_basis(
        (start, events) in events(),
        initial in policy(),
        which in any::<u8>(),
        earlier in 0..2_000_000i64,
        gap in 0..500_000i64,
    ) {
        let calendar = calendar(which);
        let events = in_basis(&events, initial.basis);
        let first = read(&initial, &calendar, &events, now_after(start, earlier));
        let second = read(&initial, &calendar, &events, now_after(start, earlier + gap));
        prop_assert!(first.elapsed_secs <= second.elapsed_secs, "{} then {}", first.elapsed_secs, second.elapsed_secs);
        prop_assert!(first.elapsed_secs >= 0);
        // Once breached, always breached at the same instant.
        if first.breached_at.is_some() {
            prop_assert_eq!(first.breached_at, second.breached_at);
        }
    }

    #[test]
    fn elapsed_plus_remaining_is_the_budget(
        (start, events) in events(),
        initial in policy(),
        which in any::<u8>(),
        later in 0..2_000_000i64,
    ) {
        let reading = read(&initial, &calendar(which), &events, now_after(start, later));
        prop_assert_eq!(reading.elapsed_secs + reading.remaining_secs, reading.budget_secs);
        prop_assert_eq!(reading.budget_secs, reading.policy.budget_minutes * 60);
        prop_assert_eq!(reading.due_at.is_some(), reading.state == ClockState::Running);
        prop_assert_eq!(reading.overdue, reading.breached_at.is_some() && reading.state != ClockState::Stopped);
    }

    #[test]
    fn working_elapsed_is_never_more_than_wall_elapsed(
        (start, events) in events(),
        minutes in 1..3000i64,
        which in any::<u8>(),
        later in 0..2_000_000i64,
    ) {
        let calendar = calendar(which);
        let now = now_after(start, later);
        let wall = read(&Policy::new(minutes, Basis::Wall).expect("in range"), &calendar, &in_basis(&events, Basis::Wall), now);
        let working = read(&Policy::new(minutes, Basis::Working).expect("in range"), &calendar, &in_basis(&events, Basis::Working), now);
        prop_assert!(working.elapsed_secs <= wall.elapsed_secs, "working {} > wall {}", working.elapsed_secs, wall.elapsed_secs);
        prop_assert_eq!(working.state, wall.state);
    }

    #[test]
    fn a_running_clock_read_at_its_due_time_has_nothing_left_and_breaches_then(
        start in instant(),
        initial in policy(),
        which in any::<u8>(),
        peek in 0..400_000i64,
    ) {
        let calendar = calendar(which);
        let events = [ClockEvent { at: start, key: "start".to_string(), mark: Mark::Start }];
        let early = read(&initial, &calendar, &events, now_after(start, peek));
        let due = early.due_at.expect("a running clock has a due time");
        let at_due = read(&initial, &calendar, &events, due);
        prop_assert_eq!(at_due.remaining_secs, 0);
        prop_assert_eq!(at_due.breached_at, Some(due));
        prop_assert!(at_due.overdue);
        if early.remaining_secs > 0 {
            prop_assert_eq!(early.breached_at, None);
        }
    }

    #[test]
    fn adding_working_seconds_and_measuring_them_back_agree_exactly(
        from in instant(),
        secs in 0..2_000_000i64,
        which in any::<u8>(),
    ) {
        let calendar = calendar(which);
        let to = calendar.add_working_secs(from, secs);
        prop_assert!(to >= from);
        prop_assert_eq!(calendar.working_secs_between(from, to), secs);
        if secs > 0 {
            // The earliest such instant: a second earlier is not enough.
            prop_assert!(calendar.working_secs_between(from, to - TimeDelta::seconds(1)) < secs);
        }
    }

    #[test]
    fn working_time_adds_up_across_a_split(
        from in instant(),
        first in 0..3_000_000i64,
        second in 0..3_000_000i64,
        which in any::<u8>(),
    ) {
        let calendar = calendar(which);
        let middle = now_after(from, first);
        let to = now_after(middle, second);
        // Whole seconds from `from` on, so flooring each part loses nothing.
        let whole = calendar.working_secs_between(from, to);
        let parts = calendar.working_secs_between(from, middle) + calendar.working_secs_between(middle, to);
        prop_assert!(whole - parts == 0 || whole - parts == 1, "whole {whole}, parts {parts}");
    }
}
