//! Reading the KPIs back: sums over stations and days added up by PostgreSQL
//! (whole months from `kpi_monthly`, the days at either end from `kpi_daily`),
//! then `kpi::figures` on each sum; and the drill-down from a figure to the
//! orders, complaints and deadlines behind it, from the stored contributions.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kpi::{figures, Context, Dim, Figure, Tally};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use super::inputs::DEFAULT_TZ;
use super::upkeep::{decode, dim_key, drain, month_of};

/// How the rows of an answer are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// One row for everything asked (a region's total).
    Total,
    /// A row per station (the comparison, the ranking).
    Station,
    /// A row per day, week (Monday first) or month: a trend.
    Day,
    Week,
    Month,
}

/// One row: whose and when, the summed counters, what else the figures read, and the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
    /// Set when grouped by station.
    pub station_id: Option<Uuid>,
    /// The period's first and last day, within the range asked for.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tally: Tally,
    pub context: Context,
    pub figures: Vec<Figure>,
}

#[derive(Debug, thiserror::Error)]
pub enum KpiError {
    /// Bad input, naming the field (codes are stable).
    #[error("{field}: {message}")]
    Invalid { field: &'static str, code: &'static str, message: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> KpiError {
    KpiError::Invalid { field, code, message: message.into() }
}

/// A day row per day at most for this long: longer trends go by week or month.
pub const MAX_DAY_ROWS: i64 = 400;

/// The days to read from `kpi_daily` (two ranges) and the months from `kpi_monthly`; an empty range has `from > to`.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    days: [(NaiveDate, NaiveDate); 2],
    months: (NaiveDate, NaiveDate),
}

fn plan(from: NaiveDate, to: NaiveDate, group: Group) -> Plan {
    let none = (to + Days::new(1), to);
    if matches!(group, Group::Day | Group::Week) {
        return Plan { days: [(from, to), none], months: none };
    }
    let first_whole = if from.day() == 1 { from } else { month_of(from) + Months::new(1) };
    let after_last_whole = month_of(to + Days::new(1));
    if first_whole >= after_last_whole {
        return Plan { days: [(from, to), none], months: none };
    }
    let last_whole = after_last_whole - Months::new(1);
    Plan { days: [(from, first_whole - Days::new(1)), (after_last_whole, to)], months: (first_whole, last_whole) }
}

/// The periods of a trend, each clipped to `from..=to`.
fn periods(from: NaiveDate, to: NaiveDate, group: Group) -> Vec<(NaiveDate, NaiveDate)> {
    let next = |d: NaiveDate| match group {
        Group::Day => d + Days::new(1),
        Group::Week => d + Days::new(7),
        Group::Month => d + Months::new(1),
        Group::Total | Group::Station => to + Days::new(1),
    };
    let mut out = Vec::new();
    let mut p = period_start(from, group);
    while p <= to {
        let n = next(p);
        out.push((p.max(from), (n - Days::new(1)).min(to)));
        p = n;
    }
    out
}

/// What a station's figures read besides its sums, kept in `kpi_stations`.
struct StationContext {
    stock_value_minor: i64,
    parts_short: i64,
    technicians: i64,
    calendar: time_limits::Calendar,
    tz: Tz,
}

impl StationContext {
    /// The context for `dim` over `from..=to`: stock only for the whole
    /// station; available time is working hours × active technicians (one for a technician).
    fn for_window(&self, dim: &Dim, from: NaiveDate, to: NaiveDate) -> Context {
        let days = (to - from).num_days() + 1;
        let people = match dim {
            Dim::Station => self.technicians,
            Dim::Technician(_) => 1,
            Dim::Advisor(_) => 0,
        };
        let available = if people > 0 { self.working_secs(from, to) * people } else { 0 };
        match dim {
            Dim::Station => Context { days, stock_value_minor: self.stock_value_minor, parts_short: self.parts_short, available_seconds: available },
            _ => Context { days, available_seconds: available, ..Context::default() },
        }
    }

    fn working_secs(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let midnight =
            |d: NaiveDate| -> Option<DateTime<Utc>> { self.tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest().map(|t| t.with_timezone(&Utc)) };
        match (midnight(from), midnight(to + Days::new(1))) {
            (Some(a), Some(b)) => self.calendar.working_secs_between(a, b),
            _ => 0,
        }
    }
}

fn add_context(a: &mut Context, b: &Context) {
    a.days = b.days;
    a.stock_value_minor = a.stock_value_minor.saturating_add(b.stock_value_minor);
    a.parts_short = a.parts_short.saturating_add(b.parts_short);
    a.available_seconds = a.available_seconds.saturating_add(b.available_seconds);
}

async fn contexts(pool: &PgPool, stations: &[Uuid]) -> sqlx::Result<HashMap<Uuid, StationContext>> {
    type Row = (Uuid, String, Option<Json<Value>>, i64, i32, i32);
    let rows: Vec<Row> =
        sqlx::query_as("SELECT station_id, tz, calendar, stock_value_minor, parts_short, technicians FROM kpi_stations WHERE station_id = ANY($1)")
            .bind(stations)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, tz, calendar, stock, short, technicians)| {
            // A station that never sent a calendar works the standard one, as it does itself.
            let calendar = calendar.and_then(|c| serde_json::from_value(c.0).ok()).unwrap_or_else(time_limits::Calendar::standard);
            let cx = StationContext {
                stock_value_minor: stock,
                parts_short: i64::from(short),
                technicians: i64::from(technicians),
                calendar,
                tz: tz.parse().unwrap_or(DEFAULT_TZ),
            };
            (id, cx)
        })
        .collect())
}

/// The KPIs of `stations` (for `dim`: the station, or one advisor or technician
/// by id across them) over the days `from..=to`, split by `group`. Every station
/// and period asked for has a row, with zero counts when nothing happened.
pub async fn kpi_for(pool: &PgPool, stations: &[Uuid], from: NaiveDate, to: NaiveDate, group: Group, dim: &Dim) -> Result<Vec<KpiRow>, KpiError> {
    if to < from {
        return Err(invalid("to", "kpi.range_reversed", format!("the range ends ({to}) before it starts ({from})")));
    }
    if group == Group::Day && (to - from).num_days() >= MAX_DAY_ROWS {
        return Err(invalid("group", "kpi.too_many_days", format!("a day-by-day trend covers at most {MAX_DAY_ROWS} days; group by week or month")));
    }
    // Every push acknowledged so far counts: what the background drain has not counted yet is counted now.
    drain(pool, stations).await?;
    let p = plan(from, to, group);
    let (kind, id) = dim_key(dim);
    let group_text = match group {
        Group::Day => "day",
        Group::Week => "week",
        Group::Month => "month",
        Group::Total | Group::Station => "all",
    };
    // kpi_sums (migration 0005) adds the rows up counter by counter.
    let rows: Vec<(Option<Uuid>, Option<NaiveDate>, Vec<i64>)> =
        sqlx::query_as("SELECT station_id, period, tally FROM kpi_sums($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(stations)
            .bind(kind)
            .bind(id)
            .bind(p.days[0].0)
            .bind(p.days[0].1)
            .bind(p.days[1].0)
            .bind(p.days[1].1)
            .bind(p.months.0)
            .bind(p.months.1)
            .bind(group == Group::Station)
            .bind(group_text)
            .fetch_all(pool)
            .await?;
    let sums: HashMap<(Option<Uuid>, Option<NaiveDate>), Tally> = rows.into_iter().map(|(s, d, t)| ((s, d), Tally::from_vec(&t))).collect();
    let cxs = contexts(pool, stations).await?;
    let default_cx = StationContext { stock_value_minor: 0, parts_short: 0, technicians: 0, calendar: time_limits::Calendar::standard(), tz: DEFAULT_TZ };
    let cx_of = |s: &Uuid| cxs.get(s).unwrap_or(&default_cx);
    let mut out = Vec::new();
    let row = |station_id: Option<Uuid>, (pf, pt): (NaiveDate, NaiveDate), tally: Tally, context: Context| {
        let figures = figures(&tally, &context);
        KpiRow { station_id, from: pf, to: pt, tally, context, figures }
    };
    if group == Group::Station {
        for s in stations {
            let tally = sums.get(&(Some(*s), None)).cloned().unwrap_or_else(Tally::zero);
            out.push(row(Some(*s), (from, to), tally, cx_of(s).for_window(dim, from, to)));
        }
        return Ok(out);
    }
    for period in periods(from, to, group) {
        let key = (group != Group::Total).then(|| period_start(period.0, group));
        let tally = sums.get(&(None, key)).cloned().unwrap_or_else(Tally::zero);
        let mut context = Context::default();
        for s in stations {
            add_context(&mut context, &cx_of(s).for_window(dim, period.0, period.1));
        }
        context.days = (period.1 - period.0).num_days() + 1;
        out.push(row(None, period, tally, context));
    }
    Ok(out)
}

/// Several stations' rows over the same days as one (a region, the network):
/// their tallies and contexts summed, the figures read from the sum, as
/// `kpi_for` with `Group::Total` would give for those stations.
pub fn combine<'a>(rows: impl IntoIterator<Item = &'a KpiRow>, from: NaiveDate, to: NaiveDate) -> KpiRow {
    let mut tally = Tally::zero();
    let mut context = Context { days: (to - from).num_days() + 1, ..Context::default() };
    for r in rows {
        tally.add(&r.tally);
        add_context(&mut context, &r.context);
    }
    context.days = (to - from).num_days() + 1;
    let figures = figures(&tally, &context);
    KpiRow { station_id: None, from, to, tally, context, figures }
}

/// The first day of the period holding `d`: the key PostgreSQL groups it under (`date_trunc`).
fn period_start(d: NaiveDate, group: Group) -> NaiveDate {
    match group {
        Group::Week => d - Days::new(u64::from(d.weekday().num_days_from_monday())),
        Group::Month => month_of(d),
        Group::Day | Group::Total | Group::Station => d,
    }
}

/// One record behind a figure: what it added to the figure's numerator and denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillRow {
    /// `repair_order`, `complaint` or `item_clock`.
    pub source: String,
    pub id: String,
    /// The order's or complaint's number; for a deadline, the id of its item.
    pub label: Option<String>,
    pub day: NaiveDate,
    pub numerator: i64,
    pub denominator: i64,
}

/// The records of one station that count in figure `code` over `from..=to`
/// for `dim`, oldest first: what each added, read from its stored contribution.
pub async fn kpi_orders(pool: &PgPool, station: Uuid, from: NaiveDate, to: NaiveDate, code: &str, dim: &Dim) -> Result<Vec<DrillRow>, KpiError> {
    if to < from {
        return Err(invalid("to", "kpi.range_reversed", format!("the range ends ({to}) before it starts ({from})")));
    }
    let one_day = Context { days: 1, ..Context::default() };
    if !figures(&Tally::zero(), &one_day).iter().any(|f| f.code == code) {
        return Err(invalid("code", "kpi.unknown_code", format!("{code:?} is not a KPI")));
    }
    drain(pool, &[station]).await?;
    let rows: Vec<(String, String, Json<Value>, Option<String>)> = sqlx::query_as(
        "SELECT c.source, c.source_id, c.contributions, coalesce(r.payload->>'number', r.payload->>'item_id')
         FROM kpi_contributions c
         LEFT JOIN records r ON r.station_id = c.station_id AND r.entity = c.source AND r.entity_id = c.source_id
         WHERE c.station_id = $1 AND c.day BETWEEN $2 AND $3
         ORDER BY c.day, c.source, c.source_id",
    )
    .bind(station)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for (source, id, contributions, label) in rows {
        let mut mine: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        for (d, c_dim, t) in decode(&contributions.0) {
            if c_dim == *dim && d >= from && d <= to {
                mine.entry(d).or_insert_with(Tally::zero).add(&t);
            }
        }
        for (day, t) in mine {
            let Some(f) = figures(&t, &one_day).into_iter().find(|f| f.code == code) else { continue };
            if f.numerator != 0 || f.denominator != 0 {
                out.push(DrillRow { source: source.clone(), id: id.clone(), label: label.clone(), day, numerator: f.numerator, denominator: f.denominator });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn whole_months_come_from_the_monthly_sums_and_the_edges_from_the_days() {
        let p = plan(d("2026-01-15"), d("2026-04-10"), Group::Station);
        assert_eq!(p.days, [(d("2026-01-15"), d("2026-01-31")), (d("2026-04-01"), d("2026-04-10"))]);
        assert_eq!(p.months, (d("2026-02-01"), d("2026-03-01")));
        let whole = plan(d("2026-02-01"), d("2026-02-28"), Group::Month);
        assert_eq!(whole.months, (d("2026-02-01"), d("2026-02-01")));
        assert!(whole.days.iter().all(|(a, b)| a > b), "no day rows for a whole month: {whole:?}");
        let inside = plan(d("2026-02-03"), d("2026-02-20"), Group::Total);
        assert_eq!(inside.days[0], (d("2026-02-03"), d("2026-02-20")));
        assert!(inside.months.0 > inside.months.1);
    }

    #[test]
    fn weeks_start_on_monday_and_are_clipped_to_the_range() {
        let w = periods(d("2026-03-04"), d("2026-03-20"), Group::Week);
        assert_eq!(w, vec![(d("2026-03-04"), d("2026-03-08")), (d("2026-03-09"), d("2026-03-15")), (d("2026-03-16"), d("2026-03-20"))]);
    }
}
