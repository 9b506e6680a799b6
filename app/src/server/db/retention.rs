//! Retention: the contacts, messages and reports of actions closed more than the organization's
//! `retention_days` ago are deleted by the clock task. Each statement deletes at most
//! `BATCH_ROWS` rows in its own short transaction, so no table is locked for long and sends,
//! webhooks and imports carry on meanwhile; a crash half way leaves the rest for the next run.
//!
//! What stays: the action itself (title, settings) and its result counts (`action_counts` and the
//! hourly chart are aggregates: their triggers leave them alone when a conversation goes), and
//! every opt-out, which is an obligation to the person, not data to forget. A list's contacts go
//! once every action that used the list has been emptied; the list's name stays with a count of 0.

use crate::domain::retention::RetentionDays;
use crate::error::AppError;
use sqlx::PgPool;
use uuid::Uuid;

/// Rows per delete statement.
pub const BATCH_ROWS: i64 = 1_000;

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionRun {
    pub actions: u64,
    pub messages: u64,
    pub conversations: u64,
    pub contacts: u64,
}

/// The organization's setting (None: kept).
pub async fn get(db: &PgPool, org_id: Uuid) -> Result<Option<RetentionDays>, AppError> {
    let days: Option<Option<i32>> =
        sqlx::query_scalar("select retention_days from texting_settings where organization_id = $1")
            .bind(org_id)
            .fetch_optional(db)
            .await?;
    Ok(RetentionDays::from_stored(days.flatten()))
}

pub async fn set(db: &PgPool, org_id: Uuid, days: Option<RetentionDays>) -> Result<(), AppError> {
    sqlx::query(
        r#"insert into texting_settings (organization_id, retention_days) values ($1, $2)
           on conflict (organization_id) do update set retention_days = excluded.retention_days"#,
    )
    .bind(org_id)
    .bind(days.map(RetentionDays::days))
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes what retention says is due, action by action, oldest first.
pub async fn run(db: &PgPool) -> Result<RetentionRun, AppError> {
    let due: Vec<Uuid> = sqlx::query_scalar(
        r#"select a.id from actions a join texting_settings s on s.organization_id = a.organization_id
           where a.status = 'closed' and a.data_deleted_at is null and s.retention_days is not null
             and a.closed_at < now() - make_interval(days => s.retention_days)
           order by a.closed_at"#,
    )
    .fetch_all(db)
    .await?;
    let mut run = RetentionRun::default();
    for action in due {
        empty_action(db, action, &mut run).await?;
    }
    Ok(run)
}

/// Repeats `sql` (a delete of at most BATCH_ROWS rows bound to `action`) until it deletes none.
async fn in_batches(db: &PgPool, sql: &str, action: Uuid) -> Result<u64, AppError> {
    let mut total = 0;
    loop {
        let n = sqlx::query(sql).bind(action).bind(BATCH_ROWS).execute(db).await?.rows_affected();
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

async fn empty_action(db: &PgPool, action: Uuid, run: &mut RetentionRun) -> Result<(), AppError> {
    run.messages += in_batches(
        db,
        r#"delete from messages where id in (
               select m.id from conversations c join messages m on m.conversation_id = c.id
               where c.action_id = $1 limit $2)"#,
        action,
    )
    .await?;
    // Tags, field values, survey answers, reports and skips go with their conversation.
    run.conversations += in_batches(
        db,
        "delete from conversations where id in (select id from conversations where action_id = $1 limit $2)",
        action,
    )
    .await?;
    let list: Option<Uuid> = sqlx::query_scalar(
        "update actions set data_deleted_at = now() where id = $1 and data_deleted_at is null returning contact_list_id",
    )
    .bind(action)
    .fetch_optional(db)
    .await?
    .flatten();
    run.actions += 1;
    // The list's contacts, once no action that still keeps its data uses the list.
    if let Some(list) = list {
        let in_use: bool = sqlx::query_scalar(
            "select exists (select 1 from actions where contact_list_id = $1 and data_deleted_at is null)",
        )
        .bind(list)
        .fetch_one(db)
        .await?;
        if !in_use {
            loop {
                let n = sqlx::query(
                    "delete from contacts where id in (select id from contacts where list_id = $1 limit $2)",
                )
                .bind(list)
                .bind(BATCH_ROWS)
                .execute(db)
                .await?
                .rows_affected();
                run.contacts += n;
                if n == 0 {
                    break;
                }
            }
            sqlx::query("update contact_lists set contact_count = 0 where id = $1").bind(list).execute(db).await?;
        }
    }
    Ok(())
}
