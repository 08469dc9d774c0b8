//! A KPI report as a file: CSV (one table, a row per figure of the period,
//! each person and each trend point) or XLSX (the same rows on four sheets).
//! Values stay in the figure's unit (a ratio 0–1, hours, fen) so the numbers
//! read back exactly; the XLSX shows ratios as percentages. A copy is kept in
//! the data folder's `exports`, and the bytes go back to the desk to save.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use kpi::{Figure, Unit};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{KpiExport, KpiPeriod, KpiReport};
use crate::error::{ApiError, Result};

pub const CSV_MIME: &str = "text/csv";
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The columns of every row, in both formats.
pub const COLUMNS: [&str; 13] = ["section", "who", "from", "to", "code", "name", "unit", "value", "target", "gap", "meets_target", "numerator", "denominator"];

/// One figure of one section: the period, a person, or a trend point.
struct Line<'a> {
    section: &'static str,
    who: &'a str,
    period: &'a KpiPeriod,
    figure: &'a Figure,
}

fn lines(report: &KpiReport) -> Vec<Line<'_>> {
    let mut out: Vec<Line<'_>> = report.figures.iter().map(|figure| Line { section: "period", who: "", period: &report.period, figure }).collect();
    for (section, breakdown) in [("advisor", &report.advisors), ("technician", &report.technicians)] {
        for row in &breakdown.rows {
            out.extend(row.figures.iter().map(|figure| Line { section, who: &row.name, period: &report.period, figure }));
        }
    }
    for point in &report.trend {
        out.extend(point.figures.iter().map(|figure| Line { section: "trend", who: "", period: &point.period, figure }));
    }
    out
}

fn unit_name(unit: Unit) -> String {
    serde_json::to_value(unit).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn cells(line: &Line<'_>, labels: &BTreeMap<String, String>) -> [String; 13] {
    let f = line.figure;
    let opt = |v: Option<f64>| v.map(kpi::figures::file_number).unwrap_or_default();
    [
        line.section.to_string(),
        line.who.to_string(),
        line.period.from.to_string(),
        line.period.to.to_string(),
        f.code.clone(),
        labels.get(&f.code).cloned().unwrap_or_default(),
        unit_name(f.unit),
        opt(f.value),
        opt(f.target),
        opt(f.gap),
        f.meets_target.map(|m| m.to_string()).unwrap_or_default(),
        f.numerator.to_string(),
        f.denominator.to_string(),
    ]
}

/// UTF-8 with a byte-order mark, which spreadsheet programs need to read Chinese names right.
pub fn csv(report: &KpiReport, labels: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = ::csv::Writer::from_writer(&mut out);
        let fail = |e: ::csv::Error| ApiError::internal(format!("cannot write the CSV: {e}"));
        w.write_record(COLUMNS).map_err(fail)?;
        for line in lines(report) {
            w.write_record(cells(&line, labels)).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::internal(format!("cannot write the CSV: {e}")))?;
    }
    Ok(out)
}

pub fn xlsx(report: &KpiReport, labels: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    build_xlsx(report, labels).map_err(|e| ApiError::internal(format!("cannot write the XLSX: {e}")))
}

fn build_xlsx(report: &KpiReport, labels: &BTreeMap<String, String>) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.00");
    let all = lines(report);
    for (sheet, sections) in [("Figures", &["period"][..]), ("Advisors", &["advisor"][..]), ("Technicians", &["technician"][..]), ("Trend", &["trend"][..])] {
        let ws: &mut Worksheet = book.add_worksheet();
        ws.set_name(sheet)?;
        for (c, title) in COLUMNS.iter().enumerate().skip(1) {
            ws.write_string_with_format(0, (c - 1) as u16, *title, &bold)?;
        }
        for (r, line) in (1u32..).zip(all.iter().filter(|l| sections.contains(&l.section))) {
            let text = cells(line, labels);
            for (c, value) in text.iter().enumerate().skip(1) {
                let col = (c - 1) as u16;
                let numeric = matches!(COLUMNS[c], "value" | "target" | "gap" | "numerator" | "denominator");
                match value.parse::<f64>() {
                    Ok(n) if numeric => {
                        match COLUMNS[c] {
                            "numerator" | "denominator" => ws.write_number(r, col, n)?,
                            _ if line.figure.unit == Unit::Ratio => ws.write_number_with_format(r, col, n, &percent)?,
                            _ => ws.write_number_with_format(r, col, n, &decimal)?,
                        };
                    }
                    _ => {
                        ws.write_string(r, col, value)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }
    book.save_to_buffer()
}

/// Keeps a copy in `<data dir>/exports`; returns its path.
pub fn keep(data_dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let dir = data_dir.join("exports");
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::internal(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(file_name);
    std::fs::write(&path, bytes).map_err(|e| ApiError::internal(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// Keeps `bytes` as `file_name` in `<data dir>/exports` and returns them for the desk to save.
pub fn kept(data_dir: &Path, file_name: String, mime: &str, bytes: &[u8]) -> Result<KpiExport> {
    let path = keep(data_dir, &file_name, bytes)?;
    Ok(KpiExport { file_name, path: path.to_string_lossy().to_string(), mime: mime.to_string(), size: bytes.len() as i64, data_url: data_url(mime, bytes) })
}

pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}
