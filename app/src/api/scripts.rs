//! The branched script of an action (question, answer choices with response scripts, responses
//! outside the tree) and its report settings. The editor saves the tree whole, as JSON; the
//! server checks it against what it knows (the list's fields, the organization's tags and
//! custom fields) before storing it.

use crate::domain::script_tree::ScriptTree;
use crate::error::AppError;
pub use crate::model::scripts::{tree_error_field, ScriptPage};
use leptos::prelude::*;
use uuid::Uuid;

#[server(endpoint = "get_script")]
pub async fn get_script(org_id: Uuid, action_id: Uuid) -> Result<ScriptPage, AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    db::scripts::page(&state.db, org_id, action_id).await
}

/// Stores the whole tree (`tree` is its JSON). A problem in it answers 422 with the field
/// `script:<node id>:<box>` so the editor can put the message next to the node.
#[server(endpoint = "save_script")]
pub async fn save_script(org_id: Uuid, action_id: Uuid, tree: String) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let tree = parse_tree(&tree)?;
    db::scripts::save(&state.db, org_id, action_id, &tree).await
}

/// Which tags (toggles) and custom fields (open questions) volunteers fill in when they file a
/// report; each a comma-separated list of ids.
#[server(endpoint = "save_report_settings")]
pub async fn save_report_settings(
    org_id: Uuid,
    action_id: Uuid,
    #[server(default)] tag_ids: String,
    #[server(default)] field_ids: String,
) -> Result<(), AppError> {
    use crate::domain::Role;
    use crate::server::{auth, db, state};
    let state = state()?;
    auth::require_member(&state, org_id, Role::Admin).await?;
    let tags = parse_ids(&tag_ids, "tag_ids")?;
    let fields = parse_ids(&field_ids, "field_ids")?;
    db::scripts::save_report_settings(&state.db, org_id, action_id, &tags, &fields).await
}

pub fn parse_tree(raw: &str) -> Result<ScriptTree, AppError> {
    if raw.len() > 1_000_000 {
        return Err(AppError::invalid("script", "The script is too large to save."));
    }
    serde_json::from_str(raw).map_err(|e| AppError::invalid("script", format!("The script could not be read: {e}")))
}

/// The node id and box of a `script:` error field.
pub fn parse_tree_error_field(field: &str) -> Option<(String, String)> {
    let rest = field.strip_prefix("script:")?;
    let (node, field) = rest.rsplit_once(':')?;
    Some((node.to_string(), field.to_string()))
}

pub fn parse_ids(raw: &str, field: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part.parse::<i64>().map_err(|_| AppError::invalid(field, format!("\"{part}\" is not an id.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields_round_trip() {
        let field = tree_error_field(Some("a-1"), "body");
        assert_eq!(field, "script:a-1:body");
        assert_eq!(parse_tree_error_field(&field), Some(("a-1".into(), "body".into())));
        assert_eq!(parse_tree_error_field("script::question"), Some(("".into(), "question".into())));
        assert_eq!(parse_tree_error_field("title"), None);
    }

    #[test]
    fn ids_and_trees_parse() {
        assert_eq!(parse_ids(" 3, 4,3 ,", "tag_ids").unwrap(), vec![3, 4]);
        assert!(parse_ids("3,x", "tag_ids").is_err());
        assert!(parse_tree("{\"answers\": 1}").is_err());
        assert!(parse_tree("{}").unwrap().is_empty());
    }
}
