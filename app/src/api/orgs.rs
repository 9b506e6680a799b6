//! Organizations (campaigns): create, list, join with a code, the join code and link.

#[cfg(feature = "ssr")]
use crate::domain::Role;
use crate::error::AppError;
pub use crate::model::orgs::{JoinInfo, OrgMembership};
use leptos::prelude::*;
use uuid::Uuid;

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

/// Which campaign a join link's code belongs to, so the page can say what you are joining.
/// Only for signed-in people, and a code that matches nothing counts towards the same pause
/// as a wrong code typed into Join: names cannot be harvested by trying codes.
#[server(endpoint = "join_preview")]
pub async fn join_preview(code: String) -> Result<Option<String>, AppError> {
    use crate::domain::JoinCode;
    use crate::server::{auth, db, state};
    let state = state()?;
    let user = auth::require_user(&state).await?;
    let Ok(code) = JoinCode::parse(&code) else { return Ok(None) };
    if let Some(retry_after_secs) = db::orgs::join_retry_after(&state.db, user.id).await? {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let name = db::orgs::name_for_code(&state.db, &code).await?;
    if name.is_none() {
        db::orgs::record_join_failure(&state.db, user.id).await?;
    }
    Ok(name)
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
