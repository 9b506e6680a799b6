//! The texting types that travel between the browser and the server, shared by the server
//! functions (`api::texting`) and the queries (`server::db`).

use crate::domain::action_lifecycle::ActionStatus;
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
    /// Pinned to the top of the list by an admin.
    pub featured: bool,
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
