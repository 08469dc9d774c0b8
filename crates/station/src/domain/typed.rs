//! What a text typed into the search box is: a plate, a VIN, a phone number or
//! a name. When the search finds no one and the advisor starts a new customer,
//! the text goes into the field it belongs to (the plate into the vehicle form,
//! the phone into the phone field) instead of the name field. The value types'
//! own parsers decide, so "a plate" here means what `Plate::parse` accepts.

use serde::Serialize;
use ts_rs::TS;

use super::{Phone, Plate, Vin};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TypedKind {
    Plate,
    Vin,
    Phone,
    Name,
}

/// The typed text's kind and its value as that field would hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Typed {
    pub kind: TypedKind,
    /// Normalised for plates, VINs and phones (沪A12345, 13812345678); trimmed for names.
    pub value: String,
}

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const NAME_MAX: usize = 60;

/// The kind of `raw`, or `None` when it is none of them (a bare number too
/// short to be a phone, punctuation): then nothing is filled in.
pub fn classify(raw: &str) -> Option<Typed> {
    let text = raw.trim();
    if text.is_empty() {
        return None;
    }
    let typed = |kind, value: &str| Some(Typed { kind, value: value.to_string() });
    if let Ok(vin) = Vin::parse(text) {
        return typed(TypedKind::Vin, vin.as_str());
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '+' | '.')).collect();
    let digits_only = !compact.is_empty() && compact.chars().all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    if digits_only || text.starts_with('+') {
        return Phone::parse(text).ok().and_then(|p| typed(TypedKind::Phone, p.as_str()));
    }
    if let Ok(plate) = Plate::parse(text) {
        let s = plate.as_str();
        let has_digit = s.chars().any(|c| c.is_ascii_digit());
        let mut chars = s.chars();
        // 沪A, the start of a plate, is never a name.
        let province_prefix = matches!((chars.next(), chars.next()), (Some(p), Some(l)) if PROVINCES.contains(p) && l.is_ascii_uppercase());
        if plate.looks_known() || has_digit || province_prefix {
            return typed(TypedKind::Plate, s);
        }
    }
    let has_digit = text.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let has_letter = text.chars().any(char::is_alphabetic);
    if !has_digit && has_letter && text.chars().count() <= NAME_MAX {
        return typed(TypedKind::Name, text);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(raw: &str) -> Option<(TypedKind, String)> {
        classify(raw).map(|t| (t.kind, t.value))
    }

    #[test]
    fn a_plate_as_typed_is_a_plate_in_its_normal_form() {
        assert_eq!(kind("沪a·12345"), Some((TypedKind::Plate, "沪A12345".into())));
        assert_eq!(kind("粤BD12345"), Some((TypedKind::Plate, "粤BD12345".into())));
        assert_eq!(kind("沪A"), Some((TypedKind::Plate, "沪A".into())));
    }

    #[test]
    fn seventeen_vin_characters_are_a_vin() {
        assert_eq!(kind("lsvam4187c2184529"), Some((TypedKind::Vin, "LSVAM4187C2184529".into())));
    }

    #[test]
    fn a_mobile_number_with_spaces_is_a_phone() {
        assert_eq!(kind("138 1234 5678"), Some((TypedKind::Phone, "13812345678".into())));
        assert_eq!(kind("021-12345678"), Some((TypedKind::Phone, "02112345678".into())));
    }

    #[test]
    fn chinese_and_latin_names_are_names() {
        assert_eq!(kind(" 罗磊 "), Some((TypedKind::Name, "罗磊".into())));
        assert_eq!(kind("Li Na"), Some((TypedKind::Name, "Li Na".into())));
    }

    #[test]
    fn a_bare_short_number_is_nothing_to_fill_in() {
        assert_eq!(kind("12345"), None);
        assert_eq!(kind("   "), None);
    }
}
