//! The supervision types that travel between the browser and the server, shared by the server
//! functions (`api::supervision`) and the queries (`server::db`).

use crate::error::AppError;
use crate::model::inbox::ThreadMessage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Conversations per page.
pub const PAGE_SIZE: i64 = 50;

/// Most conversations one reassignment moves.
pub const MAX_REASSIGN: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    /// The contact wrote last, the thread is not archived and the number has not opted out.
    NeedsAttention,
    /// The number is on the organization's opt-out list.
    OptedOut,
    /// The last outbound message failed or was undelivered.
    Error,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 3] = [StatusFilter::NeedsAttention, StatusFilter::OptedOut, StatusFilter::Error];

    pub fn parse(raw: &str) -> Option<StatusFilter> {
        Some(match raw {
            "needs-attention" => StatusFilter::NeedsAttention,
            "opted-out" => StatusFilter::OptedOut,
            "error" => StatusFilter::Error,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::NeedsAttention => "needs-attention",
            StatusFilter::OptedOut => "opted-out",
            StatusFilter::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::NeedsAttention => "Needs Attention",
            StatusFilter::OptedOut => "Opted out",
            StatusFilter::Error => "Error",
        }
    }
}

/// The filters of the conversation list, as typed into the URL's query (`?action=…&status=…`).
/// `None` everywhere: every texted conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SupervisionFilter {
    pub action: Option<Uuid>,
    pub volunteer: Option<Uuid>,
    pub status: Option<StatusFilter>,
    pub tag: Option<i64>,
    pub error_code: Option<i32>,
}

impl SupervisionFilter {
    /// Reads the raw query values; an empty value means "any".
    pub fn parse(
        action: &str,
        volunteer: &str,
        status: &str,
        tag: &str,
        error_code: &str,
    ) -> Result<SupervisionFilter, AppError> {
        fn opt<T>(
            raw: &str,
            field: &str,
            what: &str,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<Option<T>, AppError> {
            match raw.trim() {
                "" => Ok(None),
                raw => {
                    parse(raw).map(Some).ok_or_else(|| AppError::invalid(field, format!("\"{raw}\" is not {what}.")))
                }
            }
        }
        Ok(SupervisionFilter {
            action: opt(action, "action", "an action", |s| Uuid::parse_str(s).ok())?,
            volunteer: opt(volunteer, "volunteer", "a member", |s| Uuid::parse_str(s).ok())?,
            status: opt(status, "status", "a status", StatusFilter::parse)?,
            tag: opt(tag, "tag", "a tag", |s| s.parse().ok())?,
            error_code: opt(error_code, "error_code", "an error code", |s| s.parse().ok())?,
        })
    }

    /// The query string (without `?`) that `parse` reads back; empty filters are left out.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.action {
            parts.push(format!("action={a}"));
        }
        if let Some(v) = self.volunteer {
            parts.push(format!("volunteer={v}"));
        }
        if let Some(s) = self.status {
            parts.push(format!("status={}", s.as_str()));
        }
        if let Some(t) = self.tag {
            parts.push(format!("tag={t}"));
        }
        if let Some(e) = self.error_code {
            parts.push(format!("error_code={e}"));
        }
        parts.join("&")
    }
}

/// Where the next page starts: the last row's activity time and id (`<micros>:<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn parse(raw: &str) -> Option<Cursor> {
        let (micros, id) = raw.trim().split_once(':')?;
        Some(Cursor { at: DateTime::from_timestamp_micros(micros.parse().ok()?)?, id: id.parse().ok()? })
    }

    pub fn encode(&self) -> String {
        format!("{}:{}", self.at.timestamp_micros(), self.id)
    }
}

/// How a row's badge reads, most pressing first: opted out, error, needs attention, archived,
/// active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowStatus {
    OptedOut,
    Error,
    NeedsAttention,
    Archived,
    Active,
}

impl RowStatus {
    /// The status the conversations query computes; anything else is an error, not "active".
    pub fn parse(raw: &str) -> Result<RowStatus, String> {
        [RowStatus::OptedOut, RowStatus::Error, RowStatus::NeedsAttention, RowStatus::Archived, RowStatus::Active]
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| format!("unknown conversation status {raw:?}"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::OptedOut => "opted-out",
            RowStatus::Error => "error",
            RowStatus::NeedsAttention => "needs-attention",
            RowStatus::Archived => "archived",
            RowStatus::Active => "active",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RowStatus::OptedOut => "Opted out",
            RowStatus::Error => "Error",
            RowStatus::NeedsAttention => "Needs Attention",
            RowStatus::Archived => "Archived",
            RowStatus::Active => "Active",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRow {
    pub conversation_id: i64,
    pub contact_name: String,
    pub contact_phone: String,
    pub action_id: Uuid,
    pub action_title: String,
    pub volunteer_id: Option<Uuid>,
    pub volunteer_name: Option<String>,
    pub last_body: String,
    pub last_inbound: bool,
    pub last_at: DateTime<Utc>,
    pub status: RowStatus,
    /// The last outbound message's error code, if it has one.
    pub error_code: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub rows: Vec<ConversationRow>,
    /// Pass back as `cursor` for the next page; `None`: this was the last.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: crate::domain::Role,
}

/// What the filters and the reassign menu offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionChoices {
    pub actions: Vec<(Uuid, String)>,
    pub members: Vec<MemberChoice>,
    pub tags: Vec<(i64, String)>,
    /// The tags an admin can put on a conversation by hand (not the built-in Opt Out).
    pub taggable: Vec<(i64, String)>,
}

/// One conversation as an admin sees it, with what they can do in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisedThread {
    pub conversation_id: i64,
    pub contact_name: String,
    pub contact_phone: String,
    pub action_title: String,
    pub volunteer_name: Option<String>,
    pub status: RowStatus,
    pub messages: Vec<ThreadMessage>,
    /// (question, answer) so far.
    pub survey: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub tag_ids: Vec<i64>,
    pub fields: Vec<(String, String)>,
    /// Whether the first text has gone out: only then can an admin answer.
    pub texted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_query() {
        let f = SupervisionFilter {
            action: Some(Uuid::nil()),
            volunteer: None,
            status: Some(StatusFilter::NeedsAttention),
            tag: Some(7),
            error_code: Some(30007),
        };
        let q = f.to_query();
        assert_eq!(q, "action=00000000-0000-0000-0000-000000000000&status=needs-attention&tag=7&error_code=30007");
        assert_eq!(SupervisionFilter::parse(&Uuid::nil().to_string(), "", "needs-attention", "7", "30007"), Ok(f));
        assert_eq!(SupervisionFilter::parse("", "", "", "", ""), Ok(SupervisionFilter::default()));
        assert_eq!(SupervisionFilter::default().to_query(), "");
    }

    #[test]
    fn bad_filters_name_their_field() {
        let e = SupervisionFilter::parse("", "", "lost", "", "").unwrap_err();
        assert_eq!(e.field_message("status").as_deref(), Some("\"lost\" is not a status."));
        assert!(SupervisionFilter::parse("x", "", "", "", "").unwrap_err().field_message("action").is_some());
        assert!(SupervisionFilter::parse("", "", "", "t", "").unwrap_err().field_message("tag").is_some());
        assert!(SupervisionFilter::parse("", "", "", "", "3.5").unwrap_err().field_message("error_code").is_some());
    }

    #[test]
    fn cursors_round_trip_to_the_microsecond() {
        let at = DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap();
        let c = Cursor { at, id: 42 };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(Cursor::parse("nope"), None);
        assert_eq!(Cursor::parse("1:x"), None);
    }
}
