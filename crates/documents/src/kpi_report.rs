//! The monthly KPI report (月度 KPI 报告): the station's figures for a month with
//! target, gap and whether each is met; the same figures per advisor and per
//! technician; and the trend charts the desk drew, each printed above the
//! numbers it plots, so a chart never stands without them. Not a signed
//! document: no hash, no QR code.

use kpi::Figure;

use crate::chart;
use crate::format::{kpi_gap, kpi_target, kpi_value};
use crate::layout::*;
use crate::model::{KpiBreakdown, KpiChart, MonthlyKpiReport};
use crate::sections::*;
use crate::RenderError;

type Cx<'a> = Ctx<'a, MonthlyKpiReport>;

/// Points per row under a chart.
const POINTS_PER_ROW: usize = 10;
/// The tallest a chart is drawn, in mm, whatever its proportions.
const MAX_CHART_HEIGHT: f32 = 80.0;

pub fn render(r: &MonthlyKpiReport) -> Result<Vec<u8>, RenderError> {
    let mut cx = Ctx::with(r, r.language, r.paper);
    let l = cx.l;
    let mut blocks = vec![heading(&cx, l.kpi_figures)];
    blocks.extend(figures(&cx));
    for (title, breakdown) in [(l.kpi_advisors, &r.advisors), (l.kpi_technicians, &r.technicians)] {
        blocks.push(gap(3.0));
        blocks.push(heading(&cx, title));
        blocks.extend(people(&cx, breakdown));
    }
    if !r.charts.is_empty() {
        blocks.push(gap(3.0));
        blocks.push(heading(&cx, l.kpi_trends));
        let mut note = Block::new(6.0);
        note.text(cx.frame.left, 0.5, 8.0, l.kpi_trends_note, MUTED);
        blocks.push(note.keep_with_next());
        for (index, c) in r.charts.iter().enumerate() {
            let graphic = chart::parse(&c.svg).map_err(|reason| RenderError::Chart { index, reason })?;
            let size = (graphic.width, graphic.height);
            cx.pictures.graphics.push(graphic);
            blocks.push(chart_block(&cx, c, cx.pictures.graphics.len() - 1, size));
            blocks.push(gap(4.0));
        }
    }

    let masthead = Masthead {
        station_name: r.station_name.clone(),
        contact: vec![unbreakable(l.station_code, &r.station_code)],
        title: l.kpi_title,
        subtitle: l.kpi_subtitle,
        number_label: l.kpi_month,
        number: r.month.clone(),
        facts: vec![(l.kpi_period, format!("{} – {}", r.from, r.to)), (l.kpi_time_zone, r.time_zone.clone()), (l.kpi_generated_at, r.generated_at.clone())],
        qr_payload: None,
        footer_note: format!("{} {}", l.kpi_generated_at, r.generated_at),
    };
    finish(cx, &masthead, blocks)
}

fn name<'a>(r: &'a MonthlyKpiReport, code: &'a str) -> &'a str {
    r.names.get(code).map_or(code, String::as_str)
}

/// Green when the target is met, red when not, ink without a target.
fn tone(f: &Figure) -> Rgb3 {
    match f.meets_target {
        Some(true) => GOOD,
        Some(false) => MARK,
        None => INK,
    }
}

fn value(cx: &Cx, f: &Figure) -> String {
    kpi_value(f.value, f.unit, cx.doc.language)
}

/// Every figure of the month: value, target, gap, what was counted, met or not.
fn figures(cx: &Cx) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    let lang = r.language;
    let rows: Vec<[String; 5]> = r
        .figures
        .iter()
        .map(|f| {
            let counted = if r.count_codes.contains(&f.code) { format!("{} / {}", f.numerator, f.denominator) } else { String::new() };
            [name(r, &f.code).to_string(), value(cx, f), kpi_target(f.target, f.unit, f.better, lang), kpi_gap(f.gap, f.unit, lang), counted]
        })
        .collect();
    let fitted = |title, i: usize, max| Column::fitted(title, rows.iter().map(|row| row[i].as_str()), max, Align::Right);
    let badge_w = [l.kpi_met, l.kpi_not_met, l.kpi_col_met].iter().map(|t| text_width(t, 7.5)).fold(0.0, f32::max) + 3.5;
    let columns = [
        Column::rest(l.kpi_col_figure),
        fitted(l.kpi_col_value, 1, 30.0),
        fitted(l.kpi_col_target, 2, 30.0),
        fitted(l.kpi_col_gap, 3, 32.0),
        fitted(l.kpi_col_counted, 4, 24.0),
        Column { title: l.kpi_col_met, width: Some(badge_w), align: Align::Right },
    ];
    let cells: Vec<Vec<Cell>> = r
        .figures
        .iter()
        .zip(rows)
        .map(|(f, [figure, value, target, gap, counted])| {
            let met = match f.meets_target {
                Some(true) => Cell::badge(l.kpi_met, GOOD),
                Some(false) => Cell::badge(l.kpi_not_met, MARK),
                None => Cell::new("—", FAINT),
            };
            vec![Cell::new(figure, INK), Cell::new(value, tone(f)), Cell::new(target, MUTED), Cell::new(gap, tone(f)), Cell::new(counted, MUTED), met]
        })
        .collect();
    table(cx, &columns, &cells)
}

/// A breakdown with a row per figure and a column per person, as many people
/// side by side as fit the page; the rest follow in further tables.
fn people(cx: &Cx, breakdown: &KpiBreakdown) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    if breakdown.rows.is_empty() || breakdown.codes.is_empty() {
        return vec![none(cx, l.kpi_nobody)];
    }
    let names_w = breakdown.codes.iter().map(|c| text_width(name(r, c), 8.5)).fold(text_width(l.kpi_col_figure, 7.5), f32::max).min(70.0) + 1.0;
    let room = cx.frame.width() - 3.0 - names_w;
    // Each person's column: as wide as their name or their widest value.
    let values: Vec<Vec<String>> = breakdown
        .rows
        .iter()
        .map(|p| breakdown.codes.iter().map(|code| p.figures.iter().find(|f| &f.code == code).map_or_else(|| "—".to_string(), |f| value(cx, f))).collect())
        .collect();
    let widths: Vec<f32> = breakdown
        .rows
        .iter()
        .zip(&values)
        .map(|(p, vs)| Column::fitted(&p.name, vs.iter().map(String::as_str), 34.0, Align::Right).width.unwrap_or(20.0).max(16.0) + 3.0)
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < breakdown.rows.len() {
        let mut end = start;
        let mut used = 0.0;
        while end < breakdown.rows.len() && (end == start || used + widths[end] <= room) {
            used += widths[end];
            end += 1;
        }
        if start > 0 {
            out.push(gap(2.0));
        }
        let mut columns = vec![Column { title: l.kpi_col_figure, width: None, align: Align::Left }];
        columns.extend(breakdown.rows[start..end].iter().zip(&widths[start..end]).map(|(p, w)| Column {
            title: &p.name,
            width: Some(w - 3.0),
            align: Align::Right,
        }));
        let rows: Vec<Vec<Cell>> = breakdown
            .codes
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let mut row = vec![Cell::new(name(r, code), INK)];
                row.extend(breakdown.rows[start..end].iter().zip(&values[start..end]).map(|(p, vs)| {
                    let ink = p.figures.iter().find(|f| &f.code == code).map_or(FAINT, tone);
                    Cell::new(vs[i].clone(), ink)
                }));
                row
            })
            .collect();
        out.extend(table(cx, &columns, &rows));
        start = end;
    }
    out
}

/// One KPI's chart with its name, month value and target above it and the value
/// of every point beneath it, all in one block that never splits across pages.
fn chart_block(cx: &Cx, c: &KpiChart, graphic: usize, (gw, gh): (f32, f32)) -> Block {
    let (r, l) = (cx.doc, cx.l);
    let (x0, w) = (cx.frame.left, cx.frame.width());
    let month = r.figures.iter().find(|f| f.code == c.code);
    let mut b = Block::new(0.0);

    b.bold(x0, 0.0, 9.5, name(r, &c.code), INK);
    if let Some(f) = month {
        let summary = format!("{} {}  ·  {} {}", l.kpi_month_value, value(cx, f), l.kpi_col_target, kpi_target(f.target, f.unit, f.better, r.language));
        b.right(cx.frame.right, 0.6, 8.0, &summary, MUTED);
    }

    let top = 6.0;
    let (mut cw, mut ch) = (w, if gw > 0.0 { w * gh / gw } else { 0.0 });
    if ch > MAX_CHART_HEIGHT {
        cw *= MAX_CHART_HEIGHT / ch;
        ch = MAX_CHART_HEIGHT;
    }
    b.items.push(Prim::Graphic { index: graphic, x: x0 + (w - cw) / 2.0, y: top, w: cw, h: ch });

    let cell_w = w / POINTS_PER_ROW as f32;
    let mut y = top + ch + 1.5;
    for row in c.points.chunks(POINTS_PER_ROW) {
        b.hline(x0, cx.frame.right, y, 0.15, HAIRLINE);
        for (i, p) in row.iter().enumerate() {
            let x = x0 + i as f32 * cell_w + 1.0;
            b.text(x, y + 0.8, 6.5, &p.label, MUTED);
            let (text, ink) = p.figure.as_ref().map_or(("—".to_string(), FAINT), |f| (value(cx, f), if f.value.is_some() { tone(f) } else { FAINT }));
            let size = fit_size(&text, cell_w - 2.0, 8.5, 6.0);
            b.text(x, y + 3.6, size, &text, ink);
        }
        y += 8.0;
    }
    b.hline(x0, cx.frame.right, y, 0.15, HAIRLINE);
    b.height = y + 1.0;
    b
}
