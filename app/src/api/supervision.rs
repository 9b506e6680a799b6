//! Supervision: an admin's view of every texted conversation in the organization, newest
//! activity first, with filters that live in the page's URL; a thread read-only; and moving
//! selected conversations to another member. Admins only: volunteers get the same 403 as from
//! every other admin function.

use crate::error::AppError;
pub use crate::model::supervision::{
    ConversationPage, ConversationRow, Cursor, MemberChoice, RowStatus, StatusFilter, SupervisedThread,
    SupervisionChoices, SupervisionFilter, MAX_REASSIGN, PAGE_SIZE,
};
use leptos::prelude::*;
use uuid::Uuid;

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
    fn ids_parse_without_repeats_and_within_limits() {
        assert_eq!(parse_ids("12, 15,16,12,"), Ok(vec![12, 15, 16]));
        assert!(parse_ids(" , ").is_err());
        assert!(parse_ids("1,a").is_err());
        let many = (0..=MAX_REASSIGN).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(parse_ids(&many).is_err());
    }
}
