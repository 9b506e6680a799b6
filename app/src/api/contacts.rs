//! Contact lists: start an import (the file itself is streamed to an upload endpoint), watch it,
//! cancel it; list, page through, search and delete lists.

#[cfg(feature = "ssr")]
use crate::domain::Role;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an import did, counted row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Data rows read (the header not counted).
    pub rows: u64,
    pub imported: u64,
    /// Earlier rows with the same number as a later one (the last row wins).
    pub duplicates: u64,
    pub invalid_numbers: u64,
    pub missing_numbers: u64,
    /// Opted out by a reply, the carrier or a volunteer.
    pub opted_out: u64,
    /// On the organization's imported do-not-contact list (summaries stored before it was
    /// counted apart have none).
    #[serde(default)]
    pub do_not_contact: u64,
    pub unknown_assignees: u64,
}

impl ImportSummary {
    pub fn rejected(&self) -> u64 {
        self.duplicates
            + self.invalid_numbers
            + self.missing_numbers
            + self.opted_out
            + self.do_not_contact
            + self.unknown_assignees
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    Pending,
    Running,
    Cancelling,
    Done,
    Failed,
    Cancelled,
}

impl ImportState {
    pub fn parse(raw: &str) -> ImportState {
        match raw {
            "pending" => ImportState::Pending,
            "running" => ImportState::Running,
            "cancelling" => ImportState::Cancelling,
            "done" => ImportState::Done,
            "cancelled" => ImportState::Cancelled,
            _ => ImportState::Failed,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, ImportState::Done | ImportState::Failed | ImportState::Cancelled)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub id: Uuid,
    pub state: ImportState,
    pub rows_read: u64,
    pub rows_stored: u64,
    pub error: Option<String>,
    pub summary: Option<ImportSummary>,
    pub list_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ContactListSummary {
    pub id: Uuid,
    pub name: String,
    pub contact_count: i32,
    pub custom_fields: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ContactRow {
    pub id: i64,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    pub zip: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub assigned_to: Option<String>,
    pub time_zones: Vec<String>,
    pub custom: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPage {
    pub list: ContactListSummary,
    pub contacts: Vec<ContactRow>,
    /// Contacts matching the search (all of the list without one).
    pub matching: i64,
    pub page: u32,
    pub page_size: u32,
}

pub const PAGE_SIZE: u32 = 50;

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
