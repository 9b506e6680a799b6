//! Settings → Carrier: how the organization's Twilio account is set up where it changes what
//! we send (admins only).

use crate::domain::keyword_replies::KeywordReplies;
use crate::domain::sender_type::SendRates;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierSettings {
    /// Who answers STOP and HELP.
    pub keyword_replies: KeywordReplies,
    /// Segments per second per number by sender type (blank: Twilio's default for the type).
    pub send_rates: SendRates,
}

#[server(endpoint = "get_carrier_settings")]
pub async fn get_carrier_settings(org_id: Uuid) -> Result<CarrierSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let (keyword_replies, send_rates) = db::carrier_settings::settings(&state.db, org_id).await?;
    Ok(CarrierSettings { keyword_replies, send_rates })
}

/// The rates are the form's text fields as typed; blank or absent is Twilio's default.
#[server(endpoint = "save_carrier_settings")]
pub async fn save_carrier_settings(
    org_id: Uuid,
    keyword_replies: String,
    #[server(default)] long_code_per_sec: String,
    #[server(default)] toll_free_per_sec: String,
    #[server(default)] short_code_per_sec: String,
) -> Result<CarrierSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let keyword_replies =
        KeywordReplies::parse(&keyword_replies).map_err(|m| AppError::invalid("keyword_replies", m))?;
    let send_rates = SendRates::parse(&long_code_per_sec, &toll_free_per_sec, &short_code_per_sec)
        .map_err(|(field, m)| AppError::invalid(field, m))?;
    db::carrier_settings::save(&state.db, org_id, keyword_replies, send_rates).await?;
    Ok(CarrierSettings { keyword_replies, send_rates })
}

/// What the admins must fix before texts flow again, shown as a banner on every admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SendingAlerts {
    /// The organization's sending is paused: what the carrier said, and since when (in the
    /// organization's time zone).
    pub paused: Option<(String, String)>,
    /// Quarantined sending numbers: (number, why, since).
    pub quarantined: Vec<(String, String, String)>,
}

#[server(endpoint = "get_sending_alerts")]
pub async fn get_sending_alerts(org_id: Uuid) -> Result<SendingAlerts, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let zone = db::opt_outs::org_time_zone(&state.db, org_id).await?;
    let paused = db::sender_quarantine::sending_pause(&state.db, org_id).await?;
    let quarantined = db::sender_quarantine::list(&state.db, org_id).await?;
    Ok(SendingAlerts {
        paused: paused.map(|(reason, at)| (reason, zone.date_time(at))),
        quarantined: quarantined.into_iter().map(|q| (q.phone, q.reason, zone.date_time(q.quarantined_at))).collect(),
    })
}

/// An admin fixed what the carrier objected to (registration, content): the number may send
/// again.
#[server(endpoint = "release_sender")]
pub async fn release_sender(org_id: Uuid, phone: String) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    if !db::sender_quarantine::release(&state.db, org_id, phone.trim()).await? {
        return Err(AppError::NotFound(format!("{} is not a quarantined number of this organization.", phone.trim())));
    }
    Ok(())
}
