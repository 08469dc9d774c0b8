//! The head office's clock, handed to whatever decides by the time: sessions,
//! the login throttle, the station overview's "silent for a day", and the KPI
//! upkeep deciding whether a running deadline is already late. In service it is
//! the system clock; tests set it or move it forward through
//! `Application::clock` instead of waiting, as no configuration can.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    skew_ms: Arc<AtomicI64>,
    fixed: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        let base = self.fixed.lock().ok().and_then(|f| *f).unwrap_or_else(Utc::now);
        base + Duration::milliseconds(self.skew_ms.load(Ordering::SeqCst))
    }

    /// Moves this clock (and every copy of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.skew_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// From now on the clock reads `at` (until set again).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut f) = self.fixed.lock() {
            *f = Some(at);
        }
        self.skew_ms.store(0, Ordering::SeqCst);
    }
}
