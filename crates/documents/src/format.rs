//! How numbers and times are printed. One format for both languages: `¥1,234.56`.

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
}
