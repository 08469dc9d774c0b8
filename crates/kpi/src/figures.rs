//! Reading the figures from a tally: each KPI's formula, its target and which
//! way is better. docs/kpis.md says the same in words; the UI shows the
//! definition from the locale files under the KPI's code.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::tally::{Tally, CYCLE_BUCKET_HOURS, POLICY_KINDS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, 0–1 (shown as a percentage).
    Ratio,
    /// An average score on the 1–5 scale.
    Score,
    Hours,
    /// Money in minor units (fen).
    Minor,
    /// Per 100 delivered orders.
    Per100,
    /// Times per year.
    PerYear,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
    /// Shown for context; no target.
    Neither,
}

/// One figure: its value (none when nothing was counted), what it was computed
/// from, and how it stands against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Figure {
    /// Stable code, e.g. `satisfaction_avg`, `deadline_met.follow_up`.
    pub code: String,
    pub unit: Unit,
    pub better: Better,
    pub value: Option<f64>,
    /// The counts behind a ratio or an average: what was divided by what.
    #[ts(type = "number")]
    pub numerator: i64,
    #[ts(type = "number")]
    pub denominator: i64,
    pub target: Option<f64>,
    /// Signed distance to the target, positive when better than the target.
    pub gap: Option<f64>,
    pub meets_target: Option<bool>,
}

/// Inputs that are not sums of records: read from the station's current state
/// for the window the tally covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Days in the window.
    pub days: i64,
    /// Stock on hand now, at its price.
    pub stock_value_minor: i64,
    /// Parts whose stock is at or below their reorder point now.
    pub parts_short: i64,
    /// Technicians' available time in the window: working hours × active technicians, in seconds.
    pub available_seconds: i64,
}

/// The targets and their sources are in docs/kpis.md.
pub mod targets {
    pub const SATISFACTION_AVG: f64 = 4.5;
    pub const SATISFACTION_TOP: f64 = 0.90;
    pub const FOLLOW_UP_IN_TIME: f64 = 0.95;
    pub const FOLLOW_UP_EVER: f64 = 0.98;
    pub const FIRST_TIME_FIX: f64 = 0.95;
    pub const REPEAT_RATE: f64 = 0.05;
    pub const CYCLE_MEDIAN_HOURS: f64 = 24.0;
    pub const ON_TIME: f64 = 0.90;
    pub const DEADLINE_MET: f64 = 0.90;
    pub const COMPLAINTS_PER_100: f64 = 2.0;
    pub const COMPLAINTS_IN_TIME: f64 = 0.90;
    pub const EFFICIENCY: f64 = 1.0;
    pub const PRODUCTIVITY: f64 = 0.85;
    pub const STOCK_TURNOVER: f64 = 6.0;
}

/// Figures whose numerator counts records (orders, surveys, complaints,
/// deadlines): a drill-down can say which records are in it.
const COUNTED_CODES: [&str; 12] = [
    "satisfaction_top",
    "follow_up_in_time",
    "follow_up_ever",
    "first_time_fix",
    "repeat_rate",
    "on_time",
    "complaints_per_100",
    "complaints_in_time",
    "complaints_repeat",
    "parts_waits",
    "cancelled",
    "deadline_met.",
];

/// Counted figures whose numerator is not a part of their denominator
/// (complaints per orders; cancelled orders have no base).
const NOT_A_SHARE: [&str; 2] = ["complaints_per_100", "cancelled"];

/// Read from the station's state now, with no record behind it.
const NOT_DRILLABLE: [&str; 1] = ["parts_short"];

/// Whether the figure's numerator counts records (the others sum minutes, money, seconds).
pub fn counts_records(code: &str) -> bool {
    COUNTED_CODES.iter().any(|c| if c.ends_with('.') { code.starts_with(c) } else { code == *c })
}

/// Whether the figure reads as "n of d": its numerator counts records that are part of its denominator.
pub fn is_share(code: &str) -> bool {
    counts_records(code) && !NOT_A_SHARE.contains(&code)
}

/// Whether records stand behind the figure, for a drill-down.
pub fn has_records(code: &str) -> bool {
    !NOT_DRILLABLE.contains(&code)
}

/// A figure's value as files write it (the station's export, the head office's
/// CSV): four decimals, a ratio to a hundredth of a percent, hours to a third
/// of a second; no "-0".
pub fn file_number(v: f64) -> String {
    let rounded = (v * 10_000.0).round() / 10_000.0;
    if rounded == 0.0 {
        "0".to_string()
    } else {
        rounded.to_string()
    }
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    scaled(n, 1, d, 1)
}

/// `(n × up) / (d × down)` in floating point, so that scaling a large sum
/// (×100, ×365) cannot overflow.
fn scaled(n: i64, up: i64, d: i64, down: i64) -> Option<f64> {
    (d > 0 && down > 0).then(|| (n as f64 * up as f64) / (d as f64 * down as f64))
}

fn figure(code: &str, unit: Unit, better: Better, value: Option<f64>, numerator: i64, denominator: i64, target: Option<f64>) -> Figure {
    let gap = match (value, target, better) {
        (Some(v), Some(t), Better::Higher) => Some(v - t),
        (Some(v), Some(t), Better::Lower) => Some(t - v),
        _ => None,
    };
    Figure { code: code.to_string(), unit, better, value, numerator, denominator, target, gap, meets_target: gap.map(|g| g >= -1e-9) }
}

/// The quantile `q` (0–1) of the repair cycle in hours, read from the
/// histogram by linear interpolation inside the bucket that holds it: the
/// `q × n`-th order of `n`, counting each bucket's orders as spread evenly
/// over it (docs/kpis.md, "Cycle time from the histogram").
pub fn cycle_quantile_hours(t: &Tally, q: f64) -> Option<f64> {
    let total = t.cycle_hist.iter().fold(0i64, |sum, &n| sum.saturating_add(n));
    if total <= 0 || q.is_nan() {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * total as f64;
    let mut below = 0i64;
    for (i, &n) in t.cycle_hist.iter().enumerate() {
        if n > 0 && below.saturating_add(n) as f64 >= rank {
            let lo = if i == 0 { 0 } else { CYCLE_BUCKET_HOURS[i - 1] } as f64;
            // The open last bucket is read as twice its lower bound wide.
            let hi = CYCLE_BUCKET_HOURS.get(i).copied().map_or(lo * 2.0, |h| h as f64);
            let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
            return Some(lo + (hi - lo) * within);
        }
        below = below.saturating_add(n);
    }
    None
}

/// Every KPI, in the order screens list them.
pub fn figures(t: &Tally, cx: &Context) -> Vec<Figure> {
    use targets::*;
    use Better::*;
    use Unit::*;
    let first_time = t.delivered.saturating_sub(t.repeats);
    let billed_seconds = t.billed_milli.saturating_mul(36) / 10;
    let mut out = vec![
        figure("satisfaction_avg", Score, Higher, ratio(t.score_sum, t.surveys), t.score_sum, t.surveys, Some(SATISFACTION_AVG)),
        figure("satisfaction_top", Ratio, Higher, ratio(t.score_top, t.surveys), t.score_top, t.surveys, Some(SATISFACTION_TOP)),
        figure("follow_up_in_time", Ratio, Higher, ratio(t.reached_in_time, t.follow_up_due), t.reached_in_time, t.follow_up_due, Some(FOLLOW_UP_IN_TIME)),
        figure("follow_up_ever", Ratio, Higher, ratio(t.reached_ever, t.follow_up_due), t.reached_ever, t.follow_up_due, Some(FOLLOW_UP_EVER)),
        figure("first_time_fix", Ratio, Higher, ratio(first_time, t.delivered), first_time, t.delivered, Some(FIRST_TIME_FIX)),
        figure("repeat_rate", Ratio, Lower, ratio(t.repeats, t.delivered), t.repeats, t.delivered, Some(REPEAT_RATE)),
        figure("cycle_median_hours", Hours, Lower, cycle_quantile_hours(t, 0.5), t.cycle_minutes, t.delivered, Some(CYCLE_MEDIAN_HOURS)),
        figure("cycle_p90_hours", Hours, Lower, cycle_quantile_hours(t, 0.9), t.cycle_minutes, t.delivered, None),
        figure("on_time", Ratio, Higher, ratio(t.on_time, t.promised), t.on_time, t.promised, Some(ON_TIME)),
    ];
    for (k, kind) in POLICY_KINDS.iter().enumerate() {
        let met = t.deadlines_met.get(k).copied().unwrap_or(0);
        let decided = met.saturating_add(t.deadlines_breached.get(k).copied().unwrap_or(0));
        out.push(figure(&format!("deadline_met.{kind}"), Ratio, Higher, ratio(met, decided), met, decided, Some(DEADLINE_MET)));
    }
    out.extend([
        figure("complaints_per_100", Per100, Lower, scaled(t.complaints, 100, t.delivered, 1), t.complaints, t.delivered, Some(COMPLAINTS_PER_100)),
        figure(
            "complaints_in_time",
            Ratio,
            Higher,
            ratio(t.complaints_in_time, t.complaints_decided),
            t.complaints_in_time,
            t.complaints_decided,
            Some(COMPLAINTS_IN_TIME),
        ),
        figure("complaints_repeat", Count, Lower, Some(t.complaints_repeat as f64), t.complaints_repeat, t.complaints, None),
        figure("hours_per_order", Hours, Neither, scaled(t.billed_milli, 1, t.delivered, 1000), t.billed_milli, t.delivered, None),
        figure("order_value", Minor, Neither, ratio(t.value_minor, t.delivered), t.value_minor, t.delivered, None),
        figure("efficiency", Ratio, Higher, ratio(billed_seconds, t.clocked_seconds), billed_seconds, t.clocked_seconds, Some(EFFICIENCY)),
        figure("productivity", Ratio, Higher, ratio(t.clocked_seconds, cx.available_seconds), t.clocked_seconds, cx.available_seconds, Some(PRODUCTIVITY)),
        figure(
            "stock_turnover",
            PerYear,
            Higher,
            scaled(t.parts_issued_minor, 365, cx.stock_value_minor, cx.days),
            t.parts_issued_minor,
            cx.stock_value_minor,
            Some(STOCK_TURNOVER),
        ),
        figure("parts_waits", Count, Lower, Some(t.waited_for_parts as f64), t.waited_for_parts, t.delivered, None),
        figure("parts_short", Count, Lower, Some(cx.parts_short as f64), cx.parts_short, 0, None),
        figure("cancelled", Count, Neither, Some(t.cancelled as f64), t.cancelled, 0, None),
    ]);
    out
}
