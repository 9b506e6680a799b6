//! P2P actions: create, edit, move through the lifecycle (with the cost acknowledged before the
//! first publish), duplicate, and list by status.

use crate::domain::action_lifecycle::ActionStatus;
#[cfg(feature = "ssr")]
use crate::domain::action_lifecycle::Transition;
#[cfg(feature = "ssr")]
use crate::domain::form_values::checkbox;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::actions::parse_title;
pub use crate::model::actions::{ActionDetail, ActionEdit, ActionEditForm, ActionPage, ActionSummary};
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
    let page = db::actions::page(&state.db, org_id, action_id).await?;
    // The query knows the path; only the server's configuration knows its public address.
    Ok(ActionPage { share_link: state.config.link(&page.share_link), ..page })
}

/// The basic information and initial script. Only while the action is a draft, scheduled or
/// paused: a live action is paused first so volunteers never send from a changing script.
#[server(endpoint = "save_action")]
pub async fn save_action(
    org_id: Uuid,
    action_id: Uuid,
    #[server(flatten)] form: ActionEditForm,
) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let edit = form.parse()?;
    db::actions::save(&state.db, org_id, action_id, &edit).await
}

/// "Mark featured": pins the action to the top of the volunteers' list (several may be pinned),
/// or takes the pin off.
#[server(endpoint = "set_action_featured")]
pub async fn set_action_featured(
    org_id: Uuid,
    action_id: Uuid,
    #[server(default)] featured: bool,
) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::actions::set_featured(&state.db, org_id, action_id, featured).await
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn titles_and_area_codes() {
        assert_eq!(parse_title("  GOTV   week 1 ").unwrap(), "GOTV week 1");
        assert!(parse_title("   ").is_err());
    }

    #[test]
    fn the_edit_form_parses_and_names_each_bad_field() {
        let form = ActionEditForm {
            title: " GOTV  week 1 ".into(),
            contact_list_id: "6f1c1a52-3a0e-4b8e-9d5e-2f0b1c9a7e10".into(),
            preferred_area_codes: "312, 773".into(),
            keep_assignments: "on".into(),
            language: "Spanish".into(),
            districts: "CD-7, cd-7, Ward 3".into(),
            initial_script: "Hi {firstName}! STOP to opt out".into(),
            initial_variants: r#"["Hello {firstName}! STOP to opt out", "  "]"#.into(),
            ..Default::default()
        };
        let edit = form.parse().unwrap();
        assert_eq!(edit.title, "GOTV week 1");
        assert_eq!(edit.start_label, crate::model::actions::DEFAULT_START_LABEL);
        assert_eq!(edit.preferred_area_codes, [312, 773]);
        assert!(edit.keep_assignments);
        assert_eq!(edit.language.as_deref(), Some("es"));
        assert_eq!(edit.districts, ["CD-7", "Ward 3"]);
        assert_eq!(edit.initial_variants, ["Hello {firstName}! STOP to opt out"]);
        let field = |change: fn(&mut ActionEditForm)| {
            let mut f = form.clone();
            change(&mut f);
            match f.parse() {
                Err(AppError::Invalid { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(field(|f| f.title = "  ".into()), "title");
        assert_eq!(field(|f| f.description = "x".repeat(5_000)), "description");
        assert_eq!(field(|f| f.contact_list_id = "list 1".into()), "contact_list_id");
        assert_eq!(field(|f| f.alternate_area_code = "12".into()), "alternate_area_code");
        assert_eq!(field(|f| f.language = "Klingon".into()), "language");
        assert_eq!(field(|f| f.districts = "x".repeat(61)), "districts");
        assert_eq!(field(|f| f.initial_variants = "[1".into()), "initial_variants");
        assert_eq!(field(|f| f.initial_variants = format!("[{:?}]", "x".repeat(2_000))), "initial_variants");
    }
}
