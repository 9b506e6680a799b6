//! P2P actions: create, edit, move through the lifecycle (with the cost acknowledged before the
//! first publish), duplicate, and list by status.

use crate::domain::action_lifecycle::ActionStatus;
#[cfg(feature = "ssr")]
use crate::domain::action_lifecycle::Transition;
use crate::domain::cost_estimate::Estimate;
use crate::domain::script_template::ScriptValues;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
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

#[server(endpoint = "list_actions")]
pub async fn list_actions(org_id: Uuid, #[server(default)] status: String) -> Result<Vec<ActionSummary>, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let status = match status.trim() {
        "" | "all" => None,
        raw => Some(
            ActionStatus::parse(raw)
                .ok_or_else(|| AppError::invalid("status", format!("\"{raw}\" is not a status.")))?,
        ),
    };
    db::actions::list(&state.db, org_id, status).await
}

#[server(endpoint = "create_action")]
pub async fn create_action(org_id: Uuid, title: String) -> Result<Uuid, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let title = parse_title(&title)?;
    let id = db::actions::create(&state.db, &caller, &title).await?;
    leptos_axum::redirect(&format!("/o/{org_id}/admin/actions/{id}"));
    Ok(id)
}

#[server(endpoint = "get_action")]
pub async fn get_action(org_id: Uuid, action_id: Uuid) -> Result<ActionPage, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::actions::page(&state.db, org_id, action_id).await
}

/// The basic information and initial script. Only while the action is a draft, scheduled or
/// paused: a live action is paused first so volunteers never send from a changing script.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "save_action")]
pub async fn save_action(
    org_id: Uuid,
    action_id: Uuid,
    title: String,
    #[server(default)] description: String,
    #[server(default)] disclaimer: String,
    #[server(default)] start_label: String,
    #[server(default)] folder: String,
    #[server(default)] contact_list_id: String,
    #[server(default)] preferred_area_codes: String,
    #[server(default)] alternate_area_code: String,
    #[server(default)] keep_assignments: String,
    #[server(default)] language: String,
    #[server(default)] districts: String,
    #[server(default)] initial_script: String,
    // The variants as a JSON array of strings: one form field however many there are.
    #[server(default)] initial_variants: String,
) -> Result<(), AppError> {
    use crate::domain::text_limits::{
        ACTION_DESCRIPTION, ACTION_DISCLAIMER, ACTION_FOLDER, ACTION_START_LABEL, INITIAL_SCRIPT,
    };
    use crate::domain::volunteer_profile::{District, Language};
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let edit = ActionEdit {
        title: parse_title(&title)?,
        description: limited(ACTION_DESCRIPTION, description.trim())?,
        disclaimer: limited(ACTION_DISCLAIMER, disclaimer.trim())?,
        start_label: match start_label.trim() {
            "" => "Start Texting".to_string(),
            label => limited(ACTION_START_LABEL, label)?,
        },
        folder: limited(ACTION_FOLDER, folder.trim())?,
        contact_list_id: match contact_list_id.trim() {
            "" => None,
            raw => {
                Some(Uuid::parse_str(raw).map_err(|_| AppError::invalid("contact_list_id", "Choose a contact list."))?)
            }
        },
        preferred_area_codes: parse_area_codes(&preferred_area_codes, "preferred_area_codes")?,
        alternate_area_code: parse_area_codes(&alternate_area_code, "alternate_area_code")?.first().copied(),
        keep_assignments: crate::api::settings::checked(&keep_assignments),
        language: match language.trim() {
            "" => None,
            raw => Some(Language::parse(raw).map_err(|m| AppError::invalid("language", m))?.code().to_string()),
        },
        districts: District::parse_list(&districts)
            .map_err(|m| AppError::invalid("districts", m))?
            .into_iter()
            .map(District::into_string)
            .collect(),
        initial_script: limited(INITIAL_SCRIPT, initial_script.trim())?,
        initial_variants: match initial_variants.trim() {
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
    db::actions::save(&state.db, org_id, action_id, &edit).await
}

/// Moves the action through its lifecycle. Publishing or scheduling for the first time needs
/// the admin to have seen and accepted the current estimate (`acknowledged_micros`).
#[server(endpoint = "change_action_status")]
pub async fn change_action_status(
    org_id: Uuid,
    action_id: Uuid,
    transition: String,
    #[server(default)] publish_at: String,
    #[server(default)] acknowledged_micros: String,
    #[server(default)] acknowledge_compliance: String,
) -> Result<ActionStatus, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let transition =
        Transition::parse(transition.trim()).ok_or_else(|| AppError::invalid("transition", "Unknown change."))?;
    let publish_at = match publish_at.trim() {
        "" => None,
        raw => Some(caller.time_zone.parse_moment(raw).map_err(|m| AppError::invalid("publish_at", m))?),
    };
    let acknowledged = acknowledged_micros.trim().parse::<i64>().ok();
    let compliance_ack = crate::api::settings::checked(&acknowledge_compliance).then_some(caller.user.id);
    db::actions::transition(&state.db, org_id, action_id, transition, publish_at, acknowledged, compliance_ack).await
}

/// Moves the end of a scheduled or live action: after it goes live (and after now), at most
/// 30 days after it goes live. `ends_at` is the picker's local time in the organization's zone
/// (or RFC 3339 with an offset).
#[server(endpoint = "set_action_end")]
pub async fn set_action_end(org_id: Uuid, action_id: Uuid, ends_at: String) -> Result<DateTime<Utc>, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let ends_at = caller.time_zone.parse_moment(&ends_at).map_err(|m| AppError::invalid("ends_at", m))?;
    db::actions::set_end(&state.db, org_id, action_id, ends_at).await
}

/// A new draft with everything but the contact list, which must be chosen again.
#[server(endpoint = "duplicate_action")]
pub async fn duplicate_action(org_id: Uuid, action_id: Uuid) -> Result<Uuid, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let id = db::actions::duplicate(&state.db, &caller, action_id).await?;
    leptos_axum::redirect(&format!("/o/{org_id}/admin/actions/{id}"));
    Ok(id)
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

pub fn parse_title(raw: &str) -> Result<String, AppError> {
    use crate::domain::text_limits::ACTION_TITLE;
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(AppError::invalid(
            ACTION_TITLE.field,
            format!("Give the action a title of up to {} characters.", ACTION_TITLE.max),
        ));
    }
    limited(ACTION_TITLE, &title)
}

/// The text, owned, when it fits its field's limit; otherwise that field's error.
pub fn limited(limit: crate::domain::text_limits::TextLimit, text: &str) -> Result<String, AppError> {
    limit.check(text).map(str::to_string).map_err(|m| AppError::invalid(limit.field, m))
}

pub fn parse_area_codes(raw: &str, field: &str) -> Result<Vec<i32>, AppError> {
    let mut codes = Vec::new();
    for part in raw.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let code: i32 = part
            .trim()
            .parse()
            .ok()
            .filter(|c| (200..=999).contains(c))
            .ok_or_else(|| AppError::invalid(field, format!("\"{}\" is not a 3-digit area code.", part.trim())))?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_area_codes() {
        assert_eq!(parse_title("  GOTV   week 1 ").unwrap(), "GOTV week 1");
        assert!(parse_title("   ").is_err());
        assert_eq!(parse_area_codes("312, 773 312", "x").unwrap(), vec![312, 773]);
        assert!(
            matches!(parse_area_codes("12", "alternate_area_code"), Err(AppError::Invalid { field, .. }) if field == "alternate_area_code")
        );
    }
}
