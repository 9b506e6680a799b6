//! The organization's carrier settings (migrations/0038).

use crate::domain::keyword_replies::KeywordReplies;
use crate::error::AppError;
use sqlx::PgPool;
use uuid::Uuid;

/// Who answers STOP and HELP; the carrier until an admin says otherwise. On a pool or inside
/// a transaction (the inbound webhook's).
pub async fn keyword_replies(db: impl sqlx::PgExecutor<'_>, org_id: Uuid) -> Result<KeywordReplies, AppError> {
    let stored: Option<String> =
        sqlx::query_scalar("select keyword_replies from carrier_settings where organization_id = $1")
            .bind(org_id)
            .fetch_optional(db)
            .await?;
    Ok(stored.and_then(|s| KeywordReplies::parse(&s).ok()).unwrap_or_default())
}

pub async fn set_keyword_replies(db: &PgPool, org_id: Uuid, choice: KeywordReplies) -> Result<(), AppError> {
    sqlx::query(
        r#"insert into carrier_settings (organization_id, keyword_replies) values ($1, $2)
           on conflict (organization_id) do update set keyword_replies = excluded.keyword_replies, updated_at = now()"#,
    )
    .bind(org_id)
    .bind(choice.as_str())
    .execute(db)
    .await?;
    Ok(())
}
