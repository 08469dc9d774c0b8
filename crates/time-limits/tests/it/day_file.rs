//! The holiday file stations import each year, and merging it into a calendar.

use time_limits::{Calendar, DayEntry, DayKind};

use crate::date;

const NATIONAL_DAY: &str = "\u{feff}# China 2026, from the State Council notice
date,kind,name

2026-09-27,workday,国庆调休
2026-10-01,holiday,国庆节
2026-10-02, Holiday ,国庆节, second day
2026-10-03,holiday
2026-10-10,workday,国庆调休\r
";

#[test]
fn a_good_file_gives_one_entry_per_line_skipping_comments_blanks_and_the_header() {
    let entries = Calendar::parse_day_file(NATIONAL_DAY).expect("a good file");
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0], DayEntry { date: date("2026-09-27"), kind: DayKind::Workday, name: "国庆调休".to_string() });
    assert_eq!(entries[2].kind, DayKind::Holiday, "the kind is trimmed and case-insensitive");
    assert_eq!(entries[2].name, "国庆节, second day", "a name may hold commas");
    assert_eq!(entries[3].name, "", "the name is optional");
    assert_eq!(entries[4].date, date("2026-10-10"), "a CRLF line ending is fine");
}

#[test]
fn a_bad_date_names_its_line() {
    let error = Calendar::parse_day_file("# comment\n2026-10-01,holiday\n2026-10-32,holiday,oops\n").expect_err("a bad date");
    assert_eq!((error.field.as_str(), error.code), ("line.3", "calendar.file_line"));
    assert!(error.message.starts_with("Line 3:"), "{error}");
    assert!(error.message.contains("2026-10-32"), "{error}");
}

#[test]
fn an_unknown_kind_names_its_line() {
    let error = Calendar::parse_day_file("2026-10-01,vacation\n").expect_err("an unknown kind");
    assert_eq!(error.field, "line.1");
    assert!(error.message.contains("vacation"), "{error}");
    let missing = Calendar::parse_day_file("2026-10-01\n").expect_err("no kind");
    assert_eq!(missing.field, "line.1");
}

#[test]
fn a_header_is_only_allowed_first() {
    let error = Calendar::parse_day_file("2026-10-01,holiday\ndate,kind,name\n").expect_err("a header in the middle");
    assert_eq!(error.field, "line.2");
}

#[test]
fn merging_replaces_the_kind_of_a_listed_date_and_keeps_both_lists_sorted_and_unique() {
    let mut calendar = Calendar::standard();
    calendar.holidays = vec![date("2026-10-05"), date("2026-09-27")];
    calendar.makeup_days = vec![date("2026-10-01")];
    let entries = Calendar::parse_day_file(NATIONAL_DAY).expect("a good file");
    calendar.merge_days(&entries);
    let dates = |list: &[&str]| list.iter().map(|d| date(d)).collect::<Vec<_>>();
    assert_eq!(calendar.holidays, dates(&["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-05"]));
    assert_eq!(calendar.makeup_days, dates(&["2026-09-27", "2026-10-10"]));
    calendar.validate().expect("merging never leaves a date in both lists");
    // Merging the same file again changes nothing.
    let before = calendar.clone();
    calendar.merge_days(&entries);
    assert_eq!(calendar, before);
}
