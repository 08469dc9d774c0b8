//! The vehicle identification number (车架号), ISO 3779 / GB 16735.
//!
//! A [`Vin`] always holds 17 characters of the VIN alphabet. Whether its check
//! digit matches is a separate question ([`Vin::check_digit_ok`]): Chinese and
//! North American VINs must carry one, many European VINs do not, so a mismatch
//! is something the desk confirms, not something the parser refuses.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;

use super::{fold_width, quote_char};
use crate::error::Invalid;

const LEN: usize = 17;

/// Check-digit weights for positions 1–17 (49 CFR 565, adopted by GB 16735);
/// position 9 is the check digit itself and so weighs nothing.
const WEIGHTS: [u32; LEN] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Position-10 year codes in the order of the 30-year cycle starting 1980.
/// I, O, Q, U, Z and 0 are never year codes.
const YEAR_CODES: &[u8; 30] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
const FIRST_CYCLE_START: i64 = 1980;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Vin(String);

impl Vin {
    /// Parses a VIN as typed, scanned or pasted: surrounding whitespace, lower
    /// case, full-width characters and the spaces or hyphens people group it
    /// with are all tolerated.
    pub fn parse(raw: &str) -> Result<Vin, Invalid> {
        let normalised: String = raw.chars().map(fold_width).filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();

        if normalised.is_empty() {
            return Err(Invalid::new("vin.required", "Enter the VIN (17 letters and digits)."));
        }
        // The character check comes first: a VIN typed with O for 0 is usually
        // also the right length, and naming the letter is what helps the user fix it.
        if let Some((index, c)) = normalised.chars().enumerate().find(|(_, c)| !is_vin_char(*c)) {
            return Err(Invalid::new("vin.characters", character_message(index + 1, c)).with("position", index + 1).with("char", c));
        }
        let count = normalised.len(); // ASCII only by now, so bytes are characters
        if count != LEN {
            return Err(Invalid::new("vin.length", format!("A VIN has exactly 17 characters; this one has {count}.")));
        }
        Ok(Vin(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The World Manufacturer Identifier: positions 1–3.
    pub fn wmi(&self) -> &str {
        &self.0[..3]
    }

    /// The check digit positions 1–17 call for, whatever position 9 holds.
    pub fn expected_check_digit(&self) -> char {
        let sum: u32 = self.0.bytes().zip(WEIGHTS).map(|(b, weight)| transliterate(b) * weight).sum();
        match sum % 11 {
            10 => 'X',
            digit => char::from_digit(digit, 10).unwrap_or('?'),
        }
    }

    pub fn check_digit_ok(&self) -> bool {
        self.0.as_bytes()[8] as char == self.expected_check_digit()
    }

    /// The model year position 10 encodes, or `None` if position 10 is not a
    /// year code (common on European VINs) or no cycle fits.
    ///
    /// The code repeats every 30 years. North American VINs (WMI starting 1–5)
    /// say which cycle: a letter in position 7 means 2010–2039, a digit
    /// 1980–2009. Other regions have no such rule, so for them, and whenever the
    /// North American rule would name a year more than one year after
    /// `current_year` (model years run at most a year ahead of the calendar), the
    /// latest cycle year no later than `current_year + 1` is taken.
    pub fn model_year(&self, current_year: i32) -> Option<u16> {
        let bytes = self.0.as_bytes();
        let offset = YEAR_CODES.iter().position(|&code| code == bytes[9])? as i64;
        let latest_allowed = i64::from(current_year) + 1;

        let north_american = matches!(bytes[0], b'1'..=b'5');
        let year = if north_american {
            let cycle_start = if bytes[6].is_ascii_alphabetic() { 2010 } else { FIRST_CYCLE_START };
            let year = cycle_start + offset;
            if year > latest_allowed {
                let cycles_back = (year - latest_allowed + 29) / 30;
                year - cycles_back * 30
            } else {
                year
            }
        } else {
            let first = FIRST_CYCLE_START + offset;
            if latest_allowed < first {
                return None;
            }
            first + (latest_allowed - first) / 30 * 30
        };
        if year < FIRST_CYCLE_START {
            return None;
        }
        u16::try_from(year).ok()
    }
}

fn is_vin_char(c: char) -> bool {
    matches!(c, '0'..='9' | 'A'..='H' | 'J'..='N' | 'P' | 'R'..='Z')
}

fn character_message(position: usize, c: char) -> String {
    let hint = match c {
        'O' | 'Q' => " VINs never use I, O or Q; this is probably the digit 0.",
        'I' => " VINs never use I, O or Q; this is probably the digit 1.",
        _ => " A VIN uses only the digits 0–9 and the letters A–Z except I, O and Q.",
    };
    format!("The character {} at position {position} is not allowed in a VIN.{hint}", quote_char(c))
}

/// The ISO 3779 value of a VIN character. Only called on validated VINs.
fn transliterate(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => 0,
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Vin {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Vin::parse(&raw)
    }
}

impl AsRef<str> for Vin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vin(raw: &str) -> Vin {
        Vin::parse(raw).unwrap()
    }

    fn code_of(raw: &str) -> &'static str {
        Vin::parse(raw).unwrap_err().code
    }

    #[test]
    fn a_well_formed_vin_parses_and_keeps_its_text() {
        let v = vin("1M8GDM9AXKP042788");
        assert_eq!(v.as_str(), "1M8GDM9AXKP042788");
        assert_eq!(v.to_string(), "1M8GDM9AXKP042788");
    }

    #[test]
    fn surrounding_whitespace_lower_case_and_grouping_are_tolerated() {
        assert_eq!(vin("  1m8gdm9axkp042788\n").as_str(), "1M8GDM9AXKP042788");
        assert_eq!(vin("1M8-GDM9AX-KP04 2788").as_str(), "1M8GDM9AXKP042788");
        assert_eq!(vin("\t1M8 GDM 9AX KP0 427 88 ").as_str(), "1M8GDM9AXKP042788");
    }

    #[test]
    fn a_vin_typed_in_full_width_characters_is_accepted() {
        assert_eq!(vin("ＬＦＶ２Ａ２１Ｋ６Ｍ３０１２３４５").as_str(), "LFV2A21K6M3012345");
    }

    #[test]
    fn an_empty_or_blank_vin_is_required() {
        assert_eq!(code_of(""), "vin.required");
        assert_eq!(code_of("   "), "vin.required");
        assert_eq!(code_of(" - - "), "vin.required");
    }

    #[test]
    fn a_vin_of_the_wrong_length_is_refused_saying_how_long_it_was() {
        let short = Vin::parse("1M8GDM9AXKP04278").unwrap_err();
        assert_eq!(short.code, "vin.length");
        assert!(short.message.contains("17"), "{}", short.message);
        assert!(short.message.contains("16"), "{}", short.message);
        assert_eq!(code_of("1M8GDM9AXKP0427881"), "vin.length");
    }

    #[test]
    fn a_vin_with_the_letter_o_is_refused_naming_the_position() {
        let err = Vin::parse("1M8GDM9AXKP04278O").unwrap_err();
        assert_eq!(err.code, "vin.characters");
        assert!(err.message.contains("'O'"), "{}", err.message);
        assert!(err.message.contains("position 17"), "{}", err.message);
        assert!(err.message.contains("digit 0"), "{}", err.message);
    }

    #[test]
    fn the_letters_i_and_q_are_refused_too() {
        let err = Vin::parse("1M8GDM9AXKP0I2788").unwrap_err();
        assert_eq!(err.code, "vin.characters");
        assert!(err.message.contains("position 13"), "{}", err.message);
        assert!(err.message.contains("digit 1"), "{}", err.message);
        assert_eq!(code_of("QM8GDM9AXKP042788"), "vin.characters");
        // Lower case is folded first, so a lower-case o is still the forbidden O.
        assert_eq!(code_of("1m8gdm9axkp04278o"), "vin.characters");
    }

    #[test]
    fn a_forbidden_character_is_reported_even_when_the_length_is_also_wrong() {
        assert_eq!(code_of("1M8GDM9AXKP0427O"), "vin.characters");
    }

    #[test]
    fn ten_kilobytes_of_text_is_refused_without_panicking() {
        let long = "A".repeat(10 * 1024);
        assert_eq!(code_of(&long), "vin.length");
        let noise = "车架号 ".repeat(2000);
        assert_eq!(code_of(&noise), "vin.characters");
    }

    #[test]
    fn sql_and_html_fragments_are_refused_as_bad_characters() {
        for raw in ["' OR 1=1 --", "1M8GDM9AXKP04278'; DROP TABLE vehicle; --", "<script>alert(1)</script>", "&lt;b&gt;"] {
            assert_eq!(code_of(raw), "vin.characters", "{raw}");
        }
    }

    #[test]
    fn multi_byte_and_invisible_characters_are_refused_without_panicking() {
        assert_eq!(code_of("LFV2A21K6M30123车"), "vin.characters");
        assert_eq!(code_of("🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗🚗"), "vin.characters");
        let err = Vin::parse("LFV2A21K6M30123\u{200b}45").unwrap_err();
        assert_eq!(err.code, "vin.characters");
        assert!(err.message.contains("\\u{200b}"), "{}", err.message);
        // Characters whose upper case is longer than themselves.
        assert_eq!(code_of("ßßßßßßßßß"), "vin.length");
        assert_eq!(code_of("ŉŉŉ"), "vin.characters");
    }

    #[test]
    fn real_vins_have_matching_check_digits() {
        for raw in ["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352", "JHMCM56557C404453"] {
            let v = vin(raw);
            assert!(v.check_digit_ok(), "{raw} expected {}", v.expected_check_digit());
        }
    }

    #[test]
    fn a_check_digit_of_ten_is_written_x() {
        assert_eq!(vin("1M8GDM9AXKP042788").expected_check_digit(), 'X');
    }

    #[test]
    fn chinese_vins_with_computed_check_digits_pass_the_check() {
        for raw in ["LSVAU0335N2012345", "LFV2A21K6M3012345", "LGXCE4CB8S0123456"] {
            assert!(vin(raw).check_digit_ok(), "{raw}");
        }
    }

    #[test]
    fn a_wrong_check_digit_parses_but_is_reported() {
        let v = vin("LSVAU033512345678");
        assert!(!v.check_digit_ok());
        assert_eq!(v.expected_check_digit(), '6');
        // A typical European VIN with no check digit at all.
        assert!(!vin("WDD2050041R123456").check_digit_ok());
    }

    #[test]
    fn a_single_changed_character_breaks_the_check_digit() {
        assert!(!vin("1M8GDM9AXKP042789").check_digit_ok());
    }

    #[test]
    fn the_wmi_is_the_first_three_characters() {
        assert_eq!(vin("LFV2A21K6M3012345").wmi(), "LFV");
    }

    #[test]
    fn a_north_american_vin_with_a_digit_in_position_7_is_from_the_1980_cycle() {
        assert_eq!(vin("1M8GDM9AXKP042788").model_year(2026), Some(1989));
        assert_eq!(vin("1HGCM82633A004352").model_year(2026), Some(2003));
    }

    #[test]
    fn a_north_american_vin_with_a_letter_in_position_7_is_from_the_2010_cycle() {
        assert_eq!(vin("5YJ3E1EA2KF317000").model_year(2026), Some(2019));
    }

    #[test]
    fn a_model_year_more_than_a_year_ahead_falls_back_one_cycle() {
        let v = vin("1G1JC5SH8Y4123456"); // letter in position 7, year code Y
        assert_eq!(v.model_year(2026), Some(2000));
        assert_eq!(v.model_year(2029), Some(2030));
    }

    #[test]
    fn a_chinese_vin_takes_the_latest_cycle_year_not_after_next_year() {
        // Position 7 is a digit, which the North American rule would read as 1992.
        assert_eq!(vin("LSVAU0335N2012345").model_year(2026), Some(2022));
        assert_eq!(vin("LFV2A21K6M3012345").model_year(2026), Some(2021));
        assert_eq!(vin("LGXCE4CB8S0123456").model_year(2024), Some(2025));
        assert_eq!(vin("LGXCE4CB8S0123456").model_year(2023), Some(1995));
        assert_eq!(vin("JHMCM56557C404453").model_year(2026), Some(2007));
    }

    #[test]
    fn a_position_10_that_is_no_year_code_gives_no_model_year() {
        for raw in ["WVWZZZ1JZZW386752", "WVWZZZ1JZ0W386752", "WVWZZZ1JZUW386752"] {
            assert_eq!(vin(raw).model_year(2026), None, "{raw}");
        }
    }

    #[test]
    fn absurd_current_years_give_no_year_rather_than_a_wrong_one() {
        let v = vin("LFV2A21K6M3012345");
        assert_eq!(v.model_year(1900), None);
        assert_eq!(v.model_year(i32::MIN), None);
        assert_eq!(vin("1M8GDM9AXKP042788").model_year(1900), None);
        assert_eq!(v.model_year(i32::MAX), None);
    }

    #[test]
    fn a_vin_serialises_as_a_plain_string() {
        assert_eq!(serde_json::to_string(&vin("LFV2A21K6M3012345")).unwrap(), "\"LFV2A21K6M3012345\"");
    }

    #[test]
    fn try_from_string_parses() {
        assert_eq!(Vin::try_from(" lfv2a21k6m3012345 ".to_string()).unwrap().as_str(), "LFV2A21K6M3012345");
        assert_eq!(Vin::try_from(String::new()).unwrap_err().code, "vin.required");
    }
}
