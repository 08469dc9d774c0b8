//! The monthly KPI report as a PDF (docs/kpis.md, "At the station"): the month's
//! figures, breakdowns and daily trend, computed here from the station's own
//! records exactly as `kpi_report` computes them, laid out by `documents`. The
//! desk sends only the charts, drawn as SVG from `kpi_report` of the same month
//! with the dashboard's own option builder; every number printed, the numbers
//! beneath each chart included, is the station's.

use chrono::Datelike;
use serde::Deserialize;
use ts_rs::TS;

use super::names::names;
use super::periods::{Granularity, KpiRange};
use super::{export, KpiExport, KpiReport, Source};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::printing::PaperSize;
use crate::station::Station;

/// More charts than this make a report nobody reads (and a large request).
pub const MAX_CHARTS: usize = 12;
/// A day-by-day ECharts line chart is about 12 KB; this leaves room for any KPI.
pub const MAX_SVG_BYTES: usize = 256 * 1024;

pub const PDF_MIME: &str = "application/pdf";

/// One KPI's trend chart as the desk drew it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct KpiChartInput {
    /// The figure the chart plots, e.g. `on_time`.
    pub code: String,
    /// The chart as an SVG document (ECharts' `renderToSVGString`).
    pub svg: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct KpiMonthlyReportInput {
    /// `YYYY-MM`: a month that has begun (the month in progress runs to today).
    pub month: String,
    /// Trend charts, in the order to print them, one per figure: at most 12
    /// (`MAX_CHARTS`), each SVG at most 256 KiB (`MAX_SVG_BYTES`).
    #[serde(default)]
    pub charts: Vec<KpiChartInput>,
    /// `zh-CN`, `zh-TW` or `en`.
    pub language: String,
    #[serde(default)]
    #[ts(optional)]
    pub paper: Option<PaperSize>,
}

fn language(text: &str) -> Result<documents::Language> {
    documents::Language::from_code(text)
        .ok_or_else(|| ApiError::invalid("kpi.language", format!("{text:?} is not a report language (zh-CN, zh-TW or en)")).with_field("language"))
}

/// How many charts and how large: checked before a month's records are read.
fn check_sizes(charts: &[KpiChartInput]) -> Result<()> {
    if charts.len() > MAX_CHARTS {
        return Err(ApiError::invalid("kpi.too_many_charts", format!("at most {MAX_CHARTS} charts in a report")).with("max", MAX_CHARTS).with_field("charts"));
    }
    match charts.iter().position(|c| c.svg.len() > MAX_SVG_BYTES) {
        Some(i) => Err(ApiError::invalid("kpi.chart_too_large", format!("chart {} is {} bytes; at most {MAX_SVG_BYTES}", i + 1, charts[i].svg.len()))
            .with("max", MAX_SVG_BYTES)
            .with_field(format!("charts[{i}].svg"))),
        None => Ok(()),
    }
}

/// Each chart plots a figure of the report, and no figure twice.
fn check_codes(charts: &[KpiChartInput], report: &KpiReport) -> Result<()> {
    for (i, chart) in charts.iter().enumerate() {
        if !report.figures.iter().any(|f| f.code == chart.code) {
            return Err(ApiError::invalid("kpi.chart_code", format!("{:?} is not a figure of the report", chart.code)).with_field(format!("charts[{i}].code")));
        }
        if charts[..i].iter().any(|earlier| earlier.code == chart.code) {
            return Err(ApiError::invalid("kpi.chart_twice", format!("{:?} has a chart already", chart.code)).with_field(format!("charts[{i}].code")));
        }
    }
    Ok(())
}

/// What `documents` prints: the report's figures with their names, each chart with the numbers it plots.
fn document(
    report: &KpiReport,
    charts: Vec<KpiChartInput>,
    lang: documents::Language,
    paper: PaperSize,
    station: (&str, &str),
    month: &str,
    generated_at: String,
) -> documents::MonthlyKpiReport {
    let breakdown = |b: &super::Breakdown| documents::KpiBreakdown {
        codes: b.codes.clone(),
        rows: b.rows.iter().map(|p| documents::KpiPerson { name: p.name.clone(), figures: p.figures.clone() }).collect(),
    };
    let charts = charts
        .into_iter()
        .map(|c| documents::KpiChart {
            points: report
                .trend
                .iter()
                .map(|p| documents::KpiPoint { label: p.period.from.format("%m-%d").to_string(), figure: p.figures.iter().find(|f| f.code == c.code).cloned() })
                .collect(),
            code: c.code,
            svg: c.svg,
        })
        .collect();
    documents::MonthlyKpiReport {
        language: lang,
        paper: paper.to_documents(),
        station_name: station.0.to_string(),
        station_code: station.1.to_string(),
        month: month.to_string(),
        from: report.period.from.to_string(),
        to: report.period.to.to_string(),
        time_zone: report.time_zone.clone(),
        generated_at,
        names: names(lang).clone(),
        figures: report.figures.clone(),
        count_codes: report.count_codes.clone(),
        advisors: breakdown(&report.advisors),
        technicians: breakdown(&report.technicians),
        charts,
    }
}

pub async fn kpi_monthly_report(station: &Station, caller: &Caller, input: KpiMonthlyReportInput) -> Result<KpiExport> {
    caller.require(Permission::ViewKpis)?;
    let lang = language(&input.language)?;
    check_sizes(&input.charts)?;
    let info = station.require_info().await?;
    let source = Source::load(station, &KpiRange { month: Some(input.month.clone()), ..KpiRange::default() }).await?;
    let report = source.report(None, Some(Granularity::Day))?;
    check_codes(&input.charts, &report)?;

    let tz = source.settings.rules.tz;
    let local_now = source.now.with_timezone(&tz);
    let month = format!("{:04}-{:02}", report.period.from.year(), report.period.from.month());
    let file_name = format!("kpi-report-{}-{month}-{}-{}.pdf", info.code, input.language, local_now.format("%Y%m%d-%H%M%S"));
    let doc = document(
        &report,
        input.charts,
        lang,
        input.paper.unwrap_or_default(),
        (&info.name, &info.code),
        &month,
        local_now.format("%Y-%m-%d %H:%M").to_string(),
    );
    let bytes =
        tokio::task::spawn_blocking(move || documents::render_kpi_report(&doc)).await.map_err(|e| ApiError::internal(e.to_string()))?.map_err(|e| match e {
            documents::RenderError::Chart { index, reason } => {
                ApiError::invalid("kpi.chart_svg", format!("chart {} cannot be printed: {reason}", index + 1)).with_field(format!("charts[{index}].svg"))
            }
            other => ApiError::internal(format!("cannot render the KPI report: {other}")),
        })?;
    export::kept(station.data_dir(), file_name, PDF_MIME, &bytes)
}
