//! The `headoffice` binary: wiring only. `serve` runs the sync server; `admin`
//! commands manage stations, master data and the console's first
//! administrator. Both read `--config` and the
//! `HEADOFFICE__*` environment variables.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use headoffice::clock::Clock;
use headoffice::{admin, startup, telemetry, Application, Config};

#[derive(Parser)]
#[command(name = "headoffice", version, about = "StationDesk head office: the sync server and its admin commands")]
struct Cli {
    /// Configuration file (TOML); HEADOFFICE__* environment variables override it.
    #[arg(long, global = true, env = "HEADOFFICE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the sync server (migrations first).
    Serve,
    /// Admin commands against the database.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand)]
enum Admin {
    /// Creates a station and prints its one-time enrollment code.
    CreateStation {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Prints a new one-time enrollment code for an existing station (reinstall, new machine).
    NewEnrollmentCode {
        #[arg(long)]
        code: String,
    },
    /// Revokes every token of a station and its unused enrollment codes.
    Revoke {
        #[arg(long)]
        code: String,
    },
    /// Loads the labor catalog: code, description, standard_hours_milli, rate_minor.
    LoadLabor { file: PathBuf },
    /// Loads the parts catalog: part_no, name, unit_price_minor.
    LoadParts { file: PathBuf },
    /// Loads recall campaigns: campaign_id, title, vins, vin_from, vin_to.
    LoadRecalls { file: PathBuf },
    /// Sets a station setting for every station (e.g. tax_rate_bp 1300).
    SetSetting { key: String, value: String },
    /// Creates a console administrator. The password comes from
    /// HEADOFFICE_ADMIN_PASSWORD or the first line of stdin, never from the command line.
    #[command(name = "create-admin")]
    NewAdministrator {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
    },
    /// Rebuilds the KPI sums from the stations' records (one station with --code).
    RebuildKpis {
        #[arg(long)]
        code: Option<String>,
    },
    /// Counts the deadlines that turned late since the last sweep (the server sweeps on its own every kpi_sweep_secs).
    SweepKpis,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            telemetry::init_json_logs();
            let app = Application::build(config).await?;
            app.run_until(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("server error")?;
        }
        Command::Admin(cmd) => {
            let pool = startup::connect_and_migrate(&config).await?;
            let hours = config.enrollment_code_valid_hours;
            match cmd {
                Admin::CreateStation { code, name } => {
                    let secret = admin::create_station(&pool, &code, &name, hours).await?;
                    println!("station {code} created. One-time enrollment code (valid {hours} h, shown once):\n{secret}");
                }
                Admin::NewEnrollmentCode { code } => {
                    let secret = admin::new_enrollment_code(&pool, &code, hours).await?;
                    println!("one-time enrollment code for {code} (valid {hours} h, shown once):\n{secret}");
                }
                Admin::Revoke { code } => {
                    let n = admin::revoke(&pool, &code).await?;
                    println!("station {code}: {n} token(s) revoked");
                }
                Admin::LoadLabor { file } => println!("labor catalog: {} operation(s) changed", admin::load_labor(&pool, &file).await?),
                Admin::LoadParts { file } => println!("parts catalog: {} part(s) changed", admin::load_parts(&pool, &file).await?),
                Admin::LoadRecalls { file } => println!("recalls: {} campaign(s) changed", admin::load_recalls(&pool, &file).await?),
                Admin::RebuildKpis { code } => {
                    let n = admin::rebuild_kpis(&pool, code.as_deref(), chrono::Utc::now()).await?;
                    println!("KPI sums rebuilt for {n} station(s)");
                }
                Admin::SweepKpis => {
                    let n = headoffice::store::kpis::sweep_overdue(&pool, chrono::Utc::now()).await?;
                    println!("KPI sweep: {n} record(s) read again");
                }
                Admin::SetSetting { key, value } => {
                    admin::set_setting(&pool, &key, &value).await?;
                    println!("setting {key} = {value}");
                }
                Admin::NewAdministrator { login, name } => {
                    let password = admin::read_password()?;
                    let user = admin::create_admin(&pool, &login, &name, &password, Clock::default().now()).await?;
                    println!("console administrator {} created: log in at /console", user.login);
                }
            }
        }
    }
    Ok(())
}
