//! Head-office admin commands: stations, master-data loads from CSV, settings,
//! the console's first administrator. `main.rs` maps the command line onto
//! these; tests call them directly.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;
use sqlx::PgPool;

use crate::store::master;
use crate::{categories, master_rows};

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

/// Reads a CSV file into its rows, stopping at the first line that cannot be read.
fn read_csv(path: &Path) -> anyhow::Result<Vec<(usize, master_rows::Row)>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let rows = master_rows::read_csv(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    rows.into_iter().map(|(line, row)| row.map(|r| (line, r)).map_err(|e| anyhow::anyhow!("{}: line {line}: {e}", path.display()))).collect()
}

/// Every row checked by `check` (master_rows, which the console uses too); the first bad one stops the load.
fn checked(path: &Path, what: &str, check: fn(&master_rows::Row) -> Result<(String, Value), master_rows::RowError>) -> anyhow::Result<Vec<(String, Value)>> {
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (line, row) in read_csv(path)? {
        let (id, payload) = check(&row).map_err(|e| anyhow::anyhow!("line {line}: {e}"))?;
        if !seen.insert(id.clone()) {
            bail!("{what} {id} appears twice in the file");
        }
        rows.push((id, payload));
    }
    Ok(rows)
}

/// `code, description, standard_hours_milli, rate_minor[, …]`
pub async fn load_labor(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let rows = checked(path, "labor operation", master_rows::labor)?;
    Ok(master::upsert(pool, master::LABOR, &rows).await?)
}

/// `part_no, name, unit_price_minor[, …]`
pub async fn load_parts(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let rows = checked(path, "part", master_rows::part)?;
    Ok(master::upsert(pool, master::PARTS, &rows).await?)
}

/// `campaign_id, title, vins, vin_from, vin_to` (`master_rows::recall`): `vins`
/// is a list separated by spaces, `;` or `|`; `vin_from`/`vin_to` an inclusive
/// range. Several lines may share a campaign id: their VINs and ranges add up.
pub async fn load_recalls(pool: &PgPool, path: &Path) -> anyhow::Result<usize> {
    let mut campaigns: BTreeMap<String, Value> = BTreeMap::new();
    for (line, row) in read_csv(path)? {
        let (id, payload) = master_rows::recall(&row).map_err(|e| anyhow::anyhow!("line {line}: {}", e.message))?;
        match campaigns.get_mut(&id) {
            Some(p) => master_rows::merge_recall(p, &payload),
            None => {
                campaigns.insert(id, payload);
            }
        }
    }
    let mut rows = Vec::new();
    for (id, payload) in campaigns {
        if let Err(e) = master_rows::recall_complete(&payload) {
            bail!("campaign {id}: {}", e.message);
        }
        rows.push((id, payload));
    }
    Ok(master::upsert(pool, master::RECALL, &rows).await?)
}

/// A station setting for every station (e.g. `tax_rate_bp 1300`). The value is
/// stored as JSON when it parses as JSON (numbers, booleans), else as text.
pub async fn set_setting(pool: &PgPool, key: &str, value: &str) -> anyhow::Result<()> {
    let row = master_rows::setting(key, value).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let mut tx = pool.begin().await?;
    if row.0 == categories::SETTING_KEY {
        let before = master::get(&mut tx, master::SETTING, &row.0).await?;
        categories::check_setting(&row.1["value"], &categories::stored_known(before.as_ref())).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    master::upsert_in(&mut tx, master::SETTING, &[row]).await?;
    tx.commit().await?;
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
