//! Integration tests against the real app: real HTTP on a random port, real sessions, and a
//! fresh PostgreSQL database per test (in a cluster the tests start themselves).

mod helpers;

mod action_end;
mod actions;
mod auth;
mod carrier;
mod contacts;
mod exports;
mod faults;
mod forms;
mod inbox;
mod members;
mod messaging;
mod orgs;
mod outbox;
mod results;
mod roles;
mod scripts;
mod sending;
mod sessions;
mod settings;
mod supervision;
mod texting;
mod twilio;
mod variants_and_images;
