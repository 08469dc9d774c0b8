//! The head office's clock, handed to whatever decides by the time (sessions,
//! the login throttle, the station overview's "silent for a day"). It is the
//! system clock; tests move it forward through `Application::clock` instead of
//! waiting, as no configuration can.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    skew_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.skew_ms.load(Ordering::SeqCst))
    }

    /// Moves this clock (and every copy of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.skew_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}
