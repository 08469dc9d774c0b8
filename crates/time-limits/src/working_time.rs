//! Working-time arithmetic: a [`Calendar`] prepared once (zone parsed, spans
//! sorted and merged, listed days sorted) and walked day by day, never minute
//! by minute, so a year of clock costs a few hundred day look-ups.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{Calendar, Span};

/// What a calendar with no open hours answers for "when will this be done".
const NEVER: TimeDelta = TimeDelta::days(3650);

/// Past this many days of walking without using up the time, give up; only a
/// calendar whose open days are all listed as holidays for a century gets here.
const MAX_WALK_DAYS: i64 = 36_600;

pub(crate) struct Hours {
    zone: Tz,
    week: [Vec<Span>; 7],
    makeup_hours: Vec<Span>,
    holidays: Vec<NaiveDate>,
    makeup_days: Vec<NaiveDate>,
    /// Each day's open intervals as instants, once converted: a clock's
    /// running intervals meet on the same days again and again, and the zone
    /// conversions are most of the cost.
    days: RefCell<DayCache>,
    /// The offset at the last local midnight looked up (None: not a single one).
    last_midnight: Cell<Option<(NaiveDate, Option<FixedOffset>)>>,
}

/// Days from the first one asked for, by index: a clock is read forwards, so
/// this stays a short dense run (a hash map costs more than it saves).
#[derive(Default)]
struct DayCache {
    first: Option<NaiveDate>,
    days: Vec<Option<Rc<[Interval]>>>,
}

/// Beyond this many days from the first, days are converted every time rather
/// than kept (only a walk through a calendar that is nearly always closed gets
/// there).
const MAX_CACHED_DAYS: usize = 20_000;

type Interval = (DateTime<Utc>, DateTime<Utc>);

impl Hours {
    /// Prepares the calendar as it is; see `Calendar::validate` for how an
    /// invalid one is read.
    pub(crate) fn new(calendar: &Calendar) -> Hours {
        let zone = Tz::from_str(&calendar.time_zone).unwrap_or(Tz::UTC);
        let week: [Vec<Span>; 7] = std::array::from_fn(|day| normalized(calendar.weekly.get(day).map(Vec::as_slice).unwrap_or_default()));
        let makeup_hours = week[..5].iter().find(|spans| !spans.is_empty()).cloned().unwrap_or_default();
        let mut holidays = calendar.holidays.clone();
        holidays.sort_unstable();
        let mut makeup_days = calendar.makeup_days.clone();
        makeup_days.sort_unstable();
        Hours { zone, week, makeup_hours, holidays, makeup_days, days: RefCell::default(), last_midnight: Cell::new(None) }
    }

    /// A holiday wins over a make-up day (a valid calendar has no date in both).
    pub(crate) fn spans_on(&self, date: NaiveDate) -> &[Span] {
        if self.holidays.binary_search(&date).is_ok() {
            &[]
        } else if self.makeup_days.binary_search(&date).is_ok() {
            &self.makeup_hours
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// Working time within `[from, to)`, to the nanosecond.
    pub(crate) fn working(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        if to <= from {
            return total;
        }
        let last = to.date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
        let mut date = first_date(from);
        while date <= last {
            for &(open, close) in self.open_on(date).iter() {
                if open >= to {
                    return total;
                }
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += end - start;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    /// The earliest instant by which `span` of working time has passed since
    /// `from`.
    pub(crate) fn add(&self, from: DateTime<Utc>, span: TimeDelta) -> DateTime<Utc> {
        if span <= TimeDelta::zero() {
            return from;
        }
        let never = from.checked_add_signed(NEVER).unwrap_or(DateTime::<Utc>::MAX_UTC);
        if self.week.iter().all(Vec::is_empty) {
            return never;
        }
        let mut left = span;
        let first = first_date(from);
        let mut date = first;
        while (date - first).num_days() <= MAX_WALK_DAYS {
            for &(open, close) in self.open_on(date).iter() {
                let start = open.max(from);
                if close <= start {
                    continue;
                }
                let available = close - start;
                if available >= left {
                    return start + left;
                }
                left -= available;
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        never
    }

    /// The day's spans as UTC intervals; a span squeezed to nothing by a DST
    /// gap is left out.
    fn open_on(&self, date: NaiveDate) -> Rc<[Interval]> {
        let slot = {
            let mut cache = self.days.borrow_mut();
            let first = *cache.first.get_or_insert(date);
            let slot = usize::try_from((date - first).num_days()).ok().filter(|&i| i < MAX_CACHED_DAYS);
            if let Some(known) = slot.and_then(|i| cache.days.get(i)).and_then(Option::as_ref) {
                return Rc::clone(known);
            }
            slot
        };
        let intervals = self.convert(date);
        if let Some(i) = slot {
            let mut cache = self.days.borrow_mut();
            if cache.days.len() <= i {
                cache.days.resize(i + 1, None);
            }
            cache.days[i] = Some(Rc::clone(&intervals));
        }
        intervals
    }

    fn convert(&self, date: NaiveDate) -> Rc<[Interval]> {
        let spans = self.spans_on(date);
        if spans.is_empty() {
            return Rc::new([]);
        }
        let steady = self.steady_offset(date);
        let to_utc = |time: NaiveTime| {
            let local = date.and_time(time);
            match steady {
                Some(offset) => (local - TimeDelta::seconds(i64::from(offset.local_minus_utc()))).and_utc(),
                None => self.to_utc(local),
            }
        };
        spans
            .iter()
            .filter_map(|span| {
                let open = to_utc(span.start);
                let close = to_utc(span.end);
                (close > open).then_some((open, close))
            })
            .collect()
    }

    /// The day's offset when it holds from this local midnight to the next,
    /// i.e. the clocks do not change that day (two changes in one day that
    /// cancel out do not happen). A day costs one zone look-up instead of one
    /// per span edge, as the next midnight's is kept for the next day.
    fn steady_offset(&self, date: NaiveDate) -> Option<FixedOffset> {
        let midnight = |date: NaiveDate| -> Option<FixedOffset> {
            match self.last_midnight.get() {
                Some((known, offset)) if known == date => offset,
                _ => self.zone.offset_from_local_datetime(&date.and_time(NaiveTime::MIN)).single().map(|o| o.fix()),
            }
        };
        let start = midnight(date)?;
        let next = date.succ_opt()?;
        let end = midnight(next);
        self.last_midnight.set(Some((next, end)));
        (end == Some(start)).then_some(start)
    }

    /// A local time in the station's zone as an instant: a repeated time (DST
    /// ends) is its first occurrence; a skipped time (DST starts) moves forward
    /// to the first local time that exists, the instant of the shift.
    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            LocalResult::None => {
                // Offsets lie within -12 h ..= +14 h, so the shift is between
                // these two instants; local time only moves forward across it.
                // Shifts fall on whole seconds: search those.
                let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
                let mut before = local.and_utc().timestamp() - 15 * 3600;
                let mut after = local.and_utc().timestamp() + 13 * 3600;
                while after - before > 1 {
                    let middle = before + (after - before) / 2;
                    if at(middle).with_timezone(&self.zone).naive_local() >= local {
                        after = middle;
                    } else {
                        before = middle;
                    }
                }
                at(after)
            }
        }
    }
}

/// The first local date whose spans can be open at `instant`. Offsets are
/// under a day, so the local date is the UTC one or a neighbour; one day more
/// because on a day the clocks go back a span of the day before can still be
/// open. Cheaper than asking the zone (walking a few extra cached days costs
/// less than one conversion).
fn first_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.date_naive().checked_sub_days(Days::new(2)).unwrap_or(NaiveDate::MIN)
}

/// Sorted, non-empty, non-overlapping spans (a valid calendar's are already).
fn normalized(spans: &[Span]) -> Vec<Span> {
    let mut sorted: Vec<Span> = spans.iter().copied().filter(|s| s.start < s.end).collect();
    sorted.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}
