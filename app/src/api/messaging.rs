//! Sending a text: one human action, one message, checked against every rule at once.

use crate::error::AppError;
pub use crate::model::messaging::SentMessage;
use leptos::prelude::*;
use uuid::Uuid;

/// Queues `body` for the contact of `conversation_id`. `idempotency_key` comes from the
/// browser, one per press of Send: retries and double clicks reuse it and get the same answer.
/// `response` names the response script (a node of the action's branched script) the text
/// came from: sending it records the survey answer and applies its tags and field values.
#[server(endpoint = "send_message")]
pub async fn send_message(
    org_id: Uuid,
    conversation_id: i64,
    body: String,
    idempotency_key: String,
    #[server(default)] response: String,
) -> Result<SentMessage, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Volunteer).await?;
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::invalid("idempotency_key", "A send needs a request key of 1 to 100 characters."));
    }
    let response = Some(response.trim()).filter(|r| !r.is_empty());
    let session = auth::session_fingerprint().await?;
    db::messaging::send(
        &state.db,
        &caller,
        conversation_id,
        &body,
        response,
        key,
        &session,
        crate::server::clock::now(),
    )
    .await
}
