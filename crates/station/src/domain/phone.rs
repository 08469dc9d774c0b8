//! A customer's phone number, normalised so that one number has one spelling
//! and the desk can search by it:
//!
//! - Chinese mobile: the 11 digits, `13812345678` (a +86 / 0086 prefix is dropped);
//! - Chinese landline: the digits with the area code's leading 0, `02112345678`;
//! - anything else: E.164, `+` and 7–15 digits, `+442079460958`.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;

use super::fold_width;
use crate::error::Invalid;

const FORMAT_HELP: &str = "Enter a mobile number such as 138 1234 5678, a landline with its area code \
                           such as 021-12345678, or an international number starting with + such as +44 20 7946 0958.";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, Invalid> {
        let compact: String = raw.chars().map(fold_width).filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.')).collect();
        if compact.is_empty() {
            return Err(Invalid::new("phone.required", "Enter a phone number."));
        }

        let (international, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => match compact.strip_prefix("00") {
                Some(rest) => (true, rest),
                None => (false, compact.as_str()),
            },
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_error(FORMAT_HELP));
        }

        let normalised = if international {
            match digits.strip_prefix("86") {
                Some(national) => china_international(national),
                None => e164(digits),
            }
        } else {
            china_national(digits)
        };
        normalised.map(Phone)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_china_mobile(&self) -> bool {
        is_china_mobile(&self.0)
    }

    /// The number with its middle hidden, `138****5678`, for screens whose
    /// viewer does not need the whole of it (PIPL: show only what is needed).
    pub fn masked(&self) -> MaskedPhone {
        let chars: Vec<char> = self.0.chars().collect();
        let keep_front = if chars.first() == Some(&'+') { 4 } else { 3 };
        let keep_back = 4;
        // Too short to keep both ends: hide all but the last digits.
        if chars.len() <= keep_front + keep_back {
            let back: String = chars[chars.len().saturating_sub(2)..].iter().collect();
            return MaskedPhone(format!("{}{back}", "*".repeat(chars.len().saturating_sub(2))));
        }
        let hidden = chars.len() - keep_front - keep_back;
        let front: String = chars[..keep_front].iter().collect();
        let back: String = chars[chars.len() - keep_back..].iter().collect();
        MaskedPhone(format!("{front}{}{back}", "*".repeat(hidden)))
    }
}

/// A phone number with its middle hidden. It can only be made from a
/// [`Phone`] (`Phone::masked`) or from a contact text (`MaskedPhone::of_text`),
/// never from a whole number passed through, so a record that holds one cannot
/// leak the number by mistake.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct MaskedPhone(String);

impl MaskedPhone {
    /// A contact number typed as free text (a complaint's or a service
    /// request's): masked as a phone when it reads as one, otherwise every
    /// character hidden. `None` for an empty text.
    pub fn of_text(raw: &str) -> Option<MaskedPhone> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        Some(match Phone::parse(raw) {
            Ok(phone) => phone.masked(),
            Err(_) => MaskedPhone("*".repeat(raw.chars().count().min(11))),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MaskedPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn format_error(message: impl Into<String>) -> Invalid {
    Invalid::new("phone.format", message)
}

/// A number written the way it is dialled inside China.
fn china_national(digits: &str) -> Result<String, Invalid> {
    if is_china_mobile(digits) {
        return Ok(digits.to_owned());
    }
    // 86 written without + or 00 in front of a mobile number.
    if let Some(mobile) = digits.strip_prefix("86").filter(|m| is_china_mobile(m)) {
        return Ok(mobile.to_owned());
    }
    if is_china_landline(digits) {
        return Ok(digits.to_owned());
    }
    if matches!(digits.len(), 7 | 8) && !digits.starts_with('0') {
        return Err(format_error("This looks like a landline number without its area code; add the area code, for example 021-12345678."));
    }
    Err(format_error(FORMAT_HELP))
}

/// The part after +86: a mobile, or a landline whose area code lost its
/// leading 0 (as international format requires) or kept it (as people write).
fn china_international(national: &str) -> Result<String, Invalid> {
    if is_china_mobile(national) {
        return Ok(national.to_owned());
    }
    let with_trunk_zero = if national.starts_with('0') { national.to_owned() } else { format!("0{national}") };
    if is_china_landline(&with_trunk_zero) {
        return Ok(with_trunk_zero);
    }
    Err(format_error(FORMAT_HELP))
}

fn e164(digits: &str) -> Result<String, Invalid> {
    if (7..=15).contains(&digits.len()) && !digits.starts_with('0') {
        Ok(format!("+{digits}"))
    } else {
        Err(format_error(FORMAT_HELP))
    }
}

fn is_china_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// Area code (010, 02x, or 0xxx) plus a 7- or 8-digit subscriber number.
fn is_china_landline(digits: &str) -> bool {
    let b = digits.as_bytes();
    (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0' && b.iter().all(u8::is_ascii_digit)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Phone::parse(&raw)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn phone(raw: &str) -> String {
        Phone::parse(raw).unwrap().as_str().to_owned()
    }

    fn code_of(raw: &str) -> &'static str {
        Phone::parse(raw).unwrap_err().code
    }

    #[test]
    fn a_chinese_mobile_is_kept_as_its_eleven_digits() {
        assert_eq!(phone("13812345678"), "13812345678");
        assert_eq!(phone("138 1234 5678"), "13812345678");
        assert_eq!(phone("138-1234-5678"), "13812345678");
        assert_eq!(phone("１３８１２３４５６７８"), "13812345678");
        assert!(Phone::parse("19912345678").unwrap().is_china_mobile());
    }

    #[test]
    fn the_china_country_code_is_dropped_from_a_mobile() {
        for raw in ["+86 138 1234 5678", "+8613812345678", "0086 13812345678", "(+86) 138-1234-5678", "8613812345678"] {
            assert_eq!(phone(raw), "13812345678", "{raw}");
        }
    }

    #[test]
    fn a_landline_keeps_the_area_codes_leading_zero() {
        assert_eq!(phone("021-12345678"), "02112345678");
        assert_eq!(phone("(021) 1234 5678"), "02112345678");
        assert_eq!(phone("010-87654321"), "01087654321");
        assert_eq!(phone("0755-8765432"), "07558765432");
        assert_eq!(phone("0755.87654321"), "075587654321");
        assert!(!Phone::parse("02112345678").unwrap().is_china_mobile());
    }

    #[test]
    fn a_chinese_landline_in_international_form_gets_its_zero_back() {
        assert_eq!(phone("+86 21 1234 5678"), "02112345678");
        assert_eq!(phone("+86 (0)21 1234 5678"), "02112345678");
        assert_eq!(phone("0086-755-87654321"), "075587654321");
    }

    #[test]
    fn an_international_number_is_kept_in_e164_form() {
        assert_eq!(phone("+44 20 7946 0958"), "+442079460958");
        assert_eq!(phone("+1 (415) 555-0132"), "+14155550132");
        assert_eq!(phone("0049 30 1234567"), "+49301234567");
        assert_eq!(phone("+852 2123 4567"), "+85221234567");
    }

    #[test]
    fn an_international_number_of_the_wrong_length_is_refused() {
        assert_eq!(code_of("+123456"), "phone.format");
        assert_eq!(code_of("+1234567890123456"), "phone.format");
        assert_eq!(code_of("+0123456789"), "phone.format");
        assert_eq!(code_of("+"), "phone.format");
        assert_eq!(code_of("+86 12345"), "phone.format");
    }

    #[test]
    fn an_empty_phone_is_required() {
        assert_eq!(code_of(""), "phone.required");
        assert_eq!(code_of(" - ( ) "), "phone.required");
    }

    #[test]
    fn numbers_that_are_no_chinese_mobile_or_landline_are_refused_with_examples() {
        for raw in ["12812345678", "1381234567", "138123456789", "00000000000", "12345"] {
            let err = Phone::parse(raw).unwrap_err();
            assert_eq!(err.code, "phone.format", "{raw}");
        }
        let err = Phone::parse("12812345678").unwrap_err();
        assert!(err.message.contains("021-12345678") && err.message.contains("+44"), "{}", err.message);
    }

    #[test]
    fn a_landline_without_its_area_code_is_refused_asking_for_it() {
        let err = Phone::parse("12345678").unwrap_err();
        assert_eq!(err.code, "phone.format");
        assert!(err.message.contains("area code"), "{}", err.message);
    }

    #[test]
    fn letters_sql_html_and_huge_input_are_refused_without_panicking() {
        for raw in ["138abc45678", "' OR 1=1 --", "<script>alert(1)</script>", "１３８１２３４５６７８📞"] {
            assert_eq!(code_of(raw), "phone.format", "{raw}");
        }
        assert_eq!(code_of(&"1".repeat(10 * 1024)), "phone.format");
        assert_eq!(code_of(&format!("+{}", "9".repeat(10 * 1024))), "phone.format");
    }

    #[test]
    fn a_masked_number_hides_the_middle() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked().as_str(), "138****5678");
        assert_eq!(Phone::parse("+442079460958").unwrap().masked().as_str(), "+442*****0958");
        assert_eq!(Phone::parse("02112345678").unwrap().masked().as_str(), "021****5678");
    }

    #[test]
    fn a_short_number_still_hides_all_but_its_last_two_digits() {
        assert_eq!(Phone::parse("+1234567").unwrap().masked().as_str(), "******67");
    }

    #[test]
    fn a_contact_text_is_masked_as_a_phone_or_hidden_whole() {
        assert_eq!(MaskedPhone::of_text(" 138 1234 5678 ").unwrap().as_str(), "138****5678");
        assert_eq!(MaskedPhone::of_text("ask for Mr Li").unwrap().as_str(), "***********");
        assert_eq!(MaskedPhone::of_text("  "), None);
        assert_eq!(serde_json::to_string(&Phone::parse("13812345678").unwrap().masked()).unwrap(), "\"138****5678\"");
    }

    #[test]
    fn a_phone_serialises_as_a_plain_string() {
        assert_eq!(serde_json::to_string(&Phone::parse("+86 138 1234 5678").unwrap()).unwrap(), "\"13812345678\"");
        assert_eq!(Phone::try_from("021-12345678".to_string()).unwrap().to_string(), "02112345678");
    }
}
