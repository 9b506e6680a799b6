//! The orgs types that travel between the browser and the server, shared by the server
//! functions (`api::orgs`) and the queries (`server::db`).

use crate::domain::org_time::OrgTimeZone;
use crate::domain::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One organization as a member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OrgMembership {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// Every time shown in the organization is in this zone (Settings → Default time zone; the
    /// default until the settings are first saved).
    #[cfg_attr(feature = "ssr", sqlx(try_from = "Option<String>"))]
    pub time_zone: OrgTimeZone,
}

impl OrgMembership {
    /// Where this member lands: admins in the admin area, volunteers in theirs.
    pub fn home_path(&self) -> String {
        if self.role.is_admin() {
            format!("/o/{}/admin", self.id)
        } else {
            format!("/o/{}", self.id)
        }
    }
}

/// How volunteers get in: the code to type and the link to share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInfo {
    pub code: String,
    pub link: String,
}
