// Generated from crates/station/src/ops.rs by scripts/gen-bindings.sh. Do not edit.
import type { Board } from "./Board";
import type { BoardInput } from "./BoardInput";
import type { CheckInInput } from "./CheckInInput";
import type { Customer } from "./Customer";
import type { CustomerDetail } from "./CustomerDetail";
import type { CustomerFields } from "./CustomerFields";
import type { DemoLoaded } from "./DemoLoaded";
import type { Done } from "./Done";
import type { FileData } from "./FileData";
import type { FileRequest } from "./FileRequest";
import type { FirstRunSetup } from "./FirstRunSetup";
import type { IdInput } from "./IdInput";
import type { LoginInput } from "./LoginInput";
import type { Me } from "./Me";
import type { NewStaff } from "./NewStaff";
import type { NewVehicle } from "./NewVehicle";
import type { NoInput } from "./NoInput";
import type { PhotoUpload } from "./PhotoUpload";
import type { RepairOrder } from "./RepairOrder";
import type { SearchInput } from "./SearchInput";
import type { SearchResults } from "./SearchResults";
import type { Session } from "./Session";
import type { SetupStatus } from "./SetupStatus";
import type { StaffInfo } from "./StaffInfo";
import type { StaffList } from "./StaffList";
import type { StoredFile } from "./StoredFile";
import type { UpdateCustomer } from "./UpdateCustomer";
import type { UpdateStaff } from "./UpdateStaff";
import type { UpdateVehicle } from "./UpdateVehicle";
import type { Vehicle } from "./Vehicle";
import type { VinInfo } from "./VinInfo";
import type { VinInput } from "./VinInput";

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
  /** Finds customers and vehicles by any fragment of plate, VIN, phone or name. */
  search: { input: SearchInput; output: SearchResults };
  get_customer: { input: IdInput; output: CustomerDetail };
  create_customer: { input: CustomerFields; output: Customer };
  update_customer: { input: UpdateCustomer; output: Customer };
  create_vehicle: { input: NewVehicle; output: Vehicle };
  update_vehicle: { input: UpdateVehicle; output: Vehicle };
  /** Manufacturer, country and model year from a VIN, for filling the form. */
  decode_vin: { input: VinInput; output: VinInfo };
  /** Checks a vehicle in: a new repair order in `checked_in`. */
  check_in: { input: CheckInInput; output: RepairOrder };
  board: { input: BoardInput; output: Board };
  get_repair_order: { input: IdInput; output: RepairOrder };
  upload_photo: { input: PhotoUpload; output: StoredFile };
  get_file: { input: FileRequest; output: FileData };
};

export type OperationName = keyof Operations;

/** Operations that work without a session token. */
export const PUBLIC_OPERATIONS: OperationName[] = ["setup_status", "first_run_setup", "load_demo_data", "login"];
