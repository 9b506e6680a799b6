//! Who a server function acts for, once `auth::require_member` has checked the session and the
//! membership. Queries take it to scope what they read and write to the caller's organization.

use crate::domain::org_time::OrgTimeZone;
use crate::domain::Role;
use crate::model::auth::SessionUser;
use uuid::Uuid;

/// A signed-in member acting inside one organization.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: SessionUser,
    pub org_id: Uuid,
    pub role: Role,
    /// The organization's zone, for reading date-time pickers and showing times.
    pub time_zone: OrgTimeZone,
}
