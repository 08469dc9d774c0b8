//! After-sales, the second half of the manuals' loop (接单 → 诊断 → 维修 → 验收 →
//! **反馈**): follow-up calls with their survey (`follow_ups`), the complaint
//! ledger (`complaints`, its list `ledger`, `categories`), service requests before a visit
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
pub mod ledger;
pub mod policies;
pub mod print;
pub mod service_requests;

use sqlx::SqliteConnection;

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

/// The most pages a list goes to: a million pages of 50 is more than any station holds.
pub const MAX_PAGE: i64 = 1_000_000;

/// Page `page` (from 0; a negative one is the first) and its OFFSET in rows of `size`.
/// A page past the last is empty; one past [`MAX_PAGE`] is a field error, where
/// `page × size` once overflowed (a panic).
pub(crate) fn page_offset(page: i64, size: i64) -> Result<(i64, i64)> {
    let page = page.max(0);
    if page > MAX_PAGE {
        return Err(ApiError::field("page", Invalid::new("page.range", format!("at most page {MAX_PAGE}")).with("max", MAX_PAGE)));
    }
    Ok((page, page * size))
}

/// Who an item (a complaint, a service request) is about: the linked customer
/// and vehicle, each checked to exist, and the contact's name, the customer's
/// when none is written. `nobody` is the error when there is neither.
pub(crate) struct Who {
    pub customer_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub contact_name: String,
}

pub(crate) async fn who(
    conn: &mut SqliteConnection,
    customer_id: Option<String>,
    vehicle_id: Option<String>,
    contact_name: String,
    nobody: Invalid,
) -> Result<Who> {
    let customer_id = customer_id.filter(|s| !s.is_empty());
    let vehicle_id = vehicle_id.filter(|s| !s.is_empty());
    let mut contact_name = contact_name;
    if let Some(c) = &customer_id {
        let (name, merged_into): (String, Option<String>) = sqlx::query_as("SELECT name, merged_into FROM customers WHERE id = ?")
            .bind(c)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| ApiError::not_found("customer").with_field("customer_id"))?;
        // A merged customer is a tombstone: new items go to the survivor.
        if let Some(survivor) = merged_into {
            return Err(ApiError::conflict("customer.merged", "this customer was merged into another; use that one")
                .with_field("customer_id")
                .with("customer_id", survivor));
        }
        crate::retention::refuse_destroyed_customer(conn, c).await.map_err(|e| e.with_field("customer_id"))?;
        if contact_name.is_empty() {
            contact_name = name;
        }
    }
    if let Some(v) = &vehicle_id {
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM vehicles WHERE id = ?)").bind(v).fetch_one(&mut *conn).await?;
        if !known {
            return Err(ApiError::not_found("vehicle").with_field("vehicle_id"));
        }
    }
    if contact_name.is_empty() {
        return Err(ApiError::field("contact_name", nobody));
    }
    Ok(Who { customer_id, vehicle_id, contact_name })
}
