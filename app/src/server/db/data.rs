use crate::error::AppError;
use crate::model::data::{CustomField, DataKind, OrgData, Tag};
use sqlx::PgPool;
use uuid::Uuid;

fn table(kind: DataKind) -> &'static str {
    match kind {
        DataKind::Tag => "tags",
        DataKind::Field => "custom_fields",
    }
}

fn not_found(kind: DataKind) -> AppError {
    AppError::NotFound(format!("That {} does not exist.", kind.noun()))
}

fn duplicate_name(kind: DataKind, name: &str) -> AppError {
    AppError::invalid("name", format!("There is already a {} named \"{name}\" (names ignore case).", kind.noun()))
}

fn is_name_clash(error: &sqlx::Error) -> bool {
    super::is_unique_violation(error, "tags_org_name_idx")
        || super::is_unique_violation(error, "custom_fields_org_name_idx")
}

pub async fn list(db: &PgPool, org_id: Uuid) -> Result<OrgData, AppError> {
    // The Opt Out tag is listed from the start, so admins see it before anyone opts out.
    sqlx::query("select opt_out_tag($1) where not exists (select 1 from tags where organization_id = $1 and built_in)")
        .bind(org_id)
        .execute(db)
        .await?;
    let tags = sqlx::query_as::<_, Tag>(
        "select id, name, built_in from tags where organization_id = $1 order by built_in desc, lower(name), id",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    let fields = sqlx::query_as::<_, CustomField>(
        "select id, name from custom_fields where organization_id = $1 order by lower(name), id",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    Ok(OrgData { tags, fields })
}

pub async fn create(db: &PgPool, org_id: Uuid, kind: DataKind, name: &str) -> Result<i64, AppError> {
    let sql = format!("insert into {} (organization_id, name) values ($1, $2) returning id", table(kind));
    match sqlx::query_scalar(&sql).bind(org_id).bind(name).fetch_one(db).await {
        Ok(id) => Ok(id),
        Err(e) if is_name_clash(&e) => Err(duplicate_name(kind, name)),
        Err(e) => Err(e.into()),
    }
}

async fn refuse_built_in(db: &PgPool, org_id: Uuid, kind: DataKind, id: i64, doing: &str) -> Result<(), AppError> {
    let built_in: Option<bool> = match kind {
        DataKind::Tag => {
            sqlx::query_scalar("select built_in from tags where id = $1 and organization_id = $2")
                .bind(id)
                .bind(org_id)
                .fetch_optional(db)
                .await?
        }
        DataKind::Field => {
            sqlx::query_scalar("select false from custom_fields where id = $1 and organization_id = $2")
                .bind(id)
                .bind(org_id)
                .fetch_optional(db)
                .await?
        }
    };
    match built_in {
        None => Err(not_found(kind)),
        Some(true) => Err(AppError::Conflict(format!(
            "The Opt Out tag is built in: it cannot be {doing}, because opt-outs apply it."
        ))),
        Some(false) => Ok(()),
    }
}

pub async fn rename(db: &PgPool, org_id: Uuid, kind: DataKind, id: i64, name: &str) -> Result<(), AppError> {
    refuse_built_in(db, org_id, kind, id, "renamed").await?;
    let sql = format!("update {} set name = $3 where id = $1 and organization_id = $2", table(kind));
    match sqlx::query(&sql).bind(id).bind(org_id).bind(name).execute(db).await {
        Ok(r) if r.rows_affected() == 0 => Err(not_found(kind)),
        Ok(_) => Ok(()),
        Err(e) if is_name_clash(&e) => Err(duplicate_name(kind, name)),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(db: &PgPool, org_id: Uuid, kind: DataKind, id: i64) -> Result<(), AppError> {
    refuse_built_in(db, org_id, kind, id, "deleted").await?;
    // A script that applies it would fail to send; the admin takes it out of the script first.
    let path = match kind {
        DataKind::Tag => "$.**.tags[*] ? (@ == $id)",
        DataKind::Field => "$.**.field_values[*].field_id ? (@ == $id)",
    };
    let user: Option<String> = sqlx::query_scalar(
        r#"select title from actions
           where organization_id = $1 and status <> 'closed'
             and jsonb_path_exists(script_tree, $2::jsonpath, jsonb_build_object('id', $3::bigint))
           order by created_at limit 1"#,
    )
    .bind(org_id)
    .bind(path)
    .bind(id)
    .fetch_optional(db)
    .await?;
    if let Some(title) = user {
        return Err(AppError::Conflict(format!(
            "The script of \"{title}\" uses this {}; take it out of the script first.",
            kind.noun()
        )));
    }
    let mut tx = db.begin().await?;
    let column = match kind {
        DataKind::Tag => "report_tag_ids",
        DataKind::Field => "report_field_ids",
    };
    sqlx::query(&format!("update actions set {column} = array_remove({column}, $2) where organization_id = $1"))
        .bind(org_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query(&format!("delete from {} where id = $1 and organization_id = $2", table(kind)))
        .bind(id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(not_found(kind));
    }
    tx.commit().await?;
    Ok(())
}
