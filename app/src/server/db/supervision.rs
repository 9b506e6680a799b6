//! Supervision queries: every texted conversation of an organization (never another's), for its
//! admins. The caller's role is checked by the server function; every statement here is
//! limited to `organization_id = org`.

use crate::domain::Role;
use crate::error::AppError;
use crate::model::supervision::{
    ConversationPage, ConversationRow, Cursor, MemberChoice, RowStatus, StatusFilter, SupervisedThread,
    SupervisionChoices, SupervisionFilter,
};
use crate::server::caller::Caller;
use crate::server::db::conversation_state::OPTED_OUT;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// SQL over `conversations c`.
const ACTIVITY: &str = "greatest(c.last_inbound_at, c.last_outbound_at)";
/// The volunteer's Needs Attention (the contact wrote last, with neither a reply nor a report
/// since, and the number did not opt out), for threads that are not archived.
fn needs_attention() -> String {
    format!("(c.archived_at is null and {})", crate::server::db::conversation_state::needs_attention())
}
/// Over the lateral `lo` (the conversation's last outbound message).
const FAILED: &str = "coalesce(message_status_failed(lo.status), false)";

pub async fn options(db: &PgPool, org_id: Uuid) -> Result<SupervisionChoices, AppError> {
    let actions: Vec<(Uuid, String)> =
        sqlx::query_as("select id, title from actions where organization_id = $1 order by created_at desc, id")
            .bind(org_id)
            .fetch_all(db)
            .await?;
    let members: Vec<(Uuid, String, Role)> = sqlx::query_as(
        r#"select u.id, u.display_name, m.role from memberships m join users u on u.id = m.user_id
           where m.organization_id = $1 order by lower(u.display_name), u.id"#,
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    let tags: Vec<(i64, String, bool)> =
        sqlx::query_as("select id, name, built_in from tags where organization_id = $1 order by lower(name), id")
            .bind(org_id)
            .fetch_all(db)
            .await?;
    let taggable = tags.iter().filter(|(_, _, built_in)| !built_in).map(|(id, name, _)| (*id, name.clone())).collect();
    let tags = tags.into_iter().map(|(id, name, _)| (id, name)).collect();
    Ok(SupervisionChoices {
        actions,
        members: members
            .into_iter()
            .map(|(user_id, display_name, role)| MemberChoice { user_id, display_name, role })
            .collect(),
        tags,
        taggable,
    })
}

#[derive(sqlx::FromRow)]
struct Row {
    conversation_id: i64,
    contact_name: String,
    contact_phone: String,
    action_id: Uuid,
    action_title: String,
    volunteer_id: Option<Uuid>,
    volunteer_name: Option<String>,
    last_body: String,
    last_inbound: bool,
    last_at: DateTime<Utc>,
    status: String,
    error_code: Option<i32>,
}

/// The row's badge, most pressing first.
fn status_sql() -> String {
    format!(
        "case when {OPTED_OUT} then 'opted-out' when {FAILED} then 'error' when {attention} then 'needs-attention'
              when c.archived_at is not null then 'archived' else 'active' end",
        attention = needs_attention()
    )
}

/// Up to `limit` conversations after `cursor`, newest activity first (ties by id, newest first).
pub async fn page(
    db: &PgPool,
    org_id: Uuid,
    filter: &SupervisionFilter,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<ConversationPage, AppError> {
    let status = match filter.status {
        None => "true".to_string(),
        Some(StatusFilter::NeedsAttention) => needs_attention(),
        Some(StatusFilter::OptedOut) => OPTED_OUT.to_string(),
        Some(StatusFilter::Error) => FAILED.to_string(),
    };
    let sql = format!(
        r#"select c.id as conversation_id, trim(k.first_name || ' ' || k.last_name) as contact_name,
                  c.contact_phone, a.id as action_id, a.title as action_title, c.volunteer_id,
                  u.display_name as volunteer_name, coalesce(m.body, '') as last_body,
                  coalesce(m.direction = 'inbound', false) as last_inbound, {ACTIVITY} as last_at,
                  {status_badge} as status, lo.error_code
           from conversations c
           join contacts k on k.id = c.contact_id
           join actions a on a.id = c.action_id
           left join users u on u.id = c.volunteer_id
           left join lateral (select body, direction from messages where conversation_id = c.id order by id desc limit 1) m on true
           left join lateral (select status, error_code from messages
                              where conversation_id = c.id and direction = 'outbound' order by id desc limit 1) lo on true
           where c.organization_id = $1 and c.initial_sent_at is not null
             and ($2::uuid is null or c.action_id = $2)
             and ($3::uuid is null or c.volunteer_id = $3)
             and ($4::bigint is null or exists (select 1 from conversation_tags ct where ct.conversation_id = c.id and ct.tag_id = $4))
             and ($5::integer is null or lo.error_code = $5)
             and {after}
             and {status}
           order by {ACTIVITY} desc, c.id desc
           limit $8"#,
        status_badge = status_sql(),
        // Spelled out only when there is a cursor, so the planner can walk the activity index.
        after = if cursor.is_some() {
            format!("({ACTIVITY}, c.id) < ($6::timestamptz, $7::bigint)")
        } else {
            "($6::timestamptz is null and $7::bigint = 0)".to_string()
        },
    );
    let mut rows = sqlx::query_as::<_, Row>(&sql)
        .bind(org_id)
        .bind(filter.action)
        .bind(filter.volunteer)
        .bind(filter.tag)
        .bind(filter.error_code)
        .bind(cursor.map(|c| c.at))
        .bind(cursor.map(|c| c.id).unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(db)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = more.then(|| rows.last().map(|r| Cursor { at: r.last_at, id: r.conversation_id }.encode())).flatten();
    Ok(ConversationPage {
        rows: rows
            .into_iter()
            .map(|r| {
                Ok(ConversationRow {
                    conversation_id: r.conversation_id,
                    contact_name: r.contact_name,
                    contact_phone: r.contact_phone,
                    action_id: r.action_id,
                    action_title: r.action_title,
                    volunteer_id: r.volunteer_id,
                    volunteer_name: r.volunteer_name,
                    last_body: r.last_body,
                    last_inbound: r.last_inbound,
                    last_at: r.last_at,
                    status: RowStatus::parse(&r.status).map_err(|e| AppError::stored("conversation status", e))?,
                    error_code: r.error_code,
                })
            })
            .collect::<Result<_, AppError>>()?,
        next,
    })
}

#[derive(sqlx::FromRow)]
struct ThreadRow {
    contact_name: String,
    contact_phone: String,
    action_title: String,
    volunteer_name: Option<String>,
    status: String,
    texted: bool,
}

/// A conversation of the organization as an admin sees it: reading it changes nothing (not
/// even the volunteer's unread mark).
pub async fn thread(db: &PgPool, org_id: Uuid, conversation_id: i64) -> Result<SupervisedThread, AppError> {
    let sql = format!(
        r#"select trim(k.first_name || ' ' || k.last_name) as contact_name, c.contact_phone, a.title as action_title,
                  u.display_name as volunteer_name, {status_badge} as status, c.initial_sent_at is not null as texted
           from conversations c
           join contacts k on k.id = c.contact_id
           join actions a on a.id = c.action_id
           left join users u on u.id = c.volunteer_id
           left join lateral (select status, error_code from messages
                              where conversation_id = c.id and direction = 'outbound' order by id desc limit 1) lo on true
           where c.id = $1 and c.organization_id = $2"#,
        status_badge = status_sql(),
    );
    let row = sqlx::query_as::<_, ThreadRow>(&sql)
        .bind(conversation_id)
        .bind(org_id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::NotFound("That conversation is not in this organization.".into()))?;
    let history = crate::server::db::inbox::history(db, conversation_id).await?;
    Ok(SupervisedThread {
        conversation_id,
        contact_name: row.contact_name,
        contact_phone: row.contact_phone,
        action_title: row.action_title,
        volunteer_name: row.volunteer_name,
        status: RowStatus::parse(&row.status).map_err(|e| AppError::stored("conversation status", e))?,
        messages: history.messages,
        survey: history.survey,
        tag_ids: history.tags.iter().map(|(id, _)| *id).collect(),
        tags: history.tags.into_iter().map(|(_, name)| name).collect(),
        texted: row.texted,
        fields: history.fields.into_iter().map(|(_, name, value)| (name, value)).collect(),
    })
}

/// Moves the conversations to `to_user` in one transaction and tells them. Every id must be a
/// texted conversation of the organization and `to_user` a member of it, or nothing moves.
/// Conversations `to_user` already holds are left as they are; answers how many moved.
pub async fn reassign(db: &PgPool, caller: &Caller, ids: &[i64], to_user: Uuid) -> Result<u64, AppError> {
    let mut tx = db.begin().await?;
    // The membership row is locked (shared) so the member cannot be removed under us.
    let member: Option<String> = sqlx::query_scalar(
        r#"select u.display_name from memberships m join users u on u.id = m.user_id
           where m.organization_id = $1 and m.user_id = $2 for share of m"#,
    )
    .bind(caller.org_id)
    .bind(to_user)
    .fetch_optional(&mut *tx)
    .await?;
    if member.is_none() {
        return Err(AppError::invalid("to_user", "That person is not a member of this organization."));
    }
    // Locked in id order, so two reassignments never deadlock.
    let rows: Vec<(i64, Option<Uuid>, String)> = sqlx::query_as(
        r#"select c.id, c.volunteer_id, a.title from conversations c join actions a on a.id = c.action_id
           where c.id = any($1) and c.organization_id = $2 and c.initial_sent_at is not null
           order by c.id for update of c"#,
    )
    .bind(ids)
    .bind(caller.org_id)
    .fetch_all(&mut *tx)
    .await?;
    if rows.len() != ids.len() {
        return Err(AppError::NotFound("Some of those conversations are not in this organization.".into()));
    }
    let moving: Vec<&(i64, Option<Uuid>, String)> = rows.iter().filter(|r| r.1 != Some(to_user)).collect();
    if moving.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let moved_ids: Vec<i64> = moving.iter().map(|r| r.0).collect();
    let moved = sqlx::query(
        r#"update conversations set reassigned_from = volunteer_id, volunteer_id = $2, reassigned_at = now(), read_at = null
           where id = any($1)"#,
    )
    .bind(&moved_ids)
    .bind(to_user)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let what = crate::domain::plural(moved as i64, "conversation", "conversations");
    let title = &moving[0].2;
    let place = if moving.iter().all(|r| &r.2 == title) { format!(" in \"{title}\"") } else { String::new() };
    sqlx::query("insert into notifications (organization_id, user_id, body, link) values ($1, $2, $3, $4)")
        .bind(caller.org_id)
        .bind(to_user)
        .bind(format!("{} reassigned {what}{place} to you.", caller.user.display_name))
        .bind(format!("/o/{}/inbox", caller.org_id))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(moved)
}

/// Puts one of the organization's tags on a conversation (or takes it off), as the admin. The
/// built-in Opt Out tag only comes with an opt-out, never on its own.
pub async fn tag(db: &PgPool, caller: &Caller, conversation_id: i64, tag_id: i64, on: bool) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let (conversation, built_in): (bool, Option<bool>) = sqlx::query_as(
        r#"select exists (select 1 from conversations c where c.id = $1 and c.organization_id = $3),
                  (select t.built_in from tags t where t.id = $2 and t.organization_id = $3)"#,
    )
    .bind(conversation_id)
    .bind(tag_id)
    .bind(caller.org_id)
    .fetch_one(&mut *tx)
    .await?;
    match (conversation, built_in) {
        (false, _) => return Err(AppError::NotFound("That conversation is not in this organization.".into())),
        (true, None) => return Err(AppError::invalid("tag_id", "That tag is not one of this organization's.")),
        (true, Some(true)) => {
            return Err(AppError::invalid("tag_id", "Opt Out is applied by opting the contact out, not as a tag."))
        }
        (true, Some(false)) => {}
    }
    if on {
        sqlx::query(
            "insert into conversation_tags (conversation_id, tag_id, applied_by) values ($1, $2, $3) on conflict do nothing",
        )
        .bind(conversation_id)
        .bind(tag_id)
        .bind(caller.user.id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("delete from conversation_tags where conversation_id = $1 and tag_id = $2")
            .bind(conversation_id)
            .bind(tag_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
