use crate::domain::org_time::OrgTimeZone;
use crate::domain::volunteer_profile::{District, Languages};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::members::{Member, MemberProfile};
use crate::server::caller::Caller;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The caller's role in the organization and the organization's time zone (every time shown
/// or read for them is in it), or `None` for a non-member.
pub async fn role_of(
    db: impl PgExecutor<'_>,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<Option<(Role, OrgTimeZone)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct RoleRow {
        role: Role,
        time_zone: Option<String>,
    }
    let row = sqlx::query_as::<_, RoleRow>(
        r#"select m.role, ts.default_time_zone as time_zone
           from memberships m left join texting_settings ts on ts.organization_id = m.organization_id
           where m.organization_id = $1 and m.user_id = $2"#,
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok((r.role, OrgTimeZone::try_from(r.time_zone).map_err(|e| AppError::stored("default_time_zone", e))?)))
        .transpose()
}

pub async fn list(db: impl PgExecutor<'_>, org_id: Uuid) -> Result<Vec<Member>, AppError> {
    Ok(sqlx::query_as::<_, Member>(
        r#"select u.id as user_id, u.display_name, u.email::text as email, m.role, m.created_at as joined_at,
                  m.district, m.languages
           from memberships m join users u on u.id = m.user_id
           where m.organization_id = $1
           order by m.role, lower(u.display_name), u.id"#,
    )
    .bind(org_id)
    .fetch_all(db)
    .await?)
}

pub async fn profile(db: &PgPool, caller: &Caller) -> Result<MemberProfile, AppError> {
    let (district, languages, districts_in_use): (Option<String>, Vec<String>, Vec<String>) = sqlx::query_as(
        r#"select m.district, m.languages,
                  array(select distinct d from actions a, unnest(a.districts) d
                        where a.organization_id = m.organization_id and a.status <> 'closed' order by d)
           from memberships m where m.organization_id = $1 and m.user_id = $2"#,
    )
    .bind(caller.org_id)
    .bind(caller.user.id)
    .fetch_one(db)
    .await?;
    Ok(MemberProfile { user_id: caller.user.id, district, languages, districts_in_use })
}

pub async fn set_profile(
    db: &PgPool,
    org_id: Uuid,
    user_id: Uuid,
    district: Option<&District>,
    languages: &Languages,
) -> Result<(), AppError> {
    let updated =
        sqlx::query("update memberships set district = $3, languages = $4 where organization_id = $1 and user_id = $2")
            .bind(org_id)
            .bind(user_id)
            .bind(district.map(District::as_str))
            .bind(languages.codes())
            .execute(db)
            .await?
            .rows_affected();
    if updated == 0 {
        return Err(AppError::NotFound("That person is not a member of this organization.".into()));
    }
    Ok(())
}

/// Locks the organization's owner rows and the target's row, and checks that the caller may
/// change the target's membership. Locking the owners first means two owners demoting each
/// other at the same moment cannot leave the organization with none.
async fn lock_target(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    target: Uuid,
) -> Result<(Role, i64), AppError> {
    let owners: Vec<Uuid> =
        sqlx::query_scalar("select user_id from memberships where organization_id = $1 and role = 'owner' for update")
            .bind(caller.org_id)
            .fetch_all(&mut **tx)
            .await?;
    let role = sqlx::query_scalar::<_, Role>(
        "select role from memberships where organization_id = $1 and user_id = $2 for update",
    )
    .bind(caller.org_id)
    .bind(target)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That person is not a member of this organization.".into()))?;
    if role == Role::Owner && caller.role != Role::Owner {
        return Err(AppError::forbidden("Only an owner can change another owner's membership."));
    }
    Ok((role, owners.len() as i64))
}

pub async fn set_role(db: &PgPool, caller: &Caller, target: Uuid, role: Role) -> Result<(), AppError> {
    if role == Role::Owner && caller.role != Role::Owner {
        return Err(AppError::forbidden("Only an owner can make someone an owner."));
    }
    let mut tx = db.begin().await?;
    let (current, owners) = lock_target(&mut tx, caller, target).await?;
    if current == Role::Owner && role != Role::Owner && owners <= 1 {
        return Err(AppError::Conflict(
            "An organization needs at least one owner. Make someone else an owner first.".into(),
        ));
    }
    sqlx::query("update memberships set role = $3 where organization_id = $1 and user_id = $2")
        .bind(caller.org_id)
        .bind(target)
        .bind(role)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(db: &PgPool, caller: &Caller, target: Uuid) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let (current, owners) = lock_target(&mut tx, caller, target).await?;
    if current == Role::Owner && owners <= 1 {
        return Err(AppError::Conflict(
            "An organization needs at least one owner. Make someone else an owner first.".into(),
        ));
    }
    sqlx::query("delete from memberships where organization_id = $1 and user_id = $2")
        .bind(caller.org_id)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
