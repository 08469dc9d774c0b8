//! The KPI comparison as a CSV file for a spreadsheet: the rows the comparison
//! page shows (a station, region or period each) and the total last, a column
//! per figure's value and, for the figures the `kpi` crate calls shares, its
//! numerator and denominator; then its target and gap. It is `kpis::compare`'s
//! answer written out, so the file and the page cannot disagree, and the scope
//! is the caller's as there.

use chrono::{DateTime, Utc};
use kpi::figures::{file_number, is_share};
use kpi::{Figure, Unit};
use ts_rs::TS;

use super::error::{ConsoleError, ConsoleResult};
use super::kpis::{compare, KpiComparison, KpiGroup, KpiLine, KpiQuery};
use super::sessions::ConsoleSession;

/// The columns that say what a row is, before the figures' columns.
pub const ROW_COLUMNS: [&str; 7] = ["row", "code", "name", "region", "stations", "from", "to"];

/// The CSV file: UTF-8 with a byte-order mark (spreadsheet programs need it to
/// read Chinese names), and the name to save it under. Over HTTP the answer is its text.
#[derive(Debug, Clone, PartialEq, Eq, TS)]
#[ts(type = "string")]
pub struct KpiCsv {
    /// `kpis-<group>-<from>-<to>.csv`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// `GET …/kpis/export.csv`, the comparison's query: the comparison of the
/// caller's stations, as a file.
pub async fn export(pool: &sqlx::PgPool, session: &ConsoleSession, query: KpiQuery, now: DateTime<Utc>) -> ConsoleResult<KpiCsv> {
    let report = compare(pool, session, query, now).await?;
    let group = serde_json::to_value(report.group).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let file_name = format!("kpis-{group}-{}-{}.csv", report.from, report.to);
    Ok(KpiCsv { file_name, bytes: csv(&report)? })
}

/// The header: the row columns, then per figure `code`, `code.n` and `code.d` (shares only), `code.target`, `code.gap`.
fn header(codes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = ROW_COLUMNS.iter().map(|c| c.to_string()).collect();
    for code in codes {
        out.push(code.clone());
        if is_share(code) {
            out.push(format!("{code}.n"));
            out.push(format!("{code}.d"));
        }
        out.push(format!("{code}.target"));
        out.push(format!("{code}.gap"));
    }
    out
}

/// What the row is: `station`, `region`, `period` (a trend's day, week or month) or `total`.
fn kind(line: &KpiLine, group: KpiGroup, is_total: bool) -> &'static str {
    match (is_total, &line.station, &line.region, group) {
        (true, ..) => "total",
        (_, Some(_), ..) => "station",
        (_, _, Some(_), _) => "region",
        (_, _, _, KpiGroup::Day | KpiGroup::Week | KpiGroup::Month) => "period",
        _ => "total",
    }
}

/// A value as written: counts whole, the rest in the figure's unit (a ratio 0–1, hours, fen).
fn value(unit: Unit, v: Option<f64>) -> String {
    match (unit, v) {
        (_, None) => String::new(),
        (Unit::Count, Some(v)) if v.fract() == 0.0 => format!("{v:.0}"),
        (_, Some(v)) => file_number(v),
    }
}

fn cells(line: &KpiLine, group: KpiGroup, is_total: bool, codes: &[String]) -> Vec<String> {
    let (code, name, region) = match &line.station {
        Some(s) => (s.code.clone(), s.name.clone(), s.region.clone()),
        None => (String::new(), String::new(), line.region.clone().unwrap_or_default()),
    };
    let mut out = vec![kind(line, group, is_total).to_string(), code, name, region, line.stations.to_string(), line.from.to_string(), line.to.to_string()];
    for c in codes {
        let f: Option<&Figure> = line.figures.iter().find(|f| &f.code == c);
        out.push(f.map(|f| value(f.unit, f.value)).unwrap_or_default());
        if is_share(c) {
            out.push(f.map(|f| f.numerator.to_string()).unwrap_or_default());
            out.push(f.map(|f| f.denominator.to_string()).unwrap_or_default());
        }
        out.push(f.map(|f| value(f.unit, f.target)).unwrap_or_default());
        out.push(f.and_then(|f| f.gap).map(file_number).unwrap_or_default());
    }
    out
}

/// The comparison's rows, then its total, with the BOM first.
pub fn csv(report: &KpiComparison) -> ConsoleResult<Vec<u8>> {
    let codes: Vec<String> = report.total.figures.iter().map(|f| f.code.clone()).collect();
    let fail = |e: csv::Error| ConsoleError::internal(format!("cannot write the CSV: {e}"));
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header(&codes)).map_err(fail)?;
        for line in &report.rows {
            w.write_record(cells(line, report.group, false, &codes)).map_err(fail)?;
        }
        w.write_record(cells(&report.total, report.group, true, &codes)).map_err(fail)?;
        w.flush().map_err(|e| ConsoleError::internal(format!("cannot write the CSV: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use kpi::Better;

    use super::super::kpis::StationRef;

    fn figure(code: &str, unit: Unit, value: Option<f64>, n: i64, d: i64, target: Option<f64>, gap: Option<f64>) -> Figure {
        Figure { code: code.into(), unit, better: Better::Higher, value, numerator: n, denominator: d, target, gap, meets_target: gap.map(|g| g >= 0.0) }
    }

    fn line(key: &str, station: Option<StationRef>, stations: u32, on_time: (i64, i64)) -> KpiLine {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let (n, d) = on_time;
        let v = (d > 0).then(|| n as f64 / d as f64);
        KpiLine {
            key: key.into(),
            station,
            region: None,
            from: day,
            to: day,
            stations,
            figures: vec![
                figure("on_time", Unit::Ratio, v, n, d, Some(0.9), v.map(|v| v - 0.9)),
                figure("order_value", Unit::Minor, None, 0, d, None, None),
                figure("parts_short", Unit::Count, Some(3.0), 3, 0, None, None),
            ],
        }
    }

    #[test]
    fn a_row_per_station_then_the_total_with_n_and_d_only_for_shares() {
        let sh = StationRef { id: "s1".into(), code: "SH01".into(), name: "上海一店, 浦东".into(), region: "华东".into() };
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let report = KpiComparison {
            from: day,
            to: day,
            group: KpiGroup::Station,
            station: None,
            rows: vec![line("s1", Some(sh), 1, (2, 3))],
            regions: vec![],
            total: line("total", None, 1, (2, 3)),
            ranking: vec![],
            drill_codes: vec![],
            count_codes: vec![],
        };
        let bytes = csv(&report).unwrap_or_default();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM first");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "row,code,name,region,stations,from,to,on_time,on_time.n,on_time.d,on_time.target,on_time.gap,order_value,order_value.target,order_value.gap,parts_short,parts_short.target,parts_short.gap"
        );
        assert_eq!(lines[1], "station,SH01,\"上海一店, 浦东\",华东,1,2026-03-02,2026-03-02,0.6667,2,3,0.9,-0.2333,,,,3,,", "a name with a comma is quoted");
        assert_eq!(lines[2], "total,,,,1,2026-03-02,2026-03-02,0.6667,2,3,0.9,-0.2333,,,,3,,");
        assert_eq!(lines.len(), 3);
    }
}
