//! The head office's clock, given to the code that reads the time: the KPI
//! upkeep decides whether a running deadline is already late by it. Tests set
//! it; in service it is the system clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.lock().ok().and_then(|f| *f).unwrap_or_else(Utc::now)
    }

    /// From now on the clock reads `at` (until set again).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut f) = self.fixed.lock() {
            *f = Some(at);
        }
    }
}
