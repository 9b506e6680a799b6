//! An action's results for its admins: counts, rates, frequencies, the per-volunteer table, and
//! moving selected volunteers' contacts to someone else.

use crate::domain::action_results::ActionResults;
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Everything the results page shows; polled while the page is open.
#[server(endpoint = "get_action_results")]
pub async fn get_action_results(org_id: Uuid, action_id: Uuid) -> Result<ActionResults, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    let _caller = auth::require_member(&state, org_id, Role::Admin).await?;
    db::results::results(&state.read_db, org_id, action_id).await
}

/// Gives the selected volunteers' unsent contacts (`what` = "unsent") or their replies waiting
/// for an answer ("needs-attention") in this action to another member. `from` is a
/// comma-separated list of user ids. Answers how many moved.
#[server(endpoint = "reassign_volunteer_contacts")]
pub async fn reassign_volunteer_contacts(
    org_id: Uuid,
    action_id: Uuid,
    from: String,
    to: String,
    what: String,
) -> Result<u64, AppError> {
    use crate::domain::Role;
    use crate::server::db::results::Move;
    use crate::server::{auth, db, state};
    let state = state()?;
    let caller = auth::require_member(&state, org_id, Role::Admin).await?;
    let from: Vec<Uuid> = from
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Uuid::parse_str(s).map_err(|_| AppError::invalid("from", format!("\"{s}\" is not a volunteer id."))))
        .collect::<Result<_, _>>()?;
    if from.is_empty() {
        return Err(AppError::invalid("from", "Select the volunteers whose contacts should move."));
    }
    let to = Uuid::parse_str(to.trim()).map_err(|_| AppError::invalid("to", "Choose who gets the contacts."))?;
    let what = match what.trim() {
        "unsent" => Move::Unsent,
        "needs-attention" => Move::NeedsAttention,
        other => return Err(AppError::invalid("what", format!("\"{other}\" is neither unsent nor needs-attention."))),
    };
    db::results::reassign(&state.db, &caller, action_id, &from, to, what).await
}
