//! Customer archives (客户档案): create, edit, read with vehicles and history.
//! Customer numbers follow the manuals' archive numbering; see `domain::CustomerNo`.
//! Saving warns of a likely duplicate (`duplicates.rs`) until the user confirms;
//! a merged customer (`merge.rs`) is a read-only tombstone pointing at the survivor.
//!
//! Consent (PIPL): the station keeps what a service needs (name, phones, the
//! vehicles and their orders) without consent, as performing the service
//! contract the customer asked for (PIPL art. 13(2)). `consent_data` is the
//! customer's consent to keeping the archive beyond that (reminders, history
//! shared across the network's stations); `consent_marketing` is separate and
//! optional. Neither is presumed: both start unticked, and the time each was
//! given is stored and synced, with the version of the text agreed to; every
//! giving and withdrawing is appended to `consent_history` (`consent.rs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::consent::{current, ConsentKind, Source};
use crate::domain::{CustomerNo, Phone, StationCode};
use crate::error::{ApiError, Invalid, Result};
use crate::ops::IdInput;
use crate::privacy::access_register::{self, AccessKind, Subject};
use crate::privacy::contact::{self, CustomerView};
use crate::repair_orders::{orders_for_customer, OrderSummary};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};
use crate::vehicles::{vehicles_of_customer, Vehicle};

pub const LANGUAGES: [&str; 3] = ["zh-CN", "zh-TW", "en"];

#[derive(Debug, Clone, Serialize, TS)]
pub struct Customer {
    pub id: String,
    pub customer_no: String,
    pub name: String,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// The language documents and messages go to the customer in.
    pub language: String,
    pub consent_marketing: bool,
    pub consent_data: bool,
    /// When the data consent was given: None while it is not given (or it was
    /// given before the time was recorded).
    #[ts(type = "string | null")]
    pub consent_data_at: Option<DateTime<Utc>>,
    /// When the marketing consent was given.
    #[ts(type = "string | null")]
    pub consent_marketing_at: Option<DateTime<Utc>>,
    /// The consent text version agreed to (`consent::TEXTS`); None while not
    /// given, or for consents given before versions were recorded.
    pub consent_data_version: Option<String>,
    pub consent_marketing_version: Option<String>,
    /// Agrees to follow-up calls after a service (回访); customers who refuse are not called.
    pub consent_follow_up: bool,
    pub notes: String,
    /// Set on a customer merged into another: the survivor's id. Such a record is a tombstone.
    pub merged_into: Option<String>,
    #[ts(type = "string | null")]
    pub merged_at: Option<DateTime<Utc>>,
    /// Set when a destruction run anonymised the customer past retention: the
    /// name is a placeholder then, not a person's (`retention::destroy`).
    #[ts(type = "string | null")]
    pub destroyed_at: Option<DateTime<Utc>>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct CustomerFields {
    pub name: String,
    pub phones: Vec<String>,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub company: String,
    pub language: String,
    #[serde(default)]
    pub consent_marketing: bool,
    #[serde(default)]
    pub consent_data: bool,
    #[serde(default = "agrees")]
    pub consent_follow_up: bool,
    #[serde(default)]
    pub notes: String,
    /// Warning codes the user confirmed: `customer.duplicate_phone`, `customer.similar_name`.
    #[serde(default)]
    #[ts(optional)]
    pub confirm: Option<Vec<String>>,
}

/// Follow-up calls are part of the service: a customer agrees unless they say otherwise.
fn agrees() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct UpdateCustomer {
    pub id: String,
    pub fields: CustomerFields,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CustomerDetail {
    /// Contact details masked for the caller (`privacy::contact`).
    pub customer: CustomerView,
    pub vehicles: Vec<Vehicle>,
    pub orders: Vec<OrderSummary>,
    /// The archive keeps complaints and satisfaction beside the orders.
    pub complaints: Vec<crate::aftersales::ledger::ComplaintRow>,
    pub surveys: Vec<crate::aftersales::follow_ups::SurveyRow>,
    /// The customer this one was merged into, when it is known here.
    pub merged_into: Option<crate::search::CustomerSummary>,
    /// Whether the caller may merge another customer into this one (a manager, on a live record).
    pub can_merge: bool,
    /// Whether the caller may check one of these vehicles in: the record is live (not merged
    /// away, not destroyed) and the caller checks cars in.
    pub can_check_in: bool,
    /// Whether a service request or a complaint may be opened for this customer: a live record.
    pub can_open_items: bool,
    /// Which levels (fuel, battery) check-in reads for each energy a vehicle may have.
    pub energy_levels: Vec<crate::domain::EnergyLevels>,
    /// Each consent: given or not, when, to which text version, and the text now shown.
    pub consents: Vec<crate::consent::ConsentState>,
    /// Every giving and withdrawing, oldest first.
    pub consent_history: Vec<crate::consent::ConsentEvent>,
    /// Which kinds of contact are allowed, and which are service-necessary.
    pub contact: Vec<crate::consent::ContactRule>,
    /// Whether the caller may export everything held on this customer (`export_customer`).
    pub can_export: bool,
}

/// `CustomerFields` once every field has parsed.
struct Valid {
    name: String,
    phones: Vec<Phone>,
    email: Option<String>,
    company: Option<String>,
    language: String,
    consent_marketing: bool,
    consent_data: bool,
    consent_follow_up: bool,
    notes: String,
}

fn validate(f: &CustomerFields) -> Result<Valid> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err(ApiError::field("name", Invalid::new("customer.name_required", "the customer's name is required")));
    }
    if name.chars().count() > 100 {
        return Err(ApiError::field("name", Invalid::new("text.too_long", "a name has at most 100 characters")));
    }
    let raw_phones: Vec<&String> = f.phones.iter().filter(|p| !p.trim().is_empty()).collect();
    if raw_phones.is_empty() {
        return Err(ApiError::field("phones.0", Invalid::new("customer.phone_required", "at least one phone number is required")));
    }
    let mut phones: Vec<Phone> = Vec::new();
    for (i, raw) in f.phones.iter().enumerate().filter(|(_, p)| !p.trim().is_empty()) {
        let phone = Phone::parse(raw).map_err(|e| ApiError::field(format!("phones.{i}"), e))?;
        if !phones.contains(&phone) {
            phones.push(phone);
        }
    }
    if phones.len() > 5 {
        return Err(ApiError::field("phones.5", Invalid::new("customer.too_many_phones", "at most five phone numbers")));
    }
    let email = Some(f.email.trim()).filter(|e| !e.is_empty()).map(str::to_string);
    if let Some(e) = &email {
        let ok = e.len() <= 254
            && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
            && !e.contains(char::is_whitespace);
        if !ok {
            return Err(ApiError::field("email", Invalid::new("email.format", "an email address looks like name@example.com")));
        }
    }
    let company = Some(f.company.trim()).filter(|c| !c.is_empty()).map(str::to_string);
    if company.as_ref().is_some_and(|c| c.chars().count() > 200) {
        return Err(ApiError::field("company", Invalid::new("text.too_long", "at most 200 characters")));
    }
    if !LANGUAGES.contains(&f.language.as_str()) {
        return Err(ApiError::field("language", Invalid::new("customer.language", "choose zh-CN, zh-TW or en")));
    }
    if f.notes.chars().count() > 4000 {
        return Err(ApiError::field("notes", Invalid::new("text.too_long", "notes have at most 4000 characters")));
    }
    Ok(Valid {
        name: name.to_string(),
        phones,
        email,
        company,
        language: f.language.clone(),
        consent_marketing: f.consent_marketing,
        consent_data: f.consent_data,
        consent_follow_up: f.consent_follow_up,
        notes: f.notes.trim().to_string(),
    })
}

pub async fn create_customer(station: &Station, caller: &Caller, input: CustomerFields) -> Result<CustomerView> {
    let me = caller.require(Permission::EditArchive)?;
    let v = validate(&input)?;
    let info = station.require_info().await?;
    let code = StationCode::parse(&info.code).map_err(|e| ApiError::internal(e.message))?;
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    crate::duplicates::refuse_customer_duplicate(&mut tx, &input, None).await?;
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO customer_sequences (station_id, last_seq) VALUES (?, 1)
         ON CONFLICT (station_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
    )
    .bind(&me.station_id)
    .fetch_one(&mut *tx)
    .await?;
    let number = CustomerNo::new(&code, seq as u32);
    let id = new_id();
    sqlx::query(
        "INSERT INTO customers (id, station_id, customer_no, name, email, company, language, consent_marketing, consent_data, consent_marketing_at, consent_data_at,
                                consent_marketing_version, consent_data_version, consent_follow_up, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&me.station_id)
    .bind(number.to_string())
    .bind(&v.name)
    .bind(&v.email)
    .bind(&v.company)
    .bind(&v.language)
    .bind(v.consent_marketing)
    .bind(v.consent_data)
    .bind(v.consent_marketing.then(|| ts(now)))
    .bind(v.consent_data.then(|| ts(now)))
    .bind(v.consent_marketing.then(|| current(ConsentKind::Marketing).version))
    .bind(v.consent_data.then(|| current(ConsentKind::Data).version))
    .bind(v.consent_follow_up)
    .bind(&v.notes)
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    write_phones(&mut tx, &me.station_id, &id, &v.phones, now).await?;
    let customer = finish_write(&mut tx, &me.station_id, &id, None, now).await?;
    crate::consent::record_changes(&mut tx, &me.station_id, None, &customer, Source::Desk { staff_id: &me.id }, now).await?;
    let view = contact::view_for(&mut tx, customer, me).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update_customer(station: &Station, caller: &Caller, input: UpdateCustomer) -> Result<CustomerView> {
    let me = caller.require(Permission::EditArchive)?;
    let mut tx = db::write_tx(station.pool()).await?;
    let before = load_customer(&mut tx, &input.id).await?;
    let mut input = input;
    keep_masked_contact(&mut input.fields, &before);
    let v = validate(&input.fields)?;
    let now = station.now();
    if let Some(survivor) = &before.merged_into {
        return Err(ApiError::conflict("customer.merged", "this customer was merged into another; edit that one").with("customer_id", survivor));
    }
    crate::retention::refuse_destroyed_customer(&mut tx, &input.id).await?;
    crate::duplicates::refuse_customer_duplicate(&mut tx, &input.fields, Some(&input.id)).await?;
    // A consent keeps the time and text version it was first given with (the
    // history has every change); withdrawing it clears both.
    let given_at = |now_given: bool, was: bool, at: Option<DateTime<Utc>>| match (now_given, was) {
        (false, _) => None,
        (true, true) => at.map(ts),
        (true, false) => Some(ts(now)),
    };
    let version = |now_given: bool, was: bool, kept: &Option<String>, kind: ConsentKind| match (now_given, was) {
        (false, _) => None,
        (true, true) => kept.clone(),
        (true, false) => Some(current(kind).version.to_string()),
    };
    let updated = sqlx::query(
        "UPDATE customers SET name = ?, email = ?, company = ?, language = ?, consent_marketing = ?, consent_data = ?, consent_marketing_at = ?, consent_data_at = ?,
                              consent_marketing_version = ?, consent_data_version = ?, consent_follow_up = ?, notes = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&v.name)
    .bind(&v.email)
    .bind(&v.company)
    .bind(&v.language)
    .bind(v.consent_marketing)
    .bind(v.consent_data)
    .bind(given_at(v.consent_marketing, before.consent_marketing, before.consent_marketing_at))
    .bind(given_at(v.consent_data, before.consent_data, before.consent_data_at))
    .bind(version(v.consent_marketing, before.consent_marketing, &before.consent_marketing_version, ConsentKind::Marketing))
    .bind(version(v.consent_data, before.consent_data, &before.consent_data_version, ConsentKind::Data))
    .bind(v.consent_follow_up)
    .bind(&v.notes)
    .bind(ts(now))
    .bind(&input.id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("customer"));
    }
    sqlx::query("DELETE FROM customer_phones WHERE customer_id = ?").bind(&input.id).execute(&mut *tx).await?;
    write_phones(&mut tx, &me.station_id, &input.id, &v.phones, now).await?;
    let customer = finish_write(&mut tx, &me.station_id, &input.id, Some(&before), now).await?;
    crate::consent::record_changes(&mut tx, &me.station_id, Some(&before), &customer, Source::Desk { staff_id: &me.id }, now).await?;
    let view = contact::view_for(&mut tx, customer, me).await?;
    tx.commit().await?;
    Ok(view)
}

/// The edit form shows the numbers and the e-mail masked; one sent back as it
/// was shown (`138****5678`, `w***@example.com`) means "keep it", so
/// correcting a name never needs the whole number on screen.
fn keep_masked_contact(fields: &mut CustomerFields, before: &Customer) {
    for sent in fields.phones.iter_mut().filter(|p| p.contains('*')) {
        let masked = sent.trim();
        if let Some(kept) = before.phones.iter().find(|p| Phone::parse(p).is_ok_and(|p| p.masked().as_str() == masked)) {
            *sent = kept.clone();
        }
    }
    if let Some(email) = before.email.as_deref().filter(|e| contact::mask_email(e) == fields.email.trim()) {
        fields.email = email.to_string();
    }
}

async fn write_phones(conn: &mut SqliteConnection, station_id: &str, customer_id: &str, phones: &[Phone], now: DateTime<Utc>) -> Result<()> {
    for (i, phone) in phones.iter().enumerate() {
        sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(new_id())
            .bind(station_id)
            .bind(customer_id)
            .bind(i as i64)
            .bind(phone.as_str())
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Reindexes the customer for search and queues its new state for sync, with
/// the fields that changed since `before` (all of them for a new customer).
pub(crate) async fn finish_write(conn: &mut SqliteConnection, station_id: &str, id: &str, before: Option<&Customer>, now: DateTime<Utc>) -> Result<Customer> {
    crate::search::index_customer(conn, id).await?;
    let customer = load_customer(conn, id).await?;
    let changed = outbox::changed_fields(before, &customer);
    outbox::append_shared(conn, station_id, "customer", id, &customer, &changed, now).await?;
    Ok(customer)
}

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: String,
    customer_no: String,
    name: String,
    email: Option<String>,
    company: Option<String>,
    language: String,
    consent_marketing: bool,
    consent_data: bool,
    consent_data_at: Option<DateTime<Utc>>,
    consent_marketing_at: Option<DateTime<Utc>>,
    consent_data_version: Option<String>,
    consent_marketing_version: Option<String>,
    consent_follow_up: bool,
    notes: String,
    merged_into: Option<String>,
    merged_at: Option<DateTime<Utc>>,
    destroyed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub async fn load_customer(conn: &mut SqliteConnection, id: &str) -> Result<Customer> {
    let row = sqlx::query_as::<_, CustomerRow>(
        "SELECT id, customer_no, name, email, company, language, consent_marketing, consent_data, consent_data_at, consent_marketing_at,
                consent_data_version, consent_marketing_version, consent_follow_up, notes,
                merged_into, merged_at, destroyed_at, created_at, updated_at
         FROM customers WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("customer"))?;
    let phones: Vec<String> =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY position").bind(id).fetch_all(&mut *conn).await?;
    Ok(Customer {
        id: row.id,
        customer_no: row.customer_no,
        name: row.name,
        phones,
        email: row.email,
        company: row.company,
        language: row.language,
        consent_marketing: row.consent_marketing,
        consent_data: row.consent_data,
        consent_data_at: row.consent_data_at,
        consent_marketing_at: row.consent_marketing_at,
        consent_data_version: row.consent_data_version,
        consent_marketing_version: row.consent_marketing_version,
        consent_follow_up: row.consent_follow_up,
        notes: row.notes,
        merged_into: row.merged_into,
        merged_at: row.merged_at,
        destroyed_at: row.destroyed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub async fn get_customer(station: &Station, caller: &Caller, input: IdInput) -> Result<CustomerDetail> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    let customer = load_customer(&mut conn, &input.id).await?;
    let merged_into = match &customer.merged_into {
        Some(survivor) => crate::search::customer_summary(&mut conn, survivor).await?,
        None => None,
    };
    // A merged customer lives on in the survivor; a destroyed one is registered anew if they return.
    let live = customer.merged_into.is_none() && customer.destroyed_at.is_none();
    let can_merge = live && Permission::MergeCustomers.allows(me.role);
    let (can_check_in, can_open_items) = (live && Permission::CheckIn.allows(me.role), live);
    let vehicles = vehicles_of_customer(&mut conn, &input.id, station.now()).await?;
    let orders = orders_for_customer(&mut conn, &input.id).await?;
    let complaints = crate::aftersales::ledger::complaints_of_customer(&mut conn, &input.id, station.now()).await?;
    let surveys = crate::aftersales::follow_ups::surveys_of_customer(&mut conn, &input.id).await?;
    let (consents, contact_rules) = (crate::consent::states(&customer), crate::consent::contact_rules(&customer));
    let consent_history = crate::consent::history(&mut conn, &input.id).await?;
    let can_export = Permission::ExportCustomer.allows(me.role);
    let customer = contact::view_for(&mut conn, customer, me).await?;
    drop(conn);
    access_register::opened(station, me, Subject { kind: AccessKind::Customer, subject_id: &input.id, customer_id: Some(&input.id), ro_id: None }).await?;
    Ok(CustomerDetail {
        customer,
        vehicles,
        orders,
        complaints,
        surveys,
        merged_into,
        can_merge,
        can_check_in,
        can_open_items,
        energy_levels: crate::domain::Energy::check_in_levels(),
        consents,
        consent_history,
        contact: contact_rules,
        can_export,
    })
}

/// Writes a customer as merged from the head office's feed (`sync::pull`):
/// the row, its phones and its search entry, but no outbox row, since this is
/// not a local edit. Returns whether anything changed.
pub(crate) async fn apply_pulled(
    conn: &mut SqliteConnection,
    station_id: &str,
    id: &str,
    f: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<bool> {
    use serde_json::Value;
    let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::trim);
    let opt = |k: &str| s(k).filter(|v| !v.is_empty()).map(str::to_string);
    let flag = |k: &str| f.get(k).and_then(Value::as_bool).unwrap_or(false);
    let Some(name) = s("name").filter(|n| !n.is_empty()).map(str::to_string) else {
        return Err(crate::sync::pull::bad_record("customer", id, "no name"));
    };
    let phones: Vec<String> = f.get("phones").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
    let language = s("language").filter(|l| LANGUAGES.contains(l)).unwrap_or(LANGUAGES[0]).to_string();
    let (email, company, notes) = (opt("email"), opt("company"), s("notes").unwrap_or("").to_string());
    let (marketing, data) = (flag("consent_marketing"), flag("consent_data"));
    let at = |k: &str| s(k).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    let (marketing_at, data_at, merged_at) = (at("consent_marketing_at"), at("consent_data_at"), at("merged_at"));
    // Destroyed elsewhere: the flag comes with the anonymised fields, and a pull never takes it back.
    let destroyed_at = at("destroyed_at");
    // Stations older than text versions send none.
    let (marketing_version, data_version) = (opt("consent_marketing_version"), opt("consent_data_version"));
    let merged_into = opt("merged_into");
    // Older stations do not send it: follow-up calls stay agreed.
    let follow_up = f.get("consent_follow_up").and_then(Value::as_bool).unwrap_or(true);
    let updated_at = s("updated_at").filter(|t| DateTime::parse_from_rfc3339(t).is_ok()).map(str::to_string).unwrap_or_else(|| ts(now));
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?)").bind(id).fetch_one(&mut *conn).await?;
    let phones_changed = if exists {
        let cur = load_customer(conn, id).await?;
        let same = cur.name == name
            && cur.phones == phones
            && cur.email == email
            && cur.company == company
            && cur.language == language
            && cur.consent_marketing == marketing
            && cur.consent_data == data
            && cur.consent_follow_up == follow_up
            && cur.consent_marketing_at == marketing_at
            && cur.consent_data_at == data_at
            && cur.consent_marketing_version == marketing_version
            && cur.consent_data_version == data_version
            && cur.merged_into == merged_into
            && cur.merged_at == merged_at
            && (destroyed_at.is_none() || cur.destroyed_at.is_some())
            && cur.notes == notes;
        if same {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE customers SET name = ?, email = ?, company = ?, language = ?, consent_marketing = ?, consent_data = ?, consent_marketing_at = ?, consent_data_at = ?,
                                  consent_marketing_version = ?, consent_data_version = ?, consent_follow_up = ?, notes = ?, merged_into = ?, merged_at = ?, updated_at = ?,
                                  destroyed_at = COALESCE(destroyed_at, ?)
             WHERE id = ?",
        )
            .bind(&name)
            .bind(&email)
            .bind(&company)
            .bind(&language)
            .bind(marketing)
            .bind(data)
            .bind(marketing_at.map(ts))
            .bind(data_at.map(ts))
            .bind(&marketing_version)
            .bind(&data_version)
            .bind(follow_up)
            .bind(&notes)
            .bind(&merged_into)
            .bind(merged_at.map(ts))
            .bind(&updated_at)
            .bind(destroyed_at.map(ts))
            .bind(id)
            .execute(&mut *conn)
            .await?;
        // A consent given or withdrawn at another station joins this station's history.
        let after = load_customer(conn, id).await?;
        crate::consent::record_changes(conn, station_id, Some(&cur), &after, Source::HeadOffice, now).await?;
        cur.phones != phones
    } else {
        let Some(number) = opt("customer_no") else {
            return Err(crate::sync::pull::bad_record("customer", id, "no customer_no"));
        };
        let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM customers WHERE customer_no = ?)").bind(&number).fetch_one(&mut *conn).await?;
        if taken {
            tracing::warn!(customer = id, number = %number, "a pulled customer's number is taken by another customer here; not stored");
            return Ok(false);
        }
        let created_at = s("created_at").filter(|t| DateTime::parse_from_rfc3339(t).is_ok()).map(str::to_string).unwrap_or_else(|| updated_at.clone());
        sqlx::query(
            "INSERT INTO customers (id, station_id, customer_no, name, email, company, language, consent_marketing, consent_data, consent_marketing_at, consent_data_at,
                                    consent_marketing_version, consent_data_version, consent_follow_up, notes, merged_into, merged_at, created_at, updated_at, destroyed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(station_id)
        .bind(&number)
        .bind(&name)
        .bind(&email)
        .bind(&company)
        .bind(&language)
        .bind(marketing)
        .bind(data)
        .bind(marketing_at.map(ts))
        .bind(data_at.map(ts))
        .bind(&marketing_version)
        .bind(&data_version)
        .bind(follow_up)
        .bind(&notes)
        .bind(&merged_into)
        .bind(merged_at.map(ts))
        .bind(&created_at)
        .bind(&updated_at)
        .bind(destroyed_at.map(ts))
        .execute(&mut *conn)
        .await?;
        let after = load_customer(conn, id).await?;
        crate::consent::record_changes(conn, station_id, None, &after, Source::HeadOffice, now).await?;
        true
    };
    if phones_changed {
        sqlx::query("DELETE FROM customer_phones WHERE customer_id = ?").bind(id).execute(&mut *conn).await?;
        for (i, phone) in phones.iter().enumerate() {
            sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(new_id())
                .bind(station_id)
                .bind(id)
                .bind(i as i64)
                .bind(phone)
                .bind(&updated_at)
                .bind(&updated_at)
                .execute(&mut *conn)
                .await?;
        }
    }
    crate::search::index_customer(conn, id).await?;
    Ok(true)
}
