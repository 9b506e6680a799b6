//! The volunteer's texting screen: the actions open for texting, claiming a batch ("Start",
//! "Text Again"), skipping a contact and giving the rest back. Sending is `send_message`.

use crate::domain::action_lifecycle::ActionStatus;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct VolunteerAction {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub disclaimer: String,
    pub start_label: String,
    pub status: ActionStatus,
    /// The image on the action's card, served at `/media/{id}`.
    pub card_image_id: Option<Uuid>,
    /// Initial texts this volunteer has sent in the action.
    pub sent_by_me: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchContact {
    pub conversation_id: i64,
    pub name: String,
    /// The initial script rendered for this contact and sender.
    pub message: String,
    /// When the contact's texting window is closed: when it opens ("9:00 am … (in 2 h 10 m)").
    pub opens: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub action: VolunteerAction,
    /// False while the action is paused.
    pub can_send: bool,
    pub contacts: Vec<BatchContact>,
    /// Whether "Text Again" would find more contacts for this volunteer.
    pub more_available: bool,
    /// Contacts not texted yet that this volunteer cannot take now: claimed by others, or
    /// skipped by this volunteer (waiting for someone else). Opted-out numbers are not counted.
    pub waiting_for_others: i64,
    pub custom_allowed: bool,
    pub batch_size: i32,
    /// The picture sent with every initial text of this action, if any.
    pub image_url: Option<String>,
}

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
