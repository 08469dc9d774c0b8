//! The content of a signed document, as one typed shape: `signing::sign`
//! builds it, its canonical JSON is what is hashed and stored, and printing
//! reads it back into the same structs. A renamed or missing field is then a
//! compile error on one side or a loud "cannot be read" on the other, never a
//! blank printed on a document the customer signed.
//!
//! The field names are the stored format (`CONTENT_FORMAT`): changing one
//! changes the hash of every new document, so a change is a new format.

use serde::{Deserialize, Serialize};

use super::delivery::PaymentMethod;
use super::jobs::Approval;
use super::lines::LineKind;
use super::signing::{DocumentKind, SignatureMethod, SignerRole};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedContent {
    /// `signing::CONTENT_FORMAT`.
    pub format: String,
    pub document: DocumentPart,
    pub station_id: String,
    pub order: OrderPart,
    pub customer: CustomerPart,
    pub vehicle: VehiclePart,
    /// Every decided job (pending ones are not part of what is signed).
    pub jobs: Vec<JobPart>,
    /// The approved work, by the money rule.
    pub totals: TotalsPart,
    pub terms: TermsPart,
    /// `zh-CN` or `en`: the language it was signed in.
    pub language: String,
    pub signatures: Vec<SignaturePart>,
    /// The acceptance at delivery only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentPart {
    pub id: String,
    pub kind: DocumentKind,
    /// 1 for the order's first document.
    pub seq: i64,
    pub supplemental: bool,
    pub previous_hash: Option<String>,
    /// How the customer decided: `in_person`, `phone`, `message`.
    pub method: String,
    pub approver_name: String,
    pub amount_minor: i64,
    pub note: String,
    pub signed_at: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderPart {
    pub id: String,
    pub number: String,
    pub archive_no: String,
    pub service_type: String,
    pub checked_in_at: String,
    pub promised_at: Option<String>,
    pub odometer_in_km: i64,
    /// None for an electric car (no fuel gauge); always a number before energies.
    pub fuel_eighths: Option<i64>,
    /// Read at check-in for electric and hybrid cars. Absent from documents signed
    /// before it existed, and left out when None so their hashes still verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_percent: Option<i64>,
    pub personal_items: String,
    pub concerns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPart {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    pub company: Option<String>,
    pub phones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehiclePart {
    pub id: String,
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    pub model_year: Option<i64>,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobPart {
    pub id: String,
    pub position: i64,
    pub concern: String,
    pub approval: Approval,
    /// This document made the decision (a supplemental or decline shows only these).
    pub decided_here: bool,
    pub amount_minor: i64,
    pub lines: Vec<LinePart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinePart {
    pub id: String,
    pub kind: LineKind,
    pub description: String,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub amount_minor: i64,
    pub returned_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalsPart {
    pub labor_minor: i64,
    pub parts_minor: i64,
    pub sublet_minor: i64,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub tax_rate_bp: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    /// What the declined jobs would have cost.
    pub declined_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsPart {
    pub version: String,
    pub language: String,
    /// Of the terms text signed; none when the station has no text of that version.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignaturePart {
    pub role: SignerRole,
    pub method: SignatureMethod,
    pub signer_name: String,
    pub signed_at: String,
    pub strokes_sha256: Option<String>,
    pub png_sha256: Option<String>,
    pub paper_scan_sha256: Option<String>,
    pub phone_approved_by: Option<String>,
    pub phone_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryPart {
    pub odometer_out_km: Option<i64>,
    pub payments: Vec<PaymentPart>,
    pub delivered_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentPart {
    pub id: String,
    pub method: PaymentMethod,
    pub amount_minor: i64,
    pub at: String,
}

impl SignedContent {
    /// Reads stored content; a field renamed, missing or unknown is an error that names it.
    pub fn read(text: &str) -> Result<SignedContent, String> {
        serde_json::from_str(text).map_err(|e| format!("the signed content cannot be read: {e}"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> SignedContent {
        SignedContent {
            format: super::super::signing::CONTENT_FORMAT.into(),
            document: DocumentPart {
                id: "d1".into(),
                kind: DocumentKind::Intake,
                seq: 1,
                supplemental: false,
                previous_hash: None,
                method: "in_person".into(),
                approver_name: "王芳".into(),
                amount_minor: 61_020,
                note: String::new(),
                signed_at: "2026-03-02T01:00:00Z".into(),
                recorded_by: "s1".into(),
            },
            station_id: "st".into(),
            order: OrderPart {
                id: "ro".into(),
                number: "R-1".into(),
                archive_no: "A-1".into(),
                service_type: "repair".into(),
                checked_in_at: "2026-03-02T00:00:00Z".into(),
                promised_at: None,
                odometer_in_km: 10_000,
                fuel_eighths: Some(4),
                battery_percent: None,
                personal_items: String::new(),
                concerns: vec!["刹车异响".into()],
            },
            customer: CustomerPart { id: "c".into(), customer_no: "C1".into(), name: "王芳".into(), company: None, phones: vec!["13812345678".into()] },
            vehicle: VehiclePart {
                id: "v".into(),
                plate: Some("沪A12345".into()),
                vin: None,
                make: "大众".into(),
                model: "朗逸".into(),
                model_year: Some(2020),
                color: "白".into(),
            },
            jobs: vec![JobPart {
                id: "j".into(),
                position: 0,
                concern: "刹车异响".into(),
                approval: Approval::Approved,
                decided_here: true,
                amount_minor: 54_000,
                lines: vec![LinePart {
                    id: "l".into(),
                    kind: LineKind::Labor,
                    description: "工时".into(),
                    quantity_milli: 1500,
                    unit_price_minor: 20_000,
                    amount_minor: 30_000,
                    returned_milli: 0,
                }],
            }],
            totals: TotalsPart {
                labor_minor: 30_000,
                parts_minor: 0,
                sublet_minor: 0,
                subtotal_minor: 30_000,
                discount_minor: 0,
                tax_rate_bp: 1300,
                tax_minor: 3_900,
                total_minor: 33_900,
                declined_minor: 0,
            },
            terms: TermsPart { version: "2026-1".into(), language: "zh-CN".into(), sha256: None },
            language: "zh-CN".into(),
            signatures: vec![],
            delivery: None,
        }
    }

    #[test]
    fn signed_content_reads_back_as_it_was_written() {
        let text = sync_protocol::signed::canonical_json(&serde_json::to_value(sample()).unwrap());
        assert_eq!(SignedContent::read(&text).unwrap(), sample());
        assert!(!text.contains("\"delivery\""), "only an acceptance carries a delivery");
    }

    #[test]
    fn a_renamed_or_missing_key_in_signed_content_is_an_error_that_names_it_not_a_blank() {
        let text = serde_json::to_string(&sample()).unwrap();
        let renamed = text.replace("\"approver_name\"", "\"approver\"");
        let err = SignedContent::read(&renamed).unwrap_err();
        assert!(err.contains("approver"), "{err}");
        let missing = text.replace("\"archive_no\":\"A-1\",", "");
        assert!(SignedContent::read(&missing).unwrap_err().contains("archive_no"));
        let unknown_value = text.replace("\"approval\":\"approved\"", "\"approval\":\"maybe\"");
        assert!(SignedContent::read(&unknown_value).is_err(), "a decision the printer does not know is refused, not printed as approved");
    }

    #[test]
    fn a_document_signed_before_battery_levels_reads_and_writes_back_to_the_same_bytes() {
        let old = sync_protocol::signed::canonical_json(&serde_json::to_value(sample()).unwrap());
        assert!(!old.contains("battery_percent"), "no battery level, no key: the old documents' hashes stay");
        let read = SignedContent::read(&old).unwrap();
        assert_eq!(read.order.battery_percent, None);
        assert_eq!(sync_protocol::signed::canonical_json(&serde_json::to_value(&read).unwrap()), old);
    }

    #[test]
    fn an_electric_cars_document_keeps_its_battery_level_and_no_fuel() {
        let mut ev = sample();
        ev.order.fuel_eighths = None;
        ev.order.battery_percent = Some(64);
        let text = sync_protocol::signed::canonical_json(&serde_json::to_value(&ev).unwrap());
        assert!(text.contains("\"battery_percent\":64") && text.contains("\"fuel_eighths\":null"), "{text}");
        assert_eq!(SignedContent::read(&text).unwrap(), ev);
    }
}
