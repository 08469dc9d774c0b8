//! The one list of operations. Tauri IPC and HTTP JSON both forward
//! `(name, token, input)` to `Station::dispatch`, so neither transport holds
//! logic and both always offer the same operations. The same list generates the
//! UI's TypeScript `Operations` map (see `export_typescript`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::aftersales::{categories, clocks, complaints, follow_ups, ledger, policies, print, service_requests};
use crate::auth::devices::{self, HttpRequest, Seat};
use crate::auth::{self, Caller};
use crate::error::{ApiError, Result};
use crate::station::Station;
use crate::workflow::{self, audit, authorization, catalog, delivery, inventory, jobs, lines, quality, settings, time_clock};
use crate::{
    backup, board, check_in, customers, demo, duplicates, export, kpis, merge, photos, printing, privacy, repair_orders, retention, search, sync,
    vehicle_history, vehicles,
};

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct NoInput {}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct IdInput {
    pub id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Done {
    pub ok: bool,
}

/// Who may call an operation before any role check inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reachable before login: setup, demo data, login itself.
    Public,
    /// Needs a valid session token; the operation then checks the role.
    Staff,
}

async fn caller_for(station: &Station, access: Access, token: Option<&str>, seat: Seat) -> Result<Caller> {
    match access {
        Access::Staff => auth::sessions::authenticate(station, token, seat).await,
        Access::Public => match auth::sessions::authenticate(station, token, seat.clone()).await {
            Ok(caller) => Ok(caller),
            Err(_) => Ok(Caller::anonymous_at(seat)),
        },
    }
}

fn decode_input<T: serde::de::DeserializeOwned>(op: &str, input: Value) -> Result<T> {
    let input = if input.is_null() { Value::Object(Default::default()) } else { input };
    serde_path_to_error::deserialize(input).map_err(|e| {
        let field = field_path(e.path());
        let inner = e.into_inner();
        let message = inner.to_string();
        // serde reports a missing field at the object that lacks it, naming it in backticks.
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
        let field = match (missing, field) {
            (Some(name), None) => Some(name.to_string()),
            (Some(name), Some(parent)) => Some(format!("{parent}.{name}")),
            (None, at) => at,
        };
        let err = ApiError::invalid("input.malformed", format!("{op}: {message}"));
        match field {
            Some(f) => err.with_field(f),
            None => err,
        }
    })
}

/// The input field a decoding error is at, as every field error names one:
/// keys and array indexes joined by dots (`payments.1.amount`); `None` for the
/// input as a whole. Never the offending value: that is the user's text.
fn field_path(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let parts: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            // An externally tagged enum's variant is the key it sits under in the JSON.
            Segment::Map { key } | Segment::Enum { variant: key } => Some(key.clone()),
            Segment::Unknown => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// One operation's run, from the session token to the encoded answer.
type OperationFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value>> + Send + 'a>>;

fn encode<T: Serialize>(output: T) -> Result<Value> {
    serde_json::to_value(output).map_err(|e| ApiError::internal(format!("cannot encode the answer: {e}")))
}

macro_rules! operations {
    ($( $(#[doc = $doc:literal])* $name:ident : $access:ident, $input:ty => $output:ty = $handler:path; )*) => {
        /// Every operation's name and access, in the order of the list.
        pub const OPERATIONS: &[(&str, Access)] = &[$((stringify!($name), Access::$access)),*];

        impl Station {
            /// Runs operation `op` for the holder of `token` with JSON `input`, at the desk
            /// (the desktop window's IPC, and in-process callers).
            pub async fn dispatch(&self, op: &str, token: Option<&str>, input: Value) -> Result<Value> {
                match self.operation(op, token, input, Seat::Desk) {
                    Some(run) => run.await,
                    None => Err(ApiError::not_found(&format!("operation {op:?}"))),
                }
            }

            /// The same for a request that came over HTTP: admitted first by where it
            /// came from (`auth::devices::admit`: host, origin, desk or paired device).
            pub async fn dispatch_http(&self, request: &HttpRequest, op: &str, token: Option<&str>, input: Value) -> Result<Value> {
                if !OPERATIONS.iter().any(|(name, _)| *name == op) {
                    return Err(ApiError::not_found(&format!("operation {op:?}")));
                }
                let seat = devices::admit(self, request, op).await?;
                match self.operation(op, token, input, seat) {
                    Some(run) => run.await,
                    None => Err(ApiError::not_found(&format!("operation {op:?}"))),
                }
            }

            /// Operation `op`'s future, boxed. Awaited inline in one `match`,
            /// every operation's future would get a slot of its own in the
            /// dispatcher's poll frame in a debug build: 700 KB for 63
            /// operations, on every poll, on a Tokio worker thread of 2 MB.
            /// Each is built in a function of its own, or this function's frame
            /// would hold one of each (200 KB). `tests/stack.rs` checks it.
            fn operation<'a>(&'a self, op: &'a str, token: Option<&'a str>, input: Value, seat: Seat) -> Option<OperationFuture<'a>> {
                Some(match op {
                    $(stringify!($name) => {
                        fn run<'a>(station: &'a Station, op: &'a str, token: Option<&'a str>, input: Value, seat: Seat) -> OperationFuture<'a> {
                            Box::pin(async move {
                                let caller = caller_for(station, Access::$access, token, seat).await?;
                                let input: $input = decode_input(op, input)?;
                                let output: $output = $handler(station, &caller, input).await?;
                                encode(output)
                            })
                        }
                        run(self, op, token, input, seat)
                    })*
                    _ => return None,
                })
            }
        }

        /// Writes the TypeScript declaration of every input and output type,
        /// and `Operations.ts` mapping each operation to them, into `dir`.
        pub fn export_typescript(dir: &Path) -> std::result::Result<(), ts_rs::ExportError> {
            $(
                <$input as TS>::export_all_to(dir)?;
                <$output as TS>::export_all_to(dir)?;
            )*
            <ApiError as TS>::export_all_to(dir)?;
            let mut names: Vec<String> = vec![$(<$input as TS>::name(), <$output as TS>::name()),*];
            names.sort();
            names.dedup();
            let mut out = String::from("// Generated from crates/station/src/ops.rs by scripts/gen-bindings.sh. Do not edit.\n");
            for n in &names {
                out.push_str(&format!("import type {{ {n} }} from \"./{n}\";\n"));
            }
            out.push_str("\nexport type Operations = {\n");
            $(
                $(out.push_str(&format!("  /**{} */\n", $doc));)*
                out.push_str(&format!("  {}: {{ input: {}; output: {} }};\n", stringify!($name), <$input as TS>::name(), <$output as TS>::name()));
            )*
            out.push_str("};\n\nexport type OperationName = keyof Operations;\n\n");
            out.push_str("/** Operations that work without a session token. */\nexport const PUBLIC_OPERATIONS: OperationName[] = [");
            let public: Vec<String> = OPERATIONS.iter().filter(|(_, a)| *a == Access::Public).map(|(n, _)| format!("\"{n}\"")).collect();
            out.push_str(&public.join(", "));
            out.push_str("];\n");
            std::fs::write(dir.join("Operations.ts"), out).map_err(ts_rs::ExportError::from)
        }
    };
}

operations! {
    /// Whether first-run setup has happened, and who can log in.
    setup_status: Public, NoInput => auth::setup::SetupStatus = auth::setup::setup_status;
    /// Creates the station and its first manager, and logs the manager in.
    first_run_setup: Public, auth::setup::FirstRunSetup => auth::sessions::Session = auth::setup::first_run_setup;
    /// Fills a fresh station with a demo station, staff, customers and orders.
    load_demo_data: Public, NoInput => demo::DemoLoaded = demo::load_demo_data;
    login: Public, auth::sessions::LoginInput => auth::sessions::Session = auth::sessions::login;
    logout: Staff, NoInput => Done = auth::sessions::logout;
    me: Staff, NoInput => auth::sessions::Me = auth::sessions::me;
    list_staff: Staff, NoInput => auth::staff::StaffList = auth::staff::list_staff;
    create_staff: Staff, auth::staff::NewStaff => auth::staff::StaffInfo = auth::staff::create_staff;
    update_staff: Staff, auth::staff::UpdateStaff => auth::staff::StaffInfo = auth::staff::update_staff;
    /// Finds customers and vehicles by any fragment of plate, VIN, phone or name, and says which of them the text is.
    search: Staff, search::SearchInput => search::SearchResults = search::search;
    /// The customer's archive, contact details masked for the caller; the opening is logged in the access register.
    get_customer: Staff, IdInput => customers::CustomerDetail = customers::get_customer;
    create_customer: Staff, customers::CustomerFields => privacy::contact::CustomerView = customers::create_customer;
    update_customer: Staff, customers::UpdateCustomer => privacy::contact::CustomerView = customers::update_customer;
    /// Shows a customer's whole phone numbers and e-mail, with a reason; a manager, or the advisor whose customer it is; logged.
    reveal_contact: Staff, privacy::reveal::RevealContact => privacy::reveal::RevealedContact = privacy::reveal::reveal_contact;
    /// Shows the whole number written on a complaint or a service request, with a reason; its owner or a manager; logged.
    reveal_written_contact: Staff, privacy::reveal::RevealWrittenContact => privacy::reveal::RevealedWrittenContact = privacy::reveal::reveal_written_contact;
    /// The access register, newest first, filtered by staff and by customer (manager).
    list_access_register: Staff, privacy::access_register::AccessRegisterQuery => privacy::access_register::AccessRegister = privacy::access_register::list_access_register;
    /// The consent texts now shown (zh-CN, zh-TW, en) and their versions, which a consent given now records.
    consent_texts: Staff, NoInput => crate::consent::ConsentTexts = crate::consent::consent_texts;
    /// A manager exports everything held on a customer (the right of access) as a ZIP of JSON and the stored files; audit-logged.
    export_customer: Staff, export::ExportCustomer => export::CustomerExport = export::export_customer;
    /// Existing customers and vehicles the one being typed may duplicate: same phone, similar name + phone tail, same plate, same VIN.
    find_duplicates: Staff, duplicates::DuplicateQuery => duplicates::Duplicates = duplicates::find_duplicates;
    /// What merging the loser into the survivor would move (manager).
    merge_preview: Staff, merge::MergeCustomers => merge::MergePreview = merge::merge_preview;
    /// A manager merges a duplicate customer into another: everything moves, the loser is tombstoned; returns the survivor's page.
    merge_customers: Staff, merge::MergeCustomers => customers::CustomerDetail = merge::merge_customers;
    create_vehicle: Staff, vehicles::NewVehicle => vehicles::Vehicle = vehicles::create_vehicle;
    update_vehicle: Staff, vehicles::UpdateVehicle => vehicles::Vehicle = vehicles::update_vehicle;
    /// Manufacturer, country and model year from a VIN, for filling the form.
    decode_vin: Staff, vehicles::VinInput => crate::domain::VinInfo = vehicles::decode_vin;
    /// What the vehicle form's VIN, make and plate say the vehicle runs on (fuel, hybrid, electric), if anything.
    guess_vehicle_energy: Staff, vehicles::EnergyGuessInput => vehicles::EnergyGuess = vehicles::guess_vehicle_energy;
    /// A returning vehicle's past for check-in: last odometer and visit, open recalls, declined work, earlier concerns, complaints.
    vehicle_history: Staff, vehicle_history::VehicleHistoryInput => vehicle_history::VehicleHistory = vehicle_history::vehicle_history;
    /// Checks a vehicle in: a new repair order in `checked_in`.
    check_in: Staff, check_in::CheckInInput => repair_orders::RepairOrder = check_in::check_in;
    board: Staff, board::BoardInput => board::Board = board::board;
    get_repair_order: Staff, IdInput => repair_orders::RepairOrder = repair_orders::get_repair_order;
    upload_photo: Staff, photos::PhotoUpload => photos::StoredFile = photos::upload_photo;
    get_file: Staff, photos::FileRequest => photos::FileData = photos::get_file;

    // An order's life after check-in (`workflow/`). Every operation that changes an
    // order takes the `expected_version` it read and returns the order page.
    /// The order page: order, jobs with lines, money, authorizations, history, inspections, payments.
    get_order_detail: Staff, IdInput => workflow::OrderDetail = workflow::get_order_detail;
    /// Moves an order along the state machine; the note is the reason when cancelling.
    move_order: Staff, workflow::MoveOrder => workflow::OrderDetail = workflow::move_order;
    add_job: Staff, jobs::AddJob => workflow::OrderDetail = jobs::add_job;
    /// Writes a job's 3 Cs: concern, cause, correction.
    update_job: Staff, jobs::UpdateJob => workflow::OrderDetail = jobs::update_job;
    assign_technician: Staff, jobs::AssignTechnician => workflow::OrderDetail = jobs::assign_technician;
    /// Marks a job done: the 3 Cs written; no clocked time or unissued parts confirmed in `confirm`.
    complete_job: Staff, jobs::CompleteJob => workflow::OrderDetail = jobs::complete_job;
    /// A technician takes an unassigned job and becomes its technician.
    take_job: Staff, jobs::JobRef => workflow::OrderDetail = jobs::take_job;
    add_finding: Staff, jobs::AddFinding => workflow::OrderDetail = jobs::add_finding;
    /// Records that the order performed a recall campaign covering its VIN (open orders; advisor or technician).
    perform_recall: Staff, workflow::recalls::PerformRecall => workflow::OrderDetail = workflow::recalls::perform_recall;
    /// The technician's jobs on open orders, for the tablet.
    my_jobs: Staff, NoInput => jobs::MyJobs = jobs::my_jobs;
    add_line: Staff, lines::AddLine => workflow::OrderDetail = lines::add_line;
    remove_line: Staff, lines::LineRef => workflow::OrderDetail = lines::remove_line;
    /// A manager's discount on the order, before tax.
    set_discount: Staff, lines::SetDiscount => workflow::OrderDetail = lines::set_discount;
    /// The amount to authorize if the customer approves these pending jobs (the form's suggestion).
    quote_authorization: Staff, authorization::QuoteAuthorization => authorization::AuthorizationQuote = authorization::quote_authorization;
    /// The customer's approval (or a supplemental one): method, approver, jobs, amount.
    record_authorization: Staff, authorization::RecordAuthorization => workflow::OrderDetail = authorization::record_authorization;
    /// The customer declines recommended (pending) work: a signed decline document.
    record_decline: Staff, authorization::RecordDecline => workflow::OrderDetail = authorization::record_decline;
    /// A manager's check of an order's signed documents: "intact", or which document and fields differ.
    verify_order: Staff, workflow::signing::VerifyOrder => workflow::signing::VerifyReport = workflow::signing::verify_order;
    /// Prints a signed document as PDF (verifying the order first) and keeps it in the order's archive; a reprint returns the archived bytes.
    print_document: Staff, printing::PrintDocument => printing::PrintedDocument = printing::print_document;
    /// The order's archive of printed documents, oldest first.
    list_order_documents: Staff, printing::OrderDocumentsInput => printing::OrderDocuments = printing::list_order_documents;
    /// An archived PDF, unchanged, as a data URL.
    get_document: Staff, printing::GetDocument => printing::PrintedDocument = printing::get_document;
    /// Sends an archived PDF to a CUPS printer with `lp` (the default printer when none is named).
    print_to_printer: Staff, printing::PrintToPrinter => printing::PrintJob = printing::print_to_printer;
    /// The CUPS printers and the default one; `cups: false` where there is no CUPS.
    list_printers: Staff, NoInput => printing::Printers = printing::list_printers;
    start_clock: Staff, time_clock::StartClock => jobs::MyJobs = time_clock::start_clock;
    stop_clock: Staff, NoInput => jobs::MyJobs = time_clock::stop_clock;
    list_qc_items: Staff, NoInput => quality::QcItems = quality::list_qc_items;
    save_qc_item: Staff, quality::SaveQcItem => quality::QcItems = quality::save_qc_item;
    /// The quality check: pass sends the order to ready_for_pickup, fail back to in_repair.
    record_qc: Staff, quality::RecordQc => workflow::OrderDetail = quality::record_qc;
    record_payment: Staff, delivery::RecordPayment => workflow::OrderDetail = delivery::record_payment;
    record_completion_notice: Staff, delivery::OrderNote => workflow::OrderDetail = delivery::record_completion_notice;
    /// Odometer out, payments, balance zero (or a manager's override): delivered.
    deliver: Staff, delivery::Deliver => workflow::OrderDetail = delivery::deliver;
    list_labor_operations: Staff, NoInput => catalog::LaborCatalog = catalog::list_labor_operations;
    save_labor_operation: Staff, catalog::SaveLaborOperation => catalog::LaborOperation = catalog::save_labor_operation;
    /// Parts with stock; `low_only` gives the low-stock list.
    list_parts: Staff, inventory::PartsQuery => inventory::PartList = inventory::list_parts;
    save_part: Staff, inventory::SavePart => inventory::Part = inventory::save_part;
    /// The head office's catalog entry for a part number (name, price), for a new part.
    lookup_catalog_part: Staff, inventory::CatalogLookup => inventory::CatalogLookupResult = inventory::lookup_catalog_part;
    receive_stock: Staff, inventory::ReceiveStock => inventory::Part = inventory::receive_stock;
    issue_part: Staff, inventory::StockMove => workflow::OrderDetail = inventory::issue_part;
    return_part: Staff, inventory::StockMove => workflow::OrderDetail = inventory::return_part;
    /// Who changed what on an order, before and after.
    get_order_audit: Staff, IdInput => audit::AuditLog = audit::get_order_audit;
    get_workflow_settings: Staff, NoInput => settings::WorkflowSettings = settings::get_workflow_settings;
    update_workflow_settings: Staff, settings::WorkflowSettings => settings::WorkflowSettings = settings::update_workflow_settings;
    /// Encrypted local backups: the key, how many are kept, the last one and those on disk (manager).
    backup_status: Staff, NoInput => backup::BackupStatus = backup::backup_status;
    /// Sets the key backups are encrypted to: a pasted age public key, or a new pair whose secret key is returned once.
    set_backup_key: Staff, backup::SetBackupKey => backup::BackupKey = backup::set_backup_key;
    update_backup_settings: Staff, backup::BackupSettingsInput => backup::BackupStatus = backup::update_backup_settings;
    /// Makes a backup now, then rotates.
    run_backup_now: Staff, NoInput => backup::BackupStatus = backup::run_backup_now;

    // Sync with a head office (`sync/`, docs/sync.md). Standalone stations never need these.
    /// A manager enrolls the station with a head office (URL + one-time code); also to enroll again.
    enroll_station: Staff, sync::EnrollStation => sync::SyncStatus = sync::enroll_station;
    /// Last successful sync, changes waiting, last error, rejections, "update required".
    sync_status: Staff, NoInput => sync::SyncStatus = sync::sync_status;
    /// Wakes the background sync now; returns at once (poll `sync_status`).
    sync_now: Staff, NoInput => sync::SyncStatus = sync::sync_now;
    /// Open recalls for a vehicle or VIN, and its visits to other stations, from pulled data.
    vehicle_alerts: Staff, sync::alerts::VehicleAlertsInput => sync::alerts::VehicleAlerts = sync::alerts::vehicle_alerts;
    /// Asks the head office for customers on file at other stations by a whole plate, VIN or phone (masked); says when it cannot be asked.
    head_office_lookup: Staff, sync::lookup::HeadOfficeLookupInput => sync::lookup::HeadOfficeLookup = sync::lookup::head_office_lookup;
    /// Uses a lookup's result: the head office grants access (logged with the caller) and the customer and vehicles are stored here for check-in.
    adopt_head_office_record: Staff, sync::lookup::AdoptHeadOfficeRecord => sync::lookup::AdoptedRecord = sync::lookup::adopt_head_office_record;

    // After-sales (`aftersales/`, docs/aftersales.md): follow-up calls, the complaint ledger, time limits.
    /// How many of the caller's own items are due within the hour and overdue (the top bar).
    my_deadlines: Staff, NoInput => clocks::MyDeadlines = clocks::my_deadlines;
    /// Today's follow-up calls (overdue, due, retries) and who is not called, and why.
    call_list: Staff, follow_ups::CallListInput => follow_ups::CallList = follow_ups::call_list;
    get_follow_up: Staff, IdInput => follow_ups::FollowUpDetail = follow_ups::get_follow_up;
    /// One call and its outcome; reached records the survey; a low score or a complaint opens one; the end closes the order.
    record_call: Staff, follow_ups::RecordCall => follow_ups::FollowUpDetail = follow_ups::record_call;
    /// A manager hands a follow-up to someone else, with a reason.
    reassign_follow_up: Staff, follow_ups::ReassignFollowUp => follow_ups::FollowUpDetail = follow_ups::reassign_follow_up;
    /// The complaint ledger, filtered by status, category, owner, overdue; newest first.
    list_complaints: Staff, ledger::ComplaintQuery => ledger::ComplaintPage = ledger::list_complaints;
    get_complaint: Staff, IdInput => complaints::ComplaintDetail = complaints::get_complaint;
    /// Receives a complaint; whoever receives it owns it.
    open_complaint: Staff, complaints::NewComplaint => complaints::ComplaintDetail = complaints::open_complaint;
    /// One step on a complaint: contact, note, findings, reclassify, hand over, wait/resume, compensate, resolve, callback, reopen.
    complaint_step: Staff, complaints::ComplaintStep => complaints::ComplaintDetail = complaints::complaint_step;
    /// The complaint record (投诉处理记录) as a PDF, with its whole timeline.
    print_complaint: Staff, print::PrintComplaint => printing::PrintedDocument = print::print_complaint;
    list_complaint_categories: Staff, NoInput => categories::Categories = categories::list_complaint_categories;
    add_complaint_category: Staff, categories::NewCategory => categories::Categories = categories::add_complaint_category;
    /// Service requests (服务申请): open and answered ones, oldest first, each with its answer clock.
    list_service_requests: Staff, service_requests::RequestQuery => service_requests::RequestPage = service_requests::list_service_requests;
    get_service_request: Staff, IdInput => service_requests::ServiceRequestDetail = service_requests::get_service_request;
    /// Receives a request by phone, online, e-mail or at the desk; whoever receives it owns it.
    open_service_request: Staff, service_requests::NewServiceRequest => service_requests::ServiceRequestDetail = service_requests::open_service_request;
    /// Answer (a logged contact), note, or close (checked in, or nothing more to do).
    service_request_step: Staff, service_requests::ServiceRequestStep => service_requests::ServiceRequestDetail = service_requests::service_request_step;
    /// The time-limit policies and the working calendar.
    get_time_limits: Staff, NoInput => policies::TimeLimits = policies::get_time_limits;
    update_time_limit: Staff, policies::UpdateTimeLimit => policies::TimeLimits = policies::update_time_limit;
    save_calendar: Staff, time_limits::Calendar => policies::TimeLimits = policies::save_calendar;
    /// Merges a holiday file (public holidays, make-up working days) into the calendar.
    load_holidays: Staff, policies::LoadHolidays => policies::TimeLimits = policies::load_holidays;

    // The manager's KPI dashboard (`kpis/`, docs/kpis.md, "At the station"); the definitions are the `kpi` crate's.
    /// The station's figures for a preset or a range of local days, a trend, and a breakdown per advisor and technician.
    kpi_report: Staff, kpis::KpiReportInput => kpis::KpiReport = kpis::kpi_report;
    /// The records behind one figure (the whole station's, or one person's), and whether each is in its numerator.
    kpi_orders: Staff, kpis::KpiOrdersInput => kpis::KpiOrders = kpis::kpi_orders;
    /// The report as CSV or XLSX: kept in the data folder's `exports` and returned as a data URL.
    kpi_export: Staff, kpis::KpiExportInput => kpis::KpiExport = kpis::kpi_export;
    /// The monthly report as a PDF: the month's figures computed here, the desk's trend charts (SVG) each above its numbers; kept in `exports` too.
    kpi_monthly_report: Staff, kpis::monthly::KpiMonthlyReportInput => kpis::KpiExport = kpis::monthly::kpi_monthly_report;

    // Workshop tablets over the LAN (`auth/devices.rs`, docs/privacy.md "Workshop tablets").
    /// Where this browser stands: the desk, unpaired, waiting with a code, paired, or revoked; and the certificate's fingerprint.
    pairing_status: Public, NoInput => devices::PairingState = devices::pairing_status;
    /// A device on the network asks to pair: it gets a code to show and (as a cookie) its device token.
    request_pairing: Public, devices::RequestPairing => devices::PairingRequest = devices::request_pairing;
    /// Devices with their last use, the requests waiting, the certificate's fingerprint (text and QR) and the idle time (manager).
    list_devices: Staff, NoInput => devices::DeviceList = devices::list_devices;
    /// A manager at the desk approves the device that shows this code.
    approve_device: Staff, devices::ApproveDevice => devices::DeviceList = devices::approve_device;
    /// A manager removes a device: its token stops working and its sessions end at once.
    revoke_device: Staff, IdInput => devices::DeviceList = devices::revoke_device;
    /// Minutes a tablet may sit unused before the PIN screen comes back.
    set_tablet_idle_minutes: Staff, devices::SetIdleMinutes => devices::DeviceList = devices::set_tablet_idle_minutes;
    // Retention and destruction (`retention/`, docs/privacy.md): managers only.
    /// The retention period of each kind of record: the head office's, else the station's default.
    retention_policy: Staff, NoInput => retention::RetentionPolicy = retention::retention_policy;
    /// What is past its retention period now and would be destroyed.
    retention_due: Staff, NoInput => retention::DueList = retention::retention_due;
    /// A manager approves the listed items with their PIN: each still due is anonymised, its files and signed documents deleted.
    run_destruction: Staff, retention::RunDestruction => retention::DestructionReport = retention::run_destruction;
}
