//! Domain types shared by the browser and the server. Raw input becomes one of these once, at
//! the edge (`parse`), so the rest of the code never handles an unchecked string.

pub mod action_lifecycle;
pub mod action_results;
pub mod cost_estimate;
pub mod csv_import;
pub mod do_not_contact;
pub mod email;
pub mod form_values;
pub mod initial_scripts;
pub mod join_code;
pub mod keyword_replies;
pub mod names;
pub mod opt_out;
pub mod org_time;
pub mod password;
pub mod phone;
pub mod retention;
pub mod role;
pub mod script_image;
pub mod script_template;
pub mod script_tree;
pub mod segments;
pub mod sender_type;
pub mod state_hours;
pub mod text_limits;
pub mod texting_window;
pub mod time_zones;
pub mod us_states;
pub mod volunteer_profile;
pub mod wording;

pub use email::Email;
pub use join_code::JoinCode;
pub use names::{DisplayName, ListName, OrgName};
pub use password::NewPassword;
pub use role::Role;
pub use wording::plural;
