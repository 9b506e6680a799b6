use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::script_template::RenderContext;
use crate::domain::script_tree::{Known, ScriptTree};
use crate::error::AppError;
use crate::model::scripts::{tree_error_field, ScriptPage};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::BTreeMap;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::NotFound("That action does not exist.".into())
}

#[derive(sqlx::FromRow)]
struct Row {
    status: ActionStatus,
    contact_list_id: Option<Uuid>,
    script_tree: sqlx::types::Json<serde_json::Value>,
    initial_script: String,
    report_tag_ids: Vec<i64>,
    report_field_ids: Vec<i64>,
}

async fn row(db: impl sqlx::PgExecutor<'_>, org_id: Uuid, action_id: Uuid, lock: bool) -> Result<Row, AppError> {
    let sql = format!(
        "select status, contact_list_id, script_tree, initial_script, report_tag_ids, report_field_ids from actions where id = $1 and organization_id = $2{}",
        if lock { " for update" } else { "" }
    );
    sqlx::query_as::<_, Row>(&sql).bind(action_id).bind(org_id).fetch_optional(db).await?.ok_or_else(not_found)
}

fn refuse_unless_editable(status: ActionStatus) -> Result<(), AppError> {
    if status.editable() {
        return Ok(());
    }
    Err(AppError::Conflict(match status {
        ActionStatus::Closed => "A closed action cannot be edited. Duplicate it instead.".into(),
        _ => "Pause the action before editing its script, so volunteers never send from a changing script.".into(),
    }))
}

pub async fn page(db: &PgPool, org_id: Uuid, action_id: Uuid) -> Result<ScriptPage, AppError> {
    let action = row(db, org_id, action_id, false).await?;
    let data = crate::server::db::data::list(db, org_id).await?;
    let list_fields: Vec<String> = match action.contact_list_id {
        Some(list) => sqlx::query_scalar("select custom_fields from contact_lists where id = $1")
            .bind(list)
            .fetch_optional(db)
            .await?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let settings = crate::server::db::settings::get(db, org_id).await?;
    let org_name: String =
        sqlx::query_scalar("select name from organizations where id = $1").bind(org_id).fetch_one(db).await?;
    let first: Option<(Option<String>, Option<String>, sqlx::types::Json<BTreeMap<String, String>>)> = match action
        .contact_list_id
    {
        Some(list) => {
            sqlx::query_as("select first_name, last_name, custom from contacts where list_id = $1 order by id limit 1")
                .bind(list)
                .fetch_optional(db)
                .await?
        }
        None => None,
    };
    let sample_from_list = first.is_some();
    let (first_name, last_name, custom) = match first {
        Some((f, l, c)) => (f, l, c.0),
        None => (
            Some("Jordan".to_string()),
            Some("Rivera".to_string()),
            list_fields.iter().map(|f| (f.clone(), format!("[{f}]"))).collect(),
        ),
    };
    let sample = RenderContext {
        contact_first_name: first_name,
        contact_last_name: last_name,
        // Whoever sends it; a sample name stands in.
        sender_first_name: Some("Sam".into()),
        organization_name: org_name,
        custom_fields: custom,
        contact_fallback_first_name: settings.contact_fallback_name.clone(),
        sender_fallback_first_name: settings.sender_fallback_name.clone(),
    };
    Ok(ScriptPage {
        tree: ScriptTree::from_json(&action.script_tree.0),
        initial_script: action.initial_script,
        editable: action.status.editable(),
        data,
        list_fields,
        sample,
        sample_from_list,
        report_tag_ids: action.report_tag_ids,
        report_field_ids: action.report_field_ids,
    })
}

async fn org_ids(tx: &mut Transaction<'_, Postgres>, org_id: Uuid, table: &str) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar(&format!("select id from {table} where organization_id = $1"))
        .bind(org_id)
        .fetch_all(&mut **tx)
        .await?)
}

pub async fn save(db: &PgPool, org_id: Uuid, action_id: Uuid, tree: &ScriptTree) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    // Locked, so a publish cannot slip in between the check and the write.
    let action = row(&mut *tx, org_id, action_id, true).await?;
    refuse_unless_editable(action.status)?;
    let list_fields: Vec<String> = match action.contact_list_id {
        Some(list) => sqlx::query_scalar("select custom_fields from contact_lists where id = $1")
            .bind(list)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let tag_ids = org_ids(&mut tx, org_id, "tags").await?;
    let field_ids = org_ids(&mut tx, org_id, "custom_fields").await?;
    tree.validate(&Known { list_fields: &list_fields, tag_ids: &tag_ids, field_ids: &field_ids })
        .map_err(|e| AppError::invalid(&tree_error_field(e.node_id.as_deref(), e.field), e.to_string()))?;
    sqlx::query("update actions set script_tree = $3 where id = $1 and organization_id = $2")
        .bind(action_id)
        .bind(org_id)
        .bind(sqlx::types::Json(tree))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_report_settings(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    tags: &[i64],
    fields: &[i64],
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let action = row(&mut *tx, org_id, action_id, true).await?;
    refuse_unless_editable(action.status)?;
    let tag_ids = org_ids(&mut tx, org_id, "tags").await?;
    if let Some(t) = tags.iter().find(|t| !tag_ids.contains(t)) {
        return Err(AppError::invalid("tag_ids", format!("Tag {t} does not exist in this organization.")));
    }
    let field_ids = org_ids(&mut tx, org_id, "custom_fields").await?;
    if let Some(f) = fields.iter().find(|f| !field_ids.contains(f)) {
        return Err(AppError::invalid("field_ids", format!("Custom field {f} does not exist in this organization.")));
    }
    sqlx::query("update actions set report_tag_ids = $3, report_field_ids = $4 where id = $1 and organization_id = $2")
        .bind(action_id)
        .bind(org_id)
        .bind(tags)
        .bind(fields)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
