//! Supervision: an admin's view of every texted conversation in the organization, newest
//! activity first, with filters that live in the page's URL; a thread read-only; and moving
//! selected conversations to another member. Admins only: volunteers get the same 403 as from
//! every other admin function.

use crate::api::inbox::ThreadMessage;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
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
    pub fn parse(raw: &str) -> RowStatus {
        match raw {
            "opted-out" => RowStatus::OptedOut,
            "error" => RowStatus::Error,
            "needs-attention" => RowStatus::NeedsAttention,
            "archived" => RowStatus::Archived,
            _ => RowStatus::Active,
        }
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

#[server(endpoint = "supervision_options")]
pub async fn supervision_options(org_id: Uuid) -> Result<SupervisionChoices, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::supervision::options(&state.db, org_id).await
}

/// A page of conversations matching the filters; `cursor` is empty for the first page.
#[server(endpoint = "list_conversations")]
pub async fn list_conversations(
    org_id: Uuid,
    #[server(default)] action: String,
    #[server(default)] volunteer: String,
    #[server(default)] status: String,
    #[server(default)] tag: String,
    #[server(default)] error_code: String,
    #[server(default)] cursor: String,
) -> Result<ConversationPage, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let filter = SupervisionFilter::parse(&action, &volunteer, &status, &tag, &error_code)?;
    let cursor = match cursor.trim() {
        "" => None,
        raw => Some(Cursor::parse(raw).ok_or_else(|| AppError::invalid("cursor", "That page marker is not valid."))?),
    };
    db::supervision::page(&state.db, org_id, &filter, cursor, PAGE_SIZE).await
}

#[server(endpoint = "get_supervised_thread")]
pub async fn get_supervised_thread(org_id: Uuid, conversation_id: i64) -> Result<SupervisedThread, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::supervision::thread(&state.db, org_id, conversation_id).await
}

/// Moves the conversations (ids separated by commas) to `to_user`, a member of the
/// organization, who is notified. All or nothing; answers how many changed hands.
#[server(endpoint = "reassign_conversations")]
pub async fn reassign_conversations(org_id: Uuid, conversation_ids: String, to_user: Uuid) -> Result<u64, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let ids = parse_ids(&conversation_ids)?;
    db::supervision::reassign(&state.db, &caller, &ids, to_user).await
}

/// Tags the conversation with one of the organization's tags (`on`), or removes it.
#[server(endpoint = "tag_conversation")]
pub async fn tag_conversation(
    org_id: Uuid,
    conversation_id: i64,
    tag_id: i64,
    #[server(default)] remove: bool,
) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    db::supervision::tag(&state.db, &caller, conversation_id, tag_id, !remove).await
}

/// "12, 15,16" → [12, 15, 16], without repeats; at least one, at most `MAX_REASSIGN`.
pub fn parse_ids(raw: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i64 = part
            .parse()
            .map_err(|_| AppError::invalid("conversation_ids", format!("\"{part}\" is not a conversation.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(AppError::invalid("conversation_ids", "Select at least one conversation."));
    }
    if ids.len() > MAX_REASSIGN {
        return Err(AppError::invalid(
            "conversation_ids",
            format!("Reassign at most {MAX_REASSIGN} conversations at a time ({} selected).", ids.len()),
        ));
    }
    Ok(ids)
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

    #[test]
    fn ids_parse_without_repeats_and_within_limits() {
        assert_eq!(parse_ids("12, 15,16,12,"), Ok(vec![12, 15, 16]));
        assert!(parse_ids(" , ").is_err());
        assert!(parse_ids("1,a").is_err());
        let many = (0..=MAX_REASSIGN).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(parse_ids(&many).is_err());
    }
}
