//! The console's KPIs: the stations of the caller's scope compared side by
//! side, each region as the sum of its stations' tallies, the scope's total,
//! a ranking per figure with the gap to its target, and the drill-down from a
//! station's figure to the records behind it. Sums and figures come from
//! `store::kpis` (the `kpi` crate's definitions, kept in PostgreSQL); what is
//! decided here is which stations the caller sees and who ranks where.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kpi::{Better, Dim, Figure};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use ts_rs::TS;
use uuid::Uuid;

use super::error::{ConsoleError, ConsoleResult};
use super::roles::{require, Action, Scope};
use super::sessions::ConsoleSession;
use crate::store::kpis::inputs::DEFAULT_TZ;
use crate::store::kpis::{self as store, Group, KpiError, KpiRow};

/// A range longer than this is refused: ten years of weeks is already 520 rows.
pub const MAX_RANGE_DAYS: i64 = 3660;

impl From<KpiError> for ConsoleError {
    fn from(e: KpiError) -> Self {
        match e {
            KpiError::Invalid { field, code, message } => ConsoleError::field(field, code, message),
            KpiError::Db(e) => e.into(),
        }
    }
}

/// How the comparison's rows are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KpiGroup {
    /// A row per station, ranked.
    Station,
    /// A row per region (`stations.region`), each the sum of its stations, ranked.
    Region,
    /// A row per day, week (Monday first) or month: a trend.
    Day,
    Week,
    Month,
}

impl KpiGroup {
    fn parse(raw: Option<&str>) -> ConsoleResult<Self> {
        match raw.map(str::trim).unwrap_or("") {
            "" | "station" => Ok(Self::Station),
            "region" => Ok(Self::Region),
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            other => Err(ConsoleError::field("group", "kpi.group", format!("group {other:?} is not one of station, region, day, week, month"))),
        }
    }
}

/// A range named rather than given: the head office's current week (Monday
/// first) or month up to today, by its clock, in the stations' default time
/// zone (China's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KpiPreset {
    ThisWeek,
    ThisMonth,
}

impl KpiPreset {
    fn parse(raw: &str) -> ConsoleResult<Self> {
        match raw.trim() {
            "this_week" => Ok(Self::ThisWeek),
            "this_month" => Ok(Self::ThisMonth),
            other => Err(ConsoleError::field("preset", "kpi.preset", format!("preset {other:?} is not this_week or this_month"))),
        }
    }

    /// The days it covers as of `now`, up to today in China's time (`kpi::periods`, as at the station).
    pub fn days(self, now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
        let today = now.with_timezone(&DEFAULT_TZ).date_naive();
        match self {
            Self::ThisWeek => kpi::periods::this_week(today),
            Self::ThisMonth => kpi::periods::this_month(today),
        }
    }
}

/// `GET …/kpis?from=&to=&group=&station=` (or `preset=` instead of the days):
/// taken as text and checked here, so a bad one is named.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct KpiQuery {
    /// The first and last day, `YYYY-MM-DD` (the stations' local days).
    #[ts(optional, as = "Option<String>")]
    pub from: Option<String>,
    #[ts(optional, as = "Option<String>")]
    pub to: Option<String>,
    /// Used when `from` and `to` are not given.
    #[ts(optional, as = "Option<KpiPreset>")]
    pub preset: Option<String>,
    /// `station` (default), `region`, `day`, `week` or `month`.
    #[ts(optional, as = "Option<KpiGroup>")]
    pub group: Option<String>,
    /// One station's id: only its figures (a trend of one station).
    #[ts(optional)]
    pub station: Option<String>,
}

/// `GET …/kpis/orders?station=&from=&to=&code=`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct KpiOrdersQuery {
    #[ts(as = "String")]
    pub station: Option<String>,
    #[ts(as = "String")]
    pub from: Option<String>,
    #[ts(as = "String")]
    pub to: Option<String>,
    /// The figure's code, e.g. `on_time`.
    #[ts(as = "String")]
    pub code: Option<String>,
}

/// A station as the KPI pages name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, sqlx::FromRow)]
pub struct StationRef {
    pub id: String,
    pub code: String,
    pub name: String,
    /// '' when none is set.
    pub region: String,
}

/// One row of figures: a station, a region, a period, or the total.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KpiLine {
    /// The station's id, the region's name, the period's first day, or `total`: what `RankEntry.key` points at.
    pub key: String,
    /// Set on a station's row.
    pub station: Option<StationRef>,
    /// Set on a region's row ('' for the stations with no region).
    pub region: Option<String>,
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    /// How many stations are summed in the row.
    pub stations: u32,
    /// Every KPI, in the order screens list them.
    pub figures: Vec<Figure>,
}

/// A row's place in the ranking of one figure.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RankEntry {
    /// The ranked row's `key`.
    pub key: String,
    /// 1 for the best; equal values share a rank. None when the row has no value (nothing counted).
    pub rank: Option<u32>,
    pub value: Option<f64>,
    /// Signed distance to the target, positive when better than it.
    pub gap: Option<f64>,
    pub meets_target: Option<bool>,
}

/// The rows ranked by one figure, best first; rows with no value last.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FigureRanking {
    pub code: String,
    pub better: Better,
    pub target: Option<f64>,
    pub entries: Vec<RankEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KpiComparison {
    /// The days covered (a preset resolved).
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    pub group: KpiGroup,
    /// The one station asked for with `station=`.
    pub station: Option<StationRef>,
    /// As grouped: a row per station (by code), per region (by name, the unassigned last), or per period.
    pub rows: Vec<KpiLine>,
    /// Every region of the stations shown, each the sum of its stations' tallies.
    pub regions: Vec<KpiLine>,
    /// Every station shown together: the network for those who see every station, else the caller's regions.
    pub total: KpiLine,
    /// Per figure that has a better direction, the rows ranked (station and region rows only; empty for a trend).
    pub ranking: Vec<FigureRanking>,
    /// The codes whose number opens the records behind it (`kpi_orders`).
    pub drill_codes: Vec<String>,
    /// The codes whose numerator counts records among those its denominator counts ("2 of 3").
    pub count_codes: Vec<String>,
}

/// One record behind a station's figure: what it added to the numerator and the denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KpiOrderRow {
    /// `repair_order`, `complaint` or `item_clock` (a deadline).
    pub source: String,
    pub id: String,
    /// The order's or complaint's number; for a deadline, the id of its item.
    pub label: Option<String>,
    /// The day it counts on.
    #[ts(type = "string")]
    pub day: NaiveDate,
    #[ts(type = "number")]
    pub numerator: i64,
    #[ts(type = "number")]
    pub denominator: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KpiOrders {
    pub station: StationRef,
    pub code: String,
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    /// The station's figure over the range: the sum of the rows.
    pub figure: Option<Figure>,
    /// Oldest first.
    pub rows: Vec<KpiOrderRow>,
}

fn date(field: &'static str, raw: Option<&str>) -> ConsoleResult<NaiveDate> {
    let raw = raw.map(str::trim).unwrap_or("");
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| ConsoleError::field(field, "kpi.date", format!("{field} must be a day as YYYY-MM-DD, not {raw:?}")))
}

fn range(from: Option<&str>, to: Option<&str>) -> ConsoleResult<(NaiveDate, NaiveDate)> {
    let (from, to) = (date("from", from)?, date("to", to)?);
    if to < from {
        return Err(ConsoleError::field("to", "kpi.range_reversed", format!("the range ends ({to}) before it starts ({from})")));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(ConsoleError::field("from", "kpi.range_too_long", format!("a range covers at most {MAX_RANGE_DAYS} days")).with("max", MAX_RANGE_DAYS));
    }
    Ok((from, to))
}

/// The stations in `scope`, by code.
async fn stations(pool: &PgPool, scope: &Scope) -> sqlx::Result<Vec<StationRef>> {
    sqlx::query_as(
        "SELECT station_id::text AS id, code, name, region FROM stations
         WHERE ($1::uuid[] IS NULL OR station_id = ANY($1)) ORDER BY code",
    )
    .bind(scope.station_ids())
    .fetch_all(pool)
    .await
}

/// The station `raw` names, if the caller sees it; another region's is "not found", as in the overview.
async fn station_in_scope(pool: &PgPool, session: &ConsoleSession, raw: &str) -> ConsoleResult<StationRef> {
    let id = Uuid::parse_str(raw.trim()).ok().filter(|id| session.scope.includes(*id)).ok_or_else(|| ConsoleError::not_found("station"))?;
    stations(pool, &Scope::Stations(vec![id])).await?.pop().ok_or_else(|| ConsoleError::not_found("station"))
}

fn line(key: String, station: Option<StationRef>, region: Option<String>, stations: u32, row: KpiRow) -> KpiLine {
    KpiLine { key, station, region, from: row.from, to: row.to, stations, figures: row.figures }
}

/// A row per region, each the sum of its stations' rows; by name, the stations with no region last.
fn regions(stations: &[StationRef], rows: &[KpiRow], from: NaiveDate, to: NaiveDate) -> Vec<KpiLine> {
    let mut by_region: BTreeMap<(bool, &str), Vec<&KpiRow>> = BTreeMap::new();
    for (s, r) in stations.iter().zip(rows) {
        by_region.entry((s.region.is_empty(), s.region.as_str())).or_default().push(r);
    }
    by_region
        .into_iter()
        .map(|((_, region), members)| {
            let n = members.len() as u32;
            line(region.to_string(), None, Some(region.to_string()), n, store::combine(members, from, to))
        })
        .collect()
}

/// Better first: higher or lower by the figure's direction.
fn better_first(better: Better, a: f64, b: f64) -> Ordering {
    match better {
        Better::Lower => a.total_cmp(&b),
        Better::Higher | Better::Neither => b.total_cmp(&a),
    }
}

/// Each figure that has a better direction, with `rows` ranked by it: the best
/// first, equal values sharing a rank (1, 2, 2, 4), rows with nothing counted last and unranked.
pub fn rank(rows: &[KpiLine]) -> Vec<FigureRanking> {
    let Some(first) = rows.first() else { return Vec::new() };
    let mut out = Vec::new();
    for f in first.figures.iter().filter(|f| f.better != Better::Neither) {
        let mut entries: Vec<RankEntry> = rows
            .iter()
            .filter_map(|r| {
                let g = r.figures.iter().find(|g| g.code == f.code)?;
                Some(RankEntry { key: r.key.clone(), rank: None, value: g.value, gap: g.gap, meets_target: g.meets_target })
            })
            .collect();
        entries.sort_by(|a, b| match (a.value, b.value) {
            (Some(x), Some(y)) => better_first(f.better, x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        let mut last: Option<(f64, u32)> = None;
        for (pos, e) in entries.iter_mut().enumerate() {
            let Some(v) = e.value else { continue };
            let r = match last {
                Some((lv, lr)) if lv == v => lr,
                _ => pos as u32 + 1,
            };
            e.rank = Some(r);
            last = Some((v, r));
        }
        out.push(FigureRanking { code: f.code.clone(), better: f.better, target: f.target, entries });
    }
    out
}

/// The comparison the KPI page shows: the caller's stations (or the one asked
/// for), their regions and total over `from..=to`, grouped as asked, ranked.
pub async fn compare(pool: &PgPool, session: &ConsoleSession, query: KpiQuery, now: DateTime<Utc>) -> ConsoleResult<KpiComparison> {
    require(session.user.role, Action::ViewKpis)?;
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let (from, to) = match query.preset.as_deref() {
        Some(p) if !given(&query.from) && !given(&query.to) => KpiPreset::parse(p)?.days(now),
        _ => range(query.from.as_deref(), query.to.as_deref())?,
    };
    let group = KpiGroup::parse(query.group.as_deref())?;
    let only = match query.station.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(station_in_scope(pool, session, raw).await?),
        None => None,
    };
    let shown = match &only {
        Some(s) => vec![s.clone()],
        None => stations(pool, &session.scope).await?,
    };
    let ids: Vec<Uuid> = shown.iter().filter_map(|s| Uuid::parse_str(&s.id).ok()).collect();
    let per_station = store::kpi_for(pool, &ids, from, to, Group::Station, &Dim::Station).await?;
    let regions = regions(&shown, &per_station, from, to);
    let total = line("total".into(), None, None, shown.len() as u32, store::combine(&per_station, from, to));
    let rows = match group {
        KpiGroup::Station => shown.iter().zip(per_station).map(|(s, r)| line(s.id.clone(), Some(s.clone()), None, 1, r)).collect(),
        KpiGroup::Region => regions.clone(),
        KpiGroup::Day | KpiGroup::Week | KpiGroup::Month => {
            let g = match group {
                KpiGroup::Day => Group::Day,
                KpiGroup::Week => Group::Week,
                _ => Group::Month,
            };
            let n = shown.len() as u32;
            store::kpi_for(pool, &ids, from, to, g, &Dim::Station).await?.into_iter().map(|r| line(r.from.to_string(), None, None, n, r)).collect()
        }
    };
    let ranking = if matches!(group, KpiGroup::Station | KpiGroup::Region) { rank(&rows) } else { Vec::new() };
    let codes = || total.figures.iter().map(|f| f.code.clone());
    let drill_codes = codes().filter(|c| kpi::figures::has_records(c)).collect();
    let count_codes = codes().filter(|c| kpi::figures::is_share(c)).collect();
    Ok(KpiComparison { from, to, group, station: only, rows, regions, total, ranking, drill_codes, count_codes })
}

/// The records behind one station's figure `code` over `from..=to`.
pub async fn orders(pool: &PgPool, session: &ConsoleSession, query: KpiOrdersQuery) -> ConsoleResult<KpiOrders> {
    require(session.user.role, Action::ViewKpis)?;
    let (from, to) = range(query.from.as_deref(), query.to.as_deref())?;
    let code = query.code.as_deref().map(str::trim).unwrap_or("");
    if code.is_empty() {
        return Err(ConsoleError::field("code", "kpi.code_required", "choose a figure (code)"));
    }
    let raw = query.station.as_deref().map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(ConsoleError::field("station", "kpi.station_required", "choose a station"));
    }
    let station = station_in_scope(pool, session, raw).await?;
    let id = Uuid::parse_str(&station.id).map_err(|_| ConsoleError::not_found("station"))?;
    let rows = store::kpi_orders(pool, id, from, to, code, &Dim::Station).await?;
    let figure = store::kpi_for(pool, &[id], from, to, Group::Total, &Dim::Station).await?.pop().and_then(|r| r.figures.into_iter().find(|f| f.code == code));
    let rows = rows
        .into_iter()
        .map(|r| KpiOrderRow { source: r.source, id: r.id, label: r.label, day: r.day, numerator: r.numerator, denominator: r.denominator })
        .collect();
    Ok(KpiOrders { station, code: code.to_string(), from, to, figure, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi::Unit;

    fn row(key: &str, value: Option<f64>) -> KpiLine {
        let d = NaiveDate::default();
        let f = |code: &str, better| Figure {
            code: code.into(),
            unit: Unit::Ratio,
            better,
            value,
            numerator: 0,
            denominator: 0,
            target: Some(0.9),
            gap: value.map(|v| if better == Better::Lower { 0.9 - v } else { v - 0.9 }),
            meets_target: None,
        };
        KpiLine {
            key: key.into(),
            station: None,
            region: None,
            from: d,
            to: d,
            stations: 1,
            figures: vec![f("on_time", Better::Higher), f("repeat_rate", Better::Lower), f("order_value", Better::Neither)],
        }
    }

    #[test]
    fn the_best_ranks_first_by_the_figures_direction_ties_share_a_rank_and_nothing_counted_is_last() {
        let rows = [row("a", Some(0.5)), row("b", None), row("c", Some(0.95)), row("d", Some(0.5))];
        let ranking = rank(&rows);
        assert_eq!(ranking.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["on_time", "repeat_rate"], "a figure with no better way is not ranked");
        let order = |code: &str| -> Vec<(String, Option<u32>)> {
            ranking.iter().find(|r| r.code == code).unwrap_or_else(|| panic!("{code}")).entries.iter().map(|e| (e.key.clone(), e.rank)).collect()
        };
        let s = |k: &str, r: Option<u32>| (k.to_string(), r);
        assert_eq!(order("on_time"), [s("c", Some(1)), s("a", Some(2)), s("d", Some(2)), s("b", None)]);
        assert_eq!(order("repeat_rate"), [s("a", Some(1)), s("d", Some(1)), s("c", Some(3)), s("b", None)]);
        let gap = ranking[0].entries[0].gap.unwrap_or_default();
        assert!((gap - 0.05).abs() < 1e-9, "the gap to the target travels with the rank: {gap}");
    }

    #[test]
    fn this_week_and_this_month_run_to_today_in_chinas_time() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        // 16:30 UTC on Sunday 22 March 2026 is already Monday 23 March in Shanghai.
        let now = DateTime::parse_from_rfc3339("2026-03-22T16:30:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(KpiPreset::ThisWeek.days(now), (d("2026-03-23"), d("2026-03-23")));
        assert_eq!(KpiPreset::ThisMonth.days(now), (d("2026-03-01"), d("2026-03-23")));
        assert_eq!(KpiPreset::parse("last_year").err().and_then(|e| e.field), Some("preset".into()));
    }

    #[test]
    fn a_bad_day_a_reversed_or_too_long_range_and_an_unknown_group_are_named() {
        let field = |r: ConsoleResult<(NaiveDate, NaiveDate)>| r.err().map(|e| (e.field.unwrap_or_default(), e.code));
        assert_eq!(field(range(Some("2026-03-01"), Some("2026-3-32"))), Some(("to".into(), "kpi.date".into())));
        assert_eq!(field(range(None, Some("2026-03-01"))), Some(("from".into(), "kpi.date".into())));
        assert_eq!(field(range(Some("2026-03-02"), Some("2026-03-01"))), Some(("to".into(), "kpi.range_reversed".into())));
        assert_eq!(field(range(Some("2000-01-01"), Some("2026-03-01"))), Some(("from".into(), "kpi.range_too_long".into())));
        assert!(range(Some("2026-03-01"), Some("2026-03-01")).is_ok(), "one day is a range");
        assert_eq!(KpiGroup::parse(Some("year")).err().and_then(|e| e.field), Some("group".into()));
        assert_eq!(KpiGroup::parse(None).ok(), Some(KpiGroup::Station));
    }
}
