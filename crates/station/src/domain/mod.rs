//! The station's value types: VINs, plates, phone numbers, money, odometer
//! readings and the numbers the station issues (station codes, repair-order and
//! customer numbers), a vehicle's energy, and what a searched text is.
//!
//! Each is valid by construction: raw input is parsed once, where it enters
//! (a form, an import, a scanner), and everything past that point holds the
//! typed value, so no operation or query has to re-check it. A parse failure is
//! an [`Invalid`](crate::error::Invalid) with a stable dotted code the UI
//! translates and an English message that says what is wrong and what is expected.
//!
//! Some values are valid but unusual (a VIN whose check digit does not match,
//! a plate of no known Chinese format, an odometer lower than last time). Those
//! are not errors here: the types report them (`check_digit_ok`, `looks_known`,
//! [`check_against_last`]) and the operation asks the user to confirm.

pub mod codes;
pub mod energy;
pub mod money;
pub mod odometer;
pub mod phone;
pub mod plate;
pub mod typed;
pub mod vin;
pub mod wmi;

pub use codes::{CustomerNo, RoNumber, ServiceType, StationCode};
pub use energy::{guess_energy, Energy, EnergyLevels, EnergySource};
pub use money::Money;
pub use odometer::{check_against_last, Odometer, Rollback};
pub use phone::{MaskedPhone, Phone};
pub use plate::{Plate, PlateFormat};
pub use typed::{classify, Typed, TypedKind};
pub use vin::Vin;
pub use wmi::{decode, lookup_wmi, Manufacturer, VinInfo};

/// Folds full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to
/// their plain ASCII counterparts.
///
/// Chinese input methods in full-width mode produce `ＬＳＶ１２３` and `　`; to the
/// person typing they look like ordinary letters and digits, so refusing them
/// would be an error the user cannot see the reason for.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Quotes one character for a message, escaping the invisible ones so the user
/// sees `'\u{200b}'` rather than an empty pair of quotes.
pub(crate) fn quote_char(c: char) -> String {
    format!("'{}'", c.escape_debug())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_letters_digits_and_spaces_fold_to_ascii() {
        let folded: String = "ＬＳＶ　１２３－".chars().map(fold_width).collect();
        assert_eq!(folded, "LSV 123-");
    }

    #[test]
    fn characters_outside_the_full_width_block_are_left_alone() {
        for c in ['沪', 'A', '·', '\u{FF5F}', '\u{FF00}'] {
            assert_eq!(fold_width(c), c);
        }
    }

    #[test]
    fn invisible_characters_are_quoted_visibly() {
        assert_eq!(quote_char('\u{200b}'), "'\\u{200b}'");
        assert_eq!(quote_char('O'), "'O'");
    }
}
