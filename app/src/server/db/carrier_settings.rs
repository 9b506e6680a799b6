//! The organization's carrier settings (migrations/0038, 0040).

use crate::domain::keyword_replies::KeywordReplies;
use crate::domain::sender_type::SendRates;
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

/// Both settings, defaults where none was saved.
pub async fn settings(db: &PgPool, org_id: Uuid) -> Result<(KeywordReplies, SendRates), AppError> {
    type Row = (String, Option<i32>, Option<i32>, Option<i32>);
    let stored: Option<Row> = sqlx::query_as(
        r#"select keyword_replies, long_code_per_sec, toll_free_per_sec, short_code_per_sec
           from carrier_settings where organization_id = $1"#,
    )
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    let Some((replies, long_code, toll_free, short_code)) = stored else {
        return Ok(Default::default());
    };
    let rate = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    Ok((
        KeywordReplies::parse(&replies).unwrap_or_default(),
        SendRates { long_code: rate(long_code), toll_free: rate(toll_free), short_code: rate(short_code) },
    ))
}

pub async fn save(db: &PgPool, org_id: Uuid, replies: KeywordReplies, rates: SendRates) -> Result<(), AppError> {
    let rate = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok());
    sqlx::query(
        r#"insert into carrier_settings (organization_id, keyword_replies, long_code_per_sec, toll_free_per_sec, short_code_per_sec)
           values ($1, $2, $3, $4, $5)
           on conflict (organization_id) do update
           set keyword_replies = excluded.keyword_replies, long_code_per_sec = excluded.long_code_per_sec,
               toll_free_per_sec = excluded.toll_free_per_sec, short_code_per_sec = excluded.short_code_per_sec,
               updated_at = now()"#,
    )
    .bind(org_id)
    .bind(replies.as_str())
    .bind(rate(rates.long_code))
    .bind(rate(rates.toll_free))
    .bind(rate(rates.short_code))
    .execute(db)
    .await?;
    Ok(())
}
