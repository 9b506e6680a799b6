//! Sending numbers taken out of use after the carrier's sender-level errors (migrations/0039;
//! which codes lead here: server/src/twilio/errors.rs).

use crate::error::AppError;
use sqlx::PgPool;
use uuid::Uuid;

/// 30007 (carrier filtering) this many times within an hour from one number quarantines it:
/// one filtered text can be its content, several are the number's reputation.
pub const FILTERED_REPEATS: i64 = 3;

/// A quarantined number, for the admins' banner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Quarantined {
    pub phone: String,
    pub error_code: i32,
    pub reason: String,
    pub quarantined_at: chrono::DateTime<chrono::Utc>,
}

/// Quarantines `phone` in the organization (once; the first reason is kept). Conversations
/// that texted from it forget it when the action has other pool numbers, so their next text
/// picks one of those; a number that is alone keeps its conversations, and the organization's
/// sending from it waits (see the outbox) until an admin releases it.
pub async fn quarantine(db: &PgPool, org_id: Uuid, phone: &str, code: i32, reason: &str) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let added = sqlx::query(
        r#"insert into sender_quarantine (organization_id, phone, error_code, reason) values ($1, $2, $3, left($4, 1000))
           on conflict do nothing"#,
    )
    .bind(org_id)
    .bind(phone)
    .bind(code)
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if added {
        sqlx::query(
            r#"update conversations c set sender_phone = null
               where c.organization_id = $1 and c.sender_phone = $2
                 and exists (select 1 from action_numbers n where n.action_id = c.action_id and n.released_at is null
                             and n.phone <> $2 and not sender_quarantined($1, n.phone))"#,
        )
        .bind(org_id)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    if added {
        tracing::error!(organization = %org_id, %phone, code, "sending number quarantined");
    }
    Ok(added)
}

/// After a status callback with error 30007: quarantines the message's number once it has been
/// filtered `FILTERED_REPEATS` times within the hour. Returns whether it did now.
pub async fn note_filtered(db: &PgPool, sid: &str) -> Result<bool, AppError> {
    let found: Option<(Uuid, String, i64)> = sqlx::query_as(
        r#"select m.organization_id, m.from_phone,
                  (select count(*) from messages f where f.from_phone = m.from_phone and f.error_code = 30007
                      and f.organization_id = m.organization_id and f.updated_at > now() - interval '1 hour')
           from messages m where m.twilio_sid = $1 and m.from_phone is not null"#,
    )
    .bind(sid)
    .fetch_optional(db)
    .await?;
    match found {
        Some((org, phone, filtered)) if filtered >= FILTERED_REPEATS => {
            let reason = format!(
                "Carriers filtered {filtered} texts from {phone} within an hour (Twilio 30007): check the content and the number's registration, then release it."
            );
            quarantine(db, org, &phone, 30007, &reason).await
        }
        _ => Ok(false),
    }
}

/// The message's sending number, for a callback naming a sender-level error.
pub async fn quarantine_sender_of(db: &PgPool, sid: &str, code: i32, reason: &str) -> Result<bool, AppError> {
    let found: Option<(Uuid, String)> = sqlx::query_as(
        "select organization_id, from_phone from messages where twilio_sid = $1 and from_phone is not null",
    )
    .bind(sid)
    .fetch_optional(db)
    .await?;
    match found {
        Some((org, phone)) => quarantine(db, org, &phone, code, reason).await,
        None => Ok(false),
    }
}

pub async fn list(db: &PgPool, org_id: Uuid) -> Result<Vec<Quarantined>, AppError> {
    Ok(sqlx::query_as(
        "select phone, error_code, reason, quarantined_at from sender_quarantine where organization_id = $1 order by quarantined_at",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?)
}

/// An admin fixed what the carrier objected to: the number may send again, now (a pause that
/// waits to try again is lifted; one for bad credentials stays until they work).
pub async fn release(db: &PgPool, org_id: Uuid, phone: &str) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let released = sqlx::query("delete from sender_quarantine where organization_id = $1 and phone = $2")
        .bind(org_id)
        .bind(phone)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if released {
        sqlx::query("delete from sending_pauses where organization_id = $1 and retry_at <> 'infinity'")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(released)
}

/// Why the organization's sending is paused, if it is (migrations/0020; the outbox sets it).
pub async fn sending_pause(
    db: &PgPool,
    org_id: Uuid,
) -> Result<Option<(String, chrono::DateTime<chrono::Utc>)>, AppError> {
    Ok(sqlx::query_as("select reason, paused_at from sending_pauses where organization_id = $1")
        .bind(org_id)
        .fetch_optional(db)
        .await?)
}
