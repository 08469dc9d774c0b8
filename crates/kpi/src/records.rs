//! What the KPIs are computed from: plain copies of the records an order, a
//! complaint or a deadline leaves behind. The station fills them from SQLite,
//! the head office from the records stations pushed; neither decides anything
//! here, so the two cannot count differently (docs/kpis.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A repair order with everything the order KPIs read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub id: String,
    pub advisor_id: String,
    /// The order's status code (`checked_in` … `delivered`, `closed`, `cancelled`).
    pub status: String,
    pub checked_in_at: DateTime<Utc>,
    pub promised_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the earlier visit this order repeats was delivered (set at check-in).
    pub repeat_of_delivered_at: Option<DateTime<Utc>>,
    pub discount_minor: i64,
    pub jobs: Vec<JobRecord>,
    pub lines: Vec<LineRecord>,
    pub clock_entries: Vec<ClockEntry>,
    /// The order was in `waiting_parts` at some point.
    pub waited_for_parts: bool,
    pub follow_up: Option<FollowUpRecord>,
    /// The survey's overall score (1–5), when the customer answered one.
    pub survey_overall: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub technician_id: Option<String>,
    /// `pending`, `approved` or `declined`.
    pub approval: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineRecord {
    pub job_id: String,
    /// `labor`, `part` or `sublet`.
    pub kind: String,
    /// Hours or units in thousandths.
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub amount_minor: i64,
    pub issued_milli: i64,
}

/// One stopped stretch of a technician's job clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockEntry {
    pub job_id: String,
    pub technician_id: String,
    pub seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRecord {
    /// `due`, `retry`, `reached`, `unreachable`, `declined` or `no_consent`.
    /// `declined` means reached, but the customer declined the survey.
    pub status: String,
    /// When it ended; for `reached` and `declined`, when the customer was reached.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A complaint in the ledger, with its resolution deadline's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintRecord {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub repeat: bool,
    pub resolution: Option<DeadlineRecord>,
}

/// One deadline of an item (an `item_clock` row): its policy and the engine's
/// reading as of the item's last write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineRecord {
    pub id: String,
    pub policy_kind: String,
    /// `not_started`, `running`, `paused` or `stopped`.
    pub state: String,
    pub late_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

/// How a deadline ended, or `None` while it can still be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met(DateTime<Utc>),
    Breached(DateTime<Utc>),
}

impl FollowUpRecord {
    /// Whether the call reached the customer, survey or not.
    pub fn reached(&self) -> bool {
        matches!(self.status.as_str(), "reached" | "declined")
    }
}

impl DeadlineRecord {
    /// Met or breached as of `now`: whichever happened first, since the engine
    /// keeps both for good (a clock met, reopened and then run out has both).
    /// Stopped exactly at the budget, the engine sets both at the same instant
    /// and calls it within budget, so a tie is met. A running clock past its
    /// `late_at` is breached even though nobody wrote to the item since: the
    /// reading on the row is as of its last write, the KPI is as of now.
    pub fn outcome(&self, now: DateTime<Utc>) -> Option<Outcome> {
        match (self.met_at, self.breached_at) {
            (Some(met), Some(breached)) if breached < met => Some(Outcome::Breached(breached)),
            (Some(met), _) => Some(Outcome::Met(met)),
            (None, Some(breached)) => Some(Outcome::Breached(breached)),
            (None, None) => match (self.state.as_str(), self.late_at) {
                ("running", Some(late)) if late <= now => Some(Outcome::Breached(late)),
                _ => None,
            },
        }
    }
}
