//! Consent (PIPL arts. 13–16): the texts a customer agrees to, kept here in
//! every version with their zh-CN, zh-TW and en wording; the append-only
//! history of each giving and withdrawing; and which contact each consent
//! allows, decided here once so every caller (and the UI) reads the same rule.
//!
//! Three consents, each separate and each given actively (the form's boxes
//! start unticked, except follow-up calls, which are part of the service and
//! only recorded when refused):
//! - `data`: keeping the archive after the service, for later services,
//!   warranty and recalls and for the network's other stations. Not required
//!   to save a customer: the record a service needs is kept as performing the
//!   contract the customer asked for (PIPL art. 13(2)).
//! - `marketing`: offers, maintenance reminders, events. Only with it.
//! - `follow_up`: the satisfaction call after a service (回访).
//!
//! Contact that the service or the law needs (completion notice, complaint
//! callback, answering the customer's own request, a safety recall) does not
//! depend on marketing consent; it is marked `service_necessary`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::customers::Customer;
use crate::error::{ApiError, Result};
use crate::station::{new_id, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    Data,
    Marketing,
    FollowUp,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 3] = [ConsentKind::Data, ConsentKind::Marketing, ConsentKind::FollowUp];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::Data => "data",
            ConsentKind::Marketing => "marketing",
            ConsentKind::FollowUp => "follow_up",
        }
    }
}

/// One version of a consent text, in the three languages a customer may read it in.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConsentText {
    pub kind: ConsentKind,
    /// Recorded with the consent: which words the customer agreed to.
    pub version: &'static str,
    pub zh_cn: &'static str,
    pub zh_tw: &'static str,
    pub en: &'static str,
}

impl ConsentText {
    /// The wording in a customer's language (`zh-CN`, `zh-TW`, `en`).
    pub fn wording(&self, language: &str) -> &'static str {
        match language {
            "zh-TW" => self.zh_tw,
            "en" => self.en,
            _ => self.zh_cn,
        }
    }
}

/// Every version ever shown, oldest first per kind; the last of a kind is current.
/// A new wording is a new entry, never an edit: recorded versions must keep their words.
pub const TEXTS: &[ConsentText] = &[
    ConsentText {
        kind: ConsentKind::Data,
        version: "data.1",
        zh_cn: "同意服务站保存其个人信息，用于后续服务和提醒（个人信息保护法）",
        zh_tw: "同意服務站儲存其個人資訊，用於後續服務和提醒（個人資訊保護法）",
        en: "Agrees to the station keeping their data for later service and reminders (PIPL)",
    },
    ConsentText {
        kind: ConsentKind::Data,
        version: "data.2",
        zh_cn: "我同意服务站在本次服务结束后继续保存我的姓名、电话、车辆和维修记录，用于以后的服务、保修和召回，并供本网络的其他服务站为我服务时使用。我可以随时撤回同意。",
        zh_tw: "我同意服務站在本次服務結束後繼續保存我的姓名、電話、車輛和維修記錄，用於以後的服務、保修和召回，並供本網絡的其他服務站為我服務時使用。我可以隨時撤回同意。",
        en: "I agree that the station keeps my name, phone numbers, vehicles and service records after this service, for later services, warranty and recalls, and for the network's other stations when they serve me. I can withdraw this at any time.",
    },
    ConsentText {
        kind: ConsentKind::Marketing,
        version: "marketing.1",
        zh_cn: "同意接收优惠信息和保养提醒",
        zh_tw: "同意接收優惠資訊和保養提醒",
        en: "Agrees to receive offers and reminders",
    },
    ConsentText {
        kind: ConsentKind::Marketing,
        version: "marketing.2",
        zh_cn: "我同意服务站通过电话或短信向我发送优惠、保养提醒和活动信息。我可以随时撤回；完工通知、回访和召回等服务通知不受影响。",
        zh_tw: "我同意服務站透過電話或簡訊向我發送優惠、保養提醒和活動資訊。我可以隨時撤回；完工通知、回訪和召回等服務通知不受影響。",
        en: "I agree that the station may send me offers, maintenance reminders and event news by phone or message. I can withdraw this at any time; service notices (completion, follow-up, recalls) do not depend on it.",
    },
    ConsentText {
        kind: ConsentKind::FollowUp,
        version: "follow_up.1",
        zh_cn: "我同意服务结束后接受满意度回访。",
        zh_tw: "我同意服務結束後接受滿意度回訪。",
        en: "I agree to a satisfaction call after the service.",
    },
];

/// The text a consent given now is given to.
pub fn current(kind: ConsentKind) -> &'static ConsentText {
    #[allow(clippy::expect_used)] // TEXTS holds every kind; a test checks it
    TEXTS.iter().rev().find(|t| t.kind == kind).expect("every consent kind has a text")
}

/// The texts a consent given now agrees to, one per kind, for the customer form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConsentTexts {
    pub texts: Vec<ConsentText>,
}

pub async fn consent_texts(_station: &crate::station::Station, caller: &crate::auth::Caller, _input: crate::ops::NoInput) -> Result<ConsentTexts> {
    caller.require(crate::auth::Permission::Read)?;
    Ok(ConsentTexts { texts: ConsentKind::ALL.into_iter().map(|k| current(k).clone()).collect() })
}

/// A recorded version's words, if the version is known.
pub fn text_of(version: &str) -> Option<&'static ConsentText> {
    TEXTS.iter().find(|t| t.version == version)
}

/// Why the station may (or may not) contact a customer: the core's one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactPurpose {
    /// 完工通知: the car is ready (manual 002 §2.3, within 24 h). Performing the contract.
    CompletionNotice,
    /// 回访: the satisfaction call after delivery (002 §2.4). Part of the service's
    /// closed loop, so not marketing, but the customer may refuse it (`follow_up` consent).
    FollowUpSurvey,
    /// Calling back about the customer's own complaint (48 h callback). Performing the contract.
    ComplaintCallback,
    /// Answering a service request the customer made. They asked.
    ServiceRequestAnswer,
    /// A safety recall covering the customer's vehicle: the law makes the network
    /// tell owners (defective-vehicle recall rules; PIPL art. 13(3), a legal duty).
    RecallNotice,
    /// 保养提醒: "your next service is due". It sells a service, so it is marketing.
    MaintenanceReminder,
    /// Offers, events, campaigns that are not recalls.
    Marketing,
}

impl ContactPurpose {
    pub const ALL: [ContactPurpose; 7] = [
        ContactPurpose::CompletionNotice,
        ContactPurpose::FollowUpSurvey,
        ContactPurpose::ComplaintCallback,
        ContactPurpose::ServiceRequestAnswer,
        ContactPurpose::RecallNotice,
        ContactPurpose::MaintenanceReminder,
        ContactPurpose::Marketing,
    ];

    /// Contact the service or the law needs, which marketing consent does not govern.
    pub fn service_necessary(self) -> bool {
        !matches!(self, ContactPurpose::MaintenanceReminder | ContactPurpose::Marketing)
    }

    /// The consent it needs, if any.
    pub fn needs(self) -> Option<ConsentKind> {
        match self {
            ContactPurpose::MaintenanceReminder | ContactPurpose::Marketing => Some(ConsentKind::Marketing),
            ContactPurpose::FollowUpSurvey => Some(ConsentKind::FollowUp),
            _ => None,
        }
    }
}

/// Whether one kind of contact is allowed for a customer, and on what basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactRule {
    pub purpose: ContactPurpose,
    pub allowed: bool,
    /// Contact the service or the law needs; shown as such wherever it is made.
    pub service_necessary: bool,
    /// The consent it rests on (`marketing`, `follow_up`), none for service-necessary contact.
    pub needs: Option<ConsentKind>,
}

fn has(c: &Customer, kind: ConsentKind) -> bool {
    match kind {
        ConsentKind::Data => c.consent_data,
        ConsentKind::Marketing => c.consent_marketing,
        ConsentKind::FollowUp => c.consent_follow_up,
    }
}

pub fn contact_rule(c: &Customer, purpose: ContactPurpose) -> ContactRule {
    let needs = purpose.needs();
    // A merged customer is a tombstone: its survivor is the one to contact.
    let allowed = c.merged_into.is_none() && needs.is_none_or(|k| has(c, k));
    ContactRule { purpose, allowed, service_necessary: purpose.service_necessary(), needs }
}

pub fn contact_rules(c: &Customer) -> Vec<ContactRule> {
    ContactPurpose::ALL.into_iter().map(|p| contact_rule(c, p)).collect()
}

/// Refuses contact the customer has not agreed to (`contact.no_consent`, naming the consent).
pub fn require_contact(c: &Customer, purpose: ContactPurpose) -> Result<ContactRule> {
    let rule = contact_rule(c, purpose);
    if rule.allowed {
        return Ok(rule);
    }
    let consent = rule.needs.map_or("none", ConsentKind::as_str);
    Err(ApiError::conflict("contact.no_consent", format!("the customer has not agreed to this contact (consent: {consent})"))
        .with("purpose", serde_json::to_value(purpose).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .with("consent", consent))
}

/// A consent's state on a customer, with the words agreed to when they are known.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConsentState {
    pub kind: ConsentKind,
    pub given: bool,
    #[ts(type = "string | null")]
    pub given_at: Option<DateTime<Utc>>,
    /// The text version agreed to; None while not given or for consents older than versions.
    pub version: Option<String>,
    /// The text now shown for this consent (what a new giving agrees to).
    pub current: ConsentText,
}

pub fn states(c: &Customer) -> Vec<ConsentState> {
    ConsentKind::ALL
        .into_iter()
        .map(|kind| {
            let (given_at, version) = match kind {
                ConsentKind::Data => (c.consent_data_at, c.consent_data_version.clone()),
                ConsentKind::Marketing => (c.consent_marketing_at, c.consent_marketing_version.clone()),
                ConsentKind::FollowUp => (None, None),
            };
            ConsentState { kind, given: has(c, kind), given_at, version, current: current(kind).clone() }
        })
        .collect()
}

/// One giving or withdrawing, as the history keeps it.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct ConsentEvent {
    pub id: String,
    pub kind: String,
    pub given: bool,
    pub text_version: Option<String>,
    pub at: String,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    /// `station` (given or withdrawn at this desk) or `head_office` (at another station, pulled).
    pub source: String,
}

pub async fn history(conn: &mut SqliteConnection, customer_id: &str) -> Result<Vec<ConsentEvent>> {
    Ok(sqlx::query_as(
        "SELECT h.id, h.kind, h.given, h.text_version, h.at, h.staff_id, s.name AS staff_name, h.source
         FROM consent_history h LEFT JOIN staff s ON s.id = h.staff_id WHERE h.customer_id = ? ORDER BY h.at, h.rowid",
    )
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Where a consent change came from.
pub(crate) enum Source<'a> {
    Desk { staff_id: &'a str },
    HeadOffice,
}

/// Appends a history entry for each consent whose state differs between
/// `before` (None for a new customer) and `after`, in the caller's transaction.
pub(crate) async fn record_changes(
    conn: &mut SqliteConnection,
    station_id: &str,
    before: Option<&Customer>,
    after: &Customer,
    source: Source<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    for kind in ConsentKind::ALL {
        // A new customer starts with nothing given, except follow-up calls, which are
        // agreed unless refused: so refusing them at the desk is a line, accepting is not.
        let was = before.map_or(kind == ConsentKind::FollowUp, |b| has(b, kind));
        let is = has(after, kind);
        if was == is {
            continue;
        }
        let version = match kind {
            ConsentKind::Data if is => after.consent_data_version.clone(),
            ConsentKind::Marketing if is => after.consent_marketing_version.clone(),
            ConsentKind::Data => before.and_then(|b| b.consent_data_version.clone()),
            ConsentKind::Marketing => before.and_then(|b| b.consent_marketing_version.clone()),
            ConsentKind::FollowUp => Some(current(kind).version.to_string()),
        };
        let (staff_id, source_name) = match source {
            Source::Desk { staff_id } => (Some(staff_id), "station"),
            Source::HeadOffice => (None, "head_office"),
        };
        // Honoured at once: nobody is left with a call they may not make.
        if kind == ConsentKind::FollowUp && !is {
            crate::aftersales::follow_ups::end_on_withdrawal(conn, &after.id, now).await?;
        }
        sqlx::query(
            "INSERT INTO consent_history (id, station_id, customer_id, kind, given, text_version, at, staff_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(station_id)
        .bind(&after.id)
        .bind(kind.as_str())
        .bind(is)
        .bind(version)
        .bind(ts(now))
        .bind(staff_id)
        .bind(source_name)
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_consent_kind_has_a_current_text_in_three_languages_and_versions_are_unique() {
        for kind in ConsentKind::ALL {
            let t = current(kind);
            assert!(!t.zh_cn.is_empty() && !t.zh_tw.is_empty() && !t.en.is_empty(), "{kind:?}");
        }
        let mut versions: Vec<&str> = TEXTS.iter().map(|t| t.version).collect();
        versions.sort();
        versions.dedup();
        assert_eq!(versions.len(), TEXTS.len(), "a version names one text");
    }

    fn customer(marketing: bool, follow_up: bool) -> Customer {
        let at = DateTime::<Utc>::default();
        Customer {
            id: "c1".into(),
            customer_no: "SH01-000001".into(),
            name: "王芳".into(),
            phones: vec!["13812345678".into()],
            email: None,
            company: None,
            language: "zh-CN".into(),
            consent_marketing: marketing,
            consent_data: false,
            consent_data_at: None,
            consent_marketing_at: marketing.then_some(at),
            consent_data_version: None,
            consent_marketing_version: marketing.then(|| current(ConsentKind::Marketing).version.to_string()),
            consent_follow_up: follow_up,
            notes: String::new(),
            merged_into: None,
            merged_at: None,
            destroyed_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn marketing_without_consent_is_refused_naming_the_consent_and_service_contact_is_not() {
        let no = customer(false, false);
        let err = require_contact(&no, ContactPurpose::MaintenanceReminder).unwrap_err();
        assert_eq!((err.code.as_str(), err.params.get("consent").map(String::as_str)), ("contact.no_consent", Some("marketing")));
        assert_eq!(require_contact(&no, ContactPurpose::FollowUpSurvey).unwrap_err().params.get("consent").map(String::as_str), Some("follow_up"));
        let rule = require_contact(&no, ContactPurpose::RecallNotice).unwrap();
        assert!(rule.allowed && rule.service_necessary);
        assert!(require_contact(&customer(true, true), ContactPurpose::Marketing).is_ok());
        let mut merged = customer(true, true);
        merged.merged_into = Some("c2".into());
        assert!(require_contact(&merged, ContactPurpose::CompletionNotice).is_err(), "a tombstone is not contacted; its survivor is");
    }

    #[test]
    fn only_reminders_and_offers_are_marketing() {
        let marketing: Vec<ContactPurpose> = ContactPurpose::ALL.into_iter().filter(|p| !p.service_necessary()).collect();
        assert_eq!(marketing, vec![ContactPurpose::MaintenanceReminder, ContactPurpose::Marketing]);
        assert!(marketing.iter().all(|p| p.needs() == Some(ConsentKind::Marketing)));
    }
}
