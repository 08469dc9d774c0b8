//! How numbers and times are printed. One format for both languages: `¥1,234.56`.
//! KPI figures print as the desk's dashboard shows them (ui/src/lib/format.ts,
//! `formatFigure`, `formatGap`, `formatTarget`).

use kpi::{Better, Unit};

use crate::model::Language;

/// Fen to `¥1,234.56` (negative: `-¥12.00`).
pub fn money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", group_thousands(abs / 100), abs % 100)
}

/// `1234567` to `1,234,567`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Thousandths to the shortest exact decimal: `1500` → `1.5`, `2000` → `2`, `250` → `0.25`.
pub fn quantity(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let whole = abs / 1000;
    let frac = abs % 1000;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:03}");
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// Basis points to a percentage: `1300` → `13%`, `650` → `6.5%`.
pub fn percent(bp: u32) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        let frac = format!("{:02}", bp % 100);
        format!("{}.{}%", bp / 100, frac.trim_end_matches('0'))
    }
}

/// An RFC 3339 time `2026-11-23T14:05:00+08:00` prints as `2026-11-23 14:05`, the local
/// time as written; anything else prints unchanged.
pub fn time(s: &str) -> String {
    let b = s.as_bytes();
    let looks_rfc3339 = b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[..16].iter().enumerate().all(|(i, c)| matches!(i, 4 | 7 | 10 | 13) || c.is_ascii_digit());
    if looks_rfc3339 {
        format!("{} {}", &s[..10], &s[11..16])
    } else {
        s.to_string()
    }
}

/// `v` with `digits` decimals and grouped thousands: `1234.56` → `1,234.6`.
fn fixed(v: f64, digits: usize) -> String {
    let text = format!("{:.*}", digits, v.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) { "-" } else { "" };
    let whole = group_thousands(whole.parse().unwrap_or(0));
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// A KPI's value in its unit: `66.7%`, `4.5`, `6.5 h` / `6.5小时`, `¥385.00`,
/// `25.0`, `6.1×/yr` / `6.1次/年`, `3`; `—` when nothing was counted.
pub fn kpi_value(value: Option<f64>, unit: Unit, language: Language) -> String {
    let Some(v) = value.filter(|v| v.is_finite()) else { return "—".to_string() };
    let zh = language.is_chinese();
    match unit {
        Unit::Ratio => format!("{}%", fixed(v * 100.0, 1)),
        Unit::Score | Unit::Per100 => fixed(v, 1),
        Unit::Hours if zh => format!("{}{}", fixed(v, 1), language.pick("小时", "小時", "")),
        Unit::Hours => format!("{} h", fixed(v, 1)),
        Unit::Minor => money(v.round() as i64),
        Unit::PerYear if zh => format!("{}次/年", fixed(v, 1)),
        Unit::PerYear => format!("{}×/yr", fixed(v, 1)),
        Unit::Count => fixed(v.round(), 0),
    }
}

/// The signed distance to a target: percentage points for a ratio (`−23.3 pp` / `−23.3个百分点`), else the unit's.
pub fn kpi_gap(gap: Option<f64>, unit: Unit, language: Language) -> String {
    let Some(g) = gap.filter(|g| g.is_finite()) else { return "—".to_string() };
    let sign = if g > 0.0 {
        "+"
    } else if g < 0.0 {
        "−"
    } else {
        "±"
    };
    match (unit, language) {
        (Unit::Ratio, Language::ZhCn) => format!("{sign}{}个百分点", fixed(g.abs() * 100.0, 1)),
        (Unit::Ratio, Language::ZhTw) => format!("{sign}{}個百分點", fixed(g.abs() * 100.0, 1)),
        (Unit::Ratio, Language::En) => format!("{sign}{} pp", fixed(g.abs() * 100.0, 1)),
        _ => format!("{sign}{}", kpi_value(Some(g.abs()), unit, language)),
    }
}

/// A target with the way that is better: `≥ 90.0%`, `≤ 24.0 h`; `—` without one.
pub fn kpi_target(target: Option<f64>, unit: Unit, better: Better, language: Language) -> String {
    let Some(t) = target else { return "—".to_string() };
    let mark = match better {
        Better::Higher => "≥ ",
        Better::Lower => "≤ ",
        Better::Neither => "",
    };
    format!("{mark}{}", kpi_value(Some(t), unit, language))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_yuan_with_grouping_and_two_decimals() {
        assert_eq!(money(123456), "¥1,234.56");
        assert_eq!(money(0), "¥0.00");
        assert_eq!(money(5), "¥0.05");
        assert_eq!(money(100_000_000), "¥1,000,000.00");
        assert_eq!(money(-1200), "-¥12.00");
    }

    #[test]
    fn quantities_print_the_shortest_exact_decimal() {
        assert_eq!(quantity(1500), "1.5");
        assert_eq!(quantity(2000), "2");
        assert_eq!(quantity(250), "0.25");
        assert_eq!(quantity(4125), "4.125");
    }

    #[test]
    fn percentages_and_times() {
        assert_eq!(percent(1300), "13%");
        assert_eq!(percent(650), "6.5%");
        assert_eq!(time("2026-11-23T14:05:00+08:00"), "2026-11-23 14:05");
        assert_eq!(time("yesterday"), "yesterday");
    }

    #[test]
    fn kpi_figures_print_as_the_dashboard_shows_them() {
        let (zh, en) = (Language::ZhCn, Language::En);
        assert_eq!(kpi_value(Some(2.0 / 3.0), Unit::Ratio, en), "66.7%");
        assert_eq!(kpi_value(Some(4.5), Unit::Score, zh), "4.5");
        assert_eq!(kpi_value(Some(6.5), Unit::Hours, zh), "6.5小时");
        assert_eq!(kpi_value(Some(1234.0), Unit::Hours, en), "1,234.0 h");
        assert_eq!(kpi_value(Some(38500.4), Unit::Minor, en), "¥385.00");
        assert_eq!(kpi_value(Some(6.08), Unit::PerYear, zh), "6.1次/年");
        assert_eq!(kpi_value(Some(1200.0), Unit::Count, en), "1,200");
        assert_eq!(kpi_value(None, Unit::Ratio, en), "—");
        assert_eq!(kpi_gap(Some(-0.2333), Unit::Ratio, en), "−23.3 pp");
        assert_eq!(kpi_gap(Some(0.05), Unit::Ratio, zh), "+5.0个百分点");
        assert_eq!(kpi_gap(Some(0.0), Unit::Hours, en), "±0.0 h");
        assert_eq!(kpi_target(Some(0.9), Unit::Ratio, Better::Higher, en), "≥ 90.0%");
        assert_eq!(kpi_target(Some(24.0), Unit::Hours, Better::Lower, zh), "≤ 24.0小时");
        assert_eq!(kpi_value(Some(6.5), Unit::Hours, Language::ZhTw), "6.5小時");
        assert_eq!(kpi_gap(Some(0.05), Unit::Ratio, Language::ZhTw), "+5.0個百分點");
        assert_eq!(kpi_target(None, Unit::Count, Better::Neither, zh), "—");
    }
}
