use super::is_unique_violation;
use crate::domain::{JoinCode, OrgName, Role};
use crate::error::AppError;
use crate::model::orgs::OrgMembership;
use rand::Rng;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

const JOIN_CODE_KEY: &str = "organizations_join_code_key";
/// A fresh random code collides only when many organizations exist; retrying a few times
/// makes a failure practically impossible without a table of free codes.
const JOIN_CODE_ATTEMPTS: usize = 20;

fn random_join_code() -> JoinCode {
    JoinCode::from_number(rand::thread_rng().gen_range(0..1_000_000))
}

/// Creates an organization with `owner` as its first owner.
pub async fn create(db: &PgPool, name: &OrgName, owner: Uuid) -> Result<OrgMembership, AppError> {
    let mut tx = db.begin().await?;
    let id = Uuid::new_v4();
    let mut attempt = 0;
    loop {
        attempt += 1;
        // A savepoint per try: a unique violation aborts only the savepoint, not the transaction.
        let mut sp = sqlx::Acquire::begin(&mut *tx).await?;
        let inserted = sqlx::query("insert into organizations (id, name, join_code) values ($1, $2, $3)")
            .bind(id)
            .bind(name.as_str())
            .bind(random_join_code().as_str())
            .execute(&mut *sp)
            .await;
        match inserted {
            Ok(_) => {
                sp.commit().await?;
                break;
            }
            Err(e) if is_unique_violation(&e, JOIN_CODE_KEY) && attempt < JOIN_CODE_ATTEMPTS => {
                sp.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    sqlx::query("insert into memberships (organization_id, user_id, role) values ($1, $2, 'owner')")
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(OrgMembership { id, name: name.as_str().to_string(), role: Role::Owner, time_zone: Default::default() })
}

pub async fn list_for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Vec<OrgMembership>, AppError> {
    Ok(sqlx::query_as::<_, OrgMembership>(
        r#"select o.id, o.name, m.role, (select ts.default_time_zone from texting_settings ts where ts.organization_id = o.id) as time_zone
           from memberships m join organizations o on o.id = m.organization_id
           where m.user_id = $1
           order by lower(o.name), o.id"#,
    )
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

pub async fn membership(db: impl PgExecutor<'_>, org_id: Uuid, user_id: Uuid) -> Result<OrgMembership, AppError> {
    sqlx::query_as::<_, OrgMembership>(
        r#"select o.id, o.name, m.role, (select ts.default_time_zone from texting_settings ts where ts.organization_id = o.id) as time_zone
           from memberships m join organizations o on o.id = m.organization_id
           where m.organization_id = $1 and m.user_id = $2"#,
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::forbidden("You are not a member of this organization."))
}

/// Makes `user_id` a volunteer of the organization with this code, keeping any role they
/// already have. `field` names the form field the code came from, for the error message.
pub async fn join_with_code(
    db: impl PgExecutor<'_>,
    code: &JoinCode,
    user_id: Uuid,
    field: &str,
) -> Result<OrgMembership, AppError> {
    // The final select reads the table as it was before the insert, so a missing row there
    // means "just joined as a volunteer".
    sqlx::query_as::<_, OrgMembership>(
        r#"with org as (select id, name from organizations where join_code = $1),
           joined as (
               insert into memberships (organization_id, user_id, role)
               select id, $2, 'volunteer' from org
               on conflict (organization_id, user_id) do nothing
           )
           select o.id, o.name, coalesce(m.role, 'volunteer') as role,
                  (select ts.default_time_zone from texting_settings ts where ts.organization_id = o.id) as time_zone
           from org o left join memberships m on m.organization_id = o.id and m.user_id = $2"#,
    )
    .bind(code.as_str())
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| {
        AppError::invalid(field, format!("No organization has the code {code}. Check it with your organizer."))
    })
}

pub async fn join_code(db: impl PgExecutor<'_>, org_id: Uuid) -> Result<String, AppError> {
    Ok(sqlx::query_scalar::<_, String>("select join_code from organizations where id = $1")
        .bind(org_id)
        .fetch_one(db)
        .await?)
}

pub async fn rotate_join_code(db: &PgPool, org_id: Uuid) -> Result<String, AppError> {
    for _ in 0..JOIN_CODE_ATTEMPTS {
        let code = random_join_code();
        let updated = sqlx::query_scalar::<_, String>(
            "update organizations set join_code = $2 where id = $1 and join_code <> $2 returning join_code",
        )
        .bind(org_id)
        .bind(code.as_str())
        .fetch_optional(db)
        .await;
        match updated {
            Ok(Some(code)) => return Ok(code),
            // The same code again (one in a million) or someone else's: draw another.
            Ok(None) => continue,
            Err(e) if is_unique_violation(&e, JOIN_CODE_KEY) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    tracing::error!(%org_id, "could not find a free join code");
    Err(AppError::Internal)
}

/// Wrong codes a person may type within the window before joining is paused for them.
pub const MAX_JOIN_FAILURES: i64 = 10;
const JOIN_FAILURE_WINDOW_SECS: f64 = 15.0 * 60.0;

/// Seconds until `user_id` may try another code, if they have typed too many wrong ones.
pub async fn join_retry_after(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<Option<u64>, AppError> {
    let secs: Option<f64> = sqlx::query_scalar(
        r#"select extract(epoch from attempted_at + make_interval(secs => $2) - now())::float8
           from join_failures
           where user_id = $1 and attempted_at > now() - make_interval(secs => $2)
           order by attempted_at desc offset $3 - 1 limit 1"#,
    )
    .bind(user_id)
    .bind(JOIN_FAILURE_WINDOW_SECS)
    .bind(MAX_JOIN_FAILURES)
    .fetch_optional(db)
    .await?;
    Ok(secs.map(|s| s.ceil().max(1.0) as u64))
}

/// The name of the organization with this join code, if any.
pub async fn name_for_code(db: impl PgExecutor<'_>, code: &JoinCode) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("select name from organizations where join_code = $1")
        .bind(code.as_str())
        .fetch_optional(db)
        .await?)
}

pub async fn record_join_failure(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), AppError> {
    sqlx::query("insert into join_failures (user_id) values ($1)").bind(user_id).execute(db).await?;
    Ok(())
}
