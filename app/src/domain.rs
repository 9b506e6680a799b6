//! Domain types shared by the browser and the server. Raw input becomes one of these once, at
//! the edge (`parse`), so the rest of the code never handles an unchecked string.

pub mod email;
pub mod join_code;
pub mod names;
pub mod password;
pub mod role;

pub use email::Email;
pub use join_code::JoinCode;
pub use names::{DisplayName, OrgName};
pub use password::NewPassword;
pub use role::Role;
