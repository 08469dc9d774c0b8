//! The time-limit engine's tests, one binary with a module per area.
//! Times in names and comments are station-local unless they end in Z.

mod calendar;
mod clock;
mod day_file;
mod properties;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use time_limits::{Calendar, Span};

/// A local time ("2026-03-13 17:00") in the zone, as an instant.
pub fn local(zone: &str, text: &str) -> DateTime<Utc> {
    let zone: chrono_tz::Tz = zone.parse().expect("a known zone");
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("YYYY-MM-DD HH:MM");
    zone.from_local_datetime(&naive).single().expect("an unambiguous local time").with_timezone(&Utc)
}

/// A Shanghai local time, the standard calendar's zone.
pub fn sh(text: &str) -> DateTime<Utc> {
    local("Asia/Shanghai", text)
}

pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("YYYY-MM-DD")
}

pub fn utc(text: &str) -> DateTime<Utc> {
    local("UTC", text)
}

pub fn span(start: &str, end: &str) -> Span {
    let time = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M").expect("HH:MM");
    Span { start: time(start), end: time(end) }
}

/// The standard calendar with Saturday closed: an office week.
pub fn office_week() -> Calendar {
    let mut calendar = Calendar::standard();
    calendar.weekly[5] = vec![];
    calendar
}

pub const HOUR: i64 = 3600;

#[test]
fn the_typescript_types_say_numbers_and_strings_where_the_json_has_them() {
    use ts_rs::TS;
    let policy = time_limits::Policy::decl();
    assert!(policy.contains("budget_minutes: number"), "{policy}");
    let reading = time_limits::Reading::decl();
    for field in ["elapsed_secs: number", "due_at: string | null", "warning: number | null", "state: ClockState"] {
        assert!(reading.contains(field), "Reading has {field}: {reading}");
    }
    let calendar = time_limits::Calendar::decl();
    assert!(calendar.contains("holidays: Array<string>"), "{calendar}");
    assert!(time_limits::Span::decl().contains("start: string"));
}
