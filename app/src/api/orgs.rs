//! Organizations (campaigns): create, list, join with a code, the join code and link.

use crate::domain::org_time::OrgTimeZone;
use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
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

#[server(endpoint = "my_orgs")]
pub async fn my_orgs() -> Result<Vec<OrgMembership>, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let user = auth::require_user(&state).await?;
    db::orgs::list_for_user(&state.db, user.id).await
}

/// The organization and the caller's role in it; any member may ask.
#[server(endpoint = "get_membership")]
pub async fn get_membership(org_id: Uuid) -> Result<OrgMembership, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::orgs::membership(&state.db, org_id, caller.user.id).await
}

#[server(endpoint = "create_org")]
pub async fn create_org(name: String) -> Result<OrgMembership, AppError> {
    use crate::domain::OrgName;
    use crate::server::{auth, db, state};
    let state = state()?;
    let user = auth::require_user(&state).await?;
    let name = OrgName::parse(&name).map_err(|m| AppError::invalid("name", m))?;
    let org = db::orgs::create(&state.db, &name, user.id).await?;
    leptos_axum::redirect(&format!("/o/{}/admin/volunteers", org.id));
    Ok(org)
}

/// Joins the organization whose code this is, as a volunteer. Joining again is harmless and
/// keeps whatever role the person already has.
#[server(endpoint = "join_org")]
pub async fn join_org(code: String) -> Result<OrgMembership, AppError> {
    use crate::domain::JoinCode;
    use crate::server::{auth, db, state};
    let state = state()?;
    let user = auth::require_user(&state).await?;
    let code = JoinCode::parse(&code).map_err(|m| AppError::invalid("code", m))?;
    if let Some(retry_after_secs) = db::orgs::join_retry_after(&state.db, user.id).await? {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let joined = db::orgs::join_with_code(&state.db, &code, user.id, "code").await;
    // A wrong code counts towards the pause: codes are short enough to guess otherwise.
    if matches!(joined, Err(AppError::Invalid { .. })) {
        db::orgs::record_join_failure(&state.db, user.id).await?;
    }
    let org = joined?;
    leptos_axum::redirect(&org.home_path());
    Ok(org)
}

#[server(endpoint = "get_join_info")]
pub async fn get_join_info(org_id: Uuid) -> Result<JoinInfo, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let code = db::orgs::join_code(&state.db, org_id).await?;
    Ok(JoinInfo { link: state.config.link(&format!("/join/{code}")), code })
}

/// Issues a new join code; the old code and every link carrying it stop working.
#[server(endpoint = "rotate_join_code")]
pub async fn rotate_join_code(org_id: Uuid) -> Result<JoinInfo, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let code = db::orgs::rotate_join_code(&state.db, org_id).await?;
    Ok(JoinInfo { link: state.config.link(&format!("/join/{code}")), code })
}
