//! The server binary's library: wiring only. `main.rs` reads the environment and calls in;
//! tests build the same application on a random port.

pub mod action_links;
pub mod carrier_simulator;
pub mod contact_files;
pub mod demo;
pub mod do_not_contact;
pub mod embedded_postgres;
pub mod exports;
pub mod health;
pub mod inbound_media;
pub mod inbound_sweep;
pub mod messaging_service;
pub mod number_pools;
pub mod outbox;
pub mod schema;
pub mod script_images;
pub mod startup;
pub mod test_clock;
pub mod twilio;
pub mod webhooks;

pub use startup::Application;
