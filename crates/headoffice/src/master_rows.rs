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
    let n: i64 = v.parse().map_err(|_| RowError::new(col, "master.whole_number", format!("{col} must be a whole number (minor units / thousandths), not {v:?}")))?;
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
    Ok((key.to_string(), json!({"key": key, "value": value})))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_labor_row_keeps_its_extra_columns_and_names_a_bad_field() {
        let (code, p) = labor(&row(&[("code", "OIL"), ("description", "换机油"), ("standard_hours_milli", "500"), ("rate_minor", "12000"), ("group", "A")])).unwrap();
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
    fn csv_lines_are_numbered_as_the_file_shows_them() {
        let rows = read_csv(b"Code,description\nA,x\nB,y\n").unwrap();
        assert_eq!(rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(rows[1].1.as_ref().unwrap()["code"], "B");
    }
}
