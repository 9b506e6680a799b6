//! The picture an action's initial script sends. Pictures are rows of their own and never
//! change, so a message queued with one keeps it whatever the admin does next.

use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::script_image::{ImageSlot, ScriptImage};
use crate::error::AppError;
use crate::server::caller::Caller;
use sqlx::PgPool;
use uuid::Uuid;

/// Stores the picture and makes it the action's, in one transaction with the action locked, as
/// any other edit: only while volunteers cannot be sending from it.
pub async fn attach(
    db: &PgPool,
    caller: &Caller,
    action_id: Uuid,
    slot: ImageSlot,
    image: &ScriptImage,
    file_name: &str,
) -> Result<Uuid, AppError> {
    let mut tx = db.begin().await?;
    lock_editable(&mut tx, caller, action_id, slot).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        r#"insert into script_images (id, organization_id, content_type, bytes, file_name, created_by)
           values ($1, $2, $3, $4, $5, $6)"#,
    )
    .bind(id)
    .bind(caller.org_id)
    .bind(image.kind().content_type())
    .bind(image.bytes())
    .bind(file_name.chars().take(200).collect::<String>())
    .bind(caller.user.id)
    .execute(&mut *tx)
    .await?;
    set(&mut tx, action_id, slot, Some(id)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn detach(db: &PgPool, caller: &Caller, action_id: Uuid, slot: ImageSlot) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    lock_editable(&mut tx, caller, action_id, slot).await?;
    set(&mut tx, action_id, slot, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes pictures nothing uses any more: replaced or removed from every action and never
/// sent. A picture a message went out with stays, so the thread keeps what the contact saw; a
/// fresh one is left a day, so an upload is never swept between its insert and its use.
pub async fn sweep_unused(db: &PgPool) -> Result<u64, AppError> {
    Ok(sqlx::query(
        r#"delete from script_images i
           where i.created_at < now() - interval '1 day'
             and not exists (select 1 from actions a where a.script_image_id = i.id or a.card_image_id = i.id)
             and not exists (select 1 from messages m where m.image_id = i.id)"#,
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A picture and its type, for the carrier (and the admin's preview) to fetch.
pub async fn fetch(db: &PgPool, image_id: Uuid) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(sqlx::query_as("select content_type, bytes from script_images where id = $1")
        .bind(image_id)
        .fetch_optional(db)
        .await?)
}

async fn lock_editable(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    caller: &Caller,
    action_id: Uuid,
    slot: ImageSlot,
) -> Result<(), AppError> {
    let status: Option<ActionStatus> =
        sqlx::query_scalar("select status from actions where id = $1 and organization_id = $2 for update")
            .bind(action_id)
            .bind(caller.org_id)
            .fetch_optional(&mut **tx)
            .await?;
    match status {
        None => Err(AppError::NotFound("That action does not exist.".into())),
        Some(ActionStatus::Closed) => {
            Err(AppError::Conflict("A closed action cannot be edited. Duplicate it instead.".into()))
        }
        // The card's image is never texted, so it may change while the action is live.
        Some(status) if !status.editable() && slot == ImageSlot::Script => Err(AppError::Conflict(
            "Pause the action before changing its picture, so volunteers never send from a changing script.".into(),
        )),
        Some(_) => Ok(()),
    }
}

async fn set(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    action_id: Uuid,
    slot: ImageSlot,
    image_id: Option<Uuid>,
) -> Result<(), AppError> {
    // The estimate shown before publishing is computed afresh, so it turns to MMS by itself.
    let sql = match slot {
        ImageSlot::Script => "update actions set script_image_id = $2 where id = $1",
        ImageSlot::Card => "update actions set card_image_id = $2 where id = $1",
    };
    sqlx::query(sql).bind(action_id).bind(image_id).execute(&mut **tx).await?;
    Ok(())
}
