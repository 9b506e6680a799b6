//! The contacts types that travel between the browser and the server, shared by the server
//! functions (`api::contacts`) and the queries (`server::db`).

use chrono::{DateTime, Utc};
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
    /// A stored `contact_imports.status`; anything else is an error, not a guess.
    pub fn parse(raw: &str) -> Result<ImportState, String> {
        Ok(match raw {
            "pending" => ImportState::Pending,
            "running" => ImportState::Running,
            "cancelling" => ImportState::Cancelling,
            "done" => ImportState::Done,
            "failed" => ImportState::Failed,
            "cancelled" => ImportState::Cancelled,
            other => return Err(format!("unknown import status {other:?}")),
        })
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
