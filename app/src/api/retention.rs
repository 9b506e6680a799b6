//! Settings → Data retention: how long the data of closed actions is kept (admins only).

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Days after an action closes that its contacts, messages and reports are deleted; `None` when
/// they are kept.
#[server(endpoint = "get_retention")]
pub async fn get_retention(org_id: Uuid) -> Result<Option<i32>, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    Ok(db::retention::get(&state.db, org_id).await?.map(|d| d.days()))
}

/// An empty `retention_days` keeps the data; otherwise 30 to 3650 days.
#[server(endpoint = "save_retention")]
pub async fn save_retention(org_id: Uuid, #[server(default)] retention_days: String) -> Result<Option<i32>, AppError> {
    use crate::domain::retention::RetentionDays;
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let days = RetentionDays::parse(&retention_days).map_err(|m| AppError::invalid("retention_days", m))?;
    db::retention::set(&state.db, org_id, days).await?;
    Ok(days.map(|d| d.days()))
}
