//! Configuration: a TOML file (`--config headoffice.toml`), then environment
//! variables `HEADOFFICE__DATABASE_URL`, `HEADOFFICE__LISTEN`,
//! `HEADOFFICE__TLS__CERT_PATH`, `HEADOFFICE__TLS__KEY_PATH`,
//! `HEADOFFICE__MIN_SCHEMA_VERSION`, `HEADOFFICE__MAX_CONNECTIONS`,
//! `HEADOFFICE__KPI_SWEEP_SECS`, `HEADOFFICE__KPI_DRAIN_MS`, `HEADOFFICE__CONSOLE_DIR`, which win over the file.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// A string that `Debug` does not print (the database URL holds a password).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert_path: Option<PathBuf>,
    pub key_path: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: Secret,
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Stations whose database schema is older than this get "update required".
    #[serde(default)]
    pub min_schema_version: u32,
    /// How long a one-time enrollment code stays valid.
    #[serde(default = "default_enrollment_hours")]
    pub enrollment_code_valid_hours: u32,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// TLS is terminated by a reverse proxy (docs/sync.md); these keys are
    /// accepted so a deployment can say where its certificate is, and serving
    /// refuses to start rather than silently serve plain HTTP when they are set.
    pub tls: Option<TlsConfig>,
    #[serde(default)]
    pub console: ConsoleConfig,
    /// Keep the KPI sums (docs/kpis-headoffice.md): pushes queue what they
    /// touched and it is counted outside the push. Off, pushes queue nothing
    /// and the sums stay stale until `admin rebuild-kpis`.
    #[serde(default = "default_true")]
    pub kpi_summaries: bool,
    /// Seconds between sweeps for deadlines that turned late with no write; 0: no sweep.
    #[serde(default = "default_kpi_sweep_secs")]
    pub kpi_sweep_secs: u64,
    /// Milliseconds between background drains of the pushes queued for the KPI
    /// sums; 0: none (the KPI reads still count what is queued before they answer).
    #[serde(default = "default_kpi_drain_ms")]
    pub kpi_drain_ms: u64,
    /// The console's built web pages (`npm run build` in ui/ writes `ui/dist-console`),
    /// served under `/console`. Unset: found next to the binary or in the checkout
    /// (`routes::console_ui::find`).
    #[serde(default)]
    pub console_dir: Option<PathBuf>,
}

/// The console's sessions and login throttle (`[console]` in the file).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Failed logins for one login within the window that lock it.
    pub login_max_failures: u32,
    /// Failed logins from one client address within the window that lock it
    /// (higher: one office behind one address has many people who mistype).
    pub ip_max_failures: u32,
    pub login_window_minutes: u32,
    pub login_lockout_minutes: u32,
    /// A session ends this long after login, however busy…
    pub session_hours: u32,
    /// …or after this long unused.
    pub session_idle_minutes: u32,
    /// Take the client's address from the last `X-Forwarded-For` entry. Only
    /// behind a reverse proxy that sets it: otherwise a client picks its own
    /// address and escapes the per-address throttle.
    pub trust_forwarded_for: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            login_max_failures: 5,
            ip_max_failures: 20,
            login_window_minutes: 15,
            login_lockout_minutes: 15,
            session_hours: 12,
            session_idle_minutes: 120,
            trust_forwarded_for: false,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8480".into()
}
fn default_enrollment_hours() -> u32 {
    72
}
fn default_max_connections() -> u32 {
    20
}
fn default_true() -> bool {
    true
}
fn default_kpi_drain_ms() -> u64 {
    1000
}
fn default_kpi_sweep_secs() -> u64 {
    300
}

impl Config {
    /// The defaults, with this database: what tests and benchmarks start from.
    pub fn for_database(url: impl Into<String>) -> Self {
        Self {
            database_url: Secret::new(url),
            listen: "127.0.0.1:0".into(),
            min_schema_version: 0,
            enrollment_code_valid_hours: default_enrollment_hours(),
            max_connections: default_max_connections(),
            tls: None,
            console: ConsoleConfig::default(),
            kpi_summaries: true,
            kpi_sweep_secs: default_kpi_sweep_secs(),
            kpi_drain_ms: default_kpi_drain_ms(),
            console_dir: None,
        }
    }

    /// Reads the file (if given) and applies `HEADOFFICE__*` variables on top.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_with(path, |k| std::env::var(k).ok())
    }

    pub fn load_with(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut table: toml::Table = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the configuration file {}", p.display()))?;
                text.parse().with_context(|| format!("{} is not valid TOML", p.display()))?
            }
            None => toml::Table::new(),
        };
        let mut set = |keys: &[&str], value: toml::Value| {
            let mut t = &mut table;
            for k in &keys[..keys.len() - 1] {
                let entry = t.entry(k.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let toml::Value::Table(inner) = entry else { return };
                t = inner;
            }
            t.insert(keys[keys.len() - 1].to_string(), value);
        };
        for (var, keys) in [
            ("HEADOFFICE__DATABASE_URL", &["database_url"][..]),
            ("HEADOFFICE__LISTEN", &["listen"]),
            ("HEADOFFICE__TLS__CERT_PATH", &["tls", "cert_path"]),
            ("HEADOFFICE__TLS__KEY_PATH", &["tls", "key_path"]),
            ("HEADOFFICE__CONSOLE_DIR", &["console_dir"]),
        ] {
            if let Some(v) = env(var) {
                set(keys, toml::Value::String(v));
            }
        }
        for (var, key) in [
            ("HEADOFFICE__MIN_SCHEMA_VERSION", "min_schema_version"),
            ("HEADOFFICE__MAX_CONNECTIONS", "max_connections"),
            ("HEADOFFICE__KPI_SWEEP_SECS", "kpi_sweep_secs"),
            ("HEADOFFICE__KPI_DRAIN_MS", "kpi_drain_ms"),
        ] {
            if let Some(v) = env(var) {
                let n: i64 = v.parse().with_context(|| format!("{var} must be a number"))?;
                set(&[key], toml::Value::Integer(n));
            }
        }
        if !table.contains_key("database_url") {
            anyhow::bail!("no database URL: set database_url in the configuration file or HEADOFFICE__DATABASE_URL");
        }
        toml::Value::Table(table).try_into().context("invalid configuration")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headoffice.toml");
        std::fs::write(&path, "database_url = \"postgres://file\"\nlisten = \"0.0.0.0:1\"\n[tls]\ncert_path = \"/c\"\n").unwrap();
        let cfg = Config::load_with(Some(&path), |k| (k == "HEADOFFICE__LISTEN").then(|| "127.0.0.1:9".to_string())).unwrap();
        assert_eq!(cfg.database_url.expose(), "postgres://file");
        assert_eq!(cfg.listen, "127.0.0.1:9");
        assert_eq!(cfg.tls.unwrap().cert_path.unwrap(), PathBuf::from("/c"));
        assert!(!format!("{:?}", Config::for_database("postgres://u:pw@h/db")).contains("pw"), "Debug must not print the password");
    }

    #[test]
    fn a_missing_database_url_is_a_clear_error() {
        let err = Config::load_with(None, |_| None).unwrap_err().to_string();
        assert!(err.contains("HEADOFFICE__DATABASE_URL"), "{err}");
    }
}
