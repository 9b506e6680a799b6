//! The settings types that travel between the browser and the server, shared by the server
//! functions (`api::settings`) and the queries (`server::db`).

use serde::{Deserialize, Serialize};

/// The settings as the form shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextingSettings {
    pub window_start: String,
    pub window_end: String,
    pub default_time_zone: String,
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
    pub default_region: String,
    /// The answer to a contact who texts HELP; `{organizationName}` is filled in.
    pub help_reply: String,
    /// Whether the states' own texting hours apply (`domain::state_hours`). Not part of the
    /// settings form: it is turned off only with an acknowledgement (`set_state_rules`).
    pub state_rules: bool,
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
