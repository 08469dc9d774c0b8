//! The head-office console's back end for people (stations have `/v1`): who
//! may log in and do what, and what they see and change, under `/console/api`.
//!
//! - `accounts`: users, passwords (argon2), roles and regions;
//! - `sessions`: login, logout, the session extractor, `me`; `throttle`: failed logins;
//! - `roles`: THE matrix of what each role may do, and the `Scope` of stations it sees;
//! - `audit`: the append-only record of every change, written in the change's transaction;
//! - `stations`: the station overview and what administrators do to stations;
//! - `master`: master data (labor catalog, parts prices, recall campaigns, settings) listed, edited, uploaded as CSV;
//! - `categories`: the complaint category tree (a setting) read and replaced as a tree;
//! - `recalls`: recall campaigns and their completion per VIN over the caller's stations;
//! - `kpis`: the stations' KPIs compared, regions summed, ranked; the drill-down to records;
//!   `kpi_export`: that comparison as a CSV file;
//! - `privacy`: the stations' access registers and the lookup grants, read-only and scoped;
//! - `complaints`: complaints across the caller's stations, overdue first; head-office notes on them;
//! - `input`, `error`: request bodies in, errors out, with the bad field named.
//!
//! `API` below is the list of endpoints: the router's `ROUTES` holds the same
//! paths (a test checks it) and `export_typescript` writes the UI's types from it.

pub mod accounts;
pub mod audit;
pub mod categories;
pub mod complaints;
pub mod error;
pub mod input;
pub mod kpi_export;
pub mod kpis;
pub mod master;
pub mod privacy;
pub mod recalls;
pub mod roles;
pub mod sessions;
pub mod stations;
pub mod throttle;

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

pub use error::{ConsoleError, ConsoleResult};
pub use roles::{Action, Role, Scope};
pub use sessions::ConsoleSession;

/// The body of a request that takes none.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct NoInput {}

pub mod paths {
    pub const LOGIN: &str = "/console/api/login";
    pub const LOGOUT: &str = "/console/api/logout";
    pub const ME: &str = "/console/api/me";
    pub const MY_PASSWORD: &str = "/console/api/me/password";
    pub const STATIONS: &str = "/console/api/stations";
    pub const STATION: &str = "/console/api/stations/{station_id}";
    pub const ENROLLMENT_CODES: &str = "/console/api/stations/{station_id}/enrollment-codes";
    pub const REVOKE: &str = "/console/api/stations/{station_id}/revoke";
    pub const REGION: &str = "/console/api/stations/{station_id}/region";
    pub const USERS: &str = "/console/api/users";
    pub const USER: &str = "/console/api/users/{user_id}";
    pub const USER_PASSWORD: &str = "/console/api/users/{user_id}/password";
    pub const AUDIT: &str = "/console/api/audit";
    pub const KPIS: &str = "/console/api/kpis";
    pub const KPI_ORDERS: &str = "/console/api/kpis/orders";
    pub const KPI_EXPORT: &str = "/console/api/kpis/export.csv";
    pub const COMPLAINTS: &str = "/console/api/complaints";
    pub const COMPLAINT: &str = "/console/api/complaints/{station_id}/{complaint_id}";
    pub const COMPLAINT_NOTES: &str = "/console/api/complaints/{station_id}/{complaint_id}/notes";
    pub const MASTER: &str = "/console/api/master/{kind}";
    pub const MASTER_UPLOAD: &str = "/console/api/master/{kind}/upload";
    pub const MASTER_RECORD: &str = "/console/api/master/{kind}/records/{id}";
    /// A static path: it takes precedence over `MASTER`'s `{kind}`.
    pub const COMPLAINT_CATEGORIES: &str = "/console/api/master/complaint-categories";
    pub const RECALLS: &str = "/console/api/recalls";
    pub const RECALL: &str = "/console/api/recalls/{campaign_id}";
    pub const ACCESS_REGISTER: &str = "/console/api/access-register";
    pub const LOOKUP_GRANTS: &str = "/console/api/lookup-grants";
}

macro_rules! console_api {
    ($( $(#[doc = $doc:literal])* $name:ident : $method:literal $path:ident, $input:ty => $output:ty; )*) => {
        /// Every console endpoint: name, method, path.
        pub const API: &[(&str, &str, &str)] = &[$((stringify!($name), $method, paths::$path)),*];

        /// Writes the TypeScript declaration of every request and response type,
        /// the error, and `ConsoleApi.ts` mapping each endpoint to them, into `dir`.
        pub fn export_typescript(dir: &Path) -> Result<(), ts_rs::ExportError> {
            $(
                <$input as TS>::export_all_to(dir)?;
                <$output as TS>::export_all_to(dir)?;
            )*
            <ConsoleError as TS>::export_all_to(dir)?;
            let mut names: Vec<String> = vec![$(<$input as TS>::name(), <$output as TS>::name()),*];
            names.sort();
            names.dedup();
            let mut out = String::from("// Generated from crates/headoffice/src/console/mod.rs by scripts/gen-bindings.sh. Do not edit.\n");
            for n in &names {
                out.push_str(&format!("import type {{ {n} }} from \"./{n}\";\n"));
            }
            out.push_str("\n/** Every console endpoint: method, path (with `{placeholders}`), body or query, answer. */\nexport type ConsoleApi = {\n");
            $(
                $(out.push_str(&format!("  /**{} */\n", $doc));)*
                out.push_str(&format!(
                    "  {}: {{ method: \"{}\"; path: \"{}\"; input: {}; output: {} }};\n",
                    stringify!($name), $method.to_uppercase(), paths::$path, <$input as TS>::name(), <$output as TS>::name()
                ));
            )*
            out.push_str("};\n\nexport type ConsoleEndpoint = keyof ConsoleApi;\n\nexport const CONSOLE_API: { [K in ConsoleEndpoint]: { method: ConsoleApi[K][\"method\"]; path: ConsoleApi[K][\"path\"] } } = {\n");
            $(
                out.push_str(&format!("  {}: {{ method: \"{}\", path: \"{}\" }},\n", stringify!($name), $method.to_uppercase(), paths::$path));
            )*
            out.push_str("};\n");
            std::fs::write(dir.join("ConsoleApi.ts"), out).map_err(ts_rs::ExportError::from)
        }
    };
}

console_api! {
    /// Logs in: `Me` in the body, the session in an HttpOnly cookie. 401 `console.login_failed`, 429 `console.login_throttled`.
    login: "post" LOGIN, sessions::LoginInput => sessions::Me;
    logout: "post" LOGOUT, NoInput => sessions::LoggedOut;
    /// The caller, their role and what it may do (`can`).
    me: "get" ME, NoInput => sessions::Me;
    /// Any user's own password, given the current one (400 `user.password_wrong` on `current_password`, counted by the login throttle); their other sessions end.
    change_own_password: "put" MY_PASSWORD, accounts::ChangeOwnPassword => accounts::User;
    /// Every station in the caller's scope, with what looks wrong (`flags`).
    list_stations: "get" STATIONS, NoInput => stations::StationOverview;
    /// Creates a station; its first enrollment code is in the answer, shown once.
    create_station: "post" STATIONS, stations::NewStation => stations::IssuedCode;
    /// One station in the caller's scope (404 outside it).
    get_station: "get" STATION, NoInput => stations::StationRow;
    /// A new one-time enrollment code for the station, shown once.
    issue_enrollment_code: "post" ENROLLMENT_CODES, NoInput => stations::IssuedCode;
    list_enrollment_codes: "get" ENROLLMENT_CODES, NoInput => stations::EnrollmentCodes;
    /// Revokes every token of the station and its unused codes.
    revoke_station: "post" REVOKE, NoInput => stations::Revoked;
    set_station_region: "put" REGION, stations::SetRegion => stations::StationRow;
    list_users: "get" USERS, NoInput => accounts::UserList;
    create_user: "post" USERS, accounts::NewUser => accounts::User;
    /// Name, role, regions, and `active: false` to disable (its sessions end).
    update_user: "put" USER, accounts::UpdateUser => accounts::User;
    set_user_password: "put" USER_PASSWORD, accounts::SetPassword => accounts::User;
    /// The audit, newest first; query `before` (an id) and `limit`.
    audit: "get" AUDIT, audit::AuditQuery => audit::AuditPage;
    /// The KPIs of the caller's stations over `from..=to`: rows as grouped, regions summed, the total, a ranking per figure.
    kpis: "get" KPIS, kpis::KpiQuery => kpis::KpiComparison;
    /// The records behind one station's figure (`code`) over `from..=to`.
    kpi_orders: "get" KPI_ORDERS, kpis::KpiOrdersQuery => kpis::KpiOrders;
    /// The comparison (same query as `kpis`) as a CSV file to download: UTF-8 with a BOM, a row per row of the comparison and the total.
    kpi_export: "get" KPI_EXPORT, kpis::KpiQuery => kpi_export::KpiCsv;
    /// The complaints of the caller's stations, overdue first (as of the head office's clock); filters in the query.
    list_complaints: "get" COMPLAINTS, complaints::ComplaintsQuery => complaints::ComplaintPage;
    /// One complaint of a station in the caller's scope (404 outside it).
    get_complaint: "get" COMPLAINT, NoInput => complaints::ComplaintView;
    /// Adds a head-office note or instruction; the station receives it on its next pull. 403 without `add_complaint_notes`.
    add_complaint_note: "post" COMPLAINT_NOTES, complaints::NewComplaintNote => crate::store::complaints::HeadOfficeNote;
    /// Master records of one kind (`labor_catalog`, `parts_catalog`, `recall_campaign`, `setting`); query `q`, `offset`, `limit`. Administrators.
    list_master: "get" MASTER, master::MasterQuery => master::MasterPage;
    /// Adds or changes one record, checked field by field as the CSV loads are; stations pull it.
    upsert_master: "post" MASTER, master::MasterInput => master::MasterRecord;
    /// A CSV in the command line's format: good lines applied, refused ones named by line and field.
    upload_master: "post" MASTER_UPLOAD, master::MasterUpload => master::UploadResult;
    /// Deletes one record; stations get the delete.
    delete_master: "delete" MASTER_RECORD, NoInput => master::MasterDeleted;
    /// The complaint category tree (the setting `complaint_categories`), or the stations' built-in one until one is saved. Administrators and quality managers.
    get_complaint_categories: "get" COMPLAINT_CATEGORIES, NoInput => categories::CategoryTree;
    /// Replaces the tree, checked whole; a fault names its path (`categories[2].children[0].name_en`). Saved ids stay; new entries (`id: null`) get one.
    put_complaint_categories: "put" COMPLAINT_CATEGORIES, categories::CategoryTreeInput => categories::CategoryTree;
    /// The recall campaigns; query `q`, `offset`, `limit`. Every role.
    list_recalls: "get" RECALLS, master::MasterQuery => recalls::RecallCampaigns;
    /// One campaign's completion over the caller's stations: counts and a page of VINs, done or open; query `status`, `vin`, `offset`, `limit`.
    recall_completion: "get" RECALL, recalls::CompletionQuery => recalls::RecallCompletion;
    /// The access registers of the caller's stations, newest first; query `station`, `staff`, `customer` (number or id), `offset`, `limit`.
    access_register: "get" ACCESS_REGISTER, privacy::AccessRegisterQuery => privacy::AccessRegisterPage;
    /// The access head-office lookups granted to the caller's stations, newest first; query `station`, `offset`, `limit`.
    lookup_grants: "get" LOOKUP_GRANTS, privacy::LookupGrantsQuery => privacy::LookupGrantsPage;
}
