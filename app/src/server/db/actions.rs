use crate::domain::action_lifecycle::{end_time, ActionStatus, Transition};
use crate::domain::action_results::Metric;
use crate::domain::cost_estimate::{estimate, format_dollars, Estimate, Prices};
use crate::domain::initial_scripts::{InitialScripts, VariantError};
use crate::domain::script_template::{LongestValues, RenderContext, ScriptValues, Variable};
use crate::domain::text_limits::{thousands, ACTION_TITLE, MESSAGE_BODY};
use crate::error::AppError;
use crate::model::actions::{ActionDetail, ActionEdit, ActionPage, ActionSummary};
use crate::model::settings::TextingSettings;
use crate::server::caller::Caller;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

const DETAIL: &str = r#"select id, title, description, disclaimer, start_label, folder, contact_list_id,
       preferred_area_codes, alternate_area_code, keep_assignments, language, districts, initial_script,
       initial_variants, script_image_id,
       (select i.file_name from script_images i where i.id = actions.script_image_id) as script_image_name,
       card_image_id, (select i.file_name from script_images i where i.id = actions.card_image_id) as card_image_name,
       status, publish_at, published_at, ends_at, cost_acknowledged_at, compliance_acknowledged_at, featured_at
from actions"#;

fn not_found() -> AppError {
    AppError::NotFound("That action does not exist.".into())
}

/// The organization an action belongs to, if the action exists: how the raw routes (uploads,
/// exports) find whom to authorize before they touch the request body.
pub async fn action_org(db: &PgPool, action_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar("select organization_id from actions where id = $1")
        .bind(action_id)
        .fetch_optional(db)
        .await?)
}

pub async fn list(
    db: impl PgExecutor<'_>,
    org_id: Uuid,
    status: Option<ActionStatus>,
) -> Result<Vec<ActionSummary>, AppError> {
    Ok(sqlx::query_as::<_, ActionSummary>(
        r#"select a.id, a.title, a.status, a.folder, l.name as list_name, l.contact_count, a.publish_at, a.ends_at, a.created_at,
                  coalesce(c.texted, 0) as texted, coalesce(c.replies, 0) as replies,
                  a.featured_at is not null as featured
           from actions a left join contact_lists l on l.id = a.contact_list_id
           left join lateral (
               -- The counters the results page reads, summed over volunteers.
               select sum(n) filter (where metric = $3)::bigint as texted,
                      sum(n) filter (where metric = $4)::bigint as replies
               from action_counts where action_id = a.id and metric in ($3, $4)
           ) c on true
           where a.organization_id = $1 and ($2::action_status is null or a.status = $2)
           order by a.folder, a.created_at desc, a.id"#,
    )
    .bind(org_id)
    .bind(status)
    .bind(Metric::InitialSent.as_str())
    .bind(Metric::Replies.as_str())
    .fetch_all(db)
    .await?)
}

pub async fn create(db: impl PgExecutor<'_>, caller: &Caller, title: &str) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    sqlx::query("insert into actions (id, organization_id, title, created_by) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(caller.org_id)
        .bind(title)
        .bind(caller.user.id)
        .execute(db)
        .await?;
    Ok(id)
}

async fn detail(db: impl PgExecutor<'_>, org_id: Uuid, action_id: Uuid, lock: bool) -> Result<ActionDetail, AppError> {
    let sql = format!("{DETAIL} where id = $1 and organization_id = $2{}", if lock { " for update" } else { "" });
    sqlx::query_as::<_, ActionDetail>(&sql).bind(action_id).bind(org_id).fetch_optional(db).await?.ok_or_else(not_found)
}

/// What the action's initial scripts lack, in words, one entry per failing script (see
/// `InitialScripts::describe_compliance_problems`); empty when they pass or cannot be parsed
/// (a parse error is reported on its own).
async fn compliance_problems(
    db: &mut PgConnection,
    org_id: Uuid,
    action: &ActionDetail,
) -> Result<Vec<String>, AppError> {
    let org_name: String =
        sqlx::query_scalar("select name from organizations where id = $1").bind(org_id).fetch_one(&mut *db).await?;
    let fields = match action.basics.contact_list_id {
        Some(list) => list_custom_fields(&mut *db, list).await?,
        None => Vec::new(),
    };
    Ok(InitialScripts::parse(&action.basics.initial_script, &action.basics.initial_variants, &fields)
        .map(|scripts| scripts.describe_compliance_problems(&org_name))
        .unwrap_or_default())
}

pub async fn page(db: &PgPool, org_id: Uuid, action_id: Uuid) -> Result<ActionPage, AppError> {
    let action = detail(db, org_id, action_id, false).await?;
    let lists: Vec<(Uuid, String, i32)> = sqlx::query_as(
        "select id, name, contact_count from contact_lists where organization_id = $1 order by created_at desc",
    )
    .bind(org_id)
    .fetch_all(db)
    .await?;
    let custom_fields = match action.basics.contact_list_id {
        Some(list) => list_custom_fields(db, list).await?,
        None => Vec::new(),
    };
    let mut conn = db.acquire().await?;
    // One costing for both the estimate and the script counters.
    let Costing { estimate, values: script_values } = estimate_for(&mut conn, org_id, &action).await?;
    let (estimate, estimate_missing) = match estimate {
        Ok(e) => (Some(e), None),
        Err(reason) => (None, Some(reason)),
    };
    let compliance_problems = compliance_problems(&mut conn, org_id, &action).await?;
    let (org_name, join_code): (String, String) =
        sqlx::query_as("select name, join_code from organizations where id = $1")
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(ActionPage {
        share_link: crate::domain::share_link::joining_path(org_id, action_id, &join_code),
        action,
        estimate,
        estimate_missing,
        lists,
        custom_fields,
        script_values,
        org_name,
        compliance_problems,
    })
}

async fn list_custom_fields(db: impl PgExecutor<'_>, list_id: Uuid) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("select custom_fields from contact_lists where id = $1")
        .bind(list_id)
        .fetch_optional(db)
        .await?
        .unwrap_or_default())
}

/// The values the editor counts a script with and the estimate charges: the list's first
/// contact as the sample, the longest names and field values the list holds, and the
/// organization's fallbacks.
pub async fn script_values(
    conn: &mut PgConnection,
    org_id: Uuid,
    list_id: Uuid,
    settings: &TextingSettings,
) -> Result<ScriptValues, AppError> {
    #[derive(sqlx::FromRow)]
    struct ListValues {
        longest_first: Option<String>,
        longest_last: Option<String>,
        sample_first: Option<String>,
        sample_last: Option<String>,
        sample_custom: Option<serde_json::Value>,
    }
    let list: ListValues = sqlx::query_as(
        r#"select (select first_name from contacts where list_id = l.id order by length(first_name) desc limit 1) as longest_first,
                  (select last_name from contacts where list_id = l.id order by length(last_name) desc limit 1) as longest_last,
                  s.first_name as sample_first, s.last_name as sample_last, s.custom as sample_custom
           from contact_lists l
           left join lateral (select first_name, last_name, custom from contacts where list_id = l.id order by id limit 1) s on true
           where l.id = $1"#,
    )
    .bind(list_id)
    .fetch_one(&mut *conn)
    .await?;
    let customs: Vec<(String, String)> = sqlx::query_as(
        r#"select distinct on (f.key) f.key, f.value from contacts c, jsonb_each_text(c.custom) f
           where c.list_id = $1 order by f.key, length(f.value) desc"#,
    )
    .bind(list_id)
    .fetch_all(&mut *conn)
    .await?;
    let (org_name, sender): (String, Option<String>) = sqlx::query_as(
        r#"select o.name, (select split_part(u.display_name, ' ', 1) from memberships m join users u on u.id = m.user_id
                            where m.organization_id = o.id order by length(split_part(u.display_name, ' ', 1)) desc limit 1)
           from organizations o where o.id = $1"#,
    )
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?;
    let mut longest = LongestValues::new();
    if let Some(first) = &list.longest_first {
        longest.observe_value(&Variable::FirstName, first);
    }
    if let Some(last) = &list.longest_last {
        longest.observe_value(&Variable::LastName, last);
    }
    if let Some(sender) = &sender {
        longest.observe_value(&Variable::SenderFirstName, sender);
    }
    longest.observe_value(&Variable::OrganizationName, &org_name);
    for (key, value) in customs {
        if let Some(variable) = Variable::from_name(&format!("custom:{key}")) {
            longest.observe_value(&variable, &value);
        }
    }
    let fallbacks = RenderContext {
        organization_name: org_name,
        contact_fallback_first_name: settings.contact_fallback_name.clone(),
        sender_fallback_first_name: settings.sender_fallback_name.clone(),
        ..RenderContext::default()
    };
    let custom_fields = match list.sample_custom {
        Some(serde_json::Value::Object(map)) => {
            map.into_iter().map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect()
        }
        _ => Default::default(),
    };
    let sample = RenderContext {
        contact_first_name: list.sample_first,
        contact_last_name: list.sample_last,
        sender_first_name: sender,
        custom_fields,
        ..fallbacks.clone()
    };
    Ok(ScriptValues { sample, longest, fallbacks })
}

/// The cost of sending the initial script to every contact of the list, with the longest
/// names and field values the list actually holds; `Err` says what is missing for one.
pub async fn estimate_for(conn: &mut PgConnection, org_id: Uuid, action: &ActionDetail) -> Result<Costing, AppError> {
    let Some(list_id) = action.basics.contact_list_id else {
        return Ok(Costing {
            estimate: Err("Choose a contact list to see what this action will cost.".into()),
            values: None,
        });
    };
    let settings = crate::server::db::settings::get_in(&mut *conn, org_id).await?;
    let values = script_values(&mut *conn, org_id, list_id, &settings).await?;
    let estimate = estimate_with(&mut *conn, action, list_id, &settings, &values).await?;
    Ok(Costing { estimate, values: Some(values) })
}

/// The estimate and the values it was counted with, which the editor's counters reuse.
pub struct Costing {
    pub estimate: Result<Estimate, String>,
    pub values: Option<ScriptValues>,
}

async fn estimate_with(
    conn: &mut PgConnection,
    action: &ActionDetail,
    list_id: Uuid,
    settings: &TextingSettings,
    values: &ScriptValues,
) -> Result<Result<Estimate, String>, AppError> {
    if action.basics.initial_script.trim().is_empty() {
        return Ok(Err("Write the initial script to see what this action will cost.".into()));
    }
    let custom_fields = list_custom_fields(&mut *conn, list_id).await?;
    let scripts =
        match InitialScripts::parse(&action.basics.initial_script, &action.basics.initial_variants, &custom_fields) {
            Ok(s) => s,
            Err(e) if e.variant == 1 => return Ok(Err(format!("The initial script has a problem: {}", e.error))),
            Err(e) => return Ok(Err(format!("The initial script has a problem: {e}"))),
        };
    let contacts: i32 = sqlx::query_scalar("select contact_count from contact_lists where id = $1")
        .bind(list_id)
        .fetch_one(&mut *conn)
        .await?;
    // Every variant goes to some contacts: charge the longest.
    let worst = scripts.worst_case_segments(&values.longest, &values.fallbacks);
    if worst.units > MESSAGE_BODY.max {
        return Ok(Err(format!(
            "For the contact with this list's longest names and fields the initial script is {} characters long; a text can be at most {} (the carrier refuses longer ones). Shorten the script.",
            thousands(worst.units as u64),
            thousands(MESSAGE_BODY.max as u64)
        )));
    }
    let segments = worst.segments.max(1) as u32;
    let prices = Prices {
        sms_segment_micros: settings.sms_segment_price_micros,
        mms_micros: settings.mms_price_micros,
        carrier_fee_micros: settings.carrier_fee_micros,
        number_monthly_micros: settings.number_monthly_price_micros,
    };
    Ok(Ok(estimate(contacts.max(0) as u64, segments, action.script_image_id.is_some(), &prices)))
}

pub async fn save(db: &PgPool, org_id: Uuid, action_id: Uuid, edit: &ActionEdit) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let current = detail(&mut *tx, org_id, action_id, true).await?;
    if !current.status.editable() {
        return Err(AppError::Conflict(match current.status {
            ActionStatus::Closed => "A closed action cannot be edited. Duplicate it instead.".into(),
            _ => "Pause the action before editing it, so volunteers never send from a changing script.".into(),
        }));
    }
    let custom_fields = match edit.contact_list_id {
        Some(list_id) => {
            let fields: Option<Vec<String>> =
                sqlx::query_scalar("select custom_fields from contact_lists where id = $1 and organization_id = $2")
                    .bind(list_id)
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            fields.ok_or_else(|| AppError::invalid("contact_list_id", "That contact list does not exist."))?
        }
        None => Vec::new(),
    };
    if !edit.initial_script.is_empty() || !edit.initial_variants.is_empty() {
        InitialScripts::parse(&edit.initial_script, &edit.initial_variants, &custom_fields).map_err(
            |e: VariantError| match e.variant {
                1 if edit.initial_script.is_empty() => {
                    AppError::invalid("initial_script", "Write the initial script before its variants.")
                }
                1 => AppError::invalid("initial_script", e.error),
                _ => AppError::invalid("initial_variants", e.to_string()),
            },
        )?;
    }
    // The list can only change before the action has gone live: contacts may have been texted.
    if current.published_at.is_some() && current.basics.contact_list_id != edit.contact_list_id {
        return Err(AppError::invalid(
            "contact_list_id",
            "The contact list cannot change once the action has gone live.",
        ));
    }
    sqlx::query(
        r#"update actions set title = $3, description = $4, disclaimer = $5, start_label = $6, folder = $7,
               contact_list_id = $8, preferred_area_codes = $9, alternate_area_code = $10, keep_assignments = $11,
               language = $12, districts = $13, initial_script = $14, initial_variants = $15
           where id = $1 and organization_id = $2"#,
    )
    .bind(action_id)
    .bind(org_id)
    .bind(&edit.title)
    .bind(&edit.description)
    .bind(&edit.disclaimer)
    .bind(&edit.start_label)
    .bind(&edit.folder)
    .bind(edit.contact_list_id)
    .bind(&edit.preferred_area_codes)
    .bind(edit.alternate_area_code)
    .bind(edit.keep_assignments)
    .bind(&edit.language)
    .bind(&edit.districts)
    .bind(&edit.initial_script)
    .bind(&edit.initial_variants)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn transition(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    transition: Transition,
    publish_at: Option<DateTime<Utc>>,
    acknowledged_micros: Option<i64>,
    // The admin who ticked "publish anyway" for scripts that fail the sender/opt-out check.
    compliance_acknowledged_by: Option<Uuid>,
) -> Result<ActionStatus, AppError> {
    let mut tx = db.begin().await?;
    // The row lock makes two admins' clicks (or two tabs) take turns.
    let action = detail(&mut *tx, org_id, action_id, true).await?;
    let next = action.status.apply(transition).map_err(AppError::Conflict)?;
    let now = Utc::now();
    let going_live = matches!(transition, Transition::Publish | Transition::Schedule);
    if going_live {
        if action.basics.contact_list_id.is_none() || action.basics.initial_script.trim().is_empty() {
            return Err(AppError::invalid(
                "transition",
                "Choose a contact list and write the initial script before publishing.",
            ));
        }
        // The estimate is recomputed here, on this transaction's connection (it holds the
        // action's row lock; asking the pool for more could wait on the clicks queued behind
        // it): what was acknowledged must be what it costs now, and no contact's text may be
        // longer than the carrier takes.
        let estimate =
            estimate_for(&mut *tx, org_id, &action).await?.estimate.map_err(|m| AppError::invalid("transition", m))?;
        if action.cost_acknowledged_at.is_none() {
            if acknowledged_micros != Some(estimate.total_micros) {
                return Err(AppError::invalid(
                    "acknowledged_micros",
                    format!(
                        "Confirm the estimated cost of {} before publishing.",
                        format_dollars(estimate.total_micros)
                    ),
                ));
            }
            acknowledge(&mut tx, action_id, estimate.total_micros).await?;
        }
        // The first text names the sender and offers a way out, or an admin said to go anyway.
        if action.compliance_acknowledged_at.is_none() {
            let problems = compliance_problems(&mut *tx, org_id, &action).await?;
            if !problems.is_empty() {
                let Some(admin) = compliance_acknowledged_by else {
                    return Err(AppError::invalid(
                        "acknowledge_compliance",
                        format!(
                            "{}. Fix the script, or tick \"Publish anyway\" to acknowledge it.",
                            problems.join(". ")
                        ),
                    ));
                };
                sqlx::query(
                    "update actions set compliance_acknowledged_at = $2, compliance_acknowledged_by = $3 where id = $1",
                )
                .bind(action_id)
                .bind(now)
                .bind(admin)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    match transition {
        Transition::Schedule => {
            let at = publish_at.ok_or_else(|| AppError::invalid("publish_at", "Choose when the action goes live."))?;
            if at <= now {
                return Err(AppError::invalid("publish_at", "Choose a start in the future, or publish now."));
            }
            let ends = end_time(at, None).map_err(|m| AppError::invalid("publish_at", m))?;
            sqlx::query("update actions set status = 'scheduled', publish_at = $2, ends_at = $3 where id = $1")
                .bind(action_id)
                .bind(at)
                .bind(ends)
                .execute(&mut *tx)
                .await?;
        }
        Transition::Publish => {
            let ends = end_time(now, None).map_err(|m| AppError::invalid("transition", m))?;
            sqlx::query("update actions set status = 'published', published_at = coalesce(published_at, $2), publish_at = null, ends_at = coalesce(ends_at, $3) where id = $1")
                .bind(action_id)
                .bind(now)
                .bind(ends)
                .execute(&mut *tx)
                .await?;
        }
        Transition::Close => {
            sqlx::query("update actions set status = 'closed', closed_at = $2 where id = $1")
                .bind(action_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Transition::Unschedule => {
            sqlx::query("update actions set status = 'draft', publish_at = null, ends_at = null where id = $1")
                .bind(action_id)
                .execute(&mut *tx)
                .await?;
        }
        Transition::Pause | Transition::Resume => {
            sqlx::query("update actions set status = $2 where id = $1")
                .bind(action_id)
                .bind(next)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(next)
}

async fn acknowledge(tx: &mut Transaction<'_, Postgres>, action_id: Uuid, micros: i64) -> Result<(), AppError> {
    sqlx::query("update actions set cost_acknowledged_at = now(), cost_acknowledged_micros = $2 where id = $1")
        .bind(action_id)
        .bind(micros)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Scheduled actions whose time has come go live; live ones past their end close. Run by the
/// server's clock task; safe to run from several processes at once.
pub async fn advance_clock(db: &PgPool) -> Result<(u64, u64), AppError> {
    let published = sqlx::query(
        "update actions set status = 'published', published_at = coalesce(published_at, publish_at) where status = 'scheduled' and publish_at <= now()",
    )
    .execute(db)
    .await?
    .rows_affected();
    let closed = sqlx::query(
        "update actions set status = 'closed', closed_at = now() where status in ('published', 'paused') and ends_at <= now()",
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok((published, closed))
}

pub async fn set_end(
    db: &PgPool,
    org_id: Uuid,
    action_id: Uuid,
    requested: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let mut tx = db.begin().await?;
    let action = detail(&mut *tx, org_id, action_id, true).await?;
    // The run is measured from when the action went (or goes) live; a draft has no such time
    // yet and gets the default when it is scheduled or published.
    let live_at = match action.status {
        ActionStatus::Closed => return Err(AppError::Conflict("A closed action cannot be reopened.".into())),
        ActionStatus::Draft => {
            return Err(AppError::invalid(
                "ends_at",
                "Schedule or publish the action first; it then runs 15 days unless you change the end.",
            ))
        }
        _ => action.published_at.or(action.publish_at).unwrap_or_else(Utc::now),
    };
    if requested <= Utc::now() {
        return Err(AppError::invalid("ends_at", "Choose an end in the future, or close the action."));
    }
    let ends = end_time(live_at, Some(requested)).map_err(|m| AppError::invalid("ends_at", m))?;
    sqlx::query("update actions set ends_at = $2 where id = $1").bind(action_id).bind(ends).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(ends)
}

/// Pins the action to the top of the volunteers' list, or unpins it. Pinning again keeps the
/// first time it was pinned.
pub async fn set_featured(db: &PgPool, org_id: Uuid, action_id: Uuid, featured: bool) -> Result<(), AppError> {
    let updated = sqlx::query(
        r#"update actions set featured_at = case when $3 then coalesce(featured_at, now()) end
           where id = $1 and organization_id = $2"#,
    )
    .bind(action_id)
    .bind(org_id)
    .bind(featured)
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

pub async fn duplicate(db: &PgPool, caller: &Caller, action_id: Uuid) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let copied = sqlx::query(
        r#"insert into actions (id, organization_id, title, description, disclaimer, start_label, folder,
               preferred_area_codes, alternate_area_code, keep_assignments, language, districts, initial_script,
               initial_variants, script_image_id, card_image_id, script_tree, report_tag_ids, report_field_ids, created_by)
           select $1, organization_id, left('Copy of ' || title, $5), description, disclaimer, start_label, folder,
                  preferred_area_codes, alternate_area_code, keep_assignments, language, districts, initial_script,
                  initial_variants, script_image_id, card_image_id, script_tree, report_tag_ids, report_field_ids, $4
           from actions where id = $2 and organization_id = $3"#,
    )
    .bind(id)
    .bind(action_id)
    .bind(caller.org_id)
    .bind(caller.user.id)
    .bind(ACTION_TITLE.max as i32)
    .execute(db)
    .await?;
    if copied.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(id)
}
