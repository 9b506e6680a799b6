//! The settings types that travel between the browser and the server, shared by the server
//! functions (`api::settings`) and the queries (`server::db`).

use crate::domain::org_time::OrgTimeZone;
use crate::domain::phone::Region;
use crate::domain::texting_window::{ContactHours, TextingWindow};
#[cfg(feature = "ssr")]
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The organization's texting settings, parsed: the window, zone and region are the domain's
/// types, so nothing downstream re-parses (or quietly defaults) a string. On the wire they keep
/// the form's field names and text (`window_start: "09:00"`, `default_time_zone`,
/// `default_region: "US"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextingSettings {
    #[serde(flatten, with = "window_fields")]
    pub window: TextingWindow,
    pub default_time_zone: OrgTimeZone,
    pub batch_size: i32,
    pub preferred_area_codes: Vec<i32>,
    pub contact_fallback_name: String,
    pub sender_fallback_name: String,
    pub outbound_lock: bool,
    pub disable_custom_responses: bool,
    pub sms_segment_price_micros: i64,
    pub mms_price_micros: i64,
    pub carrier_fee_micros: i64,
    pub number_monthly_price_micros: i64,
    pub default_region: Region,
    /// The answer to a contact who texts HELP; `{organizationName}` is filled in.
    pub help_reply: String,
    /// Whether the states' own texting hours apply (`domain::state_hours`). Not part of the
    /// settings form: it is turned off only with an acknowledgement (`set_state_rules`).
    pub state_rules: bool,
}

impl TextingSettings {
    /// When this organization may text a contact, from what is stored of them: its window,
    /// within their state's own hours while the state rules are on, in every zone they may be in.
    pub fn contact_hours(
        &self,
        zone_names: &[String],
        state: Option<&str>,
        zip: Option<&str>,
        phone: &str,
    ) -> ContactHours {
        ContactHours::from_stored(self.window, zone_names, self.state_rules, state, zip, phone)
    }
}

/// The window as the form's two time fields.
mod window_fields {
    use crate::domain::texting_window::TextingWindow;
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Fields {
        window_start: String,
        window_end: String,
    }

    pub fn serialize<S: Serializer>(window: &TextingWindow, serializer: S) -> Result<S::Ok, S::Error> {
        Fields { window_start: window.start_text(), window_end: window.end_text() }.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TextingWindow, D::Error> {
        let fields = Fields::deserialize(deserializer)?;
        TextingWindow::parse(&fields.window_start, &fields.window_end).map_err(D::Error::custom)
    }
}

/// Settings → Texting as posted: every field as typed. `parse` turns it into settings or names
/// the first field that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextingSettingsForm {
    pub window_start: String,
    pub window_end: String,
    pub default_time_zone: String,
    pub batch_size: String,
    #[serde(default)]
    pub preferred_area_codes: String,
    pub contact_fallback_name: String,
    pub sender_fallback_name: String,
    /// Checkboxes: absent when unticked.
    #[serde(default)]
    pub outbound_lock: String,
    #[serde(default)]
    pub disable_custom_responses: String,
    pub sms_price: String,
    pub mms_price: String,
    pub carrier_fee: String,
    pub number_price: String,
    pub default_region: String,
    /// Empty means the default answer.
    #[serde(default)]
    pub help_reply: String,
}

/// The most texts a batch can hold.
pub const MAX_BATCH_SIZE: i32 = 500;

#[cfg(feature = "ssr")]
impl TextingSettingsForm {
    /// The settings, or the first wrong field by name. Server-side only, like the prices' and
    /// area codes' parsers it uses, to keep them out of the browser bundle.
    pub fn parse(&self) -> Result<TextingSettings, AppError> {
        use crate::domain::cost_estimate::parse_dollars;
        use crate::domain::form_values::{area_codes, checkbox};
        let window = TextingWindow::parse(&self.window_start, &self.window_end)
            .map_err(|m| AppError::invalid("window_end", format!("Texting window: {m}")))?;
        let zone =
            OrgTimeZone::parse(&self.default_time_zone).map_err(|m| AppError::invalid("default_time_zone", m))?;
        let batch_size: i32 =
            self.batch_size.trim().parse().ok().filter(|n| (1..=MAX_BATCH_SIZE).contains(n)).ok_or_else(|| {
                AppError::invalid("batch_size", format!("The batch size is a whole number from 1 to {MAX_BATCH_SIZE}."))
            })?;
        let preferred_area_codes =
            area_codes(&self.preferred_area_codes).map_err(|m| AppError::invalid("preferred_area_codes", m))?;
        let name = |raw: &str, field: &str, what: &str| -> Result<String, AppError> {
            let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            let max = crate::domain::text_limits::FALLBACK_NAME.max;
            if name.is_empty() || name.chars().count() > max {
                return Err(AppError::invalid(field, format!("The {what} is 1 to {max} characters.")));
            }
            Ok(name)
        };
        let price = |raw: &str, field: &str| parse_dollars(raw).map_err(|m| AppError::invalid(field, m));
        Ok(TextingSettings {
            window,
            default_time_zone: zone,
            batch_size,
            preferred_area_codes,
            contact_fallback_name: name(
                &self.contact_fallback_name,
                "contact_fallback_name",
                "contact's fallback first name",
            )?,
            sender_fallback_name: name(
                &self.sender_fallback_name,
                "sender_fallback_name",
                "sender's fallback first name",
            )?,
            outbound_lock: checkbox(&self.outbound_lock),
            disable_custom_responses: checkbox(&self.disable_custom_responses),
            sms_segment_price_micros: price(&self.sms_price, "sms_price")?,
            mms_price_micros: price(&self.mms_price, "mms_price")?,
            carrier_fee_micros: price(&self.carrier_fee, "carrier_fee")?,
            number_monthly_price_micros: price(&self.number_price, "number_price")?,
            default_region: Region::parse(&self.default_region).map_err(|m| AppError::invalid("default_region", m))?,
            help_reply: parse_help_reply(&self.help_reply)?,
            // Saved on its own by `set_state_rules`; `save` leaves it as it is.
            state_rules: true,
        })
    }
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

/// The HELP answer an organization starts with (the migration's default, word for word).
pub const DEFAULT_HELP_REPLY: &str =
    "{organizationName}: volunteers text you about our campaign. Reply STOP to opt out. Msg&data rates may apply.";

/// Whether state texting hours apply, as the settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRules {
    pub on: bool,
    /// "Turned off by Ana Admin on Dec 2, 2026 at 8:05 pm (America/Chicago)", in the
    /// organization's time zone.
    pub acknowledgement: Option<String>,
}
