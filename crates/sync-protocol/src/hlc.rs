//! A hybrid logical clock (Kulkarni et al., 2014): wall-clock milliseconds, a
//! counter, and the node that made it. Timestamps are totally ordered; an event
//! that happened after another one was *seen* always gets a greater timestamp,
//! whatever the wall clocks say. That is the property the per-field merge of
//! customers and vehicles relies on (see `docs/sync.md`, "Clock skew").
//!
//! On the wire an `Hlc` is a fixed-width string, `PPPPPPPPPPPPPPP-CCCCCCCCCC-node`
//! (15 decimal digits of milliseconds, 10 of counter), so comparing the strings
//! (in SQL, in JSON, in a sort) gives the same order as comparing the values.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const PHYSICAL_WIDTH: usize = 15;
const COUNTER_WIDTH: usize = 10;
const MAX_NODE_LEN: usize = 64;
const MAX_PHYSICAL: u64 = 999_999_999_999_999;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hlc {
    physical_ms: u64,
    counter: u32,
    node: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcError {
    #[error("an HLC node id is 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'")]
    BadNode,
    #[error("an HLC looks like 000001712345678-0000000000-node")]
    BadFormat,
    #[error("the HLC counter overflowed")]
    CounterOverflow,
}

fn valid_node(node: &str) -> bool {
    !node.is_empty() && node.len() <= MAX_NODE_LEN && node.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Hlc {
    /// A clock for `node` (a station's id or code) that has seen nothing yet.
    pub fn new(node: impl Into<String>) -> Result<Self, HlcError> {
        Self::from_parts(0, 0, node)
    }

    pub fn from_parts(physical_ms: u64, counter: u32, node: impl Into<String>) -> Result<Self, HlcError> {
        let node = node.into();
        if !valid_node(&node) {
            return Err(HlcError::BadNode);
        }
        if physical_ms > MAX_PHYSICAL {
            return Err(HlcError::BadFormat);
        }
        Ok(Self { physical_ms, counter, node })
    }

    pub fn physical_ms(&self) -> u64 {
        self.physical_ms
    }
    pub fn counter(&self) -> u32 {
        self.counter
    }
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Stamps a local event at wall-clock time `now_ms`: the result is greater
    /// than every timestamp this clock has issued or received.
    pub fn tick(&mut self, now_ms: u64) -> Result<Hlc, HlcError> {
        let now_ms = now_ms.min(MAX_PHYSICAL);
        if now_ms > self.physical_ms {
            self.physical_ms = now_ms;
            self.counter = 0;
        } else {
            self.counter = self.counter.checked_add(1).ok_or(HlcError::CounterOverflow)?;
        }
        Ok(self.clone())
    }

    /// Takes in a timestamp seen from elsewhere (a pulled record's field), so
    /// that every later `tick` is greater than it. Returns the new local time.
    pub fn receive(&mut self, remote: &Hlc, now_ms: u64) -> Result<Hlc, HlcError> {
        let now_ms = now_ms.min(MAX_PHYSICAL);
        let physical = self.physical_ms.max(remote.physical_ms).max(now_ms);
        let counter = if physical == self.physical_ms && physical == remote.physical_ms {
            self.counter.max(remote.counter).checked_add(1)
        } else if physical == self.physical_ms {
            self.counter.checked_add(1)
        } else if physical == remote.physical_ms {
            remote.counter.checked_add(1)
        } else {
            Some(0)
        };
        self.counter = counter.ok_or(HlcError::CounterOverflow)?;
        self.physical_ms = physical;
        Ok(self.clone())
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.physical_ms, self.counter, self.node.as_str()).cmp(&(other.physical_ms, other.counter, other.node.as_str()))
    }
}
impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0pw$}-{:0cw$}-{}", self.physical_ms, self.counter, self.node, pw = PHYSICAL_WIDTH, cw = COUNTER_WIDTH)
    }
}

impl FromStr for Hlc {
    type Err = HlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, '-');
        let (p, c, node) = match (parts.next(), parts.next(), parts.next()) {
            (Some(p), Some(c), Some(n)) => (p, c, n),
            _ => return Err(HlcError::BadFormat),
        };
        let digits = |x: &str, w: usize| x.len() == w && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(p, PHYSICAL_WIDTH) || !digits(c, COUNTER_WIDTH) {
            return Err(HlcError::BadFormat);
        }
        let physical = p.parse().map_err(|_| HlcError::BadFormat)?;
        let counter = c.parse().map_err(|_| HlcError::BadFormat)?;
        Hlc::from_parts(physical, counter, node)
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const DAY_MS: u64 = 24 * 3600 * 1000;
    const T0: u64 = 1_760_000_000_000; // October 2025

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_stands_still_or_goes_back() {
        let mut c = Hlc::new("A").unwrap();
        let a = c.tick(T0).unwrap();
        let b = c.tick(T0).unwrap();
        let d = c.tick(T0 - 5_000).unwrap();
        let e = c.tick(T0 + 1).unwrap();
        assert!(a < b && b < d && d < e, "{a} < {b} < {d} < {e} should hold");
        assert_eq!(e.counter(), 0, "a wall clock that moved on resets the counter");
    }

    #[test]
    fn the_string_form_sorts_like_the_values() {
        let mut stamps = [
            Hlc::from_parts(T0, 2, "B").unwrap(),
            Hlc::from_parts(T0, 10, "A").unwrap(),
            Hlc::from_parts(T0 + DAY_MS, 0, "A").unwrap(),
            Hlc::from_parts(9, 0, "Z").unwrap(),
            Hlc::from_parts(T0, 2, "A").unwrap(),
        ];
        let mut strings: Vec<String> = stamps.iter().map(|h| h.to_string()).collect();
        stamps.sort();
        strings.sort();
        assert_eq!(strings, stamps.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn it_round_trips_through_json_as_a_fixed_width_string() {
        let h = Hlc::from_parts(T0, 7, "0190f-st_1").unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, "\"001760000000000-0000000007-0190f-st_1\"");
        assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), h);
        for bad in ["", "1-2-A", "001760000000000-0000000007-", "001760000000000-000000000x-A", "001760000000000-0000000007-a b"] {
            assert!(bad.parse::<Hlc>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn an_edit_made_after_receiving_a_value_from_a_clock_24h_ahead_is_greater_than_it() {
        let mut ahead = Hlc::new("AHEAD").unwrap();
        let mut right = Hlc::new("RIGHT").unwrap();
        let from_the_future = ahead.tick(T0 + DAY_MS).unwrap();
        // The correct station edits a minute later in real time, without having seen it: it loses (concurrent edits
        // are ordered by the stamps, and the fast clock's stamp is larger).
        let concurrent = right.tick(T0 + 60_000).unwrap();
        assert!(concurrent < from_the_future);
        // Once it has pulled the value, anything it does is later, even though its wall clock is a day behind.
        right.receive(&from_the_future, T0 + 120_000).unwrap();
        let after_seeing_it = right.tick(T0 + 121_000).unwrap();
        assert!(after_seeing_it > from_the_future, "{after_seeing_it} should beat {from_the_future}");
        assert_eq!(after_seeing_it.physical_ms(), T0 + DAY_MS, "the logical part carries the order, not the wall clock");
    }

    #[test]
    fn receive_keeps_the_clock_monotonic_in_every_case() {
        let mut c = Hlc::from_parts(T0, 5, "A").unwrap();
        let before = c.clone();
        let r = c.receive(&Hlc::from_parts(T0, 9, "B").unwrap(), T0 - 1).unwrap();
        assert_eq!((r.physical_ms(), r.counter()), (T0, 10));
        assert!(r > before);
        let r2 = c.receive(&Hlc::from_parts(T0 - 100, 50, "B").unwrap(), T0 - 1).unwrap();
        assert_eq!((r2.physical_ms(), r2.counter()), (T0, 11), "an older remote only bumps the counter");
        let r3 = c.receive(&Hlc::from_parts(T0, 0, "B").unwrap(), T0 + 10).unwrap();
        assert_eq!((r3.physical_ms(), r3.counter()), (T0 + 10, 0), "a wall clock ahead of both resets the counter");
    }

    #[test]
    fn equal_times_are_ordered_by_node_so_the_order_is_total() {
        let a = Hlc::from_parts(T0, 1, "A").unwrap();
        let b = Hlc::from_parts(T0, 1, "B").unwrap();
        assert!(a < b);
        assert_ne!(a.cmp(&b), Ordering::Equal);
    }
}
