//! Settings → Texting: the organization's rules for sending and the prices the estimate uses.

#[cfg(feature = "ssr")]
use crate::domain::form_values::{area_codes, checkbox};
use crate::error::AppError;
pub use crate::model::settings::{StateRules, TextingSettings, DEFAULT_HELP_REPLY};
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
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "save_texting_settings")]
pub async fn save_texting_settings(
    org_id: Uuid,
    window_start: String,
    window_end: String,
    default_time_zone: String,
    batch_size: String,
    #[server(default)] preferred_area_codes: String,
    contact_fallback_name: String,
    sender_fallback_name: String,
    #[server(default)] outbound_lock: String,
    #[server(default)] disable_custom_responses: String,
    sms_price: String,
    mms_price: String,
    carrier_fee: String,
    number_price: String,
    default_region: String,
    #[server(default)] help_reply: String,
) -> Result<TextingSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let settings = parse(
        &window_start,
        &window_end,
        &default_time_zone,
        &batch_size,
        &preferred_area_codes,
        &contact_fallback_name,
        &sender_fallback_name,
        checkbox(&outbound_lock),
        checkbox(&disable_custom_responses),
        [&sms_price, &mms_price, &carrier_fee, &number_price],
        &default_region,
        &help_reply,
    )?;
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
    let zone: chrono_tz::Tz = status.default_time_zone.parse().unwrap_or(chrono_tz::America::New_York);
    StateRules {
        on: status.off_at.is_none(),
        acknowledgement: status.off_at.map(|at| {
            let local = at.with_timezone(&zone).format("%b %-d, %Y at %-I:%M %P");
            let who = status.off_by.unwrap_or_else(|| "a deleted account".into());
            format!("Turned off by {who} on {local} ({})", zone.name())
        }),
    }
}

/// Parses the form into settings, naming the first field that is wrong. Server-side only: time
/// zone names need chrono-tz's database, which the browser bundle does without.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
pub fn parse(
    window_start: &str,
    window_end: &str,
    default_time_zone: &str,
    batch_size: &str,
    preferred_area_codes: &str,
    contact_fallback_name: &str,
    sender_fallback_name: &str,
    outbound_lock: bool,
    disable_custom_responses: bool,
    prices: [&str; 4],
    default_region: &str,
    help_reply: &str,
) -> Result<TextingSettings, AppError> {
    use crate::domain::cost_estimate::parse_dollars;
    use crate::domain::texting_window::TextingWindow;
    let window = TextingWindow::parse(window_start.trim(), window_end.trim())
        .map_err(|m| AppError::invalid("window_end", format!("Texting window: {m}")))?;
    let zone = crate::domain::org_time::OrgTimeZone::parse(default_time_zone)
        .map_err(|m| AppError::invalid("default_time_zone", m))?;
    let batch_size: i32 = batch_size
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=500).contains(n))
        .ok_or_else(|| AppError::invalid("batch_size", "The batch size is a whole number from 1 to 500."))?;
    let area_codes = area_codes(preferred_area_codes).map_err(|m| AppError::invalid("preferred_area_codes", m))?;
    let name = |raw: &str, field: &str, what: &str| -> Result<String, AppError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let max = crate::domain::text_limits::FALLBACK_NAME.max;
        if name.is_empty() || name.chars().count() > max {
            return Err(AppError::invalid(field, format!("The {what} is 1 to {max} characters.")));
        }
        Ok(name)
    };
    let contact_fallback_name = name(contact_fallback_name, "contact_fallback_name", "contact's fallback first name")?;
    let sender_fallback_name = name(sender_fallback_name, "sender_fallback_name", "sender's fallback first name")?;
    let [sms, mms, fee, number] = prices;
    let price = |raw: &str, field: &str| parse_dollars(raw).map_err(|m| AppError::invalid(field, m));
    let region = crate::domain::phone::Region::parse(default_region.trim().to_uppercase().as_str())
        .map_err(|m| AppError::invalid("default_region", m))?;
    let help_reply = parse_help_reply(help_reply)?;
    Ok(TextingSettings {
        window_start: window.start().format("%H:%M").to_string(),
        window_end: window.end().format("%H:%M").to_string(),
        default_time_zone: zone.name().to_string(),
        batch_size,
        preferred_area_codes: area_codes,
        contact_fallback_name,
        sender_fallback_name,
        outbound_lock,
        disable_custom_responses,
        sms_segment_price_micros: price(sms, "sms_price")?,
        mms_price_micros: price(mms, "mms_price")?,
        carrier_fee_micros: price(fee, "carrier_fee")?,
        number_monthly_price_micros: price(number, "number_price")?,
        default_region: region.as_str().to_string(),
        help_reply,
        // Saved on its own by `set_state_rules`; `save` leaves it as it is.
        state_rules: true,
    })
}

/// The HELP answer: empty means the default; at most 320 characters (two segments), and the only
/// placeholder is {organizationName}, since no contact or volunteer is at hand when it goes out.
#[cfg(feature = "ssr")]
pub fn parse_help_reply(raw: &str) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(DEFAULT_HELP_REPLY.to_string());
    }
    crate::domain::text_limits::HELP_REPLY.check(text).map_err(|m| AppError::invalid("help_reply", m))?;
    if text.replace("{organizationName}", "").contains(['{', '}']) {
        return Err(AppError::invalid("help_reply", "The HELP reply can only use {organizationName} in braces."));
    }
    Ok(text.to_string())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn ok() -> [&'static str; 4] {
        ["0.0079", "0.02", "0.003", "1.15"]
    }

    #[test]
    fn a_valid_form_parses() {
        let s = parse(
            "09:00",
            "21:00",
            "America/Chicago",
            "50",
            "312, 773 312",
            "friend",
            "a volunteer",
            true,
            false,
            ok(),
            "us",
            "",
        )
        .unwrap();
        assert_eq!(s.preferred_area_codes, vec![312, 773]);
        assert_eq!(s.sms_segment_price_micros, 7_900);
        assert_eq!(s.default_region, "US");
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |r: Result<TextingSettings, AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(parse("21:00", "09:00", "America/Chicago", "50", "", "f", "v", true, false, ok(), "US", "")),
            "window_end"
        );
        assert_eq!(
            field(parse("09:00", "21:00", "Mars/Olympus", "50", "", "f", "v", true, false, ok(), "US", "")),
            "default_time_zone"
        );
        assert_eq!(
            field(parse("09:00", "21:00", "America/Chicago", "0", "", "f", "v", true, false, ok(), "US", "")),
            "batch_size"
        );
        assert_eq!(
            field(parse("09:00", "21:00", "America/Chicago", "50", "31", "f", "v", true, false, ok(), "US", "")),
            "preferred_area_codes"
        );
        assert_eq!(
            field(parse("09:00", "21:00", "America/Chicago", "50", "", " ", "v", true, false, ok(), "US", "")),
            "contact_fallback_name"
        );
        assert_eq!(
            field(parse(
                "09:00",
                "21:00",
                "America/Chicago",
                "50",
                "",
                "f",
                "v",
                true,
                false,
                ["x", "1", "1", "1"],
                "US",
                ""
            )),
            "sms_price"
        );
        assert_eq!(
            field(parse("09:00", "21:00", "America/Chicago", "50", "", "f", "v", true, false, ok(), "ZZ", "")),
            "default_region"
        );
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
