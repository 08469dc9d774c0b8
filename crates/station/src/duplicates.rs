//! Likely duplicates, decided here so every caller gets the same answer: a
//! customer with the same phone, or with a similar name and a phone ending in
//! the same four digits; a vehicle with the same plate or the same VIN (also
//! while that car is in the shop); a second open order for one vehicle.
//!
//! A save that finds one refuses with `needs_confirmation`, naming the field and
//! the existing record (its ids and number in `params`), so the UI can offer
//! that record instead; the code in the input's `confirm` saves anyway. A VIN is
//! unique, so a duplicate VIN is a conflict, with the vehicle to use instead.
//! `find_duplicates` answers the same question before saving, for a form that
//! asks as the user types.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::customers::CustomerFields;
use crate::domain::{Phone, Plate, Vin};
use crate::error::{ApiError, Result};
use crate::privacy::contact::Sight;
use crate::repair_orders::RoStatus;
use crate::search::{customer_summary, CustomerSummary, VehicleSummary};
use crate::station::Station;

/// Confirms saving a customer although another customer has the same phone.
pub const DUPLICATE_PHONE: &str = "customer.duplicate_phone";
/// Confirms saving a customer although another has a similar name and the same phone tail.
pub const SIMILAR_NAME: &str = "customer.similar_name";
/// Confirms saving a vehicle whose plate another vehicle carries.
pub const PLATE_DUPLICATE: &str = "vehicle.duplicate_plate";
/// Confirms a check-in of a vehicle that already has an open order.
pub const OPEN_ORDER: &str = "check_in.open_order";

/// Why two records look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    SamePhone,
    /// A similar name, and a phone ending in the same four digits.
    SimilarName,
    SamePlate,
    SameVin,
}

impl MatchRule {
    fn as_str(self) -> &'static str {
        match self {
            MatchRule::SamePhone => "same_phone",
            MatchRule::SimilarName => "similar_name",
            MatchRule::SamePlate => "same_plate",
            MatchRule::SameVin => "same_vin",
        }
    }

    /// The error code a save gives for this rule, and so the code that confirms it.
    fn code(self) -> &'static str {
        match self {
            MatchRule::SamePhone => DUPLICATE_PHONE,
            MatchRule::SimilarName => SIMILAR_NAME,
            MatchRule::SamePlate => PLATE_DUPLICATE,
            MatchRule::SameVin => "vin.duplicate",
        }
    }
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct OpenOrder {
    pub id: String,
    pub number: String,
    pub status: String,
}

/// An existing record the one being saved may duplicate.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DuplicateMatch {
    pub rule: MatchRule,
    /// The input field that matched: `phones.0`, `name`, `plate`, `vin`.
    pub field: String,
    /// The existing customer (for a vehicle: its owner).
    pub customer: CustomerSummary,
    pub vehicle: Option<VehicleSummary>,
    /// The existing vehicle's open order, when it is in the shop.
    pub open_order: Option<OpenOrder>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct DuplicateQuery {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub vin: String,
    /// The customer being edited, which does not duplicate itself.
    #[ts(optional)]
    pub customer_id: Option<String>,
    /// The vehicle being edited.
    #[ts(optional)]
    pub vehicle_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Duplicates {
    pub matches: Vec<DuplicateMatch>,
}

pub async fn find_duplicates(station: &Station, caller: &Caller, q: DuplicateQuery) -> Result<Duplicates> {
    let me = caller.require(Permission::Read)?;
    let hidden = Sight::of(me.role) == Sight::Hidden;
    let mut conn = station.pool().acquire().await?;
    // Unparsable input is the save's to report, beside its field; here it simply matches nothing.
    // Whoever may not see contact details may not find people by them either (as in `search`):
    // a match on a typed phone, or on its last four digits, would say whose number it is.
    let phones: Vec<(usize, Phone)> =
        if hidden { Vec::new() } else { q.phones.iter().enumerate().filter_map(|(i, p)| Some((i, Phone::parse(p).ok()?))).collect() };
    let mut matches = customer_matches(&mut conn, &q.name, &phones, q.customer_id.as_deref()).await?;
    let plate = Plate::parse(&q.plate).ok();
    let vin = Vin::parse(&q.vin).ok();
    matches.extend(vehicle_matches(&mut conn, plate.as_ref(), vin.as_ref(), q.vehicle_id.as_deref()).await?);
    if hidden {
        for m in &mut matches {
            m.customer.phones.clear();
        }
    }
    Ok(Duplicates { matches })
}

/// Customers (not merged ones, not `except`) sharing a phone, then those with a
/// similar name and a phone with the same last four digits.
pub(crate) async fn customer_matches(conn: &mut SqliteConnection, name: &str, phones: &[(usize, Phone)], except: Option<&str>) -> Result<Vec<DuplicateMatch>> {
    let except = except.unwrap_or("");
    let mut found: Vec<(MatchRule, String, String)> = Vec::new();
    for (i, phone) in phones {
        let owners: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT c.id FROM customer_phones p JOIN customers c ON c.id = p.customer_id
             WHERE p.phone = ? AND c.merged_into IS NULL AND c.id <> ? ORDER BY c.created_at",
        )
        .bind(phone.as_str())
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
        for owner in owners {
            if !found.iter().any(|(_, _, c)| c == &owner) {
                found.push((MatchRule::SamePhone, format!("phones.{i}"), owner));
            }
        }
    }
    let mut tails: Vec<String> = phones.iter().filter_map(|(_, p)| tail(p.as_str())).collect();
    tails.dedup();
    for t in tails {
        // No index serves a suffix; a scan of the phones stays in milliseconds at a station's size.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT c.id, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id
             WHERE substr(p.phone, -4) = ? AND c.merged_into IS NULL AND c.id <> ? ORDER BY c.created_at",
        )
        .bind(&t)
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
        for (id, other) in rows {
            if similar_names(name, &other) && !found.iter().any(|(_, _, c)| c == &id) {
                found.push((MatchRule::SimilarName, "name".into(), id));
            }
        }
    }
    let mut out = Vec::new();
    for (rule, field, id) in found {
        if let Some(customer) = customer_summary(conn, &id).await? {
            out.push(DuplicateMatch { rule, field, customer, vehicle: None, open_order: None });
        }
    }
    Ok(out)
}

/// Other vehicles carrying this plate or this VIN, with their owners and open orders.
pub(crate) async fn vehicle_matches(
    conn: &mut SqliteConnection,
    plate: Option<&Plate>,
    vin: Option<&Vin>,
    except: Option<&str>,
) -> Result<Vec<DuplicateMatch>> {
    let except = except.unwrap_or("");
    let mut found: Vec<(MatchRule, &str, String)> = Vec::new();
    if let Some(vin) = vin {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM vehicles WHERE vin = ? AND id <> ?").bind(vin.as_str()).bind(except).fetch_all(&mut *conn).await?;
        found.extend(ids.into_iter().map(|id| (MatchRule::SameVin, "vin", id)));
    }
    if let Some(plate) = plate {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM vehicles WHERE plate = ? AND id <> ? ORDER BY created_at")
            .bind(plate.as_str())
            .bind(except)
            .fetch_all(&mut *conn)
            .await?;
        for id in ids {
            if !found.iter().any(|(_, _, v)| v == &id) {
                found.push((MatchRule::SamePlate, "plate", id));
            }
        }
    }
    let mut out = Vec::new();
    for (rule, field, id) in found {
        let vehicle = sqlx::query_as::<_, VehicleSummary>("SELECT id, plate, vin, make, model, model_year FROM vehicles WHERE id = ?")
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?;
        let owner: String = sqlx::query_scalar("SELECT customer_id FROM vehicles WHERE id = ?").bind(&id).fetch_one(&mut *conn).await?;
        let Some(customer) = customer_summary(conn, &owner).await? else { continue };
        let open_order = open_order(conn, &id).await?;
        out.push(DuplicateMatch { rule, field: field.into(), customer, vehicle: Some(vehicle), open_order });
    }
    Ok(out)
}

/// The vehicle's newest order still in the workshop's hands, if any.
pub(crate) async fn open_order(conn: &mut SqliteConnection, vehicle_id: &str) -> Result<Option<OpenOrder>> {
    let orders = sqlx::query_as::<_, OpenOrder>("SELECT id, number, status FROM repair_orders WHERE vehicle_id = ? ORDER BY checked_in_at DESC")
        .bind(vehicle_id)
        .fetch_all(&mut *conn)
        .await?;
    // `RoStatus::is_open` is the one definition of open; a vehicle has few orders.
    Ok(orders.into_iter().find(|o| RoStatus::parse(&o.status).is_some_and(RoStatus::is_open)))
}

/// Refuses a customer save that duplicates another customer, unless confirmed.
pub(crate) async fn refuse_customer_duplicate(conn: &mut SqliteConnection, f: &CustomerFields, except: Option<&str>) -> Result<()> {
    let confirmed = |m: &DuplicateMatch| f.confirm.iter().flatten().any(|c| c == m.rule.code());
    let phones: Vec<(usize, Phone)> = f.phones.iter().enumerate().filter_map(|(i, p)| Some((i, Phone::parse(p).ok()?))).collect();
    match customer_matches(conn, &f.name, &phones, except).await?.into_iter().find(|m| !confirmed(m)) {
        Some(m) => Err(warning(m)),
        None => Ok(()),
    }
}

/// Refuses a vehicle save: a VIN another vehicle has (always), a plate another carries (unless confirmed).
pub(crate) async fn refuse_vehicle_duplicate(
    conn: &mut SqliteConnection,
    plate: Option<&Plate>,
    vin: Option<&Vin>,
    except: Option<&str>,
    confirm: &[String],
) -> Result<()> {
    let confirmed = confirm.iter().any(|c| c == PLATE_DUPLICATE);
    for m in vehicle_matches(conn, plate, vin, except).await? {
        if m.rule == MatchRule::SameVin || !confirmed {
            return Err(warning(m));
        }
    }
    Ok(())
}

/// Refuses a check-in of a vehicle that already has an open order, unless confirmed.
pub(crate) async fn refuse_second_open_order(conn: &mut SqliteConnection, vehicle_id: &str, confirm: &[String]) -> Result<()> {
    if confirm.iter().any(|c| c == OPEN_ORDER) {
        return Ok(());
    }
    match open_order(conn, vehicle_id).await? {
        Some(o) => Err(ApiError::confirm(
            "vehicle_id",
            OPEN_ORDER,
            format!("this vehicle already has an open order, {} ({}): open that order, or confirm a second one", o.number, o.status),
        )
        .with("ro_id", &o.id)
        .with("number", &o.number)
        .with("status", &o.status)),
        None => Ok(()),
    }
}

/// The error a save returns for `m`: the field, the rule, and the record to use instead.
fn warning(m: DuplicateMatch) -> ApiError {
    let c = &m.customer;
    let who = format!("{} ({})", c.name, c.customer_no);
    let code = m.rule.code();
    let message = match m.rule {
        MatchRule::SamePhone => format!("{who} already has this phone number: use that customer, or confirm this is someone else"),
        MatchRule::SimilarName => format!("{who} has a similar name and a phone ending in the same digits: use that customer, or confirm this is someone else"),
        MatchRule::SamePlate => format!("{who} already has a vehicle with this plate: use that vehicle, or confirm this is another one"),
        MatchRule::SameVin => format!("this VIN is already registered to {who}: use that vehicle"),
    };
    let mut e =
        if m.rule == MatchRule::SameVin { ApiError::conflict(code, message).with_field(&m.field) } else { ApiError::confirm(m.field.clone(), code, message) };
    e = e.with("rule", m.rule.as_str()).with("customer_id", &c.id).with("customer_no", &c.customer_no).with("name", &c.name).with("owner", &c.name);
    if let Some(phone) = c.phones.first() {
        e = e.with("phone", phone);
    }
    if let Some(v) = &m.vehicle {
        e = e.with("vehicle_id", &v.id).with("plate", v.plate.as_deref().unwrap_or(""));
    }
    if let Some(o) = &m.open_order {
        e = e.with("ro_id", &o.id).with("number", &o.number);
    }
    e
}

/// The last four digits of a phone number, the part people recognise.
fn tail(phone: &str) -> Option<String> {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then(|| digits[digits.len() - 4..].iter().collect())
}

fn normal(name: &str) -> Vec<char> {
    name.chars().filter(|c| !c.is_whitespace() && !matches!(c, '·' | '.' | '-' | '•')).flat_map(char::to_lowercase).collect()
}

/// The same name as typed differently: equal once spacing and case are gone,
/// one inside the other (罗磊 / 罗磊先生), or one typo apart within the same
/// surname (罗磊 / 罗蕾); longer Latin names allow two.
pub(crate) fn similar_names(a: &str, b: &str) -> bool {
    let (a, b) = (normal(a), normal(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if short.len() >= 2 && long.windows(short.len()).any(|w| w == short.as_slice()) {
        return true;
    }
    let d = edit_distance(&a, &b);
    if long.len() <= 4 {
        d <= 1 && a[0] == b[0]
    } else {
        d <= 2
    }
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_typed_with_a_space_or_a_title_is_similar() {
        assert!(similar_names("罗磊", "罗 磊"));
        assert!(similar_names("罗磊", "罗磊先生"));
        assert!(similar_names("John Smith", "john smith"));
    }

    #[test]
    fn a_one_character_typo_within_the_surname_is_similar_but_another_surname_is_not() {
        assert!(similar_names("罗磊", "罗蕾"));
        assert!(!similar_names("罗磊", "王磊"));
        assert!(!similar_names("罗磊", "李娜"));
    }

    #[test]
    fn latin_names_allow_two_typos() {
        assert!(similar_names("Jonathan Smith", "Jonathon Smyth"));
        assert!(!similar_names("Jonathan Smith", "Mary Jones"));
    }

    #[test]
    fn the_tail_is_the_last_four_digits() {
        assert_eq!(tail("+8613812345678").as_deref(), Some("5678"));
        assert_eq!(tail("123"), None);
    }
}
