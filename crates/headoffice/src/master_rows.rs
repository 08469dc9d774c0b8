//! Master-data rows checked field by field, ONE place for both ways in: the
//! command line's CSV loads (`admin.rs`) and the console's forms and uploads
//! (`console/master.rs`). A row is column → text, as a CSV line has it; a bad
//! one is refused naming its line (CSV) and its field, with a stable code.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::categories;

/// A row as read: column (lower case) → trimmed text.
pub type Row = BTreeMap<String, String>;

/// Why a row was refused: the field and a dotted code the UI translates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
    /// The specifics of the message, for a translated one (`max`, `id`, `path`).
    pub params: BTreeMap<String, String>,
}

impl RowError {
    pub(crate) fn new(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.to_string(), code, message: message.into(), params: BTreeMap::new() }
    }

    pub(crate) fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_string(), value.to_string());
        self
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A CSV with a header row: each line's number in the file (the header is line 1) and its row.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, Result<Row, String>)>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader.headers().map_err(|e| format!("the header line cannot be read: {e}"))?.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = record.map(|r| headers.iter().cloned().zip(r.iter().map(str::to_string)).collect()).map_err(|e| e.to_string());
        rows.push((n + 2, row));
    }
    Ok(rows)
}

pub fn required<'a>(row: &'a Row, col: &str) -> Result<&'a str, RowError> {
    match row.get(col).map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(RowError::new(col, "master.required", format!("{col} is required"))),
    }
}

fn whole_number(row: &Row, col: &str) -> Result<i64, RowError> {
    let v = required(row, col)?;
    let n: i64 =
        v.parse().map_err(|_| RowError::new(col, "master.whole_number", format!("{col} must be a whole number (minor units / thousandths), not {v:?}")))?;
    if n < 0 {
        return Err(RowError::new(col, "master.negative", format!("{col} cannot be negative")));
    }
    Ok(n)
}

fn text(row: &Row, col: &str, max: usize) -> Result<String, RowError> {
    let v = required(row, col)?;
    if v.chars().count() > max {
        return Err(RowError::new(col, "master.too_long", format!("{col} is at most {max} characters")));
    }
    Ok(v.to_string())
}

/// The row as a payload: the named typed fields, plus every other column as text.
fn payload(row: &Row, typed: Map<String, Value>) -> Value {
    let mut obj = typed;
    for (k, v) in row {
        obj.entry(k.clone()).or_insert_with(|| Value::String(v.trim().to_string()));
    }
    Value::Object(obj)
}

/// A labor operation: `code, description, standard_hours_milli, rate_minor[, …]` → (code, payload).
pub fn labor(row: &Row) -> Result<(String, Value), RowError> {
    let code = text(row, "code", 64)?;
    let mut typed = Map::new();
    typed.insert("code".into(), json!(code));
    typed.insert("description".into(), json!(text(row, "description", 200)?));
    typed.insert("standard_hours_milli".into(), json!(whole_number(row, "standard_hours_milli")?));
    typed.insert("rate_minor".into(), json!(whole_number(row, "rate_minor")?));
    Ok((code, payload(row, typed)))
}

/// A part and its price: `part_no, name, unit_price_minor[, …]` → (part_no, payload).
pub fn part(row: &Row) -> Result<(String, Value), RowError> {
    let part_no = text(row, "part_no", 64)?;
    let mut typed = Map::new();
    typed.insert("part_no".into(), json!(part_no));
    typed.insert("name".into(), json!(text(row, "name", 200)?));
    typed.insert("unit_price_minor".into(), json!(whole_number(row, "unit_price_minor")?));
    Ok((part_no, payload(row, typed)))
}

/// A VIN in upper case: 17 letters and digits, no I, O or Q.
pub fn vin(raw: &str, field: &str) -> Result<String, RowError> {
    let vin = raw.trim().to_ascii_uppercase();
    let ok = vin.len() == 17 && vin.bytes().all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'I' | b'O' | b'Q'));
    if !ok {
        return Err(RowError::new(field, "master.vin", format!("{vin:?} is not a VIN (17 letters and digits, no I, O or Q)")));
    }
    Ok(vin)
}

/// VINs in one cell: separated by spaces, `;`, `|` or `,`; each checked.
fn vin_list(row: &Row, col: &str) -> Result<Vec<String>, RowError> {
    row.get(col).map(String::as_str).unwrap_or("").split([' ', ';', '|', ',']).filter(|v| !v.trim().is_empty()).map(|v| vin(v, col)).collect()
}

/// One line of a recall campaign: `campaign_id, title, vins, vin_from, vin_to`
/// → (campaign_id, payload `{campaign_id, title, vins, vin_ranges: [{from, to}]}`).
/// `vins` is a list; `vin_from`/`vin_to` an inclusive range (VINs compare as
/// text, so a range is one model's serial numbers), or several, paired in
/// order. A line may list nothing: lines sharing an id add up
/// ([`merge_recall`]), and [`recall_complete`] checks the whole campaign.
pub fn recall(row: &Row) -> Result<(String, Value), RowError> {
    let id = text(row, "campaign_id", 64)?;
    let title = row.get("title").map(|t| t.trim()).unwrap_or("");
    if title.chars().count() > 200 {
        return Err(RowError::new("title", "master.too_long", "title is at most 200 characters"));
    }
    let mut vins = vin_list(row, "vins")?;
    vins.sort();
    vins.dedup();
    let (from, to) = (vin_list(row, "vin_from")?, vin_list(row, "vin_to")?);
    if from.len() != to.len() {
        let field = if from.len() < to.len() { "vin_from" } else { "vin_to" };
        return Err(RowError::new(
            field,
            "master.vin_range_pair",
            "a VIN range needs both vin_from and vin_to (several ranges: as many of each, paired in order)",
        ));
    }
    let mut ranges = Vec::new();
    for (f, t) in from.into_iter().zip(to) {
        if f > t {
            return Err(RowError::new("vin_to", "master.vin_range_order", format!("vin_from {f} is after vin_to {t}")));
        }
        ranges.push(json!({"from": f, "to": t}));
    }
    Ok((id.clone(), json!({"campaign_id": id, "title": title, "vins": vins, "vin_ranges": ranges})))
}

/// Adds a later line of the same campaign: its VINs and ranges join, its title fills an empty one.
pub fn merge_recall(into: &mut Value, more: &Value) {
    if into["title"].as_str().unwrap_or("").is_empty() {
        into["title"] = more["title"].clone();
    }
    let mut vins: Vec<Value> = into["vins"].as_array().cloned().unwrap_or_default();
    vins.extend(more["vins"].as_array().cloned().unwrap_or_default());
    vins.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    vins.dedup();
    into["vins"] = Value::Array(vins);
    let mut ranges: Vec<Value> = into["vin_ranges"].as_array().cloned().unwrap_or_default();
    for r in more["vin_ranges"].as_array().cloned().unwrap_or_default() {
        if !ranges.contains(&r) {
            ranges.push(r);
        }
    }
    into["vin_ranges"] = Value::Array(ranges);
}

/// A whole campaign has a title and covers at least one VIN or range.
pub fn recall_complete(payload: &Value) -> Result<(), RowError> {
    if payload["title"].as_str().unwrap_or("").is_empty() {
        return Err(RowError::new("title", "master.required", "title is required"));
    }
    let empty = |k: &str| payload[k].as_array().is_none_or(|a| a.is_empty());
    if empty("vins") && empty("vin_ranges") {
        return Err(RowError::new("vins", "master.recall_no_vins", "a campaign lists VINs or a VIN range (vin_from, vin_to)"));
    }
    Ok(())
}

/// A stored campaign as its form and CSV line show it (the inverse of [`recall`]).
pub fn recall_fields(payload: &Value) -> Row {
    let list =
        |k: &str, f: &dyn Fn(&Value) -> Option<String>| payload[k].as_array().map(|a| a.iter().filter_map(f).collect::<Vec<_>>().join(" ")).unwrap_or_default();
    let mut row = Row::new();
    row.insert("campaign_id".into(), payload["campaign_id"].as_str().unwrap_or("").to_string());
    row.insert("title".into(), payload["title"].as_str().unwrap_or("").to_string());
    row.insert("vins".into(), list("vins", &|v| v.as_str().map(str::to_string)));
    row.insert("vin_from".into(), list("vin_ranges", &|r| r["from"].as_str().map(str::to_string)));
    row.insert("vin_to".into(), list("vin_ranges", &|r| r["to"].as_str().map(str::to_string)));
    row
}

/// A setting for every station: `key` is letters, digits, `_` and `.`; the
/// value is stored as JSON when it parses as JSON (numbers, booleans), else as
/// text. `complaint_categories` must be a tree stations can apply (`categories::check_setting`);
/// that it keeps the stored tree's ids is checked where the stored tree is at hand.
pub fn setting(key: &str, value: &str) -> Result<(String, Value), RowError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        return Err(RowError::new("key", "master.setting_key", format!("a setting key is letters, digits, '_' and '.': {key:?}")));
    }
    let value: Value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    if key == categories::SETTING_KEY {
        categories::check_setting(&value, &categories::Known::new())?;
    }
    if key.starts_with("retention.") {
        check_retention(key, &value)?;
    }
    Ok((key.to_string(), json!({"key": key, "value": value})))
}

/// The retention periods stations destroy records by (docs/privacy.md): a known
/// kind, in whole days, 30 to 36,500. A station ignores any other value.
pub const RETENTION_KEYS: &[&str] = &[
    "retention.repair_order_days",
    "retention.photo_days",
    "retention.customer_without_order_days",
    "retention.complaint_days",
    "retention.follow_up_days",
    "retention.service_request_days",
];

fn check_retention(key: &str, value: &Value) -> Result<(), RowError> {
    if !RETENTION_KEYS.contains(&key) {
        return Err(RowError::new("key", "master.retention_key", format!("the retention settings are {}", RETENTION_KEYS.join(", "))));
    }
    match value.as_i64() {
        Some(days) if (30..=36_500).contains(&days) => Ok(()),
        _ => Err(RowError::new("value", "master.retention_days", "a retention period is a whole number of days from 30 to 36500")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_retention_period_is_a_known_kind_in_whole_days_within_range() {
        let (key, p) = setting("retention.repair_order_days", "2190").unwrap();
        assert_eq!((key.as_str(), &p["value"]), ("retention.repair_order_days", &json!(2190)));
        assert_eq!(setting("retention.repair_order_days", "7").unwrap_err().code, "master.retention_days");
        assert_eq!(setting("retention.photo_days", "two years").unwrap_err().code, "master.retention_days");
        assert_eq!(setting("retention.everything_days", "365").unwrap_err().code, "master.retention_key");
        for key in ["retention.complaint_days", "retention.follow_up_days", "retention.service_request_days"] {
            assert_eq!(setting(key, "1095").unwrap().1["value"], json!(1095), "{key}");
        }
    }

    #[test]
    fn a_labor_row_keeps_its_extra_columns_and_names_a_bad_field() {
        let (code, p) =
            labor(&row(&[("code", "OIL"), ("description", "换机油"), ("standard_hours_milli", "500"), ("rate_minor", "12000"), ("group", "A")])).unwrap();
        assert_eq!(code, "OIL");
        assert_eq!(p["standard_hours_milli"], 500);
        assert_eq!(p["group"], "A");
        let bad = labor(&row(&[("code", "OIL"), ("description", "x"), ("standard_hours_milli", "half"), ("rate_minor", "1")])).unwrap_err();
        assert_eq!((bad.field.as_str(), bad.code), ("standard_hours_milli", "master.whole_number"));
        let missing = part(&row(&[("part_no", "P1"), ("unit_price_minor", "5")])).unwrap_err();
        assert_eq!((missing.field.as_str(), missing.code), ("name", "master.required"));
        let negative = part(&row(&[("part_no", "P1"), ("name", "n"), ("unit_price_minor", "-5")])).unwrap_err();
        assert_eq!(negative.code, "master.negative");
    }

    #[test]
    fn recall_lines_add_up_and_a_range_needs_both_ends_in_order() {
        let (id, mut p) = recall(&row(&[("campaign_id", "RC-1"), ("title", "气囊"), ("vins", "1m8gdm9axkp042788;1M8GDM9AXKP042788")])).unwrap();
        assert_eq!((id.as_str(), p["vins"].as_array().unwrap().len()), ("RC-1", 1), "upper-cased and deduplicated");
        let (_, more) = recall(&row(&[("campaign_id", "RC-1"), ("vin_from", "LSVAA000000000001"), ("vin_to", "LSVAA000000009999")])).unwrap();
        merge_recall(&mut p, &more);
        assert_eq!(p["vin_ranges"], json!([{"from": "LSVAA000000000001", "to": "LSVAA000000009999"}]));
        assert_eq!(recall(&recall_fields(&p)).unwrap().1, p, "the form's text reads back as the same campaign");
        recall_complete(&p).unwrap();
        let half = recall(&row(&[("campaign_id", "RC-2"), ("vin_from", "LSVAA000000000001")])).unwrap_err();
        assert_eq!((half.field.as_str(), half.code), ("vin_to", "master.vin_range_pair"));
        let backwards = recall(&row(&[("campaign_id", "RC-2"), ("vin_from", "LSVAA000000000009"), ("vin_to", "LSVAA000000000001")])).unwrap_err();
        assert_eq!(backwards.code, "master.vin_range_order");
        let (_, empty) = recall(&row(&[("campaign_id", "RC-3"), ("title", "x")])).unwrap();
        assert_eq!(recall_complete(&empty).unwrap_err().field, "vins");
    }

    #[test]
    fn csv_lines_are_numbered_as_the_file_shows_them() {
        let rows = read_csv(b"Code,description\nA,x\nB,y\n").unwrap();
        assert_eq!(rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(rows[1].1.as_ref().unwrap()["code"], "B");
    }
}
