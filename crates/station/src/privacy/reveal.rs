//! Showing a whole phone number: an operation of its own, with a reason from a
//! short list, logged in the access register. `reveal_contact` shows a
//! customer's numbers and e-mail to a manager or the advisor whose customer it is
//! (`contact::may_reveal`); `reveal_written_contact` shows the number written on
//! a complaint or a service request, often from someone with no customer record,
//! to whoever owns that item or a manager (`contact::may_reveal_written`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::access_register::{self, AccessKind, Subject};
use super::contact::{may_reveal, may_reveal_written};
use crate::auth::{Caller, Permission};
use crate::domain::Phone;
use crate::error::{ApiError, Result};
use crate::station::Station;
use crate::store::db;

/// Why a staff member needs the whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RevealReason {
    /// To call the customer (the car is ready, a question about the work, the follow-up call).
    CallCustomer,
    /// To check or correct the number on record.
    CorrectRecord,
    /// Handling the customer's complaint.
    ComplaintHandling,
    /// The customer asked what the station holds on them.
    CustomerRequest,
}

impl RevealReason {
    pub const ALL: [RevealReason; 4] =
        [RevealReason::CallCustomer, RevealReason::CorrectRecord, RevealReason::ComplaintHandling, RevealReason::CustomerRequest];

    pub fn as_str(self) -> &'static str {
        match self {
            RevealReason::CallCustomer => "call_customer",
            RevealReason::CorrectRecord => "correct_record",
            RevealReason::ComplaintHandling => "complaint_handling",
            RevealReason::CustomerRequest => "customer_request",
        }
    }

    pub fn parse(s: &str) -> Option<RevealReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RevealContact {
    pub customer_id: String,
    pub reason: RevealReason,
    /// The order page it was shown on, if any: the register names it.
    #[serde(default)]
    #[ts(optional)]
    pub ro_id: Option<String>,
}

/// The customer's whole contact details, for the one screen that asked.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RevealedContact {
    pub customer_id: String,
    pub phones: Vec<Phone>,
    pub email: Option<String>,
}

pub async fn reveal_contact(station: &Station, caller: &Caller, input: RevealContact) -> Result<RevealedContact> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)").bind(&input.customer_id).fetch_one(&mut *tx).await?;
    if !exists {
        return Err(ApiError::not_found("customer"));
    }
    if !may_reveal(&mut tx, me, &input.customer_id).await? {
        return Err(ApiError::forbidden(
            "contact.not_yours",
            format!("a {} may show a customer's whole number only for their own customers", me.role.as_str().replace('_', " ")),
        ));
    }
    let ro_id = input.ro_id.as_deref().filter(|r| !r.is_empty());
    if let Some(ro) = ro_id {
        let theirs: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM repair_orders WHERE id = ? AND customer_id = ?)")
            .bind(ro)
            .bind(&input.customer_id)
            .fetch_one(&mut *tx)
            .await?;
        if !theirs {
            return Err(ApiError::invalid("contact.wrong_order", "that order is not this customer's").with_field("ro_id"));
        }
    }
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position").bind(&input.customer_id).fetch_all(&mut *tx).await?;
    let phones = stored.iter().filter_map(|p| Phone::parse(p).ok()).collect();
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM customers WHERE id = ?").bind(&input.customer_id).fetch_one(&mut *tx).await?;
    let subject = Subject { kind: AccessKind::Contact, subject_id: &input.customer_id, customer_id: Some(&input.customer_id), ro_id };
    access_register::append(&mut tx, me, subject, Some(input.reason), now).await?;
    tx.commit().await?;
    Ok(RevealedContact { customer_id: input.customer_id, phones, email })
}

/// Where a contact number was written down as given, rather than kept on a customer record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WrittenOn {
    ServiceRequest,
    Complaint,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct RevealWrittenContact {
    pub on: WrittenOn,
    /// The service request's or the complaint's id.
    pub id: String,
    pub reason: RevealReason,
}

/// The number as it was written on the item, for the one screen that asked.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RevealedWrittenContact {
    pub id: String,
    pub contact_phone: String,
}

pub async fn reveal_written_contact(station: &Station, caller: &Caller, input: RevealWrittenContact) -> Result<RevealedWrittenContact> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let row: Option<(String, Option<String>, String)> = match input.on {
        WrittenOn::ServiceRequest => {
            sqlx::query_as("SELECT owner_id, customer_id, contact_phone FROM service_requests WHERE id = ?").bind(&input.id).fetch_optional(&mut *tx).await?
        }
        WrittenOn::Complaint => {
            sqlx::query_as("SELECT owner_id, customer_id, contact_phone FROM complaints WHERE id = ?").bind(&input.id).fetch_optional(&mut *tx).await?
        }
    };
    let what = match input.on {
        WrittenOn::ServiceRequest => "service request",
        WrittenOn::Complaint => "complaint",
    };
    let (owner_id, customer_id, written) = row.ok_or_else(|| ApiError::not_found(what).with_field("id"))?;
    if written.trim().is_empty() {
        return Err(ApiError::invalid("contact.none_written", format!("no contact number is written on this {what}")).with_field("id"));
    }
    if !may_reveal_written(me, &owner_id, &written) {
        return Err(ApiError::forbidden("contact.not_yours", format!("only the {what}'s owner or a manager may show the whole number written on it")));
    }
    let subject = Subject { kind: AccessKind::Contact, subject_id: &input.id, customer_id: customer_id.as_deref(), ro_id: None };
    access_register::append(&mut tx, me, subject, Some(input.reason), now).await?;
    tx.commit().await?;
    Ok(RevealedWrittenContact { id: input.id, contact_phone: written.trim().to_string() })
}
