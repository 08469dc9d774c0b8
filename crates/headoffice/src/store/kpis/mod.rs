//! KPI sums at the head office (docs/kpis-headoffice.md). The definitions are
//! the `kpi` crate's, the same the station counts with; here they are kept
//! summed per station, day and month in PostgreSQL, updated in the push
//! transaction (`upkeep`), and read back with the figures (`query`).

pub mod inputs;
pub mod query;
pub mod upkeep;

pub use kpi::{Dim, Tally};
pub use query::{combine, kpi_for, kpi_orders, DrillRow, Group, KpiError, KpiRow};
pub use upkeep::{after_batch, rebuild_station, sweep_overdue};
