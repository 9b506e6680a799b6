//! What carrier webhooks change: message statuses (idempotent, never regressing, even when the
//! callback beats the send's own record of the SID) and inbound replies (idempotent by SID,
//! routed by the contact's number and ours, opt-outs applied to the whole organization).

use crate::domain::opt_out::{InboundIntent, OptOutWording};
use crate::error::AppError;
use sqlx::PgPool;

/// Applies a status callback. Returns false when no message has that SID yet: the callback is
/// then parked and applied when the sender records the SID (see `record_sid`).
pub async fn apply_status(db: &PgPool, sid: &str, status: &str, error_code: Option<i32>) -> Result<bool, AppError> {
    // The order lives in one place, message_status_rank() in the database.
    let updated = sqlx::query(
        r#"update messages set status = $2, error_code = coalesce($3, error_code)
           where twilio_sid = $1 and message_status_rank($2) > message_status_rank(status)"#,
    )
    .bind(sid)
    .bind(status)
    .bind(error_code)
    .execute(db)
    .await?;
    if updated.rows_affected() > 0 {
        return Ok(true);
    }
    let known: bool = sqlx::query_scalar("select exists (select 1 from messages where twilio_sid = $1)")
        .bind(sid)
        .fetch_one(db)
        .await?;
    if !known {
        sqlx::query(
            "insert into parked_statuses (twilio_sid, status, error_code, rank) values ($1, $2, $3, message_status_rank($2)) on conflict do nothing",
        )
        .bind(sid)
        .bind(status)
        .bind(error_code)
        .execute(db)
        .await?;
    }
    Ok(known)
}

/// Records the SID the carrier gave a message, then applies any status that arrived first.
pub async fn record_sid(
    db: &PgPool,
    message_id: i64,
    sid: &str,
    status: &str,
    from_phone: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "update messages set twilio_sid = $2, status = $3, from_phone = coalesce($4, from_phone), sent_at = coalesce(sent_at, now()) where id = $1",
    )
    .bind(message_id)
    .bind(sid)
    .bind(status)
    .bind(from_phone)
    .execute(&mut *tx)
    .await?;
    let parked: Option<(String, Option<i32>)> = sqlx::query_as(
        r#"with gone as (delete from parked_statuses where twilio_sid = $1 returning status, error_code, rank)
           select status, error_code from gone order by rank desc limit 1"#,
    )
    .bind(sid)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some((status, code)) = parked {
        apply_status(db, sid, &status, code).await?;
    }
    Ok(())
}

/// Stores an inbound message once (by SID) and applies what it means. Returns the
/// conversation it joined, if it matched one.
pub async fn record_inbound(db: &PgPool, sid: &str, from: &str, to: &str, body: &str) -> Result<Option<i64>, AppError> {
    let mut tx = db.begin().await?;
    // Sticky sender: the contact's number and the number we texted them from.
    let conversation: Option<(i64, uuid::Uuid)> = sqlx::query_as(
        r#"select id, organization_id from conversations
           where contact_phone = $1 and sender_phone = $2
           order by coalesce(last_outbound_at, assigned_at) desc limit 1"#,
    )
    .bind(from)
    .bind(to)
    .fetch_optional(&mut *tx)
    .await?;
    let org: Option<uuid::Uuid> = match conversation {
        Some((_, org)) => Some(org),
        // Unknown senders are kept: the organization that owns the number we were texted on
        // (an action's pool number, else the one its texts last came from).
        None => {
            sqlx::query_scalar(
                r#"select coalesce(
                       (select organization_id from action_numbers where phone = $1 and released_at is null),
                       (select organization_id from messages where from_phone = $1 order by id desc limit 1))"#,
            )
            .bind(to)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    let Some(org) = org else {
        tracing::warn!(%to, "inbound message to a number no organization uses; kept unrouted");
        sqlx::query(
            "insert into unrouted_inbound (twilio_sid, from_phone, to_phone, body) values ($1, $2, $3, $4) on conflict do nothing",
        )
        .bind(sid)
        .bind(from)
        .bind(to)
        .bind(body)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(None);
    };
    let inserted: Option<i64> = sqlx::query_scalar(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, twilio_sid)
           values ($1, $2, 'inbound', 'inbound', $3, $4, $5, 'received', $6)
           on conflict (twilio_sid) do nothing
           returning id"#,
    )
    .bind(org)
    .bind(conversation.map(|c| c.0))
    .bind(body)
    .bind(to)
    .bind(from)
    .bind(sid)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(inbound_id) = inserted else {
        // A retried webhook: already stored and applied.
        tx.commit().await?;
        return Ok(conversation.map(|c| c.0));
    };
    match InboundIntent::classify(body) {
        InboundIntent::OptOut => {
            // Keyword or phrase, with what they wrote: the record of how they said stop.
            let source = OptOutWording::of(body).unwrap_or(OptOutWording::Keyword).source();
            sqlx::query(
                r#"insert into opt_outs (organization_id, phone, source, detail) values ($1, $2, $3, left($4, 1600))
                   on conflict do nothing"#,
            )
            .bind(org)
            .bind(from)
            .bind(source)
            .bind(body)
            .execute(&mut *tx)
            .await?;
            // Every conversation with this number shows why it went quiet. START lifts the
            // opt-out but leaves the tag: it is the record that they once said stop.
            sqlx::query(
                r#"insert into conversation_tags (conversation_id, tag_id)
                   select c.id, t.id from conversations c, (select opt_out_tag($1) as id) t
                   where c.organization_id = $1 and c.contact_phone = $2
                   on conflict do nothing"#,
            )
            .bind(org)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        }
        InboundIntent::OptIn => {
            sqlx::query("delete from opt_outs where organization_id = $1 and phone = $2")
                .bind(org)
                .bind(from)
                .execute(&mut *tx)
                .await?;
        }
        InboundIntent::Help => {
            if let Some((conversation_id, _)) = conversation {
                queue_help_reply(&mut tx, org, conversation_id, inbound_id, sid, from, to).await?;
            }
        }
        InboundIntent::Other => {}
    }
    if let Some((id, _)) = conversation {
        sqlx::query("update conversations set last_inbound_at = now(), archived_at = null where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(conversation.map(|c| c.0))
}

/// Queues the organization's HELP answer to the contact, from the number they texted. Keyed by
/// the inbound SID, so however often the webhook is retried the answer is queued once; never
/// to a number that has opted out (the insert selects nothing then). It is an automatic reply:
/// no one pressed Send, and the message names the inbound text it answers (`auto_reply_to`,
/// which the database requires of every outbound message without a press). The conversation's
/// last_outbound_at is left alone: the contact wrote in, so a volunteer may still answer them
/// despite the 6-hour outbound lock.
async fn queue_help_reply(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    org: uuid::Uuid,
    conversation_id: i64,
    inbound_id: i64,
    sid: &str,
    contact: &str,
    our_number: &str,
) -> Result<(), AppError> {
    sqlx::query("insert into texting_settings (organization_id) values ($1) on conflict do nothing")
        .bind(org)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, idempotency_key, auto_reply_to)
           select o.id, $2, 'outbound', 'auto', replace(s.help_reply, '{organizationName}', o.name), $4, $5, 'help:' || $3, $6
           from organizations o join texting_settings s on s.organization_id = o.id
           where o.id = $1 and not exists (select 1 from opt_outs where organization_id = $1 and phone = $4)
           on conflict (organization_id, idempotency_key) do nothing"#,
    )
    .bind(org)
    .bind(conversation_id)
    .bind(sid)
    .bind(contact)
    .bind(our_number)
    .bind(inbound_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
