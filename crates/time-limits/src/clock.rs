//! Reading a clock: replays an item's event log up to `now` and says where the
//! clock stands against its budget.
//!
//! The marks act by the clock's state; a mark not in this table for the state
//! the clock is in changes nothing (so the log may repeat itself):
//!
//! | state       | Start   | Pause  | Resume  | Stop    | Reopen  |
//! |-------------|---------|--------|---------|---------|---------|
//! | not started | running |        |         |         |         |
//! | running     |         | paused |         | stopped |         |
//! | paused      |         |        | running | stopped |         |
//! | stopped     |         |        |         |         | running |
//!
//! `Rebudget` applies in every state. Both the wall and the working time of the
//! running intervals are kept as the log is replayed, so a change of basis
//! re-measures the same intervals without replaying them.

use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::working_time::Hours;
use crate::{Basis, Calendar, Policy};

/// What happened to a clock, from the item's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// The clock starts (a second Start is ignored).
    Start,
    /// Waiting for the customer or for parts: time does not count. A Pause
    /// while paused changes nothing, so moving from one waiting state to
    /// another does not count twice.
    Pause,
    /// Time counts again.
    Resume,
    /// The clock's goal is reached (first response logged, resolved and
    /// customer told, call reached…).
    Stop,
    /// After Stop: runs again, from the elapsed time where it stopped.
    Reopen,
    /// Priority or category changed: this policy applies from now on; the
    /// elapsed time carries over (the same running intervals, measured in the
    /// new basis).
    Rebudget(Policy),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockEvent {
    pub at: DateTime<Utc>,
    /// Tie-break for equal `at` (the event id).
    pub key: String,
    pub mark: Mark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    NotStarted,
    Running,
    Paused,
    Stopped,
}

/// Where a clock stands at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reading {
    /// The policy in force now (the last Rebudget, else the initial one).
    pub policy: Policy,
    pub state: ClockState,
    /// In the policy's basis (working seconds for Working), floored.
    #[ts(type = "number")]
    pub elapsed_secs: i64,
    #[ts(type = "number")]
    pub budget_secs: i64,
    /// `budget_secs - elapsed_secs`; negative when over.
    #[ts(type = "number")]
    pub remaining_secs: i64,
    /// The highest threshold reached, 50, 75 or 90 (percent of the budget in
    /// force); None below 50 % and once stopped within budget.
    pub warning: Option<u8>,
    /// When the budget runs out if nothing pauses or stops the clock (Running
    /// only; when already over, the breach instant); None otherwise.
    #[ts(type = "string | null")]
    pub due_at: Option<DateTime<Utc>>,
    /// The first Stop with elapsed at or within the budget in force then (kept
    /// even if reopened later).
    #[ts(type = "string | null")]
    pub met_at: Option<DateTime<Utc>>,
    /// The instant elapsed first reached the budget in force at that instant;
    /// a Rebudget that puts elapsed at or over the new budget breaches at its
    /// own instant. Never taken back, even when a later Rebudget raises the
    /// budget.
    #[ts(type = "string | null")]
    pub breached_at: Option<DateTime<Utc>>,
    /// The Stop that stopped the clock, if it is stopped now.
    #[ts(type = "string | null")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// Breached and not stopped: shown red.
    pub overdue: bool,
}

/// The warning thresholds, highest first, in percent of the budget.
const WARNINGS: [u8; 3] = [90, 75, 50];

/// Reads a clock at `now` from its initial policy (the one in force when the
/// item opened), the calendar (used for Working policies) and its events (any
/// order; events after `now` are ignored).
pub fn read(initial: &Policy, calendar: &Calendar, events: &[ClockEvent], now: DateTime<Utc>) -> Reading {
    let mut log: Vec<&ClockEvent> = events.iter().filter(|e| e.at <= now).collect();
    log.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)).then_with(|| mark_order(&a.mark, &b.mark)));
    // Preparing the calendar parses the zone and sorts the listed days: only
    // worth it when some policy counts working time.
    let uses_working = initial.basis == Basis::Working || log.iter().any(|e| matches!(e.mark, Mark::Rebudget(p) if p.basis == Basis::Working));
    let mut clock = Clock {
        hours: uses_working.then(|| Hours::new(calendar)),
        policy: *initial,
        state: ClockState::NotStarted,
        running_since: None,
        wall: TimeDelta::zero(),
        working: TimeDelta::zero(),
        met_at: None,
        breached_at: None,
        stopped_at: None,
    };
    for event in log {
        clock.run_to(event.at);
        clock.apply(event);
    }
    clock.run_to(now);
    clock.reading(now)
}

/// The last resort of the sort, so that two events with the same `at` and
/// `key` still come out in one order whatever order they came in.
fn mark_order(a: &Mark, b: &Mark) -> Ordering {
    fn rank(mark: &Mark) -> (u8, i64, u8) {
        match mark {
            Mark::Start => (0, 0, 0),
            Mark::Resume => (1, 0, 0),
            Mark::Pause => (2, 0, 0),
            Mark::Stop => (3, 0, 0),
            Mark::Reopen => (4, 0, 0),
            Mark::Rebudget(p) => (5, p.budget_minutes, p.basis as u8),
        }
    }
    rank(a).cmp(&rank(b))
}

struct Clock {
    hours: Option<Hours>,
    policy: Policy,
    state: ClockState,
    /// Start of the running interval not yet added to `wall` and `working`.
    running_since: Option<DateTime<Utc>>,
    wall: TimeDelta,
    working: TimeDelta,
    met_at: Option<DateTime<Utc>>,
    breached_at: Option<DateTime<Utc>>,
    stopped_at: Option<DateTime<Utc>>,
}

impl Clock {
    fn elapsed(&self, basis: Basis) -> TimeDelta {
        match basis {
            Basis::Wall => self.wall,
            Basis::Working => self.working,
        }
    }

    fn measure(&self, basis: Basis, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        match (basis, &self.hours) {
            (Basis::Working, Some(hours)) => hours.working(from, to),
            _ => (to - from).max(TimeDelta::zero()),
        }
    }

    fn add(&self, basis: Basis, from: DateTime<Utc>, span: TimeDelta) -> DateTime<Utc> {
        match (basis, &self.hours) {
            (Basis::Working, Some(hours)) => hours.add(from, span),
            _ => from.checked_add_signed(span.max(TimeDelta::zero())).unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }

    /// Counts the running interval up to `to` (the policy cannot change inside
    /// it: every mark ends the interval first), noting the breach if the budget
    /// runs out within it.
    fn run_to(&mut self, to: DateTime<Utc>) {
        let Some(since) = self.running_since else { return };
        let to = to.max(since);
        let basis = self.policy.basis;
        let wall = to - since;
        let working = if self.hours.is_some() { self.measure(Basis::Working, since, to) } else { TimeDelta::zero() };
        let piece = match basis {
            Basis::Wall => wall,
            Basis::Working => working,
        };
        if self.breached_at.is_none() {
            let need = budget(&self.policy) - self.elapsed(basis);
            if piece >= need {
                self.breached_at = Some(self.add(basis, since, need));
            }
        }
        self.wall += wall;
        self.working += working;
        self.running_since = Some(to);
    }

    fn apply(&mut self, event: &ClockEvent) {
        let at = event.at;
        match (&event.mark, self.state) {
            (Mark::Start, ClockState::NotStarted) | (Mark::Resume, ClockState::Paused) => self.run_from(at),
            (Mark::Reopen, ClockState::Stopped) => {
                self.stopped_at = None;
                self.run_from(at);
            }
            (Mark::Pause, ClockState::Running) => {
                self.state = ClockState::Paused;
                self.running_since = None;
            }
            (Mark::Stop, ClockState::Running | ClockState::Paused) => {
                self.state = ClockState::Stopped;
                self.running_since = None;
                self.stopped_at = Some(at);
                if self.met_at.is_none() && self.elapsed(self.policy.basis) <= budget(&self.policy) {
                    self.met_at = Some(at);
                }
            }
            (Mark::Rebudget(policy), state) => {
                self.policy = *policy;
                let counting = matches!(state, ClockState::Running | ClockState::Paused);
                if counting && self.breached_at.is_none() && self.elapsed(policy.basis) >= budget(policy) {
                    self.breached_at = Some(at);
                }
            }
            _ => {}
        }
    }

    fn run_from(&mut self, at: DateTime<Utc>) {
        self.state = ClockState::Running;
        self.running_since = Some(at);
    }

    fn reading(&self, now: DateTime<Utc>) -> Reading {
        let basis = self.policy.basis;
        let elapsed = self.elapsed(basis);
        let elapsed_secs = elapsed.num_seconds();
        let budget_secs = self.policy.budget_secs();
        let within = elapsed_secs <= budget_secs;
        let warning = if self.state == ClockState::Stopped && within {
            None
        } else {
            WARNINGS.into_iter().find(|&percent| i128::from(elapsed_secs) * 100 >= i128::from(budget_secs) * i128::from(percent))
        };
        let due_at = (self.state == ClockState::Running).then(|| {
            let left = budget(&self.policy) - elapsed;
            match self.breached_at {
                Some(breached) if left <= TimeDelta::zero() => breached,
                _ => self.add(basis, now, left),
            }
        });
        Reading {
            policy: self.policy,
            state: self.state,
            elapsed_secs,
            budget_secs,
            remaining_secs: budget_secs.saturating_sub(elapsed_secs),
            warning,
            due_at,
            met_at: self.met_at,
            breached_at: self.breached_at,
            stopped_at: self.stopped_at,
            overdue: self.breached_at.is_some() && self.state != ClockState::Stopped,
        }
    }
}

/// The budget as a span, kept within 0 ..= a century: the fields are public,
/// and the arithmetic on it must not overflow whatever they hold.
fn budget(policy: &Policy) -> TimeDelta {
    const CENTURY_SECS: i64 = 100 * 366 * 24 * 3600;
    TimeDelta::seconds(policy.budget_secs().clamp(0, CENTURY_SECS))
}
