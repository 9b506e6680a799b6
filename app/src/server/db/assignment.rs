//! Who texts whom: an action's contacts become unassigned conversations once it is live, and
//! volunteers claim them a batch at a time. Claims take rows with `for update skip locked`, so
//! two volunteers pressing Start at the same moment never get the same contact; claims nobody
//! texted lapse back to the pool.

use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::initial_scripts::InitialScripts;
use crate::error::AppError;
use crate::model::texting::{Batch, BatchContact, VolunteerAction};
use crate::server::caller::Caller;
use crate::server::db::conversation_state::NEVER_TEXT;
use crate::server::db::messaging::render_context;
use sqlx::PgPool;
use uuid::Uuid;

/// How long a claimed, untexted contact stays with its volunteer.
pub const CLAIM_MINUTES: i64 = 30;

/// Untexted contacts volunteer `$2` may claim (SQL over `conversations c`): with Keep
/// Assignments their own unclaimed ones, otherwise the pool's, less the ones they skipped.
const KEPT_FOR: &str = "c.volunteer_id = $2 and c.claimed_at is null";
const POOL_FOR: &str = "c.volunteer_id is null and c.skipped_by is distinct from $2";

/// The same over `conversations c` and `actions a`, and never an opted-out number.
fn claimable() -> String {
    format!("(case when a.keep_assignments then {KEPT_FOR} else {POOL_FOR} end and not {NEVER_TEXT})")
}

/// Copies the action's contacts into conversations, once. Safe to call from several requests
/// and processes at once: the first takes the action's row lock and the others find the work
/// done when they get it.
pub async fn load_contacts(db: &PgPool, action_id: Uuid) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let todo: Option<(Uuid, Uuid, bool)> = sqlx::query_as(
        r#"select organization_id, contact_list_id, keep_assignments from actions
           where id = $1 and contacts_loaded_at is null and contact_list_id is not null
             and status in ('published', 'paused')
           for update"#,
    )
    .bind(action_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((org_id, list_id, keep)) = todo else {
        return Ok(());
    };
    // With Keep Assignments a contact pre-assigned in the list goes to that volunteer (if they
    // are still a member); every other contact waits in the pool.
    sqlx::query(
        r#"insert into conversations (organization_id, action_id, contact_id, contact_phone, volunteer_id)
           select $1, $2, c.id, c.phone,
                  case when $4 then (select m.user_id from memberships m
                                     where m.organization_id = $1 and m.user_id = c.assigned_user_id) end
           from contacts c where c.list_id = $3
           order by c.id
           on conflict (action_id, contact_id) do nothing"#,
    )
    .bind(org_id)
    .bind(action_id)
    .bind(list_id)
    .bind(keep)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        r#"update actions set contacts_loaded_at = now(),
               pool_first_id = (select min(id) from conversations where action_id = $1),
               pool_last_id = (select max(id) from conversations where action_id = $1)
           where id = $1"#,
    )
    .bind(action_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Live actions whose contacts are not loaded yet, for the clock task.
pub async fn load_pending(db: &PgPool) -> Result<usize, AppError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from actions where contacts_loaded_at is null and status in ('published', 'paused') and contact_list_id is not null",
    )
    .fetch_all(db)
    .await?;
    for id in &ids {
        load_contacts(db, *id).await?;
    }
    Ok(ids.len())
}

/// Claims nobody texted go back: to the pool, or, with Keep Assignments, stay with their
/// volunteer unclaimed.
pub async fn sweep(db: &PgPool) -> Result<u64, AppError> {
    let released = sqlx::query(
        r#"update conversations c
           set volunteer_id = case when a.keep_assignments then c.volunteer_id end, claimed_at = null, skipped_at = null
           from actions a
           where a.id = c.action_id and c.initial_sent_at is null and c.volunteer_id is not null
             and c.claimed_at < now() - make_interval(mins => $1)"#,
    )
    .bind(CLAIM_MINUTES as i32)
    .execute(db)
    .await?
    .rows_affected();
    Ok(released)
}

/// Conversations idle for two months archive themselves (run now and then: it reads them all).
pub async fn archive_idle(db: &PgPool) -> Result<u64, AppError> {
    Ok(sqlx::query(
        r#"update conversations set archived_at = now()
           where archived_at is null and initial_sent_at is not null
             and greatest(last_inbound_at, last_outbound_at) < now() - interval '60 days'"#,
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Published and paused actions the caller may text in (district and language limits), with
/// their progress in each. Every path to an action's contacts goes through here.
pub async fn volunteer_actions(db: &PgPool, caller: &Caller) -> Result<Vec<VolunteerAction>, AppError> {
    Ok(sqlx::query_as::<_, VolunteerAction>(
        r#"select a.id, a.title, a.description, a.disclaimer, a.start_label, a.status, a.card_image_id,
                  -- The first texts this volunteer sent, not the conversations they hold now (some
                  -- may have been reassigned to them): the running count the results use.
                  coalesce((select n from action_counts k where k.action_id = a.id and k.volunteer_id = $2
                              and k.metric = $3 and k.key = ''), 0) as sent_by_me,
                  a.featured_at is not null as featured
           from actions a join memberships m on m.organization_id = a.organization_id and m.user_id = $2
           where a.organization_id = $1 and a.status in ('published', 'paused') and member_may_text(a, m)
           -- Featured first, then the newest.
           order by a.featured_at is not null desc, a.published_at desc nulls last, a.id"#,
    )
    .bind(caller.org_id)
    .bind(caller.user.id)
    .bind(crate::domain::action_results::Metric::InitialSent.as_str())
    .fetch_all(db)
    .await?)
}

async fn action(db: &PgPool, caller: &Caller, action_id: Uuid) -> Result<VolunteerAction, AppError> {
    volunteer_actions(db, caller)
        .await?
        .into_iter()
        .find(|a| a.id == action_id)
        .ok_or_else(|| AppError::NotFound("That action is not open for texting.".into()))
}

#[derive(sqlx::FromRow)]
struct Row {
    conversation_id: i64,
    first_name: String,
    last_name: String,
    custom: serde_json::Value,
    time_zones: Vec<String>,
    state: Option<String>,
    zip: Option<String>,
    phone: String,
}

/// The caller's current batch in the action: contacts claimed and not yet texted or skipped,
/// each with the initial script rendered for them and whether their window is open.
pub async fn batch(db: &PgPool, caller: &Caller, action_id: Uuid) -> Result<Batch, AppError> {
    let action = action(db, caller, action_id).await?;
    crate::server::db::results::record_view(db, action_id, caller.user.id).await?;
    let rows = sqlx::query_as::<_, Row>(&format!(
        r#"select c.id as conversation_id, k.first_name, k.last_name, k.custom, k.time_zones,
                  k.state, k.zip, c.contact_phone as phone
           from conversations c join contacts k on k.id = c.contact_id
           where c.action_id = $1 and c.volunteer_id = $2 and c.initial_sent_at is null
             and c.claimed_at is not null and c.skipped_at is null and not {NEVER_TEXT}
           order by c.id"#
    ))
    .bind(action_id)
    .bind(caller.user.id)
    .fetch_all(db)
    .await?;
    let (script, variants, image, custom_fields, org_name): (String, Vec<String>, Option<Uuid>, Vec<String>, String) =
        sqlx::query_as(
            r#"select a.initial_script, a.initial_variants, a.script_image_id, coalesce(l.custom_fields, '{}'), o.name
           from actions a join organizations o on o.id = a.organization_id
           left join contact_lists l on l.id = a.contact_list_id where a.id = $1"#,
        )
        .bind(action_id)
        .fetch_one(db)
        .await?;
    let settings = crate::server::db::settings::get(db, caller.org_id).await?;
    let scripts = InitialScripts::parse(&script, &variants, &custom_fields)
        .map_err(|e| AppError::Conflict(format!("The initial script has a problem: {e}")))?;
    let now = crate::server::clock::now();
    let contacts = rows
        .into_iter()
        .map(|r| {
            let context = render_context(&r.first_name, &r.last_name, &r.custom, caller, &org_name, &settings);
            let hours = settings.contact_hours(&r.time_zones, r.state.as_deref(), r.zip.as_deref(), &r.phone);
            BatchContact {
                conversation_id: r.conversation_id,
                name: format!("{} {}", r.first_name, r.last_name).trim().to_string(),
                message: scripts.for_conversation(r.conversation_id).render(&context),
                opens: hours.wait(now),
            }
        })
        .collect();
    // Contacts are copied into the pool at the first claim (or by the clock within seconds of
    // going live): until then everyone on the list is still to be texted. Opted-out numbers are
    // never to be texted, so they are neither "more" nor "waiting".
    let claimable = claimable();
    let (more, waiting): (bool, i64) = sqlx::query_as(&format!(
        r#"select exists (select 1 from actions where id = $1 and contacts_loaded_at is null and contact_list_id is not null)
                  or exists (select 1 from conversations c join actions a on a.id = c.action_id
                             where c.action_id = $1 and c.initial_sent_at is null and {claimable}),
                  (select count(*) from conversations c join actions a on a.id = c.action_id
                   where c.action_id = $1 and c.initial_sent_at is null and not {NEVER_TEXT}
                     and not ({claimable}) and not (c.volunteer_id = $2 and c.claimed_at is not null))"#
    ))
    .bind(action_id)
    .bind(caller.user.id)
    .fetch_one(db)
    .await?;
    Ok(Batch {
        can_send: action.status == ActionStatus::Published,
        action,
        contacts,
        more_available: more,
        waiting_for_others: waiting,
        custom_allowed: !settings.disable_custom_responses,
        batch_size: settings.batch_size,
        image_url: image.map(crate::domain::script_image::media_path),
    })
}

/// Claims a batch when the caller has none left in this action; answers with the batch.
/// Pressing Start twice (or in two tabs) claims once: the claim holds a per-volunteer, per-action
/// lock and only claims when the current batch is empty.
pub async fn claim(db: &PgPool, caller: &Caller, action_id: Uuid) -> Result<Batch, AppError> {
    let action = action(db, caller, action_id).await?;
    if action.status != ActionStatus::Published {
        return Err(AppError::Conflict("This action is paused while an admin edits it. Try again soon.".into()));
    }
    load_contacts(db, action_id).await?;
    let settings = crate::server::db::settings::get(db, caller.org_id).await?;
    claim_rows(db, caller.org_id, caller.user.id, action_id, settings.batch_size as i64).await?;
    batch(db, caller, action_id).await
}

/// The claim itself, also used by the assignment benchmark. Returns the ids claimed (empty when
/// the volunteer still had a batch or the pool is exhausted).
pub async fn claim_rows(
    db: &PgPool,
    org_id: Uuid,
    volunteer: Uuid,
    action_id: Uuid,
    size: i64,
) -> Result<Vec<i64>, AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1::text || $2::text, 1))")
        .bind(volunteer)
        .bind(action_id)
        .execute(&mut *tx)
        .await?;
    let (pending, keep, first, last): (bool, bool, Option<i64>, Option<i64>) = sqlx::query_as(&format!(
        r#"select exists (select 1 from conversations c where c.action_id = $1 and c.volunteer_id = $2
                            and c.initial_sent_at is null and c.claimed_at is not null and c.skipped_at is null
                            and not {NEVER_TEXT}),
                  a.keep_assignments, a.pool_first_id, a.pool_last_id
           from actions a where a.id = $1"#
    ))
    .bind(action_id)
    .bind(volunteer)
    .fetch_one(&mut *tx)
    .await?;
    if pending {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let pool_filter = if keep { KEPT_FOR } else { POOL_FOR };
    // Claimed rows leave the pool index only when vacuum gets to them, so every claim starting
    // at the lowest id would wade through all the claims before it. Each claim starts at a random
    // point of the action's id range instead (wrapping around), and reads only its neighbours.
    let start = match (first, last) {
        (Some(first), Some(last)) if last > first => first + (rand_u64() % (last - first + 1) as u64) as i64,
        _ => 0,
    };
    let sql = format!(
        r#"with picked as (
               select c.id from conversations c
               where c.action_id = $1 and {pool_filter} and c.initial_sent_at is null and c.id {{range}}
                 and not exists (select 1 from opt_outs o where o.organization_id = $4 and o.phone = c.contact_phone)
                 and not phone_undeliverable($4, c.contact_phone)
               order by c.id
               limit $3
               for update skip locked
           )
           update conversations c set volunteer_id = $2, claimed_at = now(), assigned_at = now(), skipped_at = null
           from picked where c.id = picked.id
           returning c.id"#
    );
    let mut ids: Vec<i64> = sqlx::query_scalar(&sql.replace("{range}", ">= $5"))
        .bind(action_id)
        .bind(volunteer)
        .bind(size)
        .bind(org_id)
        .bind(start)
        .fetch_all(&mut *tx)
        .await?;
    if (ids.len() as i64) < size && start > 0 {
        let more: Vec<i64> = sqlx::query_scalar(&sql.replace("{range}", "< $5"))
            .bind(action_id)
            .bind(volunteer)
            .bind(size - ids.len() as i64)
            .bind(org_id)
            .bind(start)
            .fetch_all(&mut *tx)
            .await?;
        ids.extend(more);
    }
    tx.commit().await?;
    Ok(ids)
}

/// A random number for spreading claims; not for anything secret.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0),
    );
    hasher.finish()
}

/// Skips one contact of the caller's batch. It goes back to the pool at once for the other
/// volunteers (with Keep Assignments it stays the caller's, for a later batch); the caller is
/// not handed it again. Every skip is recorded, and counted for the results.
pub async fn skip(db: &PgPool, caller: &Caller, conversation_id: i64) -> Result<(), AppError> {
    let skipped = sqlx::query(
        r#"with skipped as (
               update conversations c
               set skipped_at = now(), skipped_by = $3, claimed_at = null,
                   volunteer_id = case when a.keep_assignments then c.volunteer_id end
               from actions a
               where a.id = c.action_id and c.id = $1 and c.organization_id = $2 and c.volunteer_id = $3
                 and c.initial_sent_at is null and c.claimed_at is not null
               returning c.id, c.action_id
           )
           insert into conversation_skips (conversation_id, action_id, volunteer_id)
           select id, action_id, $3 from skipped"#,
    )
    .bind(conversation_id)
    .bind(caller.org_id)
    .bind(caller.user.id)
    .execute(db)
    .await?;
    if skipped.rows_affected() == 0 {
        return Err(AppError::NotFound("That contact is not in your batch.".into()));
    }
    Ok(())
}

/// Gives back the caller's untexted contacts in the action (they left the texting screen).
pub async fn release(db: &PgPool, caller: &Caller, action_id: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query(
        r#"update conversations c
           set volunteer_id = case when a.keep_assignments then c.volunteer_id end, claimed_at = null, skipped_at = null
           from actions a
           where a.id = c.action_id and c.action_id = $1 and c.organization_id = $2 and c.volunteer_id = $3
             and c.initial_sent_at is null and c.claimed_at is not null"#,
    )
    .bind(action_id)
    .bind(caller.org_id)
    .bind(caller.user.id)
    .execute(db)
    .await?
    .rows_affected())
}
