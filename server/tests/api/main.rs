//! Integration tests against the real app: real HTTP on a random port, real sessions, and a
//! fresh PostgreSQL database per test (in a cluster the tests start themselves).

mod helpers;

mod action_end;
mod action_links;
mod actions;
mod admin_thread;
mod assets;
mod auth;
mod carrier;
mod carrier_inbound;
mod carrier_keywords;
mod carrier_pacing;
mod carrier_quarantine;
mod carrier_service;
mod carrier_status;
mod cluster;
mod compliance_records;
mod contacts;
mod deploy;
mod exports;
mod faults;
mod forms;
mod inbox;
mod limits;
mod members;
mod messaging;
mod org_time;
mod orgs;
mod outbox;
mod replica;
mod results;
mod roles;
mod scale_out;
mod scripts;
mod sender_identification;
mod sending;
mod sessions;
mod settings;
mod state_hours;
mod supervision;
mod texting;
mod texting_day;
mod twilio;
mod ui_pages;
mod variants_and_images;
