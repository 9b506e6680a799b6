//! The whole product as one Leptos app: domain types shared by browser and server, the server
//! functions (`api`), their server-only half (`server`), and the UI (`ui`).

pub mod api;
pub mod domain;
pub mod error;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

pub use ui::{shell, App};
