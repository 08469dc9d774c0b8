//! What of a customer's contact details a caller sees. Phone numbers and the
//! e-mail address are masked on every screen and internal document (lists,
//! search, the board, the customer's page, the order page); a technician sees
//! none of them, only the vehicle and the concern. The whole number is shown
//! only through `reveal_contact` (`reveal.rs`).
//!
//! A VIN is not masked: it identifies a vehicle, not a person, and the
//! workshop needs it whole to order parts and check recalls. The customer's
//! name stays visible to everyone: the desk and the workshop greet the
//! customer by it, and it is not a way to reach them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Role, StaffRef};
use crate::customers::Customer;
use crate::domain::{MaskedPhone, Phone};
use crate::error::Result;

/// How much of a customer's contact details a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Phones and e-mail masked; company and notes shown (advisors, QC, managers).
    Masked,
    /// No phones, e-mail, company or notes (technicians).
    Hidden,
}

impl Sight {
    pub fn of(role: Role) -> Sight {
        match role {
            Role::Technician => Sight::Hidden,
            Role::Advisor | Role::QcInspector | Role::Manager => Sight::Masked,
        }
    }
}

/// What the caller may do with a customer's contact details.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct CustomerActions {
    /// Show the whole phone numbers and e-mail (`reveal_contact`): a manager, or
    /// an advisor whose customer this is (see `may_reveal`).
    pub reveal_contact: bool,
}

/// A customer as a staff member sees it: the record with its phone numbers
/// and e-mail masked (or, for a technician, left out).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CustomerView {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    /// Masked, `138****5678`; empty when `contact_hidden`.
    pub phones: Vec<MaskedPhone>,
    /// Masked, `w***@example.com`.
    pub email: Option<String>,
    pub company: Option<String>,
    pub language: String,
    pub consent_marketing: bool,
    pub consent_data: bool,
    #[ts(type = "string | null")]
    pub consent_data_at: Option<DateTime<Utc>>,
    #[ts(type = "string | null")]
    pub consent_marketing_at: Option<DateTime<Utc>>,
    /// The version of the consent text each consent was given to (`consent.rs`).
    pub consent_data_version: Option<String>,
    pub consent_marketing_version: Option<String>,
    pub consent_follow_up: bool,
    pub notes: String,
    pub merged_into: Option<String>,
    #[ts(type = "string | null")]
    pub merged_at: Option<DateTime<Utc>>,
    /// Anonymised past retention: `name` is a placeholder, which screens word
    /// in the reader's language; nothing is left to show or change.
    pub destroyed: bool,
    #[ts(type = "string | null")]
    pub destroyed_at: Option<DateTime<Utc>>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
    /// The caller's role sees no contact details (a technician): the page says
    /// so instead of showing empty fields.
    pub contact_hidden: bool,
    pub may: CustomerActions,
}

impl CustomerView {
    /// The record as `sight` shows it. Every field of `Customer` is named here,
    /// so a field added to the record cannot reach a screen unmasked unseen.
    pub fn of(customer: Customer, sight: Sight, may: CustomerActions) -> CustomerView {
        let Customer {
            id,
            customer_no,
            name,
            phones,
            email,
            company,
            language,
            consent_marketing,
            consent_data,
            consent_data_at,
            consent_marketing_at,
            consent_data_version,
            consent_marketing_version,
            consent_follow_up,
            notes,
            merged_into,
            merged_at,
            destroyed_at,
            created_at,
            updated_at,
        } = customer;
        let hidden = sight == Sight::Hidden;
        // Nothing to show (no number, no e-mail: never given, or destroyed) is no action to offer.
        let nothing_to_show = phones.is_empty() && email.is_none();
        CustomerView {
            id,
            customer_no,
            name,
            phones: if hidden { Vec::new() } else { mask_phones(&phones) },
            email: if hidden { None } else { email.as_deref().map(mask_email) },
            company: if hidden { None } else { company },
            language,
            consent_marketing,
            consent_data,
            consent_data_at,
            consent_marketing_at,
            consent_data_version,
            consent_marketing_version,
            consent_follow_up,
            notes: if hidden { String::new() } else { notes },
            merged_into,
            merged_at,
            destroyed: destroyed_at.is_some(),
            destroyed_at,
            created_at,
            updated_at,
            contact_hidden: hidden,
            may: if hidden || nothing_to_show { CustomerActions::default() } else { may },
        }
    }
}

/// Stored numbers, masked. They were normalised when saved; one that no
/// longer reads as a phone (an import, an old pull) is hidden whole.
pub fn mask_phones(phones: &[String]) -> Vec<MaskedPhone> {
    phones.iter().filter_map(|p| Phone::parse(p).map(|p| p.masked()).ok().or_else(|| MaskedPhone::of_text(p))).collect()
}

/// `wang.fang@example.com` → `w***@example.com`: enough to tell two addresses
/// apart on the phone, not enough to write to.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_string(),
    }
}

/// Whether `me` may show `customer_id`'s whole contact details. Managers may.
/// An advisor may for their own customers: the advisor of one of the
/// customer's orders not yet closed or cancelled (open, or delivered and
/// waiting for its follow-up call), or the owner of one of the customer's
/// follow-up calls, complaints or service requests still open. Technicians
/// and QC inspectors never need the number.
pub async fn may_reveal(conn: &mut SqliteConnection, me: &StaffRef, customer_id: &str) -> Result<bool> {
    Ok(match me.role {
        Role::Manager => true,
        Role::Technician | Role::QcInspector => false,
        Role::Advisor => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM repair_orders WHERE customer_id = ?1 AND advisor_id = ?2 AND status NOT IN ('closed', 'cancelled'))
                 OR EXISTS (SELECT 1 FROM follow_ups WHERE customer_id = ?1 AND owner_id = ?2 AND ended_at IS NULL)
                 OR EXISTS (SELECT 1 FROM complaints WHERE customer_id = ?1 AND owner_id = ?2 AND status <> 'closed')
                 OR EXISTS (SELECT 1 FROM service_requests WHERE customer_id = ?1 AND owner_id = ?2 AND status <> 'closed')",
            )
            .bind(customer_id)
            .bind(&me.id)
            .fetch_one(&mut *conn)
            .await?
        }
    })
}

/// Whether `me` may see the whole number written on a complaint or a service
/// request (someone who may have no customer record): whoever owns the item,
/// since they are the one to call back, or a manager.
pub fn may_reveal_written(me: &StaffRef, owner_id: &str, written: &str) -> bool {
    !written.trim().is_empty() && (me.role == Role::Manager || me.id == owner_id)
}

/// Whether `me` sees (masked) the number on a follow-up call, a complaint or a
/// service request owned by `owner_id`. A technician sees the vehicle and the
/// concern, not how to reach the customer: not on these pages either, unless
/// the item is their own (they received it, so they are the one to call back).
pub fn sees_item_contact(me: &StaffRef, owner_id: &str) -> bool {
    Sight::of(me.role) == Sight::Masked || me.id == owner_id
}

/// The customer as `me` sees them, with what `me` may do.
pub async fn view_for(conn: &mut SqliteConnection, customer: Customer, me: &StaffRef) -> Result<CustomerView> {
    let may = CustomerActions { reveal_contact: may_reveal(conn, me, &customer.id).await? };
    Ok(CustomerView::of(customer, Sight::of(me.role), may))
}

/// An order's customer as it travels in the order's synced record: masked,
/// with no actions. The customer's own record carries the numbers.
pub fn on_record(customer: Customer) -> CustomerView {
    CustomerView::of(customer, Sight::Masked, CustomerActions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_keeps_its_first_letter_and_its_domain() {
        assert_eq!(mask_email("wang.fang@example.com"), "w***@example.com");
        assert_eq!(mask_email("nonsense"), "***");
    }

    #[test]
    fn only_technicians_see_no_contact_details() {
        assert_eq!(Sight::of(Role::Technician), Sight::Hidden);
        for role in [Role::Advisor, Role::QcInspector, Role::Manager] {
            assert_eq!(Sight::of(role), Sight::Masked);
        }
    }
}
