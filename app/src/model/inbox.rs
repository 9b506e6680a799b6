//! The inbox types that travel between the browser and the server, shared by the server
//! functions (`api::inbox`) and the queries (`server::db`).

use chrono::{DateTime, Utc};
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
    /// Pictures the contact sent, shown through `/media/inbound/{id}/{index}`.
    pub media_count: i32,
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
