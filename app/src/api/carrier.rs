//! Settings → Carrier: how the organization's Twilio account is set up where it changes what
//! we send (admins only).

use crate::domain::keyword_replies::KeywordReplies;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierSettings {
    /// Who answers STOP and HELP.
    pub keyword_replies: KeywordReplies,
}

#[server(endpoint = "get_carrier_settings")]
pub async fn get_carrier_settings(org_id: Uuid) -> Result<CarrierSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    Ok(CarrierSettings { keyword_replies: db::carrier_settings::keyword_replies(&state.db, org_id).await? })
}

#[server(endpoint = "save_carrier_settings")]
pub async fn save_carrier_settings(org_id: Uuid, keyword_replies: String) -> Result<CarrierSettings, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let keyword_replies =
        KeywordReplies::parse(&keyword_replies).map_err(|m| AppError::invalid("keyword_replies", m))?;
    db::carrier_settings::set_keyword_replies(&state.db, org_id, keyword_replies).await?;
    Ok(CarrierSettings { keyword_replies })
}
