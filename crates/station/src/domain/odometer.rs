//! Odometer readings (里程), in whole kilometres.
//!
//! A reading lower than the vehicle's last one is possible (a replaced
//! instrument cluster, a typo last time) but is also how mileage fraud looks,
//! so it is reported as [`Rollback::LowerThanLast`] and the operation decides
//! whether a manager has confirmed it.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;

use crate::error::Invalid;

/// Far beyond any road vehicle's life (a long-haul truck retires around 1.5
/// million km); above it the number is a typo, not a reading.
pub const MAX_KM: u32 = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "number")]
pub struct Odometer(u32);

impl Odometer {
    /// Takes `i64` because that is what both JSON numbers and SQLite integers
    /// arrive as, so an out-of-range value is refused here rather than truncated
    /// by a cast at the caller.
    pub fn parse_km(km: i64) -> Result<Odometer, Invalid> {
        if km < 0 {
            return Err(Invalid::new("odometer.negative", "The odometer reading cannot be negative."));
        }
        match u32::try_from(km) {
            Ok(km) if km <= MAX_KM => Ok(Odometer(km)),
            _ => Err(Invalid::new("odometer.too_large", format!("An odometer reading above {MAX_KM} km is not plausible; check the number."))),
        }
    }

    pub const fn km(self) -> u32 {
        self.0
    }
}

/// How a new reading compares with the vehicle's last recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rollback {
    Ok,
    LowerThanLast { last: u32 },
}

/// An equal reading is fine (the car came back without being driven); only a
/// strictly lower one is flagged.
pub fn check_against_last(new: Odometer, last: Option<Odometer>) -> Rollback {
    match last {
        Some(last) if new < last => Rollback::LowerThanLast { last: last.km() },
        _ => Rollback::Ok,
    }
}

impl fmt::Display for Odometer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} km", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn km(value: i64) -> Odometer {
        Odometer::parse_km(value).unwrap()
    }

    #[test]
    fn readings_from_zero_to_two_million_km_are_accepted() {
        assert_eq!(km(0).km(), 0);
        assert_eq!(km(123_456).km(), 123_456);
        assert_eq!(km(2_000_000).km(), 2_000_000);
    }

    #[test]
    fn a_negative_reading_is_refused() {
        assert_eq!(Odometer::parse_km(-1).unwrap_err().code, "odometer.negative");
        assert_eq!(Odometer::parse_km(i64::MIN).unwrap_err().code, "odometer.negative");
    }

    #[test]
    fn a_reading_above_two_million_km_is_refused() {
        assert_eq!(Odometer::parse_km(2_000_001).unwrap_err().code, "odometer.too_large");
        assert_eq!(Odometer::parse_km(i64::from(u32::MAX) + 1).unwrap_err().code, "odometer.too_large");
        assert_eq!(Odometer::parse_km(i64::MAX).unwrap_err().code, "odometer.too_large");
    }

    #[test]
    fn a_first_reading_has_nothing_to_roll_back_from() {
        assert_eq!(check_against_last(km(10), None), Rollback::Ok);
    }

    #[test]
    fn a_higher_or_equal_reading_is_ok() {
        assert_eq!(check_against_last(km(50_001), Some(km(50_000))), Rollback::Ok);
        assert_eq!(check_against_last(km(50_000), Some(km(50_000))), Rollback::Ok);
    }

    #[test]
    fn a_lower_reading_is_reported_with_the_last_value() {
        assert_eq!(check_against_last(km(49_999), Some(km(50_000))), Rollback::LowerThanLast { last: 50_000 });
    }

    #[test]
    fn an_odometer_serialises_as_a_number_and_a_rollback_as_a_tagged_object() {
        assert_eq!(serde_json::to_string(&km(1234)).unwrap(), "1234");
        assert_eq!(serde_json::to_string(&Rollback::LowerThanLast { last: 5 }).unwrap(), r#"{"kind":"lower_than_last","last":5}"#);
        assert_eq!(serde_json::to_string(&Rollback::Ok).unwrap(), r#"{"kind":"ok"}"#);
        assert_eq!(km(1234).to_string(), "1234 km");
    }
}
