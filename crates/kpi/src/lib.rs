//! The KPI definitions, once, for the station and the head office alike
//! (docs/kpis.md). Records go in (records.rs), each adds whole numbers to a
//! day's tally for the station, its advisor and its technicians (tally.rs),
//! and the figures are read from summed tallies (figures.rs). The station sums
//! in memory from SQLite; the head office keeps the same sums in PostgreSQL.

pub mod figures;
pub mod periods;
pub mod records;
pub mod tally;

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use figures::{figures, Better, Context, Figure, Unit};
pub use records::{ClockEntry, ComplaintRecord, DeadlineRecord, FollowUpRecord, JobRecord, LineRecord, OrderRecord};
pub use tally::{complaint_contributions, deadline_contributions, order_contributions, Contribution, Dim, Rules, Tally};

/// Tallies by day and dimension: what the station builds in memory and the
/// head office keeps in its summary tables.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub days: BTreeMap<(NaiveDate, Dim), Tally>,
}

impl Book {
    pub fn add(&mut self, contributions: Vec<Contribution>) {
        for (day, dim, t) in contributions {
            self.days.entry((day, dim)).or_insert_with(Tally::zero).add(&t);
        }
    }

    /// Takes a record's earlier contributions away (before adding its new
    /// ones when it changed); a day left with nothing is dropped, so `people`
    /// no longer lists someone whose only order moved to another day.
    pub fn subtract(&mut self, contributions: Vec<Contribution>) {
        for (day, dim, t) in contributions {
            let key = (day, dim);
            let left = self.days.entry(key.clone()).or_insert_with(Tally::zero);
            left.subtract(&t);
            if left.is_zero() {
                self.days.remove(&key);
            }
        }
    }

    /// The sum for `dim` over the days `from..=to`.
    pub fn sum(&self, dim: &Dim, from: NaiveDate, to: NaiveDate) -> Tally {
        let mut total = Tally::zero();
        for ((day, d), t) in &self.days {
            if d == dim && *day >= from && *day <= to {
                total.add(t);
            }
        }
        total
    }

    /// The advisors and technicians with anything counted in `from..=to`.
    pub fn people(&self, from: NaiveDate, to: NaiveDate) -> Vec<Dim> {
        let mut out: Vec<Dim> = self.days.keys().filter(|(day, d)| *day >= from && *day <= to && *d != Dim::Station).map(|(_, d)| d.clone()).collect();
        out.sort();
        out.dedup();
        out
    }
}
