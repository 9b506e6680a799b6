//! The auth types that travel between the browser and the server, shared by the server
//! functions (`api::auth`) and the queries (`server::db`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person, as the UI needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
}
