// Generated from crates/station/src/ops.rs by scripts/gen-bindings.sh. Do not edit.
import type { AccessRegister } from "./AccessRegister";
import type { AccessRegisterQuery } from "./AccessRegisterQuery";
import type { AddFinding } from "./AddFinding";
import type { AddJob } from "./AddJob";
import type { AddLine } from "./AddLine";
import type { AdoptHeadOfficeRecord } from "./AdoptHeadOfficeRecord";
import type { AdoptedRecord } from "./AdoptedRecord";
import type { ApproveDevice } from "./ApproveDevice";
import type { AssignTechnician } from "./AssignTechnician";
import type { AuditLog } from "./AuditLog";
import type { AuthorizationQuote } from "./AuthorizationQuote";
import type { BackupKey } from "./BackupKey";
import type { BackupSettingsInput } from "./BackupSettingsInput";
import type { BackupStatus } from "./BackupStatus";
import type { Board } from "./Board";
import type { BoardInput } from "./BoardInput";
import type { Calendar } from "./Calendar";
import type { CallList } from "./CallList";
import type { CallListInput } from "./CallListInput";
import type { CatalogLookup } from "./CatalogLookup";
import type { CatalogLookupResult } from "./CatalogLookupResult";
import type { Categories } from "./Categories";
import type { CheckInInput } from "./CheckInInput";
import type { ComplaintDetail } from "./ComplaintDetail";
import type { ComplaintPage } from "./ComplaintPage";
import type { ComplaintQuery } from "./ComplaintQuery";
import type { ComplaintStep } from "./ComplaintStep";
import type { CompleteJob } from "./CompleteJob";
import type { ConsentTexts } from "./ConsentTexts";
import type { CustomerDetail } from "./CustomerDetail";
import type { CustomerExport } from "./CustomerExport";
import type { CustomerFields } from "./CustomerFields";
import type { CustomerView } from "./CustomerView";
import type { Deliver } from "./Deliver";
import type { DemoLoaded } from "./DemoLoaded";
import type { DestructionReport } from "./DestructionReport";
import type { DeviceList } from "./DeviceList";
import type { Done } from "./Done";
import type { DueList } from "./DueList";
import type { DuplicateQuery } from "./DuplicateQuery";
import type { Duplicates } from "./Duplicates";
import type { EnergyGuess } from "./EnergyGuess";
import type { EnergyGuessInput } from "./EnergyGuessInput";
import type { EnrollStation } from "./EnrollStation";
import type { ExportCustomer } from "./ExportCustomer";
import type { FileData } from "./FileData";
import type { FileRequest } from "./FileRequest";
import type { FirstRunSetup } from "./FirstRunSetup";
import type { FollowUpDetail } from "./FollowUpDetail";
import type { GetDocument } from "./GetDocument";
import type { HeadOfficeLookup } from "./HeadOfficeLookup";
import type { HeadOfficeLookupInput } from "./HeadOfficeLookupInput";
import type { IdInput } from "./IdInput";
import type { JobRef } from "./JobRef";
import type { KpiExport } from "./KpiExport";
import type { KpiExportInput } from "./KpiExportInput";
import type { KpiMonthlyReportInput } from "./KpiMonthlyReportInput";
import type { KpiOrders } from "./KpiOrders";
import type { KpiOrdersInput } from "./KpiOrdersInput";
import type { KpiReport } from "./KpiReport";
import type { KpiReportInput } from "./KpiReportInput";
import type { LaborCatalog } from "./LaborCatalog";
import type { LaborOperation } from "./LaborOperation";
import type { LineRef } from "./LineRef";
import type { LoadHolidays } from "./LoadHolidays";
import type { LoginInput } from "./LoginInput";
import type { Me } from "./Me";
import type { MergeCustomers } from "./MergeCustomers";
import type { MergePreview } from "./MergePreview";
import type { MoveOrder } from "./MoveOrder";
import type { MyDeadlines } from "./MyDeadlines";
import type { MyJobs } from "./MyJobs";
import type { NewCategory } from "./NewCategory";
import type { NewComplaint } from "./NewComplaint";
import type { NewServiceRequest } from "./NewServiceRequest";
import type { NewStaff } from "./NewStaff";
import type { NewVehicle } from "./NewVehicle";
import type { NoInput } from "./NoInput";
import type { OrderDetail } from "./OrderDetail";
import type { OrderDocuments } from "./OrderDocuments";
import type { OrderDocumentsInput } from "./OrderDocumentsInput";
import type { OrderNote } from "./OrderNote";
import type { PairingRequest } from "./PairingRequest";
import type { PairingState } from "./PairingState";
import type { Part } from "./Part";
import type { PartList } from "./PartList";
import type { PartsQuery } from "./PartsQuery";
import type { PerformRecall } from "./PerformRecall";
import type { PhotoUpload } from "./PhotoUpload";
import type { PrintComplaint } from "./PrintComplaint";
import type { PrintDocument } from "./PrintDocument";
import type { PrintJob } from "./PrintJob";
import type { PrintToPrinter } from "./PrintToPrinter";
import type { PrintedDocument } from "./PrintedDocument";
import type { Printers } from "./Printers";
import type { QcItems } from "./QcItems";
import type { QuoteAuthorization } from "./QuoteAuthorization";
import type { ReassignFollowUp } from "./ReassignFollowUp";
import type { ReceiveStock } from "./ReceiveStock";
import type { RecordAuthorization } from "./RecordAuthorization";
import type { RecordCall } from "./RecordCall";
import type { RecordDecline } from "./RecordDecline";
import type { RecordPayment } from "./RecordPayment";
import type { RecordQc } from "./RecordQc";
import type { RepairOrder } from "./RepairOrder";
import type { RequestPage } from "./RequestPage";
import type { RequestPairing } from "./RequestPairing";
import type { RequestQuery } from "./RequestQuery";
import type { RetentionPolicy } from "./RetentionPolicy";
import type { RevealContact } from "./RevealContact";
import type { RevealWrittenContact } from "./RevealWrittenContact";
import type { RevealedContact } from "./RevealedContact";
import type { RevealedWrittenContact } from "./RevealedWrittenContact";
import type { RunDestruction } from "./RunDestruction";
import type { SaveLaborOperation } from "./SaveLaborOperation";
import type { SavePart } from "./SavePart";
import type { SaveQcItem } from "./SaveQcItem";
import type { SearchInput } from "./SearchInput";
import type { SearchResults } from "./SearchResults";
import type { ServiceRequestDetail } from "./ServiceRequestDetail";
import type { ServiceRequestStep } from "./ServiceRequestStep";
import type { Session } from "./Session";
import type { SetBackupKey } from "./SetBackupKey";
import type { SetDiscount } from "./SetDiscount";
import type { SetIdleMinutes } from "./SetIdleMinutes";
import type { SetupStatus } from "./SetupStatus";
import type { StaffInfo } from "./StaffInfo";
import type { StaffList } from "./StaffList";
import type { StartClock } from "./StartClock";
import type { StockMove } from "./StockMove";
import type { StoredFile } from "./StoredFile";
import type { SyncStatus } from "./SyncStatus";
import type { TimeLimits } from "./TimeLimits";
import type { UpdateCustomer } from "./UpdateCustomer";
import type { UpdateJob } from "./UpdateJob";
import type { UpdateStaff } from "./UpdateStaff";
import type { UpdateTimeLimit } from "./UpdateTimeLimit";
import type { UpdateVehicle } from "./UpdateVehicle";
import type { Vehicle } from "./Vehicle";
import type { VehicleAlerts } from "./VehicleAlerts";
import type { VehicleAlertsInput } from "./VehicleAlertsInput";
import type { VehicleHistory } from "./VehicleHistory";
import type { VehicleHistoryInput } from "./VehicleHistoryInput";
import type { VerifyOrder } from "./VerifyOrder";
import type { VerifyReport } from "./VerifyReport";
import type { VinInfo } from "./VinInfo";
import type { VinInput } from "./VinInput";
import type { WorkflowSettings } from "./WorkflowSettings";

export type Operations = {
  /** Whether first-run setup has happened, and who can log in. */
  setup_status: { input: NoInput; output: SetupStatus };
  /** Creates the station and its first manager, and logs the manager in. */
  first_run_setup: { input: FirstRunSetup; output: Session };
  /** Fills a fresh station with a demo station, staff, customers and orders. */
  load_demo_data: { input: NoInput; output: DemoLoaded };
  login: { input: LoginInput; output: Session };
  logout: { input: NoInput; output: Done };
  me: { input: NoInput; output: Me };
  list_staff: { input: NoInput; output: StaffList };
  create_staff: { input: NewStaff; output: StaffInfo };
  update_staff: { input: UpdateStaff; output: StaffInfo };
  /** Finds customers and vehicles by any fragment of plate, VIN, phone or name, and says which of them the text is. */
  search: { input: SearchInput; output: SearchResults };
  /** The customer's archive, contact details masked for the caller; the opening is logged in the access register. */
  get_customer: { input: IdInput; output: CustomerDetail };
  create_customer: { input: CustomerFields; output: CustomerView };
  update_customer: { input: UpdateCustomer; output: CustomerView };
  /** Shows a customer's whole phone numbers and e-mail, with a reason; a manager, or the advisor whose customer it is; logged. */
  reveal_contact: { input: RevealContact; output: RevealedContact };
  /** Shows the whole number written on a complaint or a service request, with a reason; its owner or a manager; logged. */
  reveal_written_contact: { input: RevealWrittenContact; output: RevealedWrittenContact };
  /** The access register, newest first, filtered by staff and by customer (manager). */
  list_access_register: { input: AccessRegisterQuery; output: AccessRegister };
  /** The consent texts now shown (zh-CN, zh-TW, en) and their versions, which a consent given now records. */
  consent_texts: { input: NoInput; output: ConsentTexts };
  /** A manager exports everything held on a customer (the right of access) as a ZIP of JSON and the stored files; audit-logged. */
  export_customer: { input: ExportCustomer; output: CustomerExport };
  /** Existing customers and vehicles the one being typed may duplicate: same phone, similar name + phone tail, same plate, same VIN. */
  find_duplicates: { input: DuplicateQuery; output: Duplicates };
  /** What merging the loser into the survivor would move (manager). */
  merge_preview: { input: MergeCustomers; output: MergePreview };
  /** A manager merges a duplicate customer into another: everything moves, the loser is tombstoned; returns the survivor's page. */
  merge_customers: { input: MergeCustomers; output: CustomerDetail };
  create_vehicle: { input: NewVehicle; output: Vehicle };
  update_vehicle: { input: UpdateVehicle; output: Vehicle };
  /** Manufacturer, country and model year from a VIN, for filling the form. */
  decode_vin: { input: VinInput; output: VinInfo };
  /** What the vehicle form's VIN, make and plate say the vehicle runs on (fuel, hybrid, electric), if anything. */
  guess_vehicle_energy: { input: EnergyGuessInput; output: EnergyGuess };
  /** A returning vehicle's past for check-in: last odometer and visit, open recalls, declined work, earlier concerns, complaints. */
  vehicle_history: { input: VehicleHistoryInput; output: VehicleHistory };
  /** Checks a vehicle in: a new repair order in `checked_in`. */
  check_in: { input: CheckInInput; output: RepairOrder };
  board: { input: BoardInput; output: Board };
  get_repair_order: { input: IdInput; output: RepairOrder };
  upload_photo: { input: PhotoUpload; output: StoredFile };
  get_file: { input: FileRequest; output: FileData };
  /** The order page: order, jobs with lines, money, authorizations, history, inspections, payments. */
  get_order_detail: { input: IdInput; output: OrderDetail };
  /** Moves an order along the state machine; the note is the reason when cancelling. */
  move_order: { input: MoveOrder; output: OrderDetail };
  add_job: { input: AddJob; output: OrderDetail };
  /** Writes a job's 3 Cs: concern, cause, correction. */
  update_job: { input: UpdateJob; output: OrderDetail };
  assign_technician: { input: AssignTechnician; output: OrderDetail };
  /** Marks a job done: the 3 Cs written; no clocked time or unissued parts confirmed in `confirm`. */
  complete_job: { input: CompleteJob; output: OrderDetail };
  /** A technician takes an unassigned job and becomes its technician. */
  take_job: { input: JobRef; output: OrderDetail };
  add_finding: { input: AddFinding; output: OrderDetail };
  /** Records that the order performed a recall campaign covering its VIN (open orders; advisor or technician). */
  perform_recall: { input: PerformRecall; output: OrderDetail };
  /** The technician's jobs on open orders, for the tablet. */
  my_jobs: { input: NoInput; output: MyJobs };
  add_line: { input: AddLine; output: OrderDetail };
  remove_line: { input: LineRef; output: OrderDetail };
  /** A manager's discount on the order, before tax. */
  set_discount: { input: SetDiscount; output: OrderDetail };
  /** The amount to authorize if the customer approves these pending jobs (the form's suggestion). */
  quote_authorization: { input: QuoteAuthorization; output: AuthorizationQuote };
  /** The customer's approval (or a supplemental one): method, approver, jobs, amount. */
  record_authorization: { input: RecordAuthorization; output: OrderDetail };
  /** The customer declines recommended (pending) work: a signed decline document. */
  record_decline: { input: RecordDecline; output: OrderDetail };
  /** A manager's check of an order's signed documents: "intact", or which document and fields differ. */
  verify_order: { input: VerifyOrder; output: VerifyReport };
  /** Prints a signed document as PDF (verifying the order first) and keeps it in the order's archive; a reprint returns the archived bytes. */
  print_document: { input: PrintDocument; output: PrintedDocument };
  /** The order's archive of printed documents, oldest first. */
  list_order_documents: { input: OrderDocumentsInput; output: OrderDocuments };
  /** An archived PDF, unchanged, as a data URL. */
  get_document: { input: GetDocument; output: PrintedDocument };
  /** Sends an archived PDF to a CUPS printer with `lp` (the default printer when none is named). */
  print_to_printer: { input: PrintToPrinter; output: PrintJob };
  /** The CUPS printers and the default one; `cups: false` where there is no CUPS. */
  list_printers: { input: NoInput; output: Printers };
  start_clock: { input: StartClock; output: MyJobs };
  stop_clock: { input: NoInput; output: MyJobs };
  list_qc_items: { input: NoInput; output: QcItems };
  save_qc_item: { input: SaveQcItem; output: QcItems };
  /** The quality check: pass sends the order to ready_for_pickup, fail back to in_repair. */
  record_qc: { input: RecordQc; output: OrderDetail };
  record_payment: { input: RecordPayment; output: OrderDetail };
  record_completion_notice: { input: OrderNote; output: OrderDetail };
  /** Odometer out, payments, balance zero (or a manager's override): delivered. */
  deliver: { input: Deliver; output: OrderDetail };
  list_labor_operations: { input: NoInput; output: LaborCatalog };
  save_labor_operation: { input: SaveLaborOperation; output: LaborOperation };
  /** Parts with stock; `low_only` gives the low-stock list. */
  list_parts: { input: PartsQuery; output: PartList };
  save_part: { input: SavePart; output: Part };
  /** The head office's catalog entry for a part number (name, price), for a new part. */
  lookup_catalog_part: { input: CatalogLookup; output: CatalogLookupResult };
  receive_stock: { input: ReceiveStock; output: Part };
  issue_part: { input: StockMove; output: OrderDetail };
  return_part: { input: StockMove; output: OrderDetail };
  /** Who changed what on an order, before and after. */
  get_order_audit: { input: IdInput; output: AuditLog };
  get_workflow_settings: { input: NoInput; output: WorkflowSettings };
  update_workflow_settings: { input: WorkflowSettings; output: WorkflowSettings };
  /** Encrypted local backups: the key, how many are kept, the last one and those on disk (manager). */
  backup_status: { input: NoInput; output: BackupStatus };
  /** Sets the key backups are encrypted to: a pasted age public key, or a new pair whose secret key is returned once. */
  set_backup_key: { input: SetBackupKey; output: BackupKey };
  update_backup_settings: { input: BackupSettingsInput; output: BackupStatus };
  /** Makes a backup now, then rotates. */
  run_backup_now: { input: NoInput; output: BackupStatus };
  /** A manager enrolls the station with a head office (URL + one-time code); also to enroll again. */
  enroll_station: { input: EnrollStation; output: SyncStatus };
  /** Last successful sync, changes waiting, last error, rejections, "update required". */
  sync_status: { input: NoInput; output: SyncStatus };
  /** Wakes the background sync now; returns at once (poll `sync_status`). */
  sync_now: { input: NoInput; output: SyncStatus };
  /** Open recalls for a vehicle or VIN, and its visits to other stations, from pulled data. */
  vehicle_alerts: { input: VehicleAlertsInput; output: VehicleAlerts };
  /** Asks the head office for customers on file at other stations by a whole plate, VIN or phone (masked); says when it cannot be asked. */
  head_office_lookup: { input: HeadOfficeLookupInput; output: HeadOfficeLookup };
  /** Uses a lookup's result: the head office grants access (logged with the caller) and the customer and vehicles are stored here for check-in. */
  adopt_head_office_record: { input: AdoptHeadOfficeRecord; output: AdoptedRecord };
  /** How many of the caller's own items are due within the hour and overdue (the top bar). */
  my_deadlines: { input: NoInput; output: MyDeadlines };
  /** Today's follow-up calls (overdue, due, retries) and who is not called, and why. */
  call_list: { input: CallListInput; output: CallList };
  get_follow_up: { input: IdInput; output: FollowUpDetail };
  /** One call and its outcome; reached records the survey; a low score or a complaint opens one; the end closes the order. */
  record_call: { input: RecordCall; output: FollowUpDetail };
  /** A manager hands a follow-up to someone else, with a reason. */
  reassign_follow_up: { input: ReassignFollowUp; output: FollowUpDetail };
  /** The complaint ledger, filtered by status, category, owner, overdue; newest first. */
  list_complaints: { input: ComplaintQuery; output: ComplaintPage };
  get_complaint: { input: IdInput; output: ComplaintDetail };
  /** Receives a complaint; whoever receives it owns it. */
  open_complaint: { input: NewComplaint; output: ComplaintDetail };
  /** One step on a complaint: contact, note, findings, reclassify, hand over, wait/resume, compensate, resolve, callback, reopen. */
  complaint_step: { input: ComplaintStep; output: ComplaintDetail };
  /** The complaint record (投诉处理记录) as a PDF, with its whole timeline. */
  print_complaint: { input: PrintComplaint; output: PrintedDocument };
  list_complaint_categories: { input: NoInput; output: Categories };
  add_complaint_category: { input: NewCategory; output: Categories };
  /** Service requests (服务申请): open and answered ones, oldest first, each with its answer clock. */
  list_service_requests: { input: RequestQuery; output: RequestPage };
  get_service_request: { input: IdInput; output: ServiceRequestDetail };
  /** Receives a request by phone, online, e-mail or at the desk; whoever receives it owns it. */
  open_service_request: { input: NewServiceRequest; output: ServiceRequestDetail };
  /** Answer (a logged contact), note, or close (checked in, or nothing more to do). */
  service_request_step: { input: ServiceRequestStep; output: ServiceRequestDetail };
  /** The time-limit policies and the working calendar. */
  get_time_limits: { input: NoInput; output: TimeLimits };
  update_time_limit: { input: UpdateTimeLimit; output: TimeLimits };
  save_calendar: { input: Calendar; output: TimeLimits };
  /** Merges a holiday file (public holidays, make-up working days) into the calendar. */
  load_holidays: { input: LoadHolidays; output: TimeLimits };
  /** The station's figures for a preset or a range of local days, a trend, and a breakdown per advisor and technician. */
  kpi_report: { input: KpiReportInput; output: KpiReport };
  /** The records behind one figure (the whole station's, or one person's), and whether each is in its numerator. */
  kpi_orders: { input: KpiOrdersInput; output: KpiOrders };
  /** The report as CSV or XLSX: kept in the data folder's `exports` and returned as a data URL. */
  kpi_export: { input: KpiExportInput; output: KpiExport };
  /** The monthly report as a PDF: the month's figures computed here, the desk's trend charts (SVG) each above its numbers; kept in `exports` too. */
  kpi_monthly_report: { input: KpiMonthlyReportInput; output: KpiExport };
  /** Where this browser stands: the desk, unpaired, waiting with a code, paired, or revoked; and the certificate's fingerprint. */
  pairing_status: { input: NoInput; output: PairingState };
  /** A device on the network asks to pair: it gets a code to show and (as a cookie) its device token. */
  request_pairing: { input: RequestPairing; output: PairingRequest };
  /** Devices with their last use, the requests waiting, the certificate's fingerprint (text and QR) and the idle time (manager). */
  list_devices: { input: NoInput; output: DeviceList };
  /** A manager at the desk approves the device that shows this code. */
  approve_device: { input: ApproveDevice; output: DeviceList };
  /** A manager removes a device: its token stops working and its sessions end at once. */
  revoke_device: { input: IdInput; output: DeviceList };
  /** Minutes a tablet may sit unused before the PIN screen comes back. */
  set_tablet_idle_minutes: { input: SetIdleMinutes; output: DeviceList };
  /** The retention period of each kind of record: the head office's, else the station's default. */
  retention_policy: { input: NoInput; output: RetentionPolicy };
  /** What is past its retention period now and would be destroyed. */
  retention_due: { input: NoInput; output: DueList };
  /** A manager approves the listed items with their PIN: each still due is anonymised, its files and signed documents deleted. */
  run_destruction: { input: RunDestruction; output: DestructionReport };
};

export type OperationName = keyof Operations;

/** Operations that work without a session token. */
export const PUBLIC_OPERATIONS: OperationName[] = ["setup_status", "first_run_setup", "load_demo_data", "login", "pairing_status", "request_pairing"];
