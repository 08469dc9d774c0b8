//! Head-office admin commands: stations, master-data loads from CSV, settings,
//! the console's first administrator. `main.rs` maps the command line onto
//! these; tests call them directly.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{json, Map, Value};
use sqlx::PgPool;

use crate::store::master;

pub use crate::console::accounts::create_admin;
pub use crate::store::stations::{create_station, new_enrollment_code, revoke};

/// The variable `create-admin` takes the password from, when set.
pub const ADMIN_PASSWORD_VAR: &str = "HEADOFFICE_ADMIN_PASSWORD";

/// A password for `create-admin`: from [`ADMIN_PASSWORD_VAR`], else the first
/// line of stdin (typed without echo at a terminal). Never an argument: the
/// command line of a process is visible to every user of the machine.
pub fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Ok(p) = std::env::var(ADMIN_PASSWORD_VAR) {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let stty = |arg: &str| std::process::Command::new("stty").arg(arg).stdin(std::process::Stdio::inherit()).status().is_ok_and(|s| s.success());
    let hidden = terminal && stty("-echo");
    if terminal {
        eprint!("password for the new administrator: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if hidden {
        stty("echo");
        eprintln!();
    }
    read.context("cannot read the password from stdin")?;
    let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line).to_string();
    if password.is_empty() {
        bail!("no password: pipe it on stdin or set {ADMIN_PASSWORD_VAR}");
    }
    Ok(password)
}

/// Reads a CSV file with a header row into one map per line (column → trimmed text).
fn read_csv(path: &Path) -> anyhow::Result<Vec<(usize, BTreeMap<String, String>)>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers: Vec<String> = reader.headers()?.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), n + 2))?;
        rows.push((n + 2, headers.iter().cloned().zip(record.iter().map(str::to_string)).collect()));
    }
    Ok(rows)
}

fn required<'a>(row: &'a BTreeMap<String, String>, line: usize, col: &str) -> anyhow::Result<&'a str> {
    match row.get(col).map(String::as_str) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => bail!("line {line}: column {col} is required"),
    }
}

fn integer(row: &BTreeMap<String, String>, line: usize, col: &str) -> anyhow::Result<i64> {
    let v = required(row, line, col)?;
    let n: i64 = v.parse().with_context(|| format!("line {line}: {col} must be a whole number (minor units / thousandths), not {v:?}"))?;
    if n < 0 {
        bail!("line {line}: {col} cannot be negative");
    }
    Ok(n)
}

/// The row as a payload: the named typed fields, plus every other column as text.
fn payload(row: &BTreeMap<String, String>, typed: Map<String, Value>) -> Value {
    let mut obj = typed;
    for (k, v) in row {
        obj.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
    }
    Value::Object(obj)
}

fn no_duplicates(rows: &[(String, Value)], what: &str) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for (id, _) in rows {
        if !seen.insert(id) {
            bail!("{what} {id} appears twice in the file");
        }
    }
    Ok(())
}

/// `code, description, standard_hours_milli, rate_minor[, …]`
pub async fn load_labor(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let mut rows = Vec::new();
    for (line, row) in read_csv(path)? {
        let code = required(&row, line, "code")?.to_string();
        let mut typed = Map::new();
        typed.insert("code".into(), json!(code));
        typed.insert("description".into(), json!(required(&row, line, "description")?));
        typed.insert("standard_hours_milli".into(), json!(integer(&row, line, "standard_hours_milli")?));
        typed.insert("rate_minor".into(), json!(integer(&row, line, "rate_minor")?));
        rows.push((code, payload(&row, typed)));
    }
    no_duplicates(&rows, "labor operation")?;
    Ok(master::upsert(pool, "labor_catalog", &rows).await?)
}

/// `part_no, name, unit_price_minor[, …]`
pub async fn load_parts(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let mut rows = Vec::new();
    for (line, row) in read_csv(path)? {
        let part_no = required(&row, line, "part_no")?.to_string();
        let mut typed = Map::new();
        typed.insert("part_no".into(), json!(part_no));
        typed.insert("name".into(), json!(required(&row, line, "name")?));
        typed.insert("unit_price_minor".into(), json!(integer(&row, line, "unit_price_minor")?));
        rows.push((part_no, payload(&row, typed)));
    }
    no_duplicates(&rows, "part")?;
    Ok(master::upsert(pool, "parts_catalog", &rows).await?)
}

fn check_vin(vin: &str, line: usize) -> anyhow::Result<String> {
    let vin = vin.trim().to_ascii_uppercase();
    let ok = vin.len() == 17 && vin.bytes().all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'I' | b'O' | b'Q'));
    if !ok {
        bail!("line {line}: {vin:?} is not a VIN (17 letters and digits, no I, O or Q)");
    }
    Ok(vin)
}

/// `campaign_id, title, vins, vin_from, vin_to`: `vins` is a list separated by
/// spaces, `;` or `|`; `vin_from`/`vin_to` an inclusive range (VINs compare as
/// text, so a range is one model's serial numbers). Several lines may share a
/// campaign id: their VINs and ranges add up.
pub async fn load_recalls(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let mut campaigns: BTreeMap<String, (String, Vec<String>, Vec<Value>)> = BTreeMap::new();
    for (line, row) in read_csv(path)? {
        let id = required(&row, line, "campaign_id")?.to_string();
        let title = row.get("title").cloned().unwrap_or_default();
        let entry = campaigns.entry(id).or_insert_with(|| (title.clone(), Vec::new(), Vec::new()));
        if entry.0.is_empty() {
            entry.0 = title;
        }
        for vin in row.get("vins").map(String::as_str).unwrap_or("").split([' ', ';', '|', ',']).filter(|v| !v.trim().is_empty()) {
            entry.1.push(check_vin(vin, line)?);
        }
        match (row.get("vin_from").filter(|v| !v.is_empty()), row.get("vin_to").filter(|v| !v.is_empty())) {
            (Some(from), Some(to)) => {
                let (from, to) = (check_vin(from, line)?, check_vin(to, line)?);
                if from > to {
                    bail!("line {line}: vin_from {from} is after vin_to {to}");
                }
                entry.2.push(json!({"from": from, "to": to}));
            }
            (None, None) => {}
            _ => bail!("line {line}: a VIN range needs both vin_from and vin_to"),
        }
    }
    let mut rows = Vec::new();
    for (id, (title, mut vins, ranges)) in campaigns {
        if vins.is_empty() && ranges.is_empty() {
            bail!("campaign {id} lists no VINs and no VIN range");
        }
        vins.sort();
        vins.dedup();
        rows.push((id.clone(), json!({"campaign_id": id, "title": title, "vins": vins, "vin_ranges": ranges})));
    }
    Ok(master::upsert(pool, "recall_campaign", &rows).await?)
}

/// A station setting for every station (e.g. `tax_rate_bp 1300`). The value is
/// stored as JSON when it parses as JSON (numbers, booleans), else as text.
pub async fn set_setting(pool: &PgPool, key: &str, value: &str) -> anyhow::Result<()> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
        bail!("a setting key is letters, digits, '_' and '.': {key:?}");
    }
    let value: Value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    master::upsert(pool, "setting", &[(key.to_string(), json!({"key": key, "value": value}))]).await?;
    Ok(())
}

/// Rebuilds the KPI sums of one station (by code) or of every station from
/// their records: after restoring a database, or after running with
/// `kpi_summaries = false`. Returns how many stations were rebuilt.
pub async fn rebuild_kpis(pool: &PgPool, code: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<usize> {
    let stations: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT station_id FROM stations WHERE $1::text IS NULL OR code = $1 ORDER BY code").bind(code).fetch_all(pool).await?;
    if let (Some(code), true) = (code, stations.is_empty()) {
        bail!("no station with code {code}");
    }
    for station in &stations {
        crate::store::kpis::rebuild_station(pool, *station, now).await?;
    }
    Ok(stations.len())
}
