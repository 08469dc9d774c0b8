//! What a clock is measured against: a budget in minutes, on the wall clock or
//! in the station's working hours.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Invalid;

/// How elapsed time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every second counts, day and night.
    Wall,
    /// Only seconds within the station's opening hours count (see `Calendar`).
    Working,
}

/// A time budget. Deserializing checks the same range as [`Policy::new`], so a
/// stored policy cannot come back out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(try_from = "PolicyFields")]
pub struct Policy {
    #[ts(type = "number")]
    pub budget_minutes: i64,
    pub basis: Basis,
}

/// A year: longer budgets are typos, and the bound keeps all arithmetic far
/// from overflow.
pub const MAX_BUDGET_MINUTES: i64 = 365 * 24 * 60;

impl Policy {
    /// A budget of 1 ..= 365 days' worth of minutes.
    pub fn new(budget_minutes: i64, basis: Basis) -> Result<Policy, Invalid> {
        if !(1..=MAX_BUDGET_MINUTES).contains(&budget_minutes) {
            return Err(Invalid::new(
                "budget_minutes",
                "time_limit.budget",
                format!("The time limit must be between 1 and {MAX_BUDGET_MINUTES} minutes (a year), not {budget_minutes}."),
            ));
        }
        Ok(Policy { budget_minutes, basis })
    }

    /// The budget in seconds (saturating, as the fields are public and may
    /// hold anything).
    pub fn budget_secs(&self) -> i64 {
        self.budget_minutes.saturating_mul(60)
    }
}

#[derive(Deserialize)]
struct PolicyFields {
    budget_minutes: i64,
    basis: Basis,
}

impl TryFrom<PolicyFields> for Policy {
    type Error = Invalid;

    fn try_from(fields: PolicyFields) -> Result<Policy, Invalid> {
        Policy::new(fields.budget_minutes, fields.basis)
    }
}
