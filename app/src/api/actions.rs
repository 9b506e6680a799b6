//! P2P actions: create, edit, move through the lifecycle (with the cost acknowledged before the
//! first publish), duplicate, and list by status.

use crate::domain::action_lifecycle::ActionStatus;
#[cfg(feature = "ssr")]
use crate::domain::action_lifecycle::Transition;
#[cfg(feature = "ssr")]
use crate::domain::form_values::{area_codes, checkbox};
use crate::error::AppError;
pub use crate::model::actions::{ActionDetail, ActionEdit, ActionPage, ActionSummary};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

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
        preferred_area_codes: area_codes(&preferred_area_codes)
            .map_err(|m| AppError::invalid("preferred_area_codes", m))?,
        alternate_area_code: area_codes(&alternate_area_code)
            .map_err(|m| AppError::invalid("alternate_area_code", m))?
            .first()
            .copied(),
        keep_assignments: checkbox(&keep_assignments),
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
    let compliance_ack = checkbox(&acknowledge_compliance).then_some(caller.user.id);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_area_codes() {
        assert_eq!(parse_title("  GOTV   week 1 ").unwrap(), "GOTV week 1");
        assert!(parse_title("   ").is_err());
    }
}
