//! KPI sums at the head office (docs/kpis-headoffice.md). The definitions are
//! the `kpi` crate's, the same the station counts with; here they are kept
//! summed per station, day and month in PostgreSQL: the push queues what it
//! touched, a background drain or the next read counts it (`upkeep`), and the
//! sums are read back with the figures (`query`).

pub mod inputs;
pub mod query;
pub mod upkeep;

pub use kpi::{Dim, Tally};
pub use query::{combine, kpi_for, kpi_orders, DrillRow, Group, KpiError, KpiRow};
pub use upkeep::{drain, drain_all, queue_batch, rebuild_station, sweep_overdue};
