// Generated from crates/headoffice/src/console/mod.rs by scripts/gen-bindings.sh. Do not edit.
import type { AccessRegisterPage } from "./AccessRegisterPage";
import type { AccessRegisterQuery } from "./AccessRegisterQuery";
import type { AuditPage } from "./AuditPage";
import type { AuditQuery } from "./AuditQuery";
import type { CategoryTree } from "./CategoryTree";
import type { CategoryTreeInput } from "./CategoryTreeInput";
import type { ChangeOwnPassword } from "./ChangeOwnPassword";
import type { ComplaintPage } from "./ComplaintPage";
import type { ComplaintView } from "./ComplaintView";
import type { ComplaintsQuery } from "./ComplaintsQuery";
import type { CompletionQuery } from "./CompletionQuery";
import type { EnrollmentCodes } from "./EnrollmentCodes";
import type { HeadOfficeNote } from "./HeadOfficeNote";
import type { IssuedCode } from "./IssuedCode";
import type { KpiComparison } from "./KpiComparison";
import type { KpiCsv } from "./KpiCsv";
import type { KpiOrders } from "./KpiOrders";
import type { KpiOrdersQuery } from "./KpiOrdersQuery";
import type { KpiQuery } from "./KpiQuery";
import type { LoggedOut } from "./LoggedOut";
import type { LoginInput } from "./LoginInput";
import type { LookupGrantsPage } from "./LookupGrantsPage";
import type { LookupGrantsQuery } from "./LookupGrantsQuery";
import type { MasterDeleted } from "./MasterDeleted";
import type { MasterInput } from "./MasterInput";
import type { MasterPage } from "./MasterPage";
import type { MasterQuery } from "./MasterQuery";
import type { MasterRecord } from "./MasterRecord";
import type { MasterUpload } from "./MasterUpload";
import type { Me } from "./Me";
import type { NewComplaintNote } from "./NewComplaintNote";
import type { NewStation } from "./NewStation";
import type { NewUser } from "./NewUser";
import type { NoInput } from "./NoInput";
import type { RecallCampaigns } from "./RecallCampaigns";
import type { RecallCompletion } from "./RecallCompletion";
import type { Revoked } from "./Revoked";
import type { SetPassword } from "./SetPassword";
import type { SetRegion } from "./SetRegion";
import type { StationOverview } from "./StationOverview";
import type { StationRow } from "./StationRow";
import type { UpdateUser } from "./UpdateUser";
import type { UploadResult } from "./UploadResult";
import type { User } from "./User";
import type { UserList } from "./UserList";

/** Every console endpoint: method, path (with `{placeholders}`), body or query, answer. */
export type ConsoleApi = {
  /** Logs in: `Me` in the body, the session in an HttpOnly cookie. 401 `console.login_failed`, 429 `console.login_throttled`. */
  login: { method: "POST"; path: "/console/api/login"; input: LoginInput; output: Me };
  logout: { method: "POST"; path: "/console/api/logout"; input: NoInput; output: LoggedOut };
  /** The caller, their role and what it may do (`can`). */
  me: { method: "GET"; path: "/console/api/me"; input: NoInput; output: Me };
  /** Any user's own password, given the current one (400 `user.password_wrong` on `current_password`, counted by the login throttle); their other sessions end. */
  change_own_password: { method: "PUT"; path: "/console/api/me/password"; input: ChangeOwnPassword; output: User };
  /** Every station in the caller's scope, with what looks wrong (`flags`). */
  list_stations: { method: "GET"; path: "/console/api/stations"; input: NoInput; output: StationOverview };
  /** Creates a station; its first enrollment code is in the answer, shown once. */
  create_station: { method: "POST"; path: "/console/api/stations"; input: NewStation; output: IssuedCode };
  /** One station in the caller's scope (404 outside it). */
  get_station: { method: "GET"; path: "/console/api/stations/{station_id}"; input: NoInput; output: StationRow };
  /** A new one-time enrollment code for the station, shown once. */
  issue_enrollment_code: { method: "POST"; path: "/console/api/stations/{station_id}/enrollment-codes"; input: NoInput; output: IssuedCode };
  list_enrollment_codes: { method: "GET"; path: "/console/api/stations/{station_id}/enrollment-codes"; input: NoInput; output: EnrollmentCodes };
  /** Revokes every token of the station and its unused codes. */
  revoke_station: { method: "POST"; path: "/console/api/stations/{station_id}/revoke"; input: NoInput; output: Revoked };
  set_station_region: { method: "PUT"; path: "/console/api/stations/{station_id}/region"; input: SetRegion; output: StationRow };
  list_users: { method: "GET"; path: "/console/api/users"; input: NoInput; output: UserList };
  create_user: { method: "POST"; path: "/console/api/users"; input: NewUser; output: User };
  /** Name, role, regions, and `active: false` to disable (its sessions end). */
  update_user: { method: "PUT"; path: "/console/api/users/{user_id}"; input: UpdateUser; output: User };
  set_user_password: { method: "PUT"; path: "/console/api/users/{user_id}/password"; input: SetPassword; output: User };
  /** The audit, newest first; query `before` (an id) and `limit`. */
  audit: { method: "GET"; path: "/console/api/audit"; input: AuditQuery; output: AuditPage };
  /** The KPIs of the caller's stations over `from..=to`: rows as grouped, regions summed, the total, a ranking per figure. */
  kpis: { method: "GET"; path: "/console/api/kpis"; input: KpiQuery; output: KpiComparison };
  /** The records behind one station's figure (`code`) over `from..=to`. */
  kpi_orders: { method: "GET"; path: "/console/api/kpis/orders"; input: KpiOrdersQuery; output: KpiOrders };
  /** The comparison (same query as `kpis`) as a CSV file to download: UTF-8 with a BOM, a row per row of the comparison and the total. */
  kpi_export: { method: "GET"; path: "/console/api/kpis/export.csv"; input: KpiQuery; output: KpiCsv };
  /** The complaints of the caller's stations, overdue first (as of the head office's clock); filters in the query. */
  list_complaints: { method: "GET"; path: "/console/api/complaints"; input: ComplaintsQuery; output: ComplaintPage };
  /** One complaint of a station in the caller's scope (404 outside it). */
  get_complaint: { method: "GET"; path: "/console/api/complaints/{station_id}/{complaint_id}"; input: NoInput; output: ComplaintView };
  /** Adds a head-office note or instruction; the station receives it on its next pull. 403 without `add_complaint_notes`. */
  add_complaint_note: { method: "POST"; path: "/console/api/complaints/{station_id}/{complaint_id}/notes"; input: NewComplaintNote; output: HeadOfficeNote };
  /** Master records of one kind (`labor_catalog`, `parts_catalog`, `recall_campaign`, `setting`); query `q`, `offset`, `limit`. Administrators. */
  list_master: { method: "GET"; path: "/console/api/master/{kind}"; input: MasterQuery; output: MasterPage };
  /** Adds or changes one record, checked field by field as the CSV loads are; stations pull it. */
  upsert_master: { method: "POST"; path: "/console/api/master/{kind}"; input: MasterInput; output: MasterRecord };
  /** A CSV in the command line's format: good lines applied, refused ones named by line and field. */
  upload_master: { method: "POST"; path: "/console/api/master/{kind}/upload"; input: MasterUpload; output: UploadResult };
  /** Deletes one record; stations get the delete. */
  delete_master: { method: "DELETE"; path: "/console/api/master/{kind}/records/{id}"; input: NoInput; output: MasterDeleted };
  /** The complaint category tree (the setting `complaint_categories`), or the stations' built-in one until one is saved. Administrators and quality managers. */
  get_complaint_categories: { method: "GET"; path: "/console/api/master/complaint-categories"; input: NoInput; output: CategoryTree };
  /** Replaces the tree, checked whole; a fault names its path (`categories[2].children[0].name_en`). Saved ids stay; new entries (`id: null`) get one. */
  put_complaint_categories: { method: "PUT"; path: "/console/api/master/complaint-categories"; input: CategoryTreeInput; output: CategoryTree };
  /** The recall campaigns; query `q`, `offset`, `limit`. Every role. */
  list_recalls: { method: "GET"; path: "/console/api/recalls"; input: MasterQuery; output: RecallCampaigns };
  /** One campaign's completion over the caller's stations: counts and a page of VINs, done or open; query `status`, `vin`, `offset`, `limit`. */
  recall_completion: { method: "GET"; path: "/console/api/recalls/{campaign_id}"; input: CompletionQuery; output: RecallCompletion };
  /** The access registers of the caller's stations, newest first; query `station`, `staff`, `customer` (number or id), `offset`, `limit`. */
  access_register: { method: "GET"; path: "/console/api/access-register"; input: AccessRegisterQuery; output: AccessRegisterPage };
  /** The access head-office lookups granted to the caller's stations, newest first; query `station`, `offset`, `limit`. */
  lookup_grants: { method: "GET"; path: "/console/api/lookup-grants"; input: LookupGrantsQuery; output: LookupGrantsPage };
};

export type ConsoleEndpoint = keyof ConsoleApi;

export const CONSOLE_API: { [K in ConsoleEndpoint]: { method: ConsoleApi[K]["method"]; path: ConsoleApi[K]["path"] } } = {
  login: { method: "POST", path: "/console/api/login" },
  logout: { method: "POST", path: "/console/api/logout" },
  me: { method: "GET", path: "/console/api/me" },
  change_own_password: { method: "PUT", path: "/console/api/me/password" },
  list_stations: { method: "GET", path: "/console/api/stations" },
  create_station: { method: "POST", path: "/console/api/stations" },
  get_station: { method: "GET", path: "/console/api/stations/{station_id}" },
  issue_enrollment_code: { method: "POST", path: "/console/api/stations/{station_id}/enrollment-codes" },
  list_enrollment_codes: { method: "GET", path: "/console/api/stations/{station_id}/enrollment-codes" },
  revoke_station: { method: "POST", path: "/console/api/stations/{station_id}/revoke" },
  set_station_region: { method: "PUT", path: "/console/api/stations/{station_id}/region" },
  list_users: { method: "GET", path: "/console/api/users" },
  create_user: { method: "POST", path: "/console/api/users" },
  update_user: { method: "PUT", path: "/console/api/users/{user_id}" },
  set_user_password: { method: "PUT", path: "/console/api/users/{user_id}/password" },
  audit: { method: "GET", path: "/console/api/audit" },
  kpis: { method: "GET", path: "/console/api/kpis" },
  kpi_orders: { method: "GET", path: "/console/api/kpis/orders" },
  kpi_export: { method: "GET", path: "/console/api/kpis/export.csv" },
  list_complaints: { method: "GET", path: "/console/api/complaints" },
  get_complaint: { method: "GET", path: "/console/api/complaints/{station_id}/{complaint_id}" },
  add_complaint_note: { method: "POST", path: "/console/api/complaints/{station_id}/{complaint_id}/notes" },
  list_master: { method: "GET", path: "/console/api/master/{kind}" },
  upsert_master: { method: "POST", path: "/console/api/master/{kind}" },
  upload_master: { method: "POST", path: "/console/api/master/{kind}/upload" },
  delete_master: { method: "DELETE", path: "/console/api/master/{kind}/records/{id}" },
  get_complaint_categories: { method: "GET", path: "/console/api/master/complaint-categories" },
  put_complaint_categories: { method: "PUT", path: "/console/api/master/complaint-categories" },
  list_recalls: { method: "GET", path: "/console/api/recalls" },
  recall_completion: { method: "GET", path: "/console/api/recalls/{campaign_id}" },
  access_register: { method: "GET", path: "/console/api/access-register" },
  lookup_grants: { method: "GET", path: "/console/api/lookup-grants" },
};
