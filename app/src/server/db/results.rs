//! Action results from the running counts (migrations/0009_results.sql), and moving a
//! volunteer's contacts to someone else from the results page.

use crate::domain::action_results::{self, ActionResults, Count, Facts, HourPoint, Metric};
use crate::domain::script_tree::ScriptTree;
use crate::error::AppError;
use crate::server::caller::Caller;
use crate::server::db::conversation_state::needs_attention;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The action's results; the queries run side by side on the pool.
pub async fn results(db: &PgPool, org_id: Uuid, action_id: Uuid) -> Result<ActionResults, AppError> {
    let action: Option<(serde_json::Value, String, Vec<String>)> = sqlx::query_as(
        "select script_tree, initial_script, initial_variants from actions where id = $1 and organization_id = $2",
    )
    .bind(action_id)
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    let Some((tree, initial_script, initial_variants)) = action else {
        return Err(AppError::NotFound("There is no such action in this organization.".into()));
    };
    let variant_texts: Vec<String> = std::iter::once(initial_script).chain(initial_variants).collect();
    let tree = ScriptTree::from_json(&tree);

    let counts = async {
        sqlx::query_as::<_, (Uuid, Metric, String, i64)>(
            "select volunteer_id, metric, key, n from action_counts where action_id = $1 and n <> 0",
        )
        .bind(action_id)
        .fetch_all(db)
        .await
    };
    let people = async {
        sqlx::query_as::<_, (i64, i64, i64)>(
            // The action's numbers the carrier called unable to receive texts (migrations/0020):
            // few rows, joined from that side (conversations_phones_idx).
            r#"select (select count(*) from memberships where organization_id = $2),
                      (select count(*) from action_views where action_id = $1),
                      (select count(*) from undeliverable_phones u
                       join conversations c on c.contact_phone = u.phone and c.organization_id = u.organization_id
                       where u.organization_id = $2 and c.action_id = $1)"#,
        )
        .bind(action_id)
        .bind(org_id)
        .fetch_one(db)
        .await
    };
    let activity = async {
        sqlx::query_as::<_, (Uuid, DateTime<Utc>)>(
            "select volunteer_id, last_active from action_activity where action_id = $1",
        )
        .bind(action_id)
        .fetch_all(db)
        .await
    };
    let data = async {
        sqlx::query_as::<_, (bool, i64, String, bool)>(
            r#"select true, id, name, built_in and lower(name) = 'opt out' from tags where organization_id = $1
               union all
               select false, id, name, false from custom_fields where organization_id = $1"#,
        )
        .bind(org_id)
        .fetch_all(db)
        .await
    };
    let hourly = async {
        sqlx::query_as::<_, (DateTime<Utc>, bool, i64)>(
            // One row per shard (see migration 0013): summed here.
            "select hour, direction = 'outbound', sum(n)::bigint from action_hourly where action_id = $1 group by 1, 2 order by 1",
        )
        .bind(action_id)
        .fetch_all(db)
        .await
    };
    let (counts, (sent_to, seen, undeliverable), activity, data, hourly) =
        tokio::try_join!(counts, people, activity, data, hourly)?;

    let nil = Uuid::nil();
    let counts: Vec<Count> = counts
        .into_iter()
        .map(|(v, metric, key, n)| Count { volunteer: (v != nil).then_some(v), metric, key, n })
        .collect();
    let mut ids: Vec<Uuid> = counts.iter().filter_map(|c| c.volunteer).collect();
    ids.sort();
    ids.dedup();
    let names: Vec<(Uuid, String)> =
        sqlx::query_as("select id, display_name from users where id = any($1)").bind(&ids).fetch_all(db).await?;
    let mut points: BTreeMap<DateTime<Utc>, HourPoint> = BTreeMap::new();
    for (hour, outbound, n) in hourly {
        let p = points.entry(hour).or_insert(HourPoint { hour, sent: 0, received: 0 });
        if outbound {
            p.sent += n;
        } else {
            p.received += n;
        }
    }
    let facts = Facts {
        sent_to,
        seen,
        undeliverable,
        names,
        last_active: activity,
        tags: data.iter().filter(|d| d.0).map(|d| (d.1, d.2.clone())).collect(),
        fields: data.iter().filter(|d| !d.0).map(|d| (d.1, d.2.clone())).collect(),
        opt_out_tag: data.iter().find(|d| d.3).map(|d| d.1),
        hourly: points.into_values().collect(),
        variant_texts,
    };
    Ok(action_results::build(&counts, &facts, &tree))
}

/// A volunteer opened the action's texting screen.
pub async fn record_view(db: &PgPool, action_id: Uuid, volunteer: Uuid) -> Result<(), AppError> {
    sqlx::query("insert into action_views (action_id, volunteer_id) values ($1, $2) on conflict do nothing")
        .bind(action_id)
        .bind(volunteer)
        .execute(db)
        .await?;
    Ok(())
}

/// Which of the selected volunteers' contacts move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Claimed or pre-assigned, not yet texted.
    Unsent,
    /// Replied and waiting for an answer.
    NeedsAttention,
}

/// Moves the selected volunteers' contacts in an action to another member, and tells them.
/// One transaction; the rows are locked in id order so two admins doing this never deadlock.
pub async fn reassign(
    db: &PgPool,
    caller: &Caller,
    action_id: Uuid,
    from: &[Uuid],
    to: Uuid,
    what: Move,
) -> Result<u64, AppError> {
    let mut tx = db.begin().await?;
    let title: Option<String> = sqlx::query_scalar("select title from actions where id = $1 and organization_id = $2")
        .bind(action_id)
        .bind(caller.org_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(title) = title else {
        return Err(AppError::NotFound("There is no such action in this organization.".into()));
    };
    let member: Option<String> = sqlx::query_scalar(
        "select u.display_name from memberships m join users u on u.id = m.user_id where m.organization_id = $1 and m.user_id = $2",
    )
    .bind(caller.org_id)
    .bind(to)
    .fetch_optional(&mut *tx)
    .await?;
    if member.is_none() {
        return Err(AppError::invalid("to", "Choose a member of this organization to give the contacts to."));
    }
    let which = match what {
        Move::Unsent => "c.initial_sent_at is null".to_string(),
        Move::NeedsAttention => format!("c.archived_at is null and {}", needs_attention()),
    };
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        r#"select c.id from conversations c
           where c.action_id = $1 and c.volunteer_id = any($2) and c.volunteer_id <> $3 and {which}
           order by c.id for update of c"#
    ))
    .bind(action_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let moved = match what {
        // A claim moves with its clock restarted, so it shows in the new volunteer's batch and
        // lapses back to the pool if they never text it; a pre-assignment stays one.
        Move::Unsent => sqlx::query(
            r#"update conversations set volunteer_id = $2, skipped_at = null,
                   claimed_at = case when claimed_at is null then null else now() end
               where id = any($1)"#,
        ),
        Move::NeedsAttention => sqlx::query(
            r#"update conversations set reassigned_from = volunteer_id, volunteer_id = $2, reassigned_at = now(), read_at = null
               where id = any($1)"#,
        ),
    }
    .bind(&ids)
    .bind(to)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let link = match what {
        Move::Unsent => format!("/o/{}/text/{action_id}", caller.org_id),
        Move::NeedsAttention => format!("/o/{}/inbox", caller.org_id),
    };
    let what = match (what, moved) {
        (Move::Unsent, n) => format!("{} to text", crate::domain::wording::plural(n as i64, "contact", "contacts")),
        (Move::NeedsAttention, n) => crate::domain::wording::plural(n as i64, "conversation", "conversations"),
    };
    sqlx::query("insert into notifications (organization_id, user_id, body, link) values ($1, $2, $3, $4)")
        .bind(caller.org_id)
        .bind(to)
        .bind(format!("{} gave you {what} in \"{title}\".", caller.user.display_name))
        .bind(link)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(moved)
}
