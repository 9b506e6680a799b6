//! Queries, one file per feature. Functions take `impl PgExecutor` where they can run on the
//! pool or inside a caller's transaction.

pub mod actions;
pub mod assignment;
pub mod carrier_settings;
pub mod contacts;
pub mod conversation_state;
pub mod data;
pub mod exports;
pub mod inbox;
pub mod invites;
pub mod login_failures;
pub mod members;
pub mod messaging;
pub mod opt_outs;
pub mod orgs;
pub mod results;
pub mod retention;
pub mod script_images;
pub mod scripts;
pub mod secrets;
pub mod send_audit;
pub mod sender_quarantine;
pub mod settings;
pub mod supervision;
pub mod users;
pub mod webhooks;

/// True when `error` is a unique violation of the named constraint.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation() && db.constraint() == Some(constraint))
}
