//! The values that travel between the browser and the server, one file per feature. The server
//! functions (`api`) take and return them and the queries (`server::db`) build them, so neither
//! imports the other's module: the import graph runs ui → api → server → model → domain.

pub mod actions;
pub mod auth;
pub mod contacts;
pub mod data;
pub mod inbox;
pub mod members;
pub mod messaging;
pub mod orgs;
pub mod scripts;
pub mod settings;
pub mod supervision;
pub mod texting;
