//! The actions types that travel between the browser and the server, shared by the server
//! functions (`api::actions`) and the queries (`server::db`).

use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::cost_estimate::Estimate;
use crate::domain::script_template::ScriptValues;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActionSummary {
    pub id: Uuid,
    pub title: String,
    pub status: ActionStatus,
    pub folder: String,
    pub list_name: Option<String>,
    pub contact_count: Option<i32>,
    pub publish_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Contacts sent their initial text so far, and replies received: the list's progress.
    pub texted: i64,
    pub replies: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActionDetail {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub disclaimer: String,
    pub start_label: String,
    pub folder: String,
    pub contact_list_id: Option<Uuid>,
    pub preferred_area_codes: Vec<i32>,
    pub alternate_area_code: Option<i32>,
    pub keep_assignments: bool,
    pub language: Option<String>,
    pub districts: Vec<String>,
    pub initial_script: String,
    /// Variants 2..n of the initial script.
    pub initial_variants: Vec<String>,
    /// The picture sent with the initial script (as MMS), served at `/media/{id}`.
    pub script_image_id: Option<Uuid>,
    pub script_image_name: Option<String>,
    /// The image on the action's card in the volunteers' list (never texted).
    pub card_image_id: Option<Uuid>,
    pub card_image_name: Option<String>,
    pub status: ActionStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub cost_acknowledged_at: Option<DateTime<Utc>>,
    /// When an admin chose to publish scripts that fail the sender/opt-out check.
    pub compliance_acknowledged_at: Option<DateTime<Utc>>,
}

/// The action with what its page needs besides: the estimate and the lists to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPage {
    pub action: ActionDetail,
    pub estimate: Option<Estimate>,
    /// Why no estimate can be made yet (no list, no script, a script error).
    pub estimate_missing: Option<String>,
    pub lists: Vec<(Uuid, String, i32)>,
    pub custom_fields: Vec<String>,
    /// What the script counters count with (the list's sample contact and worst case); `None`
    /// until a list is chosen.
    pub script_values: Option<ScriptValues>,
    /// For the editor's sender-identification warning.
    pub org_name: String,
    /// What the saved initial scripts lack ("Variant 2: it has no opt-out language, …").
    pub compliance_problems: Vec<String>,
}

/// What `save_action` stores, parsed.
#[derive(Debug, Clone)]
pub struct ActionEdit {
    pub title: String,
    pub description: String,
    pub disclaimer: String,
    pub start_label: String,
    pub folder: String,
    pub contact_list_id: Option<Uuid>,
    pub preferred_area_codes: Vec<i32>,
    pub alternate_area_code: Option<i32>,
    pub keep_assignments: bool,
    pub language: Option<String>,
    pub districts: Vec<String>,
    pub initial_script: String,
    pub initial_variants: Vec<String>,
}
