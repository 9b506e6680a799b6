//! What carrier webhooks change: message statuses (idempotent, never regressing, even when the
//! callback beats the send's own record of the SID) and inbound replies (idempotent by SID,
//! routed by the contact's number and ours, opt-outs applied to the whole organization).

use crate::domain::keyword_replies::{stop_confirmation, KeywordReplies};
use crate::domain::message_status::MessageStatus;
use crate::domain::opt_out::{InboundIntent, OptOutWording};
use crate::error::AppError;
use sqlx::PgPool;

/// Applies a status callback. Returns false when no message has that SID yet: the callback is
/// then parked and applied when the sender records the SID (see `record_sid`). `from` is the
/// callback's From: for a Messaging Service send it is the first word of which number sent it,
/// recorded on the message and as the conversation's sender, so replies route to it.
pub async fn apply_status(
    db: &PgPool,
    sid: &str,
    status: &MessageStatus,
    error_code: Option<i32>,
    from: Option<&str>,
) -> Result<bool, AppError> {
    if let Some(from) = from {
        // Matches nothing once the number is known (every send from a number, and every later
        // callback of a service's send): one index lookup.
        sqlx::query(
            r#"with m as (update messages set from_phone = $2 where twilio_sid = $1 and from_phone is null
                          returning conversation_id)
               update conversations c set sender_phone = $2 from m
               where c.id = m.conversation_id and c.sender_phone is null"#,
        )
        .bind(sid)
        .bind(from)
        .execute(db)
        .await?;
    }
    // The order lives in one place, message_status_rank() in the database (migrations/0036).
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
            r#"insert into parked_statuses (twilio_sid, status, error_code, rank, from_phone)
               values ($1, $2, $3, message_status_rank($2), $4) on conflict do nothing"#,
        )
        .bind(sid)
        .bind(status)
        .bind(error_code)
        .bind(from)
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
    status: &MessageStatus,
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
    let parked: Option<(MessageStatus, Option<i32>, Option<String>)> = sqlx::query_as(
        r#"with gone as (delete from parked_statuses where twilio_sid = $1 returning status, error_code, rank, from_phone)
           select status, error_code, (select max(from_phone) from gone) from gone order by rank desc limit 1"#,
    )
    .bind(sid)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some((status, code, parked_from)) = parked {
        apply_status(db, sid, &status, code, parked_from.as_deref()).await?;
    }
    Ok(())
}

/// The inbound request as Twilio posted it, stored before anything else (see
/// migrations/0037): true when it is new. Its own statement, so it holds no lock a busy
/// database could keep it waiting on, and answers fast.
pub async fn store_inbound(
    db: &PgPool,
    sid: &str,
    params: &[(String, String)],
    source: InboundSource,
) -> Result<bool, AppError> {
    let (names, values): (Vec<&str>, Vec<&str>) = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).unzip();
    let stored = sqlx::query(
        r#"insert into inbound_requests (twilio_sid, param_names, param_values, source) values ($1, $2, $3, $4)
           on conflict (twilio_sid) do nothing"#,
    )
    .bind(sid)
    .bind(&names)
    .bind(&values)
    .bind(source.as_str())
    .execute(db)
    .await?;
    Ok(stored.rows_affected() == 1)
}

/// Where a stored inbound request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundSource {
    /// Twilio posted it to our webhook.
    Webhook,
    /// The inbound sweep found it listing the carrier's messages (the webhook never reached us).
    Sweep,
}

impl InboundSource {
    fn as_str(self) -> &'static str {
        match self {
            InboundSource::Webhook => "webhook",
            InboundSource::Sweep => "sweep",
        }
    }
}

/// A stored inbound request not yet processed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingInbound {
    pub twilio_sid: String,
    pub param_names: Vec<String>,
    pub param_values: Vec<String>,
}

impl PendingInbound {
    pub fn params(&self) -> Vec<(String, String)> {
        self.param_names.iter().cloned().zip(self.param_values.iter().cloned()).collect()
    }
}

/// Stored inbound requests still unprocessed after `older_than` (a crash between storing and
/// processing, or a processing error), oldest first.
pub async fn pending_inbound(
    db: &PgPool,
    older_than: std::time::Duration,
    limit: i64,
) -> Result<Vec<PendingInbound>, AppError> {
    Ok(sqlx::query_as(
        r#"select twilio_sid, param_names, param_values from inbound_requests
           where processed_at is null and received_at <= now() - make_interval(secs => $1)
           order by received_at limit $2"#,
    )
    .bind(older_than.as_secs_f64())
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Keeps why processing a stored request failed; it stays pending and is tried again.
pub async fn inbound_failed(db: &PgPool, sid: &str, error: &str) -> Result<(), AppError> {
    sqlx::query("update inbound_requests set last_error = left($2, 2000) where twilio_sid = $1")
        .bind(sid)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

/// Of these SIDs, the ones we already hold (stored or recorded as a message).
pub async fn known_inbound(db: &PgPool, sids: &[String]) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        r#"select s from unnest($1::text[]) s
           where exists (select 1 from inbound_requests where twilio_sid = s)
              or exists (select 1 from messages where twilio_sid = s)"#,
    )
    .bind(sids)
    .fetch_all(db)
    .await?)
}

/// The numbers texts reach us on, with how far back the sweep should look for each: an
/// action's pool numbers while held, `configured` (the sending number from the environment),
/// and any number we texted from in the last two days (a Messaging Service's picks).
pub async fn sweep_numbers(
    db: &PgPool,
    configured: Option<&str>,
) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, AppError> {
    Ok(sqlx::query_as(
        r#"with numbers as (
               select phone from action_numbers where released_at is null
               union select $1 where $1 is not null
               union select distinct from_phone from messages
                     where direction = 'outbound' and from_phone is not null and created_at > now() - interval '2 days')
           select n.phone, coalesce(s.swept_from, now() - interval '1 day')
           from numbers n left join inbound_sweeps s on s.phone = n.phone
           order by n.phone"#,
    )
    .bind(configured)
    .fetch_all(db)
    .await?)
}

/// A pass over `phone` that started at `started` finished: the next one looks from there.
pub async fn swept(db: &PgPool, phone: &str, started: chrono::DateTime<chrono::Utc>) -> Result<(), AppError> {
    sqlx::query(
        r#"insert into inbound_sweeps (phone, swept_from) values ($1, $2)
           on conflict (phone) do update set swept_from = greatest(inbound_sweeps.swept_from, excluded.swept_from)"#,
    )
    .bind(phone)
    .bind(started)
    .execute(db)
    .await?;
    Ok(())
}

/// Stores an inbound message once (by SID) and applies what it means, and marks its stored
/// request processed in the same transaction. Returns the conversation it joined, if it
/// matched one.
pub async fn record_inbound(db: &PgPool, sid: &str, from: &str, to: &str, body: &str) -> Result<Option<i64>, AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("update inbound_requests set processed_at = now(), last_error = null where twilio_sid = $1")
        .bind(sid)
        .execute(&mut *tx)
        .await?;
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
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, status, twilio_sid, media_urls)
           values ($1, $2, 'inbound', 'inbound', $3, $4, $5, 'received', $6,
                   -- Its pictures, MediaUrl0.. in order, from the request as Twilio posted it.
                   (select array_agg(p.value order by substring(p.name from 9)::int)
                    from inbound_requests r, unnest(r.param_names, r.param_values) as p(name, value)
                    where r.twilio_sid = $6 and p.name ~ '^MediaUrl[0-9]+$'))
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
    let intent = InboundIntent::classify(body);
    let we_answer = matches!(intent, InboundIntent::OptOut | InboundIntent::Help)
        && crate::server::db::carrier_settings::keyword_replies(&mut *tx, org).await? == KeywordReplies::Ours;
    match intent {
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
            // Only when we answer keywords: otherwise the carrier has confirmed it already.
            if let (Some((conversation_id, _)), true) = (conversation, we_answer) {
                let answering = Answering { org, conversation_id, inbound_id, sid, contact: from, our_number: to };
                queue_stop_confirmation(&mut tx, &answering).await?;
            }
        }
        InboundIntent::OptIn => {
            sqlx::query("delete from opt_outs where organization_id = $1 and phone = $2")
                .bind(org)
                .bind(from)
                .execute(&mut *tx)
                .await?;
        }
        // The carrier answers HELP itself unless the organization says we do.
        InboundIntent::Help if we_answer => {
            if let Some((conversation_id, _)) = conversation {
                let answering = Answering { org, conversation_id, inbound_id, sid, contact: from, our_number: to };
                queue_help_reply(&mut tx, &answering).await?;
            }
        }
        InboundIntent::Help | InboundIntent::Other => {}
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

/// The inbound text an automatic reply answers: the reply goes to its sender from the number
/// it was sent to, and is keyed by its SID.
#[derive(Clone, Copy)]
struct Answering<'a> {
    org: uuid::Uuid,
    conversation_id: i64,
    inbound_id: i64,
    sid: &'a str,
    contact: &'a str,
    our_number: &'a str,
}

/// Queues the organization's HELP answer to the contact, from the number they texted. Keyed by
/// the inbound SID, so however often the webhook is retried the answer is queued once; never
/// to a number that has opted out (the insert selects nothing then). It is an automatic reply:
/// no one pressed Send, and the message names the inbound text it answers (`auto_reply_to`,
/// which the database requires of every outbound message without a press). The conversation's
/// last_outbound_at is left alone: the contact wrote in, so a volunteer may still answer them
/// despite the 6-hour outbound lock.
async fn queue_help_reply(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, to: &Answering<'_>) -> Result<(), AppError> {
    let Answering { org, conversation_id, inbound_id, sid, contact, our_number } = *to;
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

/// Queues our one confirmation of a STOP, from the number they texted, keyed by the inbound
/// SID (a retried webhook or the sweep queues it once). It goes although the number is now
/// opted out: it is the answer to that very message (CTIA Messaging Principles and Best
/// Practices, 2023, 5.1.1: one confirmation, no further messages).
async fn queue_stop_confirmation(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    to: &Answering<'_>,
) -> Result<(), AppError> {
    let Answering { org, conversation_id, inbound_id, sid, contact, our_number } = *to;
    let name: String =
        sqlx::query_scalar("select name from organizations where id = $1").bind(org).fetch_one(&mut **tx).await?;
    sqlx::query(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, from_phone, idempotency_key, auto_reply_to)
           values ($1, $2, 'outbound', 'auto', $3, $4, $5, 'stop:' || $6, $7)
           on conflict (organization_id, idempotency_key) do nothing"#,
    )
    .bind(org)
    .bind(conversation_id)
    .bind(stop_confirmation(&name))
    .bind(contact)
    .bind(our_number)
    .bind(sid)
    .bind(inbound_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
