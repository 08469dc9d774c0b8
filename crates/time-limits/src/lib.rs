//! The after-sales time-limit (SLA) engine: how much of an item's time budget
//! has gone, and whether it was met or breached.
//!
//! An item (a complaint, a follow-up call, a repair order) has one or more
//! clocks. Each clock is read from the item's own event log ([`ClockEvent`]s
//! carrying [`Mark`]s) at a given `now`, against a [`Policy`]: a budget in
//! minutes, counted on the wall clock or in the station's working hours
//! ([`Calendar`]). The rules, in short:
//!
//! - Events are sorted by `(at, key)` first, so the same events in any order
//!   give the same [`Reading`]; events after `now` are ignored.
//! - Only time while the clock runs counts: `Pause`…`Resume` and
//!   `Stop`…`Reopen` are left out; a mark that does not apply in the clock's
//!   state (a second `Pause`, a `Start` once started) changes nothing.
//! - `Rebudget` swaps the policy from its instant on; the elapsed time carries
//!   over as the same running intervals, measured in the new basis.
//! - A breach is the first instant elapsed reached the budget in force then,
//!   and it is never taken back.
//!
//! It knows nothing of SQL, Tauri or HTTP: the station stores the events and
//! the calendar, and asks this crate what they mean.

mod calendar;
mod clock;
mod invalid;
mod policy;
mod working_time;

pub use calendar::{Calendar, DayEntry, DayKind, Span};
pub use clock::{read, ClockEvent, ClockState, Mark, Reading};
pub use invalid::Invalid;
pub use policy::{Basis, Policy};
