//! Contact lists: start an import (the file itself is streamed to an upload endpoint), watch it,
//! cancel it; list, page through, search and delete lists.

#[cfg(feature = "ssr")]
use crate::domain::Role;
use crate::error::AppError;
pub use crate::model::contacts::{
    ContactListSummary, ContactPage, ContactRow, ImportState, ImportStatus, ImportSummary, PAGE_SIZE,
};
use leptos::prelude::*;
use uuid::Uuid;

/// Registers an import and returns its id; the browser then streams the file to
/// `/imports/{id}/upload`. The mapping arrives as JSON because its shape is nested.
#[server(endpoint = "start_import")]
pub async fn start_import(org_id: Uuid, name: String, mapping: String, encoding: String) -> Result<Uuid, AppError> {
    use crate::domain::csv_import::{ColumnMapping, TextEncoding};
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let name = crate::domain::ListName::parse(&name).map_err(|m| AppError::invalid("name", m))?;
    let mapping: ColumnMapping = serde_json::from_str(&mapping)
        .map_err(|_| AppError::invalid("mapping", "The column mapping could not be read."))?;
    mapping.validate().map_err(|e| AppError::invalid("mapping", e.to_string()))?;
    let encoding = TextEncoding::parse(&encoding).map_err(|m| AppError::invalid("encoding", m))?;
    db::contacts::create_import(&state.db, &caller, name.as_str(), &mapping, encoding).await
}

#[server(endpoint = "get_import_status")]
pub async fn get_import_status(org_id: Uuid, import_id: Uuid) -> Result<ImportStatus, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::contacts::import_status(&state.db, org_id, import_id).await
}

/// Asks a running import to stop; it rolls back and leaves no list.
#[server(endpoint = "cancel_import")]
pub async fn cancel_import(org_id: Uuid, import_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::contacts::cancel_import(&state.db, org_id, import_id).await
}

#[server(endpoint = "contact_lists")]
pub async fn contact_lists(org_id: Uuid) -> Result<Vec<ContactListSummary>, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::contacts::lists(&state.db, org_id).await
}

#[server(endpoint = "get_contact_page")]
pub async fn get_contact_page(
    org_id: Uuid,
    list_id: Uuid,
    #[server(default)] page: u32,
    #[server(default)] search: String,
) -> Result<ContactPage, AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::contacts::page(&state.db, org_id, list_id, page, search.trim()).await
}

#[server(endpoint = "delete_contact_list")]
pub async fn delete_contact_list(org_id: Uuid, list_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::contacts::delete_list(&state.db, org_id, list_id).await
}
