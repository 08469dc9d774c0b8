//! What the caller may do now to an order, each of its jobs and each line,
//! and what the order page shows: computed here from the role matrix
//! (`auth/roles.rs`) and the state machine (`MACHINE`), with the same
//! conditions the operations check, so the UI shows exactly the buttons the
//! core would accept and holds no status lists or role checks of its own.
//!
//! An action marked allowed can still be refused for what is typed (a reason,
//! a signature) or for what it requires (stock on hand, every job done): the
//! requirement's error names what is missing, as for `next`. `tests/actions.rs`
//! tries every flag in every state for every role against the operations.

use serde::Serialize;
use ts_rs::TS;

use super::jobs::{Approval, JobRecord};

use super::lines::{LineKind, LineRecord};
use super::{edge, MACHINE};
use crate::auth::{Permission, Role};
use crate::repair_orders::RoStatus;

use RoStatus::*;

/// Jobs, lines and findings change only before the quality check (`OrderWrite::require_editable`).
pub fn editable(status: RoStatus) -> bool {
    matches!(status, CheckedIn | Diagnosing | EstimateReady | Approved | InRepair | WaitingParts)
}

/// The customer's decision is recorded on the estimate, and on work added after it (supplemental).
pub fn takes_authorization(status: RoStatus) -> bool {
    matches!(status, EstimateReady | Approved | InRepair | WaitingParts)
}

/// Work added now needs a supplemental authorization: the first one is already given.
pub fn after_approval(status: RoStatus) -> bool {
    matches!(status, Approved | InRepair | WaitingParts)
}

/// The order as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct OrderActions {
    pub add_job: bool,
    /// A job added now waits for a supplemental authorization.
    pub new_job_needs_authorization: bool,
    pub set_discount: bool,
    pub record_authorization: bool,
    /// Decline recommended work waiting for the customer's decision.
    pub record_decline: bool,
    pub record_qc: bool,
    pub record_payment: bool,
    pub record_completion_notice: bool,
    pub deliver: bool,
    /// Deliver with a balance left to pay.
    pub override_balance: bool,
    pub cancel: bool,
    pub verify_documents: bool,
    /// Print and open the customer's signed documents (the desk; not the workshop).
    pub open_documents: bool,
}

/// One job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct JobActions {
    /// Write the 3 Cs and add findings.
    pub edit: bool,
    /// Give it to a technician, or take it off them.
    pub assign: bool,
    pub add_line: bool,
    /// Mark it done (the technician).
    pub complete: bool,
    /// Start the job clock on it.
    pub clock: bool,
    /// The customer approves or declines it on the authorization form.
    pub decide: bool,
    /// A failed quality check can send it back for rework.
    pub rework: bool,
}

/// One line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct LineActions {
    pub remove: bool,
    /// Issue parts from stock to it.
    pub issue: bool,
    /// Return issued parts to stock.
    pub return_stock: bool,
}

/// An order's card on the board and the work lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct CardActions {
    /// The move the card's button makes for the caller: starting diagnosis (the technician's list of cars waiting).
    pub start: Option<Move>,
    /// It waits for a quality check the caller may record.
    pub inspect: bool,
}

pub fn card_actions(status: RoStatus, role: Role) -> CardActions {
    CardActions {
        start: moves(status, role, MoveFacts::default()).into_iter().find(|m| m.to == Diagnosing),
        inspect: status == QualityCheck && Permission::QualityDecision.allows(role),
    }
}

/// A move along the machine the caller may make now, and how the page makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Move {
    pub to: RoStatus,
    pub by: MoveBy,
    /// A note must be written first (which part the order waits for).
    pub note_required: bool,
    /// The way forward, as opposed to a side step (waiting for parts).
    pub primary: bool,
    /// Its requirements look met (the parts are in, every job is done); the move still checks them.
    pub ready: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MoveBy {
    /// `move_order` on its own.
    Button,
    /// The authorization form records it (`record_authorization`).
    Authorization,
    /// The quality check form (`record_qc`).
    QualityCheck,
    /// The delivery form (`deliver`).
    Delivery,
    /// Cancelling: the reason is asked first, apart from the way forward.
    Cancel,
}

/// The customer's decision is worth showing once made, or once the estimate awaits it.
pub fn decision_shown(status: RoStatus, approval: Approval) -> bool {
    approval != Approval::Pending || !matches!(status, CheckedIn | Diagnosing)
}

/// What the order page shows, as the order's state decides it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct OrderShows {
    /// The quality check section: while in QC, and once any inspection is recorded.
    pub quality_check: bool,
    /// The delivery section: from ready for pickup on, and once anything is paid.
    pub delivery: bool,
    /// The check-in record opens unfolded: the car has only just come in.
    pub check_in_record_open: bool,
    /// The order was cancelled (its reason shows).
    pub cancelled: bool,
    /// The next authorization is a supplemental one (work added after the first).
    pub supplemental: bool,
    /// The customer's decision or more authorized money is still needed.
    pub authorization_needed: bool,
}

/// What an order's actions depend on besides its state and the caller's role.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderFacts {
    /// Some job waits for the customer's decision.
    pub pending_jobs: bool,
    /// The caller worked on the order (QC of one's own work needs `InspectOwnWork`).
    pub caller_worked_on_it: bool,
    pub inspections: bool,
    pub payments: bool,
    /// The approved work costs more than the authorizations cover.
    pub uncovered: bool,
}

pub fn order_actions(status: RoStatus, role: Role, facts: OrderFacts) -> OrderActions {
    let may = |p: Permission| p.allows(role);
    let add_job = may(Permission::EditJobs) && editable(status);
    let authorize = may(Permission::RecordAuthorization) && takes_authorization(status);
    let deliver = may(Permission::Deliver) && status == ReadyForPickup;
    OrderActions {
        add_job,
        new_job_needs_authorization: add_job && after_approval(status),
        // A discount may change until the car leaves, QC included (`set_discount`).
        set_discount: may(Permission::Discount) && status.is_open(),
        // The first authorization must approve something; a supplemental one may only raise the amount.
        record_authorization: authorize && (facts.pending_jobs || after_approval(status)),
        record_decline: authorize && facts.pending_jobs,
        record_qc: may(Permission::QualityDecision) && status == QualityCheck && (!facts.caller_worked_on_it || may(Permission::InspectOwnWork)),
        record_payment: may(Permission::Deliver) && status.is_open(),
        record_completion_notice: deliver,
        deliver,
        override_balance: deliver && may(Permission::OverrideBalance),
        cancel: edge(status, Cancelled).is_some_and(may),
        verify_documents: may(Permission::VerifyDocuments),
        open_documents: may(Permission::OpenSignedDocuments),
    }
}

/// `done`: the job is marked done.
pub fn job_actions(status: RoStatus, role: Role, approval: Approval, done: bool) -> JobActions {
    let may = |p: Permission| p.allows(role);
    let live = approval != Approval::Declined;
    let approved = approval == Approval::Approved;
    let open_work = approved && !done;
    JobActions {
        edit: may(Permission::EditJobs) && editable(status) && live,
        assign: may(Permission::AssignTechnician) && editable(status) && live,
        add_line: may(Permission::EditLines) && editable(status) && live,
        complete: may(Permission::Repair) && status == InRepair && open_work,
        clock: may(Permission::UseTimeClock) && ((status == Diagnosing && live) || (status == InRepair && open_work)),
        decide: may(Permission::RecordAuthorization) && takes_authorization(status) && approval == Approval::Pending,
        rework: may(Permission::QualityDecision) && status == QualityCheck && approved,
    }
}

/// `signed`: the line is on a document the customer signed, so it stays.
pub fn line_actions(status: RoStatus, role: Role, job: &JobRecord, line: &LineRecord, signed: bool) -> LineActions {
    let may = |p: Permission| p.allows(role);
    let part = line.kind == LineKind::Part && may(Permission::IssueParts);
    LineActions {
        remove: may(Permission::EditLines) && editable(status) && !signed && line.issued_milli == 0,
        issue: part && matches!(status, InRepair | WaitingParts) && job.approval == Approval::Approved && line.issued_milli < line.quantity_milli,
        return_stock: part && matches!(status, Approved | InRepair | WaitingParts | Cancelled) && line.issued_milli > 0,
    }
}

/// What the moves' readiness depends on besides the state.
#[derive(Debug, Clone, Copy, Default)]
pub struct MoveFacts {
    /// The order already waits for named parts the stock cannot cover.
    pub short_parts: bool,
    /// Some job is approved and every approved job is done.
    pub work_done: bool,
}

/// The moves `role` may make from `status`, with the form each goes through.
/// Closing is the follow-up's, and a failed QC goes back to repair from the QC
/// form, so neither is a move here; cancelling comes last.
pub fn moves(status: RoStatus, role: Role, facts: MoveFacts) -> Vec<Move> {
    let cancel = edge(status, Cancelled).filter(|p| p.allows(role)).map(|_| Move {
        to: Cancelled,
        by: MoveBy::Cancel,
        note_required: true,
        primary: false,
        ready: true,
    });
    MACHINE
        .iter()
        .filter(|(from, to, p)| *from == status && p.allows(role) && *to != Closed && (*from, *to) != (QualityCheck, InRepair))
        .map(|(_, to, _)| {
            let by = match to {
                Approved => MoveBy::Authorization,
                ReadyForPickup => MoveBy::QualityCheck,
                Delivered => MoveBy::Delivery,
                _ => MoveBy::Button,
            };
            let waiting = *to == WaitingParts;
            let ready = match (status, *to) {
                (WaitingParts, InRepair) => !facts.short_parts,
                (InRepair, QualityCheck) => facts.work_done,
                _ => !waiting,
            };
            // Naming the part is needed only when the stock does not already say what is missing.
            Move { to: *to, by, note_required: waiting && !facts.short_parts, primary: !waiting, ready }
        })
        .chain(cancel)
        .collect()
}

pub fn shows(status: RoStatus, facts: OrderFacts) -> OrderShows {
    OrderShows {
        quality_check: status == QualityCheck || facts.inspections,
        delivery: matches!(status, ReadyForPickup | Delivered | Closed) || facts.payments,
        check_in_record_open: status == CheckedIn,
        cancelled: status == Cancelled,
        supplemental: after_approval(status),
        authorization_needed: status == EstimateReady || (takes_authorization(status) && (facts.pending_jobs || facts.uncovered)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discount_is_offered_in_every_open_state_and_only_to_managers() {
        for status in RoStatus::ALL {
            let manager = order_actions(status, Role::Manager, OrderFacts::default());
            assert_eq!(manager.set_discount, status.is_open(), "{status:?}");
            assert!(!order_actions(status, Role::Advisor, OrderFacts::default()).set_discount);
        }
        assert!(order_actions(QualityCheck, Role::Manager, OrderFacts::default()).set_discount);
        assert!(order_actions(ReadyForPickup, Role::Manager, OrderFacts::default()).set_discount);
    }

    #[test]
    fn a_job_can_be_added_at_check_in() {
        assert!(order_actions(CheckedIn, Role::Advisor, OrderFacts::default()).add_job);
        assert!(order_actions(CheckedIn, Role::Technician, OrderFacts::default()).add_job);
        assert!(!order_actions(CheckedIn, Role::QcInspector, OrderFacts::default()).add_job);
    }

    #[test]
    fn every_move_offered_is_an_edge_of_the_machine_the_role_may_take() {
        for status in RoStatus::ALL {
            for role in Role::ALL {
                for m in moves(status, role, MoveFacts::default()) {
                    assert!(edge(status, m.to).is_some_and(|p| p.allows(role)), "{status:?} → {:?} for {role:?}", m.to);
                }
            }
        }
    }
}
