//! Counting: each record adds whole numbers to one day's tally, and tallies
//! add up. Because every KPI is a ratio or a quantile of sums, a month is the
//! sum of its days and a region the sum of its stations, which is what lets the
//! head office keep the sums in PostgreSQL as pushes arrive instead of
//! re-reading every order (docs/kpis.md, "Where the sums live").

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::records::{ComplaintRecord, DeadlineRecord, OrderRecord, Outcome};

/// The policy kinds whose deadlines are counted, in the order of their counters.
pub const POLICY_KINDS: [&str; 8] = [
    "service_request",
    "initial_assessment",
    "completion_notice",
    "follow_up",
    "complaint_first_response",
    "complaint_resolution",
    "complaint_callback",
    "urgent_first_response",
];

/// Upper bounds (hours) of the repair-cycle histogram's buckets; the last
/// bucket holds everything longer. Quantiles are read from it (figures.rs).
pub const CYCLE_BUCKET_HOURS: [i64; 18] = [1, 2, 3, 4, 5, 6, 8, 10, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336];
pub const CYCLE_BUCKETS: usize = CYCLE_BUCKET_HOURS.len() + 1;

/// The station's settings the definitions depend on.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Days are the station's local days.
    pub tz: Tz,
    /// A check-in within this many days of the vehicle's last delivery is a
    /// repeat repair; 0 turns it off, as at the station (`repeat_repair_days`).
    pub repeat_window_days: i64,
}

impl Rules {
    /// The follow-up must reach the customer within this many days of delivery (回访 within 3 days).
    pub const FOLLOW_UP_DAYS: i64 = 3;

    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }
}

/// Whose figures a tally is: the whole station, one advisor or one technician.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Dim {
    Station,
    Advisor(String),
    Technician(String),
}

/// Additive counters. Every field only ever grows by a record's contribution
/// and shrinks by the same contribution when the record changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Orders delivered (or closed after delivery) on the day.
    pub delivered: i64,
    /// Orders cancelled, by their check-in day; counted nowhere else.
    pub cancelled: i64,
    /// Delivered orders that repeat a delivery within the window (返修).
    pub repeats: i64,
    /// Delivered orders that had a promised time, and those delivered by it.
    pub promised: i64,
    pub on_time: i64,
    /// Check-in to delivery, in minutes: the sum and the histogram.
    pub cycle_minutes: i64,
    pub cycle_hist: Vec<i64>,
    /// Delivered orders whose customer may be called (not opted out of follow-up).
    pub follow_up_due: i64,
    pub reached_in_time: i64,
    pub reached_ever: i64,
    /// Surveys answered, their overall scores summed, and how many scored 4 or 5.
    pub surveys: i64,
    pub score_sum: i64,
    pub score_top: i64,
    /// Labor hours billed (thousandths) and job-clock seconds.
    pub billed_milli: i64,
    pub clocked_seconds: i64,
    /// Order value net of tax: the lines of approved jobs (what the customer
    /// pays for), less the discount.
    pub value_minor: i64,
    /// Parts issued to orders, at their line price.
    pub parts_issued_minor: i64,
    pub waited_for_parts: i64,
    /// Complaints received on the day; of them, those whose resolution deadline
    /// is decided, those met, and the repeats.
    pub complaints: i64,
    pub complaints_decided: i64,
    pub complaints_in_time: i64,
    pub complaints_repeat: i64,
    /// Deadlines decided on the day, per policy kind (POLICY_KINDS order).
    pub deadlines_met: Vec<i64>,
    pub deadlines_breached: Vec<i64>,
}

/// The zero tally, with its lists at full length so that two zero tallies
/// compare equal however they were made.
impl Default for Tally {
    fn default() -> Tally {
        Tally::from_vec(&[])
    }
}

impl Tally {
    pub fn zero() -> Tally {
        Tally::default()
    }

    /// The counters as one flat list, in a fixed order: how the head office stores them.
    pub fn to_vec(&self) -> Vec<i64> {
        let mut v = vec![
            self.delivered,
            self.cancelled,
            self.repeats,
            self.promised,
            self.on_time,
            self.cycle_minutes,
            self.follow_up_due,
            self.reached_in_time,
            self.reached_ever,
            self.surveys,
            self.score_sum,
            self.score_top,
            self.billed_milli,
            self.clocked_seconds,
            self.value_minor,
            self.parts_issued_minor,
            self.waited_for_parts,
            self.complaints,
            self.complaints_decided,
            self.complaints_in_time,
            self.complaints_repeat,
        ];
        v.extend(self.padded(&self.cycle_hist, CYCLE_BUCKETS));
        v.extend(self.padded(&self.deadlines_met, POLICY_KINDS.len()));
        v.extend(self.padded(&self.deadlines_breached, POLICY_KINDS.len()));
        v
    }

    /// Length of `to_vec`.
    pub const WIDTH: usize = 21 + CYCLE_BUCKETS + 2 * POLICY_KINDS.len();

    /// Reads `to_vec`'s layout back; missing trailing counters read as zero,
    /// so sums stored before a counter was added still read.
    pub fn from_vec(v: &[i64]) -> Tally {
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        let slice = |from: usize, n: usize| (from..from + n).map(at).collect::<Vec<_>>();
        Tally {
            delivered: at(0),
            cancelled: at(1),
            repeats: at(2),
            promised: at(3),
            on_time: at(4),
            cycle_minutes: at(5),
            follow_up_due: at(6),
            reached_in_time: at(7),
            reached_ever: at(8),
            surveys: at(9),
            score_sum: at(10),
            score_top: at(11),
            billed_milli: at(12),
            clocked_seconds: at(13),
            value_minor: at(14),
            parts_issued_minor: at(15),
            waited_for_parts: at(16),
            complaints: at(17),
            complaints_decided: at(18),
            complaints_in_time: at(19),
            complaints_repeat: at(20),
            cycle_hist: slice(21, CYCLE_BUCKETS),
            deadlines_met: slice(21 + CYCLE_BUCKETS, POLICY_KINDS.len()),
            deadlines_breached: slice(21 + CYCLE_BUCKETS + POLICY_KINDS.len(), POLICY_KINDS.len()),
        }
    }

    fn padded(&self, v: &[i64], n: usize) -> Vec<i64> {
        (0..n).map(|i| v.get(i).copied().unwrap_or(0)).collect()
    }

    /// Adds `other` counter by counter. Counts of real records stay far below
    /// i64; saturating keeps a corrupt sum from panicking a report.
    pub fn add(&mut self, other: &Tally) {
        self.combine(other, 1);
    }

    /// Takes `other` away: a record's old contribution when it changes.
    pub fn subtract(&mut self, other: &Tally) {
        self.combine(other, -1);
    }

    fn combine(&mut self, other: &Tally, sign: i64) {
        let mut mine = self.to_vec();
        for (a, b) in mine.iter_mut().zip(other.to_vec()) {
            *a = a.saturating_add(sign.saturating_mul(b));
        }
        *self = Tally::from_vec(&mine);
    }

    pub fn is_zero(&self) -> bool {
        self.to_vec().iter().all(|&c| c == 0)
    }
}

/// One day's contribution to one dimension.
pub type Contribution = (NaiveDate, Dim, Tally);

/// What an order adds: to the station, to its advisor, and to each technician
/// who worked on it, on the day it was delivered (a cancelled order: the day it
/// was checked in). An order still in the workshop adds nothing yet.
pub fn order_contributions(order: &OrderRecord, rules: &Rules) -> Vec<Contribution> {
    if order.status == "cancelled" {
        let mut t = Tally::zero();
        t.cancelled = 1;
        let day = rules.day_of(order.checked_in_at);
        return vec![(day, Dim::Station, t.clone()), (day, Dim::Advisor(order.advisor_id.clone()), t)];
    }
    let Some(delivered_at) = order.delivered_at else { return Vec::new() };
    let day = rules.day_of(delivered_at);
    let whole = order_tally(order, delivered_at, rules, None);
    let mut out = vec![(day, Dim::Station, whole.clone()), (day, Dim::Advisor(order.advisor_id.clone()), whole)];
    // A technician whose only job was declined did no work on the order.
    let mut technicians: Vec<&str> = order.jobs.iter().filter(|j| j.approval != "declined").filter_map(|j| j.technician_id.as_deref()).collect();
    technicians.extend(order.clock_entries.iter().map(|c| c.technician_id.as_str()));
    technicians.sort_unstable();
    technicians.dedup();
    for tech in technicians {
        out.push((day, Dim::Technician(tech.to_string()), order_tally(order, delivered_at, rules, Some(tech))));
    }
    out
}

/// The order's counters; for a technician, hours and value count only their jobs.
fn order_tally(order: &OrderRecord, delivered_at: DateTime<Utc>, rules: &Rules, technician: Option<&str>) -> Tally {
    let mut t = Tally::zero();
    t.delivered = 1;
    // Inclusive, like the station's check at check-in (delivered_at >= check-in − window).
    if let Some(prev) = order.repeat_of_delivered_at {
        let gap = order.checked_in_at - prev;
        t.repeats = i64::from(rules.repeat_window_days > 0 && gap >= chrono::Duration::zero() && gap <= chrono::Duration::days(rules.repeat_window_days));
    }
    if let Some(promised) = order.promised_at {
        t.promised = 1;
        t.on_time = i64::from(delivered_at <= promised);
    }
    let minutes = (delivered_at - order.checked_in_at).num_minutes().max(0);
    t.cycle_minutes = minutes;
    t.cycle_hist[cycle_bucket(minutes)] = 1;
    if let Some(f) = &order.follow_up {
        if f.status != "no_consent" {
            t.follow_up_due = 1;
            if f.reached() {
                t.reached_ever = 1;
                let in_time = f.ended_at.is_some_and(|at| at - delivered_at <= chrono::Duration::days(Rules::FOLLOW_UP_DAYS));
                t.reached_in_time = i64::from(in_time);
            }
        }
    }
    if let Some(score) = order.survey_overall {
        t.surveys = 1;
        t.score_sum = score;
        t.score_top = i64::from(score >= 4);
    }
    t.waited_for_parts = i64::from(order.waited_for_parts);
    // Billed is what the customer pays for: approved jobs only (the station's
    // `OrderTotals::approved`); a declined job stays on the order unbilled.
    let billable = |job_id: &str| {
        order
            .jobs
            .iter()
            .find(|j| j.id == job_id)
            .is_some_and(|j| j.approval == "approved" && (technician.is_none() || j.technician_id.as_deref() == technician))
    };
    for line in order.lines.iter().filter(|l| billable(&l.job_id)) {
        t.value_minor = t.value_minor.saturating_add(line.amount_minor);
        match line.kind.as_str() {
            "labor" => t.billed_milli = t.billed_milli.saturating_add(line.quantity_milli),
            "part" => {
                let issued = i128::from(line.issued_milli) * i128::from(line.unit_price_minor) / 1000;
                t.parts_issued_minor = t.parts_issued_minor.saturating_add(i64::try_from(issued).unwrap_or(i64::MAX));
            }
            _ => {}
        }
    }
    if technician.is_none() {
        t.value_minor = t.value_minor.saturating_sub(order.discount_minor).max(0);
    }
    t.clocked_seconds =
        order.clock_entries.iter().filter(|c| technician.map_or(true, |me| c.technician_id == me)).fold(0i64, |sum, c| sum.saturating_add(c.seconds.max(0)));
    t
}

pub fn cycle_bucket(minutes: i64) -> usize {
    CYCLE_BUCKET_HOURS.iter().position(|&h| minutes <= h * 60).unwrap_or(CYCLE_BUCKET_HOURS.len())
}

/// What a complaint adds, on the day it was received: to the station only.
pub fn complaint_contributions(complaint: &ComplaintRecord, rules: &Rules, now: DateTime<Utc>) -> Vec<Contribution> {
    let mut t = Tally::zero();
    t.complaints = 1;
    t.complaints_repeat = i64::from(complaint.repeat);
    match complaint.resolution.as_ref().and_then(|d| d.outcome(now)) {
        Some(Outcome::Met(_)) => {
            t.complaints_decided = 1;
            t.complaints_in_time = 1;
        }
        Some(Outcome::Breached(_)) => t.complaints_decided = 1,
        None => {}
    }
    vec![(rules.day_of(complaint.received_at), Dim::Station, t)]
}

/// What a deadline adds, on the day it was met or breached: to the station only.
/// A deadline of a policy kind this version does not know adds nothing.
pub fn deadline_contributions(deadline: &DeadlineRecord, rules: &Rules, now: DateTime<Utc>) -> Vec<Contribution> {
    let Some(k) = POLICY_KINDS.iter().position(|k| *k == deadline.policy_kind) else { return Vec::new() };
    let mut t = Tally::zero();
    let at = match deadline.outcome(now) {
        Some(Outcome::Met(at)) => {
            t.deadlines_met[k] = 1;
            at
        }
        Some(Outcome::Breached(at)) => {
            t.deadlines_breached[k] = 1;
            at
        }
        None => return Vec::new(),
    };
    vec![(rules.day_of(at), Dim::Station, t)]
}
