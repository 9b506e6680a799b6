//! Members and invites: who is in an organization and with which role.

#[cfg(feature = "ssr")]
use crate::domain::Role;
use crate::error::AppError;
pub use crate::model::members::{Invite, Member, MemberProfile};
use leptos::prelude::*;
use uuid::Uuid;

#[server(endpoint = "list_members")]
pub async fn list_members(org_id: Uuid) -> Result<Vec<Member>, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::members::list(&state.db, org_id).await
}

#[server(endpoint = "get_my_profile")]
pub async fn get_my_profile(org_id: Uuid) -> Result<MemberProfile, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::members::profile(&state.db, &caller).await
}

/// Sets a member's district and languages. Volunteers set their own (as in the apps they come
/// from, where a volunteer picks their languages); admins can set anyone's.
#[server(endpoint = "set_member_profile")]
pub async fn set_member_profile(
    org_id: Uuid,
    user_id: Uuid,
    #[server(default)] district: String,
    languages: String,
) -> Result<(), AppError> {
    use crate::domain::volunteer_profile::{District, Languages};
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    if user_id != caller.user.id && !caller.role.is_admin() {
        return Err(AppError::forbidden("Only an admin can change another member's district or languages."));
    }
    let district = District::parse_optional(&district).map_err(|m| AppError::invalid("district", m))?;
    let languages = Languages::parse(&languages).map_err(|m| AppError::invalid("languages", m))?;
    db::members::set_profile(&state.db, org_id, user_id, district.as_ref(), &languages).await
}

/// Promotes or demotes a member. Admins manage volunteers and admins; only owners touch
/// ownership, and an organization always keeps at least one owner.
#[server(endpoint = "set_member_role")]
pub async fn set_member_role(org_id: Uuid, user_id: Uuid, role: String) -> Result<(), AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let role = Role::parse(&role).map_err(|m| AppError::invalid("role", m))?;
    db::members::set_role(&state.db, &caller, user_id, role).await
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(org_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    db::members::remove(&state.db, &caller, user_id).await
}

/// Creates (or refreshes) an invite for an e-mail address and returns the link to send them.
#[server(endpoint = "create_invite")]
pub async fn create_invite(org_id: Uuid, email: String, role: String) -> Result<Invite, AppError> {
    use crate::domain::Email;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let email = Email::parse(&email).map_err(|m| AppError::invalid("email", m))?;
    let role = match Role::parse(&role).map_err(|m| AppError::invalid("role", m))? {
        Role::Owner => {
            return Err(AppError::invalid(
                "role",
                "Invite as admin or volunteer; make someone an owner once they have joined.",
            ))
        }
        role => role,
    };
    db::invites::create(&state.db, &state.config, &caller, &email, role).await
}

#[server(endpoint = "list_invites")]
pub async fn list_invites(org_id: Uuid) -> Result<Vec<Invite>, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::invites::list_open(&state.db, &state.config, org_id).await
}

#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(org_id: Uuid, invite_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::invites::revoke(&state.db, org_id, invite_id).await
}

/// Accepts an invite as the signed-in person, whose e-mail must be the invited one.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(token: String) -> Result<crate::api::orgs::OrgMembership, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    let user = auth::require_user(&state).await?;
    let org = db::invites::accept(&state.db, token.trim(), &user).await?;
    leptos_axum::redirect(&org.home_path());
    Ok(org)
}
