//! The named periods every screen offers, so the station's dashboard and the
//! head office's console mean the same days by "this week" and "this month":
//! from the week's Monday or the month's first up to today, both included.
//! Days ahead would add nothing but empty points to a trend.

use chrono::{Datelike, Days, NaiveDate};

/// Monday of `today`'s week to `today`.
pub fn this_week(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today - Days::new(u64::from(today.weekday().num_days_from_monday())), today)
}

/// The first of `today`'s month to `today`.
pub fn this_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today.with_day(1).unwrap_or(today), today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn this_week_runs_from_monday_to_today_even_on_a_sunday_or_a_monday() {
        assert_eq!(this_week(d("2026-03-29")), (d("2026-03-23"), d("2026-03-29")));
        assert_eq!(this_week(d("2026-03-23")), (d("2026-03-23"), d("2026-03-23")));
        assert_eq!(this_week(d("2027-01-01")), (d("2026-12-28"), d("2027-01-01")), "a week across the new year");
    }

    #[test]
    fn this_month_runs_from_the_first_to_today() {
        assert_eq!(this_month(d("2028-02-29")), (d("2028-02-01"), d("2028-02-29")));
        assert_eq!(this_month(d("2026-03-01")), (d("2026-03-01"), d("2026-03-01")));
    }
}
