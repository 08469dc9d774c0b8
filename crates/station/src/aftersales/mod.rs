//! After-sales, the second half of the manuals' loop (接单 → 诊断 → 维修 → 验收 →
//! **反馈**): follow-up calls with their survey (`follow_ups`), the complaint
//! ledger (`complaints`, `categories`), service requests before a visit
//! (`service_requests`), and the time limits every item with a deadline counts
//! down (`policies` sets them, `clocks` reads them with the `time-limits`
//! engine). docs/aftersales.md explains the rules.
//!
//! Every record an operation returns carries `actions`: what the caller may do
//! to it now. The UI offers those and holds no role or state rules of its own.

pub mod categories;
pub mod clocks;
pub mod complaints;
pub mod follow_ups;
pub mod policies;
pub mod print;
pub mod service_requests;

use crate::error::{ApiError, Invalid, Result};

/// Free text people type (notes, the customer's words): long enough for a
/// page of notes, short enough that a pasted file is refused, not stored.
pub const MAX_TEXT: usize = 4000;

/// `text` trimmed, refused when empty (if `required`) or longer than [`MAX_TEXT`], naming `field`.
pub(crate) fn text(field: &str, text: &str, required: bool) -> Result<String> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(ApiError::field(field, Invalid::new("text.required", "this cannot be empty")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(ApiError::field(field, Invalid::new("text.too_long", format!("at most {MAX_TEXT} characters")).with("max", MAX_TEXT)));
    }
    Ok(t.to_string())
}
