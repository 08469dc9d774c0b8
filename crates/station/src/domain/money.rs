//! Amounts of money, in minor units (fen for CNY, cents elsewhere).
//!
//! Integers only: labour, parts and discounts are added up across many lines,
//! and binary floating point would make 0.10 + 0.20 a different amount than
//! 0.30. Arithmetic is checked so an absurd quantity fails instead of wrapping.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::fold_width;
use crate::error::Invalid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "number")]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// The most one unit price, rate or line may come to: 10,000,000.00. The
    /// dearest single item a service station fits (an engine or a battery pack
    /// for a coach, a luxury car's body shell) is a few hundred thousand; this
    /// is far above any real line and far below where arithmetic could overflow.
    pub const MAX_LINE: Money = Money(1_000_000_000);

    /// The most an order's total with tax (all its lines, declined ones too),
    /// its payments or its authorizations may each add up to: 100,000,000.00.
    /// Any sum over one order's stored
    /// amounts stays below 10^10 fen, and the SUM over every order a station
    /// could write in a century (10^8 orders) below 2^63: no sum can overflow.
    /// The head office refuses a pushed amount beyond it (the same constant).
    pub const MAX_ORDER: Money = Money(sync_protocol::push::MAX_AMOUNT_MINOR);

    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses an amount in major units as a person types it: `123`, `123.4`,
    /// `123.45`, `-1.50`. At most two decimals; no thousands separators, since
    /// `1,234` and `1.234` mean different things in different countries.
    pub fn parse(raw: &str) -> Result<Money, Invalid> {
        let folded: String = raw.chars().map(fold_width).collect();
        let text = folded.trim();
        if text.is_empty() {
            return Err(format_error("Enter an amount, for example 123.45."));
        }

        let (negative, unsigned) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };

        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(format_error(format!(
                "'{}' is not an amount; write digits with an optional decimal point, for example 123.45 or -1.50.",
                shorten(text)
            )));
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(format_error("An amount has at most two decimal places, for example 123.45."));
        }

        let too_large = || format_error("The amount is too large.");
        let mut minor: i64 = 0;
        for digit in whole.bytes().chain(fraction.bytes()).chain("00".bytes().take(2 - fraction.len())) {
            minor = minor.checked_mul(10).and_then(|m| m.checked_add(i64::from(digit - b'0'))).ok_or_else(too_large)?;
        }
        Ok(Money(if negative { -minor } else { minor }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The price of `quantity` units at this unit price.
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Minor units from the database or a JSON number; lets sqlx read a column straight into `Money`.
impl From<i64> for Money {
    fn from(minor: i64) -> Money {
        Money(minor)
    }
}

fn format_error(message: impl Into<String>) -> Invalid {
    Invalid::new("money.format", message)
}

/// Keeps an echoed input short enough to sit beside a form field.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 20;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        text.chars().take(LIMIT).chain("…".chars()).collect()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn what_a_person_types_reads_as_the_shared_cases_say_which_the_ui_checks_too() {
        let cases: serde_json::Value = serde_json::from_str(include_str!("money_cases.json")).unwrap();
        for case in cases["cases"].as_array().unwrap() {
            let (typed, expected) = (case[0].as_str().unwrap(), case[1].as_i64());
            assert_eq!(Money::parse(typed).ok().map(Money::minor), expected, "{typed:?}");
        }
    }

    fn minor(raw: &str) -> i64 {
        Money::parse(raw).unwrap().minor()
    }

    fn code_of(raw: &str) -> &'static str {
        Money::parse(raw).unwrap_err().code
    }

    #[test]
    fn whole_amounts_and_one_or_two_decimals_parse_to_minor_units() {
        assert_eq!(minor("123"), 12_300);
        assert_eq!(minor("123.4"), 12_340);
        assert_eq!(minor("123.45"), 12_345);
        assert_eq!(minor("0.05"), 5);
        assert_eq!(minor("0"), 0);
        assert_eq!(minor("007.10"), 710);
    }

    #[test]
    fn negative_and_explicitly_positive_amounts_parse() {
        assert_eq!(minor("-1.50"), -150);
        assert_eq!(minor("-0.01"), -1);
        assert_eq!(minor("+2"), 200);
        assert_eq!(minor("-0"), 0);
    }

    #[test]
    fn surrounding_whitespace_and_full_width_digits_are_accepted() {
        assert_eq!(minor("  12.5 \n"), 1250);
        assert_eq!(minor("１２．５"), 1250);
    }

    #[test]
    fn more_than_two_decimals_are_refused() {
        let err = Money::parse("1.234").unwrap_err();
        assert_eq!(err.code, "money.format");
        assert!(err.message.contains("two decimal places"), "{}", err.message);
        assert_eq!(code_of("0.001"), "money.format");
    }

    #[test]
    fn empty_letters_and_malformed_amounts_are_refused() {
        for raw in ["", "   ", "abc", "12a", "1e3", "1,234.00", "12.", ".5", "-", "+", "--1", "1.2.3", "¥12", "NaN", "inf", "1 000"] {
            assert_eq!(code_of(raw), "money.format", "{raw:?}");
        }
    }

    #[test]
    fn sql_html_and_ten_kilobytes_are_refused_without_panicking() {
        assert_eq!(code_of("' OR 1=1 --"), "money.format");
        assert_eq!(code_of("<script>alert(1)</script>"), "money.format");
        assert_eq!(code_of(&"9".repeat(10 * 1024)), "money.format");
        assert_eq!(code_of(&"x".repeat(10 * 1024)), "money.format");
        assert_eq!(code_of("１２元"), "money.format");
        let err = Money::parse(&"x".repeat(10 * 1024)).unwrap_err();
        assert!(err.message.chars().count() < 200, "the message echoes the whole input");
    }

    #[test]
    fn amounts_beyond_the_range_of_minor_units_overflow_cleanly() {
        assert_eq!(minor("92233720368547758.07"), i64::MAX);
        let err = Money::parse("92233720368547758.08").unwrap_err();
        assert_eq!(err.code, "money.format");
        assert!(err.message.contains("too large"), "{}", err.message);
        assert_eq!(minor("-92233720368547758.07"), -i64::MAX);
    }

    #[test]
    fn display_always_shows_two_decimals() {
        assert_eq!(Money::from_minor(12_345).to_string(), "123.45");
        assert_eq!(Money::from_minor(12_300).to_string(), "123.00");
        assert_eq!(Money::from_minor(5).to_string(), "0.05");
        assert_eq!(Money::from_minor(-150).to_string(), "-1.50");
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_minor(i64::MIN).to_string(), "-92233720368547758.08");
    }

    #[test]
    fn display_and_parse_round_trip() {
        for minor_units in [0, 1, -1, 99, -99, 100, 12_345, -12_345, i64::MAX, -i64::MAX] {
            let m = Money::from_minor(minor_units);
            assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }
    }

    #[test]
    fn arithmetic_is_exact_and_checked() {
        let ten_cents = Money::parse("0.10").unwrap();
        let twenty_cents = Money::parse("0.20").unwrap();
        assert_eq!(ten_cents.checked_add(twenty_cents), Some(Money::parse("0.30").unwrap()));
        assert_eq!(ten_cents.checked_sub(twenty_cents), Some(Money::from_minor(-10)));
        assert_eq!(Money::parse("12.50").unwrap().checked_mul(3), Some(Money::from_minor(3_750)));
        assert_eq!(Money::from_minor(i64::MAX).checked_add(Money::from_minor(1)), None);
        assert_eq!(Money::from_minor(i64::MIN).checked_sub(Money::from_minor(1)), None);
        assert_eq!(Money::from_minor(i64::MAX / 2 + 1).checked_mul(2), None);
        assert!(Money::from_minor(-1).is_negative());
        assert!(!Money::ZERO.is_negative());
    }

    #[test]
    fn money_serialises_as_an_integer_of_minor_units() {
        assert_eq!(serde_json::to_string(&Money::from_minor(12_345)).unwrap(), "12345");
    }
}
