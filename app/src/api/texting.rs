//! The volunteer's texting screen: the actions open for texting, claiming a batch ("Start",
//! "Text Again"), skipping a contact and giving the rest back. Sending is `send_message`.

use crate::error::AppError;
pub use crate::model::texting::{Batch, BatchContact, VolunteerAction};
use leptos::prelude::*;
use uuid::Uuid;

#[server(endpoint = "list_volunteer_actions")]
pub async fn list_volunteer_actions(org_id: Uuid) -> Result<Vec<VolunteerAction>, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::volunteer_actions(&state.db, &caller).await
}

/// The caller's current batch, without claiming.
#[server(endpoint = "get_batch")]
pub async fn get_batch(org_id: Uuid, action_id: Uuid) -> Result<Batch, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::batch(&state.db, &caller, action_id).await
}

/// "Start" / "Text Again": claims a batch when the current one is done.
#[server(endpoint = "claim_batch")]
pub async fn claim_batch(org_id: Uuid, action_id: Uuid) -> Result<Batch, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::claim(&state.db, &caller, action_id).await
}

/// The action card's Start button in one tap: claims a batch (as `claim_batch`) and opens the
/// texting screen on it. A plain form post too, so it works before the bundle has loaded.
#[server(endpoint = "start_texting")]
pub async fn start_texting(org_id: Uuid, action_id: Uuid) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::claim(&state.db, &caller, action_id).await?;
    leptos_axum::redirect(&format!("/o/{org_id}/text/{action_id}"));
    Ok(())
}

#[server(endpoint = "skip_contact")]
pub async fn skip_contact(org_id: Uuid, conversation_id: i64) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::skip(&state.db, &caller, conversation_id).await
}

/// The volunteer stopped: their untexted contacts go back for others.
#[server(endpoint = "release_batch")]
pub async fn release_batch(org_id: Uuid, action_id: Uuid) -> Result<u64, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::assignment::release(&state.db, &caller, action_id).await
}
