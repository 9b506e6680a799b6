//! Data → Tags and Custom fields: what an organization labels its conversations with and the
//! open questions volunteers answer. Response scripts apply them and reports ask for them.

use crate::error::AppError;
pub use crate::model::data::{CustomField, DataKind, OrgData, Tag};
use leptos::prelude::*;
use uuid::Uuid;

#[server(endpoint = "get_org_data")]
pub async fn get_org_data(org_id: Uuid) -> Result<OrgData, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::data::list(&state.db, org_id).await
}

/// Adds a tag (`kind` "tag") or a custom field (`kind` "field").
#[server(endpoint = "create_data_item")]
pub async fn create_data_item(org_id: Uuid, kind: String, name: String) -> Result<i64, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let kind = DataKind::parse(&kind)?;
    let name = parse_name(&name, kind)?;
    db::data::create(&state.db, org_id, kind, &name).await
}

#[server(endpoint = "rename_data_item")]
pub async fn rename_data_item(org_id: Uuid, kind: String, id: i64, name: String) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let kind = DataKind::parse(&kind)?;
    let name = parse_name(&name, kind)?;
    db::data::rename(&state.db, org_id, kind, id, &name).await
}

/// Deletes a tag or custom field that no open action's script uses; report settings forget it.
#[server(endpoint = "delete_data_item")]
pub async fn delete_data_item(org_id: Uuid, kind: String, id: i64) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let kind = DataKind::parse(&kind)?;
    db::data::delete(&state.db, org_id, kind, id).await
}

/// Spaces collapsed, 1–60 characters (the column's own limit).
pub fn parse_name(raw: &str, kind: DataKind) -> Result<String, AppError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let max = crate::domain::text_limits::TAG_NAME.max;
    if name.is_empty() || name.chars().count() > max {
        return Err(AppError::invalid("name", format!("Give the {} a name of up to {max} characters.", kind.noun())));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_limited() {
        assert_eq!(parse_name("  Needs   a ride ", DataKind::Tag).unwrap(), "Needs a ride");
        assert!(parse_name("  ", DataKind::Field).is_err());
        assert!(parse_name(&"x".repeat(61), DataKind::Tag).is_err());
        assert!(DataKind::parse("label").is_err());
    }
}
