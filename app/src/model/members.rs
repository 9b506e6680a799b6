//! The members types that travel between the browser and the server, shared by the server
//! functions (`api::members`) and the queries (`server::db`).

use crate::domain::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Member {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    /// The district they text for, when actions are limited to districts.
    pub district: Option<String>,
    /// Language codes ("en", "es") of the actions they may see.
    pub languages: Vec<String>,
}

/// The caller's own profile in one organization, with the districts its actions name (the
/// choices offered to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberProfile {
    pub user_id: Uuid,
    pub district: Option<String>,
    pub languages: Vec<String>,
    pub districts_in_use: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub link: String,
    pub created_at: DateTime<Utc>,
}
