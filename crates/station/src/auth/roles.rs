//! Roles and what each may do. The matrix lives here, once, so the rules can be
//! read and tested in one place.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Advisor,
    Technician,
    QcInspector,
    Manager,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Advisor, Role::Technician, Role::QcInspector, Role::Manager];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Advisor => "advisor",
            Role::Technician => "technician",
            Role::QcInspector => "qc_inspector",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Advisor, Role::Technician, Role::QcInspector, Role::Manager].into_iter().find(|r| r.as_str() == s)
    }

    /// Jobs may be given to them: technicians, and managers who still turn a spanner.
    pub fn takes_jobs(self) -> bool {
        matches!(self, Role::Technician | Role::Manager)
    }

    /// They receive customers, so the board can filter orders by them.
    pub fn advises(self) -> bool {
        Permission::CheckIn.allows(self)
    }
    /// The screen a role starts its shift on: the technician's jobs, the QC queue, or the board.
    pub fn home(self) -> Home {
        match self {
            Role::Technician => Home::MyJobs,
            Role::QcInspector => Home::QcQueue,
            Role::Advisor | Role::Manager => Home::Board,
        }
    }
}

/// Where the UI goes after login (and from `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Home {
    Board,
    MyJobs,
    QcQueue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Search and read customers, vehicles, orders and the board.
    Read,
    /// Create and edit customers and vehicles.
    EditArchive,
    CheckIn,
    /// Accept an odometer reading lower than the last one.
    ConfirmOdometerRollback,
    ManageStaff,
    // The repair order's transitions (see `workflow::MACHINE` for which edge needs which).
    /// checked_in → diagnosing.
    Diagnose,
    /// diagnosing → estimate_ready.
    PresentEstimate,
    /// Record the customer's authorization; estimate_ready → approved.
    RecordAuthorization,
    /// approved → in_repair ⇄ waiting_parts → quality_check; mark jobs done.
    Repair,
    /// quality_check → ready_for_pickup or back to in_repair.
    QualityDecision,
    /// ready_for_pickup → delivered, with payments; the completion notice.
    Deliver,
    /// delivered → closed.
    CloseOrder,
    /// Any open state → cancelled.
    CancelOrder,
    // Work on an order that is not itself a transition.
    /// Add jobs, write the 3 Cs and findings.
    EditJobs,
    /// Give a job to a technician.
    AssignTechnician,
    /// Take an unassigned job oneself, and become the technician of the jobs of an order one starts diagnosing.
    TakeJob,
    /// Add and remove labor, parts and sublet lines.
    EditLines,
    /// Discounts and prices below the catalog or inventory price.
    Discount,
    /// Deliver with a balance left to pay.
    OverrideBalance,
    /// Inspect work one did oneself.
    InspectOwnWork,
    /// Start and stop the job clock.
    UseTimeClock,
    /// Issue parts to an order's lines and return them.
    IssueParts,
    /// Receive stock into the parts inventory.
    ReceiveStock,
    /// Edit parts (including prices) and the labor catalog.
    EditPriceLists,
    /// Tax rate, repeat-repair window, QC checklist items.
    ConfigureStation,
    /// Check an order's signed documents against the records (`verify_order`).
    VerifyDocuments,
    /// Print or open the customer's signed documents (the work order, supplemental
    /// authorizations, the delivery note, a declined-work record) and their paper
    /// scans: they carry the customer's whole number, and the desk hands them to the
    /// customer. The workshop reads the jobs on the order page instead.
    OpenSignedDocuments,
    /// The station's KPI dashboard, its drill-down and its exports.
    ViewKpis,
    /// Fold a duplicate customer into another (`merge_customers`).
    MergeCustomers,
    /// Read the access register: who opened which customer or order (`list_access_register`).
    ReadAccessRegister,
    /// Export everything held on a customer (the right of access, `export_customer`).
    ExportCustomer,
    /// Approve and revoke workshop tablets, set their idle time (`auth/devices.rs`).
    ManageDevices,
    /// List what is past its retention period and approve its destruction.
    DestroyRecords,
}

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        use Permission::*;
        match self {
            Read => true,
            EditArchive | CheckIn | OpenSignedDocuments => matches!(role, Role::Advisor | Role::Manager),
            ConfirmOdometerRollback
            | ManageStaff
            | VerifyDocuments
            | ViewKpis
            | MergeCustomers
            | ReadAccessRegister
            | ExportCustomer
            | ManageDevices
            | DestroyRecords => role == Role::Manager,
            // Managers may do everything; the others do their part of the flow.
            _ if role == Role::Manager => true,
            PresentEstimate | RecordAuthorization | Deliver | CloseOrder | CancelOrder | AssignTechnician | ReceiveStock => role == Role::Advisor,
            Diagnose | Repair | UseTimeClock | TakeJob => role == Role::Technician,
            QualityDecision => role == Role::QcInspector,
            EditJobs | EditLines | IssueParts => matches!(role, Role::Advisor | Role::Technician),
            Discount | OverrideBalance | InspectOwnWork | EditPriceLists | ConfigureStation => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Permission::Read => "read station records",
            Permission::EditArchive => "edit customers and vehicles",
            Permission::CheckIn => "check vehicles in",
            Permission::ConfirmOdometerRollback => "confirm a lower odometer reading",
            Permission::ManageStaff => "manage staff",
            Permission::VerifyDocuments => "verify signed documents",
            Permission::OpenSignedDocuments => "print or open the customer's signed documents",
            Permission::ViewKpis => "see the station's KPIs",
            Permission::MergeCustomers => "merge customers",
            Permission::ReadAccessRegister => "read the access register",
            Permission::ExportCustomer => "export a customer's data",
            Permission::ManageDevices => "pair or remove devices",
            Permission::DestroyRecords => "destroy records past their retention period",
            Permission::Diagnose => "start diagnosis",
            Permission::PresentEstimate => "present the estimate",
            Permission::RecordAuthorization => "record the customer's authorization",
            Permission::Repair => "move repair work on",
            Permission::QualityDecision => "pass or fail the quality check",
            Permission::Deliver => "deliver vehicles or take payments",
            Permission::CloseOrder => "close orders",
            Permission::CancelOrder => "cancel orders",
            Permission::EditJobs => "edit jobs",
            Permission::AssignTechnician => "assign technicians",
            Permission::TakeJob => "take jobs",
            Permission::EditLines => "edit labor and parts lines",
            Permission::Discount => "give discounts or lower prices",
            Permission::OverrideBalance => "deliver with an unpaid balance",
            Permission::InspectOwnWork => "inspect their own work",
            Permission::UseTimeClock => "clock time on jobs",
            Permission::IssueParts => "issue or return parts",
            Permission::ReceiveStock => "receive stock",
            Permission::EditPriceLists => "edit parts and the labor catalog",
            Permission::ConfigureStation => "change station settings",
        }
    }
}

/// What the logged-in person may do at the desk, beyond any one order: the UI
/// shows its entries (nav, buttons) from this instead of knowing the roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct DeskActions {
    pub check_in: bool,
    /// Create and edit customers and vehicles; take service requests.
    pub edit_archive: bool,
    /// Accept a lower odometer reading without a manager's PIN.
    pub confirm_odometer_rollback: bool,
    pub receive_stock: bool,
    /// Parts (prices) and the labor catalog.
    pub edit_price_lists: bool,
    /// Tax rate, repeat-repair window, QC checklist, the head office link.
    pub configure_station: bool,
    pub manage_staff: bool,
    pub view_kpis: bool,
    pub verify_documents: bool,
    /// Settings → Retention: what is due for destruction, and the run.
    pub destroy_records: bool,
    /// Their own job list is where they work (the technician's tablet).
    pub my_jobs: bool,
    /// The orders waiting for a quality check.
    pub qc_queue: bool,
    /// Who opened which customer or order (Settings → access register).
    pub access_register: bool,
}

impl DeskActions {
    pub fn of(role: Role) -> DeskActions {
        DeskActions {
            check_in: Permission::CheckIn.allows(role),
            edit_archive: Permission::EditArchive.allows(role),
            confirm_odometer_rollback: Permission::ConfirmOdometerRollback.allows(role),
            receive_stock: Permission::ReceiveStock.allows(role),
            edit_price_lists: Permission::EditPriceLists.allows(role),
            configure_station: Permission::ConfigureStation.allows(role),
            manage_staff: Permission::ManageStaff.allows(role),
            view_kpis: Permission::ViewKpis.allows(role),
            verify_documents: Permission::VerifyDocuments.allows(role),
            destroy_records: Permission::DestroyRecords.allows(role),
            // Managers may repair too, but their day is the desk and the board.
            my_jobs: Permission::UseTimeClock.allows(role) && role != Role::Manager,
            qc_queue: Permission::QualityDecision.allows(role),
            access_register: Permission::ReadAccessRegister.allows(role),
        }
    }
}

/// The logged-in staff member behind a request, or nobody for the few public
/// operations (setup status, first-run setup, login).
#[derive(Debug, Clone)]
pub struct Caller {
    pub staff: Option<StaffRef>,
    /// The SHA-256 of the session token the request came with, so logout ends only this session.
    pub token_hash: Option<String>,
    /// The desk, or which device on the network (`auth/devices.rs`).
    pub seat: super::devices::Seat,
}

#[derive(Debug, Clone)]
pub struct StaffRef {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub station_id: String,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller { staff: None, token_hash: None, seat: Default::default() }
    }

    /// Nobody logged in, at `seat`.
    pub fn anonymous_at(seat: super::devices::Seat) -> Caller {
        Caller { seat, ..Caller::anonymous() }
    }

    pub fn staff(&self) -> Result<&StaffRef> {
        self.staff.as_ref().ok_or_else(|| ApiError::unauthenticated("log in first"))
    }

    /// The staff member, if their role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<&StaffRef> {
        let staff = self.staff()?;
        if permission.allows(staff.role) {
            Ok(staff)
        } else {
            Err(ApiError::forbidden("auth.forbidden", format!("a {} may not {}", staff.role.as_str().replace('_', " "), permission.describe())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        Caller { staff: Some(StaffRef { id: "s".into(), name: "n".into(), role, station_id: "st".into() }), token_hash: None, seat: Default::default() }
    }

    #[test]
    fn only_advisors_and_managers_may_check_vehicles_in() {
        assert!(caller(Role::Advisor).require(Permission::CheckIn).is_ok());
        assert!(caller(Role::Manager).require(Permission::CheckIn).is_ok());
        let err = caller(Role::Technician).require(Permission::CheckIn).unwrap_err();
        assert_eq!(err.code, "auth.forbidden");
        assert!(caller(Role::QcInspector).require(Permission::CheckIn).is_err());
    }

    #[test]
    fn only_managers_may_confirm_an_odometer_rollback_or_manage_staff() {
        for role in [Role::Advisor, Role::Technician, Role::QcInspector] {
            assert!(caller(role).require(Permission::ConfirmOdometerRollback).is_err(), "{role:?} must not confirm a rollback");
            assert!(caller(role).require(Permission::ManageStaff).is_err(), "{role:?} must not manage staff");
        }
        assert!(caller(Role::Manager).require(Permission::ConfirmOdometerRollback).is_ok());
    }

    #[test]
    fn only_managers_may_see_the_kpis() {
        for role in [Role::Advisor, Role::Technician, Role::QcInspector] {
            assert!(caller(role).require(Permission::ViewKpis).is_err(), "{role:?} must not see the KPIs");
        }
        assert!(caller(Role::Manager).require(Permission::ViewKpis).is_ok());
    }

    #[test]
    fn every_role_may_read_and_nobody_unauthenticated_may() {
        for role in [Role::Advisor, Role::Technician, Role::QcInspector, Role::Manager] {
            assert!(caller(role).require(Permission::Read).is_ok());
        }
        assert_eq!(Caller::anonymous().require(Permission::Read).unwrap_err().code, "auth.unauthenticated");
    }
}
