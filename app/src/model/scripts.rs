//! The scripts types that travel between the browser and the server, shared by the server
//! functions (`api::scripts`) and the queries (`server::db`).

use crate::domain::script_template::RenderContext;
use crate::domain::script_tree::ScriptTree;
use crate::model::data::OrgData;
use serde::{Deserialize, Serialize};

/// What the script editor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptPage {
    pub tree: ScriptTree,
    /// The initial script as last saved, so the preview starts where the conversation does.
    pub initial_script: String,
    /// Draft, scheduled or paused: the same rule as the basic information.
    pub editable: bool,
    pub data: OrgData,
    /// Custom fields of the action's list, usable as `{custom:name}` variables.
    pub list_fields: Vec<String>,
    /// Values for the preview: the list's first contact, or made-up ones without a list.
    pub sample: RenderContext,
    pub sample_from_list: bool,
    pub report_tag_ids: Vec<i64>,
    pub report_field_ids: Vec<i64>,
}

/// The form field a tree problem is reported on: `script:<node id>:<box>` (no id: the initial
/// question).
pub fn tree_error_field(node_id: Option<&str>, field: &str) -> String {
    format!("script:{}:{field}", node_id.unwrap_or(""))
}
