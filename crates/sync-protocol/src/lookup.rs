//! Looking a customer up at the head office (issue 12): a customer who walks
//! into a second station is found there by an exact plate, VIN or phone, shown
//! masked, and "adopted": the head office grants the station access to the
//! customer and vehicles and answers with their records, so check-in reuses
//! them instead of creating a duplicate.
//!
//! `POST /v1/lookup` ([`LookupRequest`] → [`LookupResponse`]) and
//! `POST /v1/lookup/adopt` ([`AdoptRequest`] → [`AdoptResponse`]). The adopt
//! request repeats the query: the head office grants only a record that the
//! query finds, so knowing an id is never enough. The token decides the
//! station; the body names the staff member, for the grant log.
//!
//! The masking functions are here so every head-office answer masks the same way.

use serde::{Deserialize, Serialize};

use crate::pull::FeedChange;

/// What the query is. The station classifies the text it was given and sends
/// the normalised value (`normalise` applies the same rules again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupKind {
    Plate,
    Vin,
    Phone,
}

impl LookupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKind::Plate => "plate",
            LookupKind::Vin => "vin",
            LookupKind::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    pub kind: LookupKind,
    pub value: String,
}

/// A customer the query found, masked: enough to recognise them with the
/// customer at the desk, not enough to read their number off the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupCustomer {
    pub customer_id: String,
    /// `罗*`, `J*** S****`.
    pub name: String,
    /// `138****5678`.
    pub phones: Vec<String>,
    /// The customer's archive number; it starts with the code of the station that created it.
    pub customer_no: String,
    pub vehicles: Vec<LookupVehicle>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupVehicle {
    pub vehicle_id: String,
    /// `沪A***45`; the plate in full when the query was that plate.
    pub plate: Option<String>,
    /// `LSV**********4529`; in full when the query was that VIN.
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    pub model_year: Option<i64>,
    /// The query was this vehicle's plate or VIN.
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupResponse {
    pub customers: Vec<LookupCustomer>,
}

/// Adopting one result: the query again, the record chosen (a customer or a
/// vehicle from the answer), and who at the station asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptRequest {
    pub kind: LookupKind,
    pub value: String,
    /// `customer` or `vehicle`.
    pub entity: String,
    pub entity_id: String,
    pub staff_id: String,
    pub staff_name: String,
}

/// The records the station may now keep, in full, as the pull feed would
/// carry them (`scope: shared`, with their field HLCs, a vehicle with its
/// visits to other stations): the customer first, then the vehicles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdoptResponse {
    pub customer_id: String,
    /// The vehicle the query matched or the one adopted, when there is one.
    pub vehicle_id: Option<String>,
    pub records: Vec<FeedChange>,
}

/// Most customers one lookup answers with: an exact phone, plate or VIN
/// belongs to one or two people; more is a sign of a shared fleet number.
pub const MAX_LOOKUP_CUSTOMERS: usize = 5;

/// The value in the one spelling both ends store: plates and VINs upper case
/// without spaces, dots and hyphens; phones as digits (with a leading `+` kept).
/// `None` when nothing is left, or when it cannot be an exact plate, VIN or phone.
pub fn normalise(kind: LookupKind, value: &str) -> Option<String> {
    let kept = |c: &char| !c.is_whitespace() && !matches!(c, '.' | '·' | '•' | '・' | '-' | '‧' | '(' | ')');
    let v: String = value.chars().filter(kept).flat_map(char::to_uppercase).collect();
    let ok = match kind {
        LookupKind::Vin => v.len() == 17 && v.chars().all(|c| c.is_ascii_alphanumeric()),
        LookupKind::Plate => (5..=10).contains(&v.chars().count()),
        LookupKind::Phone => {
            let digits = v.strip_prefix('+').unwrap_or(&v);
            (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        }
    };
    ok.then_some(v)
}

fn hide(text: &str, front: usize, back: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= front + back {
        // Too short to show both ends: keep only the first character.
        return chars.iter().enumerate().map(|(i, c)| if i == 0 { *c } else { '*' }).collect();
    }
    chars.iter().enumerate().map(|(i, c)| if i < front || i >= chars.len() - back { *c } else { '*' }).collect()
}

/// `13812345678` → `138****5678`; `+442079460958` → `+442*****0958`.
pub fn mask_phone(phone: &str) -> String {
    let front = if phone.starts_with('+') { 4 } else { 3 };
    hide(phone, front, 4)
}

/// The first character of each word, the rest starred: `罗磊` → `罗*`, `John Smith` → `J*** S****`.
pub fn mask_name(name: &str) -> String {
    name.split(' ').map(|word| hide(word, 1, 0)).collect::<Vec<_>>().join(" ")
}

/// `沪A12345` → `沪A***45`.
pub fn mask_plate(plate: &str) -> String {
    hide(plate, 2, 2)
}

/// The manufacturer code and the serial's last four: `LSVAM4187C2184529` → `LSV**********4529`.
pub fn mask_vin(vin: &str) -> String {
    hide(vin, 3, 4)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_ends_people_recognise_and_hide_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+442079460958"), "+442*****0958");
        assert_eq!(mask_name("罗磊"), "罗*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("John Smith"), "J*** S****");
        assert_eq!(mask_name("王"), "王");
        assert_eq!(mask_plate("沪A12345"), "沪A***45");
        assert_eq!(mask_vin("LSVAM4187C2184529"), "LSV**********4529");
        assert_eq!(mask_phone("1234"), "1***", "a short number shows no more than its first digit");
    }

    #[test]
    fn values_are_normalised_like_the_station_and_partial_ones_are_refused() {
        assert_eq!(normalise(LookupKind::Plate, " 沪a·123 45").as_deref(), Some("沪A12345"));
        assert_eq!(normalise(LookupKind::Vin, "lsvam4187c2184529").as_deref(), Some("LSVAM4187C2184529"));
        assert_eq!(normalise(LookupKind::Phone, "138 1234-5678").as_deref(), Some("13812345678"));
        assert_eq!(normalise(LookupKind::Phone, "138"), None, "a fragment is not an exact number");
        assert_eq!(normalise(LookupKind::Plate, "沪A"), None);
        assert_eq!(normalise(LookupKind::Vin, "LSVAM4187"), None);
    }
}
