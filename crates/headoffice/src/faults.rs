//! Fault injection for tests of the failure cases (a station's sync client
//! included): no configuration turns these on; only code holding the
//! `Application` can.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Faults {
    lose_push_acks: AtomicU32,
    newest_protocol: Mutex<Option<u32>>,
}

impl Faults {
    /// The next `n` pushes commit, then the connection is cut before the
    /// acknowledgement reaches the station: the "lost ack" case.
    pub fn lose_next_push_acks(&self, n: u32) {
        self.lose_push_acks.store(n, Ordering::SeqCst);
    }

    pub(crate) fn take_lost_ack(&self) -> bool {
        self.lose_push_acks.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }

    /// Answers as a head office whose newest protocol is `n` (an earlier
    /// release's): a station speaking a newer one is refused as it would be.
    pub fn speak_protocols_up_to(&self, n: u32) {
        *self.newest_protocol.lock().unwrap_or_else(|e| e.into_inner()) = Some(n);
    }

    /// The newest protocol version this head office accepts.
    pub(crate) fn newest_protocol(&self) -> u32 {
        self.newest_protocol.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(sync_protocol::PROTOCOL_VERSION)
    }
}
