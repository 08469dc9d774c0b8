//! The station's opening hours: which local times count for `Working`
//! policies. A week of spans, public holidays and make-up working days (调休),
//! in the station's IANA time zone, plus the holiday file stations import each
//! year.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::working_time::Hours;
use crate::Invalid;

/// One opening span in a day, local time, `"HH:MM"` in JSON. `start < end`,
/// within one day (so a span cannot run to midnight: 23:59 is the latest end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Span {
    #[ts(type = "string")]
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    #[ts(type = "string")]
    #[serde(with = "hhmm")]
    pub end: NaiveTime,
}

impl Span {
    /// A span from whole hours and minutes; `None` for an impossible time.
    pub fn hm(start_h: u32, start_m: u32, end_h: u32, end_m: u32) -> Option<Span> {
        Some(Span { start: NaiveTime::from_hms_opt(start_h, start_m, 0)?, end: NaiveTime::from_hms_opt(end_h, end_m, 0)? })
    }
}

/// `"HH:MM"` both ways; seconds are written only when a time has them, so
/// nothing is lost, and `"HH:MM:SS"` is read back.
mod hhmm {
    use chrono::{NaiveTime, Timelike};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        let format = if time.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
        serializer.collect_str(&time.format(format))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(|_| D::Error::custom(format!("{text:?} is not a time of day (HH:MM)")))
    }
}

/// When the station works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Calendar {
    /// IANA zone, e.g. "Asia/Shanghai"; all local times and dates are in it
    /// (chrono-tz; DST handled).
    pub time_zone: String,
    /// Opening spans per weekday, Monday first: exactly 7 entries; an empty
    /// list = closed.
    pub weekly: Vec<Vec<Span>>,
    /// Public holidays: closed whatever the weekday. "YYYY-MM-DD".
    #[ts(type = "Array<string>")]
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休): open although a weekend; they work the
    /// hours of the first weekday Monday..Friday that has hours.
    #[ts(type = "Array<string>")]
    pub makeup_days: Vec<NaiveDate>,
}

/// More would be a mistake (a file of every day), and each is looked up on
/// every day the engine walks.
pub const MAX_LISTED_DAYS: usize = 2000;

/// A line of a holiday file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DayEntry {
    #[ts(type = "string")]
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Closed whatever the weekday.
    Holiday,
    /// A make-up working day (调休).
    Workday,
}

impl Calendar {
    /// Asia/Shanghai, Mon–Fri 08:30–12:00 and 13:30–18:00, Sat 09:00–17:00,
    /// Sun closed, no holidays.
    pub fn standard() -> Calendar {
        let weekday = vec![span(8, 30, 12, 0), span(13, 30, 18, 0)];
        Calendar {
            time_zone: "Asia/Shanghai".to_string(),
            weekly: vec![weekday.clone(), weekday.clone(), weekday.clone(), weekday.clone(), weekday, vec![span(9, 0, 17, 0)], vec![]],
            holidays: vec![],
            makeup_days: vec![],
        }
    }

    /// Checks the calendar, naming the first bad field: `time_zone`, `weekly`
    /// (not 7 days), `weekly.{day}.{i}` (day 0 = Monday; a span that is empty,
    /// unsorted or overlaps the one before), `makeup_days.{i}` (also a
    /// holiday), `holidays` (more than 2000 listed days).
    ///
    /// The engine reads an invalid calendar without panicking (an unknown zone
    /// as UTC, missing weekdays as closed, overlapping spans merged), but the
    /// station should not store one.
    pub fn validate(&self) -> Result<(), Invalid> {
        if chrono_tz::Tz::from_str(&self.time_zone).is_err() {
            return Err(Invalid::new(
                "time_zone",
                "calendar.time_zone",
                format!("{:?} is not a known time zone (IANA name, e.g. Asia/Shanghai).", self.time_zone),
            ));
        }
        if self.weekly.len() != 7 {
            return Err(Invalid::new("weekly", "calendar.weekly", format!("Opening hours need 7 weekdays, Monday first; there are {}.", self.weekly.len())));
        }
        for (day, spans) in self.weekly.iter().enumerate() {
            for (i, span) in spans.iter().enumerate() {
                let field = format!("weekly.{day}.{i}");
                if span.start >= span.end {
                    return Err(Invalid::new(
                        field,
                        "calendar.span",
                        format!("An opening span must end after it starts ({}–{}).", span.start.format("%H:%M"), span.end.format("%H:%M")),
                    ));
                }
                if let Some(before) = i.checked_sub(1).map(|j| spans[j]) {
                    if span.start < before.end {
                        return Err(Invalid::new(
                            field,
                            "calendar.span",
                            format!(
                                "Opening spans must be in order and not overlap ({}–{} after {}–{}).",
                                span.start.format("%H:%M"),
                                span.end.format("%H:%M"),
                                before.start.format("%H:%M"),
                                before.end.format("%H:%M")
                            ),
                        ));
                    }
                }
            }
        }
        let holidays: BTreeSet<NaiveDate> = self.holidays.iter().copied().collect();
        if let Some(i) = self.makeup_days.iter().position(|d| holidays.contains(d)) {
            return Err(Invalid::new(
                format!("makeup_days.{i}"),
                "calendar.conflict",
                format!("{} is listed both as a holiday and as a make-up working day.", self.makeup_days[i]),
            ));
        }
        if self.holidays.len() + self.makeup_days.len() > MAX_LISTED_DAYS {
            return Err(Invalid::new(
                "holidays",
                "calendar.too_many_days",
                format!("At most {MAX_LISTED_DAYS} holidays and make-up days can be listed; there are {}.", self.holidays.len() + self.makeup_days.len()),
            ));
        }
        Ok(())
    }

    /// Working seconds within `[from, to)` (0 when `to <= from`), floored.
    pub fn working_secs_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        Hours::new(self).working(from, to).num_seconds()
    }

    /// The earliest instant at which `secs` working seconds have passed since
    /// `from`: `from` itself when `secs <= 0`; closed time is skipped, so the
    /// answer is never inside it unless `from` is.
    ///
    /// A calendar with no open hours at all would never get there: it answers
    /// `from + 3650 days`, a date nobody can miss.
    pub fn add_working_secs(&self, from: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
        let span = TimeDelta::try_seconds(secs).unwrap_or(TimeDelta::MAX);
        Hours::new(self).add(from, span)
    }

    /// The opening spans of a local date: none on a holiday or a closed
    /// weekday; a make-up day's borrowed weekday hours. Sorted and merged.
    pub fn spans_on(&self, date: NaiveDate) -> Vec<Span> {
        Hours::new(self).spans_on(date).to_vec()
    }

    /// Parses a holiday file: one entry per line `YYYY-MM-DD,holiday[,name]`
    /// or `YYYY-MM-DD,workday[,name]` (workday = make-up day). Blank lines and
    /// lines starting with `#` are ignored; a header line `date,kind,name` is
    /// allowed. An error's field is `line.{n}` (1-based) and its message
    /// starts with the line number.
    pub fn parse_day_file(text: &str) -> Result<Vec<DayEntry>, Invalid> {
        let mut entries = Vec::new();
        let mut seen_content = false;
        // Spreadsheets save UTF-8 CSV with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let n = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let first_content = !seen_content;
            seen_content = true;
            let mut parts = line.splitn(3, ',').map(str::trim);
            let date_text = parts.next().unwrap_or_default();
            let kind_text = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            if first_content && date_text.eq_ignore_ascii_case("date") && kind_text.eq_ignore_ascii_case("kind") {
                continue;
            }
            let bad = |message: String| Invalid::new(format!("line.{n}"), "calendar.file_line", format!("Line {n}: {message}"));
            let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| bad(format!("{date_text:?} is not a date (YYYY-MM-DD).")))?;
            let kind = match kind_text.to_ascii_lowercase().as_str() {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                _ => return Err(bad(format!("{kind_text:?} is neither holiday nor workday."))),
            };
            entries.push(DayEntry { date, kind, name: name.to_string() });
        }
        Ok(entries)
    }

    /// Adds the entries (a date already listed takes the entry's kind; the
    /// last entry for a date wins), keeping both lists sorted and unique.
    /// Names are not kept: the calendar only needs the dates.
    pub fn merge_days(&mut self, entries: &[DayEntry]) {
        let mut holidays: BTreeSet<NaiveDate> = self.holidays.iter().copied().collect();
        let mut makeup: BTreeSet<NaiveDate> = self.makeup_days.iter().copied().collect();
        for entry in entries {
            let (add, remove) = match entry.kind {
                DayKind::Holiday => (&mut holidays, &mut makeup),
                DayKind::Workday => (&mut makeup, &mut holidays),
            };
            remove.remove(&entry.date);
            add.insert(entry.date);
        }
        self.holidays = holidays.into_iter().collect();
        self.makeup_days = makeup.into_iter().collect();
    }
}

fn span(start_h: u32, start_m: u32, end_h: u32, end_m: u32) -> Span {
    Span::hm(start_h, start_m, end_h, end_m).unwrap_or_else(|| unreachable!("fixed times are valid"))
}
