//! Personal data on screen (issue 12, "Masking and access"; docs/privacy.md).
//!
//! - `contact.rs` decides what of a customer's contact details each role sees:
//!   masked phone numbers and e-mail for the desk, nothing for a technician;
//!   records carry the masked values and whether the caller may show the
//!   whole of them (`may.reveal_contact`).
//! - `reveal.rs` is the one way to the whole number: `reveal_contact`, for a
//!   manager or the advisor whose customer it is, with a reason, logged.
//! - `access_register.rs` is the append-only register of who opened which
//!   customer, order or archived document, when, and why where a reason was
//!   asked; it syncs to the head office as `access_entry`.

pub mod access_register;
pub mod contact;
pub mod reveal;
