//! The licence plate (车牌号).
//!
//! Parsing refuses only what cannot be a plate at all (nothing, symbols, an
//! essay). Whether it is a plate of a known Chinese format is a separate answer,
//! [`Plate::format`]: foreign, military, temporary and old plates are real, so an
//! unrecognised one becomes a warning the user confirms, not an error.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;

use super::{fold_width, quote_char};
use crate::error::Invalid;

const MAX_LEN: usize = 12;

/// Province-level abbreviations that open a civilian plate, plus 使 (embassy).
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// Characters that close a special-use plate in place of its last serial
/// character: driving school, police, trailer, Hong Kong and Macau cross-border,
/// consulate.
const SUFFIXES: &str = "学警挂港澳领";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Plate(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlateFormat {
    /// 7 characters: 沪A12345, or a special-use plate such as 粤Z1234港.
    ChinaStandard,
    /// 8 characters, GA 36-2018 new-energy: 沪AD12345 (small), 粤B12345D (large).
    ChinaNewEnergy,
    /// Anything else; valid, but the user should confirm it.
    Other,
}

impl Plate {
    /// Parses a plate as typed or read off a document: case, spaces, the dot or
    /// middle dot printed after the issuing letter (沪A·12345) and hyphens are
    /// ignored.
    pub fn parse(raw: &str) -> Result<Plate, Invalid> {
        let normalised: String = raw
            .chars()
            .map(fold_width)
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '·' | '•' | '・' | '-' | '‧'))
            .flat_map(char::to_uppercase)
            .collect();

        if normalised.is_empty() {
            return Err(Invalid::new("plate.required", "Enter the licence plate, for example 沪A12345."));
        }
        if let Some((index, c)) = normalised.chars().enumerate().find(|(_, c)| !is_plate_char(*c)) {
            return Err(Invalid::new(
                "plate.characters",
                format!(
                    "The character {} at position {} cannot be on a licence plate; \
                     use Chinese characters, the letters A–Z and the digits 0–9.",
                    quote_char(c),
                    index + 1
                ),
            ));
        }
        let count = normalised.chars().count();
        if count > MAX_LEN {
            return Err(Invalid::new("plate.length", format!("A licence plate has at most {MAX_LEN} characters; this one has {count}.")));
        }
        Ok(Plate(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn format(&self) -> PlateFormat {
        let chars: Vec<char> = self.0.chars().collect();
        let Some((&first, rest)) = chars.split_first() else {
            return PlateFormat::Other;
        };
        let Some((&issuer, serial)) = rest.split_first() else {
            return PlateFormat::Other;
        };
        if !PROVINCES.contains(first) || !issuer.is_ascii_uppercase() {
            return PlateFormat::Other;
        }
        match serial {
            [body @ .., last] if serial.len() == 5 && body.iter().all(|&c| is_serial_char(c)) => {
                if is_serial_char(*last) || SUFFIXES.contains(*last) {
                    PlateFormat::ChinaStandard
                } else {
                    PlateFormat::Other
                }
            }
            // Small new-energy vehicles: D (electric) or F (other new energy),
            // then a letter or digit, then four digits.
            [kind, second, digits @ ..]
                if serial.len() == 6 && matches!(kind, 'D' | 'F') && is_serial_char(*second) && digits.iter().all(char::is_ascii_digit) =>
            {
                PlateFormat::ChinaNewEnergy
            }
            // Large new-energy vehicles: five digits, then D or F.
            [digits @ .., kind] if serial.len() == 6 && matches!(kind, 'D' | 'F') && digits.iter().all(char::is_ascii_digit) => PlateFormat::ChinaNewEnergy,
            _ => PlateFormat::Other,
        }
    }

    /// Whether the plate has a known Chinese format; if not, the operation asks
    /// the user to confirm it.
    pub fn looks_known(&self) -> bool {
        self.format() != PlateFormat::Other
    }
}

fn is_plate_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || is_cjk(c)
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// GA 36 keeps I and O out of plate serials so they cannot be read as 1 and 0.
fn is_serial_char(c: char) -> bool {
    c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'I' && c != 'O')
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Plate {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Plate::parse(&raw)
    }
}

impl AsRef<str> for Plate {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn plate(raw: &str) -> Plate {
        Plate::parse(raw).unwrap()
    }

    fn format_of(raw: &str) -> PlateFormat {
        plate(raw).format()
    }

    fn code_of(raw: &str) -> &'static str {
        Plate::parse(raw).unwrap_err().code
    }

    #[test]
    fn a_shanghai_plate_is_china_standard() {
        assert_eq!(format_of("沪A12345"), PlateFormat::ChinaStandard);
        assert!(plate("沪A12345").looks_known());
    }

    #[test]
    fn a_large_new_energy_plate_is_china_new_energy() {
        assert_eq!(format_of("粤B12345D"), PlateFormat::ChinaNewEnergy);
        assert_eq!(format_of("粤B12345F"), PlateFormat::ChinaNewEnergy);
    }

    #[test]
    fn a_small_new_energy_plate_is_china_new_energy() {
        assert_eq!(format_of("沪AD12345"), PlateFormat::ChinaNewEnergy);
        assert_eq!(format_of("京AFA1234"), PlateFormat::ChinaNewEnergy);
    }

    #[test]
    fn plates_with_letters_in_the_serial_are_china_standard() {
        assert_eq!(format_of("粤BD123X"), PlateFormat::ChinaStandard);
        assert_eq!(format_of("京NB7K22"), PlateFormat::ChinaStandard);
    }

    #[test]
    fn special_use_suffixes_are_china_standard() {
        for raw in ["京A1234学", "沪A0001警", "鲁B1234挂", "粤Z1234港", "粤Z1234澳", "沪A1234领"] {
            assert_eq!(format_of(raw), PlateFormat::ChinaStandard, "{raw}");
        }
    }

    #[test]
    fn dots_spaces_hyphens_and_lower_case_are_normalised_away() {
        assert_eq!(plate("沪A·12345").as_str(), "沪A12345");
        assert_eq!(plate(" 沪a 123-45 ").as_str(), "沪A12345");
        assert_eq!(plate("沪A.12345").as_str(), "沪A12345");
        assert_eq!(plate("沪Ａ１２３４５").as_str(), "沪A12345");
    }

    #[test]
    fn an_odd_plate_is_other_and_not_an_error() {
        for raw in ["ABC123", "B 123 XYZ", "沪A1234", "沪A123456", "沪AI2345", "WJ12345", "X沪12345", "沪A1234D5"] {
            let p = plate(raw);
            assert_eq!(p.format(), PlateFormat::Other, "{raw}");
            assert!(!p.looks_known(), "{raw}");
        }
    }

    #[test]
    fn a_new_energy_plate_with_letters_where_digits_belong_is_other() {
        assert_eq!(format_of("沪AD1A2B4"), PlateFormat::Other);
        assert_eq!(format_of("粤B1234AD"), PlateFormat::Other);
    }

    #[test]
    fn an_empty_plate_is_required() {
        assert_eq!(code_of(""), "plate.required");
        assert_eq!(code_of(" · - "), "plate.required");
    }

    #[test]
    fn a_plate_longer_than_twelve_characters_is_refused() {
        let err = Plate::parse("沪A1234567890123").unwrap_err();
        assert_eq!(err.code, "plate.length");
        assert!(err.message.contains("12"), "{}", err.message);
        assert_eq!(plate("ABCDEFGHJKLM").as_str().len(), 12);
    }

    #[test]
    fn ten_kilobytes_of_text_is_refused_without_panicking() {
        assert_eq!(code_of(&"A".repeat(10 * 1024)), "plate.length");
        assert_eq!(code_of(&"沪".repeat(5000)), "plate.length");
    }

    #[test]
    fn sql_and_html_fragments_are_refused_naming_the_character() {
        let err = Plate::parse("' OR 1=1 --").unwrap_err();
        assert_eq!(err.code, "plate.characters");
        assert!(err.message.contains("position 1"), "{}", err.message);
        assert_eq!(code_of("<script>alert(1)</script>"), "plate.characters");
        assert_eq!(code_of("沪A1234;"), "plate.characters");
    }

    #[test]
    fn emoji_and_other_scripts_are_refused_without_panicking() {
        assert_eq!(code_of("沪A🚗2345"), "plate.characters");
        assert_eq!(code_of("МОСКВА"), "plate.characters");
        assert_eq!(code_of("沪A\u{200b}12345"), "plate.characters");
    }

    #[test]
    fn a_plate_serialises_as_a_plain_string_and_its_format_in_snake_case() {
        assert_eq!(serde_json::to_string(&plate("沪A12345")).unwrap(), "\"沪A12345\"");
        assert_eq!(serde_json::to_string(&PlateFormat::ChinaNewEnergy).unwrap(), "\"china_new_energy\"");
    }

    #[test]
    fn try_from_string_parses() {
        assert_eq!(Plate::try_from("沪a 12345".to_string()).unwrap().to_string(), "沪A12345");
    }
}
