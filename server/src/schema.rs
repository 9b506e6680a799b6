//! The database schema this build expects: `migrations/`, embedded at compile time. Startup
//! applies it; `/readyz` reports whether the database has it.

/// Our migrations, compiled in. Several processes may start at once: sqlx takes a PostgreSQL
/// advisory lock around `run`, so one applies them while the others wait.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
