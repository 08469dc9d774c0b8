//! THE matrix: what each console role may do (`Role::may`), and which stations
//! a user sees (`Scope`). Everything else asks here: the handlers' checks, the
//! `can` flags the UI shows buttons from, and the station filter of every
//! query over stations, KPIs and complaints.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::error::{ConsoleError, ErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: users, stations (enrollment codes, revocation, regions), master data.
    Administrator,
    /// Reads every station, its KPIs and complaints; adds head-office notes to complaints.
    QualityManager,
    /// Reads the stations of their regions only.
    RegionalManager,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Administrator, Role::QualityManager, Role::RegionalManager];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::QualityManager => "quality_manager",
            Role::RegionalManager => "regional_manager",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Administrator => true,
            // The quality manager owns complaint handling, and the tree is how complaints are sorted and compared.
            // Every role answers for how its stations treat customers' data: each reads who looked (scoped).
            Role::QualityManager => {
                matches!(action, ViewStations | ViewKpis | ViewComplaints | ViewRecalls | ViewAccessRegister | AddComplaintNotes | ManageComplaintCategories)
            }
            Role::RegionalManager => matches!(action, ViewStations | ViewKpis | ViewComplaints | ViewRecalls | ViewAccessRegister),
        }
    }

    /// Whether the role's reads cover every station, or only its regions'.
    pub fn sees_every_station(self) -> bool {
        self != Role::RegionalManager
    }
}

/// A role an account can be given, and whether it is limited to regions
/// (then it needs at least one): what the account form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct RoleChoice {
    pub role: Role,
    pub takes_regions: bool,
}

impl RoleChoice {
    pub fn all() -> Vec<RoleChoice> {
        Role::ALL.into_iter().map(|role| RoleChoice { role, takes_regions: !role.sees_every_station() }).collect()
    }
}

/// What a console user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewStations,
    ViewKpis,
    ViewComplaints,
    /// Recall campaigns and their completion over the caller's stations.
    ViewRecalls,
    /// The stations' access registers and the head office's lookup grants (read-only).
    ViewAccessRegister,
    AddComplaintNotes,
    /// Create stations, issue enrollment codes, revoke tokens, set regions.
    ManageStations,
    /// Labor catalog, parts, recalls, settings (the complaint category tree among them, as raw text).
    ManageMasterData,
    /// The complaint category tree in the console's tree editor.
    ManageComplaintCategories,
    ManageUsers,
    ViewAudit,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewStations => "view_stations",
            Action::ViewKpis => "view_kpis",
            Action::ViewComplaints => "view_complaints",
            Action::ViewRecalls => "view_recalls",
            Action::ViewAccessRegister => "view_access_register",
            Action::AddComplaintNotes => "add_complaint_notes",
            Action::ManageStations => "manage_stations",
            Action::ManageMasterData => "manage_master_data",
            Action::ManageComplaintCategories => "manage_complaint_categories",
            Action::ManageUsers => "manage_users",
            Action::ViewAudit => "view_audit",
        }
    }
}

/// The role's answers, as flags the UI shows its buttons and pages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Can {
    pub view_stations: bool,
    pub view_kpis: bool,
    pub view_complaints: bool,
    pub view_recalls: bool,
    pub view_access_register: bool,
    pub add_complaint_notes: bool,
    pub manage_stations: bool,
    pub manage_master_data: bool,
    pub manage_complaint_categories: bool,
    pub manage_users: bool,
    pub view_audit: bool,
}

impl Can {
    pub fn for_role(role: Role) -> Self {
        Self {
            view_stations: role.may(Action::ViewStations),
            view_kpis: role.may(Action::ViewKpis),
            view_complaints: role.may(Action::ViewComplaints),
            view_recalls: role.may(Action::ViewRecalls),
            view_access_register: role.may(Action::ViewAccessRegister),
            add_complaint_notes: role.may(Action::AddComplaintNotes),
            manage_stations: role.may(Action::ManageStations),
            manage_master_data: role.may(Action::ManageMasterData),
            manage_complaint_categories: role.may(Action::ManageComplaintCategories),
            manage_users: role.may(Action::ManageUsers),
            view_audit: role.may(Action::ViewAudit),
        }
    }
}

/// `console.forbidden` unless `role` may do `action`.
pub fn require(role: Role, action: Action) -> Result<(), ConsoleError> {
    if role.may(action) {
        Ok(())
    } else {
        Err(ConsoleError::new(ErrorKind::Forbidden, "console.forbidden", format!("a {} may not {}", role.as_str(), action.as_str()))
            .with("role", role.as_str())
            .with("action", action.as_str()))
    }
}

/// The stations a console user's reads cover. Queries take it as a filter:
/// `WHERE ($1::uuid[] IS NULL OR station_id = ANY($1))` bound to `station_ids()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// The stations of the user's regions when the session began its request.
    Stations(Vec<Uuid>),
}

impl Scope {
    /// `None` for every station, else the ones in scope (possibly none).
    pub fn station_ids(&self) -> Option<&[Uuid]> {
        match self {
            Scope::All => None,
            Scope::Stations(ids) => Some(ids),
        }
    }

    pub fn includes(&self, station_id: Uuid) -> bool {
        match self {
            Scope::All => true,
            Scope::Stations(ids) => ids.contains(&station_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_manage_users_stations_and_master_data() {
        for action in [Action::ManageUsers, Action::ManageStations, Action::ManageMasterData, Action::ViewAudit] {
            assert!(Role::Administrator.may(action));
            assert!(!Role::QualityManager.may(action), "a quality manager may not {}", action.as_str());
            assert!(!Role::RegionalManager.may(action), "a regional manager may not {}", action.as_str());
        }
    }

    #[test]
    fn a_quality_manager_adds_complaint_notes_and_a_regional_manager_only_reads() {
        assert!(Role::QualityManager.may(Action::AddComplaintNotes));
        assert!(!Role::RegionalManager.may(Action::AddComplaintNotes));
        for role in [Role::Administrator, Role::QualityManager, Role::RegionalManager] {
            for action in [Action::ViewStations, Action::ViewKpis, Action::ViewComplaints, Action::ViewRecalls, Action::ViewAccessRegister] {
                assert!(role.may(action), "every role reads ({})", action.as_str());
            }
        }
        assert!(!Role::RegionalManager.sees_every_station());
        assert!(Role::QualityManager.sees_every_station());
    }

    #[test]
    fn a_quality_manager_edits_the_complaint_category_tree_and_a_regional_manager_does_not() {
        assert!(Role::Administrator.may(Action::ManageComplaintCategories));
        assert!(Role::QualityManager.may(Action::ManageComplaintCategories));
        assert!(!Role::RegionalManager.may(Action::ManageComplaintCategories));
    }

    #[test]
    fn a_regional_scope_covers_only_its_stations() {
        let mine = Uuid::now_v7();
        let scope = Scope::Stations(vec![mine]);
        assert!(scope.includes(mine));
        assert!(!scope.includes(Uuid::now_v7()));
        assert!(Scope::All.includes(Uuid::now_v7()));
        assert_eq!(Scope::Stations(vec![]).station_ids(), Some(&[][..]), "no region: no station, not every station");
    }

    #[test]
    fn the_can_flags_are_the_matrix() {
        let can = Can::for_role(Role::QualityManager);
        assert!(can.add_complaint_notes && can.view_stations && !can.manage_users && !can.manage_stations);
        assert_eq!(Role::parse("regional_manager"), Some(Role::RegionalManager));
        assert_eq!(Role::parse("root"), None);
    }
}
