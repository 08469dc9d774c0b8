//! The station's KPI dashboard (docs/kpis.md, "At the station"): the figures of a range
//! of local days with a trend and a breakdown per advisor and technician, the
//! records behind any number, and exports to CSV and XLSX. What counts and how
//! is the `kpi` crate's, shared with the head office; this module only reads
//! the records from SQLite (`load`), picks the days (`periods`) and writes the
//! files (`export`) and the monthly report's PDF (`monthly`). Managers only
//! (`Permission::ViewKpis`).

pub mod export;
mod load;
pub mod monthly;
mod names;
pub mod periods;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kpi::figures::{counts_records, has_records, is_share};
use kpi::records::Outcome;
use kpi::{Book, Context, Dim, Figure, Tally, Unit};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::station::Station;
use load::{Records, Settings};
use periods::{Days, Granularity, KpiRange, Preset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Advisor,
    Technician,
}

/// One advisor or technician whose figures a breakdown row or a drill-down shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KpiWho {
    pub kind: PersonKind,
    pub id: String,
}

impl KpiWho {
    fn dim(&self) -> Dim {
        match self.kind {
            PersonKind::Advisor => Dim::Advisor(self.id.clone()),
            PersonKind::Technician => Dim::Technician(self.id.clone()),
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct KpiReportInput {
    #[serde(flatten)]
    #[ts(flatten)]
    pub range: KpiRange,
    /// The trend's points; by default days for a month or less, weeks up to half a year, then months.
    #[serde(default)]
    #[ts(optional)]
    pub granularity: Option<Granularity>,
}

/// Local days, both included.
#[derive(Debug, Clone, Serialize, TS)]
pub struct KpiPeriod {
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    #[ts(type = "number")]
    pub days: i64,
}

impl From<Days> for KpiPeriod {
    fn from(d: Days) -> Self {
        KpiPeriod { from: d.from, to: d.to, days: d.count() }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TrendPoint {
    pub period: KpiPeriod,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PersonFigures {
    pub who: KpiWho,
    pub name: String,
    pub figures: Vec<Figure>,
}

/// One table: a row per person with anything counted, a column per code.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Breakdown {
    pub codes: Vec<String>,
    pub rows: Vec<PersonFigures>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct KpiReport {
    pub period: KpiPeriod,
    /// The preset asked for, if any.
    pub preset: Option<Preset>,
    pub granularity: Granularity,
    /// The station calendar's zone the days are in.
    pub time_zone: String,
    /// The whole station's figures for the period, in the order screens list them.
    pub figures: Vec<Figure>,
    pub trend: Vec<TrendPoint>,
    pub advisors: Breakdown,
    pub technicians: Breakdown,
    /// The codes whose number opens the records behind it (`kpi_orders`).
    pub drill_codes: Vec<String>,
    /// The codes whose numerator counts records among those its denominator counts ("2 of 3").
    pub count_codes: Vec<String>,
    #[ts(type = "string")]
    pub generated_at: DateTime<Utc>,
    /// The month before this one (`YYYY-MM`): what the monthly report offers first.
    pub last_month: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct KpiOrdersInput {
    #[serde(flatten)]
    #[ts(flatten)]
    pub range: KpiRange,
    pub code: String,
    /// One advisor's or technician's share; the whole station when absent.
    #[serde(default)]
    #[ts(optional)]
    pub who: Option<KpiWho>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    RepairOrder,
    Complaint,
    FollowUp,
    ServiceRequest,
}

/// One record behind a number.
#[derive(Debug, Clone, Serialize, TS)]
pub struct KpiOrderRow {
    /// What `id` opens.
    pub item: ItemKind,
    pub id: String,
    /// The order's number (a follow-up's order too) or the complaint's; empty for a service request.
    pub number: String,
    pub plate: Option<String>,
    pub customer_name: Option<String>,
    /// The name shown was destroyed past retention (the customer's, or an
    /// unlinked complaint's or request's contact): screens word it in the reader's language.
    pub customer_destroyed: bool,
    /// The order's advisor; the complaint's or the deadline's owner.
    pub staff_name: Option<String>,
    /// When it counted: delivered (a cancelled order: checked in), received, or the deadline met or breached.
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// For a figure that counts records: whether this one is in the numerator
    /// (on time, a repeat, reached within 3 days, …). `null` for sums and averages.
    pub counted: Option<bool>,
    /// For sums and averages: this record's own value, in `value_unit`.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct KpiOrders {
    pub period: KpiPeriod,
    pub code: String,
    pub who: Option<KpiWho>,
    pub who_name: Option<String>,
    /// The figure the rows are behind, as the report shows it.
    pub figure: Figure,
    /// Whether the rows say `counted` (a count) or carry a `value` (a sum or an average).
    pub counts: bool,
    pub value_unit: Option<Unit>,
    /// At most `MAX_ROWS`, oldest first; `total` says how many there are.
    pub rows: Vec<KpiOrderRow>,
    #[ts(type = "number")]
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct KpiExportInput {
    /// The report to export.
    #[serde(flatten)]
    #[ts(flatten)]
    pub report: KpiReportInput,
    pub format: ExportFormat,
    /// The KPIs' names in the reader's language by code, for the `name` column; codes alone without.
    #[serde(default)]
    #[ts(optional)]
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct KpiExport {
    pub file_name: String,
    /// Where the copy kept in the data folder's `exports` is.
    pub path: String,
    pub mime: String,
    #[ts(type = "number")]
    pub size: i64,
    /// `data:<mime>;base64,…`, for the desk to save.
    pub data_url: String,
}

/// The figures a breakdown per advisor shows: what an advisor's orders and
/// customers make of them. Station-wide figures (deadlines, complaints, stock,
/// productivity of the workshop) are left out: they are not an advisor's.
pub const ADVISOR_CODES: [&str; 11] = [
    "satisfaction_avg",
    "satisfaction_top",
    "follow_up_in_time",
    "follow_up_ever",
    "first_time_fix",
    "repeat_rate",
    "cycle_median_hours",
    "on_time",
    "hours_per_order",
    "order_value",
    "cancelled",
];

/// The figures a breakdown per technician shows: the quality and the hours of their work.
pub const TECHNICIAN_CODES: [&str; 7] =
    ["first_time_fix", "repeat_rate", "satisfaction_avg", "cycle_median_hours", "hours_per_order", "efficiency", "productivity"];

pub const MAX_ROWS: usize = 1000;

/// What a report is computed from: the settings, the records of the whole period and their tallies.
struct Source {
    settings: Settings,
    days: Days,
    records: Records,
    book: Book,
    now: DateTime<Utc>,
}

impl Source {
    async fn load(station: &Station, range: &KpiRange) -> Result<Source> {
        let mut conn = station.pool().acquire().await?;
        let settings = load::settings(&mut conn).await?;
        let now = station.now();
        let days = periods::resolve(range, settings.rules.day_of(now))?;
        let (start, end) = days.instants(settings.rules.tz);
        let records = load::records(&mut conn, start, end, now).await?;
        let mut book = Book::default();
        for o in &records.orders {
            book.add(kpi::order_contributions(&o.record, &settings.rules));
        }
        for c in &records.complaints {
            book.add(kpi::complaint_contributions(&c.record, &settings.rules, now));
        }
        for d in &records.deadlines {
            book.add(kpi::deadline_contributions(&d.record, &settings.rules, now));
        }
        Ok(Source { settings, days, records, book, now })
    }

    /// The inputs that are not sums of records, for `days`; `people` technicians' available time.
    fn context(&self, days: Days, people: i64) -> Context {
        let (start, end) = days.instants(self.settings.rules.tz);
        Context {
            days: days.count(),
            stock_value_minor: self.settings.stock_value_minor,
            parts_short: self.settings.parts_short,
            available_seconds: self.settings.calendar.working_secs_between(start, end).saturating_mul(people),
        }
    }

    fn figures(&self, dim: &Dim, days: Days) -> Vec<Figure> {
        let people = match dim {
            Dim::Station => self.settings.active_technicians,
            Dim::Technician(_) => 1,
            Dim::Advisor(_) => 0,
        };
        kpi::figures(&self.book.sum(dim, days.from, days.to), &self.context(days, people))
    }

    fn name(&self, id: &str) -> String {
        self.settings.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn breakdown(&self, kind: PersonKind, codes: &[&str]) -> Breakdown {
        let mut rows: Vec<PersonFigures> = self
            .book
            .people(self.days.from, self.days.to)
            .into_iter()
            .filter_map(|dim| {
                let who = match (&dim, kind) {
                    (Dim::Advisor(id), PersonKind::Advisor) | (Dim::Technician(id), PersonKind::Technician) => KpiWho { kind, id: id.clone() },
                    _ => return None,
                };
                let figures = self.figures(&dim, self.days).into_iter().filter(|f| codes.contains(&f.code.as_str())).collect();
                Some(PersonFigures { name: self.name(&who.id), who, figures })
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.who.id.cmp(&b.who.id)));
        Breakdown { codes: codes.iter().map(|c| c.to_string()).collect(), rows }
    }

    fn report(&self, preset: Option<Preset>, granularity: Option<Granularity>) -> Result<KpiReport> {
        let granularity = granularity.unwrap_or_else(|| periods::default_granularity(self.days));
        let trend =
            periods::buckets(self.days, granularity)?.into_iter().map(|b| TrendPoint { period: b.into(), figures: self.figures(&Dim::Station, b) }).collect();
        let figures = self.figures(&Dim::Station, self.days);
        let drill_codes = figures.iter().map(|f| f.code.clone()).filter(|c| has_records(c)).collect();
        let count_codes = figures.iter().map(|f| f.code.clone()).filter(|c| is_share(c)).collect();
        Ok(KpiReport {
            period: self.days.into(),
            preset,
            granularity,
            time_zone: self.settings.time_zone.clone(),
            figures,
            trend,
            advisors: self.breakdown(PersonKind::Advisor, &ADVISOR_CODES),
            technicians: self.breakdown(PersonKind::Technician, &TECHNICIAN_CODES),
            drill_codes,
            count_codes,
            generated_at: self.now,
            last_month: periods::last_month(self.settings.rules.day_of(self.now)),
        })
    }

    /// `contributions` summed for `dim` over the period.
    fn own_tally(&self, contributions: Vec<kpi::Contribution>, dim: &Dim) -> Option<Tally> {
        let mut t = Tally::zero();
        let mut any = false;
        for (day, d, c) in contributions {
            if &d == dim && day >= self.days.from && day <= self.days.to {
                t.add(&c);
                any = true;
            }
        }
        any.then_some(t)
    }
}

/// Whether a record with tally `t` is behind figure `code`, and what its row says.
fn behind(code: &str, t: &Tally) -> Option<(Option<bool>, Option<f64>)> {
    // No context: a single record has no stock or available hours of its own.
    let f = kpi::figures(t, &Context { days: 1, ..Context::default() }).into_iter().find(|f| f.code == code)?;
    if f.numerator == 0 && f.denominator == 0 {
        return None;
    }
    if counts_records(code) {
        return Some((Some(f.numerator > 0), None));
    }
    let value = match code {
        // Exact, rather than read back from the histogram's bucket.
        "cycle_median_hours" | "cycle_p90_hours" => Some(t.cycle_minutes as f64 / 60.0),
        "productivity" => Some(t.clocked_seconds as f64 / 3600.0),
        "stock_turnover" => Some(t.parts_issued_minor as f64),
        _ => f.value,
    };
    Some((None, value))
}

fn value_unit(code: &str, figure: &Figure) -> Option<Unit> {
    match code {
        _ if counts_records(code) => None,
        "productivity" => Some(Unit::Hours),
        "stock_turnover" => Some(Unit::Minor),
        _ => Some(figure.unit),
    }
}

pub async fn kpi_report(station: &Station, caller: &Caller, input: KpiReportInput) -> Result<KpiReport> {
    caller.require(Permission::ViewKpis)?;
    let source = Source::load(station, &input.range).await?;
    source.report(input.range.preset, input.granularity)
}

pub async fn kpi_orders(station: &Station, caller: &Caller, input: KpiOrdersInput) -> Result<KpiOrders> {
    caller.require(Permission::ViewKpis)?;
    let source = Source::load(station, &input.range).await?;
    let dim = input.who.as_ref().map_or(Dim::Station, KpiWho::dim);
    let code = input.code.trim();
    let figure = source
        .figures(&dim, source.days)
        .into_iter()
        .find(|f| f.code == code && has_records(code))
        .ok_or_else(|| ApiError::invalid("kpi.unknown_code", format!("{code:?} is not a figure with records behind it")).with_field("code"))?;
    let rules = &source.settings.rules;
    let now = source.now;
    let mut rows: Vec<KpiOrderRow> = Vec::new();
    for o in &source.records.orders {
        let Some(t) = source.own_tally(kpi::order_contributions(&o.record, rules), &dim) else { continue };
        let Some((counted, value)) = behind(code, &t) else { continue };
        rows.push(KpiOrderRow {
            item: ItemKind::RepairOrder,
            id: o.record.id.clone(),
            number: o.number.clone(),
            plate: o.plate.clone(),
            customer_name: Some(o.customer_name.clone()),
            customer_destroyed: o.customer_destroyed,
            staff_name: Some(o.advisor_name.clone()),
            at: o.record.delivered_at.unwrap_or(o.record.checked_in_at),
            delivered_at: o.record.delivered_at,
            counted,
            value,
        });
    }
    for c in &source.records.complaints {
        let Some(t) = source.own_tally(kpi::complaint_contributions(&c.record, rules, now), &dim) else { continue };
        let Some((counted, value)) = behind(code, &t) else { continue };
        rows.push(KpiOrderRow {
            item: ItemKind::Complaint,
            id: c.record.id.clone(),
            number: c.number.clone(),
            plate: c.plate.clone(),
            customer_name: Some(c.customer_name.clone()),
            customer_destroyed: c.customer_destroyed,
            staff_name: Some(c.owner_name.clone()),
            at: c.record.received_at,
            delivered_at: None,
            counted,
            value,
        });
    }
    for d in &source.records.deadlines {
        let Some(t) = source.own_tally(kpi::deadline_contributions(&d.record, rules, now), &dim) else { continue };
        let Some((counted, value)) = behind(code, &t) else { continue };
        let (Some(at), Some(item)) = (
            d.record.outcome(now).map(|o| match o {
                Outcome::Met(at) | Outcome::Breached(at) => at,
            }),
            match d.item_kind.as_str() {
                "repair_order" => Some(ItemKind::RepairOrder),
                "follow_up" => Some(ItemKind::FollowUp),
                "complaint" => Some(ItemKind::Complaint),
                "service_request" => Some(ItemKind::ServiceRequest),
                _ => None,
            },
        ) else {
            continue;
        };
        rows.push(KpiOrderRow {
            item,
            id: d.item_id.clone(),
            number: d.number.clone(),
            plate: d.plate.clone(),
            customer_name: d.customer_name.clone(),
            customer_destroyed: d.customer_destroyed,
            staff_name: d.owner_name.clone(),
            at,
            delivered_at: None,
            counted,
            value,
        });
    }
    rows.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.number.cmp(&b.number)));
    let total = rows.len() as i64;
    rows.truncate(MAX_ROWS);
    let who_name = input.who.as_ref().map(|w| source.name(&w.id));
    Ok(KpiOrders {
        period: source.days.into(),
        code: code.to_string(),
        counts: counts_records(code),
        value_unit: value_unit(code, &figure),
        who: input.who,
        who_name,
        figure,
        rows,
        total,
    })
}

pub async fn kpi_export(station: &Station, caller: &Caller, input: KpiExportInput) -> Result<KpiExport> {
    caller.require(Permission::ViewKpis)?;
    let source = Source::load(station, &input.report.range).await?;
    let report = source.report(input.report.range.preset, input.report.granularity)?;
    let labels = input.labels.unwrap_or_default();
    let stamp = source.now.with_timezone(&source.settings.rules.tz).format("%Y%m%d-%H%M%S");
    let base = format!("kpis-{}-{}-{}-{stamp}", source.settings.station_code, report.period.from.format("%Y%m%d"), report.period.to.format("%Y%m%d"));
    let (bytes, file_name, mime) = match input.format {
        ExportFormat::Csv => (export::csv(&report, &labels)?, format!("{base}.csv"), export::CSV_MIME),
        ExportFormat::Xlsx => {
            let bytes = tokio::task::spawn_blocking(move || export::xlsx(&report, &labels)).await.map_err(|e| ApiError::internal(e.to_string()))??;
            (bytes, format!("{base}.xlsx"), export::XLSX_MIME)
        }
    };
    export::kept(station.data_dir(), file_name, mime, &bytes)
}
