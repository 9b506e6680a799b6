//! One module per area of the product.

pub mod actions;
pub mod admin;
pub mod auth;
pub mod carrier;
pub mod contacts;
pub mod data;
pub mod do_not_contact;
pub mod home;
pub mod inbox;
pub mod join;
pub mod results;
pub mod scripts;
pub mod settings;
pub mod supervision;
pub mod texting;
pub mod volunteer;
