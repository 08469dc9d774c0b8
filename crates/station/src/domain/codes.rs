//! The identifiers a station issues: its own code, the service type, and the
//! repair-order and customer numbers built from them.
//!
//! The numbers are meant to be read aloud over the phone and typed back in, so
//! they are short, upper case, separated by hyphens and carry their meaning
//! (`SH01-M-20261122-0007`: station SH01, maintenance, 22 Nov 2026, 7th of the day).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;

use super::fold_width;
use crate::error::Invalid;

fn normalise(raw: &str) -> String {
    raw.chars().map(fold_width).collect::<String>().trim().to_ascii_uppercase()
}

// ---------------------------------------------------------------------------
// Station code

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct StationCode(String);

impl StationCode {
    pub fn parse(raw: &str) -> Result<StationCode, Invalid> {
        let code = normalise(raw);
        let valid = (2..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if valid {
            Ok(StationCode(code))
        } else {
            Err(Invalid::new("station.code", "A station code has 2 to 8 letters A–Z or digits, for example SH01."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for StationCode {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        StationCode::parse(&raw)
    }
}

// ---------------------------------------------------------------------------
// Service type

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    /// 保养
    Maintenance,
    /// 维修
    Repair,
    /// 索赔 / 保修
    Warranty,
    /// 事故车
    Accident,
    /// 召回
    Recall,
    /// 检测
    Inspection,
}

impl ServiceType {
    pub const ALL: [ServiceType; 6] =
        [ServiceType::Maintenance, ServiceType::Repair, ServiceType::Warranty, ServiceType::Accident, ServiceType::Recall, ServiceType::Inspection];

    /// The letter used inside repair-order numbers. Recall is C (campaign)
    /// because R is taken by repair.
    pub const fn letter(self) -> char {
        match self {
            ServiceType::Maintenance => 'M',
            ServiceType::Repair => 'R',
            ServiceType::Warranty => 'W',
            ServiceType::Accident => 'A',
            ServiceType::Recall => 'C',
            ServiceType::Inspection => 'I',
        }
    }

    /// Case-insensitive, since people type RO numbers by hand.
    pub fn from_letter(letter: char) -> Option<ServiceType> {
        let letter = letter.to_ascii_uppercase();
        ServiceType::ALL.into_iter().find(|t| t.letter() == letter)
    }

    /// The snake_case name, as serialised and as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceType::Maintenance => "maintenance",
            ServiceType::Repair => "repair",
            ServiceType::Warranty => "warranty",
            ServiceType::Accident => "accident",
            ServiceType::Recall => "recall",
            ServiceType::Inspection => "inspection",
        }
    }

    /// The inverse of [`ServiceType::as_str`], for values read back from storage.
    pub fn parse(raw: &str) -> Result<ServiceType, Invalid> {
        ServiceType::ALL.into_iter().find(|t| t.as_str() == raw.trim()).ok_or_else(|| {
            Invalid::new("service_type.unknown", "The service type must be one of maintenance, repair, warranty, accident, recall or inspection.")
        })
    }
}

impl fmt::Display for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Repair-order number

/// `{station}-{type letter}-{yyyymmdd}-{seq, at least 4 digits}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, TS)]
#[ts(type = "string")]
pub struct RoNumber {
    text: String,
    station: StationCode,
    service_type: ServiceType,
    date: NaiveDate,
    seq: u32,
}

impl RoNumber {
    pub fn new(station: &StationCode, service_type: ServiceType, date: NaiveDate, seq: u32) -> RoNumber {
        let text = format!("{}-{}-{}-{seq:04}", station, service_type.letter(), date.format("%Y%m%d"));
        RoNumber { text, station: station.clone(), service_type, date, seq }
    }

    /// Parses a repair-order number, tolerating lower case and a sequence typed
    /// without its leading zeros (`sh01-m-20261122-7`); the result is always in
    /// the canonical form.
    pub fn parse(raw: &str) -> Result<RoNumber, Invalid> {
        let invalid = || {
            Invalid::new(
                "ro_number.format",
                "A repair-order number looks like SH01-M-20261122-0007: station, service type letter \
                 (M, R, W, A, C or I), date, sequence.",
            )
        };
        let text = normalise(raw);
        let mut parts = text.split('-');
        let (Some(station), Some(letter), Some(date), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let station = StationCode::parse(station).map_err(|_| invalid())?;
        let service_type = match letter.chars().collect::<Vec<_>>().as_slice() {
            [c] => ServiceType::from_letter(*c).ok_or_else(invalid)?,
            _ => return Err(invalid()),
        };
        let date = parse_compact_date(date).ok_or_else(invalid)?;
        let seq = parse_seq(seq, 10).ok_or_else(invalid)?;
        Ok(RoNumber::new(&station, service_type, date, seq))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn station(&self) -> &StationCode {
        &self.station
    }

    pub fn service_type(&self) -> ServiceType {
        self.service_type
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }
}

/// `yyyymmdd`, exactly eight digits. Checked by hand first because chrono's
/// `%Y` also accepts signs and other widths.
fn parse_compact_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| s[range].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(4..6)?, number(6..8)?)
}

/// 1 to `max_digits` ASCII digits; `u32::from_str` alone would also take `+7`.
fn parse_seq(s: &str, max_digits: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for RoNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for RoNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl TryFrom<String> for RoNumber {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        RoNumber::parse(&raw)
    }
}

// ---------------------------------------------------------------------------
// Customer number

/// `{station}-{seq, at least 6 digits}`, e.g. `SH01-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, TS)]
#[ts(type = "string")]
pub struct CustomerNo {
    text: String,
    station: StationCode,
    seq: u32,
}

impl CustomerNo {
    pub fn new(station: &StationCode, seq: u32) -> CustomerNo {
        CustomerNo { text: format!("{station}-{seq:06}"), station: station.clone(), seq }
    }

    /// Tolerates lower case and missing leading zeros; the result is canonical.
    pub fn parse(raw: &str) -> Result<CustomerNo, Invalid> {
        let invalid = || Invalid::new("customer_no.format", "A customer number looks like SH01-000123: station, then a number.");
        let text = normalise(raw);
        let (station, seq) = text.split_once('-').ok_or_else(invalid)?;
        let station = StationCode::parse(station).map_err(|_| invalid())?;
        let seq = parse_seq(seq, 10).ok_or_else(invalid)?;
        Ok(CustomerNo::new(&station, seq))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn station(&self) -> &StationCode {
        &self.station
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }
}

impl fmt::Display for CustomerNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for CustomerNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl TryFrom<String> for CustomerNo {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        CustomerNo::parse(&raw)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sh01() -> StationCode {
        StationCode::parse("SH01").unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_station_code_is_upper_cased_and_trimmed() {
        assert_eq!(StationCode::parse(" sh01 ").unwrap().as_str(), "SH01");
        assert_eq!(StationCode::parse("ＢＪ２").unwrap().as_str(), "BJ2");
        assert_eq!(StationCode::parse("AB").unwrap().as_str(), "AB");
        assert_eq!(StationCode::parse("ABCDEFGH").unwrap().as_str(), "ABCDEFGH");
    }

    #[test]
    fn a_station_code_of_the_wrong_length_or_with_symbols_is_refused() {
        for raw in ["", "A", "ABCDEFGHJ", "SH-01", "SH 01", "上海01", "' OR 1=1 --", "<script>"] {
            assert_eq!(StationCode::parse(raw).unwrap_err().code, "station.code", "{raw:?}");
        }
        assert_eq!(StationCode::parse(&"A".repeat(10 * 1024)).unwrap_err().code, "station.code");
    }

    #[test]
    fn every_service_type_has_a_distinct_letter_that_maps_back() {
        let letters: Vec<char> = ServiceType::ALL.iter().map(|t| t.letter()).collect();
        assert_eq!(letters, ['M', 'R', 'W', 'A', 'C', 'I']);
        for t in ServiceType::ALL {
            assert_eq!(ServiceType::from_letter(t.letter()), Some(t));
            assert_eq!(ServiceType::from_letter(t.letter().to_ascii_lowercase()), Some(t));
            assert_eq!(ServiceType::parse(t.as_str()).unwrap(), t);
        }
        assert_eq!(ServiceType::from_letter('X'), None);
        assert_eq!(ServiceType::parse("oil_change").unwrap_err().code, "service_type.unknown");
    }

    #[test]
    fn a_service_type_serialises_in_snake_case_matching_as_str() {
        for t in ServiceType::ALL {
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<ServiceType>(&format!("\"{}\"", t.as_str())).unwrap(), t);
        }
    }

    #[test]
    fn a_repair_order_number_is_formatted_with_a_four_digit_sequence() {
        let ro = RoNumber::new(&sh01(), ServiceType::Maintenance, date(2026, 11, 22), 7);
        assert_eq!(ro.as_str(), "SH01-M-20261122-0007");
        assert_eq!(ro.to_string(), "SH01-M-20261122-0007");
        let big = RoNumber::new(&sh01(), ServiceType::Recall, date(2026, 1, 2), 123_456);
        assert_eq!(big.as_str(), "SH01-C-20260102-123456");
    }

    #[test]
    fn a_repair_order_number_round_trips_through_parse() {
        for t in ServiceType::ALL {
            for seq in [0, 1, 7, 9_999, 10_000, u32::MAX] {
                let ro = RoNumber::new(&sh01(), t, date(2026, 11, 22), seq);
                let back = RoNumber::parse(ro.as_str()).unwrap();
                assert_eq!(back, ro);
                assert_eq!(back.station(), &sh01());
                assert_eq!(back.service_type(), t);
                assert_eq!(back.date(), date(2026, 11, 22));
                assert_eq!(back.seq(), seq);
            }
        }
    }

    #[test]
    fn a_hand_typed_repair_order_number_is_canonicalised() {
        assert_eq!(RoNumber::parse(" sh01-m-20261122-7 ").unwrap().as_str(), "SH01-M-20261122-0007");
        assert_eq!(RoNumber::parse("SH01-W-20240229-00012").unwrap().as_str(), "SH01-W-20240229-0012");
    }

    #[test]
    fn malformed_repair_order_numbers_are_refused() {
        for raw in [
            "",
            "SH01-M-20261122",
            "SH01-M-20261122-0007-1",
            "SH01-X-20261122-0007",
            "SH01-MM-20261122-0007",
            "SH01-M-2026112-0007",
            "SH01-M-20261322-0007",
            "SH01-M-20250229-0007",
            "SH01-M-+2026112-0007",
            "SH01-M-20261122-+7",
            "SH01-M-20261122-",
            "SH01-M-20261122-99999999999",
            "S-M-20261122-0007",
            "SH01--20261122-0007",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
        ] {
            assert_eq!(RoNumber::parse(raw).unwrap_err().code, "ro_number.format", "{raw:?}");
        }
        assert_eq!(RoNumber::parse(&"SH01-M-".repeat(2000)).unwrap_err().code, "ro_number.format");
    }

    #[test]
    fn a_repair_order_number_serialises_as_a_plain_string() {
        let ro = RoNumber::new(&sh01(), ServiceType::Repair, date(2026, 11, 22), 42);
        assert_eq!(serde_json::to_string(&ro).unwrap(), "\"SH01-R-20261122-0042\"");
        assert_eq!(RoNumber::try_from("SH01-R-20261122-0042".to_string()).unwrap(), ro);
    }

    #[test]
    fn a_customer_number_is_the_station_and_a_six_digit_sequence() {
        let no = CustomerNo::new(&sh01(), 123);
        assert_eq!(no.as_str(), "SH01-000123");
        assert_eq!(no.station(), &sh01());
        assert_eq!(no.seq(), 123);
        assert_eq!(CustomerNo::new(&sh01(), 1_234_567).as_str(), "SH01-1234567");
    }

    #[test]
    fn a_customer_number_round_trips_and_is_canonicalised() {
        for seq in [0, 1, 123, 999_999, 1_000_000, u32::MAX] {
            let no = CustomerNo::new(&sh01(), seq);
            assert_eq!(CustomerNo::parse(no.as_str()).unwrap(), no);
        }
        assert_eq!(CustomerNo::parse("sh01-123").unwrap().as_str(), "SH01-000123");
    }

    #[test]
    fn malformed_customer_numbers_are_refused() {
        for raw in ["", "SH01", "SH01-", "SH01-12A", "SH01-1-2", "-000123", "SH01-+12", "' OR 1=1 --", "<b>1</b>"] {
            assert_eq!(CustomerNo::parse(raw).unwrap_err().code, "customer_no.format", "{raw:?}");
        }
    }

    #[test]
    fn a_customer_number_serialises_as_a_plain_string() {
        assert_eq!(serde_json::to_string(&CustomerNo::new(&sh01(), 5)).unwrap(), "\"SH01-000005\"");
        assert_eq!(CustomerNo::try_from("SH01-000005".to_string()).unwrap().seq(), 5);
    }
}
