//! Inbox queries. Every statement is limited to `volunteer_id = caller`: a volunteer sees and
//! changes only their own conversations (a thread reassigned away is gone from their inbox).

use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::script_template::ScriptTemplate;
use crate::domain::script_tree::{ScriptNode, ScriptTree};
use crate::domain::texting_window::WindowCheck;
use crate::error::AppError;
use crate::model::inbox::{
    Inbox, InboxCounts, InboxFilter, Notice, ReportField, ReportInput, ReportTag, ResponseChoice, Thread,
    ThreadMessage, ThreadSummary,
};
use crate::server::caller::Caller;
use crate::server::db::conversation_state::{needs_attention, OPTED_OUT, UNREAD};
use crate::server::db::messaging::render_context;
use sqlx::PgPool;
use uuid::Uuid;

fn filter_sql(filter: InboxFilter) -> String {
    match filter {
        InboxFilter::All => "c.archived_at is null".into(),
        InboxFilter::Unread => format!("c.archived_at is null and {UNREAD}"),
        InboxFilter::NeedsAttention => format!("c.archived_at is null and {}", needs_attention()),
        InboxFilter::Archived => "c.archived_at is not null".into(),
    }
}

pub async fn counts(db: &PgPool, caller: &Caller) -> Result<InboxCounts, AppError> {
    let sql = format!(
        r#"select count(*) filter (where {all}) as all, count(*) filter (where {unread}) as unread,
                  count(*) filter (where {attention}) as needs_attention, count(*) filter (where {archived}) as archived
           from conversations c
           where c.volunteer_id = $1 and c.organization_id = $2 and c.initial_sent_at is not null"#,
        all = filter_sql(InboxFilter::All),
        unread = filter_sql(InboxFilter::Unread),
        attention = filter_sql(InboxFilter::NeedsAttention),
        archived = filter_sql(InboxFilter::Archived),
    );
    Ok(sqlx::query_as::<_, InboxCounts>(&sql).bind(caller.user.id).bind(caller.org_id).fetch_one(db).await?)
}

pub async fn inbox(db: &PgPool, caller: &Caller, filter: InboxFilter) -> Result<Inbox, AppError> {
    let sql = format!(
        r#"select c.id as conversation_id, trim(k.first_name || ' ' || k.last_name) as contact_name,
                  a.title as action_title, coalesce(m.body, '') as last_body,
                  coalesce(m.direction = 'inbound', false) as last_inbound,
                  greatest(c.last_inbound_at, c.last_outbound_at) as last_at,
                  {UNREAD} as unread, {attention} as needs_attention,
                  {OPTED_OUT} as opted_out
           from conversations c
           join contacts k on k.id = c.contact_id
           join actions a on a.id = c.action_id
           left join lateral (select body, direction from messages where conversation_id = c.id order by id desc limit 1) m on true
           where c.volunteer_id = $1 and c.organization_id = $2 and c.initial_sent_at is not null and {filter}
           order by greatest(c.last_inbound_at, c.last_outbound_at) desc nulls last, c.id desc
           limit 200"#,
        attention = needs_attention(),
        filter = filter_sql(filter),
    );
    let threads =
        sqlx::query_as::<_, ThreadSummary>(&sql).bind(caller.user.id).bind(caller.org_id).fetch_all(db).await?;
    let notices = sqlx::query_as::<_, Notice>(
        r#"select id, body, created_at from notifications
           where user_id = $1 and organization_id = $2 and read_at is null order by created_at desc limit 20"#,
    )
    .bind(caller.user.id)
    .bind(caller.org_id)
    .fetch_all(db)
    .await?;
    let auto_archive: bool =
        sqlx::query_scalar("select auto_archive from memberships where organization_id = $1 and user_id = $2")
            .bind(caller.org_id)
            .bind(caller.user.id)
            .fetch_optional(db)
            .await?
            .unwrap_or(false);
    Ok(Inbox { counts: counts(db, caller).await?, threads, notices, auto_archive })
}

#[derive(sqlx::FromRow)]
struct ThreadRow {
    action_id: Uuid,
    action_title: String,
    action_status: ActionStatus,
    script_tree: serde_json::Value,
    report_tag_ids: Vec<i64>,
    report_field_ids: Vec<i64>,
    custom_fields: Vec<String>,
    first_name: String,
    last_name: String,
    custom: serde_json::Value,
    time_zones: Vec<String>,
    state: Option<String>,
    zip: Option<String>,
    contact_phone: String,
    script_node: Option<String>,
    archived: bool,
    opted_out: bool,
    needs_attention: bool,
    org_name: String,
    auto_archive: bool,
}

pub async fn thread(db: &PgPool, caller: &Caller, conversation_id: i64) -> Result<Thread, AppError> {
    let sql = format!(
        r#"update conversations c set read_at = now()
           from actions a, contacts k, organizations o, memberships mb, contact_lists l
           where c.id = $1 and c.volunteer_id = $2 and c.organization_id = $3
             and a.id = c.action_id and k.id = c.contact_id and o.id = c.organization_id and l.id = k.list_id
             and mb.organization_id = c.organization_id and mb.user_id = $2
           returning a.id as action_id, a.title as action_title, a.status as action_status, a.script_tree,
                     a.report_tag_ids, a.report_field_ids, l.custom_fields, k.first_name, k.last_name, k.custom,
                     k.time_zones, k.state, k.zip, c.contact_phone, c.script_node, c.archived_at is not null as archived, {OPTED_OUT} as opted_out,
                     {attention} as needs_attention, o.name as org_name, mb.auto_archive"#,
        attention = needs_attention(),
    );
    let row = sqlx::query_as::<_, ThreadRow>(&sql)
        .bind(conversation_id)
        .bind(caller.user.id)
        .bind(caller.org_id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::NotFound("That conversation is not in your inbox.".into()))?;
    let History { messages, survey, tags: tag_rows, fields: field_rows } = history(db, conversation_id).await?;
    let report_tags: Vec<(i64, String)> =
        sqlx::query_as("select id, name from tags where id = any($1) and organization_id = $2 order by name")
            .bind(&row.report_tag_ids)
            .bind(caller.org_id)
            .fetch_all(db)
            .await?;
    let report_fields: Vec<(i64, String)> =
        sqlx::query_as("select id, name from custom_fields where id = any($1) and organization_id = $2 order by name")
            .bind(&row.report_field_ids)
            .bind(caller.org_id)
            .fetch_all(db)
            .await?;

    let settings = crate::server::db::settings::get(db, caller.org_id).await?;
    let context = render_context(&row.first_name, &row.last_name, &row.custom, caller, &row.org_name, &settings);
    let render = |nodes: &[ScriptNode]| -> Vec<ResponseChoice> {
        nodes
            .iter()
            .map(|n| ResponseChoice {
                node_id: n.id.clone(),
                label: n.label.clone(),
                body: ScriptTemplate::parse(&n.body, &row.custom_fields)
                    .map(|t| t.render(&context))
                    .unwrap_or_else(|_| n.body.clone()),
            })
            .collect()
    };
    let tree = ScriptTree::from_json(&row.script_tree);
    let (question, choices) = tree.next_choices(row.script_node.as_deref());
    let hours = settings.contact_hours(&row.time_zones, row.state.as_deref(), row.zip.as_deref(), &row.contact_phone);
    let now = crate::server::clock::now();
    let blocked = match row.action_status {
        ActionStatus::Published => match hours.check(now) {
            WindowCheck::Open { .. } => None,
            WindowCheck::Closed { .. } => {
                Some(format!("Outside this contact's texting hours: {}.", hours.wait(now).unwrap_or_default()))
            }
            WindowCheck::Never => Some("This contact's time zones never share open texting hours.".into()),
        },
        ActionStatus::Paused => Some("This action is paused while an admin edits it.".into()),
        ActionStatus::Closed => Some("This action is closed.".into()),
        _ => Some("This action is not live.".into()),
    };
    let blocked = if row.opted_out { Some("This person opted out of texts.".into()) } else { blocked };
    Ok(Thread {
        conversation_id,
        action_id: row.action_id,
        action_title: row.action_title.clone(),
        contact_name: format!("{} {}", row.first_name, row.last_name).trim().to_string(),
        messages,
        question: question.to_string(),
        choices: render(choices),
        other_responses: render(&tree.standalone),
        survey,
        tags: tag_rows.iter().map(|(_, n)| n.clone()).collect(),
        report_tags: report_tags
            .into_iter()
            .map(|(id, name)| ReportTag { id, name, checked: tag_rows.iter().any(|(t, _)| *t == id) })
            .collect(),
        report_fields: report_fields
            .into_iter()
            .map(|(id, name)| ReportField {
                id,
                name,
                value: field_rows.iter().find(|(f, _, _)| *f == id).map(|(_, _, v)| v.clone()).unwrap_or_default(),
            })
            .collect(),
        fields: field_rows.into_iter().map(|(_, n, v)| (n, v)).collect(),
        archived: row.archived,
        opted_out: row.opted_out,
        needs_attention: row.needs_attention,
        custom_allowed: !settings.disable_custom_responses,
        blocked,
        auto_archive: row.auto_archive,
    })
}

/// What a thread shows of its conversation, for the volunteer's inbox and the admins'
/// Conversations page alike: the messages in order, the survey answers, the tags and the
/// custom-field values (with their ids, for the report form).
pub(crate) struct History {
    pub messages: Vec<ThreadMessage>,
    pub survey: Vec<(String, String)>,
    pub tags: Vec<(i64, String)>,
    pub fields: Vec<(i64, String, String)>,
}

/// The caller has checked that the conversation is theirs to read.
pub(crate) async fn history(db: &PgPool, conversation_id: i64) -> Result<History, AppError> {
    let messages = sqlx::query_as::<_, ThreadMessage>(
        r#"select id, direction = 'outbound' as outbound, body, status, error_code, created_at,
                  coalesce(cardinality(media_urls), 0) as media_count
           from messages where conversation_id = $1 order by id"#,
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await?;
    let survey = sqlx::query_as(
        "select question, answer from survey_answers where conversation_id = $1 order by answered_at, question_node",
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await?;
    let tags = sqlx::query_as(
        "select t.id, t.name from conversation_tags ct join tags t on t.id = ct.tag_id where ct.conversation_id = $1 order by t.name",
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await?;
    let fields = sqlx::query_as(
        r#"select f.id, f.name, cf.value from conversation_fields cf join custom_fields f on f.id = cf.field_id
           where cf.conversation_id = $1 order by f.name"#,
    )
    .bind(conversation_id)
    .fetch_all(db)
    .await?;
    Ok(History { messages, survey, tags, fields })
}

/// Locks the caller's conversation and returns its action's report settings.
async fn own(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    caller: &Caller,
    conversation_id: i64,
) -> Result<(Uuid, Vec<i64>, Vec<i64>), AppError> {
    sqlx::query_as(
        r#"select a.id, a.report_tag_ids, a.report_field_ids from conversations c join actions a on a.id = c.action_id
           where c.id = $1 and (c.volunteer_id = $2 or $4) and c.organization_id = $3 for update of c"#,
    )
    .bind(conversation_id)
    .bind(caller.user.id)
    .bind(caller.org_id)
    // Admins act on any conversation of their organization (from Conversations).
    .bind(caller.role.is_admin())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That conversation is not in your inbox.".into()))
}

pub async fn file_report(
    db: &PgPool,
    caller: &Caller,
    conversation_id: i64,
    report: &ReportInput,
) -> Result<bool, AppError> {
    let mut tx = db.begin().await?;
    let (_, tag_ids, field_ids) = own(&mut tx, caller, conversation_id).await?;
    if let Some(tag) = report.tags.iter().find(|t| !tag_ids.contains(t)) {
        return Err(AppError::invalid("report", format!("Tag {tag} is not part of this action's report.")));
    }
    if let Some((field, _)) = report.fields.iter().find(|(f, _)| !field_ids.contains(f)) {
        return Err(AppError::invalid("report", format!("Field {field} is not part of this action's report.")));
    }
    // The report's tag toggles say yes or no for each of the action's report tags; other tags
    // (Opt Out, tags from response scripts) are left alone.
    sqlx::query(
        "delete from conversation_tags where conversation_id = $1 and tag_id = any($2) and not tag_id = any($3)",
    )
    .bind(conversation_id)
    .bind(&tag_ids)
    .bind(&report.tags)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        r#"insert into conversation_tags (conversation_id, tag_id, applied_by)
           select $1, t, $3 from unnest($2::bigint[]) t on conflict do nothing"#,
    )
    .bind(conversation_id)
    .bind(&report.tags)
    .bind(caller.user.id)
    .execute(&mut *tx)
    .await?;
    // An empty answer is no answer: partial reports never erase what an earlier one said.
    let mut answered = serde_json::Map::new();
    for (field, value) in report.fields.iter().filter(|(_, v)| !v.trim().is_empty()) {
        answered.insert(field.to_string(), serde_json::Value::String(value.trim().to_string()));
        sqlx::query(
            r#"insert into conversation_fields (conversation_id, field_id, value, updated_by) values ($1, $2, $3, $4)
               on conflict (conversation_id, field_id) do update
               set value = excluded.value, updated_by = excluded.updated_by, updated_at = now()"#,
        )
        .bind(conversation_id)
        .bind(field)
        .bind(value.trim())
        .bind(caller.user.id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "insert into reports (organization_id, conversation_id, volunteer_id, tag_ids, field_values) values ($1, $2, $3, $4, $5)",
    )
    .bind(caller.org_id)
    .bind(conversation_id)
    .bind(caller.user.id)
    .bind(&report.tags)
    .bind(serde_json::Value::Object(answered))
    .execute(&mut *tx)
    .await?;
    let archived: bool = sqlx::query_scalar(
        r#"update conversations c set last_report_at = now(),
               archived_at = case when m.auto_archive then now() else c.archived_at end
           from memberships m
           where c.id = $1 and m.organization_id = c.organization_id and m.user_id = $2
           returning c.archived_at is not null"#,
    )
    .bind(conversation_id)
    .bind(caller.user.id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(archived)
}

pub async fn set_archived(db: &PgPool, caller: &Caller, conversation_id: i64, archived: bool) -> Result<(), AppError> {
    let done = sqlx::query(
        r#"update conversations set archived_at = case when $4 then coalesce(archived_at, now()) end
           where id = $1 and volunteer_id = $2 and organization_id = $3"#,
    )
    .bind(conversation_id)
    .bind(caller.user.id)
    .bind(caller.org_id)
    .bind(archived)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound("That conversation is not in your inbox.".into()));
    }
    Ok(())
}

/// The volunteer's opt-out, with who and why. A number opted out already keeps its first record
/// (how it first said stop).
pub async fn opt_out(
    db: &PgPool,
    caller: &Caller,
    conversation_id: i64,
    reason: &crate::domain::do_not_contact::OptOutReason,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    own(&mut tx, caller, conversation_id).await?;
    let phone: String = sqlx::query_scalar("select contact_phone from conversations where id = $1")
        .bind(conversation_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        r#"insert into opt_outs (organization_id, phone, source, recorded_by, reason)
           values ($1, $2, 'volunteer', $3, $4) on conflict do nothing"#,
    )
    .bind(caller.org_id)
    .bind(&phone)
    .bind(caller.user.id)
    .bind(reason.as_str())
    .execute(&mut *tx)
    .await?;
    // Every conversation with this number in the organization carries the tag.
    sqlx::query(
        r#"insert into conversation_tags (conversation_id, tag_id, applied_by)
           select id, opt_out_tag($1), $3 from conversations where organization_id = $1 and contact_phone = $2
           on conflict do nothing"#,
    )
    .bind(caller.org_id)
    .bind(&phone)
    .bind(caller.user.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub enum Which {
    One(i64),
    Action(Uuid),
}

/// Moves threads to their action's creator (or, when that account is gone or is the caller,
/// to the organization's first owner) and tells them.
pub async fn reassign(db: &PgPool, caller: &Caller, which: Which) -> Result<u64, AppError> {
    let mut tx = db.begin().await?;
    let (conversation, action): (Option<i64>, Option<Uuid>) = match which {
        Which::One(id) => (Some(id), None),
        Which::Action(id) => (None, Some(id)),
    };
    // Locked in id order, so two reassignments never deadlock.
    let rows: Vec<(i64, Uuid, Option<Uuid>, String)> = sqlx::query_as(
        r#"select c.id, a.id, a.created_by, a.title from conversations c join actions a on a.id = c.action_id
           where c.volunteer_id = $1 and c.organization_id = $2 and c.initial_sent_at is not null
             and ($3::bigint is null or c.id = $3) and ($4::uuid is null or c.action_id = $4)
           order by c.id for update of c"#,
    )
    .bind(caller.user.id)
    .bind(caller.org_id)
    .bind(conversation)
    .bind(action)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        if conversation.is_some() {
            return Err(AppError::NotFound("That conversation is not in your inbox.".into()));
        }
        // Reassign all also gives back contacts claimed but not texted.
        tx.commit().await?;
        if let Some(action) = action {
            crate::server::db::assignment::release(db, caller, action).await?;
        }
        return Ok(0);
    }
    let (_, action_id, creator, title) = rows[0].clone();
    let owner: Option<Uuid> = sqlx::query_scalar(
        r#"select m.user_id from memberships m
           where m.organization_id = $1 and m.user_id = $2 and m.user_id <> $3
           union all
           (select m.user_id from memberships m where m.organization_id = $1 and m.role in ('owner', 'admin') and m.user_id <> $3
            order by m.role = 'owner' desc, m.created_at limit 1)
           limit 1"#,
    )
    .bind(caller.org_id)
    .bind(creator)
    .bind(caller.user.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(owner) = owner else {
        return Err(AppError::Conflict(
            "There is no one else in the organization to hand these conversations to.".into(),
        ));
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let moved = sqlx::query(
        r#"update conversations set volunteer_id = $2, reassigned_from = $3, reassigned_at = now(), read_at = null
           where id = any($1)"#,
    )
    .bind(&ids)
    .bind(owner)
    .bind(caller.user.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let what = crate::domain::plural(moved as i64, "conversation", "conversations");
    sqlx::query("insert into notifications (organization_id, user_id, body, link) values ($1, $2, $3, $4)")
        .bind(caller.org_id)
        .bind(owner)
        .bind(format!("{} reassigned {what} in \"{title}\" to you.", caller.user.display_name))
        .bind(format!("/o/{}/inbox", caller.org_id))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if action.is_some() {
        crate::server::db::assignment::release(db, caller, action_id).await?;
    }
    Ok(moved)
}

pub async fn set_auto_archive(db: &PgPool, caller: &Caller, on: bool) -> Result<(), AppError> {
    sqlx::query("update memberships set auto_archive = $3 where organization_id = $1 and user_id = $2")
        .bind(caller.org_id)
        .bind(caller.user.id)
        .bind(on)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn dismiss_notices(db: &PgPool, caller: &Caller) -> Result<(), AppError> {
    sqlx::query(
        "update notifications set read_at = now() where user_id = $1 and organization_id = $2 and read_at is null",
    )
    .bind(caller.user.id)
    .bind(caller.org_id)
    .execute(db)
    .await?;
    Ok(())
}
