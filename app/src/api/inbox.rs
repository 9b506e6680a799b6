//! The volunteer's inbox: threads by filter with counts, a thread with the response scripts for
//! where the contact is in the branched script, reports, archive, opt-out and reassignment.
//! Every query is limited to the caller's own conversations.

use crate::error::AppError;
pub use crate::model::inbox::{
    Inbox, InboxCounts, InboxFilter, Notice, ReportField, ReportInput, ReportTag, ResponseChoice, Thread,
    ThreadMessage, ThreadSummary,
};
use leptos::prelude::*;
use uuid::Uuid;

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
pub async fn set_auto_archive(org_id: Uuid, #[server(default)] on: bool) -> Result<(), AppError> {
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
