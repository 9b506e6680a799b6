//! Settings → Texting: the organization's rules for sending and the prices the estimate uses.

#[cfg(feature = "ssr")]
use crate::domain::form_values::checkbox;
use crate::error::AppError;
pub use crate::model::settings::{StateRules, TextingSettings, TextingSettingsForm, DEFAULT_HELP_REPLY};
use leptos::prelude::*;
use uuid::Uuid;

#[server(endpoint = "get_texting_settings")]
pub async fn get_texting_settings(org_id: Uuid) -> Result<TextingSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::settings::get(&state.db, org_id).await
}

/// Saves every setting at once; the first invalid field is named and nothing is saved.
#[server(endpoint = "save_texting_settings")]
pub async fn save_texting_settings(
    org_id: Uuid,
    #[server(flatten)] form: TextingSettingsForm,
) -> Result<TextingSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let settings = form.parse()?;
    db::settings::save(&state.db, org_id, &settings).await
}

#[server(endpoint = "get_state_rules")]
pub async fn get_state_rules(org_id: Uuid) -> Result<StateRules, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    Ok(state_rules_view(db::settings::state_rules(&state.db, org_id).await?))
}

/// Turns the states' texting hours on, or off: off needs `acknowledge` ticked, and records who
/// and when.
#[server(endpoint = "set_state_rules")]
pub async fn set_state_rules(
    org_id: Uuid,
    #[server(default)] state_rules: String,
    #[server(default)] acknowledge: String,
) -> Result<StateRules, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let on = checkbox(&state_rules);
    if !on && !checkbox(&acknowledge) {
        return Err(AppError::invalid(
            "acknowledge",
            "To turn state texting hours off, tick the box acknowledging that your organization is responsible for the states' hours.",
        ));
    }
    let status = db::settings::set_state_rules(&state.db, org_id, caller.user.id, on, chrono::Utc::now()).await?;
    Ok(state_rules_view(status))
}

#[cfg(feature = "ssr")]
fn state_rules_view(status: crate::server::db::settings::StateRulesStatus) -> StateRules {
    let zone = status.default_time_zone.tz();
    StateRules {
        on: status.off_at.is_none(),
        acknowledgement: status.off_at.map(|at| {
            let local = at.with_timezone(&zone).format("%b %-d, %Y at %-I:%M %P");
            let who = status.off_by.unwrap_or_else(|| "a deleted account".into());
            format!("Turned off by {who} on {local} ({})", zone.name())
        }),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::settings::parse_help_reply;

    fn form() -> TextingSettingsForm {
        TextingSettingsForm {
            window_start: "09:00".into(),
            window_end: "21:00".into(),
            default_time_zone: "America/Chicago".into(),
            batch_size: "50".into(),
            preferred_area_codes: "312, 773 312".into(),
            contact_fallback_name: "friend".into(),
            sender_fallback_name: "a volunteer".into(),
            outbound_lock: "on".into(),
            disable_custom_responses: String::new(),
            sms_price: "0.0079".into(),
            mms_price: "0.02".into(),
            carrier_fee: "0.003".into(),
            number_price: "1.15".into(),
            default_region: "us".into(),
            help_reply: String::new(),
        }
    }

    #[test]
    fn a_valid_form_parses() {
        let s = form().parse().unwrap();
        assert_eq!(s.preferred_area_codes, vec![312, 773]);
        assert_eq!(s.sms_segment_price_micros, 7_900);
        assert_eq!(s.default_region.as_str(), "US");
        assert_eq!((s.window.start_text(), s.window.end_text()), ("09:00".into(), "21:00".into()));
        assert_eq!(s.default_time_zone.name(), "America/Chicago");
        assert!(s.outbound_lock && !s.disable_custom_responses);
        assert_eq!(s.help_reply, DEFAULT_HELP_REPLY);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |change: fn(&mut TextingSettingsForm)| {
            let mut f = form();
            change(&mut f);
            match f.parse() {
                Err(AppError::Invalid { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(field(|f| (f.window_start, f.window_end) = ("21:00".into(), "09:00".into())), "window_end");
        assert_eq!(field(|f| f.default_time_zone = "Mars/Olympus".into()), "default_time_zone");
        assert_eq!(field(|f| f.batch_size = "0".into()), "batch_size");
        assert_eq!(field(|f| f.batch_size = "501".into()), "batch_size");
        assert_eq!(field(|f| f.preferred_area_codes = "31".into()), "preferred_area_codes");
        assert_eq!(field(|f| f.contact_fallback_name = " ".into()), "contact_fallback_name");
        assert_eq!(field(|f| f.sms_price = "x".into()), "sms_price");
        assert_eq!(field(|f| f.default_region = "ZZ".into()), "default_region");
        assert_eq!(field(|f| f.help_reply = "Hi {firstName}".into()), "help_reply");
    }

    #[test]
    fn settings_travel_with_the_forms_field_names_and_refuse_a_bad_window() {
        let json = serde_json::to_value(form().parse().unwrap()).unwrap();
        assert_eq!((&json["window_start"], &json["window_end"]), (&"09:00".into(), &"21:00".into()));
        assert_eq!((&json["default_time_zone"], &json["default_region"]), (&"America/Chicago".into(), &"US".into()));
        let back: TextingSettings = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, form().parse().unwrap());
        let mut bad = json;
        bad["window_end"] = "08:00".into();
        assert!(serde_json::from_value::<TextingSettings>(bad).is_err());
    }

    #[test]
    fn the_help_reply_defaults_when_empty_and_takes_only_the_organization_name() {
        assert_eq!(parse_help_reply("  ").unwrap(), DEFAULT_HELP_REPLY);
        assert_eq!(parse_help_reply(" {organizationName}: STOP to end. ").unwrap(), "{organizationName}: STOP to end.");
        for bad in ["Hi {firstName}, reply STOP".to_string(), "x".repeat(321)] {
            match parse_help_reply(&bad) {
                Err(AppError::Invalid { field, .. }) => assert_eq!(field, "help_reply"),
                other => panic!("{other:?}"),
            }
        }
    }
}
