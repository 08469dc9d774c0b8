//! One search box for the front desk: any fragment of a plate, VIN, phone or
//! name finds the customer and their vehicles. Exact plate and VIN matches rank
//! first. The answer also says what the text is (`domain::typed`). The indexes are in migration 0002; writes keep them current through
//! `index_customer` and `index_vehicle` inside their own transactions. A merged
//! customer (a tombstone) leaves the index: search finds only the survivor.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::domain::{classify, MaskedPhone, Typed};
use crate::error::Result;
use crate::privacy::contact::{mask_phones, Sight};
use crate::station::Station;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SearchInput {
    pub q: String,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// What the text is (plate, VIN, phone, name), so "new customer" puts it
    /// in the right field; `None` when it is none of them.
    pub typed: Option<Typed>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchHit {
    pub customer: CustomerSummary,
    pub vehicles: Vec<VehicleSummary>,
    /// The vehicle the query matched, when it matched a vehicle.
    pub matched_vehicle_id: Option<String>,
    /// The query was exactly this vehicle's plate or VIN, or the customer's phone.
    pub exact: bool,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct CustomerSummary {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    /// Masked (`138****5678`); empty for a technician, who sees no contact details.
    #[sqlx(skip)]
    pub phones: Vec<MaskedPhone>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct VehicleSummary {
    pub id: String,
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    pub model_year: Option<i32>,
}

const DEFAULT_LIMIT: u32 = 20;
/// Fragment matches scanned before grouping by customer; bounds the work on very common fragments like "138".
const CANDIDATES: i64 = 200;

/// Upper case without the spaces, dots and hyphens people type into plates and VINs.
fn compact(q: &str) -> String {
    q.chars().filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '·')).flat_map(char::to_uppercase).collect()
}

pub async fn search(station: &Station, caller: &Caller, input: SearchInput) -> Result<SearchResults> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100) as usize;
    let hidden = Sight::of(me.role) == Sight::Hidden;
    // Whoever may not see contact details may not find people by them either:
    // a hit for a typed phone would say whose number it is.
    let scan = if hidden { CANDIDATES as usize } else { limit };
    let mut results = search_conn(&mut conn, &input.q, scan).await?;
    if hidden {
        results.hits.retain(|hit| matched_without_contact(hit, &input.q));
        results.hits.truncate(limit);
        for hit in &mut results.hits {
            hit.customer.phones.clear();
        }
    }
    Ok(results)
}

/// The hit was found by a vehicle (plate, VIN, make or model), the customer's
/// name or their customer number: by nothing a technician may not see.
fn matched_without_contact(hit: &SearchHit, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    let key = compact(&q);
    hit.matched_vehicle_id.is_some() || hit.customer.name.to_lowercase().contains(&q) || compact(&hit.customer.customer_no).contains(&key)
}

/// (customer id, matched vehicle id, exact) in rank order, duplicates allowed.
type Candidate = (String, Option<String>, bool);

pub async fn search_conn(conn: &mut SqliteConnection, q: &str, limit: usize) -> Result<SearchResults> {
    // Control characters are never part of what someone looks for, and a NUL inside an FTS5
    // phrase ends it early (a syntax error, found by the fuzz test).
    let q: String = q.chars().filter(|c| !c.is_control()).collect::<String>().trim().chars().take(64).collect();
    let key = compact(&q);
    if key.is_empty() {
        return Ok(SearchResults { hits: Vec::new(), typed: None });
    }
    let mut candidates: Vec<Candidate> = Vec::new();

    let exact_vehicles: Vec<(String, String)> = sqlx::query_as(
        "SELECT customer_id, id FROM vehicles WHERE plate = ?1 OR vin = ?1
         UNION SELECT v.customer_id, v.id FROM vehicle_plates h JOIN vehicles v ON v.id = h.vehicle_id WHERE h.plate = ?1",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    candidates.extend(exact_vehicles.into_iter().map(|(c, v)| (c, Some(v), true)));

    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 7 {
        let phone_owners: Vec<String> = sqlx::query_scalar("SELECT customer_id FROM customer_phones WHERE phone = ? OR phone = ?")
            .bind(&digits)
            .bind(format!("+{digits}"))
            .fetch_all(&mut *conn)
            .await?;
        candidates.extend(phone_owners.into_iter().map(|c| (c, None, true)));
    }

    if q.chars().count() >= 3 {
        // A phrase query, passed as a bound value: the user's text is data, never FTS syntax.
        let phrase = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut expr = phrase(&q);
        if key != q && key.chars().count() >= 3 {
            expr = format!("{expr} OR {}", phrase(&key));
        }
        let docs: Vec<(String, String)> = sqlx::query_as(
            "SELECT d.kind, d.ref_id FROM search_fts f JOIN search_docs d ON d.doc_id = f.rowid
             WHERE search_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
        )
        .bind(expr)
        .bind(CANDIDATES)
        .fetch_all(&mut *conn)
        .await?;
        for (kind, id) in docs {
            if kind == "vehicle" {
                let owner: Option<String> = sqlx::query_scalar("SELECT customer_id FROM vehicles WHERE id = ?").bind(&id).fetch_optional(&mut *conn).await?;
                candidates.extend(owner.map(|c| (c, Some(id), false)));
            } else {
                candidates.push((id, None, false));
            }
        }
    } else {
        let term = q.to_lowercase();
        let named: Vec<String> = sqlx::query_scalar("SELECT customer_id FROM search_short_terms WHERE term = ? ORDER BY customer_id DESC LIMIT ?")
            .bind(&term)
            .bind(CANDIDATES)
            .fetch_all(&mut *conn)
            .await?;
        candidates.extend(named.into_iter().map(|c| (c, None, false)));
        // Two characters of a plate are its province and city (沪A): a prefix, not a fragment, is what people mean.
        let plated: Vec<(String, String)> =
            sqlx::query_as("SELECT customer_id, id FROM vehicles WHERE plate >= ?1 AND plate < ?1 || char(1114111) ORDER BY plate LIMIT ?2")
                .bind(&key)
                .bind(CANDIDATES)
                .fetch_all(&mut *conn)
                .await?;
        candidates.extend(plated.into_iter().map(|(c, v)| (c, Some(v), false)));
    }

    // Exact matches first, then in the order found; one hit per customer.
    candidates.sort_by_key(|(_, _, exact)| !*exact);
    let mut hits: Vec<SearchHit> = Vec::new();
    for (customer_id, vehicle_id, exact) in candidates {
        if hits.len() >= limit {
            break;
        }
        if hits.iter().any(|h| h.customer.id == customer_id) {
            continue;
        }
        if let Some(hit) = load_hit(conn, &customer_id, vehicle_id, exact).await? {
            hits.push(hit);
        }
    }
    Ok(SearchResults { hits, typed: classify(&q) })
}

/// A customer's number, name and masked phones; None when no such customer is here.
pub async fn customer_summary(conn: &mut SqliteConnection, customer_id: &str) -> Result<Option<CustomerSummary>> {
    let Some(mut customer) =
        sqlx::query_as::<_, CustomerSummary>("SELECT id, customer_no, name FROM customers WHERE id = ?").bind(customer_id).fetch_optional(&mut *conn).await?
    else {
        return Ok(None);
    };
    let phones: Vec<String> =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position").bind(customer_id).fetch_all(&mut *conn).await?;
    customer.phones = mask_phones(&phones);
    Ok(Some(customer))
}

async fn load_hit(conn: &mut SqliteConnection, customer_id: &str, matched_vehicle_id: Option<String>, exact: bool) -> Result<Option<SearchHit>> {
    let merged: Option<bool> =
        sqlx::query_scalar("SELECT merged_into IS NOT NULL FROM customers WHERE id = ?").bind(customer_id).fetch_optional(&mut *conn).await?;
    if merged != Some(false) {
        return Ok(None);
    }
    let Some(customer) = customer_summary(conn, customer_id).await? else {
        return Ok(None);
    };
    let mut vehicles =
        sqlx::query_as::<_, VehicleSummary>("SELECT id, plate, vin, make, model, model_year FROM vehicles WHERE customer_id = ? ORDER BY updated_at DESC")
            .bind(customer_id)
            .fetch_all(&mut *conn)
            .await?;
    // The matched vehicle leads, so Enter on the hit checks in the car that was asked for.
    if let Some(m) = &matched_vehicle_id {
        if let Some(pos) = vehicles.iter().position(|v| &v.id == m) {
            let v = vehicles.remove(pos);
            vehicles.insert(0, v);
        }
    }
    Ok(Some(SearchHit { customer, vehicles, matched_vehicle_id, exact }))
}

async fn doc_id(conn: &mut SqliteConnection, kind: &str, ref_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO search_docs (kind, ref_id) VALUES (?, ?) ON CONFLICT (ref_id) DO UPDATE SET kind = excluded.kind RETURNING doc_id")
        .bind(kind)
        .bind(ref_id)
        .fetch_one(conn)
        .await?)
}

async fn replace_body(conn: &mut SqliteConnection, doc: i64, body: &str) -> Result<()> {
    sqlx::query("DELETE FROM search_fts WHERE rowid = ?").bind(doc).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO search_fts (rowid, body) VALUES (?, ?)").bind(doc).bind(body).execute(&mut *conn).await?;
    Ok(())
}

/// The one- and two-character pieces of a name, lower-cased, for short queries.
pub fn short_terms(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.to_lowercase().chars().collect();
    let mut terms: Vec<String> = Vec::new();
    for i in 0..chars.len() {
        if !chars[i].is_whitespace() {
            terms.push(chars[i].to_string());
            if let Some(next) = chars.get(i + 1).filter(|c| !c.is_whitespace()) {
                terms.push([chars[i], *next].iter().collect());
            }
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

pub async fn index_customer(conn: &mut SqliteConnection, customer_id: &str) -> Result<()> {
    let (name, number, company, email, merged): (String, String, Option<String>, Option<String>, bool) =
        sqlx::query_as("SELECT name, customer_no, company, email, merged_into IS NOT NULL FROM customers WHERE id = ?")
            .bind(customer_id)
            .fetch_one(&mut *conn)
            .await?;
    if merged {
        let doc: Option<i64> = sqlx::query_scalar("SELECT doc_id FROM search_docs WHERE ref_id = ?").bind(customer_id).fetch_optional(&mut *conn).await?;
        if let Some(doc) = doc {
            sqlx::query("DELETE FROM search_fts WHERE rowid = ?").bind(doc).execute(&mut *conn).await?;
        }
        sqlx::query("DELETE FROM search_short_terms WHERE customer_id = ?").bind(customer_id).execute(&mut *conn).await?;
        return Ok(());
    }
    let phones: Vec<String> = sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ?").bind(customer_id).fetch_all(&mut *conn).await?;
    let body = [name.as_str(), &number, company.as_deref().unwrap_or(""), email.as_deref().unwrap_or(""), &phones.join(" ")].join(" ");
    let doc = doc_id(conn, "customer", customer_id).await?;
    replace_body(conn, doc, &body).await?;
    sqlx::query("DELETE FROM search_short_terms WHERE customer_id = ?").bind(customer_id).execute(&mut *conn).await?;
    for term in short_terms(&name) {
        sqlx::query("INSERT OR IGNORE INTO search_short_terms (term, customer_id) VALUES (?, ?)").bind(term).bind(customer_id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn index_vehicle(conn: &mut SqliteConnection, vehicle_id: &str) -> Result<()> {
    let (plate, vin): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT plate, vin FROM vehicles WHERE id = ?").bind(vehicle_id).fetch_one(&mut *conn).await?;
    let old: Vec<String> =
        sqlx::query_scalar("SELECT plate FROM vehicle_plates WHERE vehicle_id = ? AND valid_to IS NOT NULL").bind(vehicle_id).fetch_all(&mut *conn).await?;
    let body = [plate.as_deref().unwrap_or(""), vin.as_deref().unwrap_or(""), &old.join(" ")].join(" ");
    let doc = doc_id(conn, "vehicle", vehicle_id).await?;
    replace_body(conn, doc, &body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_terms_of_a_chinese_name_are_its_characters_and_pairs() {
        assert_eq!(short_terms("王芳芳"), vec!["王", "王芳", "芳", "芳芳"]);
    }

    #[test]
    fn short_terms_skip_spaces_in_latin_names() {
        let terms = short_terms("Li Na");
        assert!(terms.contains(&"li".to_string()) && terms.contains(&"na".to_string()));
        assert!(!terms.iter().any(|t| t.contains(' ')));
    }

    #[test]
    fn compact_upper_cases_and_drops_separators() {
        assert_eq!(compact(" 沪a·123 45 "), "沪A12345");
    }
}
