//! Who is calling: staff, their PINs, login sessions, first-run setup, and the
//! role rules every operation checks in the core (the UI only hides buttons).

pub mod devices;
pub mod lockout;
pub mod pin;
pub mod roles;
pub mod sessions;
pub mod setup;
pub mod staff;

pub use roles::{Caller, Permission, Role, StaffRef};
