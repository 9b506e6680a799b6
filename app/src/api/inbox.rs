//! The volunteer's inbox: threads by filter with counts, a thread with the response scripts for
//! where the contact is in the branched script, reports, archive, opt-out and reassignment.
//! Every query is limited to the caller's own conversations.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum InboxFilter {
    #[default]
    All,
    Unread,
    NeedsAttention,
    Archived,
}

impl InboxFilter {
    pub const ALL: [InboxFilter; 4] =
        [InboxFilter::All, InboxFilter::Unread, InboxFilter::NeedsAttention, InboxFilter::Archived];

    pub fn parse(raw: &str) -> Option<InboxFilter> {
        Some(match raw {
            "" | "all" => InboxFilter::All,
            "unread" => InboxFilter::Unread,
            "needs-attention" => InboxFilter::NeedsAttention,
            "archived" => InboxFilter::Archived,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InboxFilter::All => "all",
            InboxFilter::Unread => "unread",
            InboxFilter::NeedsAttention => "needs-attention",
            InboxFilter::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InboxFilter::All => "All",
            InboxFilter::Unread => "Unread",
            InboxFilter::NeedsAttention => "Needs Attention",
            InboxFilter::Archived => "Archived",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InboxCounts {
    pub all: i64,
    pub unread: i64,
    pub needs_attention: i64,
    pub archived: i64,
}

impl InboxCounts {
    pub fn get(&self, filter: InboxFilter) -> i64 {
        match filter {
            InboxFilter::All => self.all,
            InboxFilter::Unread => self.unread,
            InboxFilter::NeedsAttention => self.needs_attention,
            InboxFilter::Archived => self.archived,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ThreadSummary {
    pub conversation_id: i64,
    pub contact_name: String,
    pub action_title: String,
    pub last_body: String,
    pub last_inbound: bool,
    pub last_at: Option<DateTime<Utc>>,
    pub unread: bool,
    pub needs_attention: bool,
    pub opted_out: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notice {
    pub id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub counts: InboxCounts,
    pub threads: Vec<ThreadSummary>,
    pub notices: Vec<Notice>,
    /// The volunteer's Automatic Archive setting (archive a thread when its report is filed).
    pub auto_archive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ThreadMessage {
    pub id: i64,
    pub outbound: bool,
    pub body: String,
    pub status: String,
    pub error_code: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// A response script offered in a thread, rendered for this contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseChoice {
    pub node_id: String,
    pub label: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTag {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportField {
    pub id: i64,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub conversation_id: i64,
    pub action_id: Uuid,
    pub action_title: String,
    pub contact_name: String,
    pub messages: Vec<ThreadMessage>,
    /// The question the volunteer is answering next, and its answer choices.
    pub question: String,
    pub choices: Vec<ResponseChoice>,
    /// Responses usable anywhere ("Wrong number", FAQ answers).
    pub other_responses: Vec<ResponseChoice>,
    /// (question, answer) so far.
    pub survey: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub fields: Vec<(String, String)>,
    pub report_tags: Vec<ReportTag>,
    pub report_fields: Vec<ReportField>,
    pub archived: bool,
    pub opted_out: bool,
    pub needs_attention: bool,
    pub custom_allowed: bool,
    /// Why a reply cannot be sent now (paused action, closed window), if it cannot.
    pub blocked: Option<String>,
    pub auto_archive: bool,
}

/// What a volunteer files in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReportInput {
    #[serde(default)]
    pub tags: Vec<i64>,
    #[serde(default)]
    pub fields: Vec<(i64, String)>,
}

#[server(endpoint = "get_inbox")]
pub async fn get_inbox(org_id: Uuid, #[server(default)] filter: String) -> Result<Inbox, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    let filter = InboxFilter::parse(filter.trim())
        .ok_or_else(|| AppError::invalid("filter", format!("\"{}\" is not an inbox filter.", filter.trim())))?;
    db::inbox::inbox(&state.db, &caller, filter).await
}

/// The counts alone, for the unread badge polled from every volunteer page.
#[server(endpoint = "get_inbox_counts")]
pub async fn get_inbox_counts(org_id: Uuid) -> Result<InboxCounts, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::counts(&state.db, &caller).await
}

/// One thread; opening it marks it read.
#[server(endpoint = "get_thread")]
pub async fn get_thread(org_id: Uuid, conversation_id: i64) -> Result<Thread, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::thread(&state.db, &caller, conversation_id).await
}

/// Files a report (any number of times; partial is fine). Answers whether the thread was
/// archived by the volunteer's Automatic Archive setting.
#[server(endpoint = "file_report")]
pub async fn file_report(org_id: Uuid, conversation_id: i64, report: String) -> Result<bool, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    let report: ReportInput =
        serde_json::from_str(&report).map_err(|_| AppError::invalid("report", "The report could not be read."))?;
    for (_, value) in &report.fields {
        crate::domain::text_limits::FIELD_VALUE.check(value).map_err(|m| AppError::invalid("report", m))?;
    }
    db::inbox::file_report(&state.db, &caller, conversation_id, &report).await
}

#[server(endpoint = "set_archived")]
pub async fn set_archived(org_id: Uuid, conversation_id: i64, archived: bool) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::set_archived(&state.db, &caller, conversation_id, archived).await
}

/// The volunteer heard "stop" in other words: the number is opted out of the organization and
/// the contact tagged Opt Out. The volunteer says why; the opt-out records who, why and when
/// (the organization's opt-out export shows them).
#[server(endpoint = "opt_out_contact")]
pub async fn opt_out_contact(
    org_id: Uuid,
    conversation_id: i64,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::domain::do_not_contact::OptOutReason;
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    let reason = OptOutReason::parse(&reason).map_err(|m| AppError::invalid("reason", m))?;
    db::inbox::opt_out(&state.db, &caller, conversation_id, &reason).await
}

/// Hands the thread to the action's creator, who is notified.
#[server(endpoint = "reassign_conversation")]
pub async fn reassign_conversation(org_id: Uuid, conversation_id: i64) -> Result<u64, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::reassign(&state.db, &caller, db::inbox::Which::One(conversation_id)).await
}

/// Hands every thread of the caller's in one action to its creator.
#[server(endpoint = "reassign_all")]
pub async fn reassign_all(org_id: Uuid, action_id: Uuid) -> Result<u64, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::reassign(&state.db, &caller, db::inbox::Which::Action(action_id)).await
}

#[server(endpoint = "set_auto_archive")]
pub async fn set_auto_archive(org_id: Uuid, on: bool) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::set_auto_archive(&state.db, &caller, on).await
}

#[server(endpoint = "dismiss_notices")]
pub async fn dismiss_notices(org_id: Uuid) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    db::inbox::dismiss_notices(&state.db, &caller).await
}
