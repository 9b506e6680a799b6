//! Server functions, grouped by feature. Each one reads: state, authorised caller, parse
//! input, one database call. Types here travel between browser and server.

pub mod actions;
pub mod auth;
pub mod carrier;
pub mod contacts;
pub mod data;
pub mod inbox;
pub mod members;
pub mod messaging;
pub mod orgs;
pub mod results;
pub mod retention;
pub mod scripts;
pub mod settings;
pub mod supervision;
pub mod texting;
