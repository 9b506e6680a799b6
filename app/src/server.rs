//! Server-only half of the app: state, sessions and the database queries that server
//! functions call. Compiled only with the `ssr` feature.

pub mod auth;
pub mod caller;
pub mod clock;
pub mod config;
pub mod contact_import;
pub mod db;
pub mod password;

pub use config::Config;

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use std::sync::Arc;

/// Everything a request handler needs, provided to server functions as Leptos context and to
/// axum handlers as router state.
#[derive(Clone)]
pub struct AppState {
    pub db: sqlx::PgPool,
    /// For reads that tolerate a replica's lag of a second or two (the results page, the
    /// exports): `DATABASE_READ_URL`'s pool, or the primary's when that is unset. Permission
    /// checks always read the primary.
    pub read_db: sqlx::PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The app state inside a server function. Missing only when the app is rendered outside a
/// request (the router walks the app once at start-up to list its routes), where failing
/// quietly is right.
pub fn state() -> Result<AppState, crate::error::AppError> {
    use_context::<AppState>().ok_or(crate::error::AppError::Internal)
}
