//! Which days a KPI report covers: a named period (this week, this month), a
//! calendar month or a chosen range of the station's local days, and how the trend cuts it into
//! buckets (days, weeks from Monday, calendar months). Dates are local to the
//! station's calendar zone; instants are bounded by local midnights.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, Result};

/// A period named relative to today, so the desk never computes dates itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Monday of this week to today.
    ThisWeek,
    /// The first of this month to today.
    ThisMonth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Week,
    Month,
}

/// The days asked for: a preset, a `month`, or `from` and `to` (local dates, `YYYY-MM-DD`, both included).
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct KpiRange {
    #[serde(default)]
    #[ts(optional)]
    pub preset: Option<Preset>,
    /// A calendar month, `YYYY-MM`: its first to its last day, or to today in the month in progress.
    #[serde(default)]
    #[ts(optional)]
    pub month: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<String>,
}

/// Two years: enough to compare a month with the same month last year.
pub const MAX_DAYS: i64 = 731;
/// More points than this make an unreadable chart and a heavy answer.
pub const MAX_BUCKETS: usize = 120;

/// A run of local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl From<(NaiveDate, NaiveDate)> for Days {
    fn from((from, to): (NaiveDate, NaiveDate)) -> Self {
        Self { from, to }
    }
}

impl Days {
    pub fn count(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// `[first local midnight, the midnight after the last day)` as instants.
    pub fn instants(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (midnight(tz, self.from), midnight(tz, self.to + Duration::days(1)))
    }
}

fn midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A zone that skips midnight (a DST jump) starts the day at its first instant after.
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => tz.from_local_datetime(&(local + Duration::hours(1))).earliest().map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

fn parse_date(value: Option<&str>, field: &str) -> Result<NaiveDate> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ApiError::invalid("kpi.range_missing", "choose a period, or the first and last day").with_field(field));
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ApiError::invalid("kpi.date", format!("{text:?} is not a date (YYYY-MM-DD)")).with_field(field))
}

/// The days of calendar month `text` (`YYYY-MM`) up to `today`; a month not yet begun is refused.
pub fn month(text: &str, today: NaiveDate) -> Result<Days> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .ok()
        .filter(|_| text.trim().len() == 7)
        .ok_or_else(|| ApiError::invalid("kpi.month", format!("{text:?} is not a month (YYYY-MM)")).with_field("month"))?;
    if first > today {
        return Err(ApiError::invalid("kpi.month_ahead", format!("{} has not begun yet", text.trim())).with_field("month"));
    }
    Ok(Days { from: first, to: (next_month(first) - Duration::days(1)).min(today) })
}

/// The month before `today`'s, `YYYY-MM`.
pub fn last_month(today: NaiveDate) -> String {
    (today.with_day(1).unwrap_or(today) - Duration::days(1)).format("%Y-%m").to_string()
}

/// The days `range` names, as of local day `today`.
pub fn resolve(range: &KpiRange, today: NaiveDate) -> Result<Days> {
    let days = match (range.preset, range.month.as_deref()) {
        (Some(Preset::ThisWeek), _) => Days::from(kpi::periods::this_week(today)),
        (Some(Preset::ThisMonth), _) => Days::from(kpi::periods::this_month(today)),
        (None, Some(text)) => month(text, today)?,
        (None, None) => Days { from: parse_date(range.from.as_deref(), "from")?, to: parse_date(range.to.as_deref(), "to")? },
    };
    if days.to < days.from {
        return Err(ApiError::invalid("kpi.range_order", "the last day comes before the first").with_field("to"));
    }
    if days.count() > MAX_DAYS {
        return Err(ApiError::invalid("kpi.range_too_long", format!("at most {MAX_DAYS} days at a time")).with("max", MAX_DAYS).with_field("from"));
    }
    Ok(days)
}

/// Days for a month or less, weeks up to half a year, months beyond.
pub fn default_granularity(days: Days) -> Granularity {
    match days.count() {
        ..=31 => Granularity::Day,
        32..=186 => Granularity::Week,
        _ => Granularity::Month,
    }
}

/// The trend's buckets: whole days, weeks (Monday to Sunday) or months, cut at the range's ends.
pub fn buckets(days: Days, granularity: Granularity) -> Result<Vec<Days>> {
    let mut out = Vec::new();
    let mut start = days.from;
    while start <= days.to {
        let natural_end = match granularity {
            Granularity::Day => start,
            Granularity::Week => start + Duration::days(6 - i64::from(start.weekday().num_days_from_monday())),
            Granularity::Month => next_month(start) - Duration::days(1),
        };
        let end = natural_end.min(days.to);
        out.push(Days { from: start, to: end });
        if out.len() > MAX_BUCKETS {
            return Err(ApiError::invalid("kpi.too_many_buckets", format!("at most {MAX_BUCKETS} points on a trend: choose weeks or months"))
                .with("max", MAX_BUCKETS)
                .with_field("granularity"));
        }
        start = end + Duration::days(1);
    }
    Ok(out)
}

fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn this_week_starts_on_monday_and_this_month_on_the_first() {
        let sunday = d("2026-11-22");
        let week = resolve(&KpiRange { preset: Some(Preset::ThisWeek), ..Default::default() }, sunday).expect("week");
        assert_eq!((week.from, week.to), (d("2026-11-16"), sunday));
        let month = resolve(&KpiRange { preset: Some(Preset::ThisMonth), ..Default::default() }, sunday).expect("month");
        assert_eq!((month.from, month.to), (d("2026-11-01"), sunday));
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day_or_to_today_and_must_have_begun() {
        let today = d("2026-12-04");
        assert_eq!(month("2026-11", today).map(|m| (m.from, m.to)).expect("november"), (d("2026-11-01"), d("2026-11-30")));
        assert_eq!(month("2026-02", today).map(|m| m.to).expect("february"), d("2026-02-28"));
        assert_eq!(month("2026-12", today).map(|m| (m.from, m.to)).expect("this month"), (d("2026-12-01"), today));
        let ahead = month("2027-01", today).expect_err("not begun");
        assert_eq!((ahead.code.as_str(), ahead.field.as_deref()), ("kpi.month_ahead", Some("month")));
        for bad in ["2026-13", "2026-1", "11/2026", "2026-11-01", ""] {
            assert_eq!(month(bad, today).expect_err(bad).code, "kpi.month", "{bad}");
        }
        assert_eq!(last_month(today), "2026-11");
        assert_eq!(last_month(d("2026-01-31")), "2025-12");
    }

    #[test]
    fn a_range_backwards_or_badly_written_names_the_field() {
        let today = d("2026-11-22");
        let back = KpiRange { from: Some("2026-11-20".into()), to: Some("2026-11-10".into()), ..Default::default() };
        assert_eq!(resolve(&back, today).expect_err("backwards").field.as_deref(), Some("to"));
        let bad = KpiRange { from: Some("20/11/2026".into()), to: Some("2026-11-10".into()), ..Default::default() };
        let err = resolve(&bad, today).expect_err("bad date");
        assert_eq!((err.code.as_str(), err.field.as_deref()), ("kpi.date", Some("from")));
    }

    #[test]
    fn weeks_and_months_are_cut_at_the_ends_of_the_range() {
        let days = Days { from: d("2026-10-28"), to: d("2026-11-10") };
        let weeks = buckets(days, Granularity::Week).expect("weeks");
        let spans: Vec<(NaiveDate, NaiveDate)> = weeks.iter().map(|b| (b.from, b.to)).collect();
        assert_eq!(spans, vec![(d("2026-10-28"), d("2026-11-01")), (d("2026-11-02"), d("2026-11-08")), (d("2026-11-09"), d("2026-11-10"))]);
        let months = buckets(days, Granularity::Month).expect("months");
        assert_eq!(months.iter().map(|b| (b.from, b.to)).collect::<Vec<_>>(), vec![(d("2026-10-28"), d("2026-10-31")), (d("2026-11-01"), d("2026-11-10"))]);
    }

    #[test]
    fn a_year_of_days_is_too_many_points() {
        let year = Days { from: d("2026-01-01"), to: d("2026-12-31") };
        assert_eq!(buckets(year, Granularity::Day).expect_err("too many days").field.as_deref(), Some("granularity"));
        assert_eq!(buckets(year, Granularity::Month).expect("months").len(), 12);
    }

    #[test]
    fn a_local_day_in_shanghai_starts_at_sixteen_hundred_utc_the_day_before() {
        let (start, end) = Days { from: d("2026-11-22"), to: d("2026-11-22") }.instants(chrono_tz::Asia::Shanghai);
        assert_eq!(start.to_rfc3339(), "2026-11-21T16:00:00+00:00");
        assert_eq!(end - start, Duration::days(1));
    }
}
