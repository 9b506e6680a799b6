//! The send transaction: every guard checked, and the message queued in the outbox, in one
//! transaction, keyed by the browser's idempotency key.

use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::initial_scripts::InitialScripts;
use crate::domain::message_kind::MessageKind;
use crate::domain::script_template::{RenderContext, ScriptTemplate};
use crate::domain::script_tree::{Placement, ScriptTree};
use crate::domain::text_limits::MESSAGE_BODY;
use crate::domain::texting_window::WindowCheck;
use crate::error::AppError;
use crate::model::messaging::SentMessage;
use crate::model::settings::TextingSettings;
use crate::server::caller::Caller;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

pub use crate::domain::texting_window::OUTBOUND_LOCK_HOURS;

#[derive(sqlx::FromRow)]
struct Target {
    volunteer_id: Option<uuid::Uuid>,
    contact_phone: String,
    initial_sent_at: Option<DateTime<Utc>>,
    last_outbound_at: Option<DateTime<Utc>>,
    last_inbound_at: Option<DateTime<Utc>>,
    action_status: ActionStatus,
    initial_script: String,
    initial_variants: Vec<String>,
    script_image_id: Option<uuid::Uuid>,
    script_tree: serde_json::Value,
    first_name: String,
    last_name: String,
    custom: serde_json::Value,
    time_zones: Vec<String>,
    state: Option<String>,
    zip: Option<String>,
    custom_fields: Vec<String>,
    org_name: String,
}

async fn existing(db: impl sqlx::PgExecutor<'_>, caller: &Caller, key: &str) -> Result<Option<SentMessage>, AppError> {
    Ok(sqlx::query_as::<_, SentMessage>(
        "select id, status, body from messages where organization_id = $1 and idempotency_key = $2",
    )
    .bind(caller.org_id)
    .bind(key)
    .fetch_optional(db)
    .await?)
}

/// Sends `body` in the conversation as the caller. A repeated key answers with the message the
/// first request created, so a double click or a retry never sends twice. The message records
/// the press that made it (who, `now`, `session_hash`: the caller's session as
/// `auth::session_fingerprint` hashes it, and the script as rendered for this contact): the
/// proof that a person sent it (migrations/0035).
#[allow(clippy::too_many_arguments)]
pub async fn send(
    db: &PgPool,
    caller: &Caller,
    conversation_id: i64,
    body: &str,
    response: Option<&str>,
    key: &str,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<SentMessage, AppError> {
    if let Some(sent) = existing(db, caller, key).await? {
        return Ok(sent);
    }
    let mut tx = db.begin().await?;
    let target = sqlx::query_as::<_, Target>(
        r#"select c.volunteer_id, c.contact_phone, c.initial_sent_at, c.last_outbound_at, c.last_inbound_at,
                  a.status as action_status, a.initial_script, a.initial_variants, a.script_image_id, a.script_tree, k.first_name, k.last_name, k.custom, k.time_zones,
                  k.state, k.zip, l.custom_fields, o.name as org_name
           from conversations c
           join actions a on a.id = c.action_id
           join contacts k on k.id = c.contact_id
           join contact_lists l on l.id = k.list_id
           join organizations o on o.id = c.organization_id
           where c.id = $1 and c.organization_id = $2
           for update of c"#,
    )
    .bind(conversation_id)
    .bind(caller.org_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That conversation does not exist.".into()))?;

    // A concurrent request with the same key may have committed while we waited for the lock.
    if let Some(sent) = existing(&mut *tx, caller, key).await? {
        return Ok(sent);
    }
    // An admin may answer from the Conversations page, as themselves, once the contact has had
    // its first text; the first text stays with the volunteer the contact is assigned to.
    let admin_reply = caller.role.is_admin() && target.initial_sent_at.is_some();
    if target.volunteer_id != Some(caller.user.id) && !admin_reply {
        return Err(AppError::forbidden(if caller.role.is_admin() {
            "The first text goes from the volunteer this contact is assigned to; you can answer once it has been texted."
        } else {
            "This contact is not assigned to you."
        }));
    }
    match target.action_status {
        ActionStatus::Published => {}
        ActionStatus::Paused => {
            return Err(AppError::Conflict("This action is paused while an admin edits it. Try again soon.".into()))
        }
        ActionStatus::Closed => {
            return Err(AppError::Conflict("This action is closed; no more texts can be sent in it.".into()))
        }
        _ => return Err(AppError::Conflict("This action is not live yet.".into())),
    }
    // One send at a time per number in the organization, so the opt-out and lock checks below
    // cannot race a send to the same person from another action or tab.
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1::text || $2, 0))")
        .bind(caller.org_id)
        .bind(&target.contact_phone)
        .execute(&mut *tx)
        .await?;
    let opted_out: bool =
        sqlx::query_scalar("select exists (select 1 from opt_outs where organization_id = $1 and phone = $2)")
            .bind(caller.org_id)
            .bind(&target.contact_phone)
            .fetch_one(&mut *tx)
            .await?;
    if opted_out {
        return Err(AppError::Conflict("This person opted out of texts from your organization.".into()));
    }
    let undeliverable: bool = sqlx::query_scalar("select phone_undeliverable($1, $2)")
        .bind(caller.org_id)
        .bind(&target.contact_phone)
        .fetch_one(&mut *tx)
        .await?;
    if undeliverable {
        return Err(AppError::Conflict("The carrier reported that this number cannot receive texts.".into()));
    }

    // On this transaction's own connection: it holds the conversation's lock, and the presses
    // queued behind that lock may hold every other connection of the pool.
    let settings = crate::server::db::settings::get_in(&mut tx, caller.org_id).await?;
    // The organization's window ∩ the contact's state's hours, in every zone they may be in.
    let hours = settings.contact_hours(
        &target.time_zones,
        target.state.as_deref(),
        target.zip.as_deref(),
        &target.contact_phone,
    );
    match hours.check(now) {
        WindowCheck::Open { .. } => {}
        WindowCheck::Closed { .. } => {
            let wait = hours.wait(now).unwrap_or_default();
            return Err(AppError::Conflict(format!("Outside this contact's texting hours: {wait}.")));
        }
        WindowCheck::Never => {
            return Err(AppError::Conflict(
                "This contact's time zones never share open texting hours; ask an admin to widen the window.".into(),
            ));
        }
    }

    let initial = target.initial_sent_at.is_none();
    let context =
        render_context(&target.first_name, &target.last_name, &target.custom, caller, &target.org_name, &settings);
    let tree = ScriptTree::from_json(&target.script_tree);
    let placement = match response {
        Some(node_id) => Some(tree.find(node_id).ok_or_else(|| {
            AppError::invalid("response", "That response script is no longer in this action's script.")
        })?),
        None => None,
    };
    // Which variant of the initial script this text is (1 = the main script), for the results.
    let mut variant: Option<i16> = None;
    // The script as the server rendered it for this contact, kept with the press.
    let mut script_rendered: Option<String> = None;
    let kind = match (&placement, initial) {
        (Some(_), true) => {
            return Err(AppError::Conflict("Send the initial message before a response script.".into()));
        }
        (Some(p), false) => {
            let rendered = ScriptTemplate::parse(&p.node.body, &target.custom_fields)
                .map_err(|e| AppError::Conflict(format!("The response script has a problem: {e}")))?
                .render(&context);
            if body.trim() != rendered.trim() && settings.disable_custom_responses {
                return Err(AppError::forbidden(
                    "Custom text is turned off in this organization: send the response script as written.",
                ));
            }
            script_rendered = Some(rendered);
            MessageKind::Reply
        }
        (None, true) => {
            // The variant this contact was shown (chosen by the conversation, as on the screen).
            let scripts =
                InitialScripts::parse(&target.initial_script, &target.initial_variants, &target.custom_fields)
                    .map_err(|e| AppError::Conflict(format!("The initial script has a problem: {e}")))?;
            variant = Some(scripts.variant_index(conversation_id) as i16 + 1);
            let rendered = scripts.for_conversation(conversation_id).render(&context);
            if body.trim() != rendered.trim() && settings.disable_custom_responses {
                return Err(AppError::forbidden(
                    "Custom text is turned off in this organization: send the script as written.",
                ));
            }
            script_rendered = Some(rendered);
            MessageKind::Initial
        }
        (None, false) => {
            // The script again from a second tab or a stale screen: the first one already went.
            let rendered =
                InitialScripts::parse(&target.initial_script, &target.initial_variants, &target.custom_fields)
                    .map(|s| s.for_conversation(conversation_id).render(&context))
                    .unwrap_or_default();
            if body.trim() == rendered.trim() {
                return Err(AppError::Conflict(
                    "The first message to this contact in this action was already sent.".into(),
                ));
            }
            if settings.disable_custom_responses {
                return Err(AppError::forbidden(
                    "Custom text is turned off in this organization: reply with a response script.",
                ));
            }
            MessageKind::Custom
        }
    };
    if body.trim().is_empty() {
        return Err(AppError::invalid("body", "The message is empty."));
    }
    MESSAGE_BODY.check(body.trim()).map_err(|m| AppError::invalid(MESSAGE_BODY.field, m))?;

    // A reply to someone who wrote in is always allowed; otherwise the number rests 6 hours
    // after a text that may have reached it. One the carrier failed (a body it refused, a bad
    // number) reached nobody, so a corrected text may follow at once.
    let replying = matches!((target.last_inbound_at, target.last_outbound_at), (Some(inbound), Some(out)) if inbound > out)
        || (target.last_inbound_at.is_some() && target.last_outbound_at.is_none());
    if settings.outbound_lock && !replying {
        let recent: bool = sqlx::query_scalar(
            r#"select exists (select 1 from messages where organization_id = $1 and to_phone = $2
                              and direction = 'outbound' and created_at > $3
                              and not message_status_failed(status))"#,
        )
        .bind(caller.org_id)
        .bind(&target.contact_phone)
        .bind(now - Duration::hours(OUTBOUND_LOCK_HOURS))
        .fetch_one(&mut *tx)
        .await?;
        if recent {
            return Err(AppError::Conflict(format!(
                "This number was texted less than {OUTBOUND_LOCK_HOURS} hours ago (Outbound Message Lock Protection)."
            )));
        }
    }

    let inserted = sqlx::query_as::<_, SentMessage>(
        r#"insert into messages (organization_id, conversation_id, direction, kind, body, to_phone, idempotency_key, sent_by, script_node, image_id, variant,
                                pressed_at, press_session, script_rendered)
           values ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, left($13, 1600))
           on conflict (organization_id, idempotency_key) do nothing
           returning id, status, body"#,
    )
    .bind(caller.org_id)
    .bind(conversation_id)
    .bind(kind)
    .bind(body.trim())
    .bind(&target.contact_phone)
    .bind(key)
    .bind(caller.user.id)
    .bind(response)
    // The action's picture goes with the initial text only.
    .bind(if kind == MessageKind::Initial { target.script_image_id } else { None })
    .bind(variant)
    .bind(now)
    .bind(session_hash)
    .bind(script_rendered.as_deref().map(str::trim))
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| {
        if crate::server::db::is_unique_violation(&e, "messages_one_initial_idx") {
            AppError::Conflict("The first message to this contact in this action was already sent.".into())
        } else {
            e.into()
        }
    })?;
    let Some(sent) = inserted else {
        // The same key committed by a concurrent request while we checked: answer with it.
        drop(tx);
        return existing(db, caller, key).await?.ok_or(AppError::Internal);
    };
    sqlx::query(
        r#"update conversations set last_outbound_at = $2, initial_sent_at = coalesce(initial_sent_at, case when $3 then $2 end),
               initial_variant = coalesce(initial_variant, $4)
           where id = $1"#,
    )
    .bind(conversation_id)
    .bind(now)
    .bind(initial)
    .bind(variant)
    .execute(&mut *tx)
    .await?;
    if let Some(placement) = placement {
        apply_response(&mut tx, caller, conversation_id, &placement).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// What sending a response script records, in the send's transaction: the answer to the
/// question it answers (a later answer replaces an earlier one), where the contact now is in
/// the script, and the response's tags and custom-field values.
async fn apply_response(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    caller: &Caller,
    conversation_id: i64,
    placement: &Placement<'_>,
) -> Result<(), AppError> {
    let node = placement.node;
    if let Some(question_node) = placement.question_node {
        sqlx::query(
            r#"insert into survey_answers (conversation_id, question_node, question, answer_node, answer, answered_by)
               values ($1, $2, $3, $4, $5, $6)
               on conflict (conversation_id, question_node) do update
               set question = excluded.question, answer_node = excluded.answer_node, answer = excluded.answer,
                   answered_by = excluded.answered_by, answered_at = now()"#,
        )
        .bind(conversation_id)
        .bind(question_node)
        .bind(placement.question)
        .bind(&node.id)
        .bind(node.label.trim())
        .bind(caller.user.id)
        .execute(&mut **tx)
        .await?;
        sqlx::query("update conversations set script_node = $2 where id = $1")
            .bind(conversation_id)
            .bind(&node.id)
            .execute(&mut **tx)
            .await?;
    }
    // Only tags and fields that still exist in this organization (one may have been deleted
    // since the script was saved).
    sqlx::query(
        r#"insert into conversation_tags (conversation_id, tag_id, applied_by)
           select $1, t.id, $3 from tags t where t.id = any($2) and t.organization_id = $4
           on conflict do nothing"#,
    )
    .bind(conversation_id)
    .bind(&node.tags)
    .bind(caller.user.id)
    .bind(caller.org_id)
    .execute(&mut **tx)
    .await?;
    for fv in &node.field_values {
        sqlx::query(
            r#"insert into conversation_fields (conversation_id, field_id, value, updated_by)
               select $1, f.id, $3, $4 from custom_fields f where f.id = $2 and f.organization_id = $5
               on conflict (conversation_id, field_id) do update
               set value = excluded.value, updated_by = excluded.updated_by, updated_at = now()"#,
        )
        .bind(conversation_id)
        .bind(fv.field_id)
        .bind(fv.value.trim())
        .bind(caller.user.id)
        .bind(caller.org_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The values a script is rendered with for one contact and sender.
pub fn render_context(
    first_name: &str,
    last_name: &str,
    custom: &serde_json::Value,
    caller: &Caller,
    org_name: &str,
    settings: &TextingSettings,
) -> RenderContext {
    let custom_fields = custom
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
        .unwrap_or_default();
    RenderContext {
        contact_first_name: Some(first_name.to_string()),
        contact_last_name: Some(last_name.to_string()),
        sender_first_name: caller.user.display_name.split_whitespace().next().map(String::from),
        organization_name: org_name.to_string(),
        custom_fields,
        contact_fallback_first_name: settings.contact_fallback_name.clone(),
        sender_fallback_first_name: settings.sender_fallback_name.clone(),
    }
}
