//! The messaging types that travel between the browser and the server, shared by the server
//! functions (`api::messaging`) and the queries (`server::db`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SentMessage {
    pub id: i64,
    pub status: String,
    pub body: String,
}
