//! After-sales through the operation list: follow-up calls and their survey
//! (`follow_ups.rs`), the complaint ledger (`complaints.rs`), service requests
//! (`service_requests.rs`), time-limit
//! policies and the working calendar (`time_limits.rs`), and the outbox rows
//! every after-sales write queues (`outbox.rs`). The clock is the test's: it
//! moves by `advance`, never by sleeping.
#![allow(clippy::unwrap_used)]

mod common;

#[path = "aftersales/complaints.rs"]
mod complaints;
#[path = "aftersales/follow_ups.rs"]
mod follow_ups;
#[path = "aftersales/outbox.rs"]
mod outbox;
#[path = "aftersales/service_requests.rs"]
mod service_requests;
#[path = "aftersales/time_limits.rs"]
mod time_limits;
