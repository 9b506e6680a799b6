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
    /// Pinned to the top of the volunteers' list.
    pub featured: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActionDetail {
    pub id: Uuid,
    /// What the editor's basic information and initial script fields hold.
    #[serde(flatten)]
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub basics: ActionEdit,
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
    /// Pinned to the top of the volunteers' list since then ("Mark featured").
    pub featured_at: Option<DateTime<Utc>>,
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
    /// The share link that admits newcomers to the organization (`domain::share_link`), as a
    /// full address.
    pub share_link: String,
}

/// The basic information and initial script: what `save_action` stores, parsed from an
/// `ActionEditForm`, and what the editor shows back (`ActionDetail::basics`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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
    /// Variants 2..n of the initial script.
    pub initial_variants: Vec<String>,
}

/// The editor's basic information and initial script as posted: every field as typed (all but
/// the title may be left out). `parse` names the first wrong field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionEditForm {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub disclaimer: String,
    #[serde(default)]
    pub start_label: String,
    #[serde(default)]
    pub folder: String,
    #[serde(default)]
    pub contact_list_id: String,
    #[serde(default)]
    pub preferred_area_codes: String,
    #[serde(default)]
    pub alternate_area_code: String,
    /// A checkbox: absent when unticked.
    #[serde(default)]
    pub keep_assignments: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub districts: String,
    #[serde(default)]
    pub initial_script: String,
    /// The variants as a JSON array of strings: one form field however many there are.
    #[serde(default)]
    pub initial_variants: String,
}

/// What a volunteer's start button says when the admin leaves it empty.
pub const DEFAULT_START_LABEL: &str = "Start Texting";

#[cfg(feature = "ssr")]
impl ActionEditForm {
    pub fn parse(&self) -> Result<ActionEdit, crate::error::AppError> {
        use crate::domain::form_values::{area_codes, checkbox};
        use crate::domain::text_limits::{
            ACTION_DESCRIPTION, ACTION_DISCLAIMER, ACTION_FOLDER, ACTION_START_LABEL, INITIAL_SCRIPT,
        };
        use crate::domain::volunteer_profile::{District, Language};
        use crate::error::AppError;
        let edit = ActionEdit {
            title: parse_title(&self.title)?,
            description: limited(ACTION_DESCRIPTION, self.description.trim())?,
            disclaimer: limited(ACTION_DISCLAIMER, self.disclaimer.trim())?,
            start_label: match self.start_label.trim() {
                "" => DEFAULT_START_LABEL.to_string(),
                label => limited(ACTION_START_LABEL, label)?,
            },
            folder: limited(ACTION_FOLDER, self.folder.trim())?,
            contact_list_id: match self.contact_list_id.trim() {
                "" => None,
                raw => Some(
                    Uuid::parse_str(raw).map_err(|_| AppError::invalid("contact_list_id", "Choose a contact list."))?,
                ),
            },
            preferred_area_codes: area_codes(&self.preferred_area_codes)
                .map_err(|m| AppError::invalid("preferred_area_codes", m))?,
            alternate_area_code: area_codes(&self.alternate_area_code)
                .map_err(|m| AppError::invalid("alternate_area_code", m))?
                .first()
                .copied(),
            keep_assignments: checkbox(&self.keep_assignments),
            language: match self.language.trim() {
                "" => None,
                raw => Some(Language::parse(raw).map_err(|m| AppError::invalid("language", m))?.code().to_string()),
            },
            districts: District::parse_list(&self.districts)
                .map_err(|m| AppError::invalid("districts", m))?
                .into_iter()
                .map(District::into_string)
                .collect(),
            initial_script: limited(INITIAL_SCRIPT, self.initial_script.trim())?,
            initial_variants: match self.initial_variants.trim() {
                "" => Vec::new(),
                raw => serde_json::from_str::<Vec<String>>(raw)
                    .map(|v| crate::domain::initial_scripts::InitialScripts::normalize_variants(&v))
                    .map_err(|_| AppError::invalid("initial_variants", "The script variants could not be read."))?,
            },
        };
        for (i, variant) in edit.initial_variants.iter().enumerate() {
            INITIAL_SCRIPT
                .check(variant)
                .map_err(|m| AppError::invalid("initial_variants", format!("Variant {}: {m}", i + 2)))?;
        }
        Ok(edit)
    }
}

/// A title with its whitespace collapsed, within the title's limit.
#[cfg(feature = "ssr")]
pub fn parse_title(raw: &str) -> Result<String, crate::error::AppError> {
    use crate::domain::text_limits::ACTION_TITLE;
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(crate::error::AppError::invalid(
            ACTION_TITLE.field,
            format!("Give the action a title of up to {} characters.", ACTION_TITLE.max),
        ));
    }
    limited(ACTION_TITLE, &title)
}

/// The text, owned, when it fits its field's limit; otherwise that field's error.
#[cfg(feature = "ssr")]
pub fn limited(limit: crate::domain::text_limits::TextLimit, text: &str) -> Result<String, crate::error::AppError> {
    limit.check(text).map(str::to_string).map_err(|m| crate::error::AppError::invalid(limit.field, m))
}
